//! GET `/api/resource/<DocType>`: lists, and `frappe.client.get_list`'s rows.

use super::body::form_pairs;
use super::doc::project;
use super::doc::wanted;
use super::doc::Doc;
use super::doctypes::account_value;
use super::doctypes::fiscal_year_value;
use super::doctypes::gl_value;
use super::doctypes::invoice_fields;
use super::doctypes::invoice_value;
use super::doctypes::item_value;
use super::doctypes::journal_value;
use super::doctypes::list_query;
use super::doctypes::party_fields;
use super::doctypes::party_value;
use super::doctypes::payment_value;
use super::doctypes::stock_entry_value;
use super::doctypes::warehouse_value;
use super::doctypes::Doctype;
use super::doctypes::InvoiceCtx;
use super::doctypes::PaymentCtx;
use super::doctypes::ACCOUNT_FIELDS;
use super::doctypes::FISCAL_YEAR_FIELDS;
use super::doctypes::GL_FIELDS;
use super::doctypes::ITEM_FIELDS;
use super::doctypes::JOURNAL_FIELDS;
use super::doctypes::PAYMENT_FIELDS;
use super::doctypes::STOCK_ENTRY_FIELDS;
use super::doctypes::WAREHOUSE_FIELDS;
use super::errors::data;
use super::errors::doctype_of;
use super::errors::erp_error;
use super::errors::need;
use super::errors::FrappeCaller;
use super::filters::clean_field;
use super::filters::expand_filter;
use super::filters::parse_filters;
use super::filters::RawFilter;
use super::json::date_of;
use super::json::invalid;
use super::json::text_of;
use super::json::J;
use super::{DEFAULT_PAGE, MAX_PAGE};
use crate::books::caller::today;
use crate::books::caller::BooksCaller;
use axum::extract::Path;
use axum::extract::RawQuery;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use tenantry_domain::books::InvoiceKind;
use tenantry_erp::Books;
use tenantry_erp::ErpError;
use tenantry_store::books::FilterOp;
use tenantry_store::books::FilterValue;
use tenantry_store::books::LedgerQuery;
use tenantry_store::books::ListQuery;
use tenantry_store::books::PartyKind;
use utoipa::IntoParams;

/// Frappe's list parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceQuery {
    /// A JSON list of fields, `["*"]` for all of them; `["name"]` when absent.
    pub(super) fields: Option<String>,
    /// JSON: `[["posting_date", ">=", "2026-04-01"]]`, `[["Sales Invoice", "docstatus", "=", 1]]`,
    /// `{"customer": "Acme"}` or `{"grand_total": [">", 100]}`.
    pub(super) filters: Option<String>,
    /// `posting_date desc, name asc`.
    pub(super) order_by: Option<String>,
    /// Rows to skip.
    pub(super) limit_start: Option<String>,
    /// Rows to return: 20 when absent; 0 for all of them (at most 10,000).
    pub(super) limit_page_length: Option<String>,
    /// The same as `limit_page_length`.
    pub(super) limit: Option<String>,
    /// Not supported: refused.
    pub(super) or_filters: Option<String>,
    /// Not supported: refused.
    pub(super) group_by: Option<String>,
}

pub(super) fn number_param(name: &str, v: Option<&str>, default: i64) -> Result<i64, ErpError> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| invalid(format!("{name} must be a whole number ≥ 0, not {t:?}"))),
    }
}

