//! The store layer: the control-plane database, each tenant's own database, their migrations and
//! the cache of tenant connection pools. All SQL lives here.
//!
//! Both backends run the same statements (`$1`-style placeholders work on SQLite and PostgreSQL);
//! where the dialects differ (DDL, advisory locks, database creation) the code says so by matching
//! on [`Db`].

pub mod books;
pub mod control;
pub mod db;
mod error;
pub mod identity;
pub mod migrate;
pub mod outbox;
pub mod secrets;
pub mod tenant_admin;
pub mod tenant_db;
pub mod tenant_pools;

pub use books::BooksTx;
pub use control::ControlStore;
pub use db::{Backend, Db, SqliteDurability};
pub use error::StoreError;
pub use secrets::{MasterKey, Secret};
pub use tenant_admin::TenantAdmin;
pub use tenant_db::TenantDb;
pub use tenant_pools::TenantPools;
