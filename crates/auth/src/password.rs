//! Passwords: argon2id at OWASP's parameters, hashed on the blocking pool behind a semaphore so
//! that a burst of logins cannot take every core from other requests; strength by zxcvbn.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
    memory: Arc<Memory>,
}

/// Argon2's working memory (19 MiB at our parameters), handed from one verification to the next
/// while others wait for a permit. `argon2` otherwise allocates it afresh for every hash, and
/// zero-filling it, faulting its pages in and giving it back cost ~3 ms of a ~20 ms
/// verification. Argon2 writes every block before it reads it, so what a buffer held before
/// does not matter. At most one buffer per permit is ever kept, and none once no call is
/// waiting: an idle server holds no more memory than before.
#[derive(Default)]
struct Memory {
    spare: Mutex<Vec<Vec<Block>>>,
    /// Calls waiting for a permit.
    waiting: AtomicUsize,
}

impl Memory {
    fn take(&self) -> Vec<Block> {
        self.spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    /// Keeps `blocks` for the next call if one is waiting; otherwise frees them and any spare.
    fn done(&self, blocks: Option<Vec<Block>>) {
        let mut spare = self.spare.lock().unwrap_or_else(PoisonError::into_inner);
        if self.waiting.load(Ordering::Relaxed) > 0 {
            spare.extend(blocks);
        } else {
            let freed = std::mem::take(&mut *spare);
            drop(spare);
            drop((freed, blocks));
        }
    }
}

/// Counts a call as waiting for a permit for as long as it lives (also if the call is dropped
/// while waiting).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What `PasswordVerifier::verify_password` does (the algorithm, version and parameters the
/// hash names, its salt, an output of its length, a constant-time comparison), hashing in
/// `memory` instead of a new allocation. Any error after parsing is a mismatch, as
/// `verify_password(..).is_ok()` made it.
fn verify_in(memory: &mut Vec<Block>, password: &[u8], hash: &PasswordHash<'_>) -> bool {
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(hash.algorithm),
        hash.version.map(Version::try_from).transpose(),
        Params::try_from(hash),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut computed = [0u8; Output::MAX_LENGTH];
    let computed = &mut computed[..expected.len()];
    Argon2::new(algorithm, version.unwrap_or_default(), params)
        .hash_password_into_with_memory(password, salt, computed, &mut memory[..blocks])
        .is_ok()
        && Output::new(computed).is_ok_and(|computed| computed == *expected)
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
            memory: Arc::default(),
        })
    }

    pub async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_owned();
        self.run(move |memory| {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            let hash = argon2()?
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| AuthError::Internal(format!("argon2: {e}")));
            memory.done(None);
            hash
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
            .run(move |memory| {
                let parsed = PasswordHash::new(&hash)
                    .map_err(|e| AuthError::Internal(format!("stored password hash: {e}")))?;
                let mut blocks = memory.take();
                let matched = verify_in(&mut blocks, password.as_bytes(), &parsed);
                memory.done(Some(blocks));
                Ok(matched)
            })
            .await?;
        Ok(real && matched)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Memory) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _permit = {
            let _waiting = Waiting::new(&self.memory.waiting);
            self.permits
                .acquire()
                .await
                .map_err(|_| AuthError::Internal("password hasher closed".into()))?
        };
        let memory = self.memory.clone();
        tokio::task::spawn_blocking(move || work(&memory))
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
            .and_then(|f| f.warning().map(|w| clause(&w.to_string())))
            .unwrap_or_else(|| "it is too easy to guess".into());
        return Err(AuthError::WeakPassword(format!(
            "{hint}; add more words or characters"
        )));
    }
    Ok(())
}

/// zxcvbn's warning ("This is a very common password.") as a clause of our sentence.
fn clause(warning: &str) -> String {
    let w = warning.trim().trim_end_matches('.');
    let mut chars = w.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_password_message_reads_as_one_sentence() {
        let e = check_strength("password123", "ann@shop.example").unwrap_err();
        assert_eq!(
            e.to_string(),
            "password too weak: this is a very common password; add more words or characters"
        );
    }

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

    /// The reused-memory verification agrees with `argon2`'s own `verify_password` on hashes
    /// made with other algorithms, versions, parameters and output lengths, whatever the
    /// memory held before.
    #[test]
    fn verify_in_agrees_with_verify_password() {
        use argon2::password_hash::PasswordVerifier;
        let mut memory = Vec::new();
        let variants = [
            (
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(MEMORY_KIB, PASSES, LANES, None),
            ),
            (
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(1024, 3, 2, Some(64)),
            ),
            (
                Algorithm::Argon2i,
                Version::V0x10,
                Params::new(256, 1, 1, Some(16)),
            ),
            (
                Algorithm::Argon2d,
                Version::V0x13,
                Params::new(4096, 2, 4, None),
            ),
            // More memory than the buffer had so far: it grows.
            (
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(MEMORY_KIB + 1024, 1, 1, None),
            ),
        ];
        for (algorithm, version, params) in variants {
            let argon2 = Argon2::new(algorithm, version, params.unwrap());
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            let stored = argon2
                .hash_password(b"right password", &salt)
                .unwrap()
                .to_string();
            let parsed = PasswordHash::new(&stored).unwrap();
            for password in [&b"right password"[..], b"wrong password", b""] {
                assert_eq!(
                    verify_in(&mut memory, password, &parsed),
                    argon2.verify_password(password, &parsed).is_ok(),
                    "{stored} {password:?}"
                );
            }
        }
        // No hash part: nothing matches.
        let no_output = PasswordHash::new("$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0").unwrap();
        assert!(!verify_in(&mut memory, b"right password", &no_output));
    }

    /// Buffers are kept only while calls wait, at most one per permit.
    #[tokio::test]
    async fn memory_is_kept_only_while_calls_wait() {
        let pool = PasswordHasherPool::new(1).unwrap();
        let h = pool.hash("correct horse battery staple").await.unwrap();
        let spare = |pool: &PasswordHasherPool| pool.memory.spare.lock().unwrap().len();
        assert_eq!(spare(&pool), 0);
        let mut calls = tokio::task::JoinSet::new();
        for i in 0..4 {
            let pool = pool.clone();
            let h = h.clone();
            calls.spawn(async move {
                let right = i % 2 == 0;
                let password = if right {
                    "correct horse battery staple"
                } else {
                    "wrong"
                };
                assert_eq!(pool.verify(password, Some(&h)).await.unwrap(), right);
                assert!(pool.memory.spare.lock().unwrap().len() <= 1);
            });
        }
        while let Some(done) = calls.join_next().await {
            done.unwrap();
        }
        assert_eq!(pool.memory.waiting.load(Ordering::Relaxed), 0);
        assert_eq!(spare(&pool), 0);
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