pub(super) fn parse_fields(v: Option<&str>) -> Result<Vec<String>, ErpError> {
    let Some(text) = v.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(vec!["name".into()]);
    };
    // `"*"` or `"name"`: one field as JSON text, as Frappe's Python client sends its default.
    if text.starts_with('"') {
        return match J::parse(text).map_err(|e| invalid(format!("fields: {e}")))? {
            J::Str(f) => Ok(vec![clean_field(&f)]),
            other => Err(invalid(format!(
                "fields: expected text, not {}",
                other.kind()
            ))),
        };
    }
    if text.starts_with('[') {
        match J::parse(text).map_err(|e| invalid(format!("fields: {e}")))? {
            J::Arr(items) => items
                .into_iter()
                .map(|i| match i {
                    J::Str(f) => Ok(clean_field(&f)),
                    other => Err(invalid(format!(
                        "fields: each field is text, not {}",
                        other.kind()
                    ))),
                })
                .collect(),
            _ => Err(invalid("fields must be a JSON list")),
        }
    } else {
        Ok(text.split(',').map(clean_field).collect())
    }
}

/// GET `/api/resource/<DocType>`.
#[utoipa::path(get, path = "/api/resource/{doctype}", tag = "erpnext",
    params(("doctype" = String, Path, description = "Customer, Supplier, Item, Warehouse, Account, Sales Invoice, Purchase Invoice, Payment Entry, Journal Entry, Stock Entry or GL Entry"), ResourceQuery),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"data\": [{…}, …]}`", body = Object),
        (status = 401, description = "AuthenticationError", body = Object),
        (status = 403, description = "PermissionError", body = Object),
        (status = 404, description = "DoesNotExistError: no such DocType", body = Object),
        (status = 417, description = "ValidationError: unknown field or filter", body = Object)))]
pub async fn list(
    FrappeCaller(c): FrappeCaller,
    Path(doctype): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let rows = async {
        let d = doctype_of(&doctype)?;
        need(&c, d.read_permission())?;
        let pairs = form_pairs(query.unwrap_or_default().as_bytes()).map_err(erp_error)?;
        list_rows(&c, d, &ResourceQuery::from_pairs(pairs)).await
    };
    match rows.await {
        Ok(rows) => data(rows),
        Err(r) => r,
    }
}

impl ResourceQuery {
    /// The parameters from name/value pairs (the last of a repeated name wins; others are
    /// ignored).
    pub(super) fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut q = ResourceQuery::default();
        for (k, v) in pairs {
            let slot = match k.as_str() {
                "fields" => &mut q.fields,
                "filters" => &mut q.filters,
                "order_by" => &mut q.order_by,
                "limit_start" => &mut q.limit_start,
                "limit_page_length" => &mut q.limit_page_length,
                "limit" => &mut q.limit,
                "or_filters" => &mut q.or_filters,
                "group_by" => &mut q.group_by,
                _ => continue,
            };
            *slot = Some(v);
        }
        q
    }
}

