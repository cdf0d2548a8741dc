//! Schema migrations, kept in this crate as SQL per backend and recorded in each database's
//! `schema_migrations` table with a checksum, so a migration edited after release is caught.

use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor};
use time::OffsetDateTime;

use crate::db::{Backend, Db};
use crate::error::{Result, StoreError};
use crate::on_db;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

impl Migration {
    fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }

    fn checksum(&self, backend: Backend) -> String {
        hex::encode(Sha256::digest(self.sql(backend).as_bytes()))
    }
}

macro_rules! migration {
    ($plane:literal, $version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/", $plane, "/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!(
                "../migrations/",
                $plane,
                "/postgres/",
                $name,
                ".sql"
            )),
        }
    };
}

/// The control plane's migrations, oldest first.
pub static CONTROL: &[Migration] = &[
    migration!("control", 1, "0001_init"),
    migration!("control", 2, "0002_identity"),
    migration!("control", 3, "0003_sso"),
    migration!("control", 4, "0004_passkeys"),
    migration!("control", 5, "0005_consent"),
    migration!("control", 6, "0006_outbox"),
];

/// Every tenant database's migrations, oldest first.
pub static TENANT: &[Migration] = &[
    migration!("tenant", 1, "0001_init"),
    migration!("tenant", 2, "0002_books"),
    migration!("tenant", 3, "0003_branding"),
    migration!("tenant", 4, "0004_recent_documents"),
];

pub fn latest_version(migrations: &[Migration]) -> i64 {
    migrations.last().map(|m| m.version).unwrap_or(0)
}

/// A digest of a migration set on one backend: names the PostgreSQL template database so that a
/// new build with new migrations builds a new template.
pub fn fingerprint(migrations: &[Migration], backend: Backend) -> String {
    let mut hasher = Sha256::new();
    for m in migrations {
        hasher.update(m.version.to_be_bytes());
        hasher.update(m.sql(backend).as_bytes());
    }
    hex::encode(hasher.finalize())[..16].to_owned()
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

/// Brings `db` to the latest of `migrations` and returns the version it is at. Safe to run
/// concurrently from several processes: on PostgreSQL an advisory lock serialises runners; on
/// SQLite each migration claims its row first, which takes the write lock, and a runner that finds
/// the row already there skips it.
pub async fn run(db: &Db, migrations: &'static [Migration]) -> Result<i64> {
    let backend = db.backend();
    match db {
        Db::Sqlite(pool) => {
            let mut conn = pool.acquire().await?;
            sqlx::query(CREATE_TABLE).execute(&mut *conn).await?;
            for m in migrations {
                let mut tx = conn.begin().await?;
                let claimed = sqlx::query(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (version) DO NOTHING",
                )
                .bind(m.version)
                .bind(m.name)
                .bind(m.checksum(backend))
                .bind(now_text())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if claimed == 1 {
                    // `Executor::execute` with a plain string runs every statement in it.
                    tx.execute(m.sql(backend)).await?;
                    tx.commit().await?;
                } else {
                    tx.rollback().await?;
                }
            }
            let rows = sqlx::query_as(APPLIED).fetch_all(&mut *conn).await?;
            check_applied(rows, backend, migrations)
        }
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await?;
            // One fixed key: migrations of the same database never run side by side.
            sqlx::query("SELECT pg_advisory_lock(7373001)")
                .execute(&mut *conn)
                .await?;
            let result = run_postgres_locked(&mut conn, backend, migrations).await;
            sqlx::query("SELECT pg_advisory_unlock(7373001)")
                .execute(&mut *conn)
                .await?;
            result
        }
    }
}

async fn run_postgres_locked(
    conn: &mut sqlx::PgConnection,
    backend: Backend,
    migrations: &'static [Migration],
) -> Result<i64> {
    sqlx::query(CREATE_TABLE).execute(&mut *conn).await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?;
    let pending: Vec<&Migration> = migrations
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .collect();
    for m in pending {
        let mut tx = conn.begin().await?;
        tx.execute(m.sql(backend)).await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(m.checksum(backend))
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    let rows = sqlx::query_as(APPLIED).fetch_all(&mut *conn).await?;
    check_applied(rows, backend, migrations)
}

/// Reads the version a database is at without changing it (0 for a database never migrated).
pub async fn current_version(db: &Db) -> Result<i64> {
    let exists: bool = on_db!(db, p => {
        let n: i64 = match db.backend() {
            Backend::Sqlite => sqlx::query_scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            ),
            Backend::Postgres => sqlx::query_scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'",
            ),
        }
        .fetch_one(p)
        .await?;
        n > 0
    });
    if !exists {
        return Ok(0);
    }
    let v: Option<i64> = on_db!(db, p => sqlx::query_scalar("SELECT max(version) FROM schema_migrations").fetch_one(p).await?);
    Ok(v.unwrap_or(0))
}

const APPLIED: &str = "SELECT version, checksum FROM schema_migrations ORDER BY version";

/// Refuses a database whose applied migrations were edited since, or that a newer build migrated.
fn check_applied(
    rows: Vec<(i64, String)>,
    backend: Backend,
    migrations: &'static [Migration],
) -> Result<i64> {
    let known = latest_version(migrations);
    for (version, checksum) in &rows {
        match migrations.iter().find(|m| m.version == *version) {
            Some(m) if m.checksum(backend) == *checksum => {}
            Some(m) => {
                return Err(StoreError::MigrationChanged {
                    version: m.version,
                    name: m.name,
                })
            }
            None => {
                return Err(StoreError::SchemaTooNew {
                    found: *version,
                    known,
                })
            }
        }
    }
    Ok(rows.last().map(|(v, _)| *v).unwrap_or(0))
}

fn now_text() -> String {
    OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
