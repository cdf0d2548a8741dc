//! Signing in and the portal hub: login (portal and tenant hosts), the second factor, the
//! invitation page, client selection, the dashboard, hand-off to a tenant's host, the profile
//! (password, MFA, sessions, API keys) and the operator console. Handlers parse the form, call the
//! identity service and render; the rules live in `tenantry_auth`.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use tenantry_auth::{AuthError, LoginOutcome, LoginRequest, NewSession};
use tenantry_domain::{TenantId, TenantRole};
use tenantry_platform::PlatformError;
use tenantry_store::identity::SessionStage;

use crate::auth::{
    clear_session_cookie, client_ip, cookie_header, cookie_value, csrf_refusal,
    end_previous_session, safe_next, session_cookie, AnySession, PortalUser, TenantUser,
};
use crate::host::{CurrentTenant, Surface};
use crate::pages::{display_unix, error_response, platform_error_page, render};
use crate::AppState;

/// The cookie that carries the CSRF token of forms shown before there is a session (login,
/// invitation): the form must echo it.
pub(crate) const PRE_SESSION_CSRF: &str = "tenantry_form";

/// Sign-in routes every host with people on it serves (portal and tenant hosts).
pub fn sign_in_router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/mfa", get(mfa_page).post(mfa_submit))
        .route("/logout", post(logout))
}

pub fn portal_router() -> Router<AppState> {
    Router::new()
        .route("/", get(portal_home))
        .route("/select", get(select_page).post(select_submit))
        .route("/dashboard", get(dashboard))
        .route("/open/{client}", get(open_client))
        .route("/notifications/read", post(notifications_read))
        .route("/profile", get(profile))
        .route("/profile/password", post(change_password))
        .route("/profile/sessions/revoke", post(revoke_session))
        .route("/profile/api-keys", post(create_api_key))
        .route("/profile/api-keys/revoke", post(revoke_api_key))
        .route("/profile/mfa/disable", post(disable_mfa))
        .route("/profile/mfa/recovery-codes", post(new_recovery_codes))
        .route("/mfa/setup", get(mfa_setup_page).post(mfa_setup_submit))
        .route("/logout-everywhere", post(logout_everywhere))
        .route("/console", get(console))
        .route("/console/provision", post(console_provision))
}

pub fn tenant_router() -> Router<AppState> {
    Router::new()
        .route("/", get(tenant_home))
        .route("/auth/handoff", get(handoff))
}

// ---- helpers ----

fn peer(req_ext: Option<&ConnectInfo<SocketAddr>>) -> Option<SocketAddr> {
    req_ext.map(|c| c.0)
}

