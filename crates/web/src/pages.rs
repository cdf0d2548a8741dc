//! What every surface's pages share: rendering a template, the error pages, the stylesheet and
//! scripts, and times as pages show them.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tenantry_platform::PlatformError;

use crate::error::status_for;

/// The browser side of passkeys: a plain ES module, no build step.
pub async fn passkeys_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/passkeys.js"),
    )
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

/// The icon in the browser's tab: one small SVG for every page (and for `/favicon.ico`, which
/// browsers ask for by themselves).
pub async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../assets/icon.svg"),
    )
}

/// A time as pages show it: to the minute, in UTC.
pub(crate) fn display_time(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

/// A Unix time (seconds) as pages show it.
pub(crate) fn display_unix(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(display_time)
        .unwrap_or_default()
}

pub(crate) fn render(status: StatusCode, page: &impl Template) -> Response {
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

pub(crate) fn error_response(status: StatusCode, heading: &str, message: &str) -> Response {
    render(
        status,
        &ErrorPage {
            status: status.as_u16(),
            heading,
            message,
        },
    )
}

pub(crate) fn platform_error_page(e: PlatformError) -> Response {
    let status = status_for(&e);
    if status.is_server_error() {
        tracing::error!(error = %e, "page failed");
        return error_response(
            status,
            "Something went wrong",
            "The server could not show this page; the problem has been logged.",
        );
    }
    error_response(status, "This cannot be shown", &e.to_string())
}

/// A host that is neither the platform's nor a served client's.
pub fn unknown_host(path: &str) -> Response {
    if path.starts_with("/api/") {
        return crate::AppError::new(StatusCode::NOT_FOUND, "no such site").into_response();
    }
    error_response(
        StatusCode::NOT_FOUND,
        "No such site",
        "Nothing is hosted at this address. Check the address, or ask your provider for the right one.",
    )
}

pub(crate) async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::AppError::new(StatusCode::NOT_FOUND, "no such endpoint").into_response();
    }
    error_response(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
    )
}
