//! Identity: passwords, MFA, sessions, hand-off between hosts, client-scoped tokens and API keys.
//! SQL lives in `tenantry_store::identity`; this crate holds the rules.

pub mod api_keys;
pub mod error;
pub mod identity;
pub mod passkeys;
pub mod password;
pub mod sso;
pub mod tokens;
pub mod totp;

pub use error::{AuthError, Result};
pub use identity::{AuthSettings, Identity, LoginOutcome, LoginRequest, NewSession, TenantAccess};
pub use tokens::{TokenGrant, TokenService};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A random token of `bytes` bytes, hex-encoded.
pub fn random_token(bytes: usize) -> String {
    tenantry_store::secrets::random_hex(bytes)
}

/// SHA-256 in hex: how high-entropy tokens (session ids, codes, API secrets) are stored.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
