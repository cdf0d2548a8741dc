use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// An email address, stored in lowercase. The rules are the practical subset of RFC 5321 that
/// mail servers accept: a dot-atom local part and a host name with at least one dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let field = "email";
        let s = input.trim();
        let invalid = |why: &str| {
            ValidationError::new(field, format!("{s:?} is not a valid email address: {why}"))
        };
        if s.is_empty() {
            return Err(ValidationError::new(field, "must not be empty"));
        }
        if s.len() > 254 {
            return Err(invalid("longer than 254 characters"));
        }
        let (local, host) = s.rsplit_once('@').ok_or_else(|| invalid("it has no '@'"))?;
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("the part before '@' must be 1 to 64 characters"));
        }
        const LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";
        if !local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c))
        {
            return Err(invalid(
                "the part before '@' has a character that is not allowed",
            ));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid("dots in the part before '@' must separate words"));
        }
        let host = host.to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid("the domain needs a dot, as in example.com"));
        }
        for label in labels {
            let ok = !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err(invalid("the domain is not a valid host name"));
            }
        }
        Ok(Self(format!("{}@{host}", local.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            Email::parse(" Admin@AcmeCorp.com ").unwrap().as_str(),
            "admin@acmecorp.com"
        );
        assert!(Email::parse("first.last+tag@mail.example.co.uk").is_ok());
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "plain",
            "@acme.com",
            "a@",
            "a@acme",
            "a@@acme.com",
            "a b@acme.com",
            ".a@acme.com",
            "a..b@acme.com",
            "a@-acme.com",
            "a@acme..com",
            "a@acme_corp.com",
            "<script>@x.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }
}
