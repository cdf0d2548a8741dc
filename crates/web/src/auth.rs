//! Who is calling: a session cookie (host-only, never scoped to the parent domain), a
//! client-scoped JWT (`Authorization: Bearer`), or an API key (`Authorization: token key:secret`).
//! The `authenticate` middleware resolves the credential once per request; handlers ask for what
//! they need through the extractors below, which refuse with 401 or 403.

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use tenantry_auth::{AuthError, NewSession, TenantAccess};
use tenantry_domain::{Permission, TenantId, TenantRole};
use tenantry_platform::config::Config;
use tenantry_store::identity::{unix_now, SessionRecord, SessionStage, UserRecord};

use crate::error::AppError;
use crate::host::{CurrentTenant, Surface};
use crate::AppState;

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum Credential {
    Session(SessionRecord),
    /// A client-scoped token for one tenant, with the role it grants.
    Token {
        tenant: TenantId,
        role: TenantRole,
    },
    /// An API key for one tenant, with its (capped) role.
    ApiKey {
        tenant: TenantId,
        role: TenantRole,
    },
}

/// The caller of this request, when they presented a valid credential.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: UserRecord,
    pub credential: Credential,
}

pub fn session_cookie_name(config: &Config) -> &'static str {
    if config.is_tls() {
        "__Host-tenantry_session"
    } else {
        "tenantry_session"
    }
}

/// A Set-Cookie value for one of the application's cookies: always host-only (no Domain) and
/// HttpOnly, Secure behind TLS; without `max_age` it ends with the browser.
pub(crate) fn cookie_header(
    config: &Config,
    name: &str,
    value: &str,
    path: &str,
    same_site: SameSite,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut c = Cookie::build((name.to_owned(), value.to_owned()))
        .path(path.to_owned())
        .http_only(true)
        .same_site(same_site)
        .secure(config.is_tls());
    if let Some(secs) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&c.build().to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// The session's cookie: the whole host (Path=/), SameSite=Lax. A remembered session persists
/// until it expires; others end with the browser.
pub fn session_cookie(config: &Config, session: &NewSession) -> HeaderValue {
    let max_age = session
        .record
        .remember
        .then(|| session.record.expires_at - unix_now());
    cookie_header(
        config,
        session_cookie_name(config),
        &session.token,
        "/",
        SameSite::Lax,
        max_age,
    )
}

pub fn clear_session_cookie(config: &Config) -> HeaderValue {
    cookie_header(
        config,
        session_cookie_name(config),
        "",
        "/",
        SameSite::Lax,
        Some(0),
    )
}

/// Only local paths are followed after sign-in (no open redirect).
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_same_origin_path(n) => n.to_owned(),
        _ => "/".into(),
    }
}

/// Whether `n` can only be read as a path on this origin. Browsers strip tabs and newlines
/// from a URL before reading it (so `/\t/evil.com` is `//evil.com`, another host) and treat `\`
/// as `/`; a control character would also not fit in a `Location` header. Any of those, or a
/// second leading slash, and it is not taken.
fn is_same_origin_path(n: &str) -> bool {
    n.len() < 512
        && n.starts_with('/')
        && !n.starts_with("//")
        && !n.contains('\\')
        && !n.chars().any(char::is_control)
}

/// The cookie that carries the CSRF token of forms shown before there is a session (login,
/// invitation): the form must echo it.
pub(crate) const PRE_SESSION_CSRF: &str = "tenantry_form";

fn pre_session_csrf(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, PRE_SESSION_CSRF)
}

/// The pre-session CSRF token to put in a form, and the cookie to set if it is new.
pub(crate) fn form_token(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(t) = pre_session_csrf(headers).filter(|t| t.len() == 32) {
        return (t, None);
    }
    let t = tenantry_auth::random_token(16);
    let c = cookie_header(
        state.platform.config(),
        PRE_SESSION_CSRF,
        &t,
        "/",
        cookie::SameSite::Lax,
        None,
    );
    (t, Some(c))
}

pub(crate) fn pre_session_csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    pre_session_csrf(headers)
        .is_some_and(|t| tenantry_auth::constant_time_eq(t.as_bytes(), submitted.as_bytes()))
}

pub(crate) fn with_cookie(mut res: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// Ends the session the request's cookie names unless it is `kept`: signing in (as someone
/// else, or again) in a browser never leaves the previous session alive behind the new cookie.
pub(crate) async fn end_previous_session(
    state: &AppState,
    headers: &HeaderMap,
    kept: &NewSession,
) -> Result<(), AuthError> {
    let Some(token) = cookie_value(headers, session_cookie_name(state.platform.config())) else {
        return Ok(());
    };
    if tenantry_auth::sha256_hex(&token) == kept.record.id_hash {
        return Ok(());
    }
    state.platform.identity().end_session_token(&token).await
}

pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

fn unauthorized(message: &str) -> Response {
    let mut res = AppError::new(StatusCode::UNAUTHORIZED, message).into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"tenantry\""),
    );
    res
}

