//! A form's or a query's fields, the figures and dates typed in them, and the URLs built from
//! them.

use tenantry_domain::books::{Amount, Quantity};
use time::Date;

/// A form's or a query's fields in order, repeated names kept (the lines of a document).
#[derive(Debug, Clone, Default)]
pub(crate) struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_owned(), value.into()));
    }

    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_owned(), value.into()));
    }
}

/// A date typed as YYYY-MM-DD; blank is none.
pub(crate) fn parse_date(label: &str, text: &str) -> Result<Option<Date>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    Date::parse(t, time::macros::format_description!("[year]-[month]-[day]"))
        .map(Some)
        .map_err(|_| format!("{label}: {t:?} is not a date (YYYY-MM-DD)"))
}

pub(crate) fn parse_amount(label: &str, text: &str) -> Result<Option<Amount>, String> {
    let t = text.trim().replace(',', "");
    if t.is_empty() {
        return Ok(None);
    }
    Amount::parse(&t)
        .map(Some)
        .map_err(|e| format!("{label}: {}", e.message))
}

pub(crate) fn parse_qty(label: &str, text: &str) -> Result<Option<Quantity>, String> {
    let t = text.trim().replace(',', "");
    if t.is_empty() {
        return Ok(None);
    }
    Quantity::parse(&t)
        .map(Some)
        .map_err(|e| format!("{label}: {}", e.message))
}

/// A path segment with everything but unreserved characters percent-encoded.
pub(crate) fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query string from pairs, blank values left out.
pub(crate) fn query_string(pairs: &[(String, String)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", seg(k), seg(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_queries_are_encoded() {
        assert_eq!(seg("SINV-2026-00001"), "SINV-2026-00001");
        assert_eq!(seg("A & B/C <x>"), "A%20%26%20B%2FC%20%3Cx%3E");
        assert_eq!(
            query_string(&[
                ("q".into(), "a b".into()),
                ("status".into(), String::new()),
                ("page".into(), "2".into())
            ]),
            "?q=a%20b&page=2"
        );
        assert_eq!(query_string(&[]), "");
    }

    #[test]
    fn typed_figures_are_exact() {
        assert_eq!(
            parse_amount("Rate", "1,234.50").unwrap(),
            Some(Amount(123_450))
        );
        assert_eq!(parse_amount("Rate", " ").unwrap(), None);
        assert!(parse_amount("Rate", "1.005").is_err());
        assert_eq!(parse_qty("Qty", "2.5").unwrap(), Some(Quantity(2_500)));
        assert!(parse_date("Date", "2026-02-30").is_err());
    }
}
