//! A short-lived cache of the books' master data, per tenant database: what every posting reads
//! (settings, the chart, fiscal years, warehouses, items and parties by name). Writes through
//! this `TenantDb` empty the part they touch at once; writes by another node are seen within
//! [`TTL`].

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;

use super::masters::{Account, BookSettings, FiscalYear, Item, Part, Party, PartyKind, Warehouse};

/// How long another node's change to master data may go unseen here.
pub const TTL: Duration = Duration::from_secs(5);

/// The small tables, read together.
#[derive(Debug, Clone)]
pub struct BooksSnapshot {
    pub settings: BookSettings,
    pub accounts: Vec<Account>,
    pub fiscal_years: Vec<FiscalYear>,
    pub warehouses: Vec<Warehouse>,
}

#[derive(Debug)]
pub struct BooksMemo {
    pub(crate) snapshot: Cache<(), Arc<BooksSnapshot>>,
    pub(crate) items: Cache<String, Option<Item>>,
    pub(crate) parties: Cache<(&'static str, String), Option<Party>>,
}

impl Default for BooksMemo {
    fn default() -> Self {
        Self::new()
    }
}

impl BooksMemo {
    pub fn new() -> Self {
        BooksMemo {
            snapshot: Cache::builder().max_capacity(1).time_to_live(TTL).build(),
            items: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(TTL)
                .build(),
            parties: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(TTL)
                .build(),
        }
    }

    /// Empties `part` now and again when the returned guard drops: after the write it guards,
    /// so that a read racing the write cannot leave the old value cached.
    pub(crate) fn forget_on_exit(&self, part: Part) -> ForgetOnExit<'_> {
        self.forget(part);
        ForgetOnExit { memo: self, part }
    }

    fn forget(&self, part: Part) {
        match part {
            Part::Snapshot => self.snapshot.invalidate_all(),
            Part::Items => self.items.invalidate_all(),
            Part::Parties => self.parties.invalidate_all(),
        }
    }
}

pub(crate) struct ForgetOnExit<'a> {
    memo: &'a BooksMemo,
    part: Part,
}

impl Drop for ForgetOnExit<'_> {
    fn drop(&mut self) {
        self.memo.forget(self.part);
    }
}

pub(crate) fn party_key(kind: PartyKind, name: &str) -> (&'static str, String) {
    (kind.as_str(), name.to_owned())
}

use crate::error::{Result, StoreError};
use crate::tenant_db::TenantDb;

impl TenantDb {
    /// Settings, chart, fiscal years and warehouses, from the cache when fresh.
    pub async fn books_snapshot(&self) -> Result<Arc<BooksSnapshot>> {
        let db = self.clone();
        self.memo()
            .snapshot
            .try_get_with((), async move {
                Ok::<_, StoreError>(Arc::new(BooksSnapshot {
                    settings: db.book_settings().await?,
                    accounts: db.accounts().await?,
                    fiscal_years: db.fiscal_years().await?,
                    warehouses: db
                        .list_warehouses(&super::ListQuery {
                            limit: 10_000,
                            ..super::ListQuery::default()
                        })
                        .await?,
                }))
            })
            .await
            .map_err(unshare)
    }

    /// An item by code, from the cache when fresh.
    pub async fn cached_item(&self, code: &str) -> Result<Option<Item>> {
        let db = self.clone();
        let key = code.to_owned();
        self.memo()
            .items
            .try_get_with(key.clone(), async move { db.item(&key).await })
            .await
            .map_err(unshare)
    }

    /// A customer or supplier by name, from the cache when fresh.
    pub async fn cached_party(&self, kind: PartyKind, name: &str) -> Result<Option<Party>> {
        let db = self.clone();
        let owned = name.to_owned();
        self.memo()
            .parties
            .try_get_with(party_key(kind, name), async move {
                db.party(kind, &owned).await
            })
            .await
            .map_err(unshare)
    }
}

/// The error of a cached read, which every caller that waited on it shares: the original when
/// this caller holds the only reference, otherwise reported as the database being unavailable
/// (text the database cannot hold stays bad input).
fn unshare(e: Arc<StoreError>) -> StoreError {
    match Arc::try_unwrap(e) {
        Ok(e) => e,
        Err(shared) if shared.is_invalid_text() => StoreError::Invalid(
            "the text holds a character that cannot be stored (such as NUL)".into(),
        ),
        Err(shared) => StoreError::TenantUnavailable(shared),
    }
}
