//! "Forgot your password?": asking for a reset link, on the portal and on every client's host,
//! in the brand of the host it is asked on. The answer is the same whether or not the address
//! has an account; the platform queues the link (see `tenantry_platform::password_reset`).

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form, Router};
use serde::Deserialize;
use tenantry_platform::{password_reset, PlatformError};

use super::common::{brand, csrf_forbidden};
use crate::auth::{form_token, pre_session_csrf_ok, with_cookie};
use crate::host::CurrentTenant;
use crate::pages::{platform_error_page, render};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/forgot-password", get(page).post(submit))
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPasswordPage {
    brand: String,
    csrf: String,
    email: String,
    error: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    tenant: Option<Extension<CurrentTenant>>,
    headers: HeaderMap,
) -> Response {
    let brand = match brand(&state, tenant.as_deref()).await {
        Ok(b) => b,
        Err(e) => return platform_error_page(e),
    };
    let (csrf, cookie) = form_token(&state, &headers);
    let page = ForgotPasswordPage {
        brand,
        csrf,
        email: String::new(),
        error: None,
    };
    with_cookie(render(StatusCode::OK, &page), cookie)
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

async fn submit(
    State(state): State<AppState>,
    tenant: Option<Extension<CurrentTenant>>,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Response {
    if !pre_session_csrf_ok(&headers, &form.csrf) {
        return csrf_forbidden();
    }
    let brand = match brand(&state, tenant.as_deref()).await {
        Ok(b) => b,
        Err(e) => return platform_error_page(e),
    };
    match password_reset::request(&state.platform, &form.email, &brand).await {
        // Back to sign-in, where a notice says what happens next (a reload resubmits nothing).
        Ok(()) => Redirect::to("/login?notice=reset-requested").into_response(),
        Err(PlatformError::Invalid(message)) => {
            let mut email: String = form.email.chars().take(254).collect();
            email.retain(|c| !c.is_control());
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ForgotPasswordPage {
                    brand,
                    csrf: form.csrf,
                    email,
                    error: Some(format!(
                        "That is not an email address: {}.",
                        message.message
                    )),
                },
            )
        }
        Err(e) => platform_error_page(e),
    }
}
