//! Choosing a client and answering its invitations' offers, the dashboard, and the hand-off
//! to a client's own host.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use tenantry_auth::AuthError;
use tenantry_domain::TenantId;
use tenantry_platform::PlatformError;

use super::common::{
    address, auth_error_page, mfa_path, nav_bar, signed_in, user_agent, CsrfForm, Nav,
};
use super::services::{service_cards, ServiceCard};
use crate::auth::{csrf_refusal, safe_next, PortalUser};
use crate::host::CurrentTenant;
use crate::pages::{display_unix, error_response, platform_error_page, render};
use crate::AppState;

pub(super) fn portal_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(portal_home))
        .route("/select", get(select_page).post(select_submit))
        .route("/dashboard", get(dashboard))
        .route("/open/{client}", get(open_client))
        .route("/notifications/read", post(notifications_read))
}

pub(super) fn tenant_routes() -> Router<AppState> {
    Router::new().route("/auth/handoff", get(handoff))
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
    nav: Nav,
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
    let nav = match nav_bar(&state, &u).await {
        Ok(n) => n,
        Err(e) => return platform_error_page(e),
    };
    render(
        StatusCode::OK,
        &SelectPage {
            operator,
            clients: memberships.into_iter().map(choice).collect(),
            offers: offers.into_iter().map(choice).collect(),
            csrf: u.session.csrf_token.clone(),
            nav,
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
    /// A page of the portal about it.
    href: Option<String>,
}

struct ActivityView {
    message: String,
    at: String,
    /// Where its subject is shown, if the person may open it.
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    operator: String,
    client: String,
    role: &'static str,
    as_staff: bool,
    services: Vec<ServiceCard>,
    open_url: String,
    unread: i64,
    notifications: Vec<NotificationView>,
    activity: Vec<ActivityView>,
    books: Option<crate::books::Glance>,
    csrf: String,
    nav: Nav,
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
        Ok::<_, PlatformError>((operator, tenant, access, unread, notifications))
    }
    .await;
    let (operator, tenant, access, unread, notifications) = match loaded {
        Ok(v) => v,
        Err(e) => return platform_error_page(e),
    };
    let open_url = format!(
        "/open/{}?csrf={}",
        tenant.subdomain.as_str(),
        u.session.csrf_token
    );
    let link_on_client_host = |path: &str| {
        let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
        format!("{open_url}&next={next}")
    };
    let services = match service_cards(p, &tenant, access.role, link_on_client_host).await {
        Ok(s) => s,
        Err(e) => return platform_error_page(e),
    };
    // The dashboard's feed: the ten newest.
    let activity =
        match crate::activity::recent(&state, &tenant, &access, 10, link_on_client_host).await {
            Ok(entries) => entries
                .into_iter()
                .map(|e| ActivityView {
                    message: e.message,
                    at: display_unix(e.at),
                    href: e.href,
                })
                .collect(),
            Err(e) => return platform_error_page(e),
        };
    let books = crate::books::glance(&state, &tenant).await;
    let nav = match nav_bar(&state, &u).await {
        Ok(n) => n,
        Err(e) => return platform_error_page(e),
    };
    render(
        StatusCode::OK,
        &DashboardPage {
            operator,
            client: tenant.name.as_str().to_owned(),
            role: access.role.as_str(),
            as_staff: access.as_staff,
            services,
            open_url,
            unread,
            notifications: notifications
                .into_iter()
                .map(|n| NotificationView {
                    message: n.message,
                    at: display_unix(n.created_at),
                    unread: n.read_at.is_none(),
                    href: n.link,
                })
                .collect(),
            activity,
            books,
            csrf: u.session.csrf_token.clone(),
            nav,
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
    /// The page on the client's host to land on (a service's card), else its home.
    next: Option<String>,
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
            let next: String =
                form_urlencoded::byte_serialize(safe_next(q.next.as_deref()).as_bytes()).collect();
            Redirect::to(&format!("{base}/auth/handoff?code={code}&next={next}")).into_response()
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
    next: Option<String>,
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
        Ok(s) => signed_in(&state, &headers, &s, &safe_next(q.next.as_deref())).await,
        Err(AuthError::InvalidCode | AuthError::Forbidden) => error_response(
            StatusCode::UNAUTHORIZED,
            "This link has expired",
            "Open the business again from the Client Portal.",
        ),
        Err(e) => auth_error_page(e),
    }
}
