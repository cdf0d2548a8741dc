//! Client-scoped tokens: EdDSA-signed JWTs that say who acts for which tenant with which role,
//! verifiable by anyone through the published JWKS.
//!
//! Signing keys live in the control plane, private halves encrypted under the master key. The
//! newest unretired key signs; `rotate` adds a key and retires the others, which stay published
//! (and accepted) until every token they signed has expired.

use std::collections::HashMap;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tenantry_domain::{TenantId, TenantRole, UserId};
use tenantry_store::identity::{unix_now, SigningKeyRecord};
use tenantry_store::{ControlStore, MasterKey};
use tokio::sync::RwLock;

use crate::error::{AuthError, Result};

/// The longest a client-scoped token lives.
pub const MAX_TOKEN_TTL_SECS: i64 = 15 * 60;
/// How long a rotated-out key's tokens can still be in use: after this it is unpublished.
const KEY_GRACE_SECS: i64 = MAX_TOKEN_TTL_SECS + 60;
/// How often a node rereads the key set (another node may have rotated).
const RELOAD_SECS: i64 = 60;
/// The audience every token carries.
pub const AUDIENCE: &str = "tenantry-api";

/// PKCS#8 v1 prefix of an Ed25519 private key: the DER around its 32-byte seed.
const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub tenant: String,
    pub role: String,
    pub permissions: Vec<String>,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// A verified token's meaning.
#[derive(Clone, Debug)]
pub struct TokenGrant {
    pub user: UserId,
    pub tenant: TenantId,
    pub role: TenantRole,
    pub expires_at: i64,
}

struct LoadedKey {
    kid: String,
    retired_at: Option<i64>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    public_x: String,
}

struct KeySet {
    keys: HashMap<String, Arc<LoadedKey>>,
    signing: Option<Arc<LoadedKey>>,
    loaded_at: i64,
}

#[derive(Clone)]
pub struct TokenService {
    control: ControlStore,
    master_key: MasterKey,
    issuer: String,
    ttl_secs: i64,
    keys: Arc<RwLock<KeySet>>,
}

fn key_context(kid: &str) -> String {
    format!("jwt-signing-key:{kid}")
}

