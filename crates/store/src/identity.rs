//! Identity in the control plane: users' credentials and MFA, memberships as the portal sees
//! them, sessions and hand-off codes, API keys, token signing keys, login throttling,
//! notifications and contact messages. Times here are Unix seconds (see migration 0002).

use sqlx::FromRow;
use tenantry_domain::{TenantId, TenantRole, UserId};
use time::OffsetDateTime;

use crate::control::{corrupt, ControlStore};
use crate::error::{Result, StoreError};
use crate::on_db;

/// Unix seconds now.
pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    /// `invited`, `active` or `disabled`.
    pub status: String,
    pub platform_role: Option<String>,
    pub totp_secret_enc: Option<String>,
    pub totp_enabled_at: Option<i64>,
    pub default_tenant_id: Option<TenantId>,
    pub last_login_at: Option<i64>,
}

impl UserRecord {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    pub fn is_disabled(&self) -> bool {
        self.status == "disabled"
    }

    pub fn has_totp(&self) -> bool {
        self.totp_enabled_at.is_some() && self.totp_secret_enc.is_some()
    }
}

#[derive(FromRow)]
struct UserRow {
    id: String,
    email: String,
    display_name: Option<String>,
    password_hash: Option<String>,
    status: String,
    platform_role: Option<String>,
    totp_secret_enc: Option<String>,
    totp_enabled_at: Option<i64>,
    default_tenant_id: Option<String>,
    last_login_at: Option<i64>,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self> {
        Ok(UserRecord {
            id: r.id.parse().map_err(corrupt)?,
            email: r.email,
            display_name: r.display_name,
            password_hash: r.password_hash,
            status: r.status,
            platform_role: r.platform_role,
            totp_secret_enc: r.totp_secret_enc,
            totp_enabled_at: r.totp_enabled_at,
            default_tenant_id: r
                .default_tenant_id
                .map(|t| t.parse())
                .transpose()
                .map_err(corrupt)?,
            last_login_at: r.last_login_at,
        })
    }
}

/// id, user, tenant, expiry, use, the user's status.
type InvitationRow = (
    String,
    String,
    Option<String>,
    OffsetDateTime,
    Option<OffsetDateTime>,
    String,
);

const USER_COLUMNS: &str = "id, email, display_name, password_hash, status, platform_role, \
     totp_secret_enc, totp_enabled_at, default_tenant_id, last_login_at";

/// A tenant as one of its members sees it in the portal.
#[derive(Clone, Debug)]
pub struct MembershipRecord {
    pub tenant_id: TenantId,
    pub tenant_name: String,
    pub subdomain: String,
    pub tenant_status: String,
    pub role: TenantRole,
}

/// A member as the tenant's admins see them.
#[derive(Clone, Debug)]
pub struct MemberRecord {
    pub user_id: UserId,
    pub email: String,
    pub display_name: Option<String>,
    pub user_status: String,
    pub role: TenantRole,
    pub active: bool,
    /// Invited, and not yet accepted: no access until they do.
    pub pending: bool,
    pub last_login_at: Option<i64>,
}

/// How a pending membership may be accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingVia {
    /// From the portal, by the signed-in person (they had an account when invited).
    Portal,
    /// Only through the invitation link (the account was new).
    Link,
}

impl PendingVia {
    fn as_str(self) -> &'static str {
        match self {
            PendingVia::Portal => "portal",
            PendingVia::Link => "link",
        }
    }
}

/// What an invitation, once accepted, did.
#[derive(Clone, Debug)]
pub struct AcceptedInvitation {
    pub user_id: UserId,
    pub tenant_id: Option<TenantId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStage {
    /// The password was right; a second factor is still owed.
    Mfa,
    Active,
}

impl SessionStage {
    fn as_str(self) -> &'static str {
        match self {
            SessionStage::Mfa => "mfa",
            SessionStage::Active => "active",
        }
    }
}

#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user_id: UserId,
    /// `None` for a portal session; the tenant for a session on that tenant's own host.
    pub tenant_id: Option<TenantId>,
    pub origin_hash: Option<String>,
    pub selected_tenant_id: Option<TenantId>,
    pub stage: SessionStage,
    /// Whether this session has proven a second factor (what entering a client that requires
    /// MFA asks for).
    pub second_factor: bool,
    pub csrf_token: String,
    pub remember: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

#[derive(FromRow)]
struct SessionRow {
    id_hash: String,
    user_id: String,
    tenant_id: Option<String>,
    origin_hash: Option<String>,
    selected_tenant_id: Option<String>,
    stage: String,
    second_factor: bool,
    csrf_token: String,
    remember: bool,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
}

