//! The operator console: every client at a glance, and provisioning for superadmins.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tenantry_platform::PlatformError;

use super::common::{nav_bar, Nav};
use crate::auth::{csrf_refusal, PortalUser};
use crate::pages::{error_response, platform_error_page, render};
use crate::AppState;

pub(super) fn portal_routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(console))
        .route("/console/provision", post(console_provision))
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

/// A message in the outbox, as staff read it to pass it on.
struct OutboxRow {
    at: String,
    recipient: String,
    subject: String,
    body: String,
}

/// How many of the outbox's newest messages the console shows.
const OUTBOX_SHOWN: i64 = 20;

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage {
    operator: String,
    clients: Vec<ConsoleRow>,
    outbox: Vec<OutboxRow>,
    plans: Vec<String>,
    can_provision: bool,
    notice: Option<String>,
    error: Option<String>,
    csrf: String,
    nav: Nav,
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
            p.control().outbox(OUTBOX_SHOWN).await?,
        ))
    }
    .await;
    let (operator, summaries, plans, outbox) = match loaded {
        Ok(v) => v,
        Err(e) => return platform_error_page(e),
    };
    let nav = match nav_bar(state, u).await {
        Ok(n) => n,
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
            outbox: outbox
                .into_iter()
                .map(|m| OutboxRow {
                    at: time::OffsetDateTime::from_unix_timestamp(m.created_at)
                        .map(crate::pages::display_time)
                        .unwrap_or_default(),
                    recipient: m.recipient,
                    subject: m.subject,
                    body: m.body,
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
            nav,
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
