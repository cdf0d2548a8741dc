//! The identity service: what the portal, the tenant hosts, the API and the CLI call to log
//! people in and out, check their second factor, hand them from the portal to a tenant's host,
//! and decide what they may do in a tenant.

use moka::sync::Cache;
use serde_json::json;
use tenantry_domain::{Email, PlatformRole, TenantId, TenantRole, UserId};
use tenantry_store::identity::{
    unix_now, AcceptedInvitation, SessionRecord, SessionStage, UserRecord,
};
use tenantry_store::{ControlStore, MasterKey};

use crate::api_keys::{self, CreatedApiKey};
use crate::error::{AuthError, Result};
use crate::password::{check_strength, PasswordHasherPool};
use crate::tokens::TokenService;
use crate::totp::Totp;
use crate::{random_token, sha256_hex};

#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// A session unused this long ends (unless "remember me" was ticked).
    pub session_idle_secs: i64,
    /// The longest a session without "remember me" lasts, however active.
    pub session_max_secs: i64,
    /// How long a "remember me" session lasts.
    pub remember_secs: i64,
    /// How long a portal-to-tenant hand-off code works.
    pub handoff_ttl_secs: i64,
    /// Login throttling: failures counted over this window...
    pub throttle_window_secs: i64,
    /// ...at most this many per account...
    pub throttle_account_max: i64,
    /// ...and this many per address.
    pub throttle_address_max: i64,
    /// The issuer name shown in authenticator apps.
    pub mfa_issuer: String,
    /// Password hashes computed at once.
    pub hash_concurrency: usize,
    /// How long sessions, users and memberships read on one node may be reused before they are
    /// read again (0: never reused). Changes made through this node are seen at once; changes
    /// made on another node within this many seconds.
    pub cache_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle_secs: 30 * 60,
            session_max_secs: 12 * 3600,
            remember_secs: 30 * 24 * 3600,
            handoff_ttl_secs: 60,
            throttle_window_secs: 15 * 60,
            throttle_account_max: 5,
            throttle_address_max: 20,
            mfa_issuer: "Tenantry".into(),
            hash_concurrency: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cache_secs: 5,
        }
    }
}

/// A session just made or re-keyed: the cookie value exists only here.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub record: SessionRecord,
}

#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in.
    Done(NewSession),
    /// The password was right; the session owes a second factor (or, if the user has none yet
    /// and one is required, an enrolment).
    SecondFactor(NewSession),
}

pub struct LoginRequest<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub remember: bool,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// Set when logging in on a tenant's own host: the session is for that tenant only.
    pub tenant: Option<TenantId>,
}

/// What a user may do in a tenant, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TenantAccess {
    pub role: TenantRole,
    /// Operator staff acting in a tenant they are not a member of (audited, shown to the
    /// tenant's admins).
    pub as_staff: bool,
}

#[derive(Clone)]
pub struct Identity {
    control: ControlStore,
    master_key: MasterKey,
    settings: AuthSettings,
    hasher: PasswordHasherPool,
    tokens: TokenService,
    cache: Option<ReadCache>,
}

/// What every authenticated request reads, kept for `cache_secs`: without it each request costs
/// several control-plane queries. Any change made through this node empties it.
#[derive(Clone)]
struct ReadCache {
    sessions: Cache<String, SessionRecord>,
    users: Cache<UserId, UserRecord>,
    roles: Cache<(UserId, TenantId), Option<TenantRole>>,
    recovery_left: Cache<UserId, i64>,
    /// Verified tokens by their text: a token's signature is checked once.
    grants: Cache<String, crate::tokens::TokenGrant>,
}

impl ReadCache {
    fn new(secs: u64) -> Self {
        let ttl = std::time::Duration::from_secs(secs);
        Self {
            sessions: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .build(),
            users: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .build(),
            roles: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .build(),
            recovery_left: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .build(),
            grants: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(std::time::Duration::from_secs(
                    crate::tokens::MAX_TOKEN_TTL_SECS.unsigned_abs(),
                ))
                .build(),
        }
    }
}

fn totp_context(user: UserId) -> String {
    format!("totp-secret:{user}")
}

fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn clip(value: Option<&str>, max: usize) -> Option<String> {
    value.map(|v| v.chars().take(max).collect())
}

impl Identity {
    pub fn new(
        control: ControlStore,
        master_key: MasterKey,
        settings: AuthSettings,
        token_issuer: String,
    ) -> Result<Self> {
        let hasher = PasswordHasherPool::new(settings.hash_concurrency)?;
        let tokens = TokenService::new(
            control.clone(),
            master_key.clone(),
            token_issuer,
            crate::tokens::MAX_TOKEN_TTL_SECS,
        );
        let cache = (settings.cache_secs > 0).then(|| ReadCache::new(settings.cache_secs));
        Ok(Self {
            control,
            master_key,
            settings,
            hasher,
            tokens,
            cache,
        })
    }

