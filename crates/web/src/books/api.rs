//! The native JSON API's routes that are not document kinds (those are declared in
//! [`super::kinds`]): reports (JSON, or CSV with `?format=csv`), the books' settings, and the
//! item a barcode names.
//!
//! Money and quantities travel as decimal strings (`"12.50"`, `"2.000"`); numbers are accepted
//! on input too.

#![allow(clippy::result_large_err)] // refusals are ready responses; their size does not matter here

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tenantry_domain::books::{InvoiceKind, VatRounding};
use tenantry_domain::Permission;
use tenantry_erp::reports::{self, Period, Table};
use tenantry_erp::settings::SettingsInput;
use tenantry_erp::ErpError;
use tenantry_store::books::{BookSettings, LedgerQuery, PartyKind};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::caller::{today, BooksCaller};
use super::kinds::{with_barcodes, ItemOut};
use super::replies::{body, erp, ok, query, respond, unprocessable, Res};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/items/barcode/{barcode}", get(item_by_barcode))
        .route("/api/v1/reports/trial-balance", get(trial_balance))
        .route("/api/v1/reports/profit-and-loss", get(profit_and_loss))
        .route("/api/v1/reports/balance-sheet", get(balance_sheet))
        .route("/api/v1/reports/general-ledger", get(general_ledger))
        .route(
            "/api/v1/reports/receivables-ageing",
            get(receivables_ageing),
        )
        .route("/api/v1/reports/payables-ageing", get(payables_ageing))
        .route("/api/v1/reports/stock-balance", get(stock_balance))
        .route("/api/v1/reports/sales-by-day", get(sales_by_day))
        .route("/api/v1/reports/sales-by-item", get(sales_by_item))
        .route("/api/v1/reports/vat-return", get(vat_return))
        .route("/api/v1/settings", get(get_settings).put(update_settings))
}

fn answer<T: Serialize>(r: Result<T, ErpError>) -> Res {
    ok(r.map_err(erp)?)
}

/// The books' settings an admin may change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    #[serde(default)]
    address: String,
    #[serde(default)]
    tax_id: String,
    /// `per_line` or `per_invoice`.
    #[schema(value_type = String)]
    vat_rounding: VatRounding,
    #[serde(default)]
    allow_negative_stock: bool,
}

// ---- items by barcode ----

#[utoipa::path(get, path = "/api/v1/items/barcode/{barcode}", tag = "books",
    params(("barcode" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the item carrying this barcode", body = ItemOut),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn item_by_barcode(c: BooksCaller, Path(barcode): Path<String>) -> Response {
    respond(
        async {
            let item = c.books.item_by_barcode(&barcode).await.map_err(erp)?;
            ok(with_barcodes(&c.books, item).await.map_err(erp)?)
        }
        .await,
    )
}

// ---- reports ----

/// A report over a period; JSON, or CSV with `format=csv`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// YYYY-MM-DD; the start of the fiscal year holding `to` when absent.
    from: Option<String>,
    /// YYYY-MM-DD; today when absent.
    to: Option<String>,
    /// `json` (when absent) or `csv`.
    format: Option<String>,
}

/// The balance sheet at a day.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtParams {
    /// YYYY-MM-DD: the day whose closing balances are shown, beside the same day a year
    /// earlier; today when absent.
    at: Option<String>,
    /// The same as `at`, for callers that ask for the end of a period.
    to: Option<String>,
    /// `json` (when absent) or `csv`.
    format: Option<String>,
}

/// Receivables or payables ageing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgeingParams {
    /// YYYY-MM-DD; today when absent.
    as_of: Option<String>,
    /// `json` or `csv`.
    format: Option<String>,
}

/// The general ledger: by account, party, voucher and dates.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerParams {
    /// The account's name or number.
    account: Option<String>,
    /// A customer's or supplier's name.
    party: Option<String>,
    /// `customer` or `supplier`: which party is meant when a name is both.
    party_type: Option<String>,
    voucher_no: Option<String>,
    /// YYYY-MM-DD: lines before it make the opening balance.
    from: Option<String>,
    to: Option<String>,
    /// 500 when absent, at most 10,000.
    limit: Option<i64>,
    offset: Option<i64>,
    /// `json` or `csv`.
    format: Option<String>,
}

/// Only the format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParams {
    /// `json` or `csv`.
    format: Option<String>,
}

fn parse_date(field: &str, v: Option<&str>) -> Result<Option<Date>, Response> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(t) => Date::parse(t, &time::format_description::well_known::Iso8601::DATE)
            .map(Some)
            .map_err(|_| unprocessable(format!("{field} must be a date as YYYY-MM-DD"))),
    }
}

async fn period(c: &BooksCaller, from: Option<&str>, to: Option<&str>) -> Result<Period, Response> {
    let to = parse_date("to", to)?.unwrap_or_else(today);
    let from = match parse_date("from", from)? {
        Some(f) => f,
        None => c
            .books
            .fiscal_years()
            .await
            .map_err(erp)?
            .into_iter()
            .find(|y| y.start_date <= to && to <= y.end_date)
            .map_or_else(
                || Date::from_ordinal_date(to.year(), 1).unwrap_or(to),
                |y| y.start_date,
            ),
    };
    Period::new(from, to).map_err(erp)
}

