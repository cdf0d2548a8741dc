//! People, as the operator manages them from the CLI: operator staff, invitations (which double
//! as password resets), API keys and token signing keys.

use serde::Serialize;
use tenantry_auth::api_keys::CreatedApiKey;
use tenantry_domain::{Email, PlatformRole, TenantId, TenantRole, UserId};
use tenantry_store::control::now;
use tenantry_store::secrets::random_hex;
use time::Duration;

use crate::error::{PlatformError, Result};
use crate::provisioning::token_hash;
use crate::{clients, Platform};

/// A one-time link for `user` to set (or reset) their password, retiring their earlier links.
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
    if platform
        .control()
        .role_in(user.id, tenant.id)
        .await?
        .is_none()
    {
        return Err(PlatformError::Refused(format!(
            "{} is not a member of {}",
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
