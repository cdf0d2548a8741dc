//! The platform's services: configuration, provisioning and the client lifecycle, database
//! servers, migrations across every tenant, host resolution and the demo installation. The CLI and
//! the HTTP layer both call these; neither holds business rules of its own.

pub mod accounts;
pub mod clients;
pub mod config;
pub mod demo;
mod error;
pub mod master_key;
pub mod migrations;
pub mod password_reset;
mod platform;
pub mod provisioning;
pub mod servers;
pub mod tenancy;

pub use config::Config;
pub use error::PlatformError;
pub use platform::Platform;
