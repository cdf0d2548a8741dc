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
use ed25519_dalek::{Signature, SigningKey, Verifier, VerifyingKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
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
/// How far past its `exp` a token is still accepted (clock skew between nodes).
const LEEWAY_SECS: i64 = 5;

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
    /// The public key, decompressed once here: `jsonwebtoken::decode` would decompress it again
    /// (a square root in the field, ~5 µs) for every token it checks.
    verifying: VerifyingKey,
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
        let bad = |e: String| AuthError::Internal(format!("signing key {}: {e}", r.kid));
        let public: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&r.public_key)
            .map_err(|e| bad(e.to_string()))?
            .try_into()
            .map_err(|_| bad("the public key is not 32 bytes".into()))?;
        Ok(LoadedKey {
            kid: r.kid.clone(),
            retired_at: r.retired_at,
            encoding: EncodingKey::from_ed_der(&der),
            verifying: VerifyingKey::from_bytes(&public).map_err(|e| bad(e.to_string()))?,
            public_x: r.public_key.clone(),
        })
    }

    async fn fresh_keys(&self) -> Result<tokio::sync::RwLockReadGuard<'_, KeySet>> {
        let keys = self.keys.read().await;
        if unix_now() - keys.loaded_at < RELOAD_SECS {
            return Ok(keys);
        }
        drop(keys);
        self.reload().await?;
        Ok(self.keys.read().await)
    }

    /// Makes the first signing key if there is none yet.
    pub async fn ensure_signing_key(&self) -> Result<()> {
        if self.fresh_keys().await?.signing.is_none() {
            self.rotate().await?;
        }
        Ok(())
    }

    /// Signs a token for `user` acting as `role` in `tenant`. Makes the first key if there is
    /// none yet.
    pub async fn issue(
        &self,
        user: UserId,
        tenant: TenantId,
        role: TenantRole,
    ) -> Result<(String, i64)> {
        self.ensure_signing_key().await?;
        let key = self.keys.read().await.signing.clone();
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
    ///
    /// The checks are `jsonwebtoken::decode`'s with `Validation::new(EdDSA)`, the audience,
    /// issuer and required claims below and a leeway of `LEEWAY_SECS`, done here so that the
    /// key's decompressed point is reused, and the header and claims parsed once each (`decode`
    /// parses the header twice and the claims twice). The signature check is the same call:
    /// `ed25519_dalek`'s `Verifier::verify` on the bytes before the last dot.
    pub async fn verify(&self, token: &str) -> Result<TokenGrant> {
        // `header.payload.signature`, split as `jsonwebtoken` splits it: the signature after the
        // last dot, the payload after the one before (a header holding a dot does not decode).
        let (message, signature) = token.rsplit_once('.').ok_or(AuthError::BadToken)?;
        let (_, payload) = message.rsplit_once('.').ok_or(AuthError::BadToken)?;
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
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|s| Signature::from_slice(&s).ok())
            .ok_or(AuthError::BadToken)?;
        key.verifying
            .verify(message.as_bytes(), &signature)
            .map_err(|_| AuthError::BadToken)?;
        // Signed by us: now the claims. All of them must be present (`Claims` has no optional
        // field); `aud` and `iss` must be the one expected string.
        let c: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(AuthError::BadToken)?;
        if c.exp < unix_now() - LEEWAY_SECS
            || c.aud != AUDIENCE
            || c.iss != self.issuer
            || c.exp.saturating_sub(c.iat) > MAX_TOKEN_TTL_SECS
        {
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

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};
    use tenantry_store::control::ControlLocation;
    use tenantry_store::SqliteDurability;

    const ISSUER: &str = "https://portal.test";

    async fn service() -> (tempfile::TempDir, TokenService) {
        let dir = tempfile::tempdir().unwrap();
        let control = ControlStore::open(ControlLocation::Sqlite {
            data_dir: dir.path(),
            durability: SqliteDurability::Normal,
        })
        .await
        .unwrap();
        control.migrate().await.unwrap();
        let service = TokenService::new(control, MasterKey::generate(), ISSUER.into(), 600);
        service.rotate().await.unwrap();
        (dir, service)
    }

    fn claims(now: i64) -> Claims {
        Claims {
            sub: UserId::new().to_string(),
            tenant: TenantId::new().to_string(),
            role: "admin".into(),
            permissions: vec!["portal.view".into()],
            iat: now,
            exp: now + 600,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        }
    }

    fn sign(key: &EncodingKey, kid: Option<&str>, claims: &impl Serialize) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    /// What `verify` accepted when it called `jsonwebtoken::decode`.
    fn accepted_by_jsonwebtoken(service: &TokenService, key: &LoadedKey, token: &str) -> bool {
        let Ok(header) = jsonwebtoken::decode_header(token) else {
            return false;
        };
        if header.alg != Algorithm::EdDSA || header.kid.as_deref() != Some(&key.kid) {
            return false;
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[service.issuer()]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let decoding = DecodingKey::from_ed_components(&key.public_x).unwrap();
        match jsonwebtoken::decode::<Claims>(token, &decoding, &validation) {
            Ok(data) => {
                let c = data.claims;
                c.exp - c.iat <= MAX_TOKEN_TTL_SECS
                    && c.sub.parse::<UserId>().is_ok()
                    && c.tenant.parse::<TenantId>().is_ok()
                    && TenantRole::parse(&c.role).is_ok()
            }
            Err(_) => false,
        }
    }

    #[tokio::test]
    async fn verify_accepts_and_refuses_exactly_what_jsonwebtoken_did() {
        let (_dir, service) = service().await;
        let key = service.keys.read().await.signing.clone().unwrap();
        let kid = key.kid.clone();
        let now = unix_now();
        let mut der = PKCS8_ED25519_PREFIX.to_vec();
        der.extend_from_slice(&[7u8; 32]);
        let stranger = EncodingKey::from_ed_der(&der);
        let real = &key.encoding;

        let good = sign(real, Some(&kid), &claims(now));
        let with = |f: &dyn Fn(&mut Claims)| {
            let mut c = claims(now);
            f(&mut c);
            sign(real, Some(&kid), &c)
        };
        let json = |v: serde_json::Value| sign(real, Some(&kid), &v);
        let base = serde_json::to_value(claims(now)).unwrap();
        let without = |field: &str| {
            let mut v = base.clone();
            v.as_object_mut().unwrap().remove(field);
            json(v)
        };
        let parts: Vec<&str> = good.split('.').collect();
        let mut tampered = claims(now);
        tampered.role = "viewer".into();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&tampered).unwrap()),
            parts[2]
        );
        let header_of = |h: &str| URL_SAFE_NO_PAD.encode(h);
        // HS256 keyed with the public key: the classic algorithm confusion.
        let hmac = {
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some(kid.clone());
            let secret = URL_SAFE_NO_PAD.decode(&key.public_x).unwrap();
            jsonwebtoken::encode(&h, &claims(now), &EncodingKey::from_secret(&secret)).unwrap()
        };
        let mut short_signature = good.clone();
        short_signature.truncate(good.len() - 4);

        let cases: Vec<(&str, String, bool)> = vec![
            ("good", good.clone(), true),
            ("exp within the leeway", with(&|c| c.exp = now - 2), true),
            ("expired", with(&|c| c.exp = now - 10), false),
            (
                "longer than allowed",
                with(&|c| c.exp = c.iat + MAX_TOKEN_TTL_SECS + 1),
                false,
            ),
            (
                "the longest allowed",
                with(&|c| c.exp = c.iat + MAX_TOKEN_TTL_SECS),
                true,
            ),
            (
                "other audience",
                with(&|c| c.aud = "elsewhere".into()),
                false,
            ),
            (
                "other issuer",
                with(&|c| c.iss = "https://evil.test".into()),
                false,
            ),
            ("unknown role", with(&|c| c.role = "owner".into()), false),
            ("bad subject", with(&|c| c.sub = "nobody".into()), false),
            ("no exp", without("exp"), false),
            ("no iat", without("iat"), false),
            ("no sub", without("sub"), false),
            ("no iss", without("iss"), false),
            ("no aud", without("aud"), false),
            ("no tenant", without("tenant"), false),
            (
                "audience list",
                json({
                    let mut v = base.clone();
                    v["aud"] = serde_json::json!([AUDIENCE]);
                    v
                }),
                false,
            ),
            (
                "exp as a string",
                json({
                    let mut v = base.clone();
                    v["exp"] = (now + 600).to_string().into();
                    v
                }),
                false,
            ),
            (
                "negative exp",
                json({
                    let mut v = base.clone();
                    v["exp"] = (-1).into();
                    v
                }),
                false,
            ),
            (
                "extra claims",
                json({
                    let mut v = base.clone();
                    v["nbf"] = (now + 3600).into();
                    v["jti"] = "x".into();
                    v
                }),
                true,
            ),
            ("tampered claims", tampered, false),
            (
                "signed by another key",
                sign(&stranger, Some(&kid), &claims(now)),
                false,
            ),
            ("no kid", sign(real, None, &claims(now)), false),
            ("unknown kid", sign(real, Some("nope"), &claims(now)), false),
            (
                "alg none",
                format!(
                    "{}.{}.",
                    header_of(r#"{"alg":"none","typ":"JWT"}"#),
                    parts[1]
                ),
                false,
            ),
            ("HS256 with the public key", hmac, false),
            ("short signature", short_signature, false),
            ("no signature", format!("{}.{}", parts[0], parts[1]), false),
            (
                "extra part",
                format!("{}.{}.{}.{}", parts[0], parts[0], parts[1], parts[2]),
                false,
            ),
            ("empty", String::new(), false),
        ];
        for (name, token, expected) in cases {
            assert_eq!(
                accepted_by_jsonwebtoken(&service, &key, &token),
                expected,
                "{name}: the old check"
            );
            assert_eq!(service.verify(&token).await.is_ok(), expected, "{name}");
        }

        let grant = service.verify(&good).await.unwrap();
        let c = claims(now);
        let parsed: Claims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(grant.user.to_string(), parsed.sub);
        assert_eq!(grant.tenant.to_string(), parsed.tenant);
        assert_eq!(grant.role, TenantRole::Admin);
        assert_eq!(grant.expires_at, c.exp);
    }

    #[tokio::test]
    async fn issued_tokens_verify_after_rotation() {
        let (_dir, service) = service().await;
        let (user, tenant) = (UserId::new(), TenantId::new());
        let (old, exp) = service
            .issue(user, tenant, TenantRole::Manager)
            .await
            .unwrap();
        service.rotate().await.unwrap();
        let (new, _) = service
            .issue(user, tenant, TenantRole::Viewer)
            .await
            .unwrap();
        let g = service.verify(&old).await.unwrap();
        assert_eq!(
            (g.user, g.tenant, g.role, g.expires_at),
            (user, tenant, TenantRole::Manager, exp)
        );
        assert_eq!(service.verify(&new).await.unwrap().role, TenantRole::Viewer);
        // Another node's service (same control plane) verifies them too.
        let other = TokenService::new(
            service.control.clone(),
            service.master_key.clone(),
            ISSUER.into(),
            600,
        );
        assert!(other.verify(&old).await.is_ok());
        assert!(other.verify(&new).await.is_ok());
        let elsewhere = TokenService::new(
            service.control.clone(),
            service.master_key.clone(),
            "https://other.test".into(),
            600,
        );
        assert!(elsewhere.verify(&new).await.is_err());
    }
}