/// The caller's address, from the connection (or a trusted proxy's header).
fn address(
    state: &AppState,
    headers: &HeaderMap,
    connect: Option<&ConnectInfo<SocketAddr>>,
) -> Option<String> {
    client_ip(headers, peer(connect), state.platform.config().trust_proxy)
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(crate) fn pre_session_csrf(headers: &HeaderMap) -> Option<String> {
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

/// Redirects to `to` with the new session's cookie, having ended the session it replaces.
async fn signed_in(
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
async fn brand(state: &AppState, tenant: Option<&CurrentTenant>) -> Result<String, PlatformError> {
    match tenant {
        Some(t) => Ok(t.0.name.as_str().to_owned()),
        None => state.platform.operator_name().await,
    }
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

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
    notice: Option<String>,
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
        email: String::new(),
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

// ---- second factor ----

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    brand: String,
    /// The user has a passkey to use instead of a code (at sign-in, not when enrolling).
    has_passkey: bool,
    has_totp: bool,
    enrol: bool,
    qr_svg: String,
    secret: String,
    action: String,
    csrf: String,
    error: Option<String>,
}

async fn mfa_form(
    state: &AppState,
    s: &AnySession,
    action: &str,
    error: Option<String>,
) -> Response {
    let identity = state.platform.identity();
    let brand = match state.platform.operator_name().await {
        Ok(b) => b,
        Err(e) => return platform_error_page(e),
    };
    // At sign-in (not when enrolling from the profile), a passkey can be the second step.
    let has_passkey = action.starts_with("/mfa?")
        && match identity.has_passkey(s.user.id).await {
            Ok(v) => v,
            Err(e) => return auth_error_page(e),
        };
    // Someone with a passkey but no authenticator app is not pushed into enrolling one.
    let passkey_only = has_passkey && !s.user.has_totp();
    let (enrol, qr_svg, secret) = if s.user.has_totp() || passkey_only {
        (false, String::new(), String::new())
    } else {
        let pending = match identity.pending_totp(&s.user).await {
            Ok(Some(t)) => Ok(t),
            Ok(None) => identity.begin_totp(&s.user).await,
            Err(e) => Err(e),
        };
        match pending.and_then(|t| Ok((t.qr_svg()?, t.secret_base32()))) {
            Ok((qr, secret)) => (true, qr, secret),
            Err(e) => return auth_error_page(e),
        }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    render(
        status,
        &MfaPage {
            brand,
            has_passkey,
            has_totp: s.user.has_totp(),
            enrol,
            qr_svg,
            secret,
            action: action.into(),
            csrf: s.session.csrf_token.clone(),
            error,
        },
    )
}

/// Where to prove a second factor, then go on to `next`.
fn mfa_path(next: &str) -> String {
    format!("/mfa?next={}", crate::auth::percent_encode(next))
}

/// The second step: owed at sign-in, or asked for (a step-up) by a client that requires it
/// when a signed-in session that has not proven one enters it.
async fn mfa_page(
    State(state): State<AppState>,
    s: AnySession,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if s.session.second_factor || (s.session.stage == SessionStage::Active && q.next.is_none()) {
        return Redirect::to(&next).into_response();
    }
    mfa_form(&state, &s, &mfa_path(&next), None).await
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    brand: String,
    codes: Vec<String>,
    continue_to: String,
}

async fn mfa_submit(
    State(state): State<AppState>,
    s: AnySession,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&s.session, &form.csrf) {
        return r;
    }
    let next = safe_next(q.next.as_deref());
    if s.session.second_factor {
        return Redirect::to(&next).into_response();
    }
    let action = mfa_path(&next);
    let identity = state.platform.identity();
    if s.user.has_totp() {
        return match identity.pass_second_factor(&s.session, &form.code).await {
            Ok(new) => signed_in(&state, &headers, &new, &next).await,
            Err(AuthError::InvalidCode) => {
                mfa_form(&state, &s, &action, Some("That code is not valid.".into())).await
            }
            Err(e) => auth_error_page(e),
        };
    }
    // Enrolment at sign-in: confirming the authenticator is the second factor.
    match identity.confirm_totp(&s.user, &form.code).await {
        Ok(codes) => match identity.complete_enrolment_login(&s.session).await {
            Ok(new) => {
                let brand = state.platform.operator_name().await.unwrap_or_default();
                let mut res = render(
                    StatusCode::OK,
                    &RecoveryCodesPage {
                        brand,
                        codes,
                        continue_to: next,
                    },
                );
                res.headers_mut().append(
                    header::SET_COOKIE,
                    session_cookie(state.platform.config(), &new),
                );
                res
            }
            Err(e) => auth_error_page(e),
        },
        Err(AuthError::InvalidCode) => {
            mfa_form(&state, &s, &action, Some("That code is not valid.".into())).await
        }
        Err(e) => auth_error_page(e),
    }
}

async fn mfa_setup_page(State(state): State<AppState>, u: PortalUser) -> Response {
    if u.user.has_totp() {
        return Redirect::to("/profile").into_response();
    }
    let s = AnySession {
        user: u.user,
        session: u.session,
    };
    mfa_form(&state, &s, "/mfa/setup", None).await
}

async fn mfa_setup_submit(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<CodeForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let identity = state.platform.identity();
    match identity.confirm_totp(&u.user, &form.code).await {
        Ok(codes) => {
            // A privilege change (enrolment proves the second factor): new session id.
            let new = match identity.rotate_verified(&u.session).await {
                Ok(n) => n,
                Err(e) => return auth_error_page(e),
            };
            let brand = state.platform.operator_name().await.unwrap_or_default();
            let mut res = render(
                StatusCode::OK,
                &RecoveryCodesPage {
                    brand,
                    codes,
                    continue_to: "/profile".into(),
                },
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                session_cookie(state.platform.config(), &new),
            );
            res
        }
        Err(AuthError::InvalidCode) => {
            let s = AnySession {
                user: u.user,
                session: u.session,
            };
            mfa_form(
                &state,
                &s,
                "/mfa/setup",
                Some("That code is not valid.".into()),
            )
            .await
        }
        Err(e) => auth_error_page(e),
    }
}

// ---- sign out ----

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
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

// ---- client selection and dashboard ----

struct ClientChoice {
    id: String,
    name: String,
    role: &'static str,
    suspended: bool,
}

#[derive(Template)]
#[template(path = "select.html")]
struct SelectPage {
    operator: String,
    clients: Vec<ClientChoice>,
    /// Clients that invited this person, waiting for their answer.
    offers: Vec<ClientChoice>,
    csrf: String,
    staff: bool,
    user_email: String,
}

async fn portal_home(State(state): State<AppState>, u: PortalUser) -> Response {
    if u.session.selected_tenant_id.is_some() {
        return Redirect::to("/dashboard").into_response();
    }
    let identity = state.platform.identity();
    let memberships = match state.platform.control().memberships_of(u.user.id).await {
        Ok(m) => m,
        Err(e) => return platform_error_page(e.into()),
    };
    // One business, or a remembered default: go straight to it.
    let pick = if memberships.len() == 1 {
        memberships.first().map(|m| m.tenant_id)
    } else {
        u.user
            .default_tenant_id
            .filter(|d| memberships.iter().any(|m| m.tenant_id == *d))
    };
    if let Some(tenant) = pick {
        return match identity.select_client(&u.session, &u.user, tenant).await {
            Ok(_) => Redirect::to("/dashboard").into_response(),
            Err(AuthError::SecondFactorRequired) => Redirect::to(&mfa_path("/")).into_response(),
            Err(e) => auth_error_page(e),
        };
    }
    if tenantry_auth::Identity::platform_role(&u.user).is_some() && memberships.is_empty() {
        return Redirect::to("/console").into_response();
    }
    Redirect::to("/select").into_response()
}

async fn select_page(State(state): State<AppState>, u: PortalUser) -> Response {
    let operator = match state.platform.operator_name().await {
        Ok(o) => o,
        Err(e) => return platform_error_page(e),
    };
    let control = state.platform.control();
    let (memberships, offers) = match tokio::try_join!(
        control.memberships_of(u.user.id),
        control.pending_memberships_of(u.user.id)
    ) {
        Ok(m) => m,
        Err(e) => return platform_error_page(e.into()),
    };
    let choice = |m: tenantry_store::identity::MembershipRecord| ClientChoice {
        id: m.tenant_id.to_string(),
        name: m.tenant_name,
        role: m.role.as_str(),
        suspended: m.tenant_status == "suspended",
    };
    render(
        StatusCode::OK,
        &SelectPage {
            operator,
            clients: memberships.into_iter().map(choice).collect(),
            offers: offers.into_iter().map(choice).collect(),
            csrf: u.session.csrf_token.clone(),
            staff: tenantry_auth::Identity::platform_role(&u.user).is_some(),
            user_email: u.user.email.clone(),
        },
    )
}

#[derive(Deserialize)]
struct SelectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client: String,
}

async fn select_submit(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<SelectForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let Ok(tenant) = form.client.parse::<TenantId>() else {
        return error_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unknown business",
            "Choose a business from the list.",
        );
    };
    match state
        .platform
        .identity()
        .select_client(&u.session, &u.user, tenant)
        .await
    {
        Ok(_) => Redirect::to("/dashboard").into_response(),
        Err(AuthError::SecondFactorRequired) => step_up_to(&state, &u, tenant, "/select").await,
        Err(e) => auth_error_page(e),
    }
}

/// Sends a session that has not proven a second factor to prove it (enrolling one if they
/// have none), because `tenant` requires it; then back to `then`.
async fn step_up_to(state: &AppState, u: &PortalUser, tenant: TenantId, then: &str) -> Response {
    let identity = state.platform.identity();
    let has_passkey = match identity.has_passkey(u.user.id).await {
        Ok(v) => v,
        Err(e) => return auth_error_page(e),
    };
    if u.user.has_totp() || has_passkey {
        return Redirect::to(&mfa_path(then)).into_response();
    }
    let name = match state.platform.control().tenant(tenant).await {
        Ok(t) => t.map(|t| t.name.as_str().to_owned()).unwrap_or_default(),
        Err(e) => return platform_error_page(e.into()),
    };
    error_response(
        StatusCode::FORBIDDEN,
        "Two-step sign-in needed",
        &format!(
            "{name} asks everyone who works in it to sign in in two steps. Set up an \
             authenticator app on your profile (/mfa/setup), then open {name} again."
        ),
    )
}

struct NotificationView {
    message: String,
    at: String,
    unread: bool,
}

struct ActivityView {
    message: String,
    at: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    operator: String,
    client: String,
    role: &'static str,
    as_staff: bool,
    services: Vec<&'static str>,
    open_url: String,
    unread: i64,
    notifications: Vec<NotificationView>,
    activity: Vec<ActivityView>,
    books: Option<crate::books::Glance>,
    csrf: String,
    staff: bool,
    user_email: String,
}

async fn dashboard(State(state): State<AppState>, u: PortalUser) -> Response {
    let Some(tenant_id) = u.session.selected_tenant_id else {
        return Redirect::to("/select").into_response();
    };
    let p = &state.platform;
    let loaded = async {
        let operator = p.operator_name().await?;
        let tenant = p
            .control()
            .tenant(tenant_id)
            .await?
            .ok_or_else(|| PlatformError::NotFound("client".into()))?;
        let access = p
            .identity()
            .access(&u.user, tenant_id)
            .await?
            .ok_or(AuthError::Forbidden)?;
        let unread = p
            .control()
            .unread_notifications(u.user.id, Some(tenant_id))
            .await?;
        let notifications = p
            .control()
            .notifications(u.user.id, Some(tenant_id), 10)
            .await?;
        let activity = p.control().activity(tenant_id, 10).await?;
        Ok::<_, PlatformError>((operator, tenant, access, unread, notifications, activity))
    }
    .await;
    let (operator, tenant, access, unread, notifications, activity) = match loaded {
        Ok(v) => v,
        Err(e) => return platform_error_page(e),
    };
    let books = crate::books::glance(&state, &tenant).await;
    render(
        StatusCode::OK,
        &DashboardPage {
            operator,
            client: tenant.name.as_str().to_owned(),
            role: access.role.as_str(),
            as_staff: access.as_staff,
            services: access
                .role
                .services()
                .into_iter()
                .map(|s| s.title())
                .collect(),
            open_url: format!(
                "/open/{}?csrf={}",
                tenant.subdomain.as_str(),
                u.session.csrf_token
            ),
            unread,
            notifications: notifications
                .into_iter()
                .map(|n| NotificationView {
                    message: n.message,
                    at: display_unix(n.created_at),
                    unread: n.read_at.is_none(),
                })
                .collect(),
            activity: activity
                .into_iter()
                .map(|a| ActivityView {
                    message: a.message,
                    at: crate::pages::display_time(a.created_at),
                })
                .collect(),
            books,
            csrf: u.session.csrf_token.clone(),
            staff: tenantry_auth::Identity::platform_role(&u.user).is_some(),
            user_email: u.user.email.clone(),
        },
    )
}

async fn notifications_read(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    match state
        .platform
        .control()
        .mark_notifications_read(u.user.id, None)
        .await
    {
        Ok(_) => Redirect::to("/dashboard").into_response(),
        Err(e) => platform_error_page(e.into()),
    }
}

#[derive(Deserialize)]
struct OpenQuery {
    #[serde(default)]
    csrf: String,
}

/// Moves the user to the client's own host with a one-time code. A link (GET) rather than a
/// form, because the CSP's `form-action 'self'` would stop a form's redirect to another host;
/// the session's CSRF token in the query keeps other sites from triggering it.
async fn open_client(
    State(state): State<AppState>,
    u: PortalUser,
    Path(client): Path<String>,
    Query(q): Query<OpenQuery>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &q.csrf) {
        return r;
    }
    let tenant = match state.platform.control().tenant_by_subdomain(&client).await {
        Ok(Some(t)) if t.status.is_served() => t,
        Ok(_) => {
            return error_response(
                StatusCode::NOT_FOUND,
                "No such business",
                "There is no business at this address.",
            )
        }
        Err(e) => return platform_error_page(e.into()),
    };
    match state
        .platform
        .identity()
        .create_handoff(&u.session, &u.user, tenant.id)
        .await
    {
        Ok(code) => {
            // A client with its own domain is opened there: its session lives on that host.
            let config = state.platform.config();
            let base = match state.platform.control().tenant_domains(tenant.id).await {
                Ok(domains) => match domains.first() {
                    Some(domain) => config.url_for_domain(domain),
                    None => config.url_for(Some(tenant.subdomain.as_str())),
                },
                Err(e) => return platform_error_page(e.into()),
            };
            Redirect::to(&format!("{base}/auth/handoff?code={code}")).into_response()
        }
        Err(AuthError::SecondFactorRequired) => {
            step_up_to(&state, &u, tenant.id, "/dashboard").await
        }
        Err(e) => auth_error_page(e),
    }
}

