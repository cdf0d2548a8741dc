//! The ERPNext-compatible surface of a client's books, so that existing Frappe integrations keep
//! working: `/api/resource/<DocType>` (list, read, create, update), `POST /api/method/login` and
//! `POST /api/method/logout`, with Frappe's query parameters, field names, `{"data": …}` shapes,
//! `docstatus` convention and error shapes.
//!
//! Numbers are exact: request bodies and filters are read from their JSON text (a number's digits
//! are parsed as a decimal, never through a float), and money and quantities are written back as
//! JSON numbers from their exact decimal text.

#![allow(clippy::result_large_err)] // refusals are ready responses; their size does not matter here

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tenantry_auth::{AuthError, LoginOutcome, LoginRequest};
use tenantry_domain::books::{
    AccountType, Amount, Docstatus, InvoiceKind, PaymentDirection, Quantity, RootType, VatCategory,
};
use tenantry_domain::Permission;
use tenantry_erp::invoices::{InvoiceDoc, InvoiceInput, LineInput};
use tenantry_erp::journals::{JournalDoc, JournalInput, JournalLineInput};
use tenantry_erp::masters::{AccountInput, AccountUpdate, ItemInput, PartyInput, WarehouseInput};
use tenantry_erp::payments::{AllocationInput, PaymentDoc, PaymentInput};
use tenantry_erp::stock::{StockEntryDoc, StockEntryInput, StockLineInput};
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::{
    Account, Filter, FilterOp, FilterValue, Invoice, Item, LedgerLine, LedgerQuery, ListQuery,
    OrderBy, Party, PartyKind, Payment, StockEntry, StockPurpose, Warehouse,
};
use time::Date;
use utoipa::IntoParams;

use super::{today, BooksCaller};
use crate::error::frappe_status;
use crate::host::CurrentTenant;
use crate::AppState;

pub(crate) mod rpc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/resource/{doctype}", get(list).post(create))
        .route(
            "/api/resource/{doctype}/{name}",
            get(read).put(update).delete(rpc::delete_resource),
        )
        .route("/api/method/login", post(login))
        .route("/api/method/logout", post(logout))
        .merge(rpc::router())
}

/// The most rows one list returns (`limit_page_length=0` asks for all of them, up to this).
pub(crate) const MAX_PAGE: i64 = 10_000;
/// Frappe's default page.
const DEFAULT_PAGE: i64 = 20;

// ---- exact JSON ----

/// JSON as it was written: numbers keep their text, so that money is read exactly.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(BTreeMap<String, J>),
}

/// How deep a document or a filter may nest (a document's child rows are three levels down).
const MAX_DEPTH: usize = 8;

impl J {
    pub(crate) fn parse(text: &str) -> Result<J, String> {
        let raw: Box<RawValue> =
            serde_json::from_str(text).map_err(|e| format!("the JSON is malformed: {e}"))?;
        Self::from_raw(raw.get(), 0)
    }

    fn from_raw(text: &str, depth: usize) -> Result<J, String> {
        if depth > MAX_DEPTH {
            return Err("the JSON is nested too deeply".into());
        }
        let bad = |e: serde_json::Error| format!("the JSON is malformed: {e}");
        let t = text.trim();
        Ok(match t.as_bytes().first() {
            Some(b'{') => {
                let m: BTreeMap<String, Box<RawValue>> = serde_json::from_str(t).map_err(bad)?;
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    out.insert(k, Self::from_raw(v.get(), depth + 1)?);
                }
                J::Obj(out)
            }
            Some(b'[') => {
                let v: Vec<Box<RawValue>> = serde_json::from_str(t).map_err(bad)?;
                J::Arr(
                    v.iter()
                        .map(|r| Self::from_raw(r.get(), depth + 1))
                        .collect::<Result<_, _>>()?,
                )
            }
            Some(b'"') => J::Str(serde_json::from_str(t).map_err(bad)?),
            Some(b't') => J::Bool(true),
            Some(b'f') => J::Bool(false),
            Some(b'n') => J::Null,
            _ => J::Num(t.to_owned()),
        })
    }

    fn kind(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "a boolean",
            J::Num(_) => "a number",
            J::Str(_) => "text",
            J::Arr(_) => "a list",
            J::Obj(_) => "an object",
        }
    }

    /// Null, empty text, zero, false or an empty list: what a client sends for "not set".
    fn is_blank(&self) -> bool {
        match self {
            J::Null => true,
            J::Bool(b) => !b,
            J::Num(n) => n
                .trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.'),
            J::Str(s) => s.trim().is_empty(),
            J::Arr(a) => a.is_empty(),
            J::Obj(o) => o.is_empty(),
        }
    }
}

fn invalid(message: impl Into<String>) -> ErpError {
    ErpError::Invalid(message.into())
}

/// A text field: JSON text or null. A number, a boolean, a list or an object is refused, as the
/// native API refuses it (a customer is never named `5` because a client sent `5`).
fn text_of(field: &str, j: J) -> Result<Option<String>, ErpError> {
    match j {
        J::Null => Ok(None),
        J::Str(s) => Ok(Some(s)),
        other => Err(invalid(format!(
            "{field} must be text, not {}",
            other.kind()
        ))),
    }
}

fn decimal_of<T>(
    field: &str,
    j: J,
    parse: fn(&str) -> Result<T, tenantry_domain::ValidationError>,
) -> Result<Option<T>, ErpError> {
    match j {
        J::Null => Ok(None),
        J::Num(t) | J::Str(t) => parse(&t)
            .map(Some)
            .map_err(|e| invalid(format!("{field}: {}", e.message))),
        other => Err(invalid(format!(
            "{field} must be a number, not {}",
            other.kind()
        ))),
    }
}

fn int_of(field: &str, j: J) -> Result<Option<i64>, ErpError> {
    match j {
        J::Null => Ok(None),
        J::Bool(b) => Ok(Some(i64::from(b))),
        J::Num(t) | J::Str(t) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| invalid(format!("{field} must be a whole number, not {t:?}"))),
        other => Err(invalid(format!(
            "{field} must be a whole number, not {}",
            other.kind()
        ))),
    }
}

fn flag_of(field: &str, j: J) -> Result<Option<bool>, ErpError> {
    match j {
        J::Null => Ok(None),
        J::Bool(b) => Ok(Some(b)),
        J::Num(t) | J::Str(t) => match t.trim() {
            "1" | "true" => Ok(Some(true)),
            "0" | "false" | "" => Ok(Some(false)),
            _ => Err(invalid(format!("{field} must be 0 or 1, not {t:?}"))),
        },
        other => Err(invalid(format!(
            "{field} must be 0 or 1, not {}",
            other.kind()
        ))),
    }
}

fn date_of(field: &str, j: J) -> Result<Option<Date>, ErpError> {
    match text_of(field, j)? {
        None => Ok(None),
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => Date::parse(
            t.trim(),
            &time::format_description::well_known::Iso8601::DATE,
        )
        .map(Some)
        .map_err(|_| invalid(format!("{field} must be a date as YYYY-MM-DD, not {t:?}"))),
    }
}

/// Fields every document may carry that are Frappe's bookkeeping, not its content.
const FRAPPE_META: &[&str] = &[
    "doctype",
    "name",
    "owner",
    "creation",
    "modified",
    "modified_by",
    "idx",
    "docstatus",
    "parent",
    "parentfield",
    "parenttype",
    "company",
    "naming_series",
    "__islocal",
    "__unsaved",
    "_user_tags",
    "_comments",
    "_assign",
    "_liked_by",
];

/// A document as a client sent it. Fields are taken as they are read; whatever is left at the end
/// was not understood, and is refused unless it is Frappe's bookkeeping, a field these books work
/// out themselves, or blank.
struct Body {
    doctype: &'static str,
    map: BTreeMap<String, J>,
}

