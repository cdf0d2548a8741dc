use tenantry_domain::ValidationError;
use tenantry_store::StoreError;

/// Why an identity operation was refused or failed. The web layer maps these to statuses in
/// one place; messages never reveal whether an account exists.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("email or password is wrong")]
    InvalidCredentials,
    #[error("too many failed attempts; try again in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: i64 },
    #[error("that code is not valid")]
    InvalidCode,
    #[error("password too weak: {0}")]
    WeakPassword(String),
    #[error("this link is not valid: it is unknown, used or expired")]
    InvitationInvalid,
    #[error("single sign-on failed: {0}")]
    SsoFailed(String),
    #[error("passkey: {0}")]
    PasskeyFailed(String),
    #[error("the token is not valid")]
    BadToken,
    #[error("you are not signed in")]
    Unauthenticated,
    #[error("you do not have access to this")]
    Forbidden,
    #[error("this business asks for a second step when you sign in: confirm it first")]
    SecondFactorRequired,
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    #[error("{0} was not found")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = AuthError> = std::result::Result<T, E>;
