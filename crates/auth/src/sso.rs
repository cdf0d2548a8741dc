//! Single sign-on with OpenID Connect providers: authorization code flow with PKCE, `state` and
//! `nonce`, ID token verification by the `openidconnect` crate, and the provider's groups mapped
//! to tenant roles.
//!
//! The pending login (state, nonce, PKCE verifier) travels in a cookie encrypted under the
//! master key, so that any node can finish a login another node started.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
    UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use tenantry_domain::{TenantRole, ValidationError};
use tenantry_store::identity::unix_now;
use tenantry_store::MasterKey;
use tokio::sync::RwLock;

use crate::error::{AuthError, Result};

/// How long a started login may take before its callback is refused.
const PENDING_TTL_SECS: i64 = 10 * 60;
/// How long discovered provider metadata (endpoints, keys) is reused.
const METADATA_TTL_SECS: i64 = 15 * 60;
const STATE_CONTEXT: &str = "sso-pending-login";

/// One configured provider.
#[derive(Clone, Debug)]
pub struct ProviderSettings {
    /// The slug in URLs (`[a-z0-9-]`).
    pub name: String,
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// The claim that lists the user's groups.
    pub group_claim: String,
    /// Explicit group → (client subdomain, role) mappings.
    pub group_roles: BTreeMap<String, (String, TenantRole)>,
    /// Also map groups named `<subdomain>-admins`, `-managers`, `-employees`, `-viewers`.
    pub group_convention: bool,
}

impl ProviderSettings {
    /// The (subdomain, role) pairs the groups grant; the highest role wins per subdomain.
    pub fn map_groups(&self, groups: &[String]) -> Vec<(String, TenantRole)> {
        let mut granted: BTreeMap<String, TenantRole> = BTreeMap::new();
        for g in groups {
            let mapped = self.group_roles.get(g).cloned().or_else(|| {
                if !self.group_convention {
                    return None;
                }
                [
                    ("-admins", TenantRole::Admin),
                    ("-managers", TenantRole::Manager),
                    ("-employees", TenantRole::Employee),
                    ("-viewers", TenantRole::Viewer),
                ]
                .into_iter()
                .find_map(|(suffix, role)| {
                    g.strip_suffix(suffix)
                        .filter(|s| !s.is_empty())
                        .map(|s| (s.to_owned(), role))
                })
            });
            if let Some((subdomain, role)) = mapped {
                let slot = granted.entry(subdomain).or_insert(role);
                *slot = (*slot).max(role);
            }
        }
        granted.into_iter().collect()
    }
}

/// Parses `subdomain:role`, as group mappings are written in the configuration.
pub fn parse_group_target(
    value: &str,
) -> std::result::Result<(String, TenantRole), ValidationError> {
    let (subdomain, role) = value.split_once(':').ok_or_else(|| {
        ValidationError::new(
            "oidc.group_roles",
            format!("{value:?} must look like <client subdomain>:<role>"),
        )
    })?;
    let subdomain = tenantry_domain::Subdomain::parse(subdomain)?;
    Ok((subdomain.as_str().to_owned(), TenantRole::parse(role)?))
}

/// Who the provider says signed in.
#[derive(Clone, Debug)]
pub struct SsoIdentity {
    pub provider: String,
    pub subject: String,
    pub email: String,
    pub name: Option<String>,
    pub grants: Vec<(String, TenantRole)>,
    pub next: String,
}

/// A login on its way to the provider.
pub struct SsoStart {
    pub authorization_url: String,
    /// The encrypted pending login, for the `tenantry_sso` cookie.
    pub pending: String,
}

#[derive(Serialize, Deserialize)]
struct PendingLogin {
    provider: String,
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    created_at: i64,
}

/// Any claims the provider adds, by name (the configured group claim among them).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct ExtraClaims(#[serde(default)] HashMap<String, serde_json::Value>);
impl AdditionalClaims for ExtraClaims {}

#[derive(Clone)]
pub struct Sso {
    providers: Arc<Vec<ProviderSettings>>,
    redirect_url: String,
    master_key: MasterKey,
    http: openidconnect::reqwest::Client,
    metadata: Arc<RwLock<HashMap<String, (CoreProviderMetadata, i64)>>>,
}

fn sso_failed(reason: impl std::fmt::Display) -> AuthError {
    AuthError::SsoFailed(reason.to_string())
}