impl Body {
    fn new(doctype: &'static str, j: J) -> Result<Body, ErpError> {
        match j {
            J::Obj(map) => Ok(Body { doctype, map }),
            other => Err(invalid(format!(
                "a {doctype} is sent as a JSON object, not {}",
                other.kind()
            ))),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    fn take(&mut self, key: &str) -> J {
        self.map.remove(key).unwrap_or(J::Null)
    }

    fn text(&mut self, key: &str) -> Result<Option<String>, ErpError> {
        let j = self.take(key);
        text_of(key, j)
    }

    fn amount(&mut self, key: &str) -> Result<Option<Amount>, ErpError> {
        let j = self.take(key);
        decimal_of(key, j, Amount::parse)
    }

    fn qty(&mut self, key: &str) -> Result<Option<Quantity>, ErpError> {
        let j = self.take(key);
        decimal_of(key, j, Quantity::parse)
    }

    fn int(&mut self, key: &str) -> Result<Option<i64>, ErpError> {
        let j = self.take(key);
        int_of(key, j)
    }

    fn flag(&mut self, key: &str) -> Result<Option<bool>, ErpError> {
        let j = self.take(key);
        flag_of(key, j)
    }

    fn date(&mut self, key: &str) -> Result<Option<Date>, ErpError> {
        let j = self.take(key);
        date_of(key, j)
    }

    /// One of two spellings of an amount (`debit_in_account_currency` or `debit`); refused when
    /// both are sent and disagree.
    fn amount_either(&mut self, a: &str, b: &str) -> Result<Option<Amount>, ErpError> {
        match (self.amount(a)?, self.amount(b)?) {
            (Some(x), Some(y)) if x != y => Err(invalid(format!(
                "{a} ({x}) and {b} ({y}) disagree; send one of them"
            ))),
            (Some(x), _) | (None, Some(x)) => Ok(Some(x)),
            (None, None) => Ok(None),
        }
    }

    fn rows(&mut self, key: &str, doctype: &'static str) -> Result<Option<Vec<Body>>, ErpError> {
        match self.take(key) {
            J::Null => Ok(None),
            J::Arr(items) => items
                .into_iter()
                .map(|i| Body::new(doctype, i))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            other => Err(invalid(format!(
                "{key} must be a list of rows, not {}",
                other.kind()
            ))),
        }
    }

    /// Refuses what is left unless it may be ignored.
    fn finish(self, ignored: &[&str]) -> Result<(), ErpError> {
        let unknown: Vec<&String> = self
            .map
            .iter()
            .filter(|(k, v)| {
                !FRAPPE_META.contains(&k.as_str())
                    && !ignored.contains(&k.as_str())
                    && !v.is_blank()
            })
            .map(|(k, _)| k)
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(invalid(format!(
            "unknown field{} for {}: {}",
            if unknown.len() > 1 { "s" } else { "" },
            self.doctype,
            unknown
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

// ---- list parameters, shared with the native API ----

/// A filter as written: `[field, operator, value]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawFilter {
    pub field: String,
    pub op: String,
    pub value: J,
}

/// A field name as Frappe clients may write it: `` `tabSales Invoice`.`posting_date` `` or
/// `posting_date`.
pub(crate) fn clean_field(s: &str) -> String {
    let s = s.trim().replace('`', "");
    match s.rsplit_once('.') {
        Some((table, field)) if table.starts_with("tab") => field.trim().to_owned(),
        _ => s,
    }
}

/// Frappe's `filters`: a list of `[field, op, value]` or `[doctype, field, op, value]`, one such
/// triple alone, or an object `{field: value}` / `{field: [op, value]}`.
pub(crate) fn parse_filters(text: &str) -> Result<Vec<RawFilter>, ErpError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let j = J::parse(text).map_err(|e| invalid(format!("filters: {e}")))?;
    let triple = |items: Vec<J>| -> Result<RawFilter, ErpError> {
        let n = items.len();
        let mut it = items.into_iter();
        let mut next_text = |what: &str| -> Result<String, ErpError> {
            match it.next() {
                Some(J::Str(s)) => Ok(s),
                other => Err(invalid(format!(
                    "filters: expected {what} as text, found {}",
                    other.map_or("nothing", |o| o.kind())
                ))),
            }
        };
        let (field, op) = match n {
            2 => (next_text("a field")?, "=".to_owned()),
            3 => (next_text("a field")?, next_text("an operator")?),
            4 => {
                next_text("a DocType")?;
                (next_text("a field")?, next_text("an operator")?)
            }
            _ => {
                return Err(invalid(
                    "filters: each filter is [field, operator, value] or [doctype, field, operator, value]",
                ))
            }
        };
        Ok(RawFilter {
            field: clean_field(&field),
            op,
            value: it.next().unwrap_or(J::Null),
        })
    };
    match j {
        J::Obj(map) => map
            .into_iter()
            .map(|(field, v)| match v {
                J::Arr(mut pair) if pair.len() == 2 && matches!(pair[0], J::Str(_)) => {
                    let value = pair.pop().unwrap_or(J::Null);
                    let op = match pair.pop() {
                        Some(J::Str(op)) => op,
                        _ => "=".into(),
                    };
                    Ok(RawFilter {
                        field: clean_field(&field),
                        op,
                        value,
                    })
                }
                value => Ok(RawFilter {
                    field: clean_field(&field),
                    op: "=".into(),
                    value,
                }),
            })
            .collect(),
        J::Arr(items) if items.first().is_some_and(|i| matches!(i, J::Str(_))) => {
            Ok(vec![triple(items)?])
        }
        J::Arr(items) => items
            .into_iter()
            .map(|f| match f {
                J::Arr(parts) => triple(parts),
                other => Err(invalid(format!(
                    "filters: each filter is a list, not {}",
                    other.kind()
                ))),
            })
            .collect(),
        other => Err(invalid(format!(
            "filters must be a JSON list or object, not {}",
            other.kind()
        ))),
    }
}

fn filter_value(j: &J) -> Result<FilterValue, ErpError> {
    Ok(match j {
        J::Null => FilterValue::Null,
        J::Bool(b) => FilterValue::Bool(*b),
        J::Num(t) => match t.parse::<i64>() {
            Ok(i) => FilterValue::Int(i),
            Err(_) => FilterValue::Text(t.clone()),
        },
        J::Str(s) => FilterValue::Text(s.clone()),
        J::Arr(items) => FilterValue::List(
            items
                .iter()
                .map(|i| match i {
                    J::Arr(_) | J::Obj(_) => {
                        Err(invalid("filters: a list holds plain values only"))
                    }
                    other => filter_value(other),
                })
                .collect::<Result<_, _>>()?,
        ),
        J::Obj(_) => return Err(invalid("filters: a value cannot be an object")),
    })
}

/// Turns a written filter into the store's filters on `column`: Frappe's `between`, `is set` /
/// `is not set`, and comma-separated `in` lists included.
pub(crate) fn expand_filter(column: &str, f: &RawFilter) -> Result<Vec<Filter>, ErpError> {
    let op_text = f.op.trim().to_ascii_lowercase();
    let one = |op: FilterOp, value: FilterValue| Filter {
        column: column.to_owned(),
        op,
        value,
    };
    match op_text.as_str() {
        "between" => match &f.value {
            J::Arr(pair) if pair.len() == 2 => Ok(vec![
                one(FilterOp::Ge, filter_value(&pair[0])?),
                one(FilterOp::Le, filter_value(&pair[1])?),
            ]),
            _ => Err(invalid(format!(
                "filter on {:?}: between takes [from, to]",
                f.field
            ))),
        },
        "is" => {
            let set = match &f.value {
                J::Str(s) if s.eq_ignore_ascii_case("set") => true,
                J::Str(s) if s.eq_ignore_ascii_case("not set") => false,
                J::Null => false,
                _ => {
                    return Err(invalid(format!(
                        "filter on {:?}: is takes \"set\" or \"not set\"",
                        f.field
                    )))
                }
            };
            Ok(vec![one(
                if set { FilterOp::IsNot } else { FilterOp::Is },
                FilterValue::Null,
            )])
        }
        _ => {
            let op = FilterOp::parse(&op_text).ok_or_else(|| {
                invalid(format!(
                    "filter on {:?}: unknown operator {:?}",
                    f.field, f.op
                ))
            })?;
            let value = match (op, &f.value) {
                (FilterOp::In | FilterOp::NotIn, J::Str(s)) => FilterValue::List(
                    s.split(',')
                        .map(|v| FilterValue::Text(v.trim().to_owned()))
                        .collect(),
                ),
                (_, v) => filter_value(v)?,
            };
            Ok(vec![one(op, value)])
        }
    }
}

/// `order_by`: `"posting_date desc, name"`.
pub(crate) fn parse_order(
    text: &str,
    rename: impl Fn(&str) -> String,
) -> Result<Vec<OrderBy>, ErpError> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        // The direction is the last word; the field before it may be a quoted
        // `` `tabSales Invoice`.`posting_date` `` with a space inside.
        let (field, descending) = match part.rsplit_once(char::is_whitespace) {
            Some((f, dir)) if dir.eq_ignore_ascii_case("desc") => (f, true),
            Some((f, dir)) if dir.eq_ignore_ascii_case("asc") => (f, false),
            _ => (part, false),
        };
        let field = clean_field(field);
        if field.is_empty() || field.contains(char::is_whitespace) {
            return Err(invalid(format!(
                "order_by: cannot read {part:?}; write a field, then asc or desc"
            )));
        }
        out.push(OrderBy {
            column: rename(&field),
            descending,
        });
    }
    Ok(out)
}

// ---- documents as Frappe writes them ----

/// A field's value in a response.
#[derive(Debug)]
enum V {
    Null,
    Str(String),
    Int(i64),
    /// An exact decimal, written as a JSON number from its text.
    Num(String),
    Rows(Vec<Doc>),
}

impl Serialize for V {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            V::Null => s.serialize_none(),
            V::Str(t) => s.serialize_str(t),
            V::Int(i) => s.serialize_i64(*i),
            V::Num(t) => match RawValue::from_string(t.clone()) {
                Ok(raw) => raw.serialize(s),
                Err(_) => s.serialize_str(t),
            },
            V::Rows(rows) => rows.serialize(s),
        }
    }
}

/// A document: its fields in order.
#[derive(Debug, Default)]
struct Doc(Vec<(String, V)>);

impl Doc {
    fn push(&mut self, key: &str, v: V) {
        self.0.push((key.to_owned(), v));
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

fn s(t: impl Into<String>) -> V {
    V::Str(t.into())
}

fn opt(t: Option<impl Into<String>>) -> V {
    t.map_or(V::Null, |t| V::Str(t.into()))
}

fn money(a: Amount) -> V {
    V::Num(a.to_string())
}

fn qty(q: Quantity) -> V {
    V::Num(q.to_string())
}

fn check(b: bool) -> V {
    V::Int(i64::from(b))
}

fn day(d: Date) -> V {
    V::Str(d.to_string())
}

/// Frappe's timestamps: `2026-04-01 09:30:00.000000` (UTC here).
fn stamp(unix: i64) -> V {
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]"
    );
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .map_or(V::Null, V::Str)
}

/// Reads a timestamp filter (`"2026-04-01 09:30:00"`, `"2026-04-01"`) as Unix seconds.
fn unix_of(text: &str) -> Option<i64> {
    let t = text.trim();
    let date_only = time::macros::format_description!("[year]-[month]-[day]");
    let with_time =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let day_part = t.get(..19).unwrap_or(t);
    time::PrimitiveDateTime::parse(day_part, &with_time)
        .map(|d| d.assume_utc().unix_timestamp())
        .or_else(|_| Date::parse(t, &date_only).map(|d| d.midnight().assume_utc().unix_timestamp()))
        .ok()
}

/// The fields a list asked for: `["*"]` means every field.
fn wanted(
    fields: &[String],
    all: &'static [&'static str],
    doctype: &str,
) -> Result<Vec<String>, ErpError> {
    let mut out: Vec<String> = Vec::new();
    for f in fields {
        if f == "*" {
            for a in all {
                if !out.iter().any(|o| o == a) {
                    out.push((*a).to_owned());
                }
            }
        } else if all.contains(&f.as_str()) {
            if !out.contains(f) {
                out.push(f.clone());
            }
        } else {
            return Err(invalid(format!("unknown field {f:?} for {doctype}")));
        }
    }
    Ok(out)
}

fn project<T>(rows: &[T], fields: &[String], value: impl Fn(&T, &str) -> Option<V>) -> Vec<Doc> {
    rows.iter()
        .map(|r| {
            let mut d = Doc::default();
            for f in fields {
                d.push(f, value(r, f).unwrap_or(V::Null));
            }
            d
        })
        .collect()
}

/// Every field of one row, with its DocType: the start of a full document.
fn whole<T>(doctype: &str, row: &T, all: &[&str], value: impl Fn(&T, &str) -> Option<V>) -> Doc {
    let mut d = Doc::default();
    for f in all {
        d.push(f, value(row, f).unwrap_or(V::Null));
    }
    d.push("doctype", s(doctype));
    d
}

/// A child row's Frappe bookkeeping.
fn child(doctype: &str, parent: &str, parentfield: &str, parenttype: &str, idx: usize) -> Doc {
    let mut d = Doc::default();
    d.push("doctype", s(doctype));
    d.push("parent", s(parent));
    d.push("parentfield", s(parentfield));
    d.push("parenttype", s(parenttype));
    d.push("idx", V::Int(idx as i64));
    d
}

// ---- the DocTypes ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doctype {
    Customer,
    Supplier,
    Item,
    Warehouse,
    Account,
    SalesInvoice,
    PurchaseInvoice,
    PaymentEntry,
    JournalEntry,
    StockEntry,
    GlEntry,
}

impl Doctype {
    const ALL: [Doctype; 11] = [
        Doctype::Customer,
        Doctype::Supplier,
        Doctype::Item,
        Doctype::Warehouse,
        Doctype::Account,
        Doctype::SalesInvoice,
        Doctype::PurchaseInvoice,
        Doctype::PaymentEntry,
        Doctype::JournalEntry,
        Doctype::StockEntry,
        Doctype::GlEntry,
    ];

    fn name(self) -> &'static str {
        match self {
            Doctype::Customer => "Customer",
            Doctype::Supplier => "Supplier",
            Doctype::Item => "Item",
            Doctype::Warehouse => "Warehouse",
            Doctype::Account => "Account",
            Doctype::SalesInvoice => "Sales Invoice",
            Doctype::PurchaseInvoice => "Purchase Invoice",
            Doctype::PaymentEntry => "Payment Entry",
            Doctype::JournalEntry => "Journal Entry",
            Doctype::StockEntry => "Stock Entry",
            Doctype::GlEntry => "GL Entry",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(s.trim()))
    }

    /// What reading it takes: the ledger itself is the accountants' (as the general ledger
    /// report is).
    fn read_permission(self) -> Permission {
        match self {
            Doctype::GlEntry => Permission::ErpReports,
            _ => Permission::ErpRead,
        }
    }

    /// What creating or editing it takes; none for the ledger, which only submitting writes.
    fn write_permission(self) -> Option<Permission> {
        match self {
            Doctype::Customer | Doctype::SalesInvoice => Some(Permission::ErpCreateSales),
            Doctype::Account => Some(Permission::ErpConfigure),
            Doctype::GlEntry => None,
            _ => Some(Permission::ErpCreateAny),
        }
    }

    fn is_submittable(self) -> bool {
        matches!(
            self,
            Doctype::SalesInvoice
                | Doctype::PurchaseInvoice
                | Doctype::PaymentEntry
                | Doctype::JournalEntry
                | Doctype::StockEntry
        )
    }

    /// Frappe field names that the store's lists call otherwise.
    fn rename(self, field: &str) -> String {
        let renamed = match (self, field) {
            (Doctype::Customer, "customer_name") | (Doctype::Supplier, "supplier_name") => "name",
            (Doctype::Customer | Doctype::Supplier, "email_id") => "email",
            (Doctype::Customer | Doctype::Supplier, "pincode") => "postcode",
            (Doctype::Item, "name") => "item_code",
            (Doctype::Warehouse, "warehouse_name") => "name",
            (Doctype::Account, "account_name") => "name",
            (Doctype::SalesInvoice, "customer_name") => "customer",
            (Doctype::PurchaseInvoice, "supplier_name") => "supplier",
            (Doctype::SalesInvoice | Doctype::PurchaseInvoice, "total") => "net_total",
            (Doctype::PaymentEntry, "party_name") => "party",
            (Doctype::PaymentEntry, "received_amount") => "paid_amount",
            (Doctype::StockEntry, "stock_entry_type") => "purpose",
            _ => field,
        };
        renamed.to_owned()
    }
}

