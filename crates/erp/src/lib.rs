//! The per-tenant business core: the books of one client, kept in its own database.
//!
//! [`Books`] is the service: it validates input, applies the domain's posting rules and writes
//! through the store's posting transaction, so that every document and its ledger entries
//! commit together. Reports read the accounts' daily totals rather than scanning the ledger.

pub mod branding;
pub mod drafts;
mod error;
pub mod invoice_pdf;
pub mod invoices;
pub mod journals;
pub mod masters;
pub mod payments;
pub mod reports;
pub mod seed;
pub mod settings;
pub mod stock;

pub use error::{ErpError, Result};
use tenantry_store::TenantDb;

/// One client's books.
#[derive(Clone, Debug)]
pub struct Books {
    db: TenantDb,
}

impl Books {
    pub fn new(db: TenantDb) -> Self {
        Self { db }
    }

    pub fn db(&self) -> &TenantDb {
        &self.db
    }
}

/// Refuses text that is empty after trimming, too long, or holds control characters.
pub(crate) fn clean_text(field: &str, value: &str, max: usize, required: bool) -> Result<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(error::invalid(format!("{field} is required")));
    }
    if v.chars().count() > max {
        return Err(error::invalid(format!(
            "{field} is longer than {max} characters"
        )));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(error::invalid(format!("{field} holds control characters")));
    }
    Ok(v.to_owned())
}