impl TryFrom<SessionRow> for SessionRecord {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Self> {
        Ok(SessionRecord {
            id_hash: r.id_hash,
            user_id: r.user_id.parse().map_err(corrupt)?,
            tenant_id: r
                .tenant_id
                .map(|t| t.parse())
                .transpose()
                .map_err(corrupt)?,
            origin_hash: r.origin_hash,
            selected_tenant_id: r
                .selected_tenant_id
                .map(|t| t.parse())
                .transpose()
                .map_err(corrupt)?,
            stage: match r.stage.as_str() {
                "mfa" => SessionStage::Mfa,
                "active" => SessionStage::Active,
                other => return Err(corrupt(format!("session stage {other:?}"))),
            },
            second_factor: r.second_factor,
            csrf_token: r.csrf_token,
            remember: r.remember,
            ip: r.ip,
            user_agent: r.user_agent,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            expires_at: r.expires_at,
        })
    }
}

const SESSION_COLUMNS: &str = "id_hash, user_id, tenant_id, origin_hash, selected_tenant_id, \
     stage, csrf_token, remember, ip, user_agent, created_at, last_seen_at, expires_at, second_factor";

/// A hand-off code, taken: who it was for and where.
#[derive(Clone, Debug)]
pub struct Handoff {
    pub origin_hash: String,
    pub user_id: UserId,
    pub tenant_id: TenantId,
}

