//! The books' SQL: master data, documents, the posting transaction and the reports' queries.
//!
//! Rows carry the domain's types (amounts, quantities, enums) so that nothing above this layer
//! handles raw integers. Every write that posts runs inside a [`BooksTx`]; on SQLite it runs on
//! the client's one writer connection (postings queue for it) and starts with `BEGIN IMMEDIATE`
//! (the write lock is taken up front, so a writer from elsewhere waits on the busy timeout
//! instead of failing); on PostgreSQL the rows a posting depends on are locked with
//! `… FOR NO KEY UPDATE` in a fixed order.

mod activity;
mod branding;
mod documents;
mod list;
mod masters;
mod memo;
mod posting;
mod reports;

pub use activity::DocumentEvent;
pub use branding::{BrandSummary, StoredBranding, StoredLogo};
pub use documents::*;
pub use list::{Filter, FilterOp, FilterValue, ListQuery, OrderBy};
pub use masters::*;
pub use memo::{BooksMemo, BooksSnapshot};
pub use posting::*;
pub use reports::*;

use crate::identity::unix_now;

/// Seconds since the Unix epoch, the books' timestamp.
pub(crate) fn stamp() -> i64 {
    unix_now()
}

/// Runs the same expression against whichever transaction `$tx` holds.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::books::posting::TxInner::Sqlite($c) => $body,
            $crate::books::posting::TxInner::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_tx;

/// A statement and its locking twin, built at compile time: PostgreSQL locks the rows read;
/// SQLite has no row locks (its transaction holds the database's write lock from
/// `BEGIN IMMEDIATE`). `NO KEY UPDATE`, not `UPDATE`: a transaction that has just inserted a row
/// referring to the locked one holds a key-share lock on it, which `FOR UPDATE` would wait on
/// (and two such transactions would deadlock).
macro_rules! lockable {
    ($sql:literal) => {
        [$sql, concat!($sql, " FOR NO KEY UPDATE")]
    };
}
pub(crate) use lockable;

/// The statement of a [`lockable!`] pair for this backend.
pub(crate) fn locking(pair: [&'static str; 2], postgres: bool) -> &'static str {
    pair[usize::from(postgres)]
}
