//! The posting transaction: everything a submit or a cancel writes happens through one
//! [`BooksTx`], committed together or not at all.

use serde::Serialize;
use sqlx::{FromRow, Postgres, QueryBuilder, Sqlite, Transaction};
use tenantry_domain::books::ids::{AccountId, ItemId, PartyId, WarehouseId};
use tenantry_domain::books::{Amount, Posting, Quantity, StockPosition};
use time::Date;

use super::{on_tx, stamp};
use crate::db::Db;
use crate::error::Result;
use crate::tenant_db::TenantDb;

pub(crate) enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A write transaction on one tenant's books.
pub struct BooksTx {
    pub(crate) inner: TxInner,
    /// Held for the transaction's life on SQLite (see `TenantDb::write_gate`).
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
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
#[derive(Debug, Clone, Copy)]
pub struct Voucher<'a> {
    pub doctype: &'a str,
    pub number: &'a str,
    pub date: Date,
}

impl BooksTx {
    /// Starts a write transaction. On SQLite the writer's lock is taken at once, after this
    /// process's other writers on the same database.
    pub async fn begin(tenant: &TenantDb) -> Result<Self> {
        Ok(match tenant.db() {
            Db::Sqlite(p) => {
                let gate = tenant.write_gate().clone().lock_owned().await;
                BooksTx {
                    inner: TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
                    _gate: Some(gate),
                }
            }
            Db::Postgres(p) => BooksTx {
                inner: TxInner::Postgres(p.begin().await?),
                _gate: None,
            },
        })
    }

    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
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

    /// Writes a document's ledger entries (a trigger adds them to the accounts' daily totals).
    pub async fn post(
        &mut self,
        voucher: Voucher<'_>,
        entries: &[Posting],
        is_reversal: bool,
    ) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let now = stamp();
        on_tx!(&mut self.inner, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO gl_entries (posting_date, account_id, party_id, debit, credit, voucher_type,
                 voucher_no, is_reversal, created_at) ",
            );
            q.push_values(entries, |mut b, e| {
                b.push_bind(voucher.date)
                    .push_bind(e.account.0)
                    .push_bind(e.party.map(|p| p.0))
                    .push_bind(e.debit.0)
                    .push_bind(e.credit.0)
                    .push_bind(voucher.doctype)
                    .push_bind(voucher.number)
                    .push_bind(is_reversal)
                    .push_bind(now);
            });
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

    /// An item's position in a warehouse, locked until this transaction ends (on PostgreSQL; on
    /// SQLite the whole database is).
    pub async fn lock_stock(
        &mut self,
        item: ItemId,
        warehouse: WarehouseId,
    ) -> Result<StockPosition> {
        // One statement: a no-op update of an existing row locks it (PostgreSQL) and returns it.
        let row: (i64, i64, i64) = on_tx!(&mut self.inner, c => sqlx::query_as(
            "INSERT INTO stock_balances (item_id, warehouse_id, qty, value, rate) VALUES ($1, $2, 0, 0, 0)
             ON CONFLICT (item_id, warehouse_id) DO UPDATE SET qty = stock_balances.qty
             RETURNING qty, value, rate",
        )
        .bind(item.0)
        .bind(warehouse.0)
        .fetch_one(&mut **c)
        .await?);
        Ok(StockPosition {
            qty: Quantity(row.0),
            value: Amount(row.1),
            rate: Amount(row.2),
        })
    }

    /// Records a stock movement: the ledger row, which leaves its position as the balance.
    pub async fn move_stock(
        &mut self,
        voucher: Voucher<'_>,
        item: ItemId,
        warehouse: WarehouseId,
        qty_change: Quantity,
        value_change: Amount,
        after: &StockPosition,
    ) -> Result<()> {
        let now = stamp();
        on_tx!(&mut self.inner, c => {
            // A trigger sets the position's balance from the row.
            sqlx::query(
                "INSERT INTO stock_ledger (posting_date, item_id, warehouse_id, qty_change, value_change,
                 qty_after, value_after, valuation_rate, voucher_type, voucher_no, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(voucher.date)
            .bind(item.0)
            .bind(warehouse.0)
            .bind(qty_change.0)
            .bind(value_change.0)
            .bind(after.qty.0)
            .bind(after.value.0)
            .bind(after.rate.0)
            .bind(voucher.doctype)
            .bind(voucher.number)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
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
