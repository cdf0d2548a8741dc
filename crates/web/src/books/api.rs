//! The native JSON API of a client's books, under `/api/v1` on the client's host: master data,
//! documents (draft → submitted → cancelled) and reports (JSON, or CSV with `?format=csv`).
//!
//! Money and quantities travel as decimal strings (`"12.50"`, `"2.000"`); numbers are accepted
//! on input too. Lists take `search`, `filters` (Frappe's JSON syntax), `order_by`, `limit` and
//! `offset`, and answer `{"data": [...], "limit", "offset", "next_offset"}`.

#![allow(clippy::result_large_err)] // refusals are ready responses; their size does not matter here

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tenantry_domain::books::{
    AccountType, Amount, InvoiceKind, InvoiceStatus, PaymentDirection, Quantity, RootType,
    VatCategory, VatRounding,
};
use tenantry_domain::Permission;
use tenantry_erp::invoices::{InvoiceInput, LineInput};
use tenantry_erp::journals::{JournalInput, JournalLineInput};
use tenantry_erp::masters::{
    AccountInput, AccountUpdate, FiscalYearInput, ItemInput, PartyInput, WarehouseInput,
};
use tenantry_erp::payments::{AllocationInput, PaymentInput};
use tenantry_erp::reports::{self, Period, Table};
use tenantry_erp::settings::SettingsInput;
use tenantry_erp::stock::{StockEntryInput, StockLineInput};
use tenantry_erp::ErpError;
use tenantry_store::books::{Item, LedgerQuery, ListQuery, PartyKind};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::frappe::{expand_filter, parse_filters, parse_order};
use super::{today, BooksCaller};
use crate::error::AppError;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/customers",
            get(list_customers).post(create_customer),
        )
        .route(
            "/api/v1/customers/{name}",
            get(get_customer).put(update_customer),
        )
        .route(
            "/api/v1/suppliers",
            get(list_suppliers).post(create_supplier),
        )
        .route(
            "/api/v1/suppliers/{name}",
            get(get_supplier).put(update_supplier),
        )
        .route("/api/v1/items", get(list_items).post(create_item))
        .route("/api/v1/items/{code}", get(get_item).put(update_item))
        .route("/api/v1/items/barcode/{barcode}", get(item_by_barcode))
        .route(
            "/api/v1/warehouses",
            get(list_warehouses).post(create_warehouse),
        )
        .route(
            "/api/v1/warehouses/{name}",
            get(get_warehouse).put(update_warehouse),
        )
        .route("/api/v1/accounts", get(list_accounts).post(create_account))
        .route(
            "/api/v1/accounts/{name}",
            get(get_account).put(update_account),
        )
        .route(
            "/api/v1/fiscal-years",
            get(list_fiscal_years).post(create_fiscal_year),
        )
        .route("/api/v1/fiscal-years/{name}", get(get_fiscal_year))
        .route(
            "/api/v1/sales-invoices",
            get(list_sales_invoices).post(create_sales_invoice),
        )
        .route(
            "/api/v1/sales-invoices/{name}",
            get(get_sales_invoice).put(update_sales_invoice),
        )
        .route(
            "/api/v1/sales-invoices/{name}/submit",
            post(submit_sales_invoice),
        )
        .route(
            "/api/v1/sales-invoices/{name}/cancel",
            post(cancel_sales_invoice),
        )
        .route(
            "/api/v1/purchase-invoices",
            get(list_purchase_invoices).post(create_purchase_invoice),
        )
        .route(
            "/api/v1/purchase-invoices/{name}",
            get(get_purchase_invoice).put(update_purchase_invoice),
        )
        .route(
            "/api/v1/purchase-invoices/{name}/submit",
            post(submit_purchase_invoice),
        )
        .route(
            "/api/v1/purchase-invoices/{name}/cancel",
            post(cancel_purchase_invoice),
        )
        .route("/api/v1/payments", get(list_payments).post(create_payment))
        .route(
            "/api/v1/payments/{name}",
            get(get_payment).put(update_payment),
        )
        .route("/api/v1/payments/{name}/submit", post(submit_payment))
        .route("/api/v1/payments/{name}/cancel", post(cancel_payment))
        .route(
            "/api/v1/journal-entries",
            get(list_journals).post(create_journal),
        )
        .route(
            "/api/v1/journal-entries/{name}",
            get(get_journal).put(update_journal),
        )
        .route(
            "/api/v1/journal-entries/{name}/submit",
            post(submit_journal),
        )
        .route(
            "/api/v1/journal-entries/{name}/cancel",
            post(cancel_journal),
        )
        .route(
            "/api/v1/stock-entries",
            get(list_stock_entries).post(create_stock_entry),
        )
        .route(
            "/api/v1/stock-entries/{name}",
            get(get_stock_entry).put(update_stock_entry),
        )
        .route(
            "/api/v1/stock-entries/{name}/submit",
            post(submit_stock_entry),
        )
        .route(
            "/api/v1/stock-entries/{name}/cancel",
            post(cancel_stock_entry),
        )
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

// ---- shared ----

type Res = Result<Response, Response>;

fn respond(r: Res) -> Response {
    r.unwrap_or_else(|e| e)
}

fn erp(e: ErpError) -> Response {
    AppError::from(e).into_response()
}

fn unprocessable(message: impl Into<String>) -> Response {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, message).into_response()
}

fn ok(v: impl Serialize) -> Res {
    Ok(Json(v).into_response())
}

