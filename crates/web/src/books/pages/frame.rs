//! What every books page has: the frame (whose books, who is looking), the error page, the
//! refusal shown beside a form, the CSRF check and the redirect after a write.

use std::borrow::Borrow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tenantry_domain::books::decimal::currency_symbol;
use tenantry_domain::books::Amount;
use tenantry_domain::Permission;
use tenantry_erp::ErpError;

use super::form_data::FormData;
use crate::books::caller::BooksCaller;
use crate::error::books_status;
use crate::pages::error_response;

/// What a page handler answers: the page, or a ready refusal.
pub(crate) type Page = Result<Response, Response>;

/// The frame of every books page: whose books, who is looking, what their role opens.
pub(crate) struct Layout {
    pub company: String,
    pub user_email: String,
    pub role: &'static str,
    pub csrf: String,
    pub can_reports: bool,
    pub suspended: bool,
    pub section: &'static str,
    /// The books' currency: its symbol before amounts.
    pub currency_symbol: String,
}

impl Layout {
    pub async fn load(c: &BooksCaller, section: &'static str) -> Result<Layout, Response> {
        let settings = c.books.settings().await.map_err(fail)?;
        Ok(Layout {
            company: settings.name,
            user_email: c.user.user.email.clone(),
            role: c.user.access.role.as_str(),
            csrf: c
                .user
                .session
                .as_ref()
                .map(|s| s.csrf_token.clone())
                .unwrap_or_default(),
            can_reports: c.can(Permission::ErpReports),
            suspended: !c.tenant.status.accepts_writes(),
            section,
            currency_symbol: currency_symbol(&settings.currency),
        })
    }

    /// An amount in the books' currency: `£1,234.50`.
    pub fn money(&self, a: impl Borrow<Amount>) -> String {
        a.borrow().with_symbol(&self.currency_symbol)
    }
}

/// A books error as a page: its message for what the caller can fix, a generic one (and the
/// log) for the server's own failures.
pub(crate) fn fail(e: ErpError) -> Response {
    let status = books_status(&e);
    if status.is_server_error() {
        tracing::error!(error = %e, "books page failed");
        return error_response(
            status,
            "Something went wrong",
            "The server could not show this page; the problem has been logged.",
        );
    }
    let heading = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::CONFLICT => "Not possible now",
        _ => "This cannot be done",
    };
    error_response(status, heading, &e.to_string())
}

/// Why a form was refused, to show beside it: the status and message for input the caller can
/// correct, or the error page for the server's own failures.
pub(crate) fn refusal(e: ErpError) -> Result<(StatusCode, String), Response> {
    let status = books_status(&e);
    if status.is_server_error() {
        return Err(fail(e));
    }
    Ok((status, e.to_string()))
}

/// Why a write was refused: the status and the message to show beside the form.
pub(crate) type Refused = (StatusCode, String);

/// A write's result as the form handlers use it: what was written, or why not (input the caller
/// can correct); the server's own failures are the error page.
pub(crate) fn refused<T>(r: Result<T, ErpError>) -> Result<Result<T, Refused>, Response> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) => refusal(e).map(Err),
    }
}

/// Refuses a form whose CSRF field does not match the session's. Token and API-key callers
/// carry no ambient credential and need none.
pub(crate) fn check_csrf(c: &BooksCaller, form: &FormData) -> Result<(), Response> {
    match &c.user.session {
        Some(session) => match crate::auth::csrf_refusal(session, form.get("csrf")) {
            Some(refused) => Err(refused),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// After a successful form: to the page of what was written.
pub(crate) fn see(href: &str) -> Response {
    Redirect::to(href).into_response()
}
