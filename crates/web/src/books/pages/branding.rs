//! The branding part of the books' settings page: the brand colour, the logo upload
//! (`multipart/form-data`, at most [`UPLOAD_LIMIT`] a request) and removing the logo. Only those
//! who may change the books' settings (`erp.configure`: the client's admins) see the forms; the
//! handlers check the form's CSRF field, then the permission, before changing anything.

use axum::extract::{DefaultBodyLimit, Form, Multipart};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use tenantry_domain::books::branding::MAX_LOGO_BYTES;
use tenantry_domain::Permission;

use super::form_data::FormData;
use super::frame::{check_csrf, fail, refused, see, Page};
use super::settings::{settings_page_of, settings_values, SettingsPage};
use crate::books::caller::BooksCaller;
use crate::pages::{error_response, render};
use crate::AppState;

/// The largest logo upload request (the form's other fields and its boundaries included); the
/// logo itself may be at most [`MAX_LOGO_BYTES`].
pub(crate) const UPLOAD_LIMIT: usize = 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/books/settings/colour", post(save_colour))
        .route(
            "/books/settings/logo",
            post(upload_logo).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/books/settings/logo/remove", post(remove_logo))
}

/// The settings page with a branding form's refusal beside it, the settings as stored.
async fn with_brand_error(c: &BooksCaller, status: StatusCode, message: String) -> Page {
    let s = c.books.settings().await.map_err(fail)?;
    let page = settings_page_of(c, &settings_values(&s), None).await?;
    Ok(render(
        status,
        &SettingsPage {
            brand_error: Some(message),
            ..page
        },
    ))
}

async fn save_colour(c: BooksCaller, Form(f): Form<Vec<(String, String)>>) -> Page {
    let f = FormData(f);
    check_csrf(&c, &f)?;
    c.require(Permission::ErpConfigure)?;
    let colour = if f.has("reset") {
        None
    } else if f.get("colour").trim().is_empty() {
        return with_brand_error(
            &c,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a colour (#rrggbb), or use the default colour.".into(),
        )
        .await;
    } else {
        Some(f.get("colour"))
    };
    match refused(c.books.set_brand_colour(colour).await)? {
        Ok(_) => Ok(see("/books/settings?saved=colour#branding")),
        Err((status, message)) => with_brand_error(&c, status, message).await,
    }
}

async fn remove_logo(c: BooksCaller, Form(f): Form<Vec<(String, String)>>) -> Page {
    let f = FormData(f);
    check_csrf(&c, &f)?;
    c.require(Permission::ErpConfigure)?;
    c.books.remove_logo().await.map_err(fail)?;
    Ok(see("/books/settings?saved=logo-removed#branding"))
}

/// What an upload form carried: its CSRF field and the file, if any.
struct Upload {
    csrf: String,
    logo: Option<Vec<u8>>,
}

/// Reads the whole form (at most [`UPLOAD_LIMIT`]): 413 past the limit, 400 for a malformed
/// body.
async fn read_upload(mut m: Multipart) -> Result<Upload, (StatusCode, String)> {
    let mut upload = Upload {
        csrf: String::new(),
        logo: None,
    };
    let refusal = |e: axum::extract::multipart::MultipartError| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            (
                status,
                format!(
                    "The logo is too large: at most {} KiB is accepted.",
                    MAX_LOGO_BYTES / 1024
                ),
            )
        } else {
            (
                status,
                format!("The upload could not be read: {}", e.body_text()),
            )
        }
    };
    while let Some(field) = m.next_field().await.map_err(refusal)? {
        match field.name() {
            Some("csrf") => upload.csrf = field.text().await.map_err(refusal)?,
            Some("logo") => {
                let bytes = field.bytes().await.map_err(refusal)?;
                if !bytes.is_empty() {
                    upload.logo = Some(bytes.to_vec());
                }
            }
            _ => {
                // Other fields are read and dropped.
                field.bytes().await.map_err(refusal)?;
            }
        }
    }
    Ok(upload)
}

async fn upload_logo(
    c: BooksCaller,
    m: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Page {
    let m = match m {
        Ok(m) => m,
        Err(e) => {
            return Err(error_response(
                e.status(),
                "This cannot be done",
                "Send the logo with the upload form (multipart/form-data).",
            ))
        }
    };
    let upload = read_upload(m).await;
    // The CSRF field is checked before anything else; a form cut off by the size limit carries
    // none that can be trusted, so a session's upload past the limit is refused as such only
    // once the caller has shown the right to upload at all.
    let upload = match upload {
        Ok(u) => u,
        Err((status, message)) => {
            c.require(Permission::ErpConfigure)?;
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                return with_brand_error(&c, status, message).await;
            }
            return Err(error_response(status, "This cannot be done", &message));
        }
    };
    let mut form = FormData::default();
    form.push("csrf", upload.csrf);
    check_csrf(&c, &form)?;
    c.require(Permission::ErpConfigure)?;
    let Some(logo) = upload.logo else {
        return with_brand_error(
            &c,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a JPEG file to upload.".into(),
        )
        .await;
    };
    if logo.len() > MAX_LOGO_BYTES {
        return with_brand_error(
            &c,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The logo is {} KiB: at most {} KiB is accepted.",
                logo.len().div_ceil(1024),
                MAX_LOGO_BYTES / 1024
            ),
        )
        .await;
    }
    match refused(c.books.set_logo(&logo).await)? {
        Ok(_) => Ok(see("/books/settings?saved=logo#branding")),
        Err((status, message)) => with_brand_error(&c, status, message).await,
    }
}