/// Whether CSV is asked for.
fn wants_csv(format: Option<&str>) -> Result<bool, Response> {
    match format.map(str::trim) {
        None | Some("") | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(unprocessable(format!(
            "format must be json or csv, not {other:?}"
        ))),
    }
}

/// A report as JSON, or its table as CSV.
fn report(csv: bool, file: &str, json: impl Serialize, table: impl FnOnce() -> Table) -> Res {
    if !csv {
        return ok(json);
    }
    let text = table().to_csv().map_err(erp)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.csv\""),
            ),
        ],
        text,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/reports/trial-balance", tag = "books", params(PeriodParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "every account's opening, debits, credits and closing over the period (needs erp.reports); text/csv with format=csv", body = Object),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn trial_balance(
    c: BooksCaller,
    q: Result<Query<PeriodParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpReports)?;
            let q = query(q)?;
            let csv = wants_csv(q.format.as_deref())?;
            let p = period(&c, q.from.as_deref(), q.to.as_deref()).await?;
            let r = c.books.trial_balance(p).await.map_err(erp)?;
            report(csv, "trial-balance", &r, || r.table())
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/reports/profit-and-loss", tag = "books", params(PeriodParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "income and expenses over the period beside the same days a year earlier (needs erp.reports)", body = Object),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn profit_and_loss(
    c: BooksCaller,
    q: Result<Query<PeriodParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpReports)?;
            let q = query(q)?;
            let csv = wants_csv(q.format.as_deref())?;
            let p = period(&c, q.from.as_deref(), q.to.as_deref()).await?;
            let r = c.books.profit_and_loss(p).await.map_err(erp)?;
            report(csv, "profit-and-loss", &r, || r.table())
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/reports/balance-sheet", tag = "books", params(AtParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "assets, liabilities and equity at the end of a day beside the same day a year earlier (needs erp.reports)", body = Object),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn balance_sheet(c: BooksCaller, q: Result<Query<AtParams>, QueryRejection>) -> Response {
    respond(
        async {
            c.require(Permission::ErpReports)?;
            let q = query(q)?;
            let csv = wants_csv(q.format.as_deref())?;
            let at = match parse_date("at", q.at.as_deref())? {
                Some(d) => d,
                None => parse_date("to", q.to.as_deref())?.unwrap_or_else(today),
            };
            let r = c.books.balance_sheet(at).await.map_err(erp)?;
            report(csv, "balance-sheet", &r, || r.table())
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/reports/general-ledger", tag = "books", params(LedgerParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "ledger lines with a running balance from the opening figure (needs erp.reports)", body = Object),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, description = "an unknown account or party, a bad date", body = crate::error::ErrorBody)))]
pub async fn general_ledger(
    c: BooksCaller,
    q: Result<Query<LedgerParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpReports)?;
            let q = query(q)?;
            let csv = wants_csv(q.format.as_deref())?;
            let unknown = |e: ErpError| match e {
                ErpError::NotFound(what) => unprocessable(format!("{what} does not exist")),
                other => erp(other),
            };
            let mut lq = LedgerQuery {
                from: parse_date("from", q.from.as_deref())?,
                to: parse_date("to", q.to.as_deref())?,
                voucher_no: q.voucher_no.filter(|v| !v.trim().is_empty()),
                limit: q.limit.unwrap_or(500),
                offset: q.offset.unwrap_or(0),
                ..LedgerQuery::default()
            };
            if !(1..=10_000).contains(&lq.limit) || lq.offset < 0 {
                return Err(unprocessable(
                    "limit must be between 1 and 10000 and offset not negative",
                ));
            }
            if let Some(a) = q.account.as_deref().filter(|a| !a.trim().is_empty()) {
                lq.account_id = Some(c.books.account(a).await.map_err(unknown)?.id);
            }
            if let Some(name) = q.party.as_deref().filter(|p| !p.trim().is_empty()) {
                let kind = match q
                    .party_type
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref()
                {
                    Some("customer") => Some(PartyKind::Customer),
                    Some("supplier") => Some(PartyKind::Supplier),
                    None | Some("") => None,
                    Some(other) => {
                        return Err(unprocessable(format!(
                            "party_type must be customer or supplier, not {other:?}"
                        )))
                    }
                };
                lq.party_id = Some(c.books.party_named(kind, name).await.map_err(unknown)?.id);
            }
            let r = c.books.general_ledger(&lq).await.map_err(erp)?;
            report(csv, "general-ledger", &r, || r.table())
        }
        .await,
    )
}

