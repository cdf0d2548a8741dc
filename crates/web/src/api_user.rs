//! The portal's JSON API (the endpoints the original design named), the token discovery
//! documents, and the identity methods a Frappe client calls on a tenant's host.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tenantry_auth::AuthError;
use tenantry_domain::TenantId;
use tenantry_platform::PlatformError;

use crate::auth::{PortalUser, TenantUser};
use crate::error::AppError;
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

type ApiResult = Result<Json<Value>, AppError>;

fn err(e: impl Into<PlatformError>) -> AppError {
    AppError::from(e.into())
}

async fn profile(State(state): State<AppState>, u: PortalUser) -> ApiResult {
    let p = &state.platform;
    let recovery_left = p
        .control()
        .unused_recovery_codes(u.user.id)
        .await
        .map_err(err)?;
    Ok(Json(json!({
        "id": u.user.id.to_string(),
        "email": u.user.email,
        "display_name": u.user.display_name,
        "platform_role": u.user.platform_role,
        "mfa_enabled": u.user.has_totp(),
        "recovery_codes_left": recovery_left,
        "default_client": u.user.default_tenant_id.map(|t| t.to_string()),
        "selected_client": u.session.selected_tenant_id.map(|t| t.to_string()),
        "csrf_token": u.session.csrf_token,
    })))
}

async fn clients(State(state): State<AppState>, u: PortalUser) -> ApiResult {
    let p = &state.platform;
    let memberships = p.control().memberships_of(u.user.id).await.map_err(err)?;
    Ok(Json(Value::Array(
        memberships
            .into_iter()
            .map(|m| {
                json!({
                    "id": m.tenant_id.to_string(),
                    "name": m.tenant_name,
                    "subdomain": m.subdomain,
                    "status": m.tenant_status,
                    "role": m.role.as_str(),
                    "url": p.config().url_for(Some(&m.subdomain)),
                    "default": u.user.default_tenant_id == Some(m.tenant_id),
                })
            })
            .collect(),
    )))
}

#[derive(Deserialize)]
struct SelectClient {
    /// The client's id or subdomain.
    client: String,
}

async fn select_client(
    State(state): State<AppState>,
    u: PortalUser,
    body: Result<Json<SelectClient>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
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
    Ok(Json(json!({
        "client": {
            "id": tenant.id.to_string(),
            "name": tenant.name.as_str(),
            "subdomain": tenant.subdomain.as_str(),
            "url": p.config().url_for(Some(tenant.subdomain.as_str())),
        },
        "role": access.role.as_str(),
        "permissions": access.role.permissions().iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "token_type": "Bearer",
        "access_token": token,
        "expires_at": expires_at,
    })))
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

async fn summary(State(state): State<AppState>, u: PortalUser) -> ApiResult {
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
    Ok(Json(json!({
        "client": {
            "id": tenant.id.to_string(),
            "name": tenant.name.as_str(),
            "status": tenant.status.as_str(),
            "plan": tenant.plan.as_str(),
            "url": p.config().url_for(Some(tenant.subdomain.as_str())),
        },
        "role": access.role.as_str(),
        "as_staff": access.as_staff,
        "services": access.role.services(),
        "unread_notifications": unread,
        "active_members": members,
    })))
}

async fn activity(State(state): State<AppState>, u: PortalUser) -> ApiResult {
    let (tenant, _) = selected(&state, &u).await?;
    let items = state
        .platform
        .control()
        .activity(tenant.id, 50)
        .await
        .map_err(err)?;
    Ok(Json(json!({
        "items": items.into_iter().map(|a| json!({
            "id": a.id,
            "kind": a.kind,
            "message": a.message,
            "at": a.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        })).collect::<Vec<_>>()
    })))
}

async fn notifications(State(state): State<AppState>, u: PortalUser) -> ApiResult {
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
    Ok(Json(json!({
        "unread": unread,
        "items": items.into_iter().map(|n| json!({
            "id": n.id,
            "message": n.message,
            "link": n.link,
            "created_at": n.created_at,
            "read": n.read_at.is_some(),
        })).collect::<Vec<_>>()
    })))
}

#[derive(Deserialize)]
struct MarkRead {
    /// One notification, or all when absent.
    id: Option<i64>,
}

async fn notifications_read(
    State(state): State<AppState>,
    u: PortalUser,
    body: Result<Json<MarkRead>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(body) =
        body.map_err(|e| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, e.body_text()))?;
    let n = state
        .platform
        .control()
        .mark_notifications_read(u.user.id, body.id)
        .await
        .map_err(err)?;
    Ok(Json(json!({ "marked_read": n })))
}

async fn jwks(State(state): State<AppState>) -> Response {
    match state.platform.identity().tokens().jwks().await {
        Ok(doc) => (
            [(axum::http::header::CACHE_CONTROL, "public, max-age=300")],
            Json(doc),
        )
            .into_response(),
        Err(e) => err(e).into_response(),
    }
}

async fn openid_configuration(State(state): State<AppState>) -> Json<Value> {
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

/// Frappe's `frappe.auth.get_logged_user`: the caller's email as `message`.
async fn logged_user(u: TenantUser) -> Json<Value> {
    Json(json!({ "message": u.user.email }))
}