/// Resolves the caller. A credential that is presented but invalid is refused here (401), so
/// no handler ever runs with a half-trusted caller.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let identity = state.platform.identity();
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().map(str::to_owned));
    let caller = match authorization {
        Some(Err(_)) => return unauthorized("the Authorization header is not readable"),
        Some(Ok(value)) => {
            let (scheme, rest) = value.split_once(' ').unwrap_or((value.as_str(), ""));
            let verified = match scheme.to_ascii_lowercase().as_str() {
                "bearer" => identity
                    .verify_token(rest.trim())
                    .await
                    .map(|(user, tenant, role)| Caller {
                        user,
                        credential: Credential::Token { tenant, role },
                    }),
                "token" => {
                    match tenantry_auth::api_keys::parse_credential(rest) {
                        Some((key, secret)) => identity.verify_api_key(key, secret).await.map(
                            |(user, tenant, role)| Caller {
                                user,
                                credential: Credential::ApiKey { tenant, role },
                            },
                        ),
                        None => Err(AuthError::BadToken),
                    }
                }
                _ => Err(AuthError::BadToken),
            };
            match verified {
                Ok(c) => Some(c),
                Err(AuthError::BadToken | AuthError::NotFound(_)) => {
                    return unauthorized("the credential is not valid")
                }
                Err(e) => {
                    return AppError::from(tenantry_platform::PlatformError::from(e))
                        .into_response()
                }
            }
        }
        None => {
            let name = session_cookie_name(state.platform.config());
            match cookie_value(req.headers(), name) {
                None => None,
                Some(token) => match identity.session(&token).await {
                    Ok(Some(session)) => match identity.user(session.user_id).await {
                        Ok(user) if user.is_active() => Some(Caller {
                            user,
                            credential: Credential::Session(session),
                        }),
                        Ok(_) => None,
                        Err(e) => {
                            return AppError::from(tenantry_platform::PlatformError::from(e))
                                .into_response()
                        }
                    },
                    Ok(None) => None,
                    Err(e) => {
                        return AppError::from(tenantry_platform::PlatformError::from(e))
                            .into_response()
                    }
                },
            }
        }
    };
    if let Some(caller) = caller {
        req.extensions_mut().insert(caller);
    }
    next.run(req).await
}

/// Whether a request wants JSON answers rather than pages.
pub fn wants_json(parts: &Parts) -> bool {
    parts.uri.path().starts_with("/api/")
        || parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"))
}

/// Refusal of a request without a usable sign-in: 401 for the API, the login page otherwise.
fn sign_in_required(parts: &Parts) -> Response {
    if wants_json(parts) {
        return unauthorized("sign in first");
    }
    let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let target = if next.starts_with('/') && !next.starts_with("//") {
        format!("/login?next={}", percent_encode(next))
    } else {
        "/login".into()
    };
    Redirect::to(&target).into_response()
}

pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn forbidden(parts: &Parts) -> Response {
    let message = "you do not have access to this";
    if wants_json(parts) {
        return AppError::new(StatusCode::FORBIDDEN, message).into_response();
    }
    crate::pages::error_response(
        StatusCode::FORBIDDEN,
        "Not allowed",
        "Your role does not allow this. Ask an administrator of this account if you need it.",
    )
}

/// Checks the CSRF token of a state-changing request made with a session cookie: the form field
/// `csrf` (checked by the form handlers) or the `X-CSRF-Token` header (checked here for JSON;
/// Frappe clients send it as `X-Frappe-CSRF-Token`). Token and API-key callers carry no ambient
/// credential, so they need none.
fn csrf_ok_for_json(parts: &Parts, session: &SessionRecord) -> bool {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    parts
        .headers
        .get("x-csrf-token")
        .or_else(|| parts.headers.get("x-frappe-csrf-token"))
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            tenantry_auth::constant_time_eq(t.as_bytes(), session.csrf_token.as_bytes())
        })
}

/// A signed-in person on the portal, past any second factor.
pub struct PortalUser {
    pub user: UserRecord,
    pub session: SessionRecord,
}

impl FromRequestParts<AppState> for PortalUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        let caller = parts.extensions.get::<Caller>().cloned();
        let on_portal = parts.extensions.get::<Surface>() == Some(&Surface::Portal);
        match caller {
            Some(Caller {
                user,
                credential: Credential::Session(session),
            }) if on_portal && session.tenant_id.is_none() => {
                if session.stage == SessionStage::Mfa {
                    if wants_json(parts) {
                        return Err(unauthorized("complete the second factor first"));
                    }
                    return Err(Redirect::to("/mfa").into_response());
                }
                if wants_json(parts) && !csrf_ok_for_json(parts, &session) {
                    return Err(AppError::new(
                        StatusCode::FORBIDDEN,
                        "missing or wrong X-CSRF-Token",
                    )
                    .into_response());
                }
                Ok(PortalUser { user, session })
            }
            _ => Err(sign_in_required(parts)),
        }
    }
}

