//! Errors as Frappe answers them, and the caller: refusals in Frappe's shape.

use super::doctypes::Doctype;
use crate::books::caller::BooksCaller;
use crate::error::frappe_status;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Json;
use serde::Serialize;
use tenantry_domain::Permission;
use tenantry_erp::ErpError;

/// Frappe's error body: `exc_type`, `exception`, `exc` (a JSON-encoded list of tracebacks; here
/// the one line naming the exception, never a stack) and `_server_messages` (a JSON-encoded list
/// of JSON-encoded `{"message": …}` objects). Frappe's own Python client raises on `exc`.
pub(super) fn frappe_error(status: StatusCode, exc_type: &str, message: &str) -> Response {
    (status, Json(frappe_body(exc_type, message))).into_response()
}

pub(super) fn frappe_body(exc_type: &str, message: &str) -> serde_json::Value {
    let inner = serde_json::json!({
        "message": message,
        "title": "Message",
        "indicator": "red",
        "raise_exception": 1,
    })
    .to_string();
    let server_messages = serde_json::Value::from(vec![inner]).to_string();
    let exception = format!("frappe.exceptions.{exc_type}: {message}");
    let exc = serde_json::Value::from(vec![exception.clone()]).to_string();
    serde_json::json!({
        "exc_type": exc_type,
        "exception": exception,
        "exc": exc,
        "_server_messages": server_messages,
    })
}

pub(super) fn erp_error(e: ErpError) -> Response {
    let (status, exc_type) = frappe_status(&e);
    if status.is_server_error() {
        tracing::error!(error = %e, "books request failed");
        return frappe_error(
            status,
            exc_type,
            "the server could not complete this request; it has been logged",
        );
    }
    frappe_error(status, exc_type, &e.to_string())
}

pub(super) fn not_permitted(c: &BooksCaller, p: Permission) -> Response {
    frappe_error(
        StatusCode::FORBIDDEN,
        "PermissionError",
        &format!(
            "Not permitted: your role ({}) does not allow this ({})",
            c.user.access.role.as_str(),
            p.as_str()
        ),
    )
}

pub(super) fn need(c: &BooksCaller, p: Permission) -> Result<(), Response> {
    if c.can(p) {
        Ok(())
    } else {
        Err(not_permitted(c, p))
    }
}

pub(super) fn docstatus_error(message: impl Into<String>) -> Response {
    frappe_error(
        StatusCode::EXPECTATION_FAILED,
        "DocstatusTransitionError",
        &message.into(),
    )
}

/// A signed-in caller allowed to read this client's books; refusals in Frappe's shape (401
/// AuthenticationError, 403 PermissionError), keeping the reason and any WWW-Authenticate.
pub struct FrappeCaller(pub(super) BooksCaller);

impl FromRequestParts<AppState> for FrappeCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match BooksCaller::from_request_parts(parts, state).await {
            Ok(c) => Ok(FrappeCaller(c)),
            Err(res) => Err(reshape(res).await),
        }
    }
}

pub(super) async fn reshape(res: Response) -> Response {
    let status = res.status();
    let authenticate = res.headers().get(header::WWW_AUTHENTICATE).cloned();
    let body = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("request refused")
                .to_owned()
        });
    let exc_type = match status {
        StatusCode::UNAUTHORIZED => "AuthenticationError",
        StatusCode::FORBIDDEN => "PermissionError",
        StatusCode::NOT_FOUND => "DoesNotExistError",
        StatusCode::TOO_MANY_REQUESTS => "TooManyRequestsError",
        s if s.is_server_error() => "InternalServerError",
        _ => "ValidationError",
    };
    let mut out = frappe_error(status, exc_type, &message);
    if let Some(v) = authenticate {
        out.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    out
}

/// `{"data": …}`, serialised straight to the body: never through `serde_json::Value`, which would
/// read the exact numbers back as floats.
pub(super) fn data(v: impl Serialize) -> Response {
    #[derive(Serialize)]
    struct Data<T> {
        data: T,
    }
    Json(Data { data: v }).into_response()
}

pub(super) fn doctype_of(name: &str) -> Result<Doctype, Response> {
    Doctype::parse(name).ok_or_else(|| {
        frappe_error(
            StatusCode::NOT_FOUND,
            "DoesNotExistError",
            &format!("DocType {name} not found"),
        )
    })
}
