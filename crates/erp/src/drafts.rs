//! Deleting drafts. A draft posted nothing and holds no number of a series, so it may go; a
//! submitted or cancelled document never does (it is reversed by cancelling, and stays).

use tenantry_domain::books::{Docstatus, DocumentKind, InvoiceKind};
use tenantry_store::books::DocTable;
use tenantry_store::BooksTx;

use crate::error::{ErpError, Result};
use crate::Books;

/// Which kind of document a draft to delete is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftKind {
    Invoice(InvoiceKind),
    Payment,
    JournalEntry,
    StockEntry,
}

impl Books {
    /// Deletes the draft `name` with its lines. A submitted or cancelled document is refused
    /// ([`ErpError::State`]) and stays as it is; an unknown name is [`ErpError::NotFound`].
    pub async fn delete_draft(&self, kind: DraftKind, name: &str) -> Result<()> {
        let name = name.trim();
        let (doctype, found) = match kind {
            DraftKind::Invoice(k) => (
                k.document().doctype(),
                self.db
                    .invoice_named(k, name)
                    .await?
                    .map(|d| (d.id, d.docstatus, DocTable::Invoices)),
            ),
            DraftKind::Payment => (
                DocumentKind::Payment.doctype(),
                self.db
                    .payment_named(name)
                    .await?
                    .map(|d| (d.id, d.docstatus, DocTable::Payments)),
            ),
            DraftKind::JournalEntry => (
                DocumentKind::JournalEntry.doctype(),
                self.db
                    .journal_named(name)
                    .await?
                    .map(|d| (d.id, d.docstatus, DocTable::JournalEntries)),
            ),
            DraftKind::StockEntry => (
                DocumentKind::StockEntry.doctype(),
                self.db
                    .stock_entry_named(name)
                    .await?
                    .map(|d| (d.id, d.docstatus, DocTable::StockEntries)),
            ),
        };
        let Some((id, docstatus, table)) = found else {
            return Err(ErpError::NotFound(format!("{doctype} {name:?}")));
        };
        match docstatus {
            Docstatus::Draft => {}
            Docstatus::Submitted => {
                return Err(ErpError::State(format!(
                    "{doctype} {name} is submitted and cannot be deleted: cancel it (its postings are reversed; the document stays)"
                )))
            }
            Docstatus::Cancelled => {
                return Err(ErpError::State(format!(
                    "{doctype} {name} is cancelled and cannot be deleted: posted documents stay in the books"
                )))
            }
        }
        let mut tx = BooksTx::begin(&self.db).await?;
        if !tx.delete_draft(table, id).await? {
            return Err(ErpError::State(format!(
                "{doctype} {name} is no longer a draft"
            )));
        }
        tx.commit().await?;
        Ok(())
    }
}
