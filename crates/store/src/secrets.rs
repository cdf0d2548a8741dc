use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;

use crate::error::{Result, StoreError};

/// A value that must never be printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> serde::Serialize for Secret<T> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}

/// The installation's master key: AES-256-GCM, used to encrypt secrets kept in the control plane
/// (tenant database passwords, database server URLs).
#[derive(Clone)]
pub struct MasterKey(Secret<[u8; 32]>);

const CIPHERTEXT_PREFIX: &str = "v1:";

impl MasterKey {
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self(Secret::new(key))
    }

    /// Reads a key written as 64 hex digits or as base64 of 32 bytes (surrounding whitespace is
    /// ignored, so a key file may end with a newline).
    pub fn parse(text: &str) -> std::result::Result<Self, &'static str> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| "not valid hex")?
        } else {
            STANDARD
                .decode(text)
                .map_err(|_| "expected 64 hex digits or base64 of 32 bytes")?
        };
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "the key must be exactly 32 bytes (256 bits)")?;
        Ok(Self(Secret::new(key)))
    }

    /// The key as 64 hex digits, for writing a new key file.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.expose())
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.0.expose().into())
    }

    /// Encrypts `plaintext`, bound to `context` (for example `tenant-db-password:<id>`), so a
    /// ciphertext copied into another row does not decrypt there.
    pub fn encrypt(&self, plaintext: &[u8], context: &str) -> Result<String> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Corrupt(format!("cannot encrypt {context}")))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{CIPHERTEXT_PREFIX}{}", STANDARD.encode(out)))
    }

    pub fn decrypt(&self, ciphertext: &str, context: &str) -> Result<Vec<u8>> {
        let fail = || StoreError::Decrypt(context.split(':').next().unwrap_or("value").to_owned());
        let encoded = ciphertext
            .strip_prefix(CIPHERTEXT_PREFIX)
            .ok_or_else(fail)?;
        let raw = STANDARD.decode(encoded).map_err(|_| fail())?;
        if raw.len() < 12 + 16 {
            return Err(fail());
        }
        let (nonce, sealed) = raw.split_at(12);
        self.cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| fail())
    }

    pub fn decrypt_string(&self, ciphertext: &str, context: &str) -> Result<Secret<String>> {
        let bytes = self.decrypt(ciphertext, context)?;
        String::from_utf8(bytes)
            .map(Secret::new)
            .map_err(|_| StoreError::Decrypt(context.to_owned()))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

/// A random secret of `bytes` bytes as lowercase hex: tokens, generated passwords.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_context_binding() {
        let key = MasterKey::generate();
        let sealed = key.encrypt(b"hunter2", "tenant-db-password:a").unwrap();
        assert!(!sealed.contains("hunter2"));
        assert_eq!(
            key.decrypt(&sealed, "tenant-db-password:a").unwrap(),
            b"hunter2"
        );
        assert!(key.decrypt(&sealed, "tenant-db-password:b").is_err());
        assert!(MasterKey::generate()
            .decrypt(&sealed, "tenant-db-password:a")
            .is_err());
        assert!(key.decrypt("v1:AAAA", "x").is_err());
        assert!(key.decrypt("garbage", "x").is_err());
    }

    #[test]
    fn key_parsing() {
        let key = MasterKey::generate();
        let again = MasterKey::parse(&format!("{}\n", key.to_hex())).unwrap();
        assert_eq!(again.to_hex(), key.to_hex());
        assert!(MasterKey::parse("abcd").is_err());
        assert!(MasterKey::parse(&STANDARD.encode([0u8; 16])).is_err());
        assert_eq!(format!("{key:?}"), "MasterKey(***)");
        assert_eq!(format!("{:?}", Secret::new("pw")), "***");
    }
}
