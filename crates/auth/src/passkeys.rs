//! Passkeys (WebAuthn) with `webauthn-rs`: registered from the profile, then used to sign in
//! without a password (a passkey with user verification is two factors in one) or as the second
//! step after a password.
//!
//! A ceremony's state travels in a cookie encrypted under the master key (bound to its purpose
//! and, for a signed-in user, to that user), so any node can finish what another started.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use tenantry_domain::{UserId, ValidationError};
use tenantry_store::identity::{unix_now, PasskeyRecord, UserRecord};
use tenantry_store::{ControlStore, MasterKey};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Webauthn,
    WebauthnBuilder,
};

use crate::error::{AuthError, Result};

/// What browsers send back, for the web layer to parse.
pub use webauthn_rs::prelude::{
    PublicKeyCredential as Assertion, RegisterPublicKeyCredential as Attestation,
};

pub const MAX_NAME_CHARS: usize = 60;
/// Passkeys one account may hold.
pub const MAX_PER_USER: usize = 20;

fn webauthn_failed(e: impl std::fmt::Display) -> AuthError {
    AuthError::PasskeyFailed(e.to_string())
}

/// What a ceremony's begin step hands out: the options for the browser (JSON) and the encrypted
/// state for the cookie.
pub struct Challenge {
    pub options: serde_json::Value,
    pub state: String,
}

#[cfg(test)]
mod tests {
    #[test]
    fn relying_party() {
        assert_eq!(
            super::relying_party("byrne-accounts.org"),
            "byrne-accounts.org"
        );
        assert_eq!(super::relying_party("localhost"), "portal.localhost");
    }
}

#[derive(Clone)]
pub struct Passkeys {
    webauthn: std::sync::Arc<Webauthn>,
    control: ControlStore,
    master_key: MasterKey,
}

fn context(purpose: &str, user: Option<UserId>) -> String {
    match user {
        Some(u) => format!("webauthn-{purpose}:{u}"),
        None => format!("webauthn-{purpose}"),
    }
}

/// The relying party id for an installation: its base domain, unless that is a single label
/// such as `localhost`, which browsers treat like a top-level domain and refuse for a
/// subdomain's passkeys; then the portal's own host.
pub fn relying_party(base_domain: &str) -> String {
    if base_domain.contains('.') {
        base_domain.to_owned()
    } else {
        format!("portal.{base_domain}")
    }
}

impl Passkeys {
    /// `rp_id` is the relying party: the base domain, so that the portal and every client
    /// subdomain share one set of passkeys (see [`relying_party`]). `origin` is the portal's URL.
    pub fn new(
        rp_id: &str,
        origin: &str,
        rp_name: &str,
        control: ControlStore,
        master_key: MasterKey,
    ) -> Result<Self> {
        let origin =
            Url::parse(origin).map_err(|e| AuthError::Internal(format!("passkey origin: {e}")))?;
        let webauthn = WebauthnBuilder::new(rp_id, &origin)
            .map_err(|e| AuthError::Internal(format!("passkeys: {e}")))?
            .rp_name(rp_name)
            .allow_subdomains(true)
            .allow_any_port(true)
            .build()
            .map_err(|e| AuthError::Internal(format!("passkeys: {e}")))?;
        Ok(Self {
            webauthn: std::sync::Arc::new(webauthn),
            control,
            master_key,
        })
    }

    fn seal<T: Serialize>(&self, state: &T, purpose: &str, user: Option<UserId>) -> Result<String> {
        let json = serde_json::to_vec(state).map_err(|e| AuthError::Internal(e.to_string()))?;
        Ok(self.master_key.encrypt(&json, &context(purpose, user))?)
    }

    fn open<T: serde::de::DeserializeOwned>(
        &self,
        sealed: &str,
        purpose: &str,
        user: Option<UserId>,
    ) -> Result<T> {
        self.master_key
            .decrypt(sealed, &context(purpose, user))
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(|| {
                webauthn_failed(
                    "the passkey request was not started from this browser, or took too long",
                )
            })
    }

    fn load(record: &PasskeyRecord) -> Result<Passkey> {
        serde_json::from_str(&record.passkey)
            .map_err(|e| AuthError::Internal(format!("stored passkey: {e}")))
    }

    fn options(value: impl Serialize) -> Result<serde_json::Value> {
        serde_json::to_value(value).map_err(|e| AuthError::Internal(e.to_string()))
    }

    pub async fn of(&self, user: UserId) -> Result<Vec<PasskeyRecord>> {
        Ok(self.control.passkeys_of(user).await?)
    }

    pub async fn begin_registration(&self, user: &UserRecord) -> Result<Challenge> {
        let existing = self.control.passkeys_of(user.id).await?;
        if existing.len() >= MAX_PER_USER {
            return Err(AuthError::Invalid(ValidationError::new(
                "passkey",
                format!("an account holds at most {MAX_PER_USER} passkeys; remove one first"),
            )));
        }
        let exclude = existing
            .iter()
            .map(|r| Self::load(r).map(|p| p.cred_id().clone()))
            .collect::<Result<Vec<_>>>()?;
        let display = user.display_name.as_deref().unwrap_or(&user.email);
        let (options, state) = self
            .webauthn
            .start_passkey_registration(user.id.as_uuid(), &user.email, display, Some(exclude))
            .map_err(webauthn_failed)?;
        let mut options = Self::options(options)?;
        // Passwordless sign-in offers whatever passkey the browser holds for this site, which
        // only finds discoverable credentials: ask the authenticator to make one.
        if let Some(selection) = options
            .pointer_mut("/publicKey/authenticatorSelection")
            .and_then(|v| v.as_object_mut())
        {
            selection.insert("residentKey".into(), "required".into());
            selection.insert("requireResidentKey".into(), true.into());
        }
        Ok(Challenge {
            options,
            state: self.seal(&state, "registration", Some(user.id))?,
        })
    }

