use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::{Result, StoreError};

/// Asked as a connection returns to its pool: keep it open for reuse (`true`) or close it.
pub type KeepIdle = Arc<dyn Fn() -> bool + Send + Sync>;

/// A pool on either backend. Queries are written once and run on both through [`on_db!`].
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Runs the same expression against whichever pool `$db` holds; the expression is type-checked
/// once per backend.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// How hard SQLite works to keep a committed write. `Normal` (the default, in WAL mode) never
/// loses a commit to a crash of the process, only possibly the last ones to a power cut or an OS
/// crash; `Full` survives those too at the cost of an fsync per commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SqliteDurability {
    #[default]
    Normal,
    Full,
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens a SQLite database file with the pragmas every connection needs: WAL, a busy timeout
    /// so that writers queue instead of failing, and foreign keys on.
    pub async fn open_sqlite(
        path: &Path,
        create: bool,
        durability: SqliteDurability,
        max_connections: u32,
    ) -> Result<Db> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match durability {
                SqliteDurability::Normal => SqliteSynchronous::Normal,
                SqliteDurability::Full => SqliteSynchronous::Full,
            })
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Pages read through a memory map rather than a read() per page: in WAL mode every
            // connection rereads what another connection changed, and the system calls were the
            // larger part of a posting's cost.
            .pragma("mmap_size", "268435456");
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .min_connections(0)
            .idle_timeout(Some(Duration::from_secs(60)))
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    /// Opens a PostgreSQL pool from options; connections are made lazily up to `max_connections`.
    pub async fn open_postgres(options: PgConnectOptions, max_connections: u32) -> Result<Db> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(0)
            .idle_timeout(Some(Duration::from_secs(60)))
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await?;
        Ok(Db::Postgres(pool))
    }

    /// Opens a PostgreSQL pool whose connections, as each comes back from a query, stay open for
    /// reuse only while `keep_idle` says so; otherwise they are closed at once. Tenant pools use
    /// this so that the installation's idle connections stay within a budget however many
    /// tenant pools are open. The first connection is made (and returned) before this returns,
    /// so an unreachable database is reported here.
    pub async fn open_postgres_budgeted(
        options: PgConnectOptions,
        max_connections: u32,
        keep_idle: KeepIdle,
    ) -> Result<Db> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(0)
            .idle_timeout(Some(Duration::from_secs(60)))
            .acquire_timeout(Duration::from_secs(15))
            .after_release(move |_, _| {
                let keep = keep_idle();
                Box::pin(async move { Ok(keep) })
            })
            // `connect_with` would park its first connection idle without asking `after_release`.
            .connect_lazy_with(options);
        let db = Db::Postgres(pool);
        if let Err(e) = db.ping().await {
            db.close().await;
            return Err(e);
        }
        Ok(db)
    }

    /// Connections open in this pool now, in use or idle.
    pub fn connections(&self) -> u32 {
        on_db!(self, p => p.size())
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, p => { sqlx::query("SELECT 1").execute(p).await?; });
        Ok(())
    }

    pub fn is_closed(&self) -> bool {
        on_db!(self, p => p.is_closed())
    }

    /// Closes every connection. sqlx's `close()` waits for checked-out connections to come back
    /// but does not close one that comes back during its last wait (a connection used by a
    /// finished query is returned by a spawned task, so this is common); it then sits idle in the
    /// closed pool, holding a server session. The second call closes those.
    pub async fn close(&self) {
        on_db!(self, p => {
            p.close().await;
            p.close().await;
        })
    }
}

/// Parses a `postgres://` URL into connect options, with an error that never echoes the URL (it
/// may hold a password).
pub fn postgres_options(url: &str) -> Result<PgConnectOptions> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(StoreError::InvalidUrl(
            "expected a URL starting with postgres:// or postgresql://".into(),
        ));
    }
    PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::InvalidUrl(redact_error(&e.to_string(), url)))
}

fn redact_error(message: &str, url: &str) -> String {
    message.replace(url, &redact_url(url))
}

/// A database URL with its password replaced by `***`, for display and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let tail = redact_query_password(tail);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                format!("{scheme}://{user}@{host}{tail}")
            }
        }
        None => format!("{scheme}://{authority}{tail}"),
    }
}

fn redact_query_password(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// The same PostgreSQL URL pointing at another database (for a control plane or a test's
/// database created next to the administrator's).
pub fn with_database(url: &str, database: &str) -> Result<String> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let (scheme, rest) = base.split_once("://").ok_or_else(|| {
        StoreError::InvalidUrl("expected a URL such as postgres://host/db".into())
    })?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let mut out = format!("{scheme}://{authority}/{database}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

/// Creates a database on a PostgreSQL server (for a new control plane, or a test's).
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<()> {
    let server = Db::open_postgres(postgres_options(admin_url)?, 1).await?;
    let result = match &server {
        Db::Postgres(p) => {
            sqlx::raw_sql(&format!("CREATE DATABASE {}", quote_generated_ident(name)?))
                .execute(p)
                .await
                .map(|_| ())
                .map_err(StoreError::from)
        }
        Db::Sqlite(_) => Ok(()),
    };
    server.close().await;
    result
}

/// Drops every database and role on a PostgreSQL server whose name starts with `prefix`: the
/// clean-up of a benchmark or test run, including whatever a failed run left behind.
pub async fn drop_postgres_databases_with_prefix(admin_url: &str, prefix: &str) -> Result<usize> {
    quote_generated_ident(prefix)?;
    let server = Db::open_postgres(postgres_options(admin_url)?, 1).await?;
    let result = match &server {
        Db::Postgres(p) => drop_with_prefix(p, prefix).await,
        Db::Sqlite(_) => Ok(0),
    };
    server.close().await;
    result
}

async fn drop_with_prefix(p: &PgPool, prefix: &str) -> Result<usize> {
    let pattern = format!("{}%", prefix.replace('_', "\\_"));
    let dbs: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
            .bind(&pattern)
            .fetch_all(p)
            .await?;
    for db in &dbs {
        sqlx::raw_sql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_generated_ident(db)?
        ))
        .execute(p)
        .await?;
    }
    let roles: Vec<String> =
        sqlx::query_scalar("SELECT rolname FROM pg_roles WHERE rolname LIKE $1")
            .bind(&pattern)
            .fetch_all(p)
            .await?;
    for role in &roles {
        sqlx::raw_sql(&format!(
            "DROP ROLE IF EXISTS {}",
            quote_generated_ident(role)?
        ))
        .execute(p)
        .await?;
    }
    Ok(dbs.len())
}

/// Quotes a name that this program generated (`[a-z0-9_]`, at most 63 bytes); anything else is
/// refused rather than escaped.
pub(crate) fn quote_generated_ident(name: &str) -> Result<String> {
    if name.is_empty()
        || name.len() > 63
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(StoreError::InvalidUrl(format!(
            "{name:?} is not a valid database name (a-z, 0-9, '_')"
        )));
    }
    Ok(format!("\"{name}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example.com:5432/control"),
            "postgres://app:***@db.example.com:5432/control"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(
            redact_url("postgres://h/x?sslmode=require&password=p"),
            "postgres://h/x?sslmode=require&password=***"
        );
    }

    #[test]
    fn database_is_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x").unwrap(),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h", "x").unwrap(),
            "postgres://u@h/x"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x").unwrap(),
            "postgres://u@h/x?sslmode=disable"
        );
        assert!(with_database("nonsense", "x").is_err());
    }

    #[test]
    fn non_postgres_urls_are_refused() {
        assert!(postgres_options("mysql://x").is_err());
    }
}