fn created(v: impl Serialize) -> Res {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// A request body, or the client's error: 400 for malformed JSON, 415 without a JSON content
/// type, 422 for JSON that does not fit.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, Response> {
    b.map(|Json(t)| t)
        .map_err(|e| AppError::new(e.status(), e.body_text()).into_response())
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Response> {
    q.map(|Query(t)| t)
        .map_err(|e| unprocessable(e.body_text()))
}

/// The default page, and the largest.
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 1_000;

/// A list's parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Case-insensitive text to look for (names, numbers, remarks).
    search: Option<String>,
    /// Frappe's JSON: `[["posting_date", ">=", "2026-04-01"], ["docstatus", "=", 1]]` or
    /// `{"customer": "Acme"}`. Operators: `=`, `!=`, `<`, `<=`, `>`, `>=`, `like`, `not like`,
    /// `in`, `not in`, `is` (`set` / `not set`), `between`.
    filters: Option<String>,
    /// `posting_date desc, name asc`.
    order_by: Option<String>,
    /// 20 when absent, at most 1,000.
    limit: Option<i64>,
    offset: Option<i64>,
}

struct Paging {
    limit: i64,
    offset: i64,
}

/// The store's query for a list (asking for one row more than the page, to know whether another
/// page follows).
fn list_query(
    q: Result<Query<ListParams>, QueryRejection>,
) -> Result<(ListQuery, Paging), Response> {
    let p = query(q)?;
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(unprocessable(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let offset = p.offset.unwrap_or(0);
    if offset < 0 {
        return Err(unprocessable("offset cannot be negative"));
    }
    let mut filters = Vec::new();
    for f in parse_filters(p.filters.as_deref().unwrap_or_default()).map_err(erp)? {
        filters.extend(expand_filter(&f.field, &f).map_err(erp)?);
    }
    let order_by =
        parse_order(p.order_by.as_deref().unwrap_or_default(), str::to_owned).map_err(erp)?;
    Ok((
        ListQuery {
            search: p.search,
            filters,
            order_by,
            limit: limit + 1,
            offset,
        },
        Paging { limit, offset },
    ))
}

/// A page of a list.
#[derive(Serialize)]
struct Page<T> {
    data: Vec<T>,
    limit: i64,
    offset: i64,
    /// Where the next page starts; null on the last page.
    next_offset: Option<i64>,
}

fn page<T: Serialize>(mut rows: Vec<T>, p: Paging) -> Res {
    let more = rows.len() as i64 > p.limit;
    rows.truncate(p.limit as usize);
    ok(Page {
        data: rows,
        limit: p.limit,
        offset: p.offset,
        next_offset: more.then_some(p.offset + p.limit),
    })
}

// ---- bodies ----

/// A customer or supplier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    tax_id: String,
    #[serde(default)]
    address_line1: String,
    #[serde(default)]
    address_line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    country: String,
    /// Days to pay, 0–365; 30 when absent.
    payment_terms_days: Option<i64>,
    #[serde(default)]
    disabled: bool,
}

impl From<PartyBody> for PartyInput {
    fn from(b: PartyBody) -> Self {
        PartyInput {
            name: b.name,
            email: b.email,
            phone: b.phone,
            tax_id: b.tax_id,
            address_line1: b.address_line1,
            address_line2: b.address_line2,
            city: b.city,
            postcode: b.postcode,
            country: b.country,
            payment_terms_days: b.payment_terms_days,
            disabled: b.disabled,
        }
    }
}

fn yes() -> bool {
    true
}

/// An item (a PUT replaces every field, barcodes included).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    item_code: String,
    /// The code when absent.
    #[serde(default)]
    item_name: String,
    /// An existing item group ("Products", "Services").
    item_group: Option<String>,
    /// "Nos" when absent.
    #[serde(default)]
    unit: String,
    /// Whether stock is kept (true when absent).
    #[serde(default = "yes")]
    is_stock: bool,
    #[serde(default)]
    #[schema(value_type = String, example = "12.50")]
    selling_price: Amount,
    #[serde(default)]
    #[schema(value_type = String, example = "7.00")]
    buying_price: Amount,
    /// `standard` (20%, when absent), `reduced` (5%), `zero` or `exempt`.
    #[schema(value_type = Option<String>)]
    vat_category: Option<VatCategory>,
    #[serde(default)]
    barcodes: Vec<String>,
    #[serde(default)]
    disabled: bool,
}

impl From<ItemBody> for ItemInput {
    fn from(b: ItemBody) -> Self {
        ItemInput {
            item_code: b.item_code,
            item_name: b.item_name,
            item_group: b.item_group,
            unit: b.unit,
            is_stock: b.is_stock,
            selling_price: b.selling_price,
            buying_price: b.buying_price,
            vat_category: b.vat_category,
            barcodes: b.barcodes,
            disabled: b.disabled,
        }
    }
}

/// An item with its barcodes, in the fields it is written with.
#[derive(Serialize)]
struct ItemOut {
    id: i64,
    item_code: String,
    item_name: String,
    item_group: Option<String>,
    unit: String,
    is_stock: bool,
    selling_price: Amount,
    buying_price: Amount,
    vat_category: VatCategory,
    disabled: bool,
    /// In a single item's answer, not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    barcodes: Option<Vec<String>>,
}

impl ItemOut {
    fn of(i: Item, barcodes: Option<Vec<String>>) -> Self {
        ItemOut {
            id: i.id,
            item_code: i.code,
            item_name: i.name,
            item_group: i.item_group,
            unit: i.unit,
            is_stock: i.is_stock,
            selling_price: i.selling_price,
            buying_price: i.buying_price,
            vat_category: i.vat_category,
            disabled: i.disabled,
            barcodes,
        }
    }
}

/// A document in a list: its name (number, or draft name) beside its stored fields, and an
/// invoice's status as of today.
#[derive(Serialize)]
struct Listed<T> {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(flatten)]
    row: T,
}

/// A document row that knows its name.
trait Named {
    fn name(&self) -> String;
}

impl Named for tenantry_store::books::Payment {
    fn name(&self) -> String {
        tenantry_store::books::Payment::name(self)
    }
}

impl Named for tenantry_store::books::JournalEntry {
    fn name(&self) -> String {
        tenantry_store::books::JournalEntry::name(self)
    }
}

