use tenantry_domain::books::branding::BrandingError;
use tenantry_domain::books::documents::LifecycleError;
use tenantry_domain::books::BooksError;
use tenantry_domain::ValidationError;
use tenantry_store::StoreError;

/// Why the books refused or failed a request.
#[derive(Debug, thiserror::Error)]
pub enum ErpError {
    /// The input breaks a rule: a missing or malformed field, an unbalanced journal, a date
    /// outside every fiscal year, not enough stock.
    #[error("{0}")]
    Invalid(String),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Duplicate(String),
    /// The document is not in a state that allows this (submitting twice, cancelling a draft,
    /// editing a submitted document).
    #[error("{0}")]
    State(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ErpError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ErpError::Duplicate(m),
            StoreError::Invalid(m) => ErpError::Invalid(m),
            StoreError::NotFound(m) => ErpError::NotFound(m),
            other if other.is_invalid_text() => ErpError::Invalid(
                "the text holds a character that cannot be stored (such as NUL)".into(),
            ),
            other => ErpError::Store(other),
        }
    }
}

impl From<ValidationError> for ErpError {
    fn from(e: ValidationError) -> Self {
        ErpError::Invalid(e.to_string())
    }
}

impl From<BrandingError> for ErpError {
    fn from(e: BrandingError) -> Self {
        ErpError::Invalid(e.to_string())
    }
}

impl From<LifecycleError> for ErpError {
    fn from(e: LifecycleError) -> Self {
        ErpError::State(e.to_string())
    }
}

impl From<BooksError> for ErpError {
    fn from(e: BooksError) -> Self {
        ErpError::Invalid(e.to_string())
    }
}

pub type Result<T, E = ErpError> = std::result::Result<T, E>;

pub(crate) fn invalid(message: impl Into<String>) -> ErpError {
    ErpError::Invalid(message.into())
}
