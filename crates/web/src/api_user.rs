//! The portal's JSON API (the endpoints the original design named), the token discovery
//! documents, and the identity methods a Frappe client calls on a tenant's host.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tenantry_auth::AuthError;
use tenantry_domain::TenantId;
use tenantry_platform::PlatformError;
use utoipa::ToSchema;

use crate::auth::{PortalUser, TenantUser};
use crate::error::AppError;
use crate::error::ErrorBody;
use crate::AppState;

pub fn portal_router() -> Router<AppState> {
    Router::new()
        .route("/api/user/profile", get(profile))
        .route("/api/user/clients", get(clients))
        .route("/api/user/select-client", post(select_client))
        .route("/api/dashboard/summary", get(summary))
        .route("/api/dashboard/activity", get(activity))
        .route("/api/dashboard/notifications", get(notifications))
        .route(
            "/api/dashboard/notifications/read",
            post(notifications_read),
        )
        .route("/.well-known/jwks.json", get(jwks))
        .route(
            "/.well-known/openid-configuration",
            get(openid_configuration),
        )
}

pub fn tenant_router() -> Router<AppState> {
    Router::new().route("/api/method/frappe.auth.get_logged_user", get(logged_user))
}

type ApiResult<T> = Result<Json<T>, AppError>;

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct Profile {
    id: String,
    email: String,
    display_name: Option<String>,
    /// `support` or `superadmin` for operator staff.
    platform_role: Option<String>,
    mfa_enabled: bool,
    recovery_codes_left: i64,
    default_client: Option<String>,
    selected_client: Option<String>,
    /// Send as `X-CSRF-Token` with state-changing requests made with this session.
    csrf_token: String,
}

fn err(e: impl Into<PlatformError>) -> AppError {
    AppError::from(e.into())
}

#[utoipa::path(get, path = "/api/user/profile", tag = "portal",
    responses((status = 200, body = Profile), (status = 401, body = ErrorBody)))]
pub async fn profile(State(state): State<AppState>, u: PortalUser) -> ApiResult<Profile> {
    let p = &state.platform;
    let recovery_left = p
        .identity()
        .recovery_codes_left(u.user.id)
        .await
        .map_err(err)?;
    Ok(Json(Profile {
        id: u.user.id.to_string(),
        email: u.user.email.clone(),
        display_name: u.user.display_name.clone(),
        platform_role: u.user.platform_role.clone(),
        mfa_enabled: u.user.has_totp(),
        recovery_codes_left: recovery_left,
        default_client: u.user.default_tenant_id.map(|t| t.to_string()),
        selected_client: u.session.selected_tenant_id.map(|t| t.to_string()),
        csrf_token: u.session.csrf_token.clone(),
    }))
}

/// A client the user belongs to.
#[derive(Serialize, ToSchema)]
pub struct ClientEntry {
    id: String,
    name: String,
    subdomain: String,
    status: String,
    role: String,
    url: String,
    default: bool,
}

#[utoipa::path(get, path = "/api/user/clients", tag = "portal",
    responses((status = 200, body = Vec<ClientEntry>), (status = 401, body = ErrorBody)))]