impl Named for tenantry_store::books::StockEntry {
    fn name(&self) -> String {
        tenantry_store::books::StockEntry::name(self)
    }
}

impl<T: Named> Listed<T> {
    fn named(row: T) -> Self {
        Listed {
            name: row.name(),
            status: None,
            row,
        }
    }
}

/// A warehouse.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehouseBody {
    name: String,
    #[serde(default)]
    disabled: bool,
}

/// A new account, under a group of the chart.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountBody {
    number: String,
    name: String,
    /// The parent group's name or number.
    parent: Option<String>,
    /// `asset`, `liability`, `equity`, `income` or `expense`: the parent's when absent.
    #[schema(value_type = Option<String>)]
    root_type: Option<RootType>,
    /// `receivable`, `payable`, `bank`, `cash`, `tax_output`, `tax_input`, `stock`,
    /// `cost_of_goods_sold`, `stock_adjustment`, `round_off`, `income`, `expense`, `equity` or
    /// `other` (when absent).
    #[schema(value_type = Option<String>)]
    account_type: Option<AccountType>,
    #[serde(default)]
    is_group: bool,
}

/// What may change in an account: its name, type, and whether it is in use.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountUpdateBody {
    name: String,
    #[schema(value_type = String)]
    account_type: AccountType,
    #[serde(default)]
    disabled: bool,
}

/// A fiscal year (at most 18 months, overlapping no other).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FiscalYearBody {
    name: String,
    #[schema(value_type = String, format = Date)]
    start_date: Date,
    #[schema(value_type = String, format = Date)]
    end_date: Date,
}

/// A sales or purchase invoice, or a credit (debit) note with `is_return`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceBody {
    /// The customer's (sales) or supplier's (purchase) name.
    party: String,
    /// Today when absent; must fall in a fiscal year.
    #[schema(value_type = Option<String>, format = Date)]
    posting_date: Option<Date>,
    /// The posting date plus the party's payment terms when absent.
    #[schema(value_type = Option<String>, format = Date)]
    due_date: Option<Date>,
    #[serde(default)]
    is_return: bool,
    /// For a return: the number of the invoice it credits.
    return_against: Option<String>,
    #[serde(default)]
    remarks: String,
    items: Vec<InvoiceLineBody>,
    /// Submit as well, in the same transaction (needs the right to submit). Only when creating.
    #[serde(default)]
    submit: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLineBody {
    item_code: String,
    #[schema(value_type = String, example = "2.000")]
    qty: Quantity,
    /// Price per unit before VAT; the item's price when absent.
    #[schema(value_type = Option<String>, example = "12.50")]
    rate: Option<Amount>,
    #[serde(default)]
    description: String,
    /// For a stocked item; the first warehouse when absent.
    warehouse: Option<String>,
    /// The item's category when absent.
    #[schema(value_type = Option<String>)]
    vat_category: Option<VatCategory>,
}

impl From<InvoiceBody> for InvoiceInput {
    fn from(b: InvoiceBody) -> Self {
        InvoiceInput {
            party: b.party,
            posting_date: b.posting_date,
            due_date: b.due_date,
            is_return: b.is_return,
            return_against: b.return_against,
            remarks: b.remarks,
            items: b
                .items
                .into_iter()
                .map(|l| LineInput {
                    item_code: l.item_code,
                    qty: l.qty,
                    rate: l.rate,
                    description: l.description,
                    warehouse: l.warehouse,
                    vat_category: l.vat_category,
                })
                .collect(),
        }
    }
}

/// Money received from a customer or paid to a supplier, allocated in full to invoices.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// `receive` or `pay`.
    #[schema(value_type = String)]
    payment_type: PaymentDirection,
    /// `customer` or `supplier`.
    #[schema(value_type = String)]
    party_type: PartyKind,
    party: String,
    #[schema(value_type = Option<String>, format = Date)]
    posting_date: Option<Date>,
    #[schema(value_type = String, example = "120.00")]
    amount: Amount,
    /// The bank or cash account (name or number); the first bank account when absent.
    account: Option<String>,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    remarks: String,
    allocations: Vec<AllocationBody>,
    /// Submit as well, in the same transaction. Only when creating.
    #[serde(default)]
    submit: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationBody {
    /// The invoice's number.
    invoice: String,
    #[schema(value_type = String, example = "120.00")]
    amount: Amount,
}

impl From<PaymentBody> for PaymentInput {
    fn from(b: PaymentBody) -> Self {
        PaymentInput {
            payment_type: b.payment_type,
            party_type: b.party_type,
            party: b.party,
            posting_date: b.posting_date,
            amount: b.amount,
            account: b.account,
            reference: b.reference,
            remarks: b.remarks,
            allocations: b
                .allocations
                .into_iter()
                .map(|a| AllocationInput {
                    invoice: a.invoice,
                    amount: a.amount,
                })
                .collect(),
        }
    }
}

/// A journal entry: refused unless its debits equal its credits.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalBody {
    #[schema(value_type = Option<String>, format = Date)]
    posting_date: Option<Date>,
    #[serde(default)]
    remarks: String,
    accounts: Vec<JournalLineBody>,
    /// Submit as well, in the same transaction. Only when creating.
    #[serde(default)]
    submit: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalLineBody {
    /// The account's name or number.
    account: String,
    /// `customer` or `supplier`: needed on receivable and payable accounts.
    #[schema(value_type = Option<String>)]
    party_type: Option<PartyKind>,
    party: Option<String>,
    #[serde(default)]
    #[schema(value_type = String, example = "100.00")]
    debit: Amount,
    #[serde(default)]
    #[schema(value_type = String, example = "0.00")]
    credit: Amount,
}

