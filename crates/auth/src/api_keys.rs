//! API keys in Frappe's form: `Authorization: token <key>:<secret>`. The key is a public id;
//! the secret is shown once and stored as its SHA-256 (it is 128 random bits, so a slow hash
//! adds nothing but latency to every API call).

use tenantry_domain::{TenantId, TenantRole, UserId};
use tenantry_store::identity::{unix_now, ApiKeyRecord};
use tenantry_store::ControlStore;

use crate::error::{AuthError, Result};
use crate::{constant_time_eq, random_token, sha256_hex};

pub const MAX_LABEL_CHARS: usize = 80;

/// A key just made: the only time its secret exists outside the caller's hands.
pub struct CreatedApiKey {
    pub key_id: String,
    pub secret: String,
    pub record: ApiKeyRecord,
}

impl CreatedApiKey {
    /// `<key>:<secret>`, as a Frappe client sends it after `token `.
    pub fn credential(&self) -> String {
        format!("{}:{}", self.key_id, self.secret)
    }
}

/// Parses the value after `token ` in an Authorization header.
pub fn parse_credential(value: &str) -> Option<(&str, &str)> {
    let (key, secret) = value.trim().split_once(':')?;
    let ok = |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    (ok(key) && ok(secret)).then_some((key, secret))
}

/// Makes a key for `user` in `tenant` with `role`, which must not exceed `holder_role` (the
/// user's own role there).
pub async fn create(
    control: &ControlStore,
    user: UserId,
    tenant: TenantId,
    holder_role: TenantRole,
    role: TenantRole,
    label: &str,
) -> Result<CreatedApiKey> {
    if role > holder_role {
        return Err(AuthError::Invalid(tenantry_domain::ValidationError::new(
            "role",
            format!(
                "a key cannot have more rights than its holder ({} is above {})",
                role.as_str(),
                holder_role.as_str()
            ),
        )));
    }
    let label = label.trim();
    if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        return Err(AuthError::Invalid(tenantry_domain::ValidationError::new(
            "label",
            format!("use at most {MAX_LABEL_CHARS} printable characters"),
        )));
    }
    let key_id = random_token(8);
    let secret = random_token(16);
    let record = ApiKeyRecord {
        key_id: key_id.clone(),
        secret_hash: sha256_hex(&secret),
        user_id: user,
        tenant_id: tenant,
        role,
        label: if label.is_empty() {
            "API key".into()
        } else {
            label.into()
        },
        created_at: unix_now(),
        last_used_at: None,
        revoked_at: None,
    };
    control.insert_api_key(&record).await?;
    Ok(CreatedApiKey {
        key_id,
        secret,
        record,
    })
}

/// The unrevoked key matching `key:secret`.
pub async fn verify(control: &ControlStore, key_id: &str, secret: &str) -> Result<ApiKeyRecord> {
    let record = control.api_key(key_id).await?.ok_or(AuthError::BadToken)?;
    let matches = constant_time_eq(sha256_hex(secret).as_bytes(), record.secret_hash.as_bytes());
    if !matches || record.revoked_at.is_some() {
        return Err(AuthError::BadToken);
    }
    control.touch_api_key(key_id, unix_now()).await?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials() {
        assert_eq!(parse_credential("ab12:cd34"), Some(("ab12", "cd34")));
        assert_eq!(parse_credential("ab12"), None);
        assert_eq!(parse_credential(":cd34"), None);
        assert_eq!(parse_credential("ab12:zz"), None);
        assert_eq!(parse_credential(&format!("a:{}", "b".repeat(65))), None);
    }
}
