//! A person's profile: password, second factor, sessions, API keys.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tenantry_auth::AuthError;
use tenantry_domain::{TenantId, TenantRole};
use tenantry_platform::PlatformError;

use super::common::{auth_error_page, nav_bar, CsrfForm, Nav, RecoveryCodesPage};
use crate::auth::{csrf_refusal, PortalUser};
use crate::pages::{display_unix, platform_error_page, render};
use crate::AppState;

pub(super) fn portal_routes() -> Router<AppState> {
    Router::new()
        .route("/profile", get(profile))
        .route("/profile/password", post(change_password))
        .route("/profile/sessions/revoke", post(revoke_session))
        .route("/profile/api-keys", post(create_api_key))
        .route("/profile/api-keys/revoke", post(revoke_api_key))
        .route("/profile/mfa/disable", post(disable_mfa))
        .route("/profile/mfa/recovery-codes", post(new_recovery_codes))
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
    nav: Nav,
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
    let nav = match nav_bar(state, u).await {
        Ok(n) => n,
        Err(e) => return platform_error_page(e),
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
            nav,
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
