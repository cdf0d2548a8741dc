//! The posting transaction: everything a submit or a cancel writes happens through one
//! [`BooksTx`], committed together or not at all.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::{FromRow, Postgres, QueryBuilder, Sqlite, Transaction};
use tenantry_domain::books::ids::{AccountId, ItemId, PartyId, WarehouseId};
use tenantry_domain::books::{Amount, Posting, Quantity, StockPosition};
use time::Date;

use super::{on_tx, stamp};
use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::tenant_db::TenantDb;

pub(crate) enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A write transaction on one tenant's books.
pub struct BooksTx {
    pub(crate) inner: TxInner,
    /// Told when the transaction commits (SQLite's background checkpoints count commits).
    tenant: TenantDb,
}

/// A ledger entry as stored.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct GlEntry {
    pub id: i64,
    pub posting_date: Date,
    pub account_id: i64,
    pub party_id: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub debit: Amount,
    #[sqlx(try_from = "i64")]
    pub credit: Amount,
    pub voucher_type: String,
    pub voucher_no: String,
    pub is_reversal: bool,
}

impl GlEntry {
    pub fn posting(&self) -> Posting {
        Posting {
            account: AccountId(self.account_id),
            party: self.party_id.map(PartyId),
            debit: self.debit,
            credit: self.credit,
        }
    }
}

/// A stock ledger row as stored.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct StockMove {
    pub id: i64,
    pub posting_date: Date,
    pub item_id: i64,
    pub warehouse_id: i64,
    #[sqlx(try_from = "i64")]
    pub qty_change: Quantity,
    #[sqlx(try_from = "i64")]
    pub value_change: Amount,
    #[sqlx(try_from = "i64")]
    pub qty_after: Quantity,
    #[sqlx(try_from = "i64")]
    pub value_after: Amount,
    #[sqlx(try_from = "i64")]
    pub valuation_rate: Amount,
    pub voucher_type: String,
    pub voucher_no: String,
}

/// Which document a posting belongs to.
#[derive(Debug, Clone)]
pub struct Voucher {
    pub doctype: &'static str,
    pub number: String,
    pub date: Date,
}

/// A stock movement to record: its ledger row, whose position after the movement a trigger makes
/// the balance.
#[derive(Debug, Clone)]
pub struct NewStockMove {
    pub item: ItemId,
    pub warehouse: WarehouseId,
    pub qty_change: Quantity,
    pub value_change: Amount,
    pub after: StockPosition,
}

/// Everything one voucher writes to the ledgers. It is gathered first and sent to the database
/// in one round trip (with the document itself where the document is new, see
/// [`BooksTx::insert_invoice`]).
#[derive(Debug, Clone)]
pub struct LedgerWrite {
    pub voucher: Voucher,
    pub is_reversal: bool,
    pub stock: Vec<NewStockMove>,
    pub entries: Vec<Posting>,
}

impl LedgerWrite {
    pub fn new(voucher: Voucher, is_reversal: bool) -> Self {
        LedgerWrite {
            voucher,
            is_reversal,
            stock: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// Records a movement of stock whose position, after it, is `after`.
    pub fn move_stock(
        &mut self,
        item: ItemId,
        warehouse: WarehouseId,
        qty_change: Quantity,
        value_change: Amount,
        after: StockPosition,
    ) {
        self.stock.push(NewStockMove {
            item,
            warehouse,
            qty_change,
            value_change,
            after,
        });
    }

    /// Adds ledger entries.
    pub fn post(&mut self, entries: impl IntoIterator<Item = Posting>) {
        self.entries.extend(entries);
    }

    fn is_empty(&self) -> bool {
        self.stock.is_empty() && self.entries.is_empty()
    }
}

/// Positions of items in warehouses, locked by [`BooksTx::lock_stock`] for the transaction. A
/// posting moves stock here, in memory, and records each movement in its [`LedgerWrite`].
#[derive(Debug, Default)]
pub struct LockedStock(BTreeMap<(ItemId, WarehouseId), StockPosition>);

impl LockedStock {
    /// The position of an item in a warehouse; it must have been locked.
    pub fn position(&mut self, item: ItemId, warehouse: WarehouseId) -> Result<&mut StockPosition> {
        self.0.get_mut(&(item, warehouse)).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "the stock of item {} in warehouse {} was not locked before being moved",
                item.0, warehouse.0
            ))
        })
    }
}