impl From<JournalBody> for JournalInput {
    fn from(b: JournalBody) -> Self {
        JournalInput {
            posting_date: b.posting_date,
            remarks: b.remarks,
            accounts: b
                .accounts
                .into_iter()
                .map(|l| JournalLineInput {
                    account: l.account,
                    party_type: l.party_type,
                    party: l.party,
                    debit: l.debit,
                    credit: l.credit,
                })
                .collect(),
        }
    }
}

/// Goods received, issued or moved between warehouses without an invoice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockEntryBody {
    /// `Material Receipt`, `Material Issue` or `Material Transfer`.
    purpose: String,
    #[schema(value_type = Option<String>, format = Date)]
    posting_date: Option<Date>,
    #[serde(default)]
    remarks: String,
    items: Vec<StockLineBody>,
    /// Submit as well, in the same transaction. Only when creating.
    #[serde(default)]
    submit: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockLineBody {
    item_code: String,
    #[schema(value_type = String, example = "10.000")]
    qty: Quantity,
    /// Where goods leave from (issue, transfer).
    s_warehouse: Option<String>,
    /// Where goods arrive (receipt, transfer).
    t_warehouse: Option<String>,
    /// Cost per unit of goods received; the item's buying price when absent.
    #[schema(value_type = Option<String>, example = "4.20")]
    basic_rate: Option<Amount>,
}

impl From<StockEntryBody> for StockEntryInput {
    fn from(b: StockEntryBody) -> Self {
        StockEntryInput {
            purpose: b.purpose,
            posting_date: b.posting_date,
            remarks: b.remarks,
            items: b
                .items
                .into_iter()
                .map(|l| StockLineInput {
                    item_code: l.item_code,
                    qty: l.qty,
                    s_warehouse: l.s_warehouse,
                    t_warehouse: l.t_warehouse,
                    basic_rate: l.basic_rate,
                })
                .collect(),
        }
    }
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

/// Refuses `submit` where it does not belong (an update: submit with `…/submit`).
fn no_submit_on_update(submit: bool) -> Result<(), Response> {
    if submit {
        return Err(unprocessable(
            "an update does not submit; POST …/{name}/submit afterwards",
        ));
    }
    Ok(())
}

// ---- customers and suppliers ----

async fn list_parties(
    c: &BooksCaller,
    kind: PartyKind,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Res {
    let (q, p) = list_query(q)?;
    page(c.books.list_parties(kind, &q).await.map_err(erp)?, p)
}

fn party_write(kind: PartyKind) -> Permission {
    match kind {
        PartyKind::Customer => Permission::ErpCreateSales,
        PartyKind::Supplier => Permission::ErpCreateAny,
    }
}

async fn create_party(
    c: &BooksCaller,
    kind: PartyKind,
    b: Result<Json<PartyBody>, JsonRejection>,
) -> Res {
    c.require(party_write(kind))?;
    let input: PartyInput = body(b)?.into();
    created(c.books.create_party(kind, &input).await.map_err(erp)?)
}

async fn update_party(
    c: &BooksCaller,
    kind: PartyKind,
    name: &str,
    b: Result<Json<PartyBody>, JsonRejection>,
) -> Res {
    c.require(party_write(kind))?;
    let input: PartyInput = body(b)?.into();
    ok(c.books
        .update_party(kind, name, &input)
        .await
        .map_err(erp)?)
}

#[utoipa::path(get, path = "/api/v1/customers", tag = "books", params(ListParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of customers (needs erp.read)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, description = "unknown filter field or operator", body = crate::api_user::ErrorBody)))]
pub async fn list_customers(
    c: BooksCaller,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    respond(list_parties(&c, PartyKind::Customer, q).await)
}

#[utoipa::path(post, path = "/api/v1/customers", tag = "books", request_body = PartyBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the customer (needs erp.create_sales)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 409, description = "the name is taken", body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn create_customer(
    c: BooksCaller,
    b: Result<Json<PartyBody>, JsonRejection>,
) -> Response {
    respond(create_party(&c, PartyKind::Customer, b).await)
}

#[utoipa::path(get, path = "/api/v1/customers/{name}", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the customer", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_customer(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(ok_or(c.books.party(PartyKind::Customer, &name).await))
}

#[utoipa::path(put, path = "/api/v1/customers/{name}", tag = "books", request_body = PartyBody,
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the customer (needs erp.create_sales)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn update_customer(
    c: BooksCaller,
    Path(name): Path<String>,
    b: Result<Json<PartyBody>, JsonRejection>,
) -> Response {
    respond(update_party(&c, PartyKind::Customer, &name, b).await)
}

#[utoipa::path(get, path = "/api/v1/suppliers", tag = "books", params(ListParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of suppliers", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn list_suppliers(
    c: BooksCaller,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    respond(list_parties(&c, PartyKind::Supplier, q).await)
}

#[utoipa::path(post, path = "/api/v1/suppliers", tag = "books", request_body = PartyBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the supplier (needs erp.create_any)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 409, body = crate::api_user::ErrorBody), (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn create_supplier(
    c: BooksCaller,
    b: Result<Json<PartyBody>, JsonRejection>,
) -> Response {
    respond(create_party(&c, PartyKind::Supplier, b).await)
}

#[utoipa::path(get, path = "/api/v1/suppliers/{name}", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the supplier", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_supplier(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(ok_or(c.books.party(PartyKind::Supplier, &name).await))
}

#[utoipa::path(put, path = "/api/v1/suppliers/{name}", tag = "books", request_body = PartyBody,
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the supplier (needs erp.create_any)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn update_supplier(
    c: BooksCaller,
    Path(name): Path<String>,
    b: Result<Json<PartyBody>, JsonRejection>,
) -> Response {
    respond(update_party(&c, PartyKind::Supplier, &name, b).await)
}

fn ok_or<T: Serialize>(r: Result<T, ErpError>) -> Res {
    ok(r.map_err(erp)?)
}

// ---- items ----