    pub async fn finish_registration(
        &self,
        user: &UserRecord,
        name: &str,
        credential: &RegisterPublicKeyCredential,
        state: &str,
    ) -> Result<PasskeyRecord> {
        let name = name.trim();
        if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(AuthError::Invalid(ValidationError::new(
                "name",
                format!("use at most {MAX_NAME_CHARS} printable characters"),
            )));
        }
        let state: PasskeyRegistration = self.open(state, "registration", Some(user.id))?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(credential, &state)
            .map_err(webauthn_failed)?;
        let raw: &[u8] = passkey.cred_id().as_ref();
        let cred_id = URL_SAFE_NO_PAD.encode(raw);
        if self.control.passkey(&cred_id).await?.is_some() {
            return Err(webauthn_failed("this passkey is already registered"));
        }
        let record = PasskeyRecord {
            cred_id,
            user_id: user.id,
            name: if name.is_empty() {
                "Passkey".into()
            } else {
                name.into()
            },
            passkey: serde_json::to_string(&passkey)
                .map_err(|e| AuthError::Internal(e.to_string()))?,
            created_at: unix_now(),
            last_used_at: None,
        };
        self.control.insert_passkey(&record).await?;
        Ok(record)
    }

    /// Passwordless sign-in: the browser offers whichever passkey it holds for this site.
    pub fn begin_login(&self) -> Result<Challenge> {
        let (options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(webauthn_failed)?;
        Ok(Challenge {
            options: Self::options(options)?,
            state: self.seal(&state, "login", None)?,
        })
    }

    /// The user a discoverable sign-in proved to be.
    pub async fn finish_login(
        &self,
        credential: &PublicKeyCredential,
        state: &str,
    ) -> Result<UserId> {
        let state: DiscoverableAuthentication = self.open(state, "login", None)?;
        let (user_uuid, cred_id) = self
            .webauthn
            .identify_discoverable_authentication(credential)
            .map_err(webauthn_failed)?;
        let cred_id = URL_SAFE_NO_PAD.encode(cred_id);
        let record = self
            .control
            .passkey(&cred_id)
            .await?
            .filter(|r| r.user_id.as_uuid() == user_uuid)
            .ok_or_else(|| webauthn_failed("this passkey is not registered here"))?;
        let mut passkey = Self::load(&record)?;
        // The `_v2` variant wants a `Credential`, which only the crate's
        // `danger-credential-internals` feature exposes; this one checks the same things.
        #[allow(deprecated)]
        let result = self
            .webauthn
            .finish_discoverable_authentication(
                credential,
                state,
                &[DiscoverableKey::from(&passkey)],
            )
            .map_err(webauthn_failed)?;
        passkey.update_credential(&result);
        self.store_use(&record, &passkey).await?;
        Ok(record.user_id)
    }

    /// The second step after a password, with one of the user's passkeys.
    pub async fn begin_second_factor(&self, user: UserId) -> Result<Challenge> {
        let passkeys = self
            .control
            .passkeys_of(user)
            .await?
            .iter()
            .map(Self::load)
            .collect::<Result<Vec<_>>>()?;
        if passkeys.is_empty() {
            return Err(webauthn_failed("this account has no passkey"));
        }
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(webauthn_failed)?;
        Ok(Challenge {
            options: Self::options(options)?,
            state: self.seal(&state, "second-factor", Some(user))?,
        })
    }

    pub async fn finish_second_factor(
        &self,
        user: UserId,
        credential: &PublicKeyCredential,
        state: &str,
    ) -> Result<()> {
        let state: PasskeyAuthentication = self.open(state, "second-factor", Some(user))?;
        let result = self
            .webauthn
            .finish_passkey_authentication(credential, &state)
            .map_err(webauthn_failed)?;
        let raw: &[u8] = result.cred_id().as_ref();
        let cred_id = URL_SAFE_NO_PAD.encode(raw);
        let record = self
            .control
            .passkey(&cred_id)
            .await?
            .filter(|r| r.user_id == user)
            .ok_or_else(|| webauthn_failed("this passkey is not registered to this account"))?;
        let mut passkey = Self::load(&record)?;
        passkey.update_credential(&result);
        self.store_use(&record, &passkey).await
    }

    async fn store_use(&self, record: &PasskeyRecord, passkey: &Passkey) -> Result<()> {
        let json =
            serde_json::to_string(passkey).map_err(|e| AuthError::Internal(e.to_string()))?;
        self.control
            .update_passkey(&record.cred_id, &json, unix_now())
            .await?;
        Ok(())
    }

    pub async fn remove(&self, user: UserId, cred_id: &str) -> Result<()> {
        if !self.control.delete_passkey(user, cred_id).await? {
            return Err(AuthError::NotFound("passkey".into()));
        }
        Ok(())
    }
}
