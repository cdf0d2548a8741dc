//! Frappe's sign-in and sign-out on a client's host.

use super::body::read_body;
use super::errors::erp_error;
use super::errors::frappe_body;
use super::errors::frappe_error;
use super::errors::reshape;
use super::json::text_of;
use super::json::J;
use crate::host::CurrentTenant;
use crate::AppState;
use axum::extract::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::extract::Request;
use axum::extract::State;
use axum::http::header;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Extension;
use axum::Json;
use std::net::SocketAddr;
use tenantry_auth::AuthError;
use tenantry_auth::LoginOutcome;
use tenantry_auth::LoginRequest;

/// Frappe's sign-in: a session on this client's host, as the sign-in page would start.
#[utoipa::path(post, path = "/api/method/login", tag = "erpnext",
    request_body(content = Object, description = "`usr` and `pwd`, as a form or JSON"),
    responses((status = 200, description = "`{\"message\": \"Logged In\", \"home_page\": \"/app\", \"full_name\": …}` and a session cookie", body = Object),
        (status = 401, description = "`{\"message\": \"Invalid login credentials\", \"exc_type\": \"AuthenticationError\"}`; also when the account needs a second factor (sign in through the browser, or use an API key)", body = Object),
        (status = 403, description = "PermissionError: the account has no access to this client", body = Object),
        (status = 429, description = "TooManyRequestsError: too many failed attempts", body = Object)))]
pub async fn login(
    State(state): State<AppState>,
    tenant: Option<Extension<CurrentTenant>>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    if let Some(r) = cross_site(&headers) {
        return r;
    }
    let Some(Extension(CurrentTenant(tenant))) = tenant else {
        return frappe_error(StatusCode::NOT_FOUND, "DoesNotExistError", "no client here");
    };
    let (usr, pwd) = match read_body(&state, req).await {
        Ok(J::Obj(mut m)) => (
            text_of("usr", m.remove("usr").unwrap_or(J::Null)),
            text_of("pwd", m.remove("pwd").unwrap_or(J::Null)),
        ),
        Ok(_) => (Ok(None), Ok(None)),
        Err(e) => return erp_error(e),
    };
    let (Ok(Some(usr)), Ok(Some(pwd))) = (usr, pwd) else {
        return frappe_error(
            StatusCode::EXPECTATION_FAILED,
            "ValidationError",
            "send usr and pwd",
        );
    };
    let config = state.platform.config();
    let ip = crate::auth::client_ip(&headers, connect.map(|c| c.0 .0), config.trust_proxy);
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let identity = state.platform.identity();
    let outcome = identity
        .login(LoginRequest {
            email: &usr,
            password: &pwd,
            remember: false,
            ip: ip.as_deref(),
            user_agent: ua.as_deref(),
            tenant: Some(tenant.id),
        })
        .await;
    match outcome {
        Ok(LoginOutcome::Done(session)) => {
            let user = identity.user(session.record.user_id).await.ok();
            let full_name = user
                .as_ref()
                .and_then(|u| u.display_name.clone())
                .unwrap_or_else(|| usr.trim().to_owned());
            let mut res = Json(serde_json::json!({
                "message": "Logged In",
                "home_page": "/app",
                "full_name": full_name,
                // Send it back as X-Frappe-CSRF-Token (or X-CSRF-Token) with writes made with
                // this session's cookie.
                "csrf_token": session.record.csrf_token,
            }))
            .into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                crate::auth::session_cookie(config, &session),
            );
            res
        }
        Ok(LoginOutcome::SecondFactor(session)) => {
            // The password was right but a second factor is owed, which this method cannot
            // take: the half-made session is ended, never handed out.
            if let Err(e) = identity.logout(&session.record).await {
                tracing::warn!(error = %e, "ending a session that owed a second factor failed");
            }
            frappe_error(
                StatusCode::UNAUTHORIZED,
                "AuthenticationError",
                "This account signs in with a second factor: sign in through the browser, or use an API key (Authorization: token key:secret)",
            )
        }
        Err(AuthError::InvalidCredentials) => {
            let mut body = frappe_body("AuthenticationError", "Invalid login credentials");
            body["message"] = "Invalid login credentials".into();
            (StatusCode::UNAUTHORIZED, Json(body)).into_response()
        }
        Err(AuthError::Forbidden) => frappe_error(
            StatusCode::FORBIDDEN,
            "PermissionError",
            "Your account has no access to this business",
        ),
        Err(e @ AuthError::Throttled { .. }) => frappe_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsError",
            &format!("Too many failed attempts: {e}"),
        ),
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            frappe_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "the server could not complete this request; it has been logged",
            )
        }
    }
}

/// A browser posting from another site (an `Origin` that is not this host) is refused: nobody
/// is signed in to an account they did not choose.
pub(super) fn cross_site(headers: &HeaderMap) -> Option<Response> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
    if origin_host.eq_ignore_ascii_case(host) {
        return None;
    }
    Some(frappe_error(
        StatusCode::FORBIDDEN,
        "PermissionError",
        "sign-in from another site is refused",
    ))
}

/// Frappe's sign-out: ends this session.
#[utoipa::path(post, path = "/api/method/logout", tag = "erpnext",
    security(("session" = [])),
    responses((status = 200, description = "`{}` and the session cookie cleared", body = Object),
        (status = 401, description = "AuthenticationError: no session", body = Object)))]
pub async fn logout(State(state): State<AppState>, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    let s = match crate::auth::AnySession::from_request_parts(&mut parts, &state).await {
        Ok(s) => s,
        Err(r) => return reshape(r).await,
    };
    if let Err(e) = state.platform.identity().logout(&s.session).await {
        tracing::error!(error = %e, "sign-out failed");
        return frappe_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "the server could not complete this request; it has been logged",
        );
    }
    let mut res = Json(serde_json::json!({})).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::auth::clear_session_cookie(state.platform.config()),
    );
    res
}
