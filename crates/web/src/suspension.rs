//! The one rule for suspended clients: their space stays readable, and every write is refused
//! with a clear message. Every tenant route passes through here.

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::host::CurrentTenant;

pub async fn refuse_writes_when_suspended(req: Request, next: Next) -> Response {
    // Signing in and out writes nothing of the client's.
    let signing = matches!(
        req.uri().path(),
        "/login" | "/logout" | "/mfa" | "/api/method/login" | "/api/method/logout"
    );
    let read_only =
        signing || matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !read_only {
        if let Some(CurrentTenant(t)) = req.extensions().get::<CurrentTenant>() {
            if !t.status.accepts_writes() {
                return AppError::new(
                    StatusCode::LOCKED,
                    format!(
                        "{} is suspended: its data can be read but not changed. Contact your provider to restore it.",
                        t.name
                    ),
                )
                .into_response();
            }
        }
    }
    next.run(req).await
}
