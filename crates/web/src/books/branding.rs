//! The client's branding over the native JSON API, under `/api/v1/settings/branding`: read the
//! brand colour and whether there is a logo, set or clear the colour, upload the logo as a raw
//! `image/jpeg` body, remove it. Every route needs `erp.configure` (the client's admins), reading
//! included. The logo's body may be at most [`MAX_LOGO_BYTES`]: anything longer is refused with
//! 413 before it is read whole.

#![allow(clippy::result_large_err)] // refusals are ready responses; their size does not matter here

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tenantry_domain::books::branding::MAX_LOGO_BYTES;
use tenantry_domain::Permission;
use tenantry_erp::branding::BrandingInfo;
use tenantry_erp::ErpError;
use utoipa::ToSchema;

use super::caller::BooksCaller;
use crate::error::AppError;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/settings/branding",
            get(get_branding).put(set_colour),
        )
        .route(
            "/api/v1/settings/branding/logo",
            put(upload_logo)
                .delete(remove_logo)
                .layer(DefaultBodyLimit::max(MAX_LOGO_BYTES)),
        )
}

/// The branding on the client's documents (the logo's bytes are at `GET /books/brand/logo`).
#[derive(Debug, Serialize, ToSchema)]
pub struct BrandingView {
    /// The chosen colour, `#rrggbb`; null when the default is used.
    colour: Option<String>,
    /// The colour documents use: the chosen one or the default (`#1f6feb`).
    effective_colour: String,
    has_logo: bool,
    logo_width: Option<u32>,
    logo_height: Option<u32>,
    /// Seconds since the Unix epoch of the last change; null when nothing was ever set.
    updated_at: Option<i64>,
}

impl From<BrandingInfo> for BrandingView {
    fn from(b: BrandingInfo) -> Self {
        BrandingView {
            colour: b.colour,
            effective_colour: b.effective_colour,
            has_logo: b.has_logo,
            logo_width: b.logo_width,
            logo_height: b.logo_height,
            updated_at: b.updated_at,
        }
    }
}

/// The brand colour to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ColourBody {
    /// `#rrggbb`; null or blank goes back to the default colour.
    colour: Option<String>,
}

fn answer(r: Result<BrandingInfo, ErpError>) -> Response {
    match r {
        Ok(info) => Json(BrandingView::from(info)).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/settings/branding", tag = "books",
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the brand colour and whether there is a logo (needs erp.configure: admins)", body = BrandingView),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn get_branding(c: BooksCaller) -> Response {
    if let Err(refused) = c.require(Permission::ErpConfigure) {
        return refused;
    }
    answer(c.books.branding_info().await)
}

#[utoipa::path(put, path = "/api/v1/settings/branding", tag = "books", request_body = ColourBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the branding (needs erp.configure: admins)", body = BrandingView),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, description = "the colour is not #rrggbb", body = crate::error::ErrorBody)))]
pub async fn set_colour(c: BooksCaller, b: Result<Json<ColourBody>, JsonRejection>) -> Response {
    if let Err(refused) = c.require(Permission::ErpConfigure) {
        return refused;
    }
    let b = match b {
        Ok(Json(b)) => b,
        Err(e) => return AppError::new(e.status(), e.body_text()).into_response(),
    };
    answer(c.books.set_brand_colour(b.colour.as_deref()).await)
}

#[utoipa::path(put, path = "/api/v1/settings/branding/logo", tag = "books",
    request_body(content = Vec<u8>, content_type = "image/jpeg",
        description = "a baseline or progressive JPEG (greyscale or colour, not CMYK), at most 512 KiB and 4000 pixels a side"),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the branding (needs erp.configure: admins)", body = BrandingView),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 413, description = "the body is over 512 KiB", body = crate::error::ErrorBody),
        (status = 415, description = "the body is not sent as image/jpeg", body = crate::error::ErrorBody),
        (status = 422, description = "not a whole JPEG of an accepted kind and size", body = crate::error::ErrorBody)))]
pub async fn upload_logo(
    c: BooksCaller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(refused) = c.require(Permission::ErpConfigure) {
        return refused;
    }
    let jpeg = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("image/jpeg"));
    if !jpeg {
        return AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the logo as the body with Content-Type: image/jpeg",
        )
        .into_response();
    }
    let bytes = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the logo is over {} KiB", MAX_LOGO_BYTES / 1024),
            )
            .into_response()
        }
        Err(e) => return AppError::new(e.status(), e.body_text()).into_response(),
    };
    answer(c.books.set_logo(&bytes).await)
}

#[utoipa::path(delete, path = "/api/v1/settings/branding/logo", tag = "books",
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the branding, without a logo (needs erp.configure: admins)", body = BrandingView),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn remove_logo(c: BooksCaller) -> Response {
    if let Err(refused) = c.require(Permission::ErpConfigure) {
        return refused;
    }
    answer(c.books.remove_logo().await)
}
