/// Everything that can go wrong in the store layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Conflict(String),
    /// A request the store cannot run as asked (an unknown field, a value of the wrong type).
    #[error("{0}")]
    Invalid(String),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("migration {version} ({name}) differs from the one applied to this database; refusing to continue")]
    MigrationChanged { version: i64, name: &'static str },
    #[error("this database is at schema version {found}, newer than this build's {known}: upgrade tenantry before using it")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("cannot decrypt {0}: wrong master key or corrupted value")]
    Decrypt(String),
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// Opening a tenant's pool failed (shared by every caller that waited on that opening).
    #[error("the client's database cannot be opened: {0}")]
    TenantUnavailable(std::sync::Arc<StoreError>),
    #[error("file system error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    pub(crate) fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }

    /// Whether this is a unique-constraint violation (a duplicate key).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// Whether the database refused text it cannot hold (PostgreSQL: a NUL character, or bytes
    /// that are not valid in its encoding): bad input, not a failure.
    pub fn is_invalid_text(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e))
            if matches!(e.code().as_deref(), Some("22021" | "22P05")))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
