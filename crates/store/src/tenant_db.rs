//! A connection to one tenant's own database.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::FromRow;
use time::OffsetDateTime;

use crate::control::now;
use crate::db::Db;
use crate::error::Result;
use crate::on_db;

/// A pool on one tenant's database. Whatever it reads or writes belongs to that tenant alone:
/// there is no tenant column to filter on, the connection is the boundary.
///
/// It also holds the books' master-data cache (`books::memo`), shared by every clone, so that
/// the reads each posting needs (settings, accounts, items, parties) are not repeated per
/// document.
#[derive(Clone, Debug)]
pub struct TenantDb {
    db: Db,
    memo: Arc<crate::books::BooksMemo>,
    /// The pool the books' postings write through (see [`TenantDb::writer`]).
    writer: Db,
    wal: Arc<WalCheckpoints>,
}

/// On SQLite, postings commit into the write-ahead log; its pages are copied back into the
/// database (a checkpoint) in the background, after every [`CHECKPOINT_EVERY`] postings, on a
/// reader connection. A checkpoint run by the committing connection itself (SQLite's default,
/// every 1,000 pages) made the postings queued behind it wait for the copy and its `fsync`:
/// p99 latency 31 ms against 12 ms without. The writer still checkpoints past
/// [`WRITER_CHECKPOINT_PAGES`], which bounds the log under writes that never pause (a
/// background checkpoint cannot restart the log while writes keep arriving).
#[derive(Debug, Default)]
struct WalCheckpoints {
    postings: AtomicU32,
    running: AtomicBool,
}

const CHECKPOINT_EVERY: u32 = 64;
const WRITER_CHECKPOINT_PAGES: &str = "10000";

#[derive(Clone, Debug, Serialize, FromRow)]
pub struct Company {
    pub name: String,
    pub currency: String,
    pub country: String,
    pub fiscal_year_start_month: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl TenantDb {
    pub fn new(db: Db) -> Self {
        let writer = match &db {
            Db::Sqlite(pool) => Db::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(0)
                    .idle_timeout(Some(Duration::from_secs(60)))
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_lazy_with(
                        (*pool.connect_options())
                            .clone()
                            .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES),
                    ),
            ),
            Db::Postgres(_) => db.clone(),
        };
        Self {
            db,
            memo: Arc::new(crate::books::BooksMemo::new()),
            writer,
            wal: Arc::default(),
        }
    }

    /// Called after each posting commits: on SQLite, starts a background checkpoint every
    /// [`CHECKPOINT_EVERY`] postings unless one is running.
    pub(crate) fn posted(&self) {
        let Db::Sqlite(pool) = &self.db else {
            return;
        };
        let n = self.wal.postings.fetch_add(1, Ordering::Relaxed) + 1;
        if !n.is_multiple_of(CHECKPOINT_EVERY) || self.wal.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let (pool, wal) = (pool.clone(), self.wal.clone());
        tokio::spawn(async move {
            // PASSIVE: copies what it can without waiting for (or blocking) readers and writers.
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::warn!(error = %e, "background WAL checkpoint failed");
            }
            wal.running.store(false, Ordering::Release);
        });
    }

    /// The pool postings write through: on PostgreSQL the tenant's pool; on SQLite a pool of
    /// one connection. SQLite lets one writer at a time in; queueing for this connection wakes
    /// the next writer the moment the previous one commits (SQLite's busy handler would sleep in
    /// steps of milliseconds), and a connection that alone writes keeps its page cache across
    /// transactions, where one that follows another connection's write must reread what
    /// changed.
    pub(crate) fn writer(&self) -> &Db {
        &self.writer
    }

    pub(crate) fn memo(&self) -> &crate::books::BooksMemo {
        &self.memo
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Closes the tenant's connections, the writer's too.
    pub async fn close(&self) {
        self.writer.close().await;
        self.db.close().await;
    }

    pub async fn company(&self) -> Result<Option<Company>> {
        Ok(on_db!(&self.db, p => sqlx::query_as(
            "SELECT name, currency, country, fiscal_year_start_month, created_at FROM company WHERE id = 1",
        )
        .fetch_optional(p)
        .await?))
    }

    /// Writes the company row if there is none yet; an existing one is left as it is, so that a
    /// rerun of provisioning never overwrites what the client has since changed.
    pub async fn seed_company(
        &self,
        name: &str,
        currency: &str,
        country: &str,
        fiscal_year_start_month: i64,
    ) -> Result<()> {
        let t = now();
        on_db!(&self.db, p => sqlx::query(
            "INSERT INTO company (id, name, currency, country, fiscal_year_start_month, created_at, updated_at)
             VALUES (1, $1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(name)
        .bind(currency)
        .bind(country)
        .bind(fiscal_year_start_month)
        .bind(t)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            on_db!(&self.db, p => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        on_db!(&self.db, p => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }
}
