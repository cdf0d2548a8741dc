//! The one place where errors become HTTP statuses.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tenantry_auth::AuthError;
use tenantry_erp::ErpError;
use tenantry_platform::PlatformError;
use tenantry_store::StoreError;

/// Maps every platform error to its status.
pub fn status_for(e: &PlatformError) -> StatusCode {
    match e {
        PlatformError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        PlatformError::Conflict(_) => StatusCode::CONFLICT,
        PlatformError::NotFound(_) => StatusCode::NOT_FOUND,
        PlatformError::Refused(_) => StatusCode::CONFLICT,
        PlatformError::Store(StoreError::TenantUnavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        PlatformError::Auth(a) => match a {
            AuthError::InvalidCredentials
            | AuthError::InvalidCode
            | AuthError::BadToken
            | AuthError::SsoFailed(_)
            | AuthError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AuthError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            AuthError::WeakPassword(_) | AuthError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AuthError::PasskeyFailed(_) => StatusCode::BAD_REQUEST,
            AuthError::InvitationInvalid => StatusCode::GONE,
            AuthError::Forbidden | AuthError::SecondFactorRequired => StatusCode::FORBIDDEN,
            AuthError::NotFound(_) => StatusCode::NOT_FOUND,
            AuthError::Store(StoreError::TenantUnavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::Store(_) | AuthError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        },
        PlatformError::Books(b) => books_status(b),
        PlatformError::Config(_) | PlatformError::InjectedFailure(_) | PlatformError::Store(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// The books' errors in the native API: 422 for input that breaks a rule, 409 for a duplicate or
/// a document in the wrong state.
pub fn books_status(e: &ErpError) -> StatusCode {
    match e {
        ErpError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ErpError::NotFound(_) => StatusCode::NOT_FOUND,
        ErpError::Duplicate(_) | ErpError::State(_) => StatusCode::CONFLICT,
        ErpError::Store(StoreError::TenantUnavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        ErpError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The books' errors as ERPNext reports them: its status and `exc_type`, so that a Frappe
/// client reacts as it would to ERPNext (417 validation, 404 DoesNotExistError, 409
/// DuplicateEntryError).
pub fn frappe_status(e: &ErpError) -> (StatusCode, &'static str) {
    match e {
        ErpError::Invalid(_) => (StatusCode::EXPECTATION_FAILED, "ValidationError"),
        ErpError::State(_) => (StatusCode::EXPECTATION_FAILED, "DocstatusTransitionError"),
        ErpError::NotFound(_) => (StatusCode::NOT_FOUND, "DoesNotExistError"),
        ErpError::Duplicate(_) => (StatusCode::CONFLICT, "DuplicateEntryError"),
        ErpError::Store(StoreError::TenantUnavailable(_)) => {
            (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable")
        }
        ErpError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError"),
    }
}

/// An error on its way to the client, as JSON (`{"error": "...", "status": 404}`). Server-side
/// failures are logged in full and answered with a generic message.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub message: String,
}

impl AppError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl From<PlatformError> for AppError {
    fn from(e: PlatformError) -> Self {
        let status = status_for(&e);
        if status.is_server_error() {
            tracing::error!(error = %e, "request failed");
            return Self::new(
                status,
                "the server could not complete this request; it has been logged",
            );
        }
        Self::new(status, e.to_string())
    }
}

impl From<ErpError> for AppError {
    fn from(e: ErpError) -> Self {
        PlatformError::from(e).into()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        PlatformError::from(e).into()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message, "status": self.status.as_u16() });
        (self.status, Json(body)).into_response()
    }
}

/// Every error under `/api/`, as the API document describes it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: String,
    status: u16,
}