/// Pushes a ledger write's statements onto a query being built, each a part (see [`open_part`]),
/// so that the whole is one round trip on either backend. The caller ends the query with a last
/// statement.
macro_rules! push_ledger_write {
    ($q:expr, $w:expr, $postgres:expr) => {{
        let (q, w, postgres) = ($q, $w, $postgres);
        let now = stamp();
        if !w.stock.is_empty() {
            open_part(q, postgres, "stock_moved");
            q.push(
                "INSERT INTO stock_ledger (posting_date, item_id, warehouse_id, qty_change, value_change,
                 qty_after, value_after, valuation_rate, voucher_type, voucher_no, created_at) ",
            );
            q.push_values(&w.stock, |mut b, m| {
                b.push_bind(w.voucher.date)
                    .push_bind(m.item.0)
                    .push_bind(m.warehouse.0)
                    .push_bind(m.qty_change.0)
                    .push_bind(m.value_change.0)
                    .push_bind(m.after.qty.0)
                    .push_bind(m.after.value.0)
                    .push_bind(m.after.rate.0)
                    .push_bind(w.voucher.doctype)
                    .push_bind(w.voucher.number.as_str())
                    .push_bind(now);
            });
            close_part(q, postgres);
        }
        if !w.entries.is_empty() {
            open_part(q, postgres, "posted");
            q.push(
                "INSERT INTO gl_entries (posting_date, account_id, party_id, debit, credit, voucher_type,
                 voucher_no, is_reversal, created_at) ",
            );
            q.push_values(&w.entries, |mut b, e| {
                b.push_bind(w.voucher.date)
                    .push_bind(e.account.0)
                    .push_bind(e.party.map(|p| p.0))
                    .push_bind(e.debit.0)
                    .push_bind(e.credit.0)
                    .push_bind(w.voucher.doctype)
                    .push_bind(w.voucher.number.as_str())
                    .push_bind(w.is_reversal)
                    .push_bind(now);
            });
            close_part(q, postgres);
        }
    }};
}
pub(crate) use push_ledger_write;

/// Starts one part of a write sent as one round trip: on PostgreSQL a data-modifying `WITH`
/// part (`WITH name AS (` first, `, name AS (` after); on SQLite a statement of its own.
pub(crate) fn open_part<DB: sqlx::Database>(
    q: &mut QueryBuilder<'_, DB>,
    postgres: bool,
    name: &str,
) {
    if postgres {
        q.push(if q.sql().is_empty() { "WITH " } else { ", " });
        q.push(name).push(" AS (");
    }
}

/// Ends a part started by [`open_part`]; the query's last statement follows the parts.
pub(crate) fn close_part<DB: sqlx::Database>(q: &mut QueryBuilder<'_, DB>, postgres: bool) {
    q.push(if postgres { ") " } else { "; " });
}

impl BooksTx {
    /// Starts a write transaction. On SQLite it runs on the tenant's writer connection, after
    /// this process's other postings on the same database, and takes the write lock at once.
    pub async fn begin(tenant: &TenantDb) -> Result<Self> {
        let inner = match tenant.writer() {
            Db::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(BooksTx {
            inner,
            tenant: tenant.clone(),
        })
    }

    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        self.tenant.posted();
        Ok(())
    }

