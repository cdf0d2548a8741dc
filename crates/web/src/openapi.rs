//! The OpenAPI document of the JSON API, generated from the handlers' annotations and served at
//! `/api/openapi.json` on every host.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{api, api_user, sso};

#[derive(OpenApi)]
#[openapi(
    info(title = "Tenantry", description = "The portal's and the client spaces' JSON API."),
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
    ),
    modifiers(&Credentials),
    tags(
        (name = "portal", description = "portal.<base domain>: the signed-in user, client selection, dashboard"),
        (name = "tokens", description = "verifying client-scoped tokens"),
        (name = "single sign-on", description = "OpenID Connect sign-in"),
        (name = "client space", description = "<subdomain>.<base domain> or a client's own domain"),
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

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
