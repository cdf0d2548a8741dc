//! A client's front door on its own host.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use tenantry_platform::PlatformError;

use super::services::{service_cards, ServiceCard};
use crate::auth::TenantUser;
use crate::host::CurrentTenant;
use crate::pages::{platform_error_page, render};
use crate::AppState;

pub(super) fn tenant_routes() -> Router<AppState> {
    Router::new().route("/", get(tenant_home))
}

// ---- the tenant host's home ----

#[derive(Template)]
#[template(path = "tenant_home.html")]
struct TenantHome {
    name: String,
    operator: String,
    suspended: bool,
    portal_url: String,
    signed_in: bool,
    user_email: String,
    role: &'static str,
    services: Vec<ServiceCard>,
    /// Whether the caller may open the books.
    books: bool,
    csrf: String,
}

/// A client's front door, branded with the name from the client's own database: the sign-in
/// button for visitors, the services their role opens for members.
async fn tenant_home(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    member: Option<TenantUser>,
) -> Response {
    let p = &state.platform;
    let loaded = async {
        let db = p.pools().get(&tenant).await?;
        let company = db.company().await?;
        Ok::<_, PlatformError>((company, p.operator_name().await?))
    }
    .await;
    let (company, operator) = match loaded {
        Ok(v) => v,
        Err(e) => return platform_error_page(e),
    };
    let mut page = TenantHome {
        name: company.map_or_else(|| tenant.name.to_string(), |c| c.name),
        operator,
        suspended: !tenant.status.accepts_writes(),
        portal_url: p.config().portal_url(),
        signed_in: false,
        user_email: String::new(),
        role: "",
        services: Vec::new(),
        books: false,
        csrf: String::new(),
    };
    if let Some(u) = member {
        page.signed_in = true;
        page.books = u.access.role.can(tenantry_domain::Permission::ErpRead);
        page.user_email = u.user.email.clone();
        page.role = u.access.role.as_str();
        page.services = match service_cards(p, &tenant, u.access.role, str::to_owned).await {
            Ok(s) => s,
            Err(e) => return platform_error_page(e),
        };
        page.csrf = u.session.map(|s| s.csrf_token).unwrap_or_default();
    }
    render(StatusCode::OK, &page)
}
