//! Single sign-on endpoints on the portal: start (a link from the sign-in page, or
//! `POST /api/sso/login` for API clients), the provider's callback, and logout.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use tenantry_auth::{AuthError, LoginOutcome};
use tenantry_platform::PlatformError;

use crate::auth::{
    clear_session_cookie, client_ip, cookie_header, cookie_value, end_previous_session, safe_next,
    session_cookie, AnySession,
};
use crate::error::AppError;
use crate::pages::{error_response, platform_error_page};
use crate::AppState;

/// The cookie holding the encrypted pending login; sent only to the callback.
const PENDING_COOKIE: &str = "tenantry_sso";
const PENDING_PATH: &str = "/api/sso";

pub fn portal_router() -> Router<AppState> {
    Router::new()
        .route("/sso/{provider}", get(start_link))
        .route("/api/sso/login", post(start_api))
        .route("/api/sso/callback", get(callback))
        .route("/api/sso/logout", post(logout))
}

fn pending_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    cookie_header(
        state.platform.config(),
        PENDING_COOKIE,
        value,
        PENDING_PATH,
        cookie::SameSite::Lax,
        Some(max_age),
    )
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// A plain link, because the CSP's `form-action 'self'` would stop a form's redirect to the
/// provider.
async fn start_link(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    match state
        .platform
        .sso()
        .start(&provider, &safe_next(q.next.as_deref()))
        .await
    {
        Ok(started) => {
            let mut res = Redirect::to(&started.authorization_url).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                pending_cookie(&state, &started.pending, 600),
            );
            res
        }
        Err(e) => platform_error_page(PlatformError::from(e)),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StartBody {
    provider: String,
    next: Option<String>,
}

/// The provider's authorization URL, for the client to send the browser to.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SsoStarted {
    authorization_url: String,
}

#[utoipa::path(post, path = "/api/sso/login", tag = "single sign-on", request_body = StartBody,
    responses((status = 200, body = SsoStarted, description = "also sets the pending-login cookie"),
        (status = 404, body = crate::error::ErrorBody, description = "no such provider")))]
pub async fn start_api(
    State(state): State<AppState>,
    body: Result<Json<StartBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => {
            return AppError::new(StatusCode::UNPROCESSABLE_ENTITY, e.body_text()).into_response()
        }
    };
    match state
        .platform
        .sso()
        .start(&body.provider, &safe_next(body.next.as_deref()))
        .await
    {
        Ok(started) => {
            let mut res = Json(SsoStarted {
                authorization_url: started.authorization_url,
            })
            .into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                pending_cookie(&state, &started.pending, 600),
            );
            res
        }
        Err(e) => AppError::from(PlatformError::from(e)).into_response(),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

#[utoipa::path(get, path = "/api/sso/callback", tag = "single sign-on",
    params(("code" = Option<String>, Query), ("state" = Option<String>, Query), ("error" = Option<String>, Query)),
    responses((status = 303, description = "signed in: the session cookie is set"),
        (status = 401, description = "wrong state, refused code, invalid ID token, unverified email, or no access")))]
pub async fn callback(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let refused = |why: String| {
        let mut res = error_response(
            StatusCode::UNAUTHORIZED,
            "Single sign-on did not complete",
            &format!("{why} Go back to the sign-in page and try again."),
        );
        res.headers_mut()
            .append(header::SET_COOKIE, pending_cookie(&state, "", 0));
        res
    };
    if let Some(error) = q.error {
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        return refused(format!("The identity provider answered \"{error}\"."));
    }
    let (Some(code), Some(returned_state), Some(pending)) =
        (q.code, q.state, cookie_value(&headers, PENDING_COOKIE))
    else {
        return refused("The sign-in was not started from this browser.".into());
    };
    let identity = match state
        .platform
        .sso()
        .finish(&pending, &code, &returned_state)
        .await
    {
        Ok(i) => i,
        Err(AuthError::SsoFailed(why)) => return refused(format!("{why}.")),
        Err(e) => return platform_error_page(PlatformError::from(e)),
    };
    let ip = client_ip(
        &headers,
        connect.map(|c| c.0 .0),
        state.platform.config().trust_proxy,
    );
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let outcome = state
        .platform
        .identity()
        .login_sso(&identity, ip.as_deref(), ua.as_deref())
        .await;
    let (session, to) = match outcome {
        Ok(LoginOutcome::Done(s)) => (s, identity.next.clone()),
        Ok(LoginOutcome::SecondFactor(s)) => (s, "/mfa".to_owned()),
        Err(AuthError::Forbidden) => {
            return refused(
                "Your account at the identity provider gives you no access here.".into(),
            )
        }
        Err(e) => return platform_error_page(PlatformError::from(e)),
    };
    if let Err(e) = end_previous_session(&state, &headers, &session).await {
        return platform_error_page(PlatformError::from(e));
    }
    let mut res = Redirect::to(&to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(state.platform.config(), &session),
    );
    res.headers_mut()
        .append(header::SET_COOKIE, pending_cookie(&state, "", 0));
    res
}

/// The end of a session.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LoggedOut {
    logged_out: bool,
}

#[utoipa::path(post, path = "/api/sso/logout", tag = "single sign-on",
    params(("X-CSRF-Token" = String, Header, description = "the session's CSRF token")),
    responses((status = 200, body = LoggedOut), (status = 401, description = "no session"),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn logout(State(state): State<AppState>, s: AnySession, headers: HeaderMap) -> Response {
    let csrf_ok = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            tenantry_auth::constant_time_eq(t.as_bytes(), s.session.csrf_token.as_bytes())
        });
    if !csrf_ok {
        return AppError::new(StatusCode::FORBIDDEN, "missing or wrong X-CSRF-Token")
            .into_response();
    }
    if let Err(e) = state.platform.identity().logout(&s.session).await {
        return AppError::from(PlatformError::from(e)).into_response();
    }
    let mut res = Json(LoggedOut { logged_out: true }).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        clear_session_cookie(state.platform.config()),
    );
    res
}
