//! Passwords: argon2id at OWASP's parameters, hashed on the blocking pool behind a semaphore so
//! that a burst of logins cannot take every core from other requests; strength by zxcvbn.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{AuthError, Result};

/// OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

pub const MIN_LENGTH: usize = 10;
/// Long enough for any passphrase; bounded so that nobody makes us hash a megabyte.
pub const MAX_LENGTH: usize = 256;

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| AuthError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes and verifies passwords off the async runtime, at most `concurrency` at a time.
#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the account does not exist, so that
    /// an unknown email costs as much time as a wrong password.
    decoy: Arc<String>,
}

impl PasswordHasherPool {
    pub fn new(concurrency: usize) -> Result<Self> {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let decoy = argon2()?
            .hash_password(crate::random_token(16).as_bytes(), &salt)
            .map_err(|e| AuthError::Internal(format!("argon2: {e}")))?
            .to_string();
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            decoy: Arc::new(decoy),
        })
    }

    pub async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_owned();
        self.run(move || {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            argon2()?
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| AuthError::Internal(format!("argon2: {e}")))
        })
        .await
    }

    /// Whether `password` matches `hash`; with no hash (no such account, or no password set),
    /// spends the same time and answers `false`.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool> {
        let real = hash.is_some();
        let hash = hash.unwrap_or(self.decoy.as_str()).to_owned();
        let password = password.to_owned();
        let matched = self
            .run(move || {
                let parsed = PasswordHash::new(&hash)
                    .map_err(|e| AuthError::Internal(format!("stored password hash: {e}")))?;
                Ok(argon2()?
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok())
            })
            .await?;
        Ok(real && matched)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AuthError::Internal("password hasher closed".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AuthError::Internal(format!("password hashing task: {e}")))?
    }
}

/// Refuses passwords that are too short, too long, or easy to guess (zxcvbn score below 3,
/// taking the user's email into account).
pub fn check_strength(password: &str, email: &str) -> Result<()> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(AuthError::WeakPassword(format!(
            "use at least {MIN_LENGTH} characters"
        )));
    }
    if password.len() > MAX_LENGTH {
        return Err(AuthError::WeakPassword(format!(
            "use at most {MAX_LENGTH} bytes"
        )));
    }
    let local = email.split('@').next().unwrap_or(email);
    let estimate = zxcvbn::zxcvbn(password, &[email, local]);
    if (estimate.score() as u8) < 3 {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "it is too easy to guess".into());
        return Err(AuthError::WeakPassword(format!(
            "{hint}; add more words or characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let pool = PasswordHasherPool::new(2).unwrap();
        let h = pool.hash("correct horse battery staple").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(pool
            .verify("correct horse battery staple", Some(&h))
            .await
            .unwrap());
        assert!(!pool.verify("wrong horse", Some(&h)).await.unwrap());
        assert!(!pool
            .verify("correct horse battery staple", None)
            .await
            .unwrap());
    }

    #[test]
    fn strength() {
        assert!(check_strength("short", "a@b.com").is_err());
        assert!(check_strength("password123", "a@b.com").is_err());
        assert!(check_strength("janedoe2026!", "janedoe2026@b.com").is_err());
        assert!(check_strength(&"x".repeat(300), "a@b.com").is_err());
        assert!(check_strength("plum-Velvet-orbit-91", "a@b.com").is_ok());
    }
}