async fn item_out(c: &BooksCaller, item: Item) -> Res {
    let barcodes = c.books.item_barcodes(&item).await.map_err(erp)?;
    ok(ItemOut::of(item, Some(barcodes)))
}

#[utoipa::path(get, path = "/api/v1/items", tag = "books", params(ListParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of items", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn list_items(c: BooksCaller, q: Result<Query<ListParams>, QueryRejection>) -> Response {
    respond(
        async {
            let (q, p) = list_query(q)?;
            let items = c.books.list_items(&q).await.map_err(erp)?;
            page(items.into_iter().map(|i| ItemOut::of(i, None)).collect(), p)
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/items", tag = "books", request_body = ItemBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the item with its barcodes (needs erp.create_any)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 409, description = "the code or a barcode is taken", body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn create_item(c: BooksCaller, b: Result<Json<ItemBody>, JsonRejection>) -> Response {
    respond(
        async {
            c.require(Permission::ErpCreateAny)?;
            let input: ItemInput = body(b)?.into();
            let item = c.books.create_item(&input).await.map_err(erp)?;
            let mut res = item_out(&c, item).await?;
            *res.status_mut() = StatusCode::CREATED;
            Ok(res)
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/items/{code}", tag = "books",
    params(("code" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the item with its barcodes", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_item(c: BooksCaller, Path(code): Path<String>) -> Response {
    respond(
        async {
            let item = c.books.item(&code).await.map_err(erp)?;
            item_out(&c, item).await
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/items/barcode/{barcode}", tag = "books",
    params(("barcode" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the item carrying this barcode", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn item_by_barcode(c: BooksCaller, Path(barcode): Path<String>) -> Response {
    respond(
        async {
            let item = c.books.item_by_barcode(&barcode).await.map_err(erp)?;
            item_out(&c, item).await
        }
        .await,
    )
}

#[utoipa::path(put, path = "/api/v1/items/{code}", tag = "books", request_body = ItemBody,
    params(("code" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the item (needs erp.create_any)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn update_item(
    c: BooksCaller,
    Path(code): Path<String>,
    b: Result<Json<ItemBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpCreateAny)?;
            let input: ItemInput = body(b)?.into();
            let item = c.books.update_item(&code, &input).await.map_err(erp)?;
            item_out(&c, item).await
        }
        .await,
    )
}

// ---- warehouses ----

#[utoipa::path(get, path = "/api/v1/warehouses", tag = "books", params(ListParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of warehouses", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn list_warehouses(
    c: BooksCaller,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            let (q, p) = list_query(q)?;
            page(c.books.list_warehouses(&q).await.map_err(erp)?, p)
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/warehouses", tag = "books", request_body = WarehouseBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the warehouse (needs erp.create_any)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 409, body = crate::api_user::ErrorBody), (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn create_warehouse(
    c: BooksCaller,
    b: Result<Json<WarehouseBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpCreateAny)?;
            let b = body(b)?;
            let mut w = c.books.create_warehouse(&b.name).await.map_err(erp)?;
            if b.disabled {
                w = c
                    .books
                    .update_warehouse(
                        &w.name,
                        &WarehouseInput {
                            name: w.name.clone(),
                            disabled: true,
                        },
                    )
                    .await
                    .map_err(erp)?;
            }
            created(w)
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/warehouses/{name}", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the warehouse", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_warehouse(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(ok_or(c.books.warehouse(&name).await))
}

#[utoipa::path(put, path = "/api/v1/warehouses/{name}", tag = "books", request_body = WarehouseBody,
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the warehouse, renamed or (dis)abled (needs erp.create_any)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn update_warehouse(
    c: BooksCaller,
    Path(name): Path<String>,
    b: Result<Json<WarehouseBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpCreateAny)?;
            let b = body(b)?;
            let input = WarehouseInput {
                name: b.name,
                disabled: b.disabled,
            };
            ok_or(c.books.update_warehouse(&name, &input).await)
        }
        .await,
    )
}

// ---- accounts and fiscal years ----

#[utoipa::path(get, path = "/api/v1/accounts", tag = "books", params(ListParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of the chart of accounts (number order by default)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn list_accounts(
    c: BooksCaller,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            let (q, p) = list_query(q)?;
            page(c.books.list_accounts(&q).await.map_err(erp)?, p)
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/accounts", tag = "books", request_body = AccountBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the account (needs erp.configure)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 409, body = crate::api_user::ErrorBody), (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn create_account(
    c: BooksCaller,
    b: Result<Json<AccountBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpConfigure)?;
            let b = body(b)?;
            let input = AccountInput {
                number: b.number,
                name: b.name,
                parent: b.parent,
                root_type: b.root_type,
                account_type: b.account_type,
                is_group: b.is_group,
            };
            created(c.books.create_account(&input).await.map_err(erp)?)
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/accounts/{name}", tag = "books",
    params(("name" = String, Path, description = "the account's name or number")),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the account", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_account(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(ok_or(c.books.account(&name).await))
}

#[utoipa::path(put, path = "/api/v1/accounts/{name}", tag = "books", request_body = AccountUpdateBody,
    params(("name" = String, Path, description = "the account's name or number")),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the account (needs erp.configure)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn update_account(
    c: BooksCaller,
    Path(name): Path<String>,
    b: Result<Json<AccountUpdateBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpConfigure)?;
            let b = body(b)?;
            let input = AccountUpdate {
                name: b.name,
                account_type: b.account_type,
                disabled: b.disabled,
            };
            ok_or(c.books.update_account(&name, &input).await)
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/fiscal-years", tag = "books",
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"data\": [...]}`: every fiscal year, oldest first", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody)))]
pub async fn list_fiscal_years(c: BooksCaller) -> Response {
    respond(
        async {
            let years = c.books.fiscal_years().await.map_err(erp)?;
            ok(serde_json::json!({ "data": years }))
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/fiscal-years", tag = "books", request_body = FiscalYearBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the fiscal year (needs erp.configure)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 409, description = "the name is taken, or it overlaps another year", body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn create_fiscal_year(
    c: BooksCaller,
    b: Result<Json<FiscalYearBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpConfigure)?;
            let b = body(b)?;
            let input = FiscalYearInput {
                name: b.name,
                start_date: b.start_date,
                end_date: b.end_date,
            };
            created(c.books.create_fiscal_year(&input).await.map_err(erp)?)
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/fiscal-years/{name}", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the fiscal year", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_fiscal_year(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(
        async {
            let year = c
                .books
                .fiscal_years()
                .await
                .map_err(erp)?
                .into_iter()
                .find(|y| y.name == name)
                .ok_or_else(|| erp(ErpError::NotFound(format!("fiscal year {name:?}"))))?;
            ok(year)
        }
        .await,
    )
}

// ---- invoices ----

fn invoice_write(kind: InvoiceKind) -> Permission {
    match kind {
        InvoiceKind::Sales => Permission::ErpCreateSales,
        InvoiceKind::Purchase => Permission::ErpCreateAny,
    }
}

async fn list_invoices(
    c: &BooksCaller,
    kind: InvoiceKind,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Res {
    let (q, p) = list_query(q)?;
    let today = today();
    let rows = c.books.list_invoices(kind, &q).await.map_err(erp)?;
    page(
        rows.into_iter()
            .map(|i| Listed {
                name: i.name(),
                status: Some(
                    InvoiceStatus::of(
                        i.docstatus,
                        i.is_return,
                        i.credited,
                        i.grand_total,
                        i.outstanding,
                        i.due_date,
                        today,
                    )
                    .label(),
                ),
                row: i,
            })
            .collect(),
        p,
    )
}

async fn create_invoice(
    c: &BooksCaller,
    kind: InvoiceKind,
    b: Result<Json<InvoiceBody>, JsonRejection>,
) -> Res {
    c.require(invoice_write(kind))?;
    let b = body(b)?;
    if b.submit {
        c.require(Permission::ErpSubmit)?;
    }
    let submit = b.submit;
    let input: InvoiceInput = b.into();
    created(
        c.books
            .create_invoice(kind, &input, c.author(), submit, today())
            .await
            .map_err(erp)?,
    )
}

async fn update_invoice(
    c: &BooksCaller,
    kind: InvoiceKind,
    name: &str,
    b: Result<Json<InvoiceBody>, JsonRejection>,
) -> Res {
    c.require(invoice_write(kind))?;
    let b = body(b)?;
    no_submit_on_update(b.submit)?;
    let input: InvoiceInput = b.into();
    ok_or(
        c.books
            .update_invoice(kind, name, &input, c.author(), false, today())
            .await,
    )
}

async fn submit_invoice(c: &BooksCaller, kind: InvoiceKind, name: &str) -> Res {
    c.require(Permission::ErpSubmit)?;
    ok_or(c.books.submit_invoice(kind, name, today()).await)
}

async fn cancel_invoice(c: &BooksCaller, kind: InvoiceKind, name: &str) -> Res {
    c.require(Permission::ErpCancel)?;
    ok_or(c.books.cancel_invoice(kind, name, today()).await)
}

#[utoipa::path(get, path = "/api/v1/sales-invoices", tag = "books", params(ListParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of sales invoices and credit notes (newest first by default); filter on name, docstatus, customer, posting_date, due_date, is_return, net_total, total_taxes_and_charges, grand_total, outstanding_amount, creation, modified", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn list_sales_invoices(
    c: BooksCaller,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    respond(list_invoices(&c, InvoiceKind::Sales, q).await)
}

#[utoipa::path(post, path = "/api/v1/sales-invoices", tag = "books", request_body = InvoiceBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the invoice with its lines and totals: a draft (`SINV-DRAFT-<id>`), or numbered when submitted (needs erp.create_sales, and erp.submit with `submit`)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, description = "unknown customer or item, no fiscal year for the date, a negative quantity, too many decimals, not enough stock…", body = crate::api_user::ErrorBody)))]
pub async fn create_sales_invoice(
    c: BooksCaller,
    b: Result<Json<InvoiceBody>, JsonRejection>,
) -> Response {
    respond(create_invoice(&c, InvoiceKind::Sales, b).await)
}

#[utoipa::path(get, path = "/api/v1/sales-invoices/{name}", tag = "books",
    params(("name" = String, Path, description = "the number (SINV-2026-00001) or draft name (SINV-DRAFT-7)")),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the invoice with its lines and status", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_sales_invoice(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(ok_or(
        c.books
            .invoice_doc(InvoiceKind::Sales, &name, today())
            .await,
    ))
}

