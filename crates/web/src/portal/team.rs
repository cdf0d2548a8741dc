//! The people of the selected client, for those whose role manages users: invite, change role,
//! deactivate; and the client's sign-in security (MFA required) for those who manage settings.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tenantry_auth::TenantAccess;
use tenantry_domain::{Permission, TenantRole, UserId};
use tenantry_platform::{accounts, PlatformError};
use tenantry_store::control::TenantRecord;

use super::common::{nav_bar, Nav};
use crate::auth::{csrf_refusal, PortalUser};
use crate::pages::{error_response, platform_error_page, render};
use crate::AppState;

pub fn portal_router() -> Router<AppState> {
    Router::new()
        .route("/team", get(team))
        .route("/team/invite", post(invite))
        .route("/team/role", post(change_role))
        .route("/team/active", post(set_active))
        .route("/team/mfa", post(set_mfa))
}

const ROLES: [&str; 4] = ["viewer", "employee", "manager", "admin"];

struct MemberView {
    id: String,
    email: String,
    role: &'static str,
    status: &'static str,
    active: bool,
    last_login: String,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    operator: String,
    client: String,
    members: Vec<MemberView>,
    roles: [&'static str; 4],
    can_settings: bool,
    mfa_required: bool,
    invitation_url: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    csrf: String,
    nav: Nav,
}

/// The selected client, if the caller may manage its people.
async fn managed_client(
    state: &AppState,
    u: &PortalUser,
) -> Result<(TenantRecord, TenantAccess), Response> {
    let Some(tenant_id) = u.session.selected_tenant_id else {
        return Err(Redirect::to("/select").into_response());
    };
    let p = &state.platform;
    let access = p
        .identity()
        .access(&u.user, tenant_id)
        .await
        .map_err(|e| platform_error_page(e.into()))?;
    let Some(access) = access.filter(|a| a.role.can(Permission::PortalManageUsers)) else {
        return Err(error_response(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only this business's admins manage its people.",
        ));
    };
    let tenant = p
        .control()
        .tenant(tenant_id)
        .await
        .map_err(|e| platform_error_page(e.into()))?
        .ok_or_else(|| {
            error_response(
                StatusCode::NOT_FOUND,
                "No such business",
                "It may have been removed.",
            )
        })?;
    Ok((tenant, access))
}

fn when(unix: Option<i64>) -> String {
    unix.map(crate::pages::display_unix)
        .unwrap_or_else(|| "never".into())
}

struct Outcome {
    status: StatusCode,
    invitation_url: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

impl Outcome {
    fn ok() -> Self {
        Outcome {
            status: StatusCode::OK,
            invitation_url: None,
            notice: None,
            error: None,
        }
    }

    /// The page's error message, or (for a server-side failure) the error page instead.
    fn from_error(e: PlatformError) -> Result<Self, Box<Response>> {
        let status = crate::error::status_for(&e);
        if status.is_server_error() {
            return Err(Box::new(platform_error_page(e)));
        }
        Ok(Outcome {
            status,
            invitation_url: None,
            notice: None,
            error: Some(e.to_string()),
        })
    }
}

async fn team_view(state: &AppState, u: &PortalUser, outcome: Outcome) -> Response {
    let (tenant, access) = match managed_client(state, u).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let p = &state.platform;
    let loaded = async {
        Ok::<_, PlatformError>((
            p.operator_name().await?,
            p.control().members(tenant.id).await?,
            p.control().tenant_mfa_required(tenant.id).await?,
        ))
    }
    .await;
    let (operator, members, mfa_required) = match loaded {
        Ok(v) => v,
        Err(e) => return platform_error_page(e),
    };
    let nav = match nav_bar(state, u).await {
        Ok(n) => n,
        Err(e) => return platform_error_page(e),
    };
    render(
        outcome.status,
        &TeamPage {
            operator,
            client: tenant.name.as_str().to_owned(),
            members: members
                .into_iter()
                .map(|m| MemberView {
                    id: m.user_id.to_string(),
                    role: m.role.as_str(),
                    status: if !m.active {
                        "deactivated"
                    } else if m.pending || m.user_status == "invited" {
                        "invited"
                    } else {
                        "active"
                    },
                    active: m.active,
                    last_login: when(m.last_login_at),
                    email: m.email,
                })
                .collect(),
            roles: ROLES,
            can_settings: access.role.can(Permission::PortalManageSettings),
            mfa_required,
            invitation_url: outcome.invitation_url,
            notice: outcome.notice,
            error: outcome.error,
            csrf: u.session.csrf_token.clone(),
            nav,
        },
    )
}

/// What a change on the page did, said once its redirect lands (`?done=<what>`): words of our
/// own, never text from the address.
#[derive(Clone, Copy)]
enum Done {
    Role,
    Access,
    Security,
}

impl Done {
    fn slug(self) -> &'static str {
        match self {
            Done::Role => "role",
            Done::Access => "access",
            Done::Security => "security",
        }
    }