#[derive(Deserialize)]
struct HandoffQuery {
    #[serde(default)]
    code: String,
}

async fn handoff(
    State(state): State<AppState>,
    Extension(tenant): Extension<CurrentTenant>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(q): Query<HandoffQuery>,
) -> Response {
    let ip = address(&state, &headers, connect.as_deref());
    let ua = user_agent(&headers);
    match state
        .platform
        .identity()
        .exchange_handoff(&q.code, tenant.0.id, ip.as_deref(), ua.as_deref())
        .await
    {
        Ok(s) => signed_in(&state, &headers, &s, "/").await,
        Err(AuthError::InvalidCode | AuthError::Forbidden) => error_response(
            StatusCode::UNAUTHORIZED,
            "This link has expired",
            "Open the business again from the Client Portal.",
        ),
        Err(e) => auth_error_page(e),
    }
}

// ---- the tenant host's home ----

#[derive(Template)]
#[template(path = "tenant_home.html")]
struct TenantHome {
    name: String,
    operator: String,
    suspended: bool,
    portal_url: String,
    signed_in: bool,
    user_email: String,
    role: &'static str,
    services: Vec<&'static str>,
    /// Whether the caller may open the books.
    books: bool,
    csrf: String,
}

/// A client's front door, branded with the name from the client's own database: the sign-in
/// button for visitors, the services their role opens for members.
async fn tenant_home(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    member: Option<TenantUser>,
) -> Response {
    let p = &state.platform;
    let loaded = async {
        let db = p.pools().get(&tenant).await?;
        let company = db.company().await?;
        Ok::<_, PlatformError>((company, p.operator_name().await?))
    }
    .await;
    let (company, operator) = match loaded {
        Ok(v) => v,
        Err(e) => return platform_error_page(e),
    };
    let mut page = TenantHome {
        name: company.map_or_else(|| tenant.name.to_string(), |c| c.name),
        operator,
        suspended: !tenant.status.accepts_writes(),
        portal_url: p.config().portal_url(),
        signed_in: false,
        user_email: String::new(),
        role: "",
        services: Vec::new(),
        books: false,
        csrf: String::new(),
    };
    if let Some(u) = member {
        page.signed_in = true;
        page.books = u.access.role.can(tenantry_domain::Permission::ErpRead);
        page.user_email = u.user.email.clone();
        page.role = u.access.role.as_str();
        page.services = u
            .access
            .role
            .services()
            .into_iter()
            .map(|s| s.title())
            .collect();
        page.csrf = u.session.map(|s| s.csrf_token).unwrap_or_default();
    }
    render(StatusCode::OK, &page)
}

