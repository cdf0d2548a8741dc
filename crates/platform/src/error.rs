use tenantry_domain::ValidationError;
use tenantry_store::StoreError;

/// Everything a platform service can refuse or fail with. The HTTP layer maps these to statuses
/// in one place; the CLI prints them.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("{0}")]
    Conflict(String),
    #[error("{0} was not found")]
    NotFound(String),
    /// The request is well formed but the current state forbids it.
    #[error("{0}")]
    Refused(String),
    #[error("configuration error: {0}")]
    Config(String),
    #[error("provisioning stopped by an injected failure before step {0:?}")]
    InjectedFailure(&'static str),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Auth(tenantry_auth::AuthError),
    #[error(transparent)]
    Books(tenantry_erp::ErpError),
}

impl From<tenantry_erp::ErpError> for PlatformError {
    fn from(e: tenantry_erp::ErpError) -> Self {
        match e {
            tenantry_erp::ErpError::Store(s) => s.into(),
            other => PlatformError::Books(other),
        }
    }
}

impl From<tenantry_auth::AuthError> for PlatformError {
    fn from(e: tenantry_auth::AuthError) -> Self {
        match e {
            tenantry_auth::AuthError::Store(s) => s.into(),
            tenantry_auth::AuthError::Invalid(v) => PlatformError::Invalid(v),
            other => PlatformError::Auth(other),
        }
    }
}

impl From<StoreError> for PlatformError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => PlatformError::Conflict(m),
            StoreError::NotFound(m) => PlatformError::NotFound(m),
            other => PlatformError::Store(other),
        }
    }
}

pub type Result<T, E = PlatformError> = std::result::Result<T, E>;