    fn notice(slug: &str) -> Option<&'static str> {
        match slug {
            "role" => Some("Role changed."),
            "access" => Some("Access changed."),
            "security" => Some("Security settings saved."),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct TeamQuery {
    done: Option<String>,
}

async fn team(
    State(state): State<AppState>,
    u: PortalUser,
    Query(q): Query<TeamQuery>,
) -> Response {
    let outcome = Outcome {
        notice: q.done.as_deref().and_then(Done::notice).map(str::to_owned),
        ..Outcome::ok()
    };
    team_view(&state, &u, outcome).await
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn invite(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<InviteForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let (tenant, _) = match managed_client(&state, &u).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = match TenantRole::parse(&form.role) {
        Ok(role) => {
            accounts::invite_member(&state.platform, tenant.id, &form.email, role, &u.user.email)
                .await
        }
        Err(e) => Err(e.into()),
    };
    let outcome = match result {
        Ok(invited) => Outcome {
            notice: Some(format!(
                "{} is invited as {}. They join {} once they accept: pass on the link below.",
                invited.email, invited.role, tenant.name
            )),
            invitation_url: Some(invited.invitation_url),
            ..Outcome::ok()
        },
        Err(e) => match Outcome::from_error(e) {
            Ok(o) => o,
            Err(r) => return *r,
        },
    };
    team_view(&state, &u, outcome).await
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    role: String,
}

fn parse_user(value: &str) -> Result<UserId, PlatformError> {
    value
        .parse()
        .map_err(|_| PlatformError::NotFound("member".into()))
}

async fn change_role(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<RoleForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let (tenant, _) = match managed_client(&state, &u).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let user = parse_user(&form.user)?;
        let role = TenantRole::parse(&form.role)?;
        accounts::change_member_role(&state.platform, tenant.id, user, role, &u.user.email).await
    }
    .await;
    finish(&state, &u, result, Done::Role).await
}

#[derive(Deserialize)]
struct ActiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<ActiveForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let (tenant, _) = match managed_client(&state, &u).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let user = parse_user(&form.user)?;
        let active = match form.active.as_str() {
            "true" => true,
            "false" => false,
            _ => {
                return Err(PlatformError::Invalid(
                    tenantry_domain::ValidationError::new("active", "must be true or false"),
                ))
            }
        };
        accounts::set_member_active(&state.platform, tenant.id, user, active, &u.user.email).await
    }
    .await;
    finish(&state, &u, result, Done::Access).await
}

#[derive(Deserialize)]
struct MfaForm {
    #[serde(default)]
    csrf: String,
    required: Option<String>,
}

async fn set_mfa(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<MfaForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let (tenant, access) = match managed_client(&state, &u).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !access.role.can(Permission::PortalManageSettings) {
        return error_response(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only admins change security settings.",
        );
    }
    let required = form.required.is_some();
    let result =
        accounts::set_mfa_required(&state.platform, tenant.id, required, &u.user.email).await;
    finish(&state, &u, result, Done::Security).await
}

/// After a change: back to the page, which says what was done (so that a reload changes nothing
/// again); a refusal is shown beside the forms.
async fn finish(
    state: &AppState,
    u: &PortalUser,
    result: Result<(), PlatformError>,
    done: Done,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/team?done={}", done.slug())).into_response(),
        Err(e) => match Outcome::from_error(e) {
            Ok(outcome) => team_view(state, u, outcome).await,
            Err(r) => *r,
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn roles_listed_in_order_of_rights() {
        let parsed: Vec<_> = super::ROLES
            .iter()
            .map(|r| tenantry_domain::TenantRole::parse(r).unwrap())
            .collect();
        assert!(parsed.windows(2).all(|w| w[0] < w[1]));
    }
}