/// How a filter's value is read for a column whose stored value is spelt otherwise.
fn convert_value(d: Doctype, column: &str, v: FilterValue) -> Result<FilterValue, ErpError> {
    let each = |v: FilterValue, f: &dyn Fn(&str) -> Result<FilterValue, ErpError>| match v {
        FilterValue::Text(t) => f(&t),
        FilterValue::List(items) => items
            .into_iter()
            .map(|i| match i {
                FilterValue::Text(t) => f(&t),
                other => Ok(other),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(FilterValue::List),
        other => Ok(other),
    };
    match (d, column) {
        (_, "creation" | "modified") => each(v, &|t| {
            Ok(match unix_of(t) {
                Some(u) => FilterValue::Int(u),
                None => FilterValue::Text(t.to_owned()),
            })
        }),
        (Doctype::Account, "root_type") => each(v, &|t| {
            Ok(FilterValue::Text(
                RootType::parse(t)
                    .map(|r| r.as_str().to_owned())
                    .unwrap_or_else(|_| t.to_owned()),
            ))
        }),
        (Doctype::Account, "account_type") => each(v, &|t| {
            if t.eq_ignore_ascii_case("tax") {
                return Err(invalid(
                    "filter on account_type: name tax_output or tax_input (Tax covers both)",
                ));
            }
            Ok(FilterValue::Text(
                account_type_of(t, None)
                    .map(|a| a.as_str().to_owned())
                    .unwrap_or_else(|_| t.to_owned()),
            ))
        }),
        (Doctype::PaymentEntry, "payment_type") => {
            each(v, &|t| Ok(FilterValue::Text(t.to_ascii_lowercase())))
        }
        (Doctype::StockEntry, "purpose") => each(v, &|t| {
            Ok(FilterValue::Text(
                StockPurpose::parse(t).map_or_else(|| t.to_owned(), |p| p.as_str().to_owned()),
            ))
        }),
        _ => Ok(v),
    }
}

/// An invoice's `status` filter, as conditions on what is stored (the statuses that are a
/// matter of stored columns alone).
fn status_filters(f: &RawFilter, today: Date) -> Result<Vec<Filter>, ErpError> {
    let status =
        match (&f.op.trim().to_ascii_lowercase()[..], &f.value) {
            ("=", J::Str(s)) => s.clone(),
            _ => return Err(invalid(
                "filter on status: only status = Draft, Submitted, Cancelled, Return or Overdue; \
                 for the others filter on outstanding_amount and due_date",
            )),
        };
    let f = |column: &str, op: FilterOp, value: FilterValue| Filter {
        column: column.into(),
        op,
        value,
    };
    let docstatus = |d: i64| f("docstatus", FilterOp::Eq, FilterValue::Int(d));
    Ok(match status.as_str() {
        "Draft" => vec![docstatus(0)],
        "Submitted" => vec![docstatus(1)],
        "Cancelled" => vec![docstatus(2)],
        "Return" => vec![
            docstatus(1),
            f("is_return", FilterOp::Eq, FilterValue::Bool(true)),
        ],
        "Overdue" => vec![
            docstatus(1),
            f("is_return", FilterOp::Eq, FilterValue::Bool(false)),
            f("outstanding_amount", FilterOp::Gt, FilterValue::Int(0)),
            f("due_date", FilterOp::Lt, FilterValue::Date(today)),
        ],
        other => {
            return Err(invalid(format!(
                "filter on status: {other:?} is worked out from the outstanding amount; \
                 filter on outstanding_amount and due_date instead"
            )))
        }
    })
}

/// A list query from Frappe's parameters, for a DocType the store lists.
fn list_query(
    d: Doctype,
    filters: &[RawFilter],
    order_by: &str,
    start: i64,
    page: i64,
    today: Date,
) -> Result<ListQuery, ErpError> {
    let mut out = Vec::new();
    for f in filters {
        if f.field == "status" && matches!(d, Doctype::SalesInvoice | Doctype::PurchaseInvoice) {
            out.extend(status_filters(f, today)?);
            continue;
        }
        let column = d.rename(&f.field);
        for mut filter in expand_filter(&column, f)? {
            filter.value = convert_value(d, &column, filter.value)?;
            out.push(filter);
        }
    }
    Ok(ListQuery {
        search: None,
        filters: out,
        order_by: parse_order(order_by, |f| d.rename(f))?,
        limit: page,
        offset: start,
    })
}

// ---- field values per DocType ----

const CUSTOMER_FIELDS: &[&str] = &[
    "name",
    "customer_name",
    "email_id",
    "mobile_no",
    "tax_id",
    "address_line1",
    "address_line2",
    "city",
    "pincode",
    "country",
    "payment_terms_days",
    "disabled",
    "docstatus",
];

const SUPPLIER_FIELDS: &[&str] = &[
    "name",
    "supplier_name",
    "email_id",
    "mobile_no",
    "tax_id",
    "address_line1",
    "address_line2",
    "city",
    "pincode",
    "country",
    "payment_terms_days",
    "disabled",
    "docstatus",
];

fn party_fields(kind: PartyKind) -> &'static [&'static str] {
    match kind {
        PartyKind::Customer => CUSTOMER_FIELDS,
        PartyKind::Supplier => SUPPLIER_FIELDS,
    }
}

fn party_value(p: &Party, f: &str) -> Option<V> {
    Some(match f {
        "name" | "customer_name" | "supplier_name" => s(&p.name),
        "email_id" => s(&p.email),
        "mobile_no" => s(&p.phone),
        "tax_id" => s(&p.tax_id),
        "address_line1" => s(&p.address_line1),
        "address_line2" => s(&p.address_line2),
        "city" => s(&p.city),
        "pincode" => s(&p.postcode),
        "country" => s(&p.country),
        "payment_terms_days" => V::Int(p.payment_terms_days),
        "disabled" => check(p.disabled),
        "docstatus" => V::Int(0),
        _ => return None,
    })
}

const ITEM_FIELDS: &[&str] = &[
    "name",
    "item_code",
    "item_name",
    "item_group",
    "stock_uom",
    "is_stock_item",
    "standard_rate",
    "buying_price",
    "vat_category",
    "disabled",
    "docstatus",
];

fn item_value(i: &Item, f: &str) -> Option<V> {
    Some(match f {
        "name" | "item_code" => s(&i.code),
        "item_name" => s(&i.name),
        "item_group" => opt(i.item_group.clone()),
        "stock_uom" => s(&i.unit),
        "is_stock_item" => check(i.is_stock),
        "standard_rate" => money(i.selling_price),
        "buying_price" => money(i.buying_price),
        "vat_category" => s(i.vat_category.as_str()),
        "disabled" => check(i.disabled),
        "docstatus" => V::Int(0),
        _ => return None,
    })
}

const WAREHOUSE_FIELDS: &[&str] = &[
    "name",
    "warehouse_name",
    "is_group",
    "disabled",
    "docstatus",
];

fn warehouse_value(w: &Warehouse, f: &str) -> Option<V> {
    Some(match f {
        "name" | "warehouse_name" => s(&w.name),
        "is_group" => V::Int(0),
        "disabled" => check(w.disabled),
        "docstatus" => V::Int(0),
        _ => return None,
    })
}

const ACCOUNT_FIELDS: &[&str] = &[
    "name",
    "account_name",
    "account_number",
    "parent_account",
    "root_type",
    "report_type",
    "account_type",
    "is_group",
    "disabled",
    "docstatus",
];

fn account_value(a: &Account, names: &HashMap<i64, String>, f: &str) -> Option<V> {
    Some(match f {
        "name" | "account_name" => s(&a.name),
        "account_number" => s(&a.number),
        "parent_account" => opt(a.parent_id.and_then(|p| names.get(&p).cloned())),
        "root_type" => s(a.root_type.title()),
        "report_type" => s(if a.root_type.is_profit_and_loss() {
            "Profit and Loss"
        } else {
            "Balance Sheet"
        }),
        "account_type" => s(a.account_type.title()),
        "is_group" => check(a.is_group),
        "disabled" => check(a.disabled),
        "docstatus" => V::Int(0),
        _ => return None,
    })
}

const SALES_INVOICE_FIELDS: &[&str] = &[
    "name",
    "customer",
    "customer_name",
    "posting_date",
    "due_date",
    "docstatus",
    "status",
    "is_return",
    "return_against",
    "currency",
    "total",
    "net_total",
    "total_taxes_and_charges",
    "grand_total",
    "rounded_total",
    "outstanding_amount",
    "remarks",
    "owner",
    "creation",
    "modified",
];

const PURCHASE_INVOICE_FIELDS: &[&str] = &[
    "name",
    "supplier",
    "supplier_name",
    "posting_date",
    "due_date",
    "docstatus",
    "status",
    "is_return",
    "return_against",
    "currency",
    "total",
    "net_total",
    "total_taxes_and_charges",
    "grand_total",
    "rounded_total",
    "outstanding_amount",
    "remarks",
    "owner",
    "creation",
    "modified",
];

fn invoice_fields(kind: InvoiceKind) -> &'static [&'static str] {
    match kind {
        InvoiceKind::Sales => SALES_INVOICE_FIELDS,
        InvoiceKind::Purchase => PURCHASE_INVOICE_FIELDS,
    }
}

/// What invoice values need besides the row.
struct InvoiceCtx {
    today: Date,
    currency: String,
}

fn invoice_value(i: &Invoice, ctx: &InvoiceCtx, f: &str) -> Option<V> {
    Some(match f {
        "name" => s(i.name()),
        "customer" | "customer_name" | "supplier" | "supplier_name" => s(&i.party_name),
        "posting_date" => day(i.posting_date),
        "due_date" => day(i.due_date),
        "docstatus" => V::Int(i.docstatus.code()),
        "status" => s(tenantry_domain::books::InvoiceStatus::of(
            i.docstatus,
            i.is_return,
            i.credited,
            i.grand_total,
            i.outstanding,
            i.due_date,
            ctx.today,
        )
        .label()),
        "is_return" => check(i.is_return),
        "return_against" => opt(i.return_against.clone()),
        "currency" => s(&ctx.currency),
        "total" | "net_total" => money(i.net_total),
        "total_taxes_and_charges" => money(i.vat_total),
        "grand_total" | "rounded_total" => money(i.grand_total),
        "outstanding_amount" => money(i.outstanding),
        "remarks" => s(&i.remarks),
        "owner" => s(&i.created_by),
        "creation" => stamp(i.created_at),
        "modified" => stamp(i.updated_at),
        _ => return None,
    })
}

const PAYMENT_FIELDS: &[&str] = &[
    "name",
    "payment_type",
    "party_type",
    "party",
    "party_name",
    "posting_date",
    "paid_amount",
    "received_amount",
    "paid_from",
    "paid_to",
    "reference_no",
    "remarks",
    "status",
    "docstatus",
    "owner",
    "creation",
];

/// The party accounts a payment's `paid_from` / `paid_to` name.
struct PaymentCtx {
    receivable: String,
    payable: String,
}

fn party_title(kind: &str) -> &'static str {
    match kind {
        "supplier" => "Supplier",
        _ => "Customer",
    }
}

fn payment_value(p: &Payment, ctx: &PaymentCtx, f: &str) -> Option<V> {
    let party_account = || match p.party_kind.as_str() {
        "supplier" => ctx.payable.clone(),
        _ => ctx.receivable.clone(),
    };
    Some(match f {
        "name" => s(p.name()),
        "payment_type" => s(p.direction.title()),
        "party_type" => s(party_title(&p.party_kind)),
        "party" | "party_name" => s(&p.party_name),
        "posting_date" => day(p.posting_date),
        "paid_amount" | "received_amount" => money(p.amount),
        "paid_from" => s(match p.direction {
            PaymentDirection::Receive => party_account(),
            PaymentDirection::Pay => p.account_name.clone(),
        }),
        "paid_to" => s(match p.direction {
            PaymentDirection::Receive => p.account_name.clone(),
            PaymentDirection::Pay => party_account(),
        }),
        "reference_no" => s(&p.reference),
        "remarks" => s(&p.remarks),
        "status" => s(p.docstatus.label()),
        "docstatus" => V::Int(p.docstatus.code()),
        "owner" => s(&p.created_by),
        "creation" => stamp(p.created_at),
        _ => return None,
    })
}

const JOURNAL_FIELDS: &[&str] = &[
    "name",
    "voucher_type",
    "posting_date",
    "user_remark",
    "total_debit",
    "total_credit",
    "docstatus",
    "owner",
    "creation",
];

fn journal_value(j: &tenantry_store::books::JournalEntry, f: &str) -> Option<V> {
    Some(match f {
        "name" => s(j.name()),
        "voucher_type" => s("Journal Entry"),
        "posting_date" => day(j.posting_date),
        "user_remark" => s(&j.remarks),
        "total_debit" | "total_credit" => money(j.total_debit),
        "docstatus" => V::Int(j.docstatus.code()),
        "owner" => s(&j.created_by),
        "creation" => stamp(j.created_at),
        _ => return None,
    })
}

const STOCK_ENTRY_FIELDS: &[&str] = &[
    "name",
    "stock_entry_type",
    "purpose",
    "posting_date",
    "remarks",
    "docstatus",
    "owner",
    "creation",
];

fn stock_entry_value(e: &StockEntry, f: &str) -> Option<V> {
    Some(match f {
        "name" => s(e.name()),
        "stock_entry_type" | "purpose" => s(e.purpose.title()),
        "posting_date" => day(e.posting_date),
        "remarks" => s(&e.remarks),
        "docstatus" => V::Int(e.docstatus.code()),
        "owner" => s(&e.created_by),
        "creation" => stamp(e.created_at),
        _ => return None,
    })
}

const GL_FIELDS: &[&str] = &[
    "name",
    "posting_date",
    "account",
    "party_type",
    "party",
    "debit",
    "credit",
    "debit_in_account_currency",
    "credit_in_account_currency",
    "voucher_type",
    "voucher_no",
    "is_cancelled",
    "docstatus",
];

fn gl_name(id: i64) -> String {
    format!("GLE-{id}")
}

fn gl_value(l: &LedgerLine, f: &str) -> Option<V> {
    Some(match f {
        "name" => s(gl_name(l.id)),
        "posting_date" => day(l.posting_date),
        "account" => s(&l.account_name),
        "party_type" => opt(l.party_kind.as_deref().map(party_title)),
        "party" => opt(l.party_name.clone()),
        "debit" | "debit_in_account_currency" => money(l.debit),
        "credit" | "credit_in_account_currency" => money(l.credit),
        "voucher_type" => s(&l.voucher_type),
        "voucher_no" => s(&l.voucher_no),
        "is_cancelled" => check(l.is_cancelled),
        "docstatus" => V::Int(1),
        _ => return None,
    })
}

