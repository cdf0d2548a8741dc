//! What the portal's pages share: the caller's address, the redirect that signs someone in,
//! the error pages of identity failures, the host's brand, and the small forms and queries
//! several pages take.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenantry_auth::{AuthError, NewSession};
use tenantry_platform::PlatformError;

use crate::auth::{client_ip, end_previous_session, session_cookie, PortalUser};
use crate::host::CurrentTenant;
use crate::pages::{error_response, platform_error_page};
use crate::AppState;

fn peer(req_ext: Option<&ConnectInfo<SocketAddr>>) -> Option<SocketAddr> {
    req_ext.map(|c| c.0)
}

/// The caller's address, from the connection (or a trusted proxy's header).
pub(crate) fn address(
    state: &AppState,
    headers: &HeaderMap,
    connect: Option<&ConnectInfo<SocketAddr>>,
) -> Option<String> {
    client_ip(headers, peer(connect), state.platform.config().trust_proxy)
}

pub(crate) fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Redirects to `to` with the new session's cookie, having ended the session it replaces.
pub(crate) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    session: &NewSession,
    to: &str,
) -> Response {
    if let Err(e) = end_previous_session(state, headers, session).await {
        return auth_error_page(e);
    }
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(state.platform.config(), session),
    );
    res
}

pub(crate) fn csrf_forbidden() -> Response {
    error_response(
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form is out of date or did not come from this site. Go back, reload the page and try again.",
    )
}

pub(crate) fn auth_error_page(e: AuthError) -> Response {
    platform_error_page(PlatformError::from(e))
}

/// The name shown on the sign-in pages of this host (the branding issue adds the logo).
pub(crate) async fn brand(
    state: &AppState,
    tenant: Option<&CurrentTenant>,
) -> Result<String, PlatformError> {
    match tenant {
        Some(t) => Ok(t.0.name.as_str().to_owned()),
        None => state.platform.operator_name().await,
    }
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    pub next: Option<String>,
    pub notice: Option<String>,
    /// The email to fill in, after an invitation was accepted.
    pub email: Option<String>,
}

/// Where to prove a second factor, then go on to `next`.
pub(crate) fn mfa_path(next: &str) -> String {
    format!("/mfa?next={}", crate::auth::percent_encode(next))
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub(crate) struct RecoveryCodesPage {
    pub brand: String,
    pub codes: Vec<String>,
    pub continue_to: String,
}

/// What the portal's navigation bar shows: the People link only to those who may manage the
/// selected client's people (others would meet a refusal), the console only to operator staff.
pub(crate) struct Nav {
    pub staff: bool,
    pub people: bool,
    pub user_email: String,
    pub csrf: String,
}

pub(crate) async fn nav_bar(state: &AppState, u: &PortalUser) -> Result<Nav, PlatformError> {
    let people = match u.session.selected_tenant_id {
        Some(tenant) => state
            .platform
            .identity()
            .access(&u.user, tenant)
            .await?
            .is_some_and(|a| a.role.can(tenantry_domain::Permission::PortalManageUsers)),
        None => false,
    };
    Ok(Nav {
        staff: tenantry_auth::Identity::platform_role(&u.user).is_some(),
        people,
        user_email: u.user.email.clone(),
        csrf: u.session.csrf_token.clone(),
    })
}