pub async fn clients(State(state): State<AppState>, u: PortalUser) -> ApiResult<Vec<ClientEntry>> {
    let p = &state.platform;
    let memberships = p.control().memberships_of(u.user.id).await.map_err(err)?;
    Ok(Json(
        memberships
            .into_iter()
            .map(|m| ClientEntry {
                id: m.tenant_id.to_string(),
                url: p.config().url_for(Some(&m.subdomain)),
                default: u.user.default_tenant_id == Some(m.tenant_id),
                name: m.tenant_name,
                subdomain: m.subdomain,
                status: m.tenant_status,
                role: m.role.as_str().to_owned(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct SelectClient {
    /// The client's id or subdomain.
    client: String,
}

/// A client, briefly.
#[derive(Serialize, ToSchema)]
pub struct ClientRef {
    id: String,
    name: String,
    subdomain: String,
    url: String,
}

/// The chosen client and a client-scoped token for its API.
#[derive(Serialize, ToSchema)]
pub struct Selection {
    client: ClientRef,
    role: String,
    permissions: Vec<String>,
    /// Always `Bearer`.
    token_type: String,
    /// An EdDSA-signed JWT (≤ 15 minutes), verifiable with `/.well-known/jwks.json`.
    access_token: String,
    /// Unix seconds.
    expires_at: i64,
}

#[utoipa::path(post, path = "/api/user/select-client", tag = "portal", request_body = SelectClient,
    params(("X-CSRF-Token" = String, Header, description = "the session's CSRF token")),
    responses((status = 200, body = Selection), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "not a member (unknown clients alike), or no CSRF token"),
        (status = 422, body = ErrorBody)))]
pub async fn select_client(
    State(state): State<AppState>,
    u: PortalUser,
    body: Result<Json<SelectClient>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Selection> {
    let Json(body) =
        body.map_err(|e| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, e.body_text()))?;
    let p = &state.platform;
    let tenant = match body.client.parse::<TenantId>() {
        Ok(id) => p.control().tenant(id).await.map_err(err)?,
        Err(_) => p
            .control()
            .tenant_by_subdomain(body.client.trim())
            .await
            .map_err(err)?,
    };
    // Unknown and not-a-member answer alike: nobody learns which clients exist.
    let Some(tenant) = tenant.filter(|t| t.status.is_served()) else {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "you do not have access to this client",
        ));
    };
    let (access, token, expires_at) = p
        .identity()
        .select_client(&u.session, &u.user, tenant.id)
        .await
        .map_err(|e| match e {
            AuthError::Forbidden => AppError::new(
                StatusCode::FORBIDDEN,
                "you do not have access to this client",
            ),
            other => err(other),
        })?;
    Ok(Json(Selection {
        client: ClientRef {
            id: tenant.id.to_string(),
            name: tenant.name.as_str().to_owned(),
            subdomain: tenant.subdomain.as_str().to_owned(),
            url: p.config().url_for(Some(tenant.subdomain.as_str())),
        },
        role: access.role.as_str().to_owned(),
        permissions: access
            .role
            .permissions()
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        token_type: "Bearer".into(),
        access_token: token,
        expires_at,
    }))
}

/// The selected client of the caller's portal session, and their access to it.
async fn selected(
    state: &AppState,
    u: &PortalUser,
) -> Result<
    (
        tenantry_store::control::TenantRecord,
        tenantry_auth::TenantAccess,
    ),
    AppError,
> {
    let tenant_id = u.session.selected_tenant_id.ok_or_else(|| {
        AppError::new(
            StatusCode::CONFLICT,
            "select a client first (POST /api/user/select-client)",
        )
    })?;
    let p = &state.platform;
    let access = p
        .identity()
        .access(&u.user, tenant_id)
        .await
        .map_err(err)?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::FORBIDDEN,
                "you do not have access to this client",
            )
        })?;
    let tenant = p
        .control()
        .tenant(tenant_id)
        .await
        .map_err(err)?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::FORBIDDEN,
                "you do not have access to this client",
            )
        })?;
    Ok((tenant, access))
}

#[derive(Serialize, ToSchema)]
pub struct SummaryClient {
    id: String,
    name: String,
    status: String,
    plan: String,
    url: String,
}

/// The selected client at a glance.
#[derive(Serialize, ToSchema)]
pub struct Summary {
    client: SummaryClient,
    role: String,
    /// Operator staff acting in a client they are not a member of.
    as_staff: bool,
    /// The services the role opens: `erp`, `pos`, `webmail`, `reports`.
    services: Vec<String>,
    unread_notifications: i64,
    /// Shown to those who manage users.
    active_members: Option<i64>,
    /// The client's sales, receivables, recent invoices and best sellers, from its own books;
    /// absent if they cannot be read just now.
    books: Option<crate::books::Glance>,
}

#[utoipa::path(get, path = "/api/dashboard/summary", tag = "portal",
    responses((status = 200, body = Summary), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "no client selected yet")))]
