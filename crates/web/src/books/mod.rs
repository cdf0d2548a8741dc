//! The client space's books over HTTP: the native JSON API (`/api/v1`), the ERPNext-compatible
//! surface (`/api/resource`, `/api/method`), and the pages. Handlers are thin: they check the
//! caller's permission through the matrix and call [`tenantry_erp::Books`].

pub mod api;
pub mod branding;
mod caller;
mod feed;
pub mod frappe;
pub mod kinds;
pub mod pages;
mod replies;

use axum::Router;
use tenantry_domain::books::decimal::currency_symbol;
use tenantry_domain::books::Amount;
use tenantry_erp::Books;
use tenantry_store::control::TenantRecord;

use crate::AppState;

pub use self::caller::{today, BooksCaller};
pub use self::feed::recent as recent_documents;

/// Every books route, for the tenant host's router.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(kinds::router())
        .merge(api::router())
        .merge(branding::router())
        .merge(frappe::router())
        .merge(pages::router())
}

/// The figures the portal dashboard shows for a client, read from its own database. `None`
/// (and a logged warning) when its books cannot be read just now: the dashboard still shows the
/// rest.
pub async fn glance(state: &AppState, tenant: &TenantRecord) -> Option<Glance> {
    let read = async {
        let db = state.platform.pools().get(tenant).await?;
        let books = Books::new(db);
        let d = books.dashboard(today()).await?;
        let currency = books.settings().await?.currency;
        Ok::<_, tenantry_platform::PlatformError>((d, currency))
    };
    match read.await {
        Ok((d, currency)) => Some(Glance {
            currency_symbol: currency_symbol(&currency),
            ..Glance::from(d)
        }),
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
    /// The quantity as the page shows it, without needless decimals (the JSON keeps `qty`).
    #[serde(skip)]
    pub qty_shown: String,
    pub net: String,
}

/// The client's business at a glance: sales, what customers owe, recent invoices, best sellers
/// (the last 30 days).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Glance {
    /// The books' currency, for the page (the JSON's amounts are plain decimals).
    #[serde(skip)]
    pub currency_symbol: String,
    pub sales_today: SalesFigure,
    pub sales_7_days: SalesFigure,
    pub sales_30_days: SalesFigure,
    pub receivables_outstanding: String,
    pub receivables_overdue: String,
    pub recent_invoices: Vec<RecentInvoiceView>,
    pub top_items: Vec<TopItemView>,
}

impl Glance {
    /// One of its amounts (an exact decimal) as the page shows money: `£1,234.50`.
    pub fn money(&self, amount: &str) -> String {
        Amount::parse(amount)
            .map(|a| a.with_symbol(&self.currency_symbol))
            .unwrap_or_else(|_| amount.to_owned())
    }
}

impl From<tenantry_erp::reports::Dashboard> for Glance {
    fn from(d: tenantry_erp::reports::Dashboard) -> Self {
        let figure = |s: tenantry_store::books::SalesSum| SalesFigure {
            invoices: s.invoices,
            net: s.net.to_string(),
            gross: s.gross.to_string(),
        };
        Glance {
            currency_symbol: String::new(),
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
                    qty_shown: i.qty.plain(),
                    net: i.net.to_string(),
                })
                .collect(),
        }
    }
}