async fn ageing(
    c: &BooksCaller,
    kind: InvoiceKind,
    q: Result<Query<AgeingParams>, QueryRejection>,
) -> Res {
    c.require(Permission::ErpReports)?;
    let q = query(q)?;
    let csv = wants_csv(q.format.as_deref())?;
    let as_of = parse_date("as_of", q.as_of.as_deref())?.unwrap_or_else(today);
    let file = match kind {
        InvoiceKind::Sales => "receivables-ageing",
        InvoiceKind::Purchase => "payables-ageing",
    };
    if csv {
        // The CSV holds the totals per party only: no need to read every open invoice.
        let r = c.books.ageing_summary(kind, as_of).await.map_err(erp)?;
        return report(csv, file, &r, || r.table());
    }
    let r = c.books.ageing(kind, as_of).await.map_err(erp)?;
    report(csv, file, &r, || r.table())
}

#[utoipa::path(get, path = "/api/v1/reports/receivables-ageing", tag = "books", params(AgeingParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "what customers owe by days past due: current, 1–30, 31–60, 61–90, 90+ (needs erp.reports)", body = Object),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn receivables_ageing(
    c: BooksCaller,
    q: Result<Query<AgeingParams>, QueryRejection>,
) -> Response {
    respond(ageing(&c, InvoiceKind::Sales, q).await)
}

#[utoipa::path(get, path = "/api/v1/reports/payables-ageing", tag = "books", params(AgeingParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "what is owed to suppliers by days past due (needs erp.reports)", body = Object),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn payables_ageing(
    c: BooksCaller,
    q: Result<Query<AgeingParams>, QueryRejection>,
) -> Response {
    respond(ageing(&c, InvoiceKind::Purchase, q).await)
}

#[utoipa::path(get, path = "/api/v1/reports/stock-balance", tag = "books", params(FormatParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"data\": [...]}`: quantity, rate and value per item and warehouse (needs erp.reports)", body = Object),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn stock_balance(
    c: BooksCaller,
    q: Result<Query<FormatParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpReports)?;
            let q = query(q)?;
            let csv = wants_csv(q.format.as_deref())?;
            let rows = c.books.stock_balances().await.map_err(erp)?;
            report(
                csv,
                "stock-balance",
                serde_json::json!({ "data": &rows }),
                || reports::stock_balance_table(&rows),
            )
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/reports/sales-by-day", tag = "books", params(PeriodParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"period\", \"data\": [...]}`: submitted sales per day, credit notes netted (needs erp.reports)", body = Object),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn sales_by_day(
    c: BooksCaller,
    q: Result<Query<PeriodParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpReports)?;
            let q = query(q)?;
            let csv = wants_csv(q.format.as_deref())?;
            let p = period(&c, q.from.as_deref(), q.to.as_deref()).await?;
            let rows = c.books.sales_by_day(p).await.map_err(erp)?;
            report(
                csv,
                "sales-by-day",
                serde_json::json!({ "period": p, "data": &rows }),
                || reports::sales_by_day_table(p, &rows),
            )
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/reports/sales-by-item", tag = "books", params(PeriodParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"period\", \"data\": [...]}`: submitted sales per item, best sellers first (needs erp.reports)", body = Object),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn sales_by_item(
    c: BooksCaller,
    q: Result<Query<PeriodParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpReports)?;
            let q = query(q)?;
            let csv = wants_csv(q.format.as_deref())?;
            let p = period(&c, q.from.as_deref(), q.to.as_deref()).await?;
            let rows = c.books.sales_by_item(p).await.map_err(erp)?;
            report(
                csv,
                "sales-by-item",
                serde_json::json!({ "period": p, "data": &rows }),
                || reports::sales_by_item_table(p, &rows),
            )
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/reports/vat-return", tag = "books", params(PeriodParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the nine boxes of a UK VAT return for the period (needs erp.reports)", body = Object),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn vat_return(
    c: BooksCaller,
    q: Result<Query<PeriodParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpReports)?;
            let q = query(q)?;
            let csv = wants_csv(q.format.as_deref())?;
            let p = period(&c, q.from.as_deref(), q.to.as_deref()).await?;
            let r = c.books.vat_return(p).await.map_err(erp)?;
            report(csv, "vat-return", &r, || r.table())
        }
        .await,
    )
}

// ---- settings ----

#[utoipa::path(get, path = "/api/v1/settings", tag = "books",
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the company's name, currency, fiscal year start, address, tax id, VAT rounding, negative stock and chart", body = BookSettings),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn get_settings(c: BooksCaller) -> Response {
    respond(answer(c.books.settings().await))
}

#[utoipa::path(put, path = "/api/v1/settings", tag = "books", request_body = SettingsBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the settings (needs erp.configure: admins)", body = BookSettings),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_settings(
    c: BooksCaller,
    b: Result<Json<SettingsBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpConfigure)?;
            let b = body(b)?;
            let input = SettingsInput {
                address: b.address,
                tax_id: b.tax_id,
                vat_rounding: b.vat_rounding,
                allow_negative_stock: b.allow_negative_stock,
            };
            answer(c.books.update_settings(&input).await)
        }
        .await,
    )
}
