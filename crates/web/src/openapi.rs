//! The OpenAPI document of the JSON API, generated from the handlers' annotations and served at
//! `/api/openapi.json` on every host.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{api, api_user, books, sso};

#[derive(OpenApi)]
#[openapi(
    info(title = "Tenantry", description = "The portal's and the client spaces' JSON API, the client spaces' books, and their ERPNext-compatible surface."),
    paths(
        api::ping,
        api_user::profile,
        api_user::clients,
        api_user::select_client,
        api_user::summary,
        api_user::activity,
        api_user::notifications,
        api_user::notifications_read,
        api_user::jwks,
        api_user::openid_configuration,
        api_user::logged_user,
        sso::start_api,
        sso::callback,
        sso::logout,
        books::api::item_by_barcode,
        books::api::trial_balance,
        books::api::profit_and_loss,
        books::api::balance_sheet,
        books::api::general_ledger,
        books::api::receivables_ageing,
        books::api::payables_ageing,
        books::api::stock_balance,
        books::api::sales_by_day,
        books::api::sales_by_item,
        books::api::vat_return,
        books::api::get_settings,
        books::api::update_settings,
        books::branding::get_branding,
        books::branding::set_colour,
        books::branding::upload_logo,
        books::branding::remove_logo,
        books::frappe::list,
        books::frappe::read,
        books::frappe::create,
        books::frappe::update,
        books::frappe::login,
        books::frappe::logout,
    ),
    modifiers(&Credentials),
    tags(
        (name = "portal", description = "portal.<base domain>: the signed-in user, client selection, dashboard"),
        (name = "tokens", description = "verifying client-scoped tokens"),
        (name = "single sign-on", description = "OpenID Connect sign-in"),
        (name = "client space", description = "<subdomain>.<base domain> or a client's own domain"),
        (name = "books", description = "<client host>/api/v1: the client's books — master data, documents (draft → submitted → cancelled) and reports"),
        (name = "erpnext", description = "<client host>: the ERPNext-compatible surface (/api/resource/<DocType>, /api/method/login) for existing Frappe integrations"),
        (name = "common", description = "every known host"),
    )
)]
pub struct ApiDoc;

/// The three ways to present a credential.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("tenantry_session"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`token <key>:<secret>`, as Frappe clients send it",
            ))),
        );
    }
}

/// The document: the annotated handlers, and every declared document kind's endpoints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    books::kinds::describe(&mut doc);
    doc
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    static DOCUMENT: std::sync::LazyLock<utoipa::openapi::OpenApi> =
        std::sync::LazyLock::new(openapi);
    Json(DOCUMENT.clone())
}