pub async fn summary(State(state): State<AppState>, u: PortalUser) -> ApiResult<Summary> {
    let (tenant, access) = selected(&state, &u).await?;
    let p = &state.platform;
    let unread = p
        .control()
        .unread_notifications(u.user.id, Some(tenant.id))
        .await
        .map_err(err)?;
    let members = if access
        .role
        .can(tenantry_domain::Permission::PortalManageUsers)
    {
        Some(
            p.control()
                .active_member_count(tenant.id)
                .await
                .map_err(err)?,
        )
    } else {
        None
    };
    Ok(Json(Summary {
        client: SummaryClient {
            id: tenant.id.to_string(),
            name: tenant.name.as_str().to_owned(),
            status: tenant.status.as_str().to_owned(),
            plan: tenant.plan.as_str().to_owned(),
            url: p.config().url_for(Some(tenant.subdomain.as_str())),
        },
        role: access.role.as_str().to_owned(),
        as_staff: access.as_staff,
        services: access
            .role
            .services()
            .into_iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        unread_notifications: unread,
        active_members: members,
        books: crate::books::glance(&state, &tenant).await,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ActivityItem {
    /// The control plane's record; absent for a document of the books.
    id: Option<i64>,
    /// What happened: the control plane's kinds (`people`, `client`, …) or `books.document`.
    kind: String,
    message: String,
    /// RFC 3339.
    at: String,
    /// The subject's page: a portal path, or the client host's URL of a document.
    link: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityList {
    items: Vec<ActivityItem>,
}

#[utoipa::path(get, path = "/api/dashboard/activity", tag = "portal",
    responses((status = 200, body = ActivityList), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn activity(State(state): State<AppState>, u: PortalUser) -> ApiResult<ActivityList> {
    let (tenant, access) = selected(&state, &u).await?;
    let client_url = state
        .platform
        .config()
        .url_for(Some(tenant.subdomain.as_str()));
    let items = crate::activity::recent(&state, &tenant, &access, 50, |path| {
        format!("{client_url}{path}")
    })
    .await
    .map_err(err)?;
    Ok(Json(ActivityList {
        items: items
            .into_iter()
            .map(|e| ActivityItem {
                id: e.id,
                at: time::OffsetDateTime::from_unix_timestamp(e.at)
                    .ok()
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or_default(),
                kind: e.kind,
                message: e.message,
                link: e.href,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct NotificationItem {
    id: i64,
    message: String,
    link: Option<String>,
    /// Unix seconds.
    created_at: i64,
    read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    unread: i64,
    items: Vec<NotificationItem>,
}

#[utoipa::path(get, path = "/api/dashboard/notifications", tag = "portal",
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn notifications(
    State(state): State<AppState>,
    u: PortalUser,
) -> ApiResult<NotificationList> {
    let (tenant, _) = selected(&state, &u).await?;
    let c = state.platform.control();
    let unread = c
        .unread_notifications(u.user.id, Some(tenant.id))
        .await
        .map_err(err)?;
    let items = c
        .notifications(u.user.id, Some(tenant.id), 50)
        .await
        .map_err(err)?;
    Ok(Json(NotificationList {
        unread,
        items: items
            .into_iter()
            .map(|n| NotificationItem {
                id: n.id,
                read: n.read_at.is_some(),
                message: n.message,
                link: n.link,
                created_at: n.created_at,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Marked {
    marked_read: u64,
}

#[derive(Deserialize, ToSchema)]
pub struct MarkRead {
    /// One notification, or all when absent.
    id: Option<i64>,
}

#[utoipa::path(post, path = "/api/dashboard/notifications/read", tag = "portal", request_body = MarkRead,
    params(("X-CSRF-Token" = String, Header, description = "the session's CSRF token")),
    responses((status = 200, body = Marked), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn notifications_read(
    State(state): State<AppState>,
    u: PortalUser,
    body: Result<Json<MarkRead>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Marked> {
    let Json(body) =
        body.map_err(|e| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, e.body_text()))?;
    let n = state
        .platform
        .control()
        .mark_notifications_read(u.user.id, body.id)
        .await
        .map_err(err)?;
    Ok(Json(Marked { marked_read: n }))
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "tokens",
    responses((status = 200, description = "the published Ed25519 keys (JWKS)", body = Object)))]
pub async fn jwks(State(state): State<AppState>) -> Response {
    match state.platform.identity().tokens().jwks().await {
        Ok(doc) => (
            [(axum::http::header::CACHE_CONTROL, "public, max-age=300")],
            Json(doc),
        )
            .into_response(),
        Err(e) => err(e).into_response(),
    }
}

#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "tokens",
    responses((status = 200, description = "issuer and jwks_uri", body = Object)))]
pub async fn openid_configuration(State(state): State<AppState>) -> Json<Value> {
    let issuer = state.platform.identity().tokens().issuer().to_owned();
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "token_endpoint_auth_methods_supported": ["none"],
        "subject_types_supported": ["public"],
        "response_types_supported": [],
        "claims_supported": ["sub", "tenant", "role", "permissions", "iat", "exp", "iss", "aud"],
    }))
}

/// Frappe's answer shape: `{"message": …}`.
#[derive(Serialize, ToSchema)]
pub struct Message {
    message: String,
}

/// Frappe's `frappe.auth.get_logged_user`: the caller's email as `message`.
#[utoipa::path(get, path = "/api/method/frappe.auth.get_logged_user", tag = "client space",
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Message), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "a credential for another client")))]
pub async fn logged_user(u: TenantUser) -> Json<Message> {
    Json(Message {
        message: u.user.email,
    })
}
