//! Tenantry's domain: types and rules with no I/O.
//!
//! Every value that comes from outside (a CLI argument, a form, a JSON body) is parsed into one of
//! these types once, at the edge; code past that point can rely on it being valid.

pub mod books;
pub mod email;
pub mod hostname;
pub mod ids;
pub mod money;
pub mod permission;
pub mod plan;
pub mod tenant;

pub use email::Email;
pub use hostname::{CustomDomain, Subdomain};
pub use ids::{TenantId, UserId};
pub use money::Money;
pub use permission::{Permission, PlatformRole, Service};
pub use plan::{Feature, PlanCode};
pub use tenant::{ClientName, TenantRole, TenantStatus};

/// Why an input was refused. The message names the field and the rule it broke, so that a CLI
/// user or an API client can fix the input without reading the source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}
