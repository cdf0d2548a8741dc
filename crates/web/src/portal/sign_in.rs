//! Signing in with a password (portal and tenant hosts) and signing out.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use tenantry_auth::{AuthError, LoginOutcome, LoginRequest};

use super::common::{
    address, auth_error_page, brand, csrf_forbidden, mfa_path, signed_in, user_agent, CsrfForm,
    NextQuery,
};
use crate::auth::{
    clear_session_cookie, csrf_refusal, form_token, pre_session_csrf_ok, safe_next, with_cookie,
    AnySession, PortalUser,
};
use crate::host::{CurrentTenant, Surface};
use crate::pages::{platform_error_page, render};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
}

pub(super) fn portal_routes() -> Router<AppState> {
    Router::new().route("/logout-everywhere", post(logout_everywhere))
}

// ---- login ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    brand: String,
    /// Passwordless sign-in with a passkey (portal only: it starts a portal session).
    passkeys: bool,
    /// Single sign-on providers (name, display name); offered on the portal only.
    providers: Vec<(String, String)>,
    csrf: String,
    next: String,
    email: String,
    notice: Option<String>,
    error: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    tenant: Option<Extension<CurrentTenant>>,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
) -> Response {
    let brand = match brand(&state, tenant.as_deref()).await {
        Ok(b) => b,
        Err(e) => return platform_error_page(e),
    };
    let (csrf, cookie) = form_token(&state, &headers);
    let notice = match q.notice.as_deref() {
        Some("password-set") => Some("Your password is set. Sign in with it.".to_owned()),
        Some("signed-out") => Some("You are signed out.".to_owned()),
        Some("reset-requested") => Some(
            "If that address has an account here, a link to choose a new password is on its way to it. It works once; if nothing arrives, ask the person who looks after your account.".to_owned(),
        ),
        _ => None,
    };
    let providers = if tenant.is_none() {
        state.platform.sso().providers()
    } else {
        Vec::new()
    };
    let page = LoginPage {
        passkeys: tenant.is_none(),
        providers,
        brand,
        csrf,
        next: safe_next(q.next.as_deref()),
        // Only what reads as an email address is put back in the form.
        email: q
            .email
            .as_deref()
            .and_then(|e| tenantry_domain::Email::parse(e).ok())
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default(),
        notice,
        error: None,
    };
    with_cookie(render(StatusCode::OK, &page), cookie)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    remember: Option<String>,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    surface: Extension<Surface>,
    tenant: Option<Extension<CurrentTenant>>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !pre_session_csrf_ok(&headers, &form.csrf) {
        return csrf_forbidden();
    }
    let tenant_id = match (*surface, tenant.as_deref()) {
        (Surface::Tenant, Some(t)) => Some(t.0.id),
        _ => None,
    };
    let ip = address(&state, &headers, connect.as_deref());
    let ua = user_agent(&headers);
    let outcome = state
        .platform
        .identity()
        .login(LoginRequest {
            email: &form.email,
            password: &form.password,
            remember: form.remember.is_some(),
            ip: ip.as_deref(),
            user_agent: ua.as_deref(),
            tenant: tenant_id,
        })
        .await;
    let next = safe_next(form.next.as_deref());
    let (status, message) = match outcome {
        Ok(LoginOutcome::Done(s)) => return signed_in(&state, &headers, &s, &next).await,
        Ok(LoginOutcome::SecondFactor(s)) => {
            return signed_in(&state, &headers, &s, &mfa_path(&next)).await
        }
        Err(AuthError::InvalidCredentials) => (
            StatusCode::UNAUTHORIZED,
            "Email or password is wrong.".to_owned(),
        ),
        Err(AuthError::Forbidden) => (
            StatusCode::FORBIDDEN,
            "Your account has no access to this business.".to_owned(),
        ),
        Err(e @ AuthError::Throttled { .. }) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed attempts: {e}."),
        ),
        Err(e) => return auth_error_page(e),
    };
    let brand = match brand(&state, tenant.as_deref()).await {
        Ok(b) => b,
        Err(e) => return platform_error_page(e),
    };
    let mut page = LoginPage {
        passkeys: tenant.is_none(),
        providers: if tenant.is_none() {
            state.platform.sso().providers()
        } else {
            Vec::new()
        },
        brand,
        csrf: form.csrf,
        next,
        email: form.email.chars().take(254).collect(),
        notice: None,
        error: Some(message),
    };
    page.email.retain(|c| !c.is_control());
    render(status, &page)
}

async fn logout(
    State(state): State<AppState>,
    s: AnySession,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&s.session, &form.csrf) {
        return r;
    }
    if let Err(e) = state.platform.identity().logout(&s.session).await {
        return auth_error_page(e);
    }
    let mut res = Redirect::to("/login?notice=signed-out").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        clear_session_cookie(state.platform.config()),
    );
    res
}

async fn logout_everywhere(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    if let Err(e) = state.platform.identity().logout_everywhere(&u.user).await {
        return auth_error_page(e);
    }
    let mut res = Redirect::to("/login?notice=signed-out").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        clear_session_cookie(state.platform.config()),
    );
    res
}
