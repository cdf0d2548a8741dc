//! The pages of the client space's books, under `/books`: lists with search, filters and
//! pagination; forms that show what was wrong beside them; document pages whose submit and
//! cancel buttons go through a confirmation (a `<dialog>` opened by `books.js`, or without script
//! a confirmation page); the reports with a period picker and CSV; the invoice's print page and
//! PDF; the books' settings.
//!
//! A kind's pages are one set of handlers (`handlers`) over its page declaration (`declaration`:
//! what its list filters by and shows, its own page, its form), written once per kind in the
//! file named after it; `kinds::catalogue` adds their routes by the kind's life cycle.
//!
//! Every handler takes a [`BooksCaller`](crate::books::BooksCaller) (signed in, allowed to read
//! this client's books), checks the form's CSRF field against the session before anything else,
//! asks the permission matrix for the right it needs, and calls [`tenantry_erp::Books`]. Buttons
//! a role cannot use are not shown; the handlers refuse them anyway.
#![allow(clippy::result_large_err)] // refusals are ready responses; their size does not matter here

// The kinds' pages, one declaration each, and the handlers generic over them (whose routes
// `kinds::catalogue` adds by each kind's life cycle).
mod accounts;
pub(crate) mod declaration;
mod fiscal_years;
pub(crate) mod handlers;
mod invoices;
mod items;
mod journals;
mod parties;
mod payments;
mod stock_entries;
mod warehouses;

// What the pages share.
mod choices;
pub(crate) mod form_data;
mod frame;
mod listing;
mod views;

// The pages that are not a kind's.
mod branding;
mod home;
mod print;
mod reports;
mod settings;
mod stock_balance;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/books", get(home::home))
        .route("/books/brand.css", get(print::brand_css))
        .route("/books/brand/logo", get(print::brand_logo))
        .route("/books/stock-balance", get(stock_balance::stock_balance))
        .merge(settings::router())
        .merge(branding::router())
        .merge(reports::router())
        .merge(print::router())
}

/// The books' script, a plain ES module served from the binary.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/books.js"),
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/books.css"),
    )
}