/// A list's rows, as a list of the REST surface or `frappe.client.get_list` returns them: the
/// caller's right to read `d` is checked first.
pub(super) async fn list_rows(
    c: &BooksCaller,
    d: Doctype,
    p: &ResourceQuery,
) -> Result<Vec<Doc>, Response> {
    need(c, d.read_permission())?;
    if p.or_filters
        .as_deref()
        .is_some_and(|f| !f.trim().is_empty() && f.trim() != "[]")
    {
        return Err(erp_error(invalid(
            "or_filters is not supported; make one request per alternative",
        )));
    }
    if p.group_by.as_deref().is_some_and(|g| !g.trim().is_empty()) {
        return Err(erp_error(invalid("group_by is not supported")));
    }
    let fields = parse_fields(p.fields.as_deref()).map_err(erp_error)?;
    let filters = parse_filters(p.filters.as_deref().unwrap_or_default()).map_err(erp_error)?;
    let start = number_param("limit_start", p.limit_start.as_deref(), 0).map_err(erp_error)?;
    let page = number_param(
        "limit_page_length",
        p.limit_page_length.as_deref().or(p.limit.as_deref()),
        DEFAULT_PAGE,
    )
    .map_err(erp_error)?;
    let page = if page == 0 {
        MAX_PAGE
    } else {
        page.min(MAX_PAGE)
    };
    let order = p.order_by.as_deref().unwrap_or_default();
    let today = today();
    let books = &c.books;
    let rows = async {
        let q = || list_query(d, &filters, order, start, page, today);
        Ok::<_, ErpError>(match d {
            Doctype::Customer | Doctype::Supplier => {
                let kind = party_kind(d);
                let all = party_fields(kind);
                let f = wanted(&fields, all, d.name())?;
                project(&books.list_parties(kind, &q()?).await?, &f, party_value)
            }
            Doctype::Item => {
                let f = wanted(&fields, ITEM_FIELDS, d.name())?;
                project(&books.list_items(&q()?).await?, &f, item_value)
            }
            Doctype::FiscalYear => {
                let f = wanted(&fields, FISCAL_YEAR_FIELDS, d.name())?;
                project(
                    &books.list_fiscal_years(&q()?).await?,
                    &f,
                    fiscal_year_value,
                )
            }
            Doctype::Warehouse => {
                let f = wanted(&fields, WAREHOUSE_FIELDS, d.name())?;
                project(&books.list_warehouses(&q()?).await?, &f, warehouse_value)
            }
            Doctype::Account => {
                let f = wanted(&fields, ACCOUNT_FIELDS, d.name())?;
                let names = account_names(books).await?;
                project(&books.list_accounts(&q()?).await?, &f, |a, f| {
                    account_value(a, &names, f)
                })
            }
            Doctype::SalesInvoice | Doctype::PurchaseInvoice => {
                let kind = invoice_kind(d);
                let f = wanted(&fields, invoice_fields(kind), d.name())?;
                let ctx = InvoiceCtx {
                    today,
                    currency: books.settings().await?.currency,
                };
                project(&books.list_invoices(kind, &q()?).await?, &f, |i, f| {
                    invoice_value(i, &ctx, f)
                })
            }
            Doctype::PaymentEntry => {
                let f = wanted(&fields, PAYMENT_FIELDS, d.name())?;
                let ctx = payment_ctx(books).await?;
                project(&books.list_payments(&q()?).await?, &f, |p, f| {
                    payment_value(p, &ctx, f)
                })
            }
            Doctype::JournalEntry => {
                let f = wanted(&fields, JOURNAL_FIELDS, d.name())?;
                project(&books.list_journals(&q()?).await?, &f, journal_value)
            }
            Doctype::StockEntry => {
                let f = wanted(&fields, STOCK_ENTRY_FIELDS, d.name())?;
                project(
                    &books.list_stock_entries(&q()?).await?,
                    &f,
                    stock_entry_value,
                )
            }
            Doctype::GlEntry => {
                let f = wanted(&fields, GL_FIELDS, d.name())?;
                let mut lq = gl_query(books, &filters).await?;
                lq.limit = page;
                lq.offset = start;
                project(
                    &books
                        .general_ledger(&lq)
                        .await?
                        .rows
                        .into_iter()
                        .map(|r| r.line)
                        .collect::<Vec<_>>(),
                    &f,
                    gl_value,
                )
            }
        })
    }
    .await
    .map_err(erp_error)?;
    Ok(rows)
}

pub(super) fn party_kind(d: Doctype) -> PartyKind {
    match d {
        Doctype::Supplier => PartyKind::Supplier,
        _ => PartyKind::Customer,
    }
}

pub(super) fn invoice_kind(d: Doctype) -> InvoiceKind {
    match d {
        Doctype::PurchaseInvoice => InvoiceKind::Purchase,
        _ => InvoiceKind::Sales,
    }
}

pub(super) fn all_rows() -> ListQuery {
    ListQuery {
        limit: MAX_PAGE,
        ..ListQuery::default()
    }
}

pub(super) async fn account_names(books: &Books) -> Result<HashMap<i64, String>, ErpError> {
    Ok(books
        .accounts()
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect())
}

pub(super) async fn warehouse_names(books: &Books) -> Result<Vec<(i64, String)>, ErpError> {
    Ok(books
        .list_warehouses(&all_rows())
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect())
}