// ---- profile ----

struct SessionView {
    handle: String,
    place: String,
    device: String,
    ip: String,
    seen: String,
    current: bool,
}

struct ApiKeyView {
    key_id: String,
    client: String,
    role: &'static str,
    label: String,
    last_used: String,
    revoked: bool,
}

struct PasskeyView {
    cred_id: String,
    name: String,
    added: String,
    last_used: String,
}

struct ClientOption {
    id: String,
    name: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    operator: String,
    notice: Option<String>,
    error: Option<String>,
    mfa_enabled: bool,
    recovery_left: i64,
    sessions: Vec<SessionView>,
    api_keys: Vec<ApiKeyView>,
    clients: Vec<ClientOption>,
    new_key: Option<String>,
    passkeys: Vec<PasskeyView>,
    csrf: String,
    staff: bool,
    user_email: String,
}

async fn profile_view(
    state: &AppState,
    u: &PortalUser,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    new_key: Option<String>,
) -> Response {
    let p = &state.platform;
    let loaded = async {
        let operator = p.operator_name().await?;
        let sessions = p.identity().sessions_of(u.user.id).await?;
        let keys = p.control().api_keys_of(u.user.id, None).await?;
        let memberships = p.control().memberships_of(u.user.id).await?;
        let recovery_left = p.control().unused_recovery_codes(u.user.id).await?;
        let passkeys = p.passkeys().of(u.user.id).await?;
        Ok::<_, PlatformError>((
            operator,
            sessions,
            keys,
            memberships,
            recovery_left,
            passkeys,
        ))
    }
    .await;
    let (operator, sessions, keys, memberships, recovery_left, passkeys) = match loaded {
        Ok(v) => v,
        Err(e) => return platform_error_page(e),
    };
    let name_of = |id: TenantId| {
        memberships
            .iter()
            .find(|m| m.tenant_id == id)
            .map_or_else(|| id.to_string(), |m| m.tenant_name.clone())
    };
    render(
        status,
        &ProfilePage {
            operator,
            notice,
            error,
            mfa_enabled: u.user.has_totp(),
            recovery_left,
            sessions: sessions
                .into_iter()
                .map(|s| SessionView {
                    current: s.id_hash == u.session.id_hash,
                    place: s
                        .tenant_id
                        .map_or_else(|| "Client Portal".to_owned(), name_of),
                    device: s
                        .user_agent
                        .clone()
                        .unwrap_or_default()
                        .chars()
                        .take(60)
                        .collect(),
                    ip: s.ip.clone().unwrap_or_default(),
                    seen: display_unix(s.last_seen_at),
                    handle: s.id_hash,
                })
                .collect(),
            api_keys: keys
                .into_iter()
                .map(|k| ApiKeyView {
                    client: name_of(k.tenant_id),
                    role: k.role.as_str(),
                    label: k.label,
                    last_used: k
                        .last_used_at
                        .map(display_unix)
                        .unwrap_or_else(|| "never".into()),
                    revoked: k.revoked_at.is_some(),
                    key_id: k.key_id,
                })
                .collect(),
            clients: memberships
                .iter()
                .map(|m| ClientOption {
                    id: m.tenant_id.to_string(),
                    name: m.tenant_name.clone(),
                })
                .collect(),
            new_key,
            passkeys: passkeys
                .into_iter()
                .map(|k| PasskeyView {
                    added: display_unix(k.created_at),
                    last_used: k
                        .last_used_at
                        .map(display_unix)
                        .unwrap_or_else(|| "never".into()),
                    cred_id: k.cred_id,
                    name: k.name,
                })
                .collect(),
            csrf: u.session.csrf_token.clone(),
            staff: tenantry_auth::Identity::platform_role(&u.user).is_some(),
            user_email: u.user.email.clone(),
        },
    )
}