// ---- errors, as Frappe answers them ----

/// Frappe's error body: `exc_type`, `exception`, `exc` (a JSON-encoded list of tracebacks; here
/// the one line naming the exception, never a stack) and `_server_messages` (a JSON-encoded list
/// of JSON-encoded `{"message": …}` objects). Frappe's own Python client raises on `exc`.
fn frappe_error(status: StatusCode, exc_type: &str, message: &str) -> Response {
    (status, Json(frappe_body(exc_type, message))).into_response()
}

fn frappe_body(exc_type: &str, message: &str) -> serde_json::Value {
    let inner = serde_json::json!({
        "message": message,
        "title": "Message",
        "indicator": "red",
        "raise_exception": 1,
    })
    .to_string();
    let server_messages = serde_json::Value::from(vec![inner]).to_string();
    let exception = format!("frappe.exceptions.{exc_type}: {message}");
    let exc = serde_json::Value::from(vec![exception.clone()]).to_string();
    serde_json::json!({
        "exc_type": exc_type,
        "exception": exception,
        "exc": exc,
        "_server_messages": server_messages,
    })
}

fn erp_error(e: ErpError) -> Response {
    let (status, exc_type) = frappe_status(&e);
    if status.is_server_error() {
        tracing::error!(error = %e, "books request failed");
        return frappe_error(
            status,
            exc_type,
            "the server could not complete this request; it has been logged",
        );
    }
    frappe_error(status, exc_type, &e.to_string())
}

fn not_permitted(c: &BooksCaller, p: Permission) -> Response {
    frappe_error(
        StatusCode::FORBIDDEN,
        "PermissionError",
        &format!(
            "Not permitted: your role ({}) does not allow this ({})",
            c.user.access.role.as_str(),
            p.as_str()
        ),
    )
}

fn need(c: &BooksCaller, p: Permission) -> Result<(), Response> {
    if c.can(p) {
        Ok(())
    } else {
        Err(not_permitted(c, p))
    }
}

fn docstatus_error(message: impl Into<String>) -> Response {
    frappe_error(
        StatusCode::EXPECTATION_FAILED,
        "DocstatusTransitionError",
        &message.into(),
    )
}

/// A signed-in caller allowed to read this client's books; refusals in Frappe's shape (401
/// AuthenticationError, 403 PermissionError), keeping the reason and any WWW-Authenticate.
pub struct FrappeCaller(BooksCaller);

impl FromRequestParts<AppState> for FrappeCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match BooksCaller::from_request_parts(parts, state).await {
            Ok(c) => Ok(FrappeCaller(c)),
            Err(res) => Err(reshape(res).await),
        }
    }
}

async fn reshape(res: Response) -> Response {
    let status = res.status();
    let authenticate = res.headers().get(header::WWW_AUTHENTICATE).cloned();
    let body = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("request refused")
                .to_owned()
        });
    let exc_type = match status {
        StatusCode::UNAUTHORIZED => "AuthenticationError",
        StatusCode::FORBIDDEN => "PermissionError",
        StatusCode::NOT_FOUND => "DoesNotExistError",
        StatusCode::TOO_MANY_REQUESTS => "TooManyRequestsError",
        s if s.is_server_error() => "InternalServerError",
        _ => "ValidationError",
    };
    let mut out = frappe_error(status, exc_type, &message);
    if let Some(v) = authenticate {
        out.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    out
}

/// `{"data": …}`, serialised straight to the body: never through `serde_json::Value`, which would
/// read the exact numbers back as floats.
fn data(v: impl Serialize) -> Response {
    #[derive(Serialize)]
    struct Data<T> {
        data: T,
    }
    Json(Data { data: v }).into_response()
}

fn doctype_of(name: &str) -> Result<Doctype, Response> {
    Doctype::parse(name).ok_or_else(|| {
        frappe_error(
            StatusCode::NOT_FOUND,
            "DoesNotExistError",
            &format!("DocType {name} not found"),
        )
    })
}

// ---- list ----

/// Frappe's list parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceQuery {
    /// A JSON list of fields, `["*"]` for all of them; `["name"]` when absent.
    fields: Option<String>,
    /// JSON: `[["posting_date", ">=", "2026-04-01"]]`, `[["Sales Invoice", "docstatus", "=", 1]]`,
    /// `{"customer": "Acme"}` or `{"grand_total": [">", 100]}`.
    filters: Option<String>,
    /// `posting_date desc, name asc`.
    order_by: Option<String>,
    /// Rows to skip.
    limit_start: Option<String>,
    /// Rows to return: 20 when absent; 0 for all of them (at most 10,000).
    limit_page_length: Option<String>,
    /// The same as `limit_page_length`.
    limit: Option<String>,
    /// Not supported: refused.
    or_filters: Option<String>,
    /// Not supported: refused.
    group_by: Option<String>,
}

fn number_param(name: &str, v: Option<&str>, default: i64) -> Result<i64, ErpError> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| invalid(format!("{name} must be a whole number ≥ 0, not {t:?}"))),
    }
}

fn parse_fields(v: Option<&str>) -> Result<Vec<String>, ErpError> {
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
    fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
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
async fn list_rows(c: &BooksCaller, d: Doctype, p: &ResourceQuery) -> Result<Vec<Doc>, Response> {
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

fn party_kind(d: Doctype) -> PartyKind {
    match d {
        Doctype::Supplier => PartyKind::Supplier,
        _ => PartyKind::Customer,
    }
}

fn invoice_kind(d: Doctype) -> InvoiceKind {
    match d {
        Doctype::PurchaseInvoice => InvoiceKind::Purchase,
        _ => InvoiceKind::Sales,
    }
}

fn all_rows() -> ListQuery {
    ListQuery {
        limit: MAX_PAGE,
        ..ListQuery::default()
    }
}

async fn account_names(books: &Books) -> Result<HashMap<i64, String>, ErpError> {
    Ok(books
        .accounts()
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect())
}

async fn warehouse_names(books: &Books) -> Result<Vec<(i64, String)>, ErpError> {
    Ok(books
        .list_warehouses(&all_rows())
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect())
}

async fn payment_ctx(books: &Books) -> Result<PaymentCtx, ErpError> {
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
async fn gl_query(books: &Books, filters: &[RawFilter]) -> Result<LedgerQuery, ErpError> {
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

fn gl_id(name: &str) -> Option<i64> {
    name.trim().strip_prefix("GLE-")?.parse().ok()
}

/// What a filter names but does not exist is bad input, not a missing document.
fn not_found_is_invalid(e: ErpError) -> ErpError {
    match e {
        ErpError::NotFound(what) => invalid(format!("{what} does not exist")),
        other => other,
    }
}

// ---- read one ----

/// GET `/api/resource/<DocType>/<name>`.
#[utoipa::path(get, path = "/api/resource/{doctype}/{name}", tag = "erpnext",
    params(("doctype" = String, Path, description = "as for the list"), ("name" = String, Path, description = "the document's name: a customer's name, an item's code, an invoice's number (SINV-2026-00001) or draft name (SINV-DRAFT-7), GLE-<n> for a ledger entry")),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"data\": {…, \"items\": [{…}]}}`", body = Object),
        (status = 401, description = "AuthenticationError", body = Object),
        (status = 403, description = "PermissionError", body = Object),
        (status = 404, description = "DoesNotExistError", body = Object)))]
pub async fn read(
    FrappeCaller(c): FrappeCaller,
    Path((doctype, name)): Path<(String, String)>,
) -> Response {
    let doc = async {
        let d = doctype_of(&doctype)?;
        read_doc(&c, d, &name).await
    };
    match doc.await {
        Ok(doc) => data(doc),
        Err(r) => r,
    }
}

/// One document, whole, once the caller's right to read `d` is checked.
async fn read_doc(c: &BooksCaller, d: Doctype, name: &str) -> Result<Doc, Response> {
    need(c, d.read_permission())?;
    full_doc(&c.books, d, name).await.map_err(erp_error)
}

async fn full_doc(books: &Books, d: Doctype, name: &str) -> Result<Doc, ErpError> {
    let today = today();
    Ok(match d {
        Doctype::Customer | Doctype::Supplier => {
            let kind = party_kind(d);
            let p = books.party(kind, name).await?;
            whole(d.name(), &p, party_fields(kind), party_value)
        }
        Doctype::Item => {
            let i = books.item(name).await?;
            let barcodes = books.item_barcodes(&i).await?;
            item_doc(&i, &barcodes)
        }
        Doctype::Warehouse => {
            let w = books.warehouse(name).await?;
            whole(d.name(), &w, WAREHOUSE_FIELDS, warehouse_value)
        }
        Doctype::Account => {
            let a = books.account(name).await?;
            let names = account_names(books).await?;
            whole(d.name(), &a, ACCOUNT_FIELDS, |a, f| {
                account_value(a, &names, f)
            })
        }
        Doctype::SalesInvoice | Doctype::PurchaseInvoice => {
            let doc = books.invoice_doc(invoice_kind(d), name, today).await?;
            invoice_doc(books, &doc, today).await?
        }
        Doctype::PaymentEntry => {
            let doc = books.payment_doc(name).await?;
            payment_doc(books, &doc).await?
        }
        Doctype::JournalEntry => {
            let doc = books.journal_doc(name).await?;
            journal_doc(&doc)
        }
        Doctype::StockEntry => {
            let doc = books.stock_entry_doc(name).await?;
            stock_entry_doc(books, &doc).await?
        }
        Doctype::GlEntry => {
            let id = gl_id(name).ok_or_else(|| ErpError::NotFound(format!("GL Entry {name}")))?;
            let q = LedgerQuery {
                id: Some(id),
                limit: 1,
                ..LedgerQuery::default()
            };
            let line = books
                .general_ledger(&q)
                .await?
                .rows
                .into_iter()
                .next()
                .ok_or_else(|| ErpError::NotFound(format!("GL Entry {name}")))?
                .line;
            whole(d.name(), &line, GL_FIELDS, gl_value)
        }
    })
}

fn item_doc(i: &Item, barcodes: &[String]) -> Doc {
    let mut doc = whole("Item", i, ITEM_FIELDS, item_value);
    let rows = barcodes
        .iter()
        .enumerate()
        .map(|(n, b)| {
            let mut r = child("Item Barcode", &i.code, "barcodes", "Item", n + 1);
            r.push("barcode", s(b));
            r
        })
        .collect();
    doc.push("barcodes", V::Rows(rows));
    doc
}

async fn invoice_doc(books: &Books, doc: &InvoiceDoc, today: Date) -> Result<Doc, ErpError> {
    let kind = doc.invoice.kind;
    let d = match kind {
        InvoiceKind::Sales => Doctype::SalesInvoice,
        InvoiceKind::Purchase => Doctype::PurchaseInvoice,
    };
    let ctx = InvoiceCtx {
        today,
        currency: books.settings().await?.currency,
    };
    let mut out = whole(d.name(), &doc.invoice, invoice_fields(kind), |i, f| {
        invoice_value(i, &ctx, f)
    });
    let warehouses: HashMap<i64, String> = warehouse_names(books).await?.into_iter().collect();
    let line_doctype = format!("{} Item", d.name());
    let items = doc
        .lines
        .iter()
        .map(|l| {
            let mut r = child(&line_doctype, &doc.name, "items", d.name(), l.idx as usize);
            r.push("item_code", s(&l.item_code));
            r.push("item_name", s(&l.item_name));
            r.push("description", s(&l.description));
            r.push("qty", qty(l.qty));
            r.push("rate", money(l.rate));
            r.push("amount", money(l.net));
            r.push("net_amount", money(l.net));
            r.push(
                "warehouse",
                opt(l.warehouse_id.and_then(|w| warehouses.get(&w).cloned())),
            );
            r.push("vat_category", s(l.vat_category.as_str()));
            r.push("vat_amount", money(l.vat));
            r
        })
        .collect();
    out.push("items", V::Rows(items));
    // VAT as ERPNext's taxes table: one row per rate charged.
    let names = account_names(books).await?;
    let defaults = books.default_accounts().await?;
    let vat_account = match kind {
        InvoiceKind::Sales => defaults.tax_output,
        InvoiceKind::Purchase => defaults.tax_input,
    };
    let mut taxes = Vec::new();
    for category in VatCategory::ALL {
        let bp = category.rate_basis_points();
        let lines: Vec<_> = doc
            .lines
            .iter()
            .filter(|l| l.vat_category == category)
            .collect();
        if bp == 0 || lines.is_empty() {
            continue;
        }
        let tax: Amount = lines.iter().map(|l| l.vat).sum();
        let mut r = child(
            &format!(
                "{} Taxes and Charges",
                match kind {
                    InvoiceKind::Sales => "Sales",
                    InvoiceKind::Purchase => "Purchase",
                }
            ),
            &doc.name,
            "taxes",
            d.name(),
            taxes.len() + 1,
        );
        r.push("charge_type", s("On Net Total"));
        r.push("account_head", opt(names.get(&vat_account.0).cloned()));
        r.push("description", s(category.label()));
        r.push(
            "rate",
            V::Num(tenantry_domain::books::decimal::format_scaled(bp, 2)),
        );
        r.push("tax_amount", money(tax));
        taxes.push(r);
    }
    out.push("taxes", V::Rows(taxes));
    Ok(out)
}

