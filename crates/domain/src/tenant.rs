use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// A client business's display name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientName(String);

impl ClientName {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ValidationError::new("name", "must not be empty"));
        }
        if s.chars().count() > 120 {
            return Err(ValidationError::new(
                "name",
                "must be at most 120 characters",
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ClientName {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ClientName> for String {
    fn from(value: ClientName) -> Self {
        value.0
    }
}

/// Where a client is in its life. Provisioning is not yet visible to anyone but the operator;
/// suspended is readable but refuses every write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    Provisioning,
    Active,
    Suspended,
}

/// Why a lifecycle change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a client that is {from} cannot be {action}")]
pub struct TransitionError {
    pub from: TenantStatus,
    pub action: &'static str,
}

impl TenantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Provisioning => "provisioning",
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "provisioning" => Some(TenantStatus::Provisioning),
            "active" => Some(TenantStatus::Active),
            "suspended" => Some(TenantStatus::Suspended),
            _ => None,
        }
    }

    /// Whether the client's space is served to its users at all.
    pub fn is_served(self) -> bool {
        matches!(self, TenantStatus::Active | TenantStatus::Suspended)
    }

    /// Whether the client's space accepts writes.
    pub fn accepts_writes(self) -> bool {
        self == TenantStatus::Active
    }

    pub fn suspend(self) -> Result<Self, TransitionError> {
        match self {
            TenantStatus::Active => Ok(TenantStatus::Suspended),
            from => Err(TransitionError {
                from,
                action: "suspended",
            }),
        }
    }

    pub fn resume(self) -> Result<Self, TransitionError> {
        match self {
            TenantStatus::Suspended => Ok(TenantStatus::Active),
            from => Err(TransitionError {
                from,
                action: "resumed",
            }),
        }
    }
}

impl fmt::Display for TenantStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user's role inside one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantRole {
    Viewer,
    Employee,
    Manager,
    Admin,
}

impl TenantRole {
    /// Least to most rights.
    pub const ALL: [TenantRole; 4] = [
        TenantRole::Viewer,
        TenantRole::Employee,
        TenantRole::Manager,
        TenantRole::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TenantRole::Admin => "admin",
            TenantRole::Manager => "manager",
            TenantRole::Employee => "employee",
            TenantRole::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s.trim() {
            "admin" => Ok(TenantRole::Admin),
            "manager" => Ok(TenantRole::Manager),
            "employee" => Ok(TenantRole::Employee),
            "viewer" => Ok(TenantRole::Viewer),
            other => Err(ValidationError::new(
                "role",
                format!("{other:?} is not a role (admin, manager, employee, viewer)"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle() {
        assert_eq!(TenantStatus::Active.suspend(), Ok(TenantStatus::Suspended));
        assert_eq!(TenantStatus::Suspended.resume(), Ok(TenantStatus::Active));
        assert!(TenantStatus::Suspended.suspend().is_err());
        assert!(TenantStatus::Active.resume().is_err());
        assert!(TenantStatus::Provisioning.suspend().is_err());
        assert!(!TenantStatus::Provisioning.is_served());
        assert!(TenantStatus::Suspended.is_served());
        assert!(!TenantStatus::Suspended.accepts_writes());
    }

    #[test]
    fn names() {
        assert_eq!(
            ClientName::parse("  Jane's Bakery ").unwrap().as_str(),
            "Jane's Bakery"
        );
        assert!(ClientName::parse("   ").is_err());
        assert!(ClientName::parse("a\u{0}b").is_err());
        assert!(ClientName::parse(&"x".repeat(121)).is_err());
    }

    #[test]
    fn roles_order_by_power() {
        assert!(TenantRole::Admin > TenantRole::Manager);
        assert!(TenantRole::Viewer < TenantRole::Employee);
        assert!(TenantRole::parse("owner").is_err());
    }
}
