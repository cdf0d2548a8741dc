//! People, as the operator manages them from the CLI: operator staff, invitations (which double
//! as password resets), API keys and token signing keys.

use serde::Serialize;
use sha2::{Digest, Sha256};
use tenantry_auth::api_keys::CreatedApiKey;
use tenantry_domain::{Email, PlatformRole, TenantId, TenantRole, UserId};
use tenantry_store::control::now;
use tenantry_store::identity::PendingVia;
use tenantry_store::secrets::random_hex;
use time::Duration;

use crate::error::{PlatformError, Result};
use crate::{clients, Platform};

/// A one-time link for `user` to set (or reset) their password, retiring their earlier links.
/// How invitation tokens are stored: a SHA-256 digest (the token itself has 256 random bits, so a
/// slow hash adds nothing).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn issue_invitation(
    platform: &Platform,
    user: UserId,
    tenant: Option<TenantId>,
    role: Option<TenantRole>,
) -> Result<String> {
    let token = random_hex(32);
    let expires = now() + Duration::hours(platform.config().invitation_ttl_hours as i64);
    platform
        .control()
        .replace_invitation(user, tenant, role, &token_hash(&token), expires)
        .await?;
    Ok(format!("{}/invite/{token}", platform.config().portal_url()))
}

/// Makes (or promotes) operator staff; returns a link to set a password if they have none.
pub async fn add_staff(
    platform: &Platform,
    email: &str,
    role: PlatformRole,
    actor: &str,
) -> Result<Option<String>> {
    let email = Email::parse(email)?;
    let control = platform.control();
    let user = control.ensure_user(&email).await?;
    control.set_platform_role(user, Some(role.as_str())).await?;
    platform.changed();
    control
        .append_audit(
            actor,
            "staff.role_granted",
            None,
            &serde_json::json!({ "email": email.as_str(), "role": role.as_str() }),
        )
        .await?;
    let record = control
        .user(user)
        .await?
        .ok_or_else(|| PlatformError::NotFound("user".into()))?;
    if record.password_hash.is_some() {
        return Ok(None);
    }
    Ok(Some(issue_invitation(platform, user, None, None).await?))
}

/// A new password-setting link for an existing user (a reset): their sessions end.
pub async fn reset_password(platform: &Platform, email: &str, actor: &str) -> Result<String> {
    let email = Email::parse(email)?;
    let control = platform.control();
    let user = control
        .user_by_email(email.as_str())
        .await?
        .ok_or_else(|| PlatformError::NotFound(format!("user {email}")))?;
    control.delete_user_sessions(user.id).await?;
    platform.changed();
    control
        .append_audit(
            actor,
            "user.password_reset_issued",
            None,
            &serde_json::json!({ "email": email.as_str() }),
        )
        .await?;
    issue_invitation(platform, user.id, None, None).await
}