async fn payment_doc(books: &Books, doc: &PaymentDoc) -> Result<Doc, ErpError> {
    let ctx = payment_ctx(books).await?;
    let mut out = whole("Payment Entry", &doc.payment, PAYMENT_FIELDS, |p, f| {
        payment_value(p, &ctx, f)
    });
    let invoice_doctype = match doc.payment.party_kind.as_str() {
        "supplier" => "Purchase Invoice",
        _ => "Sales Invoice",
    };
    let total: Amount = doc.allocations.iter().map(|a| a.amount).sum();
    out.push("total_allocated_amount", money(total));
    out.push("unallocated_amount", money(doc.payment.amount - total));
    let rows = doc
        .allocations
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let mut r = child(
                "Payment Entry Reference",
                &doc.name,
                "references",
                "Payment Entry",
                n + 1,
            );
            r.push("reference_doctype", s(invoice_doctype));
            r.push("reference_name", opt(a.invoice_number.clone()));
            r.push("allocated_amount", money(a.amount));
            r
        })
        .collect();
    out.push("references", V::Rows(rows));
    Ok(out)
}

fn journal_doc(doc: &JournalDoc) -> Doc {
    let mut out = whole("Journal Entry", &doc.journal, JOURNAL_FIELDS, journal_value);
    let rows = doc
        .accounts
        .iter()
        .map(|l| {
            let mut r = child(
                "Journal Entry Account",
                &doc.name,
                "accounts",
                "Journal Entry",
                l.idx as usize,
            );
            r.push("account", s(&l.account_name));
            r.push("party_type", opt(l.party_kind.as_deref().map(party_title)));
            r.push("party", opt(l.party_name.clone()));
            r.push("debit_in_account_currency", money(l.debit));
            r.push("credit_in_account_currency", money(l.credit));
            r.push("debit", money(l.debit));
            r.push("credit", money(l.credit));
            r
        })
        .collect();
    out.push("accounts", V::Rows(rows));
    out
}

async fn stock_entry_doc(books: &Books, doc: &StockEntryDoc) -> Result<Doc, ErpError> {
    let warehouses: HashMap<i64, String> = warehouse_names(books).await?.into_iter().collect();
    let name = |id: Option<i64>| opt(id.and_then(|w| warehouses.get(&w).cloned()));
    let mut out = whole(
        "Stock Entry",
        &doc.entry,
        STOCK_ENTRY_FIELDS,
        stock_entry_value,
    );
    let rows = doc
        .items
        .iter()
        .map(|l| {
            let mut r = child(
                "Stock Entry Detail",
                &doc.name,
                "items",
                "Stock Entry",
                l.idx as usize,
            );
            r.push("item_code", s(&l.item_code));
            r.push("qty", qty(l.qty));
            r.push("s_warehouse", name(l.from_warehouse_id));
            r.push("t_warehouse", name(l.to_warehouse_id));
            r.push("basic_rate", money(l.rate));
            r.push(
                "amount",
                money(l.value.map_or_else(|| Amount::of(l.qty, l.rate), Amount)),
            );
            r
        })
        .collect();
    out.push("items", V::Rows(rows));
    Ok(out)
}

// ---- request bodies ----