impl TokenService {
    pub fn new(
        control: ControlStore,
        master_key: MasterKey,
        issuer: String,
        ttl_secs: i64,
    ) -> Self {
        Self {
            control,
            master_key,
            issuer,
            ttl_secs: ttl_secs.clamp(30, MAX_TOKEN_TTL_SECS),
            keys: Arc::new(RwLock::new(KeySet {
                keys: HashMap::new(),
                signing: None,
                loaded_at: 0,
            })),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Adds a new signing key and retires the others (they stay published for their tokens'
    /// lifetime). Returns the new key's id.
    pub async fn rotate(&self) -> Result<String> {
        let now = unix_now();
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        let signing = SigningKey::from_bytes(&seed);
        let public = URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes());
        let kid = format!("{now}-{}", crate::random_token(4));
        let record = SigningKeyRecord {
            kid: kid.clone(),
            algorithm: "EdDSA".into(),
            private_key_enc: self.master_key.encrypt(&seed, &key_context(&kid))?,
            public_key: public,
            created_at: now,
            retired_at: None,
        };
        self.control.insert_signing_key(&record).await?;
        self.control.retire_signing_keys_except(&kid, now).await?;
        self.reload().await?;
        Ok(kid)
    }

    async fn reload(&self) -> Result<()> {
        let now = unix_now();
        let records = self.control.signing_keys(now - KEY_GRACE_SECS).await?;
        let mut keys = HashMap::new();
        let mut signing = None;
        for r in records {
            let loaded = Arc::new(self.load_key(&r)?);
            if r.retired_at.is_none() && signing.is_none() {
                signing = Some(loaded.clone());
            }
            keys.insert(r.kid.clone(), loaded);
        }
        *self.keys.write().await = KeySet {
            keys,
            signing,
            loaded_at: now,
        };
        Ok(())
    }

    fn load_key(&self, r: &SigningKeyRecord) -> Result<LoadedKey> {
        let seed = self
            .master_key
            .decrypt(&r.private_key_enc, &key_context(&r.kid))?;
        let mut der = PKCS8_ED25519_PREFIX.to_vec();
        der.extend_from_slice(&seed);
        Ok(LoadedKey {
            kid: r.kid.clone(),
            retired_at: r.retired_at,
            encoding: EncodingKey::from_ed_der(&der),
            decoding: DecodingKey::from_ed_components(&r.public_key)
                .map_err(|e| AuthError::Internal(format!("signing key {}: {e}", r.kid)))?,
            public_x: r.public_key.clone(),
        })
    }

    async fn fresh_keys(&self) -> Result<tokio::sync::RwLockReadGuard<'_, KeySet>> {
        let stale = unix_now() - self.keys.read().await.loaded_at >= RELOAD_SECS;
        if stale {
            self.reload().await?;
        }
        Ok(self.keys.read().await)
    }

    /// Signs a token for `user` acting as `role` in `tenant`. Makes the first key if there is
    /// none yet.
    pub async fn issue(
        &self,
        user: UserId,
        tenant: TenantId,
        role: TenantRole,
    ) -> Result<(String, i64)> {
        let mut key = self.fresh_keys().await?.signing.clone();
        if key.is_none() {
            self.rotate().await?;
            key = self.keys.read().await.signing.clone();
        }
        let key = key.ok_or_else(|| AuthError::Internal("no signing key".into()))?;
        let iat = unix_now();
        let exp = iat + self.ttl_secs;
        let claims = Claims {
            sub: user.to_string(),
            tenant: tenant.to_string(),
            role: role.as_str().into(),
            permissions: role
                .permissions()
                .iter()
                .map(|p| p.as_str().into())
                .collect(),
            iat,
            exp,
            iss: self.issuer.clone(),
            aud: AUDIENCE.into(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &key.encoding)
            .map_err(|e| AuthError::Internal(format!("signing a token: {e}")))?;
        Ok((token, exp))
    }

    /// Verifies a token: EdDSA only (no `none`, no HMAC confusion), a published key, signature,
    /// expiry, issuer and audience, and claims that parse.
    pub async fn verify(&self, token: &str) -> Result<TokenGrant> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::BadToken)?;
        if header.alg != Algorithm::EdDSA {
            return Err(AuthError::BadToken);
        }
        let kid = header.kid.ok_or(AuthError::BadToken)?;
        let key = {
            let keys = self.fresh_keys().await?;
            keys.keys.get(&kid).cloned()
        };
        let key = match key {
            Some(k) => k,
            None => {
                // A key made by another node since the last reload.
                self.reload().await?;
                self.keys
                    .read()
                    .await
                    .keys
                    .get(&kid)
                    .cloned()
                    .ok_or(AuthError::BadToken)?
            }
        };
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation)
            .map_err(|_| AuthError::BadToken)?;
        let c = data.claims;
        if c.exp - c.iat > MAX_TOKEN_TTL_SECS {
            return Err(AuthError::BadToken);
        }
        Ok(TokenGrant {
            user: c.sub.parse().map_err(|_| AuthError::BadToken)?,
            tenant: c.tenant.parse().map_err(|_| AuthError::BadToken)?,
            role: TenantRole::parse(&c.role).map_err(|_| AuthError::BadToken)?,
            expires_at: c.exp,
        })
    }

    /// The published keys as a JWKS document.
    pub async fn jwks(&self) -> Result<serde_json::Value> {
        let keys = self.fresh_keys().await?;
        let mut list: Vec<&Arc<LoadedKey>> = keys.keys.values().collect();
        list.sort_by(|a, b| {
            a.retired_at
                .is_some()
                .cmp(&b.retired_at.is_some())
                .then(b.kid.cmp(&a.kid))
        });
        Ok(serde_json::json!({
            "keys": list.iter().map(|k| serde_json::json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "use": "sig",
                "kid": k.kid,
                "x": k.public_x,
            })).collect::<Vec<_>>()
        }))
    }
}
