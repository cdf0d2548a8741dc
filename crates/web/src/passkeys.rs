//! Passkey ceremonies over JSON (`assets/passkeys.js` drives them in the browser) and their
//! management on the profile. Each begin step sets a short-lived cookie with the encrypted
//! ceremony state; its finish step reads it.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Extension, Form, Json, Router};
use serde::Deserialize;
use serde_json::json;
use tenantry_auth::passkeys::{Assertion, Attestation, Challenge};
use tenantry_auth::AuthError;
use tenantry_platform::PlatformError;

use crate::auth::{
    client_ip, cookie_header, cookie_value, csrf_refusal, end_previous_session, safe_next,
    session_cookie, AnySession, PortalUser,
};
use crate::error::AppError;
use crate::AppState;

const STATE_COOKIE: &str = "tenantry_webauthn";
const STATE_PATH: &str = "/api/passkeys";

pub fn portal_router() -> Router<AppState> {
    Router::new()
        .route("/api/passkeys/register/begin", post(register_begin))
        .route("/api/passkeys/register/finish", post(register_finish))
        .route("/api/passkeys/login/begin", post(login_begin))
        .route("/api/passkeys/login/finish", post(login_finish))
        .route("/api/passkeys/mfa/begin", post(mfa_begin))
        .route("/api/passkeys/mfa/finish", post(mfa_finish))
        .route("/profile/passkeys/remove", post(remove))
}

fn state_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    cookie_header(
        state.platform.config(),
        STATE_COOKIE,
        value,
        STATE_PATH,
        cookie::SameSite::Strict,
        Some(max_age),
    )
}

fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-csrf-token").and_then(|v| v.to_str().ok())
}

fn error(status: StatusCode, e: AuthError) -> Response {
    match e {
        AuthError::PasskeyFailed(m) => AppError::new(status, m).into_response(),
        other => AppError::from(PlatformError::from(other)).into_response(),
    }
}

fn challenge(state: &AppState, c: Challenge) -> Response {
    let mut res = Json(c.options).into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, state_cookie(state, &c.state, 300));
    res
}

fn bad_body(e: axum::extract::rejection::JsonRejection) -> Response {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, e.body_text()).into_response()
}

fn missing_state() -> Response {
    AppError::new(
        StatusCode::BAD_REQUEST,
        "the passkey request was not started from this browser, or took too long",
    )
    .into_response()
}

async fn register_begin(State(state): State<AppState>, u: PortalUser) -> Response {
    match state.platform.passkeys().begin_registration(&u.user).await {
        Ok(c) => challenge(&state, c),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Deserialize)]
struct RegisterBody {
    #[serde(default)]
    name: String,
    credential: Attestation,
}

