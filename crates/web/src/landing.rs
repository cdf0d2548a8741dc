//! The landing page of the platform's own domain: the plans, and the contact form.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tenantry_domain::money::Currency;
use tenantry_domain::Money;
use tenantry_platform::PlatformError;
use tenantry_store::control::PlanRecord;
use tenantry_store::identity::ContactMessage;

use crate::pages::{error_response, platform_error_page, render};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route("/contact", post(contact))
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
    csrf: String,
    contact_notice: Option<String>,
    contact_error: Option<String>,
}

async fn landing_page(
    state: &AppState,
    csrf: String,
    status: StatusCode,
    contact_notice: Option<String>,
    contact_error: Option<String>,
) -> Response {
    let p = &state.platform;
    let loaded =
        async { Ok::<_, PlatformError>((p.operator_name().await?, p.control().plans().await?)) }
            .await;
    match loaded {
        Ok((operator, plans)) => render(
            status,
            &Landing {
                operator,
                portal_url: p.config().portal_url(),
                plans: plans.into_iter().map(PlanView::from).collect(),
                csrf,
                contact_notice,
                contact_error,
            },
        ),
        Err(e) => platform_error_page(e),
    }
}

async fn landing(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (csrf, cookie) = crate::auth::form_token(&state, &headers);
    crate::auth::with_cookie(
        landing_page(&state, csrf, StatusCode::OK, None, None).await,
        cookie,
    )
}

#[derive(serde::Deserialize)]
struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    message: String,
}

/// The landing page's contact form: stored for the operator, acknowledged to the sender.
async fn contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ContactForm>,
) -> Response {
    if !crate::auth::pre_session_csrf_ok(&headers, &form.csrf) {
        return error_response(
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form is out of date or did not come from this site. Go back, reload the page and try again.",
        );
    }
    let clean = |s: &str, max: usize| -> Option<String> {
        let t = s.trim();
        (!t.is_empty() && t.chars().count() <= max).then(|| t.to_owned())
    };
    let name = clean(&form.name, 120).filter(|n| !n.chars().any(char::is_control));
    let email = tenantry_domain::Email::parse(&form.email).ok();
    let message = clean(&form.message, 4000);
    let company = clean(&form.company, 120).filter(|c| !c.chars().any(char::is_control));
    let (Some(name), Some(email), Some(message)) = (name, email, message) else {
        return landing_page(
            &state,
            form.csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some("Please give your name (up to 120 characters), a valid email address and a message (up to 4,000 characters).".into()),
        )
        .await;
    };
    let stored = state
        .platform
        .control()
        .insert_contact_message(&ContactMessage {
            name: &name,
            email: email.as_str(),
            company: company.as_deref(),
            message: &message,
            ip: None,
        })
        .await;
    if let Err(e) = stored {
        return platform_error_page(e.into());
    }
    landing_page(
        &state,
        form.csrf,
        StatusCode::OK,
        Some(format!(
            "Thank you, {name}: your message has reached us, and we will reply to {}.",
            email.as_str()
        )),
        None,
    )
    .await
}
