//! The rules of the books, with no I/O: exact amounts, VAT, the chart of accounts, posting
//! rules, stock valuation, document life cycle and the shared report rules.

pub mod accounts;
pub mod decimal;
pub mod documents;
pub mod posting;
pub mod reports;
pub mod stock;
pub mod vat;

pub use accounts::{AccountType, ChartTemplate, RootType};
pub use decimal::{Amount, Quantity};
pub use documents::{Docstatus, DocumentKind, InvoiceKind, InvoiceStatus, PaymentDirection};
pub use posting::Posting;
pub use stock::StockPosition;
pub use vat::{VatCategory, VatRounding};

/// Typed row ids of the books' tables.
pub mod ids {
    use serde::{Deserialize, Serialize};

    macro_rules! row_id {
        ($name:ident) => {
            #[derive(
                Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            )]
            #[serde(transparent)]
            pub struct $name(pub i64);
        };
    }

    row_id!(AccountId);
    row_id!(PartyId);
    row_id!(ItemId);
    row_id!(WarehouseId);
}

/// Why the books refused something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BooksError {
    #[error("{0}")]
    Invalid(String),
    #[error("the entries do not balance: debits {debit}, credits {credit}")]
    Unbalanced { debit: Amount, credit: Amount },
    #[error("not enough stock: {available} on hand, {wanted} wanted")]
    InsufficientStock {
        available: Quantity,
        wanted: Quantity,
    },
}
