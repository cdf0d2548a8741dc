use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// A plan's code (`basic`, `professional`, …). Plans themselves are data in the control plane;
/// this only checks the code's shape, and the store says whether such a plan exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlanCode(String);

impl PlanCode {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim().to_ascii_lowercase();
        if s.is_empty()
            || s.len() > 32
            || !s
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(ValidationError::new(
                "plan",
                format!(
                    "{input:?} is not a plan code (a-z, 0-9, '-' or '_', at most 32 characters)"
                ),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlanCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PlanCode {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PlanCode> for String {
    fn from(value: PlanCode) -> Self {
        value.0
    }
}

/// A capability that a plan switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Erp,
    Webmail,
    Pos,
    CustomReports,
}

impl Feature {
    pub fn code(self) -> &'static str {
        match self {
            Feature::Erp => "erp",
            Feature::Webmail => "webmail",
            Feature::Pos => "pos",
            Feature::CustomReports => "custom_reports",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "erp" => Some(Feature::Erp),
            "webmail" => Some(Feature::Webmail),
            "pos" => Some(Feature::Pos),
            "custom_reports" => Some(Feature::CustomReports),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_codes() {
        assert_eq!(
            PlanCode::parse(" Professional ").unwrap().as_str(),
            "professional"
        );
        assert!(PlanCode::parse("pro plan").is_err());
        assert!(PlanCode::parse("").is_err());
    }
}