#[derive(Clone, Debug)]
pub struct ApiKeyRecord {
    pub key_id: String,
    pub secret_hash: String,
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub role: TenantRole,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(FromRow)]
struct ApiKeyRow {
    key_id: String,
    secret_hash: String,
    user_id: String,
    tenant_id: String,
    role: String,
    label: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TryFrom<ApiKeyRow> for ApiKeyRecord {
    type Error = StoreError;
    fn try_from(r: ApiKeyRow) -> Result<Self> {
        Ok(ApiKeyRecord {
            key_id: r.key_id,
            secret_hash: r.secret_hash,
            user_id: r.user_id.parse().map_err(corrupt)?,
            tenant_id: r.tenant_id.parse().map_err(corrupt)?,
            role: TenantRole::parse(&r.role).map_err(corrupt)?,
            label: r.label,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

const API_KEY_COLUMNS: &str =
    "key_id, secret_hash, user_id, tenant_id, role, label, created_at, last_used_at, revoked_at";

#[derive(Clone, Debug)]
pub struct PasskeyRecord {
    /// The credential id, base64url.
    pub cred_id: String,
    pub user_id: UserId,
    pub name: String,
    /// The webauthn-rs `Passkey`, as JSON.
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(FromRow)]
struct PasskeyRow {
    cred_id: String,
    user_id: String,
    name: String,
    passkey: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl TryFrom<PasskeyRow> for PasskeyRecord {
    type Error = StoreError;
    fn try_from(r: PasskeyRow) -> Result<Self> {
        Ok(PasskeyRecord {
            cred_id: r.cred_id,
            user_id: r.user_id.parse().map_err(corrupt)?,
            name: r.name,
            passkey: r.passkey,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        })
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub algorithm: String,
    pub private_key_enc: String,
    pub public_key: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

#[derive(Clone, Debug, FromRow)]
pub struct NotificationRecord {
    pub id: i64,
    pub tenant_id: Option<String>,
    pub message: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct ContactMessage<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub company: Option<&'a str>,
    pub message: &'a str,
    pub ip: Option<&'a str>,
}

impl ControlStore {
    // ---- users ----

    pub async fn user(&self, id: UserId) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = on_db!(self.db(), p => sqlx::query_as(&sql)
            .bind(id.to_string())
            .fetch_optional(p)
            .await?);
        row.map(UserRecord::try_from).transpose()
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let row: Option<UserRow> = on_db!(self.db(), p => sqlx::query_as(&sql)
            .bind(email)
            .fetch_optional(p)
            .await?);
        row.map(UserRecord::try_from).transpose()
    }

    /// Sets a new password hash (and activates an invited user).
    pub async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "UPDATE users SET password_hash = $1, updated_at = $2,
                 status = CASE WHEN status = 'invited' THEN 'active' ELSE status END
             WHERE id = $3",
        )
        .bind(hash)
        .bind(crate::control::now())
        .bind(user.to_string())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn set_display_name(&self, user: UserId, name: Option<&str>) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE users SET display_name = $1, updated_at = $2 WHERE id = $3")
            .bind(name)
            .bind(crate::control::now())
            .bind(user.to_string())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn set_platform_role(&self, user: UserId, role: Option<&str>) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE users SET platform_role = $1, updated_at = $2 WHERE id = $3")
            .bind(role)
            .bind(crate::control::now())
            .bind(user.to_string())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn set_user_status(&self, user: UserId, status: &str) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE users SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status)
            .bind(crate::control::now())
            .bind(user.to_string())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn record_login(&self, user: UserId, at: i64) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(at)
            .bind(user.to_string())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn set_default_tenant(&self, user: UserId, tenant: Option<TenantId>) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE users SET default_tenant_id = $1 WHERE id = $2")
            .bind(tenant.map(|t| t.to_string()))
            .bind(user.to_string())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Uses an invitation: in one transaction, checks that it is unused and unexpired, marks it
    /// used, sets the password and activates the user (and the membership it was for). `None`
    /// when the token is unknown, used or expired.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<Option<AcceptedInvitation>> {
        on_db!(self.db(), p => {
            let mut tx = p.begin().await?;
            let row: Option<InvitationRow> =
                sqlx::query_as(
                    "SELECT i.id, i.user_id, i.tenant_id, i.expires_at, i.used_at, u.status
                     FROM invitations i JOIN users u ON u.id = i.user_id WHERE i.token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((id, user_id, tenant_id, expires_at, used_at, status)) = row else {
                return Ok(None);
            };
            let t = crate::control::now();
            if used_at.is_some() || expires_at <= t {
                return Ok(None);
            }
            // A client's invitation sets the password only of an account never set up: anyone
            // else accepts it signed in (`accept_invitation_signed_in`), so a link one client's
            // admin holds cannot take over an account.
            if tenant_id.is_some() && status != "invited" {
                return Ok(None);
            }
            let claimed = sqlx::query("UPDATE invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                .bind(t)
                .bind(&id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if claimed != 1 {
                return Ok(None);
            }
            sqlx::query(
                "UPDATE users SET password_hash = $1, updated_at = $2,
                     status = CASE WHEN status = 'invited' THEN 'active' ELSE status END
                 WHERE id = $3",
            )
            .bind(password_hash)
            .bind(t)
            .bind(&user_id)
            .execute(&mut *tx)
            .await?;
            if let Some(tenant) = &tenant_id {
                sqlx::query("UPDATE memberships SET pending = NULL WHERE user_id = $1 AND tenant_id = $2")
                    .bind(&user_id)
                    .bind(tenant)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(Some(AcceptedInvitation {
                user_id: user_id.parse().map_err(corrupt)?,
                tenant_id: tenant_id.map(|t| t.parse()).transpose().map_err(corrupt)?,
            }))
        })
    }

    /// Uses a client's invitation for `user`, already signed in: marks it used and makes them a
    /// member. `None` when the link is unknown, used, expired, for someone else or not a
    /// client's.
    pub async fn accept_invitation_signed_in(
        &self,
        token_hash: &str,
        user: UserId,
    ) -> Result<Option<TenantId>> {
        on_db!(self.db(), p => {
            let mut tx = p.begin().await?;
            let t = crate::control::now();
            let tenant: Option<Option<String>> = sqlx::query_scalar(
                "UPDATE invitations SET used_at = $1
                 WHERE token_hash = $2 AND user_id = $3 AND tenant_id IS NOT NULL
                   AND used_at IS NULL AND expires_at > $1
                 RETURNING tenant_id",
            )
            .bind(t)
            .bind(token_hash)
            .bind(user.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(Some(tenant)) = tenant else {
                return Ok(None);
            };
            sqlx::query("UPDATE memberships SET pending = NULL WHERE user_id = $1 AND tenant_id = $2")
                .bind(user.to_string())
                .bind(&tenant)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(tenant.parse().map_err(corrupt)?))
        })
    }

    // ---- single sign-on links ----

    pub async fn linked_user(&self, provider: &str, subject: &str) -> Result<Option<UserId>> {
        let id: Option<String> = on_db!(self.db(), p => sqlx::query_scalar(
            "SELECT user_id FROM user_identities WHERE provider = $1 AND subject = $2",
        )
        .bind(provider)
        .bind(subject)
        .fetch_optional(p)
        .await?);
        id.map(|i| i.parse().map_err(corrupt)).transpose()
    }

    pub async fn link_identity(&self, provider: &str, subject: &str, user: UserId) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "INSERT INTO user_identities (provider, subject, user_id, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (provider, subject) DO NOTHING",
        )
        .bind(provider)
        .bind(subject)
        .bind(user.to_string())
        .bind(unix_now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Grants `role` in `tenant` (creating, reactivating or confirming the membership).
    pub async fn grant_membership(
        &self,
        user: UserId,
        tenant: TenantId,
        role: TenantRole,
    ) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "INSERT INTO memberships (user_id, tenant_id, role, created_at, active) VALUES ($1, $2, $3, $4, TRUE)
             ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = excluded.role, active = TRUE, pending = NULL",
        )
        .bind(user.to_string())
        .bind(tenant.to_string())
        .bind(role.as_str())
        .bind(crate::control::now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    // ---- passkeys ----

    pub async fn insert_passkey(&self, p: &PasskeyRecord) -> Result<()> {
        on_db!(self.db(), pool => sqlx::query(
            "INSERT INTO passkeys (cred_id, user_id, name, passkey, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&p.cred_id)
        .bind(p.user_id.to_string())
        .bind(&p.name)
        .bind(&p.passkey)
        .bind(p.created_at)
        .bind(p.last_used_at)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn passkey(&self, cred_id: &str) -> Result<Option<PasskeyRecord>> {
        let row: Option<PasskeyRow> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT cred_id, user_id, name, passkey, created_at, last_used_at FROM passkeys WHERE cred_id = $1",
        )
        .bind(cred_id)
        .fetch_optional(p)
        .await?);
        row.map(PasskeyRecord::try_from).transpose()
    }

    pub async fn passkeys_of(&self, user: UserId) -> Result<Vec<PasskeyRecord>> {
        let rows: Vec<PasskeyRow> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT cred_id, user_id, name, passkey, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY created_at, cred_id",
        )
        .bind(user.to_string())
        .fetch_all(p)
        .await?);
        rows.into_iter().map(PasskeyRecord::try_from).collect()
    }

    /// Stores a passkey's new signature counter after a use.
    pub async fn update_passkey(&self, cred_id: &str, passkey: &str, used_at: i64) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE passkeys SET passkey = $1, last_used_at = $2 WHERE cred_id = $3")
            .bind(passkey)
            .bind(used_at)
            .bind(cred_id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Removes the user's passkey; `false` if it is not theirs.
    pub async fn delete_passkey(&self, user: UserId, cred_id: &str) -> Result<bool> {
        let n = on_db!(self.db(), p => sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND cred_id = $2")
            .bind(user.to_string())
            .bind(cred_id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    // ---- MFA ----

    /// Stores a TOTP secret (encrypted) that is not yet confirmed.
    pub async fn set_totp_secret(&self, user: UserId, secret_enc: Option<&str>) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "UPDATE users SET totp_secret_enc = $1, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $2",
        )
        .bind(secret_enc)
        .bind(user.to_string())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn enable_totp(&self, user: UserId, at: i64) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE users SET totp_enabled_at = $1 WHERE id = $2 AND totp_secret_enc IS NOT NULL")
            .bind(at)
            .bind(user.to_string())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Records that the TOTP code of `step` was used. `false` if that step (or a later one) was
    /// already used: a code works once.
    pub async fn claim_totp_step(&self, user: UserId, step: i64) -> Result<bool> {
        let n = on_db!(self.db(), p => sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user.to_string())
        .execute(p)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    pub async fn replace_recovery_codes(&self, user: UserId, hashes: &[String]) -> Result<()> {
        on_db!(self.db(), p => {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(user.to_string())
                .execute(&mut *tx)
                .await?;
            for h in hashes {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(user.to_string())
                    .bind(h)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Uses a recovery code once. `false` if it is unknown or used.
    pub async fn use_recovery_code(&self, user: UserId, hash: &str, at: i64) -> Result<bool> {
        let n = on_db!(self.db(), p => sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(at)
        .bind(user.to_string())
        .bind(hash)
        .execute(p)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    pub async fn unused_recovery_codes(&self, user: UserId) -> Result<i64> {
        Ok(on_db!(self.db(), p => sqlx::query_scalar(
            "SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user.to_string())
        .fetch_one(p)
        .await?))
    }

    // ---- memberships ----

    /// The tenants a user is an active member of, by name. Tenants still being provisioned are
    /// left out.
    pub async fn memberships_of(&self, user: UserId) -> Result<Vec<MembershipRecord>> {
        self.memberships_in_state(user, "m.pending IS NULL").await
    }

    /// The tenants (with their `role`) `user` belongs to in the state `pending` names.
    async fn memberships_in_state(
        &self,
        user: UserId,
        pending: &str,
    ) -> Result<Vec<MembershipRecord>> {
        let sql = format!(
            "SELECT t.id, t.name, t.subdomain, t.status, m.role
             FROM memberships m JOIN tenants t ON t.id = m.tenant_id
             WHERE m.user_id = $1 AND m.active = TRUE AND {pending} AND t.status <> 'provisioning'
             ORDER BY t.name"
        );
        let rows: Vec<(String, String, String, String, String)> = on_db!(self.db(), p => sqlx::query_as(&sql)
            .bind(user.to_string())
            .fetch_all(p)
            .await?);
        rows.into_iter()
            .map(|(id, name, subdomain, status, role)| {
                Ok(MembershipRecord {
                    tenant_id: id.parse().map_err(corrupt)?,
                    tenant_name: name,
                    subdomain,
                    tenant_status: status,
                    role: TenantRole::parse(&role).map_err(corrupt)?,
                })
            })
            .collect()
    }

    /// The user's role in the tenant, if they are an active member.
    pub async fn role_in(&self, user: UserId, tenant: TenantId) -> Result<Option<TenantRole>> {
        let role: Option<String> = on_db!(self.db(), p => sqlx::query_scalar(
            "SELECT role FROM memberships WHERE user_id = $1 AND tenant_id = $2 AND active = TRUE AND pending IS NULL",
        )
        .bind(user.to_string())
        .bind(tenant.to_string())
        .fetch_optional(p)
        .await?);
        role.map(|r| TenantRole::parse(&r).map_err(corrupt))
            .transpose()
    }

    pub async fn members(&self, tenant: TenantId) -> Result<Vec<MemberRecord>> {
        self.members_where(tenant, None).await
    }

    /// One person's membership of `tenant` (pending, active or not), if any.
    pub async fn member(&self, tenant: TenantId, user: UserId) -> Result<Option<MemberRecord>> {
        Ok(self.members_where(tenant, Some(user)).await?.pop())
    }

    async fn members_where(
        &self,
        tenant: TenantId,
        user: Option<UserId>,
    ) -> Result<Vec<MemberRecord>> {
        type Row = (
            String,
            String,
            Option<String>,
            String,
            String,
            bool,
            Option<i64>,
            Option<String>,
        );
        let rows: Vec<Row> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT u.id, u.email, u.display_name, u.status, m.role, m.active, u.last_login_at, m.pending
             FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.tenant_id = $1 AND ($2 IS NULL OR m.user_id = $2) ORDER BY u.email",
        )
        .bind(tenant.to_string())
        .bind(user.map(|u| u.to_string()))
        .fetch_all(p)
        .await?);
        rows.into_iter()
            .map(
                |(id, email, display_name, status, role, active, last_login_at, pending)| {
                    Ok(MemberRecord {
                        user_id: id.parse().map_err(corrupt)?,
                        email,
                        display_name,
                        user_status: status,
                        role: TenantRole::parse(&role).map_err(corrupt)?,
                        active,
                        pending: pending.is_some(),
                        last_login_at,
                    })
                },
            )
            .collect()
    }

    /// Activates or deactivates a membership; `false` if there is none.
    pub async fn set_membership_active(
        &self,
        user: UserId,
        tenant: TenantId,
        active: bool,
    ) -> Result<bool> {
        let n = on_db!(self.db(), p => sqlx::query("UPDATE memberships SET active = $1 WHERE user_id = $2 AND tenant_id = $3")
            .bind(active)
            .bind(user.to_string())
            .bind(tenant.to_string())
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// Active members of the tenant (for plan limits).
    pub async fn active_member_count(&self, tenant: TenantId) -> Result<i64> {
        Ok(on_db!(self.db(), p => sqlx::query_scalar(
            "SELECT count(*) FROM memberships WHERE tenant_id = $1 AND active = TRUE",
        )
        .bind(tenant.to_string())
        .fetch_one(p)
        .await?))
    }

    /// Offers `role` in `tenant` to `user`, pending their acceptance `via` the portal or only
    /// their invitation link. An offer still pending is replaced; `false` (and nothing changed)
    /// when they are already a member.
    pub async fn offer_membership(
        &self,
        user: UserId,
        tenant: TenantId,
        role: TenantRole,
        via: PendingVia,
    ) -> Result<bool> {
        let n = on_db!(self.db(), p => sqlx::query(
            "INSERT INTO memberships (user_id, tenant_id, role, created_at, active, pending)
             VALUES ($1, $2, $3, $4, TRUE, $5)
             ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = excluded.role, pending = excluded.pending
             WHERE memberships.pending IS NOT NULL",
        )
        .bind(user.to_string())
        .bind(tenant.to_string())
        .bind(role.as_str())
        .bind(crate::control::now())
        .bind(via.as_str())
        .execute(p)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// Accepts, from the portal, an offer made to someone who already had an account; `false`
    /// when there is no such offer.
    pub async fn accept_membership(&self, user: UserId, tenant: TenantId) -> Result<bool> {
        on_db!(self.db(), p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE memberships SET pending = NULL WHERE user_id = $1 AND tenant_id = $2 AND pending = 'portal'",
            )
            .bind(user.to_string())
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(false);
            }
            // Its link is spent with it.
            sqlx::query("UPDATE invitations SET used_at = $1 WHERE user_id = $2 AND tenant_id = $3 AND used_at IS NULL")
                .bind(crate::control::now())
                .bind(user.to_string())
                .bind(tenant.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Declines (or withdraws) a pending offer, with its unused invitation links; `false` when
    /// there is none.
    pub async fn decline_membership(&self, user: UserId, tenant: TenantId) -> Result<bool> {
        on_db!(self.db(), p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "DELETE FROM memberships WHERE user_id = $1 AND tenant_id = $2 AND pending IS NOT NULL",
            )
            .bind(user.to_string())
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("DELETE FROM invitations WHERE user_id = $1 AND tenant_id = $2 AND used_at IS NULL")
                .bind(user.to_string())
                .bind(tenant.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// The offers a signed-in user may accept from the portal.
    pub async fn pending_memberships_of(&self, user: UserId) -> Result<Vec<MembershipRecord>> {
        self.memberships_in_state(user, "m.pending = 'portal'")
            .await
    }

    pub async fn tenant_mfa_required(&self, tenant: TenantId) -> Result<bool> {
        let v: Option<bool> = on_db!(self.db(), p => sqlx::query_scalar("SELECT mfa_required FROM tenants WHERE id = $1")
            .bind(tenant.to_string())
            .fetch_optional(p)
            .await?);
        Ok(v.unwrap_or(false))
    }

    pub async fn set_tenant_mfa_required(&self, tenant: TenantId, required: bool) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE tenants SET mfa_required = $1 WHERE id = $2")
            .bind(required)
            .bind(tenant.to_string())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    // ---- login throttling ----

    pub async fn add_login_failure(&self, scope_keys: &[&str], at: i64) -> Result<()> {
        on_db!(self.db(), p => {
            let mut tx = p.begin().await?;
            for key in scope_keys {
                sqlx::query("INSERT INTO login_failures (scope_key, at) VALUES ($1, $2)")
                    .bind(*key)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Failures recorded under the key since `since`, and the oldest of them.
    pub async fn login_failures_since(
        &self,
        scope_key: &str,
        since: i64,
    ) -> Result<(i64, Option<i64>)> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT count(*), min(at) FROM login_failures WHERE scope_key = $1 AND at > $2",
        )
        .bind(scope_key)
        .bind(since)
        .fetch_one(p)
        .await?))
    }

    pub async fn clear_login_failures(&self, scope_key: &str) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("DELETE FROM login_failures WHERE scope_key = $1")
            .bind(scope_key)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    // ---- sessions ----

    pub async fn insert_session(&self, s: &SessionRecord) -> Result<()> {
        let sql = format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        );
        on_db!(self.db(), p => sqlx::query(&sql)
            .bind(&s.id_hash)
            .bind(s.user_id.to_string())
            .bind(s.tenant_id.map(|t| t.to_string()))
            .bind(&s.origin_hash)
            .bind(s.selected_tenant_id.map(|t| t.to_string()))
            .bind(s.stage.as_str())
            .bind(&s.csrf_token)
            .bind(s.remember)
            .bind(&s.ip)
            .bind(&s.user_agent)
            .bind(s.created_at)
            .bind(s.last_seen_at)
            .bind(s.expires_at)
            .bind(s.second_factor)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = $1");
        let row: Option<SessionRow> = on_db!(self.db(), p => sqlx::query_as(&sql)
            .bind(id_hash)
            .fetch_optional(p)
            .await?);
        row.map(SessionRecord::try_from).transpose()
    }

    pub async fn touch_session(&self, id_hash: &str, seen: i64, expires_at: i64) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3")
            .bind(seen)
            .bind(expires_at)
            .bind(id_hash)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Gives a session a new id (and stage, second factor and CSRF token), keeping everything else: the old
    /// cookie stops working. Sessions handed off from it follow it.
    pub async fn rotate_session(&self, old_hash: &str, new: &SessionRecord) -> Result<bool> {
        on_db!(self.db(), p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query("UPDATE sessions SET id_hash = $1, stage = $2, csrf_token = $3, second_factor = $4 WHERE id_hash = $5")
                .bind(&new.id_hash)
                .bind(new.stage.as_str())
                .bind(&new.csrf_token)
                .bind(new.second_factor)
                .bind(old_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("UPDATE sessions SET origin_hash = $1 WHERE origin_hash = $2")
                .bind(&new.id_hash)
                .bind(old_hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    pub async fn select_tenant_in_session(
        &self,
        id_hash: &str,
        tenant: Option<TenantId>,
    ) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE sessions SET selected_tenant_id = $1 WHERE id_hash = $2")
            .bind(tenant.map(|t| t.to_string()))
            .bind(id_hash)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Ends a session and the sessions handed off from it.
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1 OR origin_hash = $1")
            .bind(id_hash)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Ends a user's own session by its public handle (a prefix-free hash), only if it is theirs.
    pub async fn delete_user_session(&self, user: UserId, id_hash: &str) -> Result<bool> {
        let n = on_db!(self.db(), p => sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND (id_hash = $2 OR origin_hash = $2)",
        )
        .bind(user.to_string())
        .bind(id_hash)
        .execute(p)
        .await?
        .rows_affected());
        Ok(n > 0)
    }

    /// Ends every session of the user.
    pub async fn delete_user_sessions(&self, user: UserId) -> Result<u64> {
        Ok(
            on_db!(self.db(), p => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.to_string())
            .execute(p)
            .await?
            .rows_affected()),
        )
    }

    pub async fn user_sessions(&self, user: UserId) -> Result<Vec<SessionRecord>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC"
        );
        let rows: Vec<SessionRow> = on_db!(self.db(), p => sqlx::query_as(&sql)
            .bind(user.to_string())
            .fetch_all(p)
            .await?);
        rows.into_iter().map(SessionRecord::try_from).collect()
    }

    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        Ok(
            on_db!(self.db(), p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(p)
            .await?
            .rows_affected()),
        )
    }

    /// Forgets failures older than `before` (they no longer count towards any window).
    pub async fn prune_login_failures(&self, before: i64) -> Result<u64> {
        Ok(
            on_db!(self.db(), p => sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(before)
            .execute(p)
            .await?
            .rows_affected()),
        )
    }

    /// Removes hand-off codes that are used or expired.
    pub async fn prune_handoff_codes(&self, now: i64) -> Result<u64> {
        Ok(
            on_db!(self.db(), p => sqlx::query("DELETE FROM handoff_codes WHERE used_at IS NOT NULL OR expires_at <= $1")
            .bind(now)
            .execute(p)
            .await?
            .rows_affected()),
        )
    }

    // ---- hand-off codes ----

    pub async fn insert_handoff(
        &self,
        code_hash: &str,
        origin_hash: &str,
        user: UserId,
        tenant: TenantId,
        expires_at: i64,
    ) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "INSERT INTO handoff_codes (code_hash, origin_hash, user_id, tenant_id, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(code_hash)
        .bind(origin_hash)
        .bind(user.to_string())
        .bind(tenant.to_string())
        .bind(expires_at)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Takes a hand-off code: it works once, before it expires, for the tenant it was made for.
    pub async fn take_handoff(
        &self,
        code_hash: &str,
        tenant: TenantId,
        now: i64,
    ) -> Result<Option<Handoff>> {
        let row: Option<(String, String, String)> = on_db!(self.db(), p => sqlx::query_as(
            "UPDATE handoff_codes SET used_at = $1
             WHERE code_hash = $2 AND tenant_id = $3 AND used_at IS NULL AND expires_at > $1
             RETURNING origin_hash, user_id, tenant_id",
        )
        .bind(now)
        .bind(code_hash)
        .bind(tenant.to_string())
        .fetch_optional(p)
        .await?);
        row.map(|(origin_hash, user, tenant)| {
            Ok(Handoff {
                origin_hash,
                user_id: user.parse().map_err(corrupt)?,
                tenant_id: tenant.parse().map_err(corrupt)?,
            })
        })
        .transpose()
    }

    // ---- API keys ----

    pub async fn insert_api_key(&self, k: &ApiKeyRecord) -> Result<()> {
        let sql = format!(
            "INSERT INTO api_keys ({API_KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        );
        on_db!(self.db(), p => sqlx::query(&sql)
            .bind(&k.key_id)
            .bind(&k.secret_hash)
            .bind(k.user_id.to_string())
            .bind(k.tenant_id.to_string())
            .bind(k.role.as_str())
            .bind(&k.label)
            .bind(k.created_at)
            .bind(k.last_used_at)
            .bind(k.revoked_at)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn api_key(&self, key_id: &str) -> Result<Option<ApiKeyRecord>> {
        let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_id = $1");
        let row: Option<ApiKeyRow> = on_db!(self.db(), p => sqlx::query_as(&sql)
            .bind(key_id)
            .fetch_optional(p)
            .await?);
        row.map(ApiKeyRecord::try_from).transpose()
    }

    /// A user's keys, in one tenant or all.
    pub async fn api_keys_of(
        &self,
        user: UserId,
        tenant: Option<TenantId>,
    ) -> Result<Vec<ApiKeyRecord>> {
        let sql = format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE user_id = $1 AND ($2 IS NULL OR tenant_id = $2)
             ORDER BY created_at DESC, key_id"
        );
        let rows: Vec<ApiKeyRow> = on_db!(self.db(), p => sqlx::query_as(&sql)
            .bind(user.to_string())
            .bind(tenant.map(|t| t.to_string()))
            .fetch_all(p)
            .await?);
        rows.into_iter().map(ApiKeyRecord::try_from).collect()
    }

    /// Revokes the user's key; `false` if it is not theirs or already revoked.
    pub async fn revoke_api_key(&self, user: UserId, key_id: &str, at: i64) -> Result<bool> {
        let n = on_db!(self.db(), p => sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE key_id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(key_id)
        .bind(user.to_string())
        .execute(p)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// Records a key's use, at most once a minute (a busy integration would otherwise write on
    /// every request).
    pub async fn touch_api_key(&self, key_id: &str, at: i64) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "UPDATE api_keys SET last_used_at = $1 WHERE key_id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(at)
        .bind(key_id)
        .bind(at - 60)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    // ---- token signing keys ----

    pub async fn insert_signing_key(&self, k: &SigningKeyRecord) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "INSERT INTO signing_keys (kid, algorithm, private_key_enc, public_key, created_at, retired_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&k.kid)
        .bind(&k.algorithm)
        .bind(&k.private_key_enc)
        .bind(&k.public_key)
        .bind(k.created_at)
        .bind(k.retired_at)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Makes `kid` the signing key: every other unretired key is retired now.
    pub async fn retire_signing_keys_except(&self, kid: &str, at: i64) -> Result<()> {
        on_db!(self.db(), p => sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE kid <> $2 AND retired_at IS NULL")
            .bind(at)
            .bind(kid)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Keys still published: unretired, or retired after `published_since`. Newest first.
    pub async fn signing_keys(&self, published_since: i64) -> Result<Vec<SigningKeyRecord>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT kid, algorithm, private_key_enc, public_key, created_at, retired_at FROM signing_keys
             WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at DESC, kid DESC",
        )
        .bind(published_since)
        .fetch_all(p)
        .await?))
    }

    // ---- notifications and contact messages ----

    pub async fn add_notification(
        &self,
        user: UserId,
        tenant: Option<TenantId>,
        message: &str,
        link: Option<&str>,
    ) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "INSERT INTO notifications (user_id, tenant_id, message, link, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user.to_string())
        .bind(tenant.map(|t| t.to_string()))
        .bind(message)
        .bind(link)
        .bind(unix_now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// A user's notifications about one tenant (and those about no tenant), newest first.
    pub async fn notifications(
        &self,
        user: UserId,
        tenant: Option<TenantId>,
        limit: i64,
    ) -> Result<Vec<NotificationRecord>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT id, tenant_id, message, link, created_at, read_at FROM notifications
             WHERE user_id = $1 AND (tenant_id IS NULL OR tenant_id = $2)
             ORDER BY id DESC LIMIT $3",
        )
        .bind(user.to_string())
        .bind(tenant.map(|t| t.to_string()))
        .bind(limit)
        .fetch_all(p)
        .await?))
    }

    pub async fn unread_notifications(
        &self,
        user: UserId,
        tenant: Option<TenantId>,
    ) -> Result<i64> {
        Ok(on_db!(self.db(), p => sqlx::query_scalar(
            "SELECT count(*) FROM notifications
             WHERE user_id = $1 AND (tenant_id IS NULL OR tenant_id = $2) AND read_at IS NULL",
        )
        .bind(user.to_string())
        .bind(tenant.map(|t| t.to_string()))
        .fetch_one(p)
        .await?))
    }

    /// Marks one of the user's notifications read, or all of them with `None`.
    pub async fn mark_notifications_read(&self, user: UserId, id: Option<i64>) -> Result<u64> {
        Ok(on_db!(self.db(), p => sqlx::query(
            "UPDATE notifications SET read_at = $1
             WHERE user_id = $2 AND read_at IS NULL AND ($3 IS NULL OR id = $3)",
        )
        .bind(unix_now())
        .bind(user.to_string())
        .bind(id)
        .execute(p)
        .await?
        .rows_affected()))
    }

    pub async fn insert_contact_message(&self, m: &ContactMessage<'_>) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "INSERT INTO contact_messages (name, email, company, message, ip, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(m.name)
        .bind(m.email)
        .bind(m.company)
        .bind(m.message)
        .bind(m.ip)
        .bind(unix_now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn contact_message_count(&self) -> Result<i64> {
        Ok(
            on_db!(self.db(), p => sqlx::query_scalar("SELECT count(*) FROM contact_messages")
            .fetch_one(p)
            .await?),
        )
    }
}