/// The document a POST or PUT carries: a JSON body, `{"data": …}` (an object or JSON text), or a
/// form with a `data` field holding JSON, as Frappe's own client sends it.
async fn read_body(state: &AppState, req: Request) -> Result<J, ErpError> {
    let form = is_form(req.headers());
    let bytes = Bytes::from_request(req, state)
        .await
        .map_err(|e| invalid(e.body_text()))?;
    if form {
        let mut map: BTreeMap<String, String> = form_pairs(&bytes)?.into_iter().collect();
        return match map.remove("data") {
            Some(d) => J::parse(&d).map_err(invalid),
            None => Ok(J::Obj(
                map.into_iter().map(|(k, v)| (k, J::Str(v))).collect(),
            )),
        };
    }
    let text = utf8(&bytes)?;
    if text.trim().is_empty() {
        return Err(invalid("send the document as JSON"));
    }
    match J::parse(text).map_err(invalid)? {
        J::Obj(mut map) if map.contains_key("data") => match map.remove("data") {
            Some(J::Str(inner)) => J::parse(&inner).map_err(invalid),
            Some(other) => Ok(other),
            None => Ok(J::Null),
        },
        other => Ok(other),
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn utf8(bytes: &[u8]) -> Result<&str, ErpError> {
    std::str::from_utf8(bytes).map_err(|_| invalid("the body is not UTF-8"))
}

/// A form body or a query string as name/value pairs, strictly: text that is not UTF-8 once
/// percent-decoded is refused, never replaced by U+FFFD as a lenient decoder would.
fn form_pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, ErpError> {
    let decode = |part: &[u8]| -> Result<String, ErpError> {
        let mut out = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match part[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = part
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).map_err(|_| invalid("the form is not UTF-8"))
    };
    bytes
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = match p.iter().position(|b| *b == b'=') {
                Some(at) => (&p[..at], &p[at + 1..]),
                None => (p, &p[p.len()..]),
            };
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

/// Fields of ERPNext documents these books work out themselves or do not keep: accepted and
/// ignored, so that a document read from here (or from ERPNext) can be sent back.
const PARTY_IGNORED: &[&str] = &[
    "customer_type",
    "customer_group",
    "supplier_group",
    "supplier_type",
    "territory",
    "default_currency",
    "language",
    "customer_name",
    "supplier_name",
];
const ITEM_IGNORED: &[&str] = &[
    "description",
    "is_sales_item",
    "is_purchase_item",
    "include_item_in_manufacturing",
    "uoms",
];
const ITEM_BARCODE_IGNORED: &[&str] = &["barcode_type", "uom"];
const WAREHOUSE_IGNORED: &[&str] = &["is_group", "parent_warehouse", "warehouse_name"];
const ACCOUNT_IGNORED: &[&str] = &["report_type", "account_currency"];
const INVOICE_IGNORED: &[&str] = &[
    "customer_name",
    "supplier_name",
    "status",
    "currency",
    "conversion_rate",
    "selling_price_list",
    "buying_price_list",
    "price_list_currency",
    "plc_conversion_rate",
    "total",
    "net_total",
    "total_taxes_and_charges",
    "grand_total",
    "rounded_total",
    "base_grand_total",
    "base_total",
    "base_net_total",
    "outstanding_amount",
    "taxes",
    "taxes_and_charges",
    "update_stock",
    "set_posting_time",
    "posting_time",
    "debit_to",
    "credit_to",
    "is_pos",
    "ignore_pricing_rule",
    "bill_no",
    "bill_date",
    "title",
];
const INVOICE_LINE_IGNORED: &[&str] = &[
    "item_name",
    "uom",
    "stock_uom",
    "conversion_factor",
    "stock_qty",
    "amount",
    "net_amount",
    "net_rate",
    "base_rate",
    "base_amount",
    "base_net_amount",
    "price_list_rate",
    "income_account",
    "expense_account",
    "cost_center",
    "vat_amount",
];
const PAYMENT_IGNORED: &[&str] = &[
    "party_name",
    "mode_of_payment",
    "paid_from_account_currency",
    "paid_to_account_currency",
    "source_exchange_rate",
    "target_exchange_rate",
    "reference_date",
    "status",
    "total_allocated_amount",
    "unallocated_amount",
    "difference_amount",
    "title",
];
const PAYMENT_REFERENCE_IGNORED: &[&str] = &[
    "total_amount",
    "outstanding_amount",
    "due_date",
    "exchange_rate",
    "bill_no",
];
const JOURNAL_IGNORED: &[&str] = &[
    "voucher_type",
    "title",
    "total_debit",
    "total_credit",
    "cheque_no",
    "cheque_date",
    "difference",
];
const JOURNAL_LINE_IGNORED: &[&str] = &[
    "account_currency",
    "exchange_rate",
    "cost_center",
    "is_advance",
    "account_type",
];
const STOCK_ENTRY_IGNORED: &[&str] = &[
    "total_outgoing_value",
    "total_incoming_value",
    "value_difference",
    "total_amount",
    "title",
];
const STOCK_LINE_IGNORED: &[&str] = &[
    "uom",
    "stock_uom",
    "conversion_factor",
    "transfer_qty",
    "amount",
    "basic_amount",
    "valuation_rate",
    "expense_account",
    "cost_center",
    "item_name",
];

fn apply_party(b: &mut Body, kind: PartyKind, p: &mut PartyInput) -> Result<(), ErpError> {
    let name_key = match kind {
        PartyKind::Customer => "customer_name",
        PartyKind::Supplier => "supplier_name",
    };
    if let Some(v) = b.text(name_key)? {
        p.name = v;
    }
    if let Some(v) = b.text("email_id")? {
        p.email = v;
    }
    if let Some(v) = b.text("mobile_no")? {
        p.phone = v;
    }
    if let Some(v) = b.text("tax_id")? {
        p.tax_id = v;
    }
    if let Some(v) = b.text("address_line1")? {
        p.address_line1 = v;
    }
    if let Some(v) = b.text("address_line2")? {
        p.address_line2 = v;
    }
    if let Some(v) = b.text("city")? {
        p.city = v;
    }
    if let Some(v) = b.text("pincode")? {
        p.postcode = v;
    }
    if let Some(v) = b.text("country")? {
        p.country = v;
    }
    if let Some(v) = b.int("payment_terms_days")? {
        p.payment_terms_days = Some(v);
    }
    if let Some(v) = b.flag("disabled")? {
        p.disabled = v;
    }
    Ok(())
}

fn apply_item(b: &mut Body, i: &mut ItemInput) -> Result<(), ErpError> {
    if let Some(v) = b.text("item_code")? {
        i.item_code = v;
    }
    if let Some(v) = b.text("item_name")? {
        i.item_name = v;
    }
    if b.has("item_group") {
        i.item_group = b.text("item_group")?;
    }
    if let Some(v) = b.text("stock_uom")? {
        i.unit = v;
    }
    if let Some(v) = b.flag("is_stock_item")? {
        i.is_stock = v;
    }
    if let Some(v) = b.amount("standard_rate")? {
        i.selling_price = v;
    }
    if let Some(v) = b.amount("buying_price")? {
        i.buying_price = v;
    }
    if let Some(v) = b.text("vat_category")? {
        i.vat_category = Some(VatCategory::parse(&v)?);
    }
    if let Some(v) = b.flag("disabled")? {
        i.disabled = v;
    }
    if let Some(rows) = b.rows("barcodes", "Item Barcode")? {
        let mut barcodes = Vec::with_capacity(rows.len());
        for mut r in rows {
            if let Some(code) = r.text("barcode")? {
                barcodes.push(code);
            }
            r.finish(ITEM_BARCODE_IGNORED)?;
        }
        i.barcodes = barcodes;
    }
    Ok(())
}

/// An account type as Frappe spells it ("Receivable", "Cost of Goods Sold", "Tax") or as stored
/// ("cost_of_goods_sold"); "Tax" is output or input VAT by the account's root type.
fn account_type_of(t: &str, root: Option<RootType>) -> Result<AccountType, ErpError> {
    let t = t.trim();
    if t.is_empty() {
        return Ok(AccountType::Other);
    }
    if t.eq_ignore_ascii_case("tax") {
        return match root {
            Some(RootType::Asset) => Ok(AccountType::TaxInput),
            Some(RootType::Liability) => Ok(AccountType::TaxOutput),
            _ => Err(invalid(
                "account_type Tax: give root_type Asset (VAT on purchases) or Liability (VAT on sales), or name tax_input or tax_output",
            )),
        };
    }
    AccountType::ALL
        .into_iter()
        .find(|a| a.title().eq_ignore_ascii_case(t) || a.as_str().eq_ignore_ascii_case(t))
        .ok_or_else(|| invalid(format!("account_type {t:?} is not one these books know")))
}

fn apply_invoice(b: &mut Body, kind: InvoiceKind, i: &mut InvoiceInput) -> Result<(), ErpError> {
    let party_key = match kind {
        InvoiceKind::Sales => "customer",
        InvoiceKind::Purchase => "supplier",
    };
    if let Some(v) = b.text(party_key)? {
        i.party = v;
    }
    if b.has("posting_date") {
        i.posting_date = b.date("posting_date")?;
    }
    if b.has("due_date") {
        i.due_date = b.date("due_date")?;
    }
    if let Some(v) = b.flag("is_return")? {
        i.is_return = v;
    }
    if b.has("return_against") {
        i.return_against = b.text("return_against")?.filter(|r| !r.trim().is_empty());
    }
    if let Some(v) = b.text("remarks")? {
        i.remarks = v;
    }
    let default_warehouse = b.text("set_warehouse")?.filter(|w| !w.trim().is_empty());
    if let Some(rows) = b.rows("items", "Invoice Item")? {
        let mut lines = Vec::with_capacity(rows.len());
        for (n, mut r) in rows.into_iter().enumerate() {
            let item_code = r
                .text("item_code")?
                .ok_or_else(|| invalid(format!("items row {}: item_code is required", n + 1)))?;
            let qty = r
                .qty("qty")?
                .ok_or_else(|| invalid(format!("items row {}: qty is required", n + 1)))?;
            let line = LineInput {
                item_code,
                qty,
                rate: r.amount("rate")?,
                description: r.text("description")?.unwrap_or_default(),
                warehouse: r.text("warehouse")?.or_else(|| default_warehouse.clone()),
                vat_category: r
                    .text("vat_category")?
                    .map(|v| VatCategory::parse(&v))
                    .transpose()?,
            };
            r.finish(INVOICE_LINE_IGNORED)?;
            lines.push(line);
        }
        i.items = lines;
    } else if let Some(w) = default_warehouse {
        for l in &mut i.items {
            l.warehouse = Some(w.clone());
        }
    }
    Ok(())
}

fn apply_payment(b: &mut Body, p: &mut PaymentInput) -> Result<(), ErpError> {
    if let Some(v) = b.text("payment_type")? {
        p.payment_type = PaymentDirection::parse(&v)?;
    }
    if let Some(v) = b.text("party_type")? {
        p.party_type = match v.to_ascii_lowercase().as_str() {
            "customer" => PartyKind::Customer,
            "supplier" => PartyKind::Supplier,
            _ => return Err(invalid("party_type must be Customer or Supplier")),
        };
    }
    if let Some(v) = b.text("party")? {
        p.party = v;
    }
    if b.has("posting_date") {
        p.posting_date = b.date("posting_date")?;
    }
    if let Some(v) = b.amount_either("paid_amount", "received_amount")? {
        p.amount = v;
    }
    // The bank or cash side: money comes in to `paid_to`, goes out from `paid_from`; the other
    // side is the party's account, which these books choose.
    let bank_key = match p.payment_type {
        PaymentDirection::Receive => "paid_to",
        PaymentDirection::Pay => "paid_from",
    };
    if b.has(bank_key) {
        p.account = b.text(bank_key)?.filter(|a| !a.trim().is_empty());
    }
    b.take(match p.payment_type {
        PaymentDirection::Receive => "paid_from",
        PaymentDirection::Pay => "paid_to",
    });
    if let Some(v) = b.text("reference_no")? {
        p.reference = v;
    }
    if let Some(v) = b.text("remarks")? {
        p.remarks = v;
    }
    if let Some(rows) = b.rows("references", "Payment Entry Reference")? {
        let expected = match p.party_type {
            PartyKind::Customer => "Sales Invoice",
            PartyKind::Supplier => "Purchase Invoice",
        };
        let mut allocations = Vec::with_capacity(rows.len());
        for (n, mut r) in rows.into_iter().enumerate() {
            if let Some(dt) = r.text("reference_doctype")? {
                if dt != expected {
                    return Err(invalid(format!(
                        "references row {}: a {} payment settles {expected}s, not {dt}",
                        n + 1,
                        party_title(p.party_type.as_str())
                    )));
                }
            }
            let invoice = r.text("reference_name")?.ok_or_else(|| {
                invalid(format!(
                    "references row {}: reference_name is required",
                    n + 1
                ))
            })?;
            let amount = r.amount("allocated_amount")?.ok_or_else(|| {
                invalid(format!(
                    "references row {}: allocated_amount is required",
                    n + 1
                ))
            })?;
            r.finish(PAYMENT_REFERENCE_IGNORED)?;
            allocations.push(AllocationInput { invoice, amount });
        }
        p.allocations = allocations;
    }
    Ok(())
}

fn apply_journal(b: &mut Body, j: &mut JournalInput) -> Result<(), ErpError> {
    if b.has("posting_date") {
        j.posting_date = b.date("posting_date")?;
    }
    if let Some(v) = b.text("user_remark")? {
        j.remarks = v;
    }
    if let Some(rows) = b.rows("accounts", "Journal Entry Account")? {
        let mut lines = Vec::with_capacity(rows.len());
        for (n, mut r) in rows.into_iter().enumerate() {
            let account = r
                .text("account")?
                .ok_or_else(|| invalid(format!("accounts row {}: account is required", n + 1)))?;
            let party_type = match r.text("party_type")?.filter(|t| !t.trim().is_empty()) {
                None => None,
                Some(t) => Some(match t.to_ascii_lowercase().as_str() {
                    "customer" => PartyKind::Customer,
                    "supplier" => PartyKind::Supplier,
                    _ => {
                        return Err(invalid(format!(
                            "accounts row {}: party_type must be Customer or Supplier",
                            n + 1
                        )))
                    }
                }),
            };
            let line = JournalLineInput {
                account,
                party_type,
                party: r.text("party")?.filter(|p| !p.trim().is_empty()),
                debit: r
                    .amount_either("debit_in_account_currency", "debit")?
                    .unwrap_or(Amount::ZERO),
                credit: r
                    .amount_either("credit_in_account_currency", "credit")?
                    .unwrap_or(Amount::ZERO),
            };
            r.finish(JOURNAL_LINE_IGNORED)?;
            lines.push(line);
        }
        j.accounts = lines;
    }
    Ok(())
}

fn apply_stock_entry(b: &mut Body, e: &mut StockEntryInput) -> Result<(), ErpError> {
    match (b.text("stock_entry_type")?, b.text("purpose")?) {
        (Some(x), Some(y)) if !x.eq_ignore_ascii_case(&y) => {
            return Err(invalid(format!(
                "stock_entry_type ({x}) and purpose ({y}) disagree"
            )))
        }
        (Some(x), _) | (None, Some(x)) => e.purpose = x,
        (None, None) => {}
    }
    if b.has("posting_date") {
        e.posting_date = b.date("posting_date")?;
    }
    if let Some(v) = b.text("remarks")? {
        e.remarks = v;
    }
    let from = b.text("from_warehouse")?.filter(|w| !w.trim().is_empty());
    let to = b.text("to_warehouse")?.filter(|w| !w.trim().is_empty());
    if let Some(rows) = b.rows("items", "Stock Entry Detail")? {
        let mut lines = Vec::with_capacity(rows.len());
        for (n, mut r) in rows.into_iter().enumerate() {
            let item_code = r
                .text("item_code")?
                .ok_or_else(|| invalid(format!("items row {}: item_code is required", n + 1)))?;
            let qty = r
                .qty("qty")?
                .ok_or_else(|| invalid(format!("items row {}: qty is required", n + 1)))?;
            let line = StockLineInput {
                item_code,
                qty,
                s_warehouse: r
                    .text("s_warehouse")?
                    .filter(|w| !w.trim().is_empty())
                    .or_else(|| from.clone()),
                t_warehouse: r
                    .text("t_warehouse")?
                    .filter(|w| !w.trim().is_empty())
                    .or_else(|| to.clone()),
                basic_rate: r.amount("basic_rate")?,
            };
            r.finish(STOCK_LINE_IGNORED)?;
            lines.push(line);
        }
        e.items = lines;
    }
    Ok(())
}

/// The inputs that would write a stored document back unchanged: where a partial update starts.
pub(crate) fn payment_input_of(doc: &PaymentDoc) -> PaymentInput {
    PaymentInput {
        payment_type: doc.payment.direction,
        party_type: match doc.payment.party_kind.as_str() {
            "supplier" => PartyKind::Supplier,
            _ => PartyKind::Customer,
        },
        party: doc.payment.party_name.clone(),
        posting_date: Some(doc.payment.posting_date),
        amount: doc.payment.amount,
        account: Some(doc.payment.account_name.clone()),
        reference: doc.payment.reference.clone(),
        remarks: doc.payment.remarks.clone(),
        allocations: doc
            .allocations
            .iter()
            .map(|a| AllocationInput {
                invoice: a.invoice_number.clone().unwrap_or_default(),
                amount: a.amount,
            })
            .collect(),
    }
}

pub(crate) fn journal_input_of(doc: &JournalDoc) -> JournalInput {
    JournalInput {
        posting_date: Some(doc.journal.posting_date),
        remarks: doc.journal.remarks.clone(),
        accounts: doc
            .accounts
            .iter()
            .map(|l| JournalLineInput {
                account: l.account_name.clone(),
                party_type: l.party_kind.as_deref().map(|k| match k {
                    "supplier" => PartyKind::Supplier,
                    _ => PartyKind::Customer,
                }),
                party: l.party_name.clone(),
                debit: l.debit,
                credit: l.credit,
            })
            .collect(),
    }
}

pub(crate) fn stock_entry_input_of(
    doc: &StockEntryDoc,
    warehouses: &[(i64, String)],
) -> StockEntryInput {
    let name = |id: Option<i64>| {
        id.and_then(|id| warehouses.iter().find(|w| w.0 == id).map(|w| w.1.clone()))
    };
    StockEntryInput {
        purpose: doc.entry.purpose.title().to_owned(),
        posting_date: Some(doc.entry.posting_date),
        remarks: doc.entry.remarks.clone(),
        items: doc
            .items
            .iter()
            .map(|l| StockLineInput {
                item_code: l.item_code.clone(),
                qty: l.qty,
                s_warehouse: name(l.from_warehouse_id),
                t_warehouse: name(l.to_warehouse_id),
                basic_rate: Some(l.rate),
            })
            .collect(),
    }
}

/// Whether applying a body changed an input: compared as written, as Frappe compares a document
/// sent back with the stored one.
fn differs(a: &impl std::fmt::Debug, b: &impl std::fmt::Debug) -> bool {
    format!("{a:?}") != format!("{b:?}")
}

// ---- create ----

/// POST `/api/resource/<DocType>`.
#[utoipa::path(post, path = "/api/resource/{doctype}", tag = "erpnext",
    params(("doctype" = String, Path, description = "any DocType above but GL Entry")),
    request_body(content = Object, description = "the document as ERPNext writes it, as JSON, `{\"data\": …}`, or a form with a `data` field; `\"docstatus\": 1` creates and submits in one transaction"),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"data\": {…}}`: the document as stored", body = Object),
        (status = 401, description = "AuthenticationError", body = Object),
        (status = 403, description = "PermissionError (GL Entry is read-only)", body = Object),
        (status = 409, description = "DuplicateEntryError", body = Object),
        (status = 417, description = "ValidationError", body = Object)))]
pub async fn create(
    State(state): State<AppState>,
    FrappeCaller(c): FrappeCaller,
    Path(doctype): Path<String>,
    req: Request,
) -> Response {
    let doc = async {
        let d = doctype_of(&doctype)?;
        // The caller's rights are checked before the body is read.
        write_permission(&c, d)?;
        let j = read_body(&state, req).await.map_err(erp_error)?;
        create_doc(&c, d, j).await
    };
    match doc.await {
        Ok(doc) => data(doc),
        Err(r) => r,
    }
}

/// What writing a `d` takes, checked: GL Entry is never written.
fn write_permission(c: &BooksCaller, d: Doctype) -> Result<Permission, Response> {
    let Some(write) = d.write_permission() else {
        return Err(frappe_error(
            StatusCode::FORBIDDEN,
            "PermissionError",
            "GL Entry is read-only: ledger entries are posted by submitting documents",
        ));
    };
    need(c, write)?;
    Ok(write)
}

