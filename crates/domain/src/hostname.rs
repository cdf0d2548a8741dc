use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Names that a client may not take as its subdomain: they are the platform's own hosts, or are
/// commonly expected to belong to the operator (mail, DNS, well-known service names).
pub const RESERVED_SUBDOMAINS: &[&str] = &[
    "portal",
    "www",
    "api",
    "admin",
    "mail",
    "auth",
    "sso",
    "login",
    "app",
    "static",
    "assets",
    "cdn",
    "smtp",
    "imap",
    "pop",
    "pop3",
    "webmail",
    "mx",
    "ns",
    "ns1",
    "ns2",
    "dns",
    "ftp",
    "status",
    "metrics",
    "health",
    "support",
    "help",
    "docs",
    "billing",
    "console",
    "dashboard",
    "root",
    "system",
    "traefik",
    "autoconfig",
    "autodiscover",
    "localhost",
];

/// A client's subdomain: one DNS label of `[a-z0-9-]`, 1–63 characters, not starting or ending
/// with `-`, and not reserved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Subdomain(String);

impl Subdomain {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let field = "subdomain";
        let s = input.trim();
        if s.is_empty() {
            return Err(ValidationError::new(field, "must not be empty"));
        }
        if s.len() > 63 {
            return Err(ValidationError::new(
                field,
                format!(
                    "{s:?} is {} characters long; at most 63 are allowed",
                    s.len()
                ),
            ));
        }
        if let Some(bad) = s
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(ValidationError::new(
                field,
                format!("{s:?} contains {bad:?}; only lowercase letters a-z, digits 0-9 and '-' are allowed"),
            ));
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err(ValidationError::new(
                field,
                format!("{s:?} must not start or end with '-'"),
            ));
        }
        if s.len() >= 4 && &s[2..4] == "--" {
            // "xn--" and friends are IDNA/reserved label forms (RFC 5891).
            return Err(ValidationError::new(
                field,
                format!("{s:?} must not have '--' in the third and fourth positions"),
            ));
        }
        if RESERVED_SUBDOMAINS.contains(&s) {
            return Err(ValidationError::new(
                field,
                format!("{s:?} is reserved for the platform"),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subdomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Subdomain {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Subdomain> for String {
    fn from(value: Subdomain) -> Self {
        value.0
    }
}

/// A fully qualified host name that a client brings as its own (`erp.acme.com`). Stored in
/// lowercase without a trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomDomain(String);

impl CustomDomain {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let field = "domain";
        let s = input.trim().trim_end_matches('.').to_ascii_lowercase();
        if s.is_empty() {
            return Err(ValidationError::new(field, "must not be empty"));
        }
        if s.len() > 253 {
            return Err(ValidationError::new(
                field,
                format!("{s:?} is longer than 253 characters"),
            ));
        }
        let labels: Vec<&str> = s.split('.').collect();
        if labels.len() < 2 {
            return Err(ValidationError::new(
                field,
                format!("{s:?} must be a fully qualified name such as erp.example.com"),
            ));
        }
        for label in &labels {
            valid_dns_label(label).map_err(|why| {
                ValidationError::new(
                    field,
                    format!("{s:?} has an invalid label {label:?}: {why}"),
                )
            })?;
        }
        let tld = labels[labels.len() - 1];
        if tld.chars().all(|c| c.is_ascii_digit()) {
            return Err(ValidationError::new(
                field,
                format!("{s:?} looks like an IP address; a host name is required"),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this name is the base domain or lies under it: such names are the platform's own
    /// and cannot be registered as a client's custom domain.
    pub fn is_within(&self, base_domain: &str) -> bool {
        self.0 == base_domain || self.0.ends_with(&format!(".{base_domain}"))
    }
}

fn valid_dns_label(label: &str) -> Result<(), &'static str> {
    if label.is_empty() {
        return Err("empty label");
    }
    if label.len() > 63 {
        return Err("longer than 63 characters");
    }
    if !label
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("only a-z, 0-9 and '-' are allowed");
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err("must not start or end with '-'");
    }
    Ok(())
}

impl fmt::Display for CustomDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CustomDomain {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CustomDomain> for String {
    fn from(value: CustomDomain) -> Self {
        value.0
    }
}

/// Normalises a request's `Host` header: lowercase, without port or trailing dot. `None` when the
/// header cannot be a host name at all.
pub fn normalise_host(host: &str) -> Option<String> {
    let host = host.trim();
    let without_port = if let Some(rest) = host.strip_prefix('[') {
        // IPv6 literal: never a tenant host, but keep it recognisable.
        rest.split(']').next()?
    } else {
        host.rsplit_once(':')
            .map(|(h, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            })
            .unwrap_or(host)
    };
    let h = without_port.trim_end_matches('.').to_ascii_lowercase();
    if h.is_empty()
        || h.len() > 253
        || !h
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == ':')
    {
        return None;
    }
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_subdomains() {
        for ok in ["acme-corp", "a", "janes-bakery", "x1", &"a".repeat(63)] {
            assert!(Subdomain::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_bad_subdomains_with_the_reason() {
        let cases = [
            ("", "empty"),
            ("Acme", "lowercase"),
            ("acme_corp", "lowercase"),
            ("acme.corp", "lowercase"),
            ("-acme", "start or end"),
            ("acme-", "start or end"),
            ("xn--abc", "third and fourth"),
            ("portal", "reserved"),
            ("www", "reserved"),
            ("api", "reserved"),
            ("admin", "reserved"),
            ("mail", "reserved"),
            ("auth", "reserved"),
        ];
        for (input, why) in cases {
            let err = Subdomain::parse(input).unwrap_err().to_string();
            assert!(err.contains(why), "{input:?} → {err:?}");
        }
        let long = "a".repeat(64);
        let err = Subdomain::parse(&long).unwrap_err().to_string();
        assert!(err.contains("at most 63"), "{err}");
    }

    #[test]
    fn custom_domains() {
        assert_eq!(
            CustomDomain::parse("ERP.Dickson-Supplies.com.").map(|d| d.to_string()),
            Ok("erp.dickson-supplies.com".to_owned())
        );
        for bad in [
            "localhost",
            "a..b",
            "-a.com",
            "a b.com",
            "1.2.3.4",
            "",
            "x.c_m",
        ] {
            assert!(CustomDomain::parse(bad).is_err(), "{bad}");
        }
        let d = CustomDomain::parse("shop.byrne-accounts.org").unwrap();
        assert!(d.is_within("byrne-accounts.org"));
        assert!(!d.is_within("accounts.org.uk"));
    }

    #[test]
    fn hosts_are_normalised() {
        assert_eq!(
            normalise_host("ACME-corp.localhost:8080").as_deref(),
            Some("acme-corp.localhost")
        );
        assert_eq!(
            normalise_host("example.com.").as_deref(),
            Some("example.com")
        );
        assert_eq!(normalise_host("[::1]:8080").as_deref(), Some("::1"));
        assert_eq!(normalise_host("bad host"), None);
        assert_eq!(normalise_host(""), None);
    }
}