#[utoipa::path(put, path = "/api/v1/sales-invoices/{name}", tag = "books", request_body = InvoiceBody,
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the draft, rewritten (needs erp.create_sales)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody),
        (status = 409, description = "not a draft", body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn update_sales_invoice(
    c: BooksCaller,
    Path(name): Path<String>,
    b: Result<Json<InvoiceBody>, JsonRejection>,
) -> Response {
    respond(update_invoice(&c, InvoiceKind::Sales, &name, b).await)
}

#[utoipa::path(post, path = "/api/v1/sales-invoices/{name}/submit", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "submitted and numbered; the ledger (and stock) posted in the same transaction (needs erp.submit)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody),
        (status = 409, description = "already submitted, or cancelled", body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn submit_sales_invoice(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(submit_invoice(&c, InvoiceKind::Sales, &name).await)
}

#[utoipa::path(post, path = "/api/v1/sales-invoices/{name}/cancel", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "cancelled: the exact reversal posted (needs erp.cancel)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody),
        (status = 409, description = "a draft, already cancelled, or payments and credit notes still stand against it", body = crate::api_user::ErrorBody)))]
pub async fn cancel_sales_invoice(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(cancel_invoice(&c, InvoiceKind::Sales, &name).await)
}

#[utoipa::path(get, path = "/api/v1/purchase-invoices", tag = "books", params(ListParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of purchase invoices and debit notes; filter on supplier rather than customer", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn list_purchase_invoices(
    c: BooksCaller,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    respond(list_invoices(&c, InvoiceKind::Purchase, q).await)
}

