//! The HTML pages of each surface.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use tenantry_domain::money::Currency;
use tenantry_domain::Money;
use tenantry_platform::provisioning::token_hash;
use tenantry_platform::PlatformError;
use tenantry_store::control::PlanRecord;

use crate::error::status_for;
use crate::host::CurrentTenant;
use crate::AppState;

pub fn landing_router() -> Router<AppState> {
    Router::new().route("/", get(landing)).fallback(not_found)
}

pub fn portal_router() -> Router<AppState> {
    Router::new()
        .route("/", get(portal))
        .route("/invite/{token}", get(invitation))
        .fallback(not_found)
}

pub fn tenant_router() -> Router<AppState> {
    Router::new()
        .route("/", get(tenant_home))
        .fallback(not_found)
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/app.css"),
    )
}

fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    heading: &'a str,
    message: &'a str,
}

fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    render(
        status,
        &ErrorPage {
            status: status.as_u16(),
            heading,
            message,
        },
    )
}

fn platform_error_page(e: PlatformError) -> Response {
    let status = status_for(&e);
    if status.is_server_error() {
        tracing::error!(error = %e, "page failed");
        return error_page(
            status,
            "Something went wrong",
            "The server could not show this page; the problem has been logged.",
        );
    }
    error_page(status, "This cannot be shown", &e.to_string())
}

/// A host that is neither the platform's nor a served client's.
pub fn unknown_host(path: &str) -> Response {
    if path.starts_with("/api/") {
        return crate::AppError::new(StatusCode::NOT_FOUND, "no such site").into_response();
    }
    error_page(
        StatusCode::NOT_FOUND,
        "No such site",
        "Nothing is hosted at this address. Check the address, or ask your provider for the right one.",
    )
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::AppError::new(StatusCode::NOT_FOUND, "no such endpoint").into_response();
    }
    error_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
    )
}

struct PlanView {
    name: String,
    price: String,
    period: String,
    users: String,
    storage_gb: i64,
    features: Vec<&'static str>,
}

impl From<PlanRecord> for PlanView {
    fn from(p: PlanRecord) -> Self {
        let currency = Currency::from_code(&p.currency).unwrap_or(Currency::Gbp);
        PlanView {
            name: p.name,
            price: Money::new(p.price_minor, currency).to_string(),
            period: p.billing_period,
            users: match p.max_users {
                Some(n) => format!("Up to {n} users"),
                None => "Unlimited users".to_owned(),
            },
            storage_gb: p.storage_gb,
            features: p
                .features
                .iter()
                .map(|f| match f {
                    tenantry_domain::Feature::Erp => "Accounts, invoicing and stock",
                    tenantry_domain::Feature::Webmail => "Webmail",
                    tenantry_domain::Feature::Pos => "Point of sale",
                    tenantry_domain::Feature::CustomReports => "Custom reports",
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    operator: String,
    portal_url: String,
    plans: Vec<PlanView>,
}

async fn landing(State(state): State<AppState>) -> Response {
    let p = &state.platform;
    let loaded =
        async { Ok::<_, PlatformError>((p.operator_name().await?, p.control().plans().await?)) }
            .await;
    match loaded {
        Ok((operator, plans)) => render(
            StatusCode::OK,
            &Landing {
                operator,
                portal_url: p.config().portal_url(),
                plans: plans.into_iter().map(PlanView::from).collect(),
            },
        ),
        Err(e) => platform_error_page(e),
    }
}

#[derive(Template)]
#[template(path = "portal.html")]
struct Portal {
    operator: String,
}

async fn portal(State(state): State<AppState>) -> Response {
    match state.platform.operator_name().await {
        Ok(operator) => render(StatusCode::OK, &Portal { operator }),
        Err(e) => platform_error_page(e),
    }
}

#[derive(Template)]
#[template(path = "invite.html")]
struct Invitation {
    operator: String,
    heading: String,
    message: String,
}

/// What an invitation link's holder sees. The token is looked up by its hash only.
async fn invitation(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let p = &state.platform;
    let looked_up = async {
        let operator = p.operator_name().await?;
        let valid_shape = token.len() == 64 && token.chars().all(|c| c.is_ascii_hexdigit());
        let found = if valid_shape {
            p.control().invitation(&token_hash(&token)).await?
        } else {
            None
        };
        Ok::<_, PlatformError>((operator, found))
    }
    .await;
    let (operator, found) = match looked_up {
        Ok(v) => v,
        Err(e) => return platform_error_page(e),
    };
    let now = time::OffsetDateTime::now_utc();
    let (status, heading, message) = match found {
        None => (
            StatusCode::NOT_FOUND,
            "Invitation not found".to_owned(),
            "This invitation link is not valid. Ask whoever invited you to send a new one."
                .to_owned(),
        ),
        Some(inv) if inv.used_at.is_some() => (
            StatusCode::GONE,
            "Invitation already used".to_owned(),
            "This invitation has already been accepted.".to_owned(),
        ),
        Some(inv) if inv.expires_at <= now => (
            StatusCode::GONE,
            "Invitation expired".to_owned(),
            "This invitation has expired. Ask whoever invited you to send a new one.".to_owned(),
        ),
        Some(inv) => {
            let expires = inv
                .expires_at
                .format(&time::format_description::well_known::Rfc2822)
                .unwrap_or_default();
            let place = match (&inv.tenant_name, &inv.role) {
                (Some(t), Some(r)) => format!("{t} as {r}"),
                (Some(t), None) => t.clone(),
                _ => operator.clone(),
            };
            (
                StatusCode::OK,
                format!("You are invited to {place}"),
                format!(
                    "This invitation for {} is valid until {expires}.",
                    inv.email
                ),
            )
        }
    };
    render(
        status,
        &Invitation {
            operator,
            heading,
            message,
        },
    )
}

#[derive(Template)]
#[template(path = "tenant_home.html")]
struct TenantHome {
    name: String,
    operator: String,
    portal_url: String,
    suspended: bool,
}

/// A client's front door, branded with the name from the client's own database.
async fn tenant_home(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
) -> Response {
    let p = &state.platform;
    let loaded = async {
        let db = p.pools().get(&tenant).await?;
        let company = db.company().await?;
        Ok::<_, PlatformError>((company, p.operator_name().await?))
    }
    .await;
    match loaded {
        Ok((company, operator)) => render(
            StatusCode::OK,
            &TenantHome {
                name: company
                    .map(|c| c.name)
                    .unwrap_or_else(|| tenant.name.to_string()),
                operator,
                portal_url: p.config().portal_url(),
                suspended: !tenant.status.accepts_writes(),
            },
        ),
        Err(e) => platform_error_page(e),
    }
}
