//! The client space's books over HTTP: the native JSON API (`/api/v1`), the ERPNext-compatible
//! surface (`/api/resource`, `/api/method`), and the pages. Handlers are thin: they check the
//! caller's permission through the matrix and call [`tenantry_erp::Books`].

pub mod api;
pub mod branding;
pub mod frappe;
pub mod kinds;
pub mod pages;
mod replies;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tenantry_domain::Permission;
use tenantry_erp::Books;
use tenantry_store::control::TenantRecord;
use time::Date;

use crate::auth::{forbidden, TenantUser};
use crate::error::AppError;
use crate::host::CurrentTenant;
use crate::AppState;

/// Every books route, for the tenant host's router.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(kinds::router())
        .merge(api::router())
        .merge(branding::router())
        .merge(frappe::router())
        .merge(pages::router())
}

/// A caller allowed to read this client's books, with the books opened on its database.
pub struct BooksCaller {
    pub user: TenantUser,
    pub tenant: TenantRecord,
    pub books: Books,
    /// Whether refusals should be pages (a browser) rather than JSON.
    wants_page: bool,
}

impl FromRequestParts<AppState> for BooksCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = TenantUser::from_request_parts(parts, state).await?;
        if !user.access.role.can(Permission::ErpRead) {
            return Err(forbidden(parts));
        }
        let Some(CurrentTenant(tenant)) = parts.extensions.get::<CurrentTenant>().cloned() else {
            return Err(forbidden(parts));
        };
        let db = state
            .platform
            .pools()
            .get(&tenant)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        Ok(BooksCaller {
            user,
            tenant,
            books: Books::new(db),
            wants_page: !crate::auth::wants_json(parts),
        })
    }
}

impl BooksCaller {
    /// Refuses (403) unless the caller's role holds `permission`. The refusal is the response
    /// itself, so that handlers answer it with `?`.
    #[allow(clippy::result_large_err)]
    pub fn require(&self, permission: Permission) -> Result<(), Response> {
        if self.user.access.role.can(permission) {
            return Ok(());
        }
        let message = format!(
            "your role ({}) does not allow this ({})",
            self.user.access.role.as_str(),
            permission.as_str()
        );
        if self.wants_page {
            return Err(crate::pages::error_response(
                axum::http::StatusCode::FORBIDDEN,
                "Not allowed",
                &message,
            ));
        }
        Err(AppError::new(axum::http::StatusCode::FORBIDDEN, message).into_response())
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.user.access.role.can(permission)
    }

    /// Who is recorded as a document's author.
    pub fn author(&self) -> &str {
        self.user.user.email.as_str()
    }
}

/// The figures the portal dashboard shows for a client, read from its own database. `None`
/// (and a logged warning) when its books cannot be read just now: the dashboard still shows the
/// rest.
pub async fn glance(state: &AppState, tenant: &TenantRecord) -> Option<Glance> {
    let read = async {
        let db = state.platform.pools().get(tenant).await?;
        let d = Books::new(db).dashboard(today()).await?;
        Ok::<_, tenantry_platform::PlatformError>(d)
    };
    match read.await {
        Ok(d) => Some(Glance::from(d)),
        Err(e) => {
            tracing::warn!(tenant = %tenant.subdomain.as_str(), error = %e, "dashboard figures unavailable");
            None
        }
    }
}

/// A span's sales in one figure, amounts as exact decimal strings.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SalesFigure {
    pub invoices: i64,
    pub net: String,
    pub gross: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RecentInvoiceView {
    pub name: String,
    pub customer: String,
    pub posting_date: String,
    pub grand_total: String,
    pub outstanding: String,
    pub status: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TopItemView {
    pub item_code: String,
    pub item_name: String,
    pub qty: String,
    pub net: String,
}

/// The client's business at a glance: sales, what customers owe, recent invoices, best sellers
/// (the last 30 days).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Glance {
    pub sales_today: SalesFigure,
    pub sales_7_days: SalesFigure,
    pub sales_30_days: SalesFigure,
    pub receivables_outstanding: String,
    pub receivables_overdue: String,
    pub recent_invoices: Vec<RecentInvoiceView>,
    pub top_items: Vec<TopItemView>,
}

impl From<tenantry_erp::reports::Dashboard> for Glance {
    fn from(d: tenantry_erp::reports::Dashboard) -> Self {
        let figure = |s: tenantry_store::books::SalesSum| SalesFigure {
            invoices: s.invoices,
            net: s.net.to_string(),
            gross: s.gross.to_string(),
        };
        Glance {
            sales_today: figure(d.sales_today),
            sales_7_days: figure(d.sales_7_days),
            sales_30_days: figure(d.sales_30_days),
            receivables_outstanding: d.receivables_outstanding.to_string(),
            receivables_overdue: d.receivables_overdue.to_string(),
            recent_invoices: d
                .recent_invoices
                .into_iter()
                .map(|i| RecentInvoiceView {
                    name: i.name,
                    customer: i.customer,
                    posting_date: i.posting_date.to_string(),
                    grand_total: i.grand_total.to_string(),
                    outstanding: i.outstanding.to_string(),
                    status: i.status.label().to_owned(),
                })
                .collect(),
            top_items: d
                .top_items
                .into_iter()
                .map(|i| TopItemView {
                    item_code: i.item_code,
                    item_name: i.item_name,
                    qty: i.qty.to_string(),
                    net: i.net.to_string(),
                })
                .collect(),
        }
    }
}

/// Today in UTC: the default posting date and the day statuses and ageing are worked out for.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}