    /// The next number of `series`, gapless: the counter moves in this transaction, so a rolled
    /// back posting gives its number back. Concurrent transactions queue on the counter's row.
    pub async fn next_number(&mut self, series: &str) -> Result<i64> {
        Ok(on_tx!(&mut self.inner, c => sqlx::query_scalar(
            "INSERT INTO number_series (series, last) VALUES ($1, 1)
             ON CONFLICT (series) DO UPDATE SET last = number_series.last + 1
             RETURNING last",
        )
        .bind(series)
        .fetch_one(&mut **c)
        .await?))
    }

    /// Writes a voucher's stock movements and ledger entries, in one round trip (triggers add
    /// the entries to the accounts' daily totals and set the stock balances).
    pub async fn write_ledger(&mut self, w: &LedgerWrite) -> Result<()> {
        if w.is_empty() {
            return Ok(());
        }
        let postgres = self.is_postgres();
        on_tx!(&mut self.inner, c => {
            let mut q = QueryBuilder::new("");
            push_ledger_write!(&mut q, w, postgres);
            q.push("SELECT 1");
            q.build().execute(&mut **c).await?;
        });
        Ok(())
    }

    /// The ledger entries a document posted (its own, not reversals), to reverse them.
    pub async fn entries_of(&mut self, doctype: &str, number: &str) -> Result<Vec<GlEntry>> {
        Ok(on_tx!(&mut self.inner, c => sqlx::query_as(
            "SELECT id, posting_date, account_id, party_id, debit, credit, voucher_type, voucher_no, is_reversal
             FROM gl_entries WHERE voucher_type = $1 AND voucher_no = $2 AND NOT is_reversal ORDER BY id",
        )
        .bind(doctype)
        .bind(number)
        .fetch_all(&mut **c)
        .await?))
    }

    /// Items' positions in warehouses, each locked until this transaction ends (on PostgreSQL;
    /// on SQLite the whole database is), in one statement. Rows are locked in key order, so
    /// concurrent postings lock alike.
    pub async fn lock_stock(&mut self, keys: &[(ItemId, WarehouseId)]) -> Result<LockedStock> {
        let mut keys = keys.to_vec();
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            return Ok(LockedStock::default());
        }
        // A no-op update of an existing row locks it (PostgreSQL) and returns it.
        let rows: Vec<(i64, i64, i64, i64, i64)> = on_tx!(&mut self.inner, c => {
            let mut q = QueryBuilder::new("INSERT INTO stock_balances (item_id, warehouse_id, qty, value, rate) ");
            q.push_values(&keys, |mut b, (item, warehouse)| {
                b.push_bind(item.0)
                    .push_bind(warehouse.0)
                    .push("0")
                    .push("0")
                    .push("0");
            });
            q.push(
                " ON CONFLICT (item_id, warehouse_id) DO UPDATE SET qty = stock_balances.qty
                 RETURNING item_id, warehouse_id, qty, value, rate",
            );
            q.build_query_as().fetch_all(&mut **c).await?
        });
        Ok(LockedStock(
            rows.into_iter()
                .map(|(item, warehouse, qty, value, rate)| {
                    (
                        (ItemId(item), WarehouseId(warehouse)),
                        StockPosition {
                            qty: Quantity(qty),
                            value: Amount(value),
                            rate: Amount(rate),
                        },
                    )
                })
                .collect(),
        ))
    }

    /// The stock movements a document made, to reverse them.
    pub async fn stock_moves_of(&mut self, doctype: &str, number: &str) -> Result<Vec<StockMove>> {
        Ok(on_tx!(&mut self.inner, c => sqlx::query_as(
            "SELECT id, posting_date, item_id, warehouse_id, qty_change, value_change, qty_after, value_after,
             valuation_rate, voucher_type, voucher_no
             FROM stock_ledger WHERE voucher_type = $1 AND voucher_no = $2 ORDER BY id",
        )
        .bind(doctype)
        .bind(number)
        .fetch_all(&mut **c)
        .await?))
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.inner, TxInner::Postgres(_))
    }
}