impl Sso {
    pub fn new(
        providers: Vec<ProviderSettings>,
        redirect_url: String,
        master_key: MasterKey,
    ) -> Result<Self> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would open the client to SSRF.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| AuthError::Internal(format!("HTTP client: {e}")))?;
        Ok(Self {
            providers: Arc::new(providers),
            redirect_url,
            master_key,
            http,
            metadata: Arc::new(RwLock::new(HashMap::new())),
        })
    }

    /// (name, display name) of each provider, for the login page.
    pub fn providers(&self) -> Vec<(String, String)> {
        self.providers
            .iter()
            .map(|p| (p.name.clone(), p.display_name.clone()))
            .collect()
    }

    fn provider(&self, name: &str) -> Result<&ProviderSettings> {
        self.providers
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| AuthError::NotFound(format!("sign-in provider {name:?}")))
    }

    async fn metadata(&self, p: &ProviderSettings) -> Result<CoreProviderMetadata> {
        if let Some((m, at)) = self.metadata.read().await.get(&p.name) {
            if unix_now() - at < METADATA_TTL_SECS {
                return Ok(m.clone());
            }
        }
        let issuer = IssuerUrl::new(p.issuer.clone()).map_err(sso_failed)?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| sso_failed(format!("discovery at {}: {e}", p.issuer)))?;
        self.metadata
            .write()
            .await
            .insert(p.name.clone(), (m.clone(), unix_now()));
        Ok(m)
    }

    /// Starts a login with `provider`: the URL to send the browser to, and the pending login to
    /// keep in its cookie.
    pub async fn start(&self, provider: &str, next: &str) -> Result<SsoStart> {
        let p = self.provider(provider)?;
        let metadata = self.metadata(p).await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(p.client_id.clone()),
            Some(ClientSecret::new(p.client_secret.clone())),
        )
        .set_redirect_uri(RedirectUrl::new(self.redirect_url.clone()).map_err(sso_failed)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &p.scopes {
            if scope != "openid" {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let pending = PendingLogin {
            provider: p.name.clone(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            next: next.to_owned(),
            created_at: unix_now(),
        };
        let json = serde_json::to_vec(&pending).map_err(|e| AuthError::Internal(e.to_string()))?;
        Ok(SsoStart {
            authorization_url: url.to_string(),
            pending: self.master_key.encrypt(&json, STATE_CONTEXT)?,
        })
    }

    /// Finishes a login at the callback: the `state` must be the one this browser's pending login
    /// holds; the code is exchanged (with the PKCE verifier) and the ID token verified (signature,
    /// issuer, audience, expiry, nonce). The email must be verified by the provider.
    pub async fn finish(&self, pending: &str, code: &str, state: &str) -> Result<SsoIdentity> {
        let pending: PendingLogin = self
            .master_key
            .decrypt(pending, STATE_CONTEXT)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(|| sso_failed("the sign-in was not started from this browser"))?;
        if !crate::constant_time_eq(pending.state.as_bytes(), state.as_bytes()) {
            return Err(sso_failed(
                "the state does not match this browser's sign-in",
            ));
        }
        if unix_now() - pending.created_at > PENDING_TTL_SECS {
            return Err(sso_failed("the sign-in took too long; start again"));
        }
        let p = self.provider(&pending.provider)?;
        let metadata = self.metadata(p).await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(p.client_id.clone()),
            Some(ClientSecret::new(p.client_secret.clone())),
        )
        .set_redirect_uri(RedirectUrl::new(self.redirect_url.clone()).map_err(sso_failed)?);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(sso_failed)?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| sso_failed(format!("the provider refused the code: {e}")))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| sso_failed("the provider sent no ID token"))?;
        let claims = id_token
            .claims(
                &client.id_token_verifier(),
                &Nonce::new(pending.nonce.clone()),
            )
            .map_err(|e| sso_failed(format!("the ID token is not valid: {e}")))?;
        let subject = claims.subject().as_str().to_owned();
        // Groups and, where the ID token lacks them, email and name come from userinfo.
        let info: Option<UserInfoClaims<ExtraClaims, CoreGenderClaim>> = match client.user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        ) {
            Ok(request) => Some(
                request
                    .request_async(&self.http)
                    .await
                    .map_err(|e| sso_failed(format!("userinfo: {e}")))?,
            ),
            Err(_) => None,
        };
        let email = claims
            .email()
            .map(|e| (e.as_str().to_owned(), claims.email_verified()))
            .or_else(|| {
                info.as_ref().and_then(|i| {
                    i.email()
                        .map(|e| (e.as_str().to_owned(), i.email_verified()))
                })
            });
        let email = match email {
            Some((email, Some(true))) => email.trim().to_lowercase(),
            Some(_) => {
                return Err(sso_failed(
                    "the provider has not verified this email address",
                ))
            }
            None => return Err(sso_failed("the provider sent no email address")),
        };
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned());
        let groups: Vec<String> = info
            .as_ref()
            .and_then(|i| i.additional_claims().0.get(&p.group_claim))
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|g| g.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(SsoIdentity {
            provider: p.name.clone(),
            subject,
            email,
            name,
            grants: p.map_groups(&groups),
            next: pending.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_map_to_roles() {
        let mut explicit = BTreeMap::new();
        explicit.insert(
            "finance".to_owned(),
            ("acme-corp".to_owned(), TenantRole::Manager),
        );
        let p = ProviderSettings {
            name: "corp".into(),
            display_name: "Corp".into(),
            issuer: "https://id.example.com".into(),
            client_id: "x".into(),
            client_secret: "y".into(),
            scopes: vec![],
            group_claim: "groups".into(),
            group_roles: explicit,
            group_convention: true,
        };
        let g = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            p.map_groups(&g(&[
                "acme-corp-admins",
                "finance",
                "beta-viewers",
                "other",
                "-admins"
            ])),
            vec![
                ("acme-corp".to_owned(), TenantRole::Admin),
                ("beta".to_owned(), TenantRole::Viewer)
            ]
        );
        assert!(p.map_groups(&g(&["unmapped"])).is_empty());
        assert_eq!(
            parse_group_target("acme-corp:manager").unwrap(),
            ("acme-corp".to_owned(), TenantRole::Manager)
        );
        assert!(parse_group_target("acme-corp").is_err());
        assert!(parse_group_target("Acme:admin").is_err());
    }
}