async fn profile(State(state): State<AppState>, u: PortalUser) -> Response {
    profile_view(&state, &u, StatusCode::OK, None, None, None).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

async fn change_password(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<PasswordForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let result = state
        .platform
        .identity()
        .change_password(&u.user, &form.current, &form.new, Some(&u.session.id_hash))
        .await;
    match result {
        Ok(()) => {
            profile_view(
                &state,
                &u,
                StatusCode::OK,
                Some("Password changed. Your other sessions have ended.".into()),
                None,
                None,
            )
            .await
        }
        Err(AuthError::InvalidCredentials) => {
            profile_view(
                &state,
                &u,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some("The current password is wrong.".into()),
                None,
            )
            .await
        }
        Err(AuthError::WeakPassword(m)) => {
            profile_view(
                &state,
                &u,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(format!("Choose a stronger password: {m}.")),
                None,
            )
            .await
        }
        Err(e) => auth_error_page(e),
    }
}

#[derive(Deserialize)]
struct SessionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    session: String,
}

async fn revoke_session(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<SessionForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    match state
        .platform
        .identity()
        .revoke_session(&u.user, &form.session)
        .await
    {
        Ok(()) => Redirect::to("/profile").into_response(),
        Err(e) => auth_error_page(e),
    }
}

#[derive(Deserialize)]
struct ApiKeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    label: String,
}

