//! The native API's answers: JSON bodies and errors, request bodies and query strings read
//! strictly, and lists in pages. Shared by the document kinds' generic handlers and the reports.
//!
//! Lists take `search`, `filters` (Frappe's JSON syntax), `order_by`, `limit` and `offset`, and
//! answer `{"data": [...], "limit", "offset", "next_offset"}`.

#![allow(clippy::result_large_err)] // refusals are ready responses; their size does not matter here

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tenantry_erp::ErpError;
use tenantry_store::books::ListQuery;
use utoipa::IntoParams;

use super::frappe::filters::{expand_filter, parse_filters, parse_order};
use crate::error::AppError;

pub(crate) type Res = Result<Response, Response>;

pub(crate) fn respond(r: Res) -> Response {
    r.unwrap_or_else(|e| e)
}

pub(crate) fn erp(e: ErpError) -> Response {
    AppError::from(e).into_response()
}

pub(crate) fn unprocessable(message: impl Into<String>) -> Response {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, message).into_response()
}

pub(crate) fn ok(v: impl Serialize) -> Res {
    Ok(Json(v).into_response())
}

pub(crate) fn created(v: impl Serialize) -> Res {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// A request body, or the client's error: 400 for malformed JSON, 415 without a JSON content
/// type, 422 for JSON that does not fit.
pub(crate) fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, Response> {
    b.map(|Json(t)| t)
        .map_err(|e| AppError::new(e.status(), e.body_text()).into_response())
}

pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Response> {
    q.map(|Query(t)| t)
        .map_err(|e| unprocessable(e.body_text()))
}

/// The default page, and the largest.
pub(crate) const DEFAULT_LIMIT: i64 = 20;
pub(crate) const MAX_LIMIT: i64 = 1_000;

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

pub(crate) struct Paging {
    limit: i64,
    offset: i64,
}

/// The store's query for a list (asking for one row more than the page, to know whether another
/// page follows).
pub(crate) fn list_query(
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
pub(crate) struct Page<T> {
    data: Vec<T>,
    limit: i64,
    offset: i64,
    /// Where the next page starts; null on the last page.
    next_offset: Option<i64>,
}

pub(crate) fn page<T: Serialize>(mut rows: Vec<T>, p: Paging) -> Res {
    let more = rows.len() as i64 > p.limit;
    rows.truncate(p.limit as usize);
    ok(Page {
        data: rows,
        limit: p.limit,
        offset: p.offset,
        next_offset: more.then_some(p.offset + p.limit),
    })
}
