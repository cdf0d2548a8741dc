//! TOTP (RFC 6238): 6 digits, 30-second steps, SHA-1 (what authenticator apps expect), one step
//! of clock skew either way. Each code works once: the step it matched is recorded.

use qrcode::render::svg;
use qrcode::QrCode;
use totp_rs::{Algorithm, TOTP};

use crate::error::{AuthError, Result};

const DIGITS: usize = 6;
const STEP_SECS: u64 = 30;
/// 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;

pub struct Totp {
    inner: TOTP,
}

impl Totp {
    pub fn new(secret: Vec<u8>, issuer: &str, account: &str) -> Result<Self> {
        let inner = TOTP::new(
            Algorithm::SHA1,
            DIGITS,
            1,
            STEP_SECS,
            secret,
            Some(issuer.replace(':', " ")),
            account.to_owned(),
        )
        .map_err(|e| AuthError::Internal(format!("TOTP: {e}")))?;
        Ok(Self { inner })
    }

    pub fn generate_secret() -> Vec<u8> {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        bytes
    }

    /// The `otpauth://` URL that authenticator apps read from the QR code.
    pub fn url(&self) -> String {
        self.inner.get_url()
    }

    /// The secret in base32, for typing in by hand.
    pub fn secret_base32(&self) -> String {
        self.inner.get_secret_base32()
    }

    /// The QR code of [`Totp::url`] as an SVG document.
    pub fn qr_svg(&self) -> Result<String> {
        let code = QrCode::new(self.url().as_bytes())
            .map_err(|e| AuthError::Internal(format!("QR code: {e}")))?;
        Ok(code
            .render::<svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build())
    }

    /// The time step that `code` is valid for at `unix_time` (allowing one step of skew), if
    /// any. Compared in constant time.
    pub fn matching_step(&self, code: &str, unix_time: u64) -> Option<i64> {
        let code = code.trim().replace(' ', "");
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = unix_time / STEP_SECS;
        let mut found = None;
        for step in [current.saturating_sub(1), current, current + 1] {
            let expected = self.inner.generate(step * STEP_SECS);
            if crate::constant_time_eq(expected.as_bytes(), code.as_bytes()) {
                found = i64::try_from(step).ok();
            }
        }
        found
    }

    /// The code for `unix_time` (tests and the enrolment page's check).
    pub fn code_at(&self, unix_time: u64) -> String {
        self.inner.generate(unix_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vector() {
        // RFC 6238 appendix B, SHA-1, truncated to 6 digits.
        let t = Totp::new(b"12345678901234567890".to_vec(), "Test", "a@b.com").unwrap();
        assert_eq!(t.code_at(59), "287082");
        assert_eq!(t.code_at(1111111109), "081804");
    }

    #[test]
    fn skew_and_format() {
        let t = Totp::new(Totp::generate_secret(), "Byrne: Accounts", "a@b.com").unwrap();
        let now = 1_800_000_000;
        let code = t.code_at(now);
        assert_eq!(t.matching_step(&code, now), Some((now / 30) as i64));
        assert!(t.matching_step(&code, now + 30).is_some());
        assert!(t.matching_step(&code, now + 90).is_none());
        assert!(t.matching_step("12345", now).is_none());
        assert!(t.matching_step("abcdef", now).is_none());
        assert!(t.url().starts_with("otpauth://totp/"));
        assert!(t.qr_svg().unwrap().contains("<svg"));
    }
}