pub(super) async fn payment_ctx(books: &Books) -> Result<PaymentCtx, ErpError> {
    let names = account_names(books).await?;
    let defaults = books.default_accounts().await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    Ok(PaymentCtx {
        receivable: name(defaults.receivable.0),
        payable: name(defaults.payable.0),
    })
}

/// GL Entry's filters, as a general-ledger query: account, party (with party_type), voucher_no
/// and posting_date.
pub(super) async fn gl_query(
    books: &Books,
    filters: &[RawFilter],
) -> Result<LedgerQuery, ErpError> {
    let mut q = LedgerQuery::default();
    let text = |f: &RawFilter| -> Result<String, ErpError> {
        if f.op.trim() != "=" {
            return Err(invalid(format!(
                "filter on {:?}: GL Entry takes = here",
                f.field
            )));
        }
        text_of(&f.field, f.value.clone())?
            .ok_or_else(|| invalid(format!("filter on {:?} needs a value", f.field)))
    };
    let mut party: Option<String> = None;
    let mut party_type: Option<PartyKind> = None;
    for f in filters {
        match f.field.as_str() {
            "account" => q.account_id = Some(books.account(&text(f)?).await.map_err(not_found_is_invalid)?.id),
            "voucher_no" => q.voucher_no = Some(text(f)?),
            "party" => party = Some(text(f)?),
            "party_type" => {
                party_type = Some(match text(f)?.to_ascii_lowercase().as_str() {
                    "customer" => PartyKind::Customer,
                    "supplier" => PartyKind::Supplier,
                    other => {
                        return Err(invalid(format!(
                            "filter on party_type: {other:?} is neither Customer nor Supplier"
                        )))
                    }
                })
            }
            "name" => {
                q.id = Some(gl_id(&text(f)?).ok_or_else(|| invalid("filter on name: GL Entry names are GLE-<number>"))?)
            }
            "posting_date" => {
                for e in expand_filter("posting_date", f)? {
                    let FilterValue::Text(t) = e.value else {
                        return Err(invalid("filter on posting_date: expected a date as YYYY-MM-DD"));
                    };
                    let d = date_of("posting_date", J::Str(t))?
                        .ok_or_else(|| invalid("filter on posting_date needs a date"))?;
                    match e.op {
                        FilterOp::Eq => {
                            q.from = Some(d);
                            q.to = Some(d);
                        }
                        FilterOp::Ge => q.from = Some(d),
                        FilterOp::Gt => q.from = Some(d + time::Duration::days(1)),
                        FilterOp::Le => q.to = Some(d),
                        FilterOp::Lt => q.to = Some(d - time::Duration::days(1)),
                        _ => {
                            return Err(invalid(
                                "filter on posting_date: GL Entry takes =, >, >=, <, <= or between",
                            ))
                        }
                    }
                }
            }
            other => {
                return Err(invalid(format!(
                    "GL Entry can be filtered on account, party, party_type, voucher_no, posting_date and name, not {other:?}"
                )))
            }
        }
    }
    if let Some(name) = party {
        let found = match party_type {
            Some(kind) => books.party(kind, &name).await,
            None => match books.party(PartyKind::Customer, &name).await {
                Err(ErpError::NotFound(_)) => books.party(PartyKind::Supplier, &name).await,
                other => other,
            },
        };
        q.party_id = Some(found.map_err(not_found_is_invalid)?.id);
    }
    Ok(q)
}

pub(super) fn gl_id(name: &str) -> Option<i64> {
    name.trim().strip_prefix("GLE-")?.parse().ok()
}

/// What a filter names but does not exist is bad input, not a missing document.
pub(super) fn not_found_is_invalid(e: ErpError) -> ErpError {
    match e {
        ErpError::NotFound(what) => invalid(format!("{what} does not exist")),
        other => other,
    }
}