    /// Forgets every cached session, user and role: called after any change to them (by this
    /// service, or by the platform's people management).
    pub fn changed(&self) {
        if let Some(c) = &self.cache {
            c.sessions.invalidate_all();
            c.users.invalidate_all();
            c.roles.invalidate_all();
            c.recovery_left.invalidate_all();
        }
    }

    /// How many unused recovery codes the user has (read through the cache).
    pub async fn recovery_codes_left(&self, user: UserId) -> Result<i64> {
        if let Some(n) = self.cache.as_ref().and_then(|c| c.recovery_left.get(&user)) {
            return Ok(n);
        }
        let n = self.control.unused_recovery_codes(user).await?;
        if let Some(c) = &self.cache {
            c.recovery_left.insert(user, n);
        }
        Ok(n)
    }

    pub fn tokens(&self) -> &TokenService {
        &self.tokens
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    async fn audit(
        &self,
        actor: &str,
        action: &str,
        tenant: Option<TenantId>,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.control
            .append_audit(actor, action, tenant, &detail)
            .await?;
        Ok(())
    }

    // ---- accounts ----

    /// Sets the password of an invited user from their one-time link, and activates them.
    pub async fn accept_invitation(
        &self,
        token: &str,
        password: &str,
    ) -> Result<AcceptedInvitation> {
        let token_hash = sha256_hex(token);
        let invitation = self
            .control
            .invitation(&token_hash)
            .await?
            .ok_or(AuthError::InvitationInvalid)?;
        check_strength(password, &invitation.email)?;
        let hash = self.hasher.hash(password).await?;
        let accepted = self
            .control
            .accept_invitation(&token_hash, &hash)
            .await?
            .ok_or(AuthError::InvitationInvalid)?;
        // A portal link sets the password of an account that may be in use (a reset): whoever
        // held the old password is signed out.
        if accepted.tenant_id.is_none() {
            self.control.delete_user_sessions(accepted.user_id).await?;
        }
        self.changed();
        self.audit(
            &invitation.email,
            "user.invitation_accepted",
            accepted.tenant_id,
            json!({ "user": accepted.user_id.to_string() }),
        )
        .await?;
        Ok(accepted)
    }

    /// Accepts a client's invitation for the signed-in `user` it was made for: they become a
    /// member.
    pub async fn accept_invitation_signed_in(
        &self,
        token: &str,
        user: &UserRecord,
    ) -> Result<TenantId> {
        let tenant = self
            .control
            .accept_invitation_signed_in(&sha256_hex(token), user.id)
            .await?
            .ok_or(AuthError::InvitationInvalid)?;
        self.joined(user, tenant).await?;
        Ok(tenant)
    }

    /// Accepts, from the portal, a client's offer made to `user`.
    pub async fn accept_membership(&self, user: &UserRecord, tenant: TenantId) -> Result<()> {
        if !self.control.accept_membership(user.id, tenant).await? {
            return Err(AuthError::NotFound("invitation".into()));
        }
        self.joined(user, tenant).await
    }

    async fn joined(&self, user: &UserRecord, tenant: TenantId) -> Result<()> {
        self.changed();
        self.audit(
            &user.email,
            "member.joined",
            Some(tenant),
            json!({ "user": user.id.to_string() }),
        )
        .await
    }

    /// Declines a client's offer made to `user`.
    pub async fn decline_membership(&self, user: &UserRecord, tenant: TenantId) -> Result<()> {
        if !self.control.decline_membership(user.id, tenant).await? {
            return Err(AuthError::NotFound("invitation".into()));
        }
        self.changed();
        self.audit(
            &user.email,
            "member.declined",
            Some(tenant),
            json!({ "user": user.id.to_string() }),
        )
        .await
    }

    /// Changes a password after checking the current one; every other session of the user ends.
    pub async fn change_password(
        &self,
        user: &UserRecord,
        current: &str,
        new: &str,
        keep_session: Option<&str>,
    ) -> Result<()> {
        if !self
            .hasher
            .verify(current, user.password_hash.as_deref())
            .await?
        {
            return Err(AuthError::InvalidCredentials);
        }
        check_strength(new, &user.email)?;
        let hash = self.hasher.hash(new).await?;
        self.control.set_password_hash(user.id, &hash).await?;
        self.changed();
        for s in self.control.user_sessions(user.id).await? {
            if Some(s.id_hash.as_str()) != keep_session && s.origin_hash.as_deref() != keep_session
            {
                self.control.delete_session(&s.id_hash).await?;
            }
        }
        self.audit(&user.email, "user.password_changed", None, json!({}))
            .await
    }

    pub async fn user(&self, id: UserId) -> Result<UserRecord> {
        if let Some(u) = self.cache.as_ref().and_then(|c| c.users.get(&id)) {
            return Ok(u);
        }
        let user = self
            .control
            .user(id)
            .await?
            .ok_or_else(|| AuthError::NotFound("user".into()))?;
        if let Some(c) = &self.cache {
            c.users.insert(id, user.clone());
        }
        Ok(user)
    }

    async fn role_in(&self, user: UserId, tenant: TenantId) -> Result<Option<TenantRole>> {
        if let Some(r) = self
            .cache
            .as_ref()
            .and_then(|c| c.roles.get(&(user, tenant)))
        {
            return Ok(r);
        }
        let role = self.control.role_in(user, tenant).await?;
        if let Some(c) = &self.cache {
            c.roles.insert((user, tenant), role);
        }
        Ok(role)
    }

    pub fn platform_role(user: &UserRecord) -> Option<PlatformRole> {
        user.platform_role
            .as_deref()
            .and_then(|r| PlatformRole::parse(r).ok())
    }

    /// What `user` may do in `tenant`: their membership's role, or for operator staff the
    /// role their platform role carries. An account not yet set up (invited, no password) keeps
    /// its memberships: it cannot sign in, but an API key the operator made for it works (a
    /// new client's integration is often set up before its admin first signs in). A disabled
    /// account has no access anywhere.
    pub async fn access(
        &self,
        user: &UserRecord,
        tenant: TenantId,
    ) -> Result<Option<TenantAccess>> {
        if user.is_disabled() {
            return Ok(None);
        }
        if let Some(role) = self.role_in(user.id, tenant).await? {
            return Ok(Some(TenantAccess {
                role,
                as_staff: false,
            }));
        }
        Ok(Self::platform_role(user).map(|p| TenantAccess {
            role: p.tenant_role(),
            as_staff: true,
        }))
    }

    pub async fn has_passkey(&self, user: UserId) -> Result<bool> {
        Ok(!self.control.passkeys_of(user).await?.is_empty())
    }

    /// Whether signing in (at the portal, or on `tenant`'s own host) owes a second factor:
    /// for anyone with an authenticator, for staff, and on the host of a client that requires
    /// it. Another client's rule never applies: it is a step-up when entering that client.
    pub async fn mfa_required(&self, user: &UserRecord, tenant: Option<TenantId>) -> Result<bool> {
        if user.has_totp() || Self::platform_role(user).is_some() {
            return Ok(true);
        }
        match tenant {
            Some(t) => Ok(self.control.tenant_mfa_required(t).await?),
            None => Ok(false),
        }
    }

    /// Refuses to take `session` into `tenant` when the client requires a second factor that
    /// the session has not proven.
    async fn step_up(&self, session: &SessionRecord, tenant: TenantId) -> Result<()> {
        if !session.second_factor && self.control.tenant_mfa_required(tenant).await? {
            return Err(AuthError::SecondFactorRequired);
        }
        Ok(())
    }

    // ---- login ----

    fn throttle_keys(email: &str, ip: Option<&str>) -> (String, Option<String>) {
        (
            format!("account:{email}"),
            ip.map(|ip| format!("address:{ip}")),
        )
    }

    /// Seconds until the busiest of the keys may try again, if any is over its limit.
    async fn throttled(&self, account: &str, address: Option<&str>) -> Result<Option<i64>> {
        let now = unix_now();
        let since = now - self.settings.throttle_window_secs;
        let mut wait = None;
        let mut check = |count: i64, oldest: Option<i64>, max: i64| {
            if count >= max {
                let until = oldest.unwrap_or(now) + self.settings.throttle_window_secs;
                let secs = (until - now).max(1);
                wait = Some(wait.map_or(secs, |w: i64| w.max(secs)));
            }
        };
        let (n, oldest) = self.control.login_failures_since(account, since).await?;
        check(n, oldest, self.settings.throttle_account_max);
        if let Some(address) = address {
            let (n, oldest) = self.control.login_failures_since(address, since).await?;
            check(n, oldest, self.settings.throttle_address_max);
        }
        Ok(wait)
    }

    /// Checks a password and starts a session. Unknown accounts, wrong passwords and disabled
    /// accounts get the same answer after the same work.
    pub async fn login(&self, req: LoginRequest<'_>) -> Result<LoginOutcome> {
        let email = normalise_email(req.email);
        let (account_key, address_key) = Self::throttle_keys(&email, req.ip);
        if let Some(retry_after_secs) = self.throttled(&account_key, address_key.as_deref()).await?
        {
            return Err(AuthError::Throttled { retry_after_secs });
        }
        let user =
            if Email::parse(&email).is_ok() && req.password.len() <= crate::password::MAX_LENGTH {
                self.control.user_by_email(&email).await?
            } else {
                None
            };
        let password = if req.password.len() <= crate::password::MAX_LENGTH {
            req.password
        } else {
            ""
        };
        let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let matched = self.hasher.verify(password, hash).await?;
        let user = match user {
            Some(u) if matched && u.is_active() => u,
            _ => {
                let mut keys = vec![account_key.as_str()];
                keys.extend(address_key.as_deref());
                self.control.add_login_failure(&keys, unix_now()).await?;
                self.audit(&email, "login.failed", req.tenant, json!({ "ip": req.ip }))
                    .await?;
                return Err(AuthError::InvalidCredentials);
            }
        };
        if let Some(tenant) = req.tenant {
            if self.access(&user, tenant).await?.is_none() {
                self.audit(
                    &email,
                    "login.refused_no_access",
                    Some(tenant),
                    json!({ "ip": req.ip }),
                )
                .await?;
                return Err(AuthError::Forbidden);
            }
        }
        self.control.clear_login_failures(&account_key).await?;
        let stage = if self.mfa_required(&user, req.tenant).await? {
            SessionStage::Mfa
        } else {
            SessionStage::Active
        };
        let session = self
            .start_session(
                &user,
                req.tenant,
                None,
                stage,
                false,
                req.remember,
                req.ip,
                req.user_agent,
            )
            .await?;
        self.control.record_login(user.id, unix_now()).await?;
        self.audit(
            &user.email,
            if stage == SessionStage::Mfa {
                "login.password_ok"
            } else {
                "login"
            },
            req.tenant,
            json!({ "ip": req.ip, "remember": req.remember }),
        )
        .await?;
        Ok(match stage {
            SessionStage::Mfa => LoginOutcome::SecondFactor(session),
            SessionStage::Active => LoginOutcome::Done(session),
        })
    }

    /// Signs in someone a provider vouched for: linked by (provider, subject), else by verified
    /// email, else created if the provider's groups grant them a client. The groups' roles are
    /// granted; someone with no client at all is refused.
    pub async fn login_sso(
        &self,
        who: &crate::sso::SsoIdentity,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<LoginOutcome> {
        let mut grants = Vec::new();
        for (subdomain, role) in &who.grants {
            if let Some(t) = self.control.tenant_by_subdomain(subdomain).await? {
                grants.push((t.id, *role));
            }
        }
        let existing = match self
            .control
            .linked_user(&who.provider, &who.subject)
            .await?
        {
            Some(id) => self.control.user(id).await?,
            None => self.control.user_by_email(&who.email).await?,
        };
        let refuse = |reason: &'static str| async move {
            self.audit(
                &who.email,
                "login.sso_refused",
                None,
                json!({ "provider": who.provider, "reason": reason, "ip": ip }),
            )
            .await?;
            Err::<LoginOutcome, _>(AuthError::Forbidden)
        };
        let user = match existing {
            Some(u) if u.status == "disabled" => return refuse("account disabled").await,
            Some(u) => u,
            None if grants.is_empty() => return refuse("no group grants a client").await,
            None => {
                let email = Email::parse(&who.email)?;
                let id = self.control.ensure_user(&email).await?;
                self.user(id).await?
            }
        };
        if user.status == "invited" {
            // The provider has verified the address: the invitation's purpose is served.
            self.control.set_user_status(user.id, "active").await?;
        }
        if user.display_name.is_none() {
            if let Some(name) = &who.name {
                self.control.set_display_name(user.id, Some(name)).await?;
            }
        }
        self.control
            .link_identity(&who.provider, &who.subject, user.id)
            .await?;
        self.changed();
        for (tenant, role) in &grants {
            if self.control.role_in(user.id, *tenant).await? != Some(*role) {
                self.control
                    .grant_membership(user.id, *tenant, *role)
                    .await?;
                self.audit(
                    &user.email,
                    "sso.role_granted",
                    Some(*tenant),
                    json!({ "provider": who.provider, "role": role.as_str() }),
                )
                .await?;
            }
        }
        let user = self.user(user.id).await?;
        if self.control.memberships_of(user.id).await?.is_empty()
            && Self::platform_role(&user).is_none()
        {
            return refuse("no client").await;
        }
        let stage = if self.mfa_required(&user, None).await? {
            SessionStage::Mfa
        } else {
            SessionStage::Active
        };
        let session = self
            .start_session(&user, None, None, stage, false, false, ip, user_agent)
            .await?;
        self.control.record_login(user.id, unix_now()).await?;
        self.audit(
            &user.email,
            "login.sso",
            None,
            json!({ "provider": who.provider, "ip": ip }),
        )
        .await?;
        Ok(match stage {
            SessionStage::Mfa => LoginOutcome::SecondFactor(session),
            SessionStage::Active => LoginOutcome::Done(session),
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn start_session(
        &self,
        user: &UserRecord,
        tenant: Option<TenantId>,
        origin_hash: Option<String>,
        stage: SessionStage,
        second_factor: bool,
        remember: bool,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<NewSession> {
        let token = random_token(32);
        let now = unix_now();
        let record = SessionRecord {
            id_hash: sha256_hex(&token),
            user_id: user.id,
            tenant_id: tenant,
            origin_hash,
            selected_tenant_id: None,
            stage,
            second_factor,
            csrf_token: random_token(32),
            remember,
            ip: clip(ip, 64),
            user_agent: clip(user_agent, 256),
            created_at: now,
            last_seen_at: now,
            expires_at: self.expiry(now, now, remember),
        };
        self.control.insert_session(&record).await?;
        Ok(NewSession { token, record })
    }

    fn expiry(&self, created: i64, seen: i64, remember: bool) -> i64 {
        if remember {
            created + self.settings.remember_secs
        } else {
            (seen + self.settings.session_idle_secs).min(created + self.settings.session_max_secs)
        }
    }

    /// The live session behind a cookie value, refreshed (at most once a minute) so that its
    /// idle timeout restarts. An expired session is deleted and `None` returned.
    pub async fn session(&self, token: &str) -> Result<Option<SessionRecord>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let id_hash = sha256_hex(token);
        let cached = self.cache.as_ref().and_then(|c| c.sessions.get(&id_hash));
        // Cached again only when read from the database or refreshed: re-inserting on every
        // hit would restart the entry's time to live, so that under steady traffic a session
        // ended on another node would never be seen ending here (and each insert costs the
        // cache's bookkeeping on every request).
        let mut store = cached.is_none();
        let mut s = match cached {
            Some(s) => s,
            None => match self.control.session(&id_hash).await? {
                Some(s) => s,
                None => return Ok(None),
            },
        };
        let now = unix_now();
        if now >= s.expires_at {
            self.control.delete_session(&id_hash).await?;
            self.changed();
            return Ok(None);
        }
        if now - s.last_seen_at >= 60 {
            s.last_seen_at = now;
            s.expires_at = self.expiry(s.created_at, now, s.remember);
            self.control
                .touch_session(&id_hash, s.last_seen_at, s.expires_at)
                .await?;
            store = true;
        }
        if let (true, Some(c)) = (store, &self.cache) {
            c.sessions.insert(id_hash, s.clone());
        }
        Ok(Some(s))
    }

    /// Gives the session a new id and CSRF token (at a privilege change); the old cookie stops
    /// working.
    pub async fn rotate(&self, session: &SessionRecord, stage: SessionStage) -> Result<NewSession> {
        self.rotate_as(session, stage, session.second_factor).await
    }

    /// A new session id for a session that has just proven a second factor.
    pub async fn rotate_verified(&self, session: &SessionRecord) -> Result<NewSession> {
        let rotated = self.rotate_as(session, SessionStage::Active, true).await?;
        // Signing in on a client's own host ends here for staff (they always owe a second
        // factor): they have entered that client's space, as through a hand-off.
        if let (Some(tenant), SessionStage::Mfa) = (session.tenant_id, session.stage) {
            let user = self.user(session.user_id).await?;
            if let Some(access) = self.access(&user, tenant).await?.filter(|a| a.as_staff) {
                self.staff_entered(&user, tenant, access).await?;
            }
        }
        Ok(rotated)
    }

    async fn rotate_as(
        &self,
        session: &SessionRecord,
        stage: SessionStage,
        second_factor: bool,
    ) -> Result<NewSession> {
        let token = random_token(32);
        let mut record = session.clone();
        record.id_hash = sha256_hex(&token);
        record.stage = stage;
        record.second_factor = second_factor;
        record.csrf_token = random_token(32);
        if !self
            .control
            .rotate_session(&session.id_hash, &record)
            .await?
        {
            return Err(AuthError::Unauthenticated);
        }
        self.changed();
        Ok(NewSession { token, record })
    }

    pub async fn logout(&self, session: &SessionRecord) -> Result<()> {
        self.control.delete_session(&session.id_hash).await?;
        self.changed();
        let user = self.user(session.user_id).await?;
        self.audit(&user.email, "logout", session.tenant_id, json!({}))
            .await
    }

    /// Ends the session behind a cookie's value, if it is still live.
    pub async fn end_session_token(&self, token: &str) -> Result<()> {
        if let Some(s) = self.control.session(&sha256_hex(token)).await? {
            self.logout(&s).await?;
        }
        Ok(())
    }

    /// Ends every session of the user, on every host.
    pub async fn logout_everywhere(&self, user: &UserRecord) -> Result<u64> {
        let n = self.control.delete_user_sessions(user.id).await?;
        self.changed();
        self.audit(
            &user.email,
            "logout.everywhere",
            None,
            json!({ "sessions": n }),
        )
        .await?;
        Ok(n)
    }

    /// Removes what has expired: sessions nobody presented again, used or stale hand-off codes,
    /// and login failures older than the throttling window. Returns how many rows went.
    pub async fn prune_expired(&self) -> Result<u64> {
        let now = unix_now();
        let sessions = self.control.delete_expired_sessions(now).await?;
        let codes = self.control.prune_handoff_codes(now).await?;
        let failures = self
            .control
            .prune_login_failures(now - self.settings.throttle_window_secs)
            .await?;
        if sessions > 0 {
            self.changed();
        }
        Ok(sessions + codes + failures)
    }

    pub async fn sessions_of(&self, user: UserId) -> Result<Vec<SessionRecord>> {
        Ok(self.control.user_sessions(user).await?)
    }

    /// Revokes one of the user's sessions by the handle shown in their session list.
    pub async fn revoke_session(&self, user: &UserRecord, handle: &str) -> Result<()> {
        if !self.control.delete_user_session(user.id, handle).await? {
            return Err(AuthError::NotFound("session".into()));
        }
        self.changed();
        self.audit(&user.email, "session.revoked", None, json!({}))
            .await
    }

    // ---- second factor ----

    fn totp_for(&self, user: &UserRecord) -> Result<Option<Totp>> {
        let Some(enc) = &user.totp_secret_enc else {
            return Ok(None);
        };
        let secret = self.master_key.decrypt(enc, &totp_context(user.id))?;
        Ok(Some(Totp::new(
            secret,
            &self.settings.mfa_issuer,
            &user.email,
        )?))
    }

    /// Starts (or restarts) TOTP enrolment: a new secret, stored but not yet in force.
    pub async fn begin_totp(&self, user: &UserRecord) -> Result<Totp> {
        if user.has_totp() {
            return Err(AuthError::Invalid(tenantry_domain::ValidationError::new(
                "totp",
                "an authenticator is already set up; remove it first",
            )));
        }
        let secret = Totp::generate_secret();
        let enc = self.master_key.encrypt(&secret, &totp_context(user.id))?;
        self.control.set_totp_secret(user.id, Some(&enc)).await?;
        self.changed();
        Totp::new(secret, &self.settings.mfa_issuer, &user.email)
    }

    /// The pending enrolment's authenticator (to show its QR code again).
    pub async fn pending_totp(&self, user: &UserRecord) -> Result<Option<Totp>> {
        if user.has_totp() {
            return Ok(None);
        }
        self.totp_for(user)
    }

    /// Confirms enrolment with a code from the app; returns the recovery codes, shown once.
    pub async fn confirm_totp(&self, user: &UserRecord, code: &str) -> Result<Vec<String>> {
        let totp = self
            .pending_totp(user)
            .await?
            .ok_or(AuthError::InvalidCode)?;
        let step = totp
            .matching_step(code, unix_now().unsigned_abs())
            .ok_or(AuthError::InvalidCode)?;
        if !self.control.claim_totp_step(user.id, step).await? {
            return Err(AuthError::InvalidCode);
        }
        self.control.enable_totp(user.id, unix_now()).await?;
        self.changed();
        let codes = self.new_recovery_codes(user.id).await?;
        self.audit(&user.email, "mfa.totp_enabled", None, json!({}))
            .await?;
        Ok(codes)
    }

    async fn new_recovery_codes(&self, user: UserId) -> Result<Vec<String>> {
        let codes: Vec<String> = (0..10)
            .map(|_| {
                let raw = random_token(6);
                format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
            })
            .collect();
        let hashes: Vec<String> = codes.iter().map(|c| sha256_hex(c)).collect();
        self.control.replace_recovery_codes(user, &hashes).await?;
        self.changed();
        Ok(codes)
    }

    /// Replaces the recovery codes (the old ones stop working).
    pub async fn regenerate_recovery_codes(&self, user: &UserRecord) -> Result<Vec<String>> {
        if !user.has_totp() {
            return Err(AuthError::InvalidCode);
        }
        let codes = self.new_recovery_codes(user.id).await?;
        self.audit(
            &user.email,
            "mfa.recovery_codes_regenerated",
            None,
            json!({}),
        )
        .await?;
        Ok(codes)
    }

    /// Removes the authenticator after checking the password again.
    pub async fn disable_totp(&self, user: &UserRecord, password: &str) -> Result<()> {
        if !self
            .hasher
            .verify(password, user.password_hash.as_deref())
            .await?
        {
            return Err(AuthError::InvalidCredentials);
        }
        self.control.set_totp_secret(user.id, None).await?;
        self.changed();
        self.control.replace_recovery_codes(user.id, &[]).await?;
        self.changed();
        self.audit(&user.email, "mfa.totp_disabled", None, json!({}))
            .await
    }

    /// Completes a login that owes a second factor, or a step-up of a signed-in session that
    /// has not proven one: a TOTP code (once) or a recovery code (once). The session gets a new
    /// id.
    pub async fn pass_second_factor(
        &self,
        session: &SessionRecord,
        code: &str,
    ) -> Result<NewSession> {
        if session.second_factor {
            return Err(AuthError::InvalidCode);
        }
        let user = self.user(session.user_id).await?;
        let totp = self
            .totp_for(&user)?
            .filter(|_| user.has_totp())
            .ok_or(AuthError::InvalidCode)?;
        let code = code.trim();
        let mut how = "totp";
        let ok = match totp.matching_step(code, unix_now().unsigned_abs()) {
            Some(step) => self.control.claim_totp_step(user.id, step).await?,
            None if code.len() == 14 => {
                how = "recovery_code";
                self.control
                    .use_recovery_code(user.id, &sha256_hex(&code.to_lowercase()), unix_now())
                    .await?
            }
            None => false,
        };
        if !ok {
            let (account_key, _) = Self::throttle_keys(&user.email, None);
            self.control
                .add_login_failure(&[&account_key], unix_now())
                .await?;
            self.audit(&user.email, "mfa.failed", session.tenant_id, json!({}))
                .await?;
            return Err(AuthError::InvalidCode);
        }
        let rotated = self.rotate_verified(session).await?;
        self.audit(
            &user.email,
            "login",
            session.tenant_id,
            json!({ "second_factor": how }),
        )
        .await?;
        Ok(rotated)
    }

    /// Signs in someone whose passkey (with user verification) the passkey service has checked:
    /// that is two factors, so the session is active at once.
    pub async fn login_with_passkey(
        &self,
        user: UserId,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<NewSession> {
        let user = self.user(user).await?;
        if !user.is_active() {
            return Err(AuthError::Forbidden);
        }
        let session = self
            .start_session(
                &user,
                None,
                None,
                SessionStage::Active,
                true,
                false,
                ip,
                user_agent,
            )
            .await?;
        self.control.record_login(user.id, unix_now()).await?;
        self.audit(&user.email, "login.passkey", None, json!({ "ip": ip }))
            .await?;
        Ok(session)
    }

    /// Completes a login that owes a second factor with a passkey the passkey service checked.
    pub async fn pass_second_factor_with_passkey(
        &self,
        session: &SessionRecord,
    ) -> Result<NewSession> {
        if session.second_factor {
            return Err(AuthError::InvalidCode);
        }
        let user = self.user(session.user_id).await?;
        let rotated = self.rotate_verified(session).await?;
        self.audit(
            &user.email,
            "login",
            session.tenant_id,
            json!({ "second_factor": "passkey" }),
        )
        .await?;
        Ok(rotated)
    }

    /// A session that owes MFA but whose user has no authenticator yet is promoted once they
    /// enrol (enrolment proves the second factor).
    pub async fn complete_enrolment_login(&self, session: &SessionRecord) -> Result<NewSession> {
        self.rotate_verified(session).await
    }

    // ---- client selection, hand-off and tokens ----

    /// Makes `tenant` the portal session's current client (and the user's default), and issues a
    /// client-scoped token for it.
    pub async fn select_client(
        &self,
        session: &SessionRecord,
        user: &UserRecord,
        tenant: TenantId,
    ) -> Result<(TenantAccess, String, i64)> {
        let access = self
            .access(user, tenant)
            .await?
            .ok_or(AuthError::Forbidden)?;
        self.step_up(session, tenant).await?;
        self.control
            .select_tenant_in_session(&session.id_hash, Some(tenant))
            .await?;
        self.changed();
        if access.as_staff {
            // The token opens the client's data as surely as its host does: audited and told
            // as a hand-off is.
            self.staff_entered(user, tenant, access).await?;
        } else {
            self.control
                .set_default_tenant(user.id, Some(tenant))
                .await?;
        }
        let (token, exp) = self.tokens.issue(user.id, tenant, access.role).await?;
        Ok((access, token, exp))
    }

    /// A one-time, short-lived code that moves the portal session's user to `tenant`'s host.
    pub async fn create_handoff(
        &self,
        session: &SessionRecord,
        user: &UserRecord,
        tenant: TenantId,
    ) -> Result<String> {
        let access = self
            .access(user, tenant)
            .await?
            .ok_or(AuthError::Forbidden)?;
        self.step_up(session, tenant).await?;
        let code = random_token(32);
        self.control
            .insert_handoff(
                &sha256_hex(&code),
                &session.id_hash,
                user.id,
                tenant,
                unix_now() + self.settings.handoff_ttl_secs,
            )
            .await?;
        if access.as_staff {
            self.staff_entered(user, tenant, access).await?;
        }
        Ok(code)
    }

    /// Operator staff entering a client they are not a member of: audited, put in the client's
    /// activity, and each of the client's admins told in their notifications.
    async fn staff_entered(
        &self,
        user: &UserRecord,
        tenant: TenantId,
        access: TenantAccess,
    ) -> Result<()> {
        self.audit(
            &user.email,
            "support.access",
            Some(tenant),
            json!({ "role": access.role.as_str() }),
        )
        .await?;
        self.control
            .add_activity(
                Some(tenant),
                Some(user.id),
                "support",
                &format!("Operator staff {} opened this space", user.email),
            )
            .await?;
        let message = format!("Operator staff {} opened this business's space", user.email);
        for m in self.control.members(tenant).await? {
            if m.active && m.role == TenantRole::Admin {
                self.control
                    .add_notification(m.user_id, Some(tenant), &message, None)
                    .await?;
            }
        }
        Ok(())
    }

    /// Exchanges a hand-off code on the tenant's host for a session on that host only.
    pub async fn exchange_handoff(
        &self,
        code: &str,
        tenant: TenantId,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<NewSession> {
        if code.len() != 64 {
            return Err(AuthError::InvalidCode);
        }
        let handoff = self
            .control
            .take_handoff(&sha256_hex(code), tenant, unix_now())
            .await?
            .ok_or(AuthError::InvalidCode)?;
        // The portal session must still be alive: logging out there ends this too.
        let origin = self
            .control
            .session(&handoff.origin_hash)
            .await?
            .filter(|s| s.stage == SessionStage::Active && s.expires_at > unix_now())
            .ok_or(AuthError::InvalidCode)?;
        let user = self.user(handoff.user_id).await?;
        self.access(&user, tenant)
            .await?
            .ok_or(AuthError::Forbidden)?;
        self.start_session(
            &user,
            Some(tenant),
            Some(handoff.origin_hash),
            SessionStage::Active,
            origin.second_factor,
            origin.remember,
            ip,
            user_agent,
        )
        .await
    }

    // ---- API keys ----

    pub async fn create_api_key(
        &self,
        user: &UserRecord,
        tenant: TenantId,
        role: TenantRole,
        label: &str,
    ) -> Result<CreatedApiKey> {
        let holder = self
            .control
            .role_in(user.id, tenant)
            .await?
            .ok_or(AuthError::Forbidden)?;
        let created = api_keys::create(&self.control, user.id, tenant, holder, role, label).await?;
        self.audit(
            &user.email,
            "apikey.created",
            Some(tenant),
            json!({ "key": created.key_id, "role": role.as_str() }),
        )
        .await?;
        Ok(created)
    }

    pub async fn revoke_api_key(&self, user: &UserRecord, key_id: &str) -> Result<()> {
        if !self
            .control
            .revoke_api_key(user.id, key_id, unix_now())
            .await?
        {
            return Err(AuthError::NotFound("API key".into()));
        }
        self.audit(
            &user.email,
            "apikey.revoked",
            None,
            json!({ "key": key_id }),
        )
        .await
    }

    /// The user and the role an API key acts with in its tenant: the key's role, capped by the
    /// holder's current role (a demoted or removed holder's keys shrink or stop with them).
    pub async fn verify_api_key(
        &self,
        key_id: &str,
        secret: &str,
    ) -> Result<(UserRecord, TenantId, TenantRole)> {
        let key = api_keys::verify(&self.control, key_id, secret).await?;
        let user = self.user(key.user_id).await?;
        let access = self
            .access(&user, key.tenant_id)
            .await?
            .filter(|a| !a.as_staff)
            .ok_or(AuthError::BadToken)?;
        Ok((user, key.tenant_id, key.role.min(access.role)))
    }

    /// The user and role a client-scoped token grants, rechecked against the user's status.
    pub async fn verify_token(&self, token: &str) -> Result<(UserRecord, TenantId, TenantRole)> {
        let cached = self
            .cache
            .as_ref()
            .and_then(|c| c.grants.get(token))
            .filter(|g| g.expires_at > unix_now());
        let grant = match cached {
            Some(g) => g,
            None => {
                let g = self.tokens.verify(token).await?;
                if let Some(c) = &self.cache {
                    c.grants.insert(token.to_owned(), g.clone());
                }
                g
            }
        };
        let user = self
            .user(grant.user)
            .await
            .map_err(|_| AuthError::BadToken)?;
        if !user.is_active() {
            return Err(AuthError::BadToken);
        }
        Ok((user, grant.tenant, grant.role))
    }
}
