//! The books against real databases: worked examples to the penny, bad input, concurrency and
//! property tests of the ledger's invariants. Each runs on SQLite, and on PostgreSQL in the
//! PostgreSQL suite (`-- --ignored`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod concurrency;
mod examples;
mod invariants;
mod refusals;