/// Creates a document from its JSON (`"docstatus": 1` creates and submits it in one
/// transaction): what POST `/api/resource/<DocType>` and `frappe.client.insert` do.
async fn create_doc(c: &BooksCaller, d: Doctype, j: J) -> Result<Doc, Response> {
    write_permission(c, d)?;
    let mut b = Body::new(d.name(), j).map_err(erp_error)?;
    let submit = match b.int("docstatus").map_err(erp_error)? {
        None | Some(0) => false,
        Some(1) if d.is_submittable() => true,
        Some(1) => return Err(docstatus_error(format!("a {} is not submitted", d.name()))),
        Some(n) => {
            return Err(docstatus_error(format!(
                "cannot create a document with docstatus {n}"
            )))
        }
    };
    if submit {
        need(c, Permission::ErpSubmit)?;
    }
    let books = &c.books;
    let author = c.author();
    let today = today();
    let doc = async {
        Ok::<_, ErpError>(match d {
            Doctype::Customer | Doctype::Supplier => {
                let kind = party_kind(d);
                let mut input = PartyInput::default();
                if let Some(n) = b.text("name")? {
                    input.name = n;
                }
                apply_party(&mut b, kind, &mut input)?;
                b.finish(PARTY_IGNORED)?;
                let p = books.create_party(kind, &input).await?;
                whole(d.name(), &p, party_fields(kind), party_value)
            }
            Doctype::Item => {
                let mut input = ItemInput {
                    item_code: String::new(),
                    item_name: String::new(),
                    item_group: None,
                    unit: String::new(),
                    is_stock: true,
                    selling_price: Amount::ZERO,
                    buying_price: Amount::ZERO,
                    vat_category: None,
                    barcodes: Vec::new(),
                    disabled: false,
                };
                if let Some(n) = b.text("name")? {
                    input.item_code = n;
                }
                apply_item(&mut b, &mut input)?;
                b.finish(ITEM_IGNORED)?;
                let i = books.create_item(&input).await?;
                let barcodes = books.item_barcodes(&i).await?;
                item_doc(&i, &barcodes)
            }
            Doctype::Warehouse => {
                // Both are read (and type-checked); the first given names it.
                let (given, name) = (b.text("warehouse_name")?, b.text("name")?);
                let name = given.or(name).unwrap_or_default();
                let disabled = b.flag("disabled")?.unwrap_or(false);
                b.finish(WAREHOUSE_IGNORED)?;
                let mut w = books.create_warehouse(&name).await?;
                if disabled {
                    w = books
                        .update_warehouse(
                            &w.name,
                            &WarehouseInput {
                                name: w.name.clone(),
                                disabled: true,
                            },
                        )
                        .await?;
                }
                whole(d.name(), &w, WAREHOUSE_FIELDS, warehouse_value)
            }
            Doctype::Account => {
                // Both are read (and type-checked); the first given names it.
                let (given, name) = (b.text("account_name")?, b.text("name")?);
                let name = given.or(name).unwrap_or_default();
                let root_type = b
                    .text("root_type")?
                    .map(|r| RootType::parse(&r))
                    .transpose()?;
                let parent = b.text("parent_account")?;
                // "Tax" is input or output VAT by the root type, the parent's when not given.
                let root_for_type = match (root_type, parent.as_deref()) {
                    (Some(r), _) => Some(r),
                    (None, Some(p)) => books.account(p).await.ok().map(|a| a.root_type),
                    (None, None) => None,
                };
                let account_type = b
                    .text("account_type")?
                    .map(|t| account_type_of(&t, root_for_type))
                    .transpose()?;
                let input = AccountInput {
                    number: b.text("account_number")?.unwrap_or_default(),
                    name,
                    parent,
                    root_type,
                    account_type,
                    is_group: b.flag("is_group")?.unwrap_or(false),
                };
                b.finish(ACCOUNT_IGNORED)?;
                let a = books.create_account(&input).await?;
                let names = account_names(books).await?;
                whole(d.name(), &a, ACCOUNT_FIELDS, |a, f| {
                    account_value(a, &names, f)
                })
            }
            Doctype::SalesInvoice | Doctype::PurchaseInvoice => {
                let kind = invoice_kind(d);
                let mut input = InvoiceInput {
                    party: String::new(),
                    posting_date: None,
                    due_date: None,
                    is_return: false,
                    return_against: None,
                    remarks: String::new(),
                    items: Vec::new(),
                };
                apply_invoice(&mut b, kind, &mut input)?;
                b.finish(INVOICE_IGNORED)?;
                let doc = books
                    .create_invoice(kind, &input, author, submit, today)
                    .await?;
                invoice_doc(books, &doc, today).await?
            }
            Doctype::PaymentEntry => {
                let mut input = PaymentInput {
                    payment_type: PaymentDirection::Receive,
                    party_type: PartyKind::Customer,
                    party: String::new(),
                    posting_date: None,
                    amount: Amount::ZERO,
                    account: None,
                    reference: String::new(),
                    remarks: String::new(),
                    allocations: Vec::new(),
                };
                if !b.has("payment_type") || !b.has("party_type") {
                    return Err(invalid("payment_type and party_type are required"));
                }
                apply_payment(&mut b, &mut input)?;
                b.finish(PAYMENT_IGNORED)?;
                let doc = books.create_payment(&input, author, submit, today).await?;
                payment_doc(books, &doc).await?
            }
            Doctype::JournalEntry => {
                let mut input = JournalInput {
                    posting_date: None,
                    remarks: String::new(),
                    accounts: Vec::new(),
                };
                apply_journal(&mut b, &mut input)?;
                b.finish(JOURNAL_IGNORED)?;
                let doc = books.create_journal(&input, author, submit, today).await?;
                journal_doc(&doc)
            }
            Doctype::StockEntry => {
                let mut input = StockEntryInput {
                    purpose: String::new(),
                    posting_date: None,
                    remarks: String::new(),
                    items: Vec::new(),
                };
                apply_stock_entry(&mut b, &mut input)?;
                b.finish(STOCK_ENTRY_IGNORED)?;
                let doc = books
                    .create_stock_entry(&input, author, submit, today)
                    .await?;
                stock_entry_doc(books, &doc).await?
            }
            Doctype::GlEntry => return Err(invalid("GL Entry is read-only")),
        })
    }
    .await
    .map_err(erp_error)?;
    Ok(doc)
}

// ---- update ----

/// PUT `/api/resource/<DocType>/<name>`.
#[utoipa::path(put, path = "/api/resource/{doctype}/{name}", tag = "erpnext",
    params(("doctype" = String, Path, description = "any DocType above but GL Entry"), ("name" = String, Path, description = "the document's name")),
    request_body(content = Object, description = "only the fields to change (drafts only); `\"docstatus\": 1` submits a draft, `\"docstatus\": 2` cancels a submitted document"),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"data\": {…}}`: the document as stored", body = Object),
        (status = 401, description = "AuthenticationError", body = Object),
        (status = 403, description = "PermissionError", body = Object),
        (status = 404, description = "DoesNotExistError", body = Object),
        (status = 417, description = "ValidationError, DocstatusTransitionError or UpdateAfterSubmitError", body = Object)))]
pub async fn update(
    State(state): State<AppState>,
    FrappeCaller(c): FrappeCaller,
    Path((doctype, name)): Path<(String, String)>,
    req: Request,
) -> Response {
    let doc = async {
        let d = doctype_of(&doctype)?;
        may_change(&c, d)?;
        let j = read_body(&state, req).await.map_err(erp_error)?;
        update_doc(&c, d, &name, j).await
    };
    match doc.await {
        Ok(doc) => data(doc),
        Err(r) => r,
    }
}

/// What a PUT asks of a submittable document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transition {
    None,
    Submit,
    Cancel,
}

/// Checks a PUT's `docstatus` against the caller's rights first (a refused caller learns nothing
/// of the document's state), then against the document's.
fn transition(
    c: &BooksCaller,
    write: Permission,
    current: Docstatus,
    wanted: Option<i64>,
    changed: bool,
    name: &str,
) -> Result<Transition, Response> {
    if changed || matches!(wanted, None | Some(0)) {
        need(c, write)?;
    }
    match wanted {
        Some(1) => need(c, Permission::ErpSubmit)?,
        Some(2) => need(c, Permission::ErpCancel)?,
        _ => {}
    }
    let t = match (current, wanted) {
        (Docstatus::Cancelled, _) => {
            return Err(frappe_error(
                StatusCode::EXPECTATION_FAILED,
                "ValidationError",
                &format!("Cannot edit cancelled document {name}"),
            ))
        }
        (Docstatus::Draft, None | Some(0)) => Transition::None,
        (Docstatus::Draft, Some(1)) => Transition::Submit,
        (Docstatus::Submitted, Some(2)) => Transition::Cancel,
        (Docstatus::Submitted, None | Some(1)) => Transition::None,
        (from, Some(to)) => {
            return Err(docstatus_error(format!(
                "Cannot change docstatus of {name} from {} to {to}",
                from.code()
            )))
        }
    };
    if changed {
        if let Err(e) = current.ensure_editable(|| name.to_owned()) {
            return Err(frappe_error(
                StatusCode::EXPECTATION_FAILED,
                "UpdateAfterSubmitError",
                &e.to_string(),
            ));
        }
    }
    Ok(t)
}

/// Refuses someone who may neither edit nor submit nor cancel a `d`, before anything is read;
/// the permission editing it takes.
fn may_change(c: &BooksCaller, d: Doctype) -> Result<Permission, Response> {
    let Some(write) = d.write_permission() else {
        return Err(frappe_error(
            StatusCode::FORBIDDEN,
            "PermissionError",
            "GL Entry is read-only: ledger entries are posted by submitting documents",
        ));
    };
    if !(c.can(write)
        || d.is_submittable() && (c.can(Permission::ErpSubmit) || c.can(Permission::ErpCancel)))
    {
        return Err(not_permitted(c, write));
    }
    Ok(write)
}

/// Applies the fields sent to a stored document and moves it through `docstatus` (1 submits a
/// draft, with any edit in the same transaction; 2 cancels): what PUT
/// `/api/resource/<DocType>/<name>` and `frappe.client.save`, `set_value`, `submit` and `cancel`
/// do.
async fn update_doc(c: &BooksCaller, d: Doctype, name: &str, j: J) -> Result<Doc, Response> {
    let write = may_change(c, d)?;
    let mut b = Body::new(d.name(), j).map_err(erp_error)?;
    let wanted = b.int("docstatus").map_err(erp_error)?;
    // Submitting and cancelling need their own rights, whatever the document's state.
    if d.is_submittable() {
        match wanted {
            Some(1) => need(c, Permission::ErpSubmit)?,
            Some(2) => need(c, Permission::ErpCancel)?,
            _ => {}
        }
    }
    let books = &c.books;
    let author = c.author();
    let today = today();
    let e = erp_error;
    let doc = match d {
        Doctype::Customer | Doctype::Supplier => {
            let kind = party_kind(d);
            let p = books.party(kind, name).await.map_err(e)?;
            let base = PartyInput::from_party(&p);
            let mut input = base.clone();
            apply_party(&mut b, kind, &mut input).map_err(e)?;
            b.finish(PARTY_IGNORED).map_err(e)?;
            master_docstatus(wanted)?;
            need(c, write)?;
            let p = if differs(&input, &base) {
                books.update_party(kind, name, &input).await.map_err(e)?
            } else {
                p
            };
            whole(d.name(), &p, party_fields(kind), party_value)
        }
        Doctype::Item => {
            let i = books.item(name).await.map_err(e)?;
            let base = ItemInput::from_item(&i, books.item_barcodes(&i).await.map_err(e)?);
            let mut input = base.clone();
            apply_item(&mut b, &mut input).map_err(e)?;
            b.finish(ITEM_IGNORED).map_err(e)?;
            master_docstatus(wanted)?;
            need(c, write)?;
            let i = if differs(&input, &base) {
                books.update_item(name, &input).await.map_err(e)?
            } else {
                i
            };
            let barcodes = books.item_barcodes(&i).await.map_err(e)?;
            item_doc(&i, &barcodes)
        }
        Doctype::Warehouse => {
            let w = books.warehouse(name).await.map_err(e)?;
            let base = WarehouseInput {
                name: w.name.clone(),
                disabled: w.disabled,
            };
            let mut input = base.clone();
            if let Some(n) = b.text("warehouse_name").map_err(e)? {
                input.name = n;
            }
            if let Some(v) = b.flag("disabled").map_err(e)? {
                input.disabled = v;
            }
            b.finish(WAREHOUSE_IGNORED).map_err(e)?;
            master_docstatus(wanted)?;
            need(c, write)?;
            let w = if differs(&input, &base) {
                books.update_warehouse(name, &input).await.map_err(e)?
            } else {
                w
            };
            whole(d.name(), &w, WAREHOUSE_FIELDS, warehouse_value)
        }
        Doctype::Account => {
            let a = books.account(name).await.map_err(e)?;
            let base = AccountUpdate {
                name: a.name.clone(),
                account_type: a.account_type,
                disabled: a.disabled,
            };
            let mut input = base.clone();
            if let Some(n) = b.text("account_name").map_err(e)? {
                input.name = n;
            }
            if let Some(t) = b.text("account_type").map_err(e)? {
                input.account_type = account_type_of(&t, Some(a.root_type)).map_err(e)?;
            }
            if let Some(v) = b.flag("disabled").map_err(e)? {
                input.disabled = v;
            }
            // What cannot change here must not be sent changed.
            for (key, now) in [
                ("account_number", a.number.clone()),
                ("root_type", a.root_type.title().to_owned()),
            ] {
                if let Some(v) = b.text(key).map_err(e)? {
                    if !v.eq_ignore_ascii_case(&now) {
                        return Err(erp_error(invalid(format!("{key} cannot be changed here"))));
                    }
                }
            }
            for key in ["parent_account", "is_group"] {
                b.take(key);
            }
            b.finish(ACCOUNT_IGNORED).map_err(e)?;
            master_docstatus(wanted)?;
            need(c, write)?;
            let a = if differs(&input, &base) {
                books.update_account(name, &input).await.map_err(e)?
            } else {
                a
            };
            let names = account_names(books).await.map_err(e)?;
            whole(d.name(), &a, ACCOUNT_FIELDS, |a, f| {
                account_value(a, &names, f)
            })
        }
        Doctype::SalesInvoice | Doctype::PurchaseInvoice => {
            let kind = invoice_kind(d);
            let doc = books.invoice_doc(kind, name, today).await.map_err(e)?;
            let warehouses = warehouse_names(books).await.map_err(e)?;
            let base = InvoiceInput::from_doc(&doc, &warehouses);
            let mut input = base.clone();
            apply_invoice(&mut b, kind, &mut input).map_err(e)?;
            b.finish(INVOICE_IGNORED).map_err(e)?;
            let changed = differs(&input, &base);
            let t = transition(c, write, doc.invoice.docstatus, wanted, changed, &doc.name)?;
            // An edit sent with `"docstatus": 1` is saved and submitted in one transaction:
            // if the submit is refused, the edit is not kept either.
            let submit_with_edit = changed && matches!(t, Transition::Submit);
            let mut doc = doc;
            if changed {
                doc = books
                    .update_invoice(kind, &doc.name, &input, author, submit_with_edit, today)
                    .await
                    .map_err(e)?;
            }
            doc = match t {
                Transition::Submit if submit_with_edit => Ok(doc),
                Transition::Submit => books.submit_invoice(kind, &doc.name, today).await,
                Transition::Cancel => books.cancel_invoice(kind, &doc.name, today).await,
                Transition::None => Ok(doc),
            }
            .map_err(e)?;
            invoice_doc(books, &doc, today).await.map_err(e)?
        }
        Doctype::PaymentEntry => {
            let doc = books.payment_doc(name).await.map_err(e)?;
            let base = payment_input_of(&doc);
            let mut input = base.clone();
            apply_payment(&mut b, &mut input).map_err(e)?;
            b.finish(PAYMENT_IGNORED).map_err(e)?;
            let changed = differs(&input, &base);
            let t = transition(c, write, doc.payment.docstatus, wanted, changed, &doc.name)?;
            // An edit sent with `"docstatus": 1` is saved and submitted in one transaction:
            // if the submit is refused, the edit is not kept either.
            let submit_with_edit = changed && matches!(t, Transition::Submit);
            let mut doc = doc;
            if changed {
                doc = books
                    .update_payment(&doc.name, &input, author, submit_with_edit, today)
                    .await
                    .map_err(e)?;
            }
            doc = match t {
                Transition::Submit if submit_with_edit => Ok(doc),
                Transition::Submit => books.submit_payment(&doc.name).await,
                Transition::Cancel => books.cancel_payment(&doc.name).await,
                Transition::None => Ok(doc),
            }
            .map_err(e)?;
            payment_doc(books, &doc).await.map_err(e)?
        }
        Doctype::JournalEntry => {
            let doc = books.journal_doc(name).await.map_err(e)?;
            let base = journal_input_of(&doc);
            let mut input = base.clone();
            apply_journal(&mut b, &mut input).map_err(e)?;
            b.finish(JOURNAL_IGNORED).map_err(e)?;
            let changed = differs(&input, &base);
            let t = transition(c, write, doc.journal.docstatus, wanted, changed, &doc.name)?;
            // An edit sent with `"docstatus": 1` is saved and submitted in one transaction:
            // if the submit is refused, the edit is not kept either.
            let submit_with_edit = changed && matches!(t, Transition::Submit);
            let mut doc = doc;
            if changed {
                doc = books
                    .update_journal(&doc.name, &input, author, submit_with_edit, today)
                    .await
                    .map_err(e)?;
            }
            doc = match t {
                Transition::Submit if submit_with_edit => Ok(doc),
                Transition::Submit => books.submit_journal(&doc.name).await,
                Transition::Cancel => books.cancel_journal(&doc.name).await,
                Transition::None => Ok(doc),
            }
            .map_err(e)?;
            journal_doc(&doc)
        }
        Doctype::StockEntry => {
            let doc = books.stock_entry_doc(name).await.map_err(e)?;
            let warehouses = warehouse_names(books).await.map_err(e)?;
            let base = stock_entry_input_of(&doc, &warehouses);
            let mut input = base.clone();
            apply_stock_entry(&mut b, &mut input).map_err(e)?;
            b.finish(STOCK_ENTRY_IGNORED).map_err(e)?;
            let changed = differs(&input, &base);
            let t = transition(c, write, doc.entry.docstatus, wanted, changed, &doc.name)?;
            // An edit sent with `"docstatus": 1` is saved and submitted in one transaction:
            // if the submit is refused, the edit is not kept either.
            let submit_with_edit = changed && matches!(t, Transition::Submit);
            let mut doc = doc;
            if changed {
                doc = books
                    .update_stock_entry(&doc.name, &input, author, submit_with_edit, today)
                    .await
                    .map_err(e)?;
            }
            doc = match t {
                Transition::Submit if submit_with_edit => Ok(doc),
                Transition::Submit => books.submit_stock_entry(&doc.name).await,
                Transition::Cancel => books.cancel_stock_entry(&doc.name).await,
                Transition::None => Ok(doc),
            }
            .map_err(e)?;
            stock_entry_doc(books, &doc).await.map_err(e)?
        }
        Doctype::GlEntry => return Err(erp_error(invalid("GL Entry is read-only"))),
    };
    Ok(doc)
}