#[derive(Debug, Serialize)]
pub struct ApiKeyListing {
    pub key: String,
    pub user: String,
    pub role: &'static str,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

async fn member(
    platform: &Platform,
    tenant: &str,
    email: &str,
) -> Result<(
    tenantry_store::control::TenantRecord,
    tenantry_store::identity::UserRecord,
)> {
    let tenant = clients::find(platform, tenant).await?;
    let email = Email::parse(email)?;
    let user = platform
        .control()
        .user_by_email(email.as_str())
        .await?
        .ok_or_else(|| PlatformError::NotFound(format!("user {email}")))?;
    Ok((tenant, user))
}

pub async fn create_api_key(
    platform: &Platform,
    tenant: &str,
    email: &str,
    role: &str,
    label: &str,
) -> Result<CreatedApiKey> {
    let role = TenantRole::parse(role)?;
    let (tenant, user) = member(platform, tenant, email).await?;
    // A key that would never work is refused with the reason, not printed as if it did.
    let membership = platform.control().member(tenant.id, user.id).await?;
    let refusal = match membership {
        None => Some("is not a member of"),
        Some(m) if m.pending => Some("has not yet accepted the invitation to join"),
        Some(m) if !m.active => Some("is deactivated in"),
        Some(_) if user.is_disabled() => Some("has a disabled account, so no key works for"),
        Some(_) => None,
    };
    if let Some(why) = refusal {
        return Err(PlatformError::Refused(format!(
            "{} {why} {}",
            user.email, tenant.subdomain
        )));
    }
    Ok(platform
        .identity()
        .create_api_key(&user, tenant.id, role, label)
        .await?)
}

pub async fn list_api_keys(
    platform: &Platform,
    tenant: &str,
    email: &str,
) -> Result<Vec<ApiKeyListing>> {
    let (tenant, user) = member(platform, tenant, email).await?;
    let keys = platform
        .control()
        .api_keys_of(user.id, Some(tenant.id))
        .await?;
    Ok(keys
        .into_iter()
        .map(|k| ApiKeyListing {
            key: k.key_id,
            user: user.email.clone(),
            role: k.role.as_str(),
            label: k.label,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked: k.revoked_at.is_some(),
        })
        .collect())
}

pub async fn revoke_api_key(platform: &Platform, email: &str, key: &str) -> Result<()> {
    let email = Email::parse(email)?;
    let user = platform
        .control()
        .user_by_email(email.as_str())
        .await?
        .ok_or_else(|| PlatformError::NotFound(format!("user {email}")))?;
    Ok(platform.identity().revoke_api_key(&user, key).await?)
}

/// An invitation to join a client: the link to pass on (shown once). The answer is the same
/// whether or not the email already had an account, so that a client's admin learns nothing of
/// other clients' people.
#[derive(Debug, Serialize)]
pub struct InvitedMember {
    pub email: String,
    pub role: &'static str,
    pub invitation_url: String,
}

/// Invites `email` into `tenant` with `role`, within the plan's user limit. They become a member
/// only when they accept: a new account by choosing a password through the link, an existing
/// one signed in (through the link, or from the portal where the offer is waiting).
pub async fn invite_member(
    platform: &Platform,
    tenant: TenantId,
    email: &str,
    role: TenantRole,
    actor: &str,
) -> Result<InvitedMember> {
    let email = Email::parse(email)?;
    let control = platform.control();
    let record = control
        .tenant(tenant)
        .await?
        .ok_or_else(|| PlatformError::NotFound("client".into()))?;
    let user = control.ensure_user(&email).await?;
    let pending = control.member(tenant, user).await?.map(|m| m.pending);
    match pending {
        Some(false) => {
            return Err(PlatformError::Refused(format!(
                "{email} is already a member of {}; change their role in the list instead",
                record.name
            )))
        }
        Some(true) => {}
        None => {
            if let Some(max) = control.plan(&record.plan).await?.and_then(|p| p.max_users) {
                if control.active_member_count(tenant).await? >= max {
                    return Err(PlatformError::Refused(format!(
                        "the {} plan allows {max} users; deactivate someone or change plan first",
                        record.plan.as_str()
                    )));
                }
            }
        }
    }
    let set_up = control
        .user(user)
        .await?
        .is_some_and(|u| u.status != "invited");
    let via = if set_up {
        PendingVia::Portal
    } else {
        PendingVia::Link
    };
    if !control.offer_membership(user, tenant, role, via).await? {
        return Err(PlatformError::Refused(format!(
            "{email} is already a member of {}",
            record.name
        )));
    }
    platform.changed();
    control
        .append_audit(
            actor,
            "member.invited",
            Some(tenant),
            &serde_json::json!({ "email": email.as_str(), "role": role.as_str() }),
        )
        .await?;
    control
        .add_activity(
            Some(tenant),
            None,
            PEOPLE_ACTIVITY,
            &format!("{actor} invited {email} as {}", role.as_str()),
        )
        .await?;
    if set_up {
        control
            .add_notification(
                user,
                None,
                &format!(
                    "{} invited you to join as {}: accept or decline it on the Client Portal",
                    record.name,
                    role.as_str()
                ),
                Some("/select"),
            )
            .await?;
    }
    let invitation_url = issue_invitation(platform, user, Some(tenant), Some(role)).await?;
    Ok(InvitedMember {
        email: email.as_str().to_owned(),
        role: role.as_str(),
        invitation_url,
    })
}

/// Refuses a change that would leave the client without an active admin.
async fn keep_an_admin(platform: &Platform, tenant: TenantId, user: UserId) -> Result<()> {
    let members = platform.control().members(tenant).await?;
    let other_admins = members
        .iter()
        .filter(|m| m.active && m.role == TenantRole::Admin && m.user_id != user)
        .count();
    if other_admins == 0 {
        return Err(PlatformError::Refused(
            "a client needs at least one active admin; make someone else admin first".into(),
        ));
    }
    Ok(())
}

pub async fn change_member_role(
    platform: &Platform,
    tenant: TenantId,
    user: UserId,
    role: TenantRole,
    actor: &str,
) -> Result<()> {
    let control = platform.control();
    let current = control
        .role_in(user, tenant)
        .await?
        .ok_or_else(|| PlatformError::NotFound("member".into()))?;
    if current == TenantRole::Admin && role != TenantRole::Admin {
        keep_an_admin(platform, tenant, user).await?;
    }
    control.grant_membership(user, tenant, role).await?;
    platform.changed();
    control
        .add_notification(
            user,
            Some(tenant),
            &format!(
                "Your role is now {} (was {})",
                role.as_str(),
                current.as_str()
            ),
            None,
        )
        .await?;
    control
        .append_audit(
            actor,
            "member.role_changed",
            Some(tenant),
            &serde_json::json!({ "user": user.to_string(), "from": current.as_str(), "to": role.as_str() }),
        )
        .await?;
    let email = member_email(platform, user).await?;
    control
        .add_activity(
            Some(tenant),
            Some(user),
            PEOPLE_ACTIVITY,
            &format!(
                "{actor} made {email} {} (was {})",
                role.as_str(),
                current.as_str()
            ),
        )
        .await?;
    Ok(())
}

/// Deactivates (or reactivates) a membership. A deactivated member's sessions, tokens and API
/// keys stop working in this client at once: every check reads the membership.
pub async fn set_member_active(
    platform: &Platform,
    tenant: TenantId,
    user: UserId,
    active: bool,
    actor: &str,
) -> Result<()> {
    let control = platform.control();
    if !active && control.role_in(user, tenant).await? == Some(TenantRole::Admin) {
        keep_an_admin(platform, tenant, user).await?;
    }
    if !control.set_membership_active(user, tenant, active).await? {
        return Err(PlatformError::NotFound("member".into()));
    }
    platform.changed();
    control
        .append_audit(
            actor,
            if active {
                "member.reactivated"
            } else {
                "member.deactivated"
            },
            Some(tenant),
            &serde_json::json!({ "user": user.to_string() }),
        )
        .await?;
    let email = member_email(platform, user).await?;
    let verb = if active { "reactivated" } else { "deactivated" };
    control
        .add_activity(
            Some(tenant),
            Some(user),
            PEOPLE_ACTIVITY,
            &format!("{actor} {verb} {email}"),
        )
        .await?;
    Ok(())
}

/// Requires (or stops requiring) a second factor to enter the client.
pub async fn set_mfa_required(
    platform: &Platform,
    tenant: TenantId,
    required: bool,
    actor: &str,
) -> Result<()> {
    let control = platform.control();
    control.set_tenant_mfa_required(tenant, required).await?;
    platform.changed();
    control
        .append_audit(
            actor,
            "client.mfa_required_changed",
            Some(tenant),
            &serde_json::json!({ "required": required }),
        )
        .await?;
    let what = if required {
        "now requires a second factor to enter this business"
    } else {
        "no longer requires a second factor to enter this business"
    };
    control
        .add_activity(
            Some(tenant),
            None,
            PEOPLE_ACTIVITY,
            &format!("{actor} {what}"),
        )
        .await?;
    Ok(())
}

/// The activity kind of changes to a client's people (the feed links them to its team page).
pub const PEOPLE_ACTIVITY: &str = "people";

async fn member_email(platform: &Platform, user: UserId) -> Result<String> {
    Ok(platform
        .control()
        .user(user)
        .await?
        .ok_or_else(|| PlatformError::NotFound("member".into()))?
        .email)
}