async fn create_api_key(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<ApiKeyForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let parsed = form
        .client
        .parse::<TenantId>()
        .map_err(|_| "choose a business from the list".to_owned())
        .and_then(|t| {
            TenantRole::parse(&form.role)
                .map(|r| (t, r))
                .map_err(|e| e.to_string())
        });
    let (tenant, role) = match parsed {
        Ok(v) => v,
        Err(m) => {
            return profile_view(
                &state,
                &u,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(m),
                None,
            )
            .await
        }
    };
    match state
        .platform
        .identity()
        .create_api_key(&u.user, tenant, role, &form.label)
        .await
    {
        Ok(k) => profile_view(&state, &u, StatusCode::OK, None, None, Some(k.credential())).await,
        Err(AuthError::Invalid(v)) => {
            profile_view(
                &state,
                &u,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(v.to_string()),
                None,
            )
            .await
        }
        Err(e) => auth_error_page(e),
    }
}

#[derive(Deserialize)]
struct KeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
}

async fn revoke_api_key(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<KeyForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    match state
        .platform
        .identity()
        .revoke_api_key(&u.user, &form.key)
        .await
    {
        Ok(()) => Redirect::to("/profile").into_response(),
        Err(e) => auth_error_page(e),
    }
}

#[derive(Deserialize)]
struct DisableMfaForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