/// Master data is never submitted: its `docstatus` stays 0.
fn master_docstatus(wanted: Option<i64>) -> Result<(), Response> {
    match wanted {
        None | Some(0) => Ok(()),
        Some(n) => Err(docstatus_error(format!(
            "this document is not submittable; docstatus stays 0, not {n}"
        ))),
    }
}

// ---- sign-in ----

/// Frappe's sign-in: a session on this client's host, as the sign-in page would start.
#[utoipa::path(post, path = "/api/method/login", tag = "erpnext",
    request_body(content = Object, description = "`usr` and `pwd`, as a form or JSON"),
    responses((status = 200, description = "`{\"message\": \"Logged In\", \"home_page\": \"/app\", \"full_name\": …}` and a session cookie", body = Object),
        (status = 401, description = "`{\"message\": \"Invalid login credentials\", \"exc_type\": \"AuthenticationError\"}`; also when the account needs a second factor (sign in through the browser, or use an API key)", body = Object),
        (status = 403, description = "PermissionError: the account has no access to this client", body = Object),
        (status = 429, description = "TooManyRequestsError: too many failed attempts", body = Object)))]
pub async fn login(
    State(state): State<AppState>,
    tenant: Option<Extension<CurrentTenant>>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    if let Some(r) = cross_site(&headers) {
        return r;
    }
    let Some(Extension(CurrentTenant(tenant))) = tenant else {
        return frappe_error(StatusCode::NOT_FOUND, "DoesNotExistError", "no client here");
    };
    let (usr, pwd) = match read_body(&state, req).await {
        Ok(J::Obj(mut m)) => (
            text_of("usr", m.remove("usr").unwrap_or(J::Null)),
            text_of("pwd", m.remove("pwd").unwrap_or(J::Null)),
        ),
        Ok(_) => (Ok(None), Ok(None)),
        Err(e) => return erp_error(e),
    };
    let (Ok(Some(usr)), Ok(Some(pwd))) = (usr, pwd) else {
        return frappe_error(
            StatusCode::EXPECTATION_FAILED,
            "ValidationError",
            "send usr and pwd",
        );
    };
    let config = state.platform.config();
    let ip = crate::auth::client_ip(&headers, connect.map(|c| c.0 .0), config.trust_proxy);
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let identity = state.platform.identity();
    let outcome = identity
        .login(LoginRequest {
            email: &usr,
            password: &pwd,
            remember: false,
            ip: ip.as_deref(),
            user_agent: ua.as_deref(),
            tenant: Some(tenant.id),
        })
        .await;
    match outcome {
        Ok(LoginOutcome::Done(session)) => {
            let user = identity.user(session.record.user_id).await.ok();
            let full_name = user
                .as_ref()
                .and_then(|u| u.display_name.clone())
                .unwrap_or_else(|| usr.trim().to_owned());
            let mut res = Json(serde_json::json!({
                "message": "Logged In",
                "home_page": "/app",
                "full_name": full_name,
                // Send it back as X-Frappe-CSRF-Token (or X-CSRF-Token) with writes made with
                // this session's cookie.
                "csrf_token": session.record.csrf_token,
            }))
            .into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                crate::auth::session_cookie(config, &session),
            );
            res
        }
        Ok(LoginOutcome::SecondFactor(session)) => {
            // The password was right but a second factor is owed, which this method cannot
            // take: the half-made session is ended, never handed out.
            if let Err(e) = identity.logout(&session.record).await {
                tracing::warn!(error = %e, "ending a session that owed a second factor failed");
            }
            frappe_error(
                StatusCode::UNAUTHORIZED,
                "AuthenticationError",
                "This account signs in with a second factor: sign in through the browser, or use an API key (Authorization: token key:secret)",
            )
        }
        Err(AuthError::InvalidCredentials) => {
            let mut body = frappe_body("AuthenticationError", "Invalid login credentials");
            body["message"] = "Invalid login credentials".into();
            (StatusCode::UNAUTHORIZED, Json(body)).into_response()
        }
        Err(AuthError::Forbidden) => frappe_error(
            StatusCode::FORBIDDEN,
            "PermissionError",
            "Your account has no access to this business",
        ),
        Err(e @ AuthError::Throttled { .. }) => frappe_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsError",
            &format!("Too many failed attempts: {e}"),
        ),
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            frappe_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "the server could not complete this request; it has been logged",
            )
        }
    }
}

/// A browser posting from another site (an `Origin` that is not this host) is refused: nobody
/// is signed in to an account they did not choose.
fn cross_site(headers: &HeaderMap) -> Option<Response> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
    if origin_host.eq_ignore_ascii_case(host) {
        return None;
    }
    Some(frappe_error(
        StatusCode::FORBIDDEN,
        "PermissionError",
        "sign-in from another site is refused",
    ))
}

/// Frappe's sign-out: ends this session.
#[utoipa::path(post, path = "/api/method/logout", tag = "erpnext",
    security(("session" = [])),
    responses((status = 200, description = "`{}` and the session cookie cleared", body = Object),
        (status = 401, description = "AuthenticationError: no session", body = Object)))]
pub async fn logout(State(state): State<AppState>, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    let s = match crate::auth::AnySession::from_request_parts(&mut parts, &state).await {
        Ok(s) => s,
        Err(r) => return reshape(r).await,
    };
    if let Err(e) = state.platform.identity().logout(&s.session).await {
        tracing::error!(error = %e, "sign-out failed");
        return frappe_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "the server could not complete this request; it has been logged",
        );
    }
    let mut res = Json(serde_json::json!({})).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::auth::clear_session_cookie(state.platform.config()),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text() {
        let j = J::parse(r#"{"a": 12.10, "b": [1, "x", null, true], "c": {"d": -0.5}}"#).unwrap();
        let J::Obj(m) = j else { panic!() };
        assert_eq!(m["a"], J::Num("12.10".into()));
        assert_eq!(
            m["b"],
            J::Arr(vec![
                J::Num("1".into()),
                J::Str("x".into()),
                J::Null,
                J::Bool(true)
            ])
        );
        assert!(J::parse("{").is_err());
        assert!(J::parse(&"[".repeat(20).to_string()).is_err());
    }

    #[test]
    fn money_is_written_as_an_exact_number() {
        let mut d = Doc::default();
        d.push("grand_total", money(Amount(123_456_789_012_345)));
        d.push("qty", qty(Quantity(1_500)));
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"grand_total":1234567890123.45,"qty":1.500}"#
        );
    }

    #[tokio::test]
    async fn responses_keep_exact_numbers() {
        let mut d = Doc::default();
        d.push("grand_total", money(Amount(1_250)));
        let body = axum::body::to_bytes(data(vec![d]).into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], br#"{"data":[{"grand_total":12.50}]}"#);
    }

    #[test]
    fn filters_in_every_shape() {
        let f = parse_filters(r#"[["Sales Invoice","docstatus","=",1],["grand_total",">",100.5]]"#)
            .unwrap();
        assert_eq!(f[0].field, "docstatus");
        assert_eq!(f[1].value, J::Num("100.5".into()));
        let f = parse_filters(
            r#"{"customer": "Acme", "posting_date": ["between", ["2026-04-01", "2026-04-30"]]}"#,
        )
        .unwrap();
        assert_eq!(f.len(), 2);
        let between = expand_filter("posting_date", &f[1]).unwrap();
        assert_eq!(between.len(), 2);
        let f = parse_filters(r#"["status", "=", "Overdue"]"#).unwrap();
        assert_eq!(f[0].field, "status");
        assert!(parse_filters(r#"[["a","b"],["c"]]"#).is_err());
        let order = parse_order("`tabSales Invoice`.`posting_date` desc, name", |f| {
            f.to_owned()
        })
        .unwrap();
        assert_eq!(order[0].column, "posting_date");
        assert!(order[0].descending);
        assert!(!order[1].descending);
    }

    #[test]
    fn unknown_fields_are_refused_and_blank_ones_ignored() {
        let j =
            J::parse(r#"{"customer_name": "A", "colour": "red", "territory": "UK", "fax": ""}"#)
                .unwrap();
        let mut b = Body::new("Customer", j).unwrap();
        let mut p = PartyInput::default();
        apply_party(&mut b, PartyKind::Customer, &mut p).unwrap();
        let err = b.finish(PARTY_IGNORED).unwrap_err().to_string();
        assert!(err.contains("colour") && !err.contains("fax"), "{err}");
    }
}