async fn register_finish(
    State(state): State<AppState>,
    u: PortalUser,
    headers: HeaderMap,
    body: Result<Json<RegisterBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return bad_body(e),
    };
    let Some(sealed) = cookie_value(&headers, STATE_COOKIE) else {
        return missing_state();
    };
    let p = &state.platform;
    match p
        .passkeys()
        .finish_registration(&u.user, &body.name, &body.credential, &sealed)
        .await
    {
        Ok(record) => {
            let audit = p
                .control()
                .append_audit(
                    &u.user.email,
                    "mfa.passkey_added",
                    None,
                    &json!({ "name": record.name }),
                )
                .await;
            if let Err(e) = audit {
                return AppError::from(e).into_response();
            }
            p.changed();
            let mut res = Json(json!({ "ok": true })).into_response();
            res.headers_mut()
                .append(header::SET_COOKIE, state_cookie(&state, "", 0));
            res
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

fn pre_session_csrf_ok(headers: &HeaderMap) -> bool {
    let submitted = csrf_header(headers).unwrap_or_default();
    crate::auth::pre_session_csrf_ok(headers, submitted)
}

async fn login_begin(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !pre_session_csrf_ok(&headers) {
        return AppError::new(StatusCode::FORBIDDEN, "missing or wrong X-CSRF-Token")
            .into_response();
    }
    match state.platform.passkeys().begin_login() {
        Ok(c) => challenge(&state, c),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Deserialize)]
struct LoginBody {
    next: Option<String>,
    credential: Assertion,
}

async fn login_finish(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if !pre_session_csrf_ok(&headers) {
        return AppError::new(StatusCode::FORBIDDEN, "missing or wrong X-CSRF-Token")
            .into_response();
    }
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return bad_body(e),
    };
    let Some(sealed) = cookie_value(&headers, STATE_COOKIE) else {
        return missing_state();
    };
    let p = &state.platform;
    let user = match p.passkeys().finish_login(&body.credential, &sealed).await {
        Ok(u) => u,
        Err(e) => return error(StatusCode::UNAUTHORIZED, e),
    };
    let ip = client_ip(&headers, connect.map(|c| c.0 .0), p.config().trust_proxy);
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match p
        .identity()
        .login_with_passkey(user, ip.as_deref(), ua.as_deref())
        .await
    {
        Ok(session) => {
            if let Err(e) = end_previous_session(&state, &headers, &session).await {
                return error(StatusCode::INTERNAL_SERVER_ERROR, e);
            }
            let mut res =
                Json(json!({ "redirect": safe_next(body.next.as_deref()) })).into_response();
            res.headers_mut()
                .append(header::SET_COOKIE, session_cookie(p.config(), &session));
            res.headers_mut()
                .append(header::SET_COOKIE, state_cookie(&state, "", 0));
            res
        }
        Err(e) => error(StatusCode::UNAUTHORIZED, e),
    }
}

fn session_csrf_ok(headers: &HeaderMap, s: &AnySession) -> bool {
    csrf_header(headers).is_some_and(|t| {
        tenantry_auth::constant_time_eq(t.as_bytes(), s.session.csrf_token.as_bytes())
    })
}

async fn mfa_begin(State(state): State<AppState>, s: AnySession, headers: HeaderMap) -> Response {
    if !session_csrf_ok(&headers, &s) {
        return AppError::new(StatusCode::FORBIDDEN, "missing or wrong X-CSRF-Token")
            .into_response();
    }
    if s.session.second_factor {
        return AppError::new(StatusCode::CONFLICT, "this session owes no second step")
            .into_response();
    }
    match state
        .platform
        .passkeys()
        .begin_second_factor(s.user.id)
        .await
    {
        Ok(c) => challenge(&state, c),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Deserialize)]
struct MfaBody {
    credential: Assertion,
}

async fn mfa_finish(
    State(state): State<AppState>,
    s: AnySession,
    headers: HeaderMap,
    body: Result<Json<MfaBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if !session_csrf_ok(&headers, &s) {
        return AppError::new(StatusCode::FORBIDDEN, "missing or wrong X-CSRF-Token")
            .into_response();
    }
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return bad_body(e),
    };
    let Some(sealed) = cookie_value(&headers, STATE_COOKIE) else {
        return missing_state();
    };
    let p = &state.platform;
    if let Err(e) = p
        .passkeys()
        .finish_second_factor(s.user.id, &body.credential, &sealed)
        .await
    {
        return error(StatusCode::UNAUTHORIZED, e);
    }
    match p
        .identity()
        .pass_second_factor_with_passkey(&s.session)
        .await
    {
        Ok(session) => {
            let mut res = Json(json!({ "redirect": "/" })).into_response();
            res.headers_mut()
                .append(header::SET_COOKIE, session_cookie(p.config(), &session));
            res.headers_mut()
                .append(header::SET_COOKIE, state_cookie(&state, "", 0));
            res
        }
        Err(e) => error(StatusCode::UNAUTHORIZED, e),
    }
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    passkey: String,
}

async fn remove(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<RemoveForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let p = &state.platform;
    if let Err(e) = p.passkeys().remove(u.user.id, &form.passkey).await {
        return crate::pages::platform_error_page(PlatformError::from(e));
    }
    if let Err(e) = p
        .control()
        .append_audit(&u.user.email, "mfa.passkey_removed", None, &json!({}))
        .await
    {
        return crate::pages::platform_error_page(e.into());
    }
    p.changed();
    Redirect::to("/profile").into_response()
}
