//! End-to-end tests: the real server on an ephemeral port, the real `tenantry` binary, real
//! databases. Every test runs on SQLite and on PostgreSQL (see `support::Backend`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod books_api;
mod books_branding;
mod books_concurrency;
mod books_daily;
mod books_frappe;
mod books_frappe_rpc;
mod books_pages;
mod cli;
mod consent;
mod dashboard;
mod frappe_client;
mod identity;
mod isolation;
mod kinds;
mod lifecycle;
mod migrate;
mod oidc_provider;
mod password_reset;
mod provisioning;
mod routing;
mod sso;
mod staff_access;