async fn disable_mfa(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<DisableMfaForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    match state
        .platform
        .identity()
        .disable_totp(&u.user, &form.password)
        .await
    {
        Ok(()) => Redirect::to("/profile").into_response(),
        Err(AuthError::InvalidCredentials) => {
            profile_view(
                &state,
                &u,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some("The password is wrong.".into()),
                None,
            )
            .await
        }
        Err(e) => auth_error_page(e),
    }
}

async fn new_recovery_codes(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    match state
        .platform
        .identity()
        .regenerate_recovery_codes(&u.user)
        .await
    {
        Ok(codes) => {
            let brand = state.platform.operator_name().await.unwrap_or_default();
            render(
                StatusCode::OK,
                &RecoveryCodesPage {
                    brand,
                    codes,
                    continue_to: "/profile".into(),
                },
            )
        }
        Err(e) => auth_error_page(e),
    }
}

// ---- operator console ----

struct ConsoleRow {
    name: String,
    host: String,
    plan: String,
    status: &'static str,
    users: i64,
    last_activity: String,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage {
    operator: String,
    clients: Vec<ConsoleRow>,
    plans: Vec<String>,
    can_provision: bool,
    notice: Option<String>,
    error: Option<String>,
    csrf: String,
    staff: bool,
    user_email: String,
}

async fn console_view(
    state: &AppState,
    u: &PortalUser,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let Some(role) = tenantry_auth::Identity::platform_role(&u.user) else {
        return error_response(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "The console is for the operator's staff.",
        );
    };
    let p = &state.platform;
    let loaded = async {
        Ok::<_, PlatformError>((
            p.operator_name().await?,
            p.control().tenant_summaries().await?,
            p.control().plans().await?,
        ))
    }
    .await;
    let (operator, summaries, plans) = match loaded {
        Ok(v) => v,
        Err(e) => return platform_error_page(e),
    };
    render(
        status,
        &ConsolePage {
            operator,
            clients: summaries
                .into_iter()
                .map(|s| ConsoleRow {
                    host: format!("{}.{}", s.subdomain, p.config().base_domain),
                    name: s.name,
                    plan: s.plan,
                    status: s.status.as_str(),
                    users: s.users,
                    last_activity: s
                        .last_activity_at
                        .map(crate::pages::display_time)
                        .unwrap_or_else(|| "—".into()),
                })
                .collect(),
            plans: plans
                .into_iter()
                .map(|p| p.code.as_str().to_owned())
                .collect(),
            can_provision: role.can_operate(),
            notice,
            error,
            csrf: u.session.csrf_token.clone(),
            staff: true,
            user_email: u.user.email.clone(),
        },
    )
}

async fn console(State(state): State<AppState>, u: PortalUser) -> Response {
    console_view(&state, &u, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct ProvisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    subdomain: String,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    domain: String,
}

/// Provisions through the same service as `tenantry client provision`.
async fn console_provision(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<ProvisionForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    if !tenantry_auth::Identity::platform_role(&u.user).is_some_and(|r| r.can_operate()) {
        return error_response(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only superadmins provision clients.",
        );
    }
    let domains: Vec<String> = match form.domain.trim() {
        "" => Vec::new(),
        d => vec![d.to_owned()],
    };
    let result = async {
        let req = tenantry_platform::provisioning::ProvisionRequest::parse(
            &form.name,
            &form.subdomain,
            &form.admin_email,
            &form.plan,
            &domains,
        )?;
        tenantry_platform::provisioning::provision(&state.platform, &req, &u.user.email).await
    }
    .await;
    match result {
        Ok(done) => {
            let link = done
                .invitation_url
                .map(|l| format!(" Send the admin this one-time link: {l}"))
                .unwrap_or_default();
            console_view(
                &state,
                &u,
                StatusCode::OK,
                Some(format!(
                    "Provisioned {} at {}.{link}",
                    form.name.trim(),
                    done.url
                )),
                None,
            )
            .await
        }
        Err(e) => {
            let status = crate::error::status_for(&e);
            if status.is_server_error() {
                return platform_error_page(e);
            }
            console_view(&state, &u, status, None, Some(e.to_string())).await
        }
    }
}