/// A session (portal or tenant host) that still owes its second factor, or has passed it.
pub struct AnySession {
    pub user: UserRecord,
    pub session: SessionRecord,
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        match parts.extensions.get::<Caller>().cloned() {
            Some(Caller {
                user,
                credential: Credential::Session(session),
            }) => Ok(AnySession { user, session }),
            _ => Err(sign_in_required(parts)),
        }
    }
}

/// A caller allowed into the tenant this host serves, with the role they act with.
pub struct TenantUser {
    pub user: UserRecord,
    pub access: TenantAccess,
    pub session: Option<SessionRecord>,
}

impl FromRequestParts<AppState> for TenantUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(tenant) = parts.extensions.get::<CurrentTenant>().cloned() else {
            return Err(sign_in_required(parts));
        };
        let Some(caller) = parts.extensions.get::<Caller>().cloned() else {
            return Err(sign_in_required(parts));
        };
        let identity = state.platform.identity();
        let tenant_id = tenant.0.id;
        let access = identity
            .access(&caller.user, tenant_id)
            .await
            .map_err(|e| {
                AppError::from(tenantry_platform::PlatformError::from(e)).into_response()
            })?;
        let (access, session) = match (&caller.credential, access) {
            (Credential::Session(s), Some(access)) if s.tenant_id == Some(tenant_id) => {
                if s.stage == SessionStage::Mfa {
                    if wants_json(parts) {
                        return Err(unauthorized("complete the second factor first"));
                    }
                    return Err(Redirect::to("/mfa").into_response());
                }
                if wants_json(parts) && !csrf_ok_for_json(parts, s) {
                    return Err(AppError::new(
                        StatusCode::FORBIDDEN,
                        "missing or wrong X-CSRF-Token",
                    )
                    .into_response());
                }
                (access, Some(s.clone()))
            }
            // A session for another host never reaches here (cookies are host-only), but a
            // stolen cookie replayed against another tenant's host must not work either.
            (Credential::Session(_), _) => return Err(sign_in_required(parts)),
            (
                Credential::Token { tenant, role } | Credential::ApiKey { tenant, role },
                Some(access),
            ) if *tenant == tenant_id => (
                TenantAccess {
                    role: (*role).min(access.role),
                    as_staff: access.as_staff,
                },
                None,
            ),
            (Credential::Token { tenant, .. } | Credential::ApiKey { tenant, .. }, _)
                if *tenant != tenant_id =>
            {
                return Err(AppError::new(
                    StatusCode::FORBIDDEN,
                    "this credential is for another client",
                )
                .into_response())
            }
            _ => return Err(forbidden(parts)),
        };
        if !access.role.can(Permission::PortalView) {
            return Err(forbidden(parts));
        }
        Ok(TenantUser {
            user: caller.user,
            access,
            session,
        })
    }
}

/// `Option<TenantUser>`: `None` for a visitor without credentials; a signed-in caller who may
/// not enter is still refused.
impl OptionalFromRequestParts<AppState> for TenantUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        if parts.extensions.get::<Caller>().is_none() {
            return Ok(None);
        }
        <TenantUser as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

/// Checks a form's CSRF field against the session: the refusal to send if it does not match.
pub fn csrf_refusal(session: &SessionRecord, submitted: &str) -> Option<Response> {
    if tenantry_auth::constant_time_eq(submitted.as_bytes(), session.csrf_token.as_bytes()) {
        None
    } else {
        Some(crate::pages::error_response(
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form is out of date or did not come from this site. Go back, reload the page and try again.",
        ))
    }
}

/// The caller's address as the edge saw it: the socket peer, or with a trusted proxy in front,
/// the first X-Forwarded-For entry.
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<std::net::SocketAddr>,
    trust_proxy: bool,
) -> Option<String> {
    if trust_proxy {
        if let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        {
            return Some(ip.to_owned());
        }
    }
    peer.map(|p| p.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_path_on_this_origin_or_home() {
        for (given, taken) in [
            ("/books", "/books"),
            ("/profile?tab=1#x", "/profile?tab=1#x"),
            ("/\t/evil.com", "/"),
            ("/\n/evil.com", "/"),
            ("/\r/evil.com", "/"),
            ("/x\r\nSet-Cookie: a=b", "/"),
            ("//evil.com", "/"),
            ("/\\evil.com", "/"),
            ("\\\\evil.com", "/"),
            ("https://evil.com", "/"),
            ("evil.com", "/"),
            ("", "/"),
            ("/\u{7f}", "/"),
        ] {
            assert_eq!(safe_next(Some(given)), taken, "{given:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(600)))), "/");
    }
}