#[utoipa::path(post, path = "/api/v1/purchase-invoices", tag = "books", request_body = InvoiceBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the invoice (needs erp.create_any, and erp.submit with `submit`)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn create_purchase_invoice(
    c: BooksCaller,
    b: Result<Json<InvoiceBody>, JsonRejection>,
) -> Response {
    respond(create_invoice(&c, InvoiceKind::Purchase, b).await)
}

#[utoipa::path(get, path = "/api/v1/purchase-invoices/{name}", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the invoice", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_purchase_invoice(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(ok_or(
        c.books
            .invoice_doc(InvoiceKind::Purchase, &name, today())
            .await,
    ))
}

#[utoipa::path(put, path = "/api/v1/purchase-invoices/{name}", tag = "books", request_body = InvoiceBody,
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the draft, rewritten (needs erp.create_any)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn update_purchase_invoice(
    c: BooksCaller,
    Path(name): Path<String>,
    b: Result<Json<InvoiceBody>, JsonRejection>,
) -> Response {
    respond(update_invoice(&c, InvoiceKind::Purchase, &name, b).await)
}

#[utoipa::path(post, path = "/api/v1/purchase-invoices/{name}/submit", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "submitted (needs erp.submit)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn submit_purchase_invoice(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(submit_invoice(&c, InvoiceKind::Purchase, &name).await)
}

#[utoipa::path(post, path = "/api/v1/purchase-invoices/{name}/cancel", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "cancelled (needs erp.cancel)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody)))]
pub async fn cancel_purchase_invoice(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(cancel_invoice(&c, InvoiceKind::Purchase, &name).await)
}

// ---- payments ----

#[utoipa::path(get, path = "/api/v1/payments", tag = "books", params(ListParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of payment entries; filter on name, docstatus, payment_type, party, posting_date, paid_amount, reference_no", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn list_payments(
    c: BooksCaller,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            let (q, p) = list_query(q)?;
            let rows = c.books.list_payments(&q).await.map_err(erp)?;
            page(rows.into_iter().map(Listed::named).collect(), p)
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/payments", tag = "books", request_body = PaymentBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the payment entry with its allocations (needs erp.create_any, and erp.submit with `submit`)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, description = "allocations that do not add up, or over-allocate an invoice…", body = crate::api_user::ErrorBody)))]
pub async fn create_payment(
    c: BooksCaller,
    b: Result<Json<PaymentBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpCreateAny)?;
            let b = body(b)?;
            if b.submit {
                c.require(Permission::ErpSubmit)?;
            }
            let submit = b.submit;
            let input: PaymentInput = b.into();
            created(
                c.books
                    .create_payment(&input, c.author(), submit, today())
                    .await
                    .map_err(erp)?,
            )
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/payments/{name}", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the payment entry", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_payment(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(ok_or(c.books.payment_doc(&name).await))
}

#[utoipa::path(put, path = "/api/v1/payments/{name}", tag = "books", request_body = PaymentBody,
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the draft, rewritten (needs erp.create_any)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn update_payment(
    c: BooksCaller,
    Path(name): Path<String>,
    b: Result<Json<PaymentBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpCreateAny)?;
            let b = body(b)?;
            no_submit_on_update(b.submit)?;
            let input: PaymentInput = b.into();
            ok_or(
                c.books
                    .update_payment(&name, &input, c.author(), false, today())
                    .await,
            )
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/payments/{name}/submit", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "submitted: the invoices' outstanding amounts move (needs erp.submit)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn submit_payment(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(
        async {
            c.require(Permission::ErpSubmit)?;
            ok_or(c.books.submit_payment(&name).await)
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/payments/{name}/cancel", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "cancelled (needs erp.cancel)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody)))]
pub async fn cancel_payment(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(
        async {
            c.require(Permission::ErpCancel)?;
            ok_or(c.books.cancel_payment(&name).await)
        }
        .await,
    )
}

// ---- journal entries ----

#[utoipa::path(get, path = "/api/v1/journal-entries", tag = "books", params(ListParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of journal entries", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn list_journals(
    c: BooksCaller,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            let (q, p) = list_query(q)?;
            let rows = c.books.list_journals(&q).await.map_err(erp)?;
            page(rows.into_iter().map(Listed::named).collect(), p)
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/journal-entries", tag = "books", request_body = JournalBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the journal entry (needs erp.create_any, and erp.submit with `submit`)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, description = "unbalanced, an unknown or group account, a receivable without its party…", body = crate::api_user::ErrorBody)))]
pub async fn create_journal(
    c: BooksCaller,
    b: Result<Json<JournalBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpCreateAny)?;
            let b = body(b)?;
            if b.submit {
                c.require(Permission::ErpSubmit)?;
            }
            let submit = b.submit;
            let input: JournalInput = b.into();
            created(
                c.books
                    .create_journal(&input, c.author(), submit, today())
                    .await
                    .map_err(erp)?,
            )
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/journal-entries/{name}", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the journal entry with its lines", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_journal(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(ok_or(c.books.journal_doc(&name).await))
}

#[utoipa::path(put, path = "/api/v1/journal-entries/{name}", tag = "books", request_body = JournalBody,
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the draft, rewritten (needs erp.create_any)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn update_journal(
    c: BooksCaller,
    Path(name): Path<String>,
    b: Result<Json<JournalBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpCreateAny)?;
            let b = body(b)?;
            no_submit_on_update(b.submit)?;
            let input: JournalInput = b.into();
            ok_or(
                c.books
                    .update_journal(&name, &input, c.author(), false, today())
                    .await,
            )
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/journal-entries/{name}/submit", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "submitted (needs erp.submit)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn submit_journal(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(
        async {
            c.require(Permission::ErpSubmit)?;
            ok_or(c.books.submit_journal(&name).await)
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/journal-entries/{name}/cancel", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "cancelled (needs erp.cancel)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody)))]
pub async fn cancel_journal(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(
        async {
            c.require(Permission::ErpCancel)?;
            ok_or(c.books.cancel_journal(&name).await)
        }
        .await,
    )
}

// ---- stock entries ----

#[utoipa::path(get, path = "/api/v1/stock-entries", tag = "books", params(ListParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "a page of stock entries", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn list_stock_entries(
    c: BooksCaller,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            let (q, p) = list_query(q)?;
            let rows = c.books.list_stock_entries(&q).await.map_err(erp)?;
            page(rows.into_iter().map(Listed::named).collect(), p)
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/stock-entries", tag = "books", request_body = StockEntryBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the stock entry (needs erp.create_any, and erp.submit with `submit`)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, description = "a service item, a negative quantity, not enough stock…", body = crate::api_user::ErrorBody)))]
pub async fn create_stock_entry(
    c: BooksCaller,
    b: Result<Json<StockEntryBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpCreateAny)?;
            let b = body(b)?;
            if b.submit {
                c.require(Permission::ErpSubmit)?;
            }
            let submit = b.submit;
            let input: StockEntryInput = b.into();
            created(
                c.books
                    .create_stock_entry(&input, c.author(), submit, today())
                    .await
                    .map_err(erp)?,
            )
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/stock-entries/{name}", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the stock entry with its lines", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody)))]
pub async fn get_stock_entry(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(ok_or(c.books.stock_entry_doc(&name).await))
}

#[utoipa::path(put, path = "/api/v1/stock-entries/{name}", tag = "books", request_body = StockEntryBody,
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the draft, rewritten (needs erp.create_any)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn update_stock_entry(
    c: BooksCaller,
    Path(name): Path<String>,
    b: Result<Json<StockEntryBody>, JsonRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpCreateAny)?;
            let b = body(b)?;
            no_submit_on_update(b.submit)?;
            let input: StockEntryInput = b.into();
            ok_or(
                c.books
                    .update_stock_entry(&name, &input, c.author(), false, today())
                    .await,
            )
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/stock-entries/{name}/submit", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "submitted: stock moves at valuation (needs erp.submit)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn submit_stock_entry(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(
        async {
            c.require(Permission::ErpSubmit)?;
            ok_or(c.books.submit_stock_entry(&name).await)
        }
        .await,
    )
}

#[utoipa::path(post, path = "/api/v1/stock-entries/{name}/cancel", tag = "books",
    params(("name" = String, Path)),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "cancelled (needs erp.cancel)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 404, body = crate::api_user::ErrorBody), (status = 409, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn cancel_stock_entry(c: BooksCaller, Path(name): Path<String>) -> Response {
    respond(
        async {
            c.require(Permission::ErpCancel)?;
            ok_or(c.books.cancel_stock_entry(&name).await)
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
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
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
    responses((status = 200, description = "income and expenses over the period beside the period before (needs erp.reports)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
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

#[utoipa::path(get, path = "/api/v1/reports/balance-sheet", tag = "books", params(PeriodParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "assets, liabilities and equity at the end of the period beside the end of the period before (needs erp.reports)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn balance_sheet(
    c: BooksCaller,
    q: Result<Query<PeriodParams>, QueryRejection>,
) -> Response {
    respond(
        async {
            c.require(Permission::ErpReports)?;
            let q = query(q)?;
            let csv = wants_csv(q.format.as_deref())?;
            let p = period(&c, q.from.as_deref(), q.to.as_deref()).await?;
            let r = c.books.balance_sheet(p).await.map_err(erp)?;
            report(csv, "balance-sheet", &r, || r.table())
        }
        .await,
    )
}

#[utoipa::path(get, path = "/api/v1/reports/general-ledger", tag = "books", params(LedgerParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "ledger lines with a running balance from the opening figure (needs erp.reports)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, description = "an unknown account or party, a bad date", body = crate::api_user::ErrorBody)))]
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
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn receivables_ageing(
    c: BooksCaller,
    q: Result<Query<AgeingParams>, QueryRejection>,
) -> Response {
    respond(ageing(&c, InvoiceKind::Sales, q).await)
}

#[utoipa::path(get, path = "/api/v1/reports/payables-ageing", tag = "books", params(AgeingParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "what is owed to suppliers by days past due (needs erp.reports)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
pub async fn payables_ageing(
    c: BooksCaller,
    q: Result<Query<AgeingParams>, QueryRejection>,
) -> Response {
    respond(ageing(&c, InvoiceKind::Purchase, q).await)
}

#[utoipa::path(get, path = "/api/v1/reports/stock-balance", tag = "books", params(FormatParams),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"data\": [...]}`: quantity, rate and value per item and warehouse (needs erp.reports)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
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
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
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
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
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
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
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
    responses((status = 200, description = "the company's name, currency, fiscal year start, address, tax id, VAT rounding, negative stock and chart", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody)))]
pub async fn get_settings(c: BooksCaller) -> Response {
    respond(ok_or(c.books.settings().await))
}

#[utoipa::path(put, path = "/api/v1/settings", tag = "books", request_body = SettingsBody,
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the settings (needs erp.configure: admins)", body = Object),
        (status = 401, body = crate::api_user::ErrorBody), (status = 403, body = crate::api_user::ErrorBody),
        (status = 422, body = crate::api_user::ErrorBody)))]
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
            ok_or(c.books.update_settings(&input).await)
        }
        .await,
    )
}
