//! The rules of the books, with no I/O: exact amounts, VAT, the chart of accounts, posting
//! rules, stock valuation, document life cycle and the shared report rules.

pub mod accounts;
pub mod branding;
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

/// Reading an enum back from its stored text (`as_str`), for the store's row types.
macro_rules! text_enum {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = crate::ValidationError;
            fn try_from(s: String) -> Result<Self, crate::ValidationError> {
                <$t>::parse(&s)
            }
        }
    )*};
}
text_enum!(
    AccountType,
    RootType,
    VatCategory,
    VatRounding,
    PaymentDirection,
    ChartTemplate
);

impl TryFrom<String> for InvoiceKind {
    type Error = crate::ValidationError;
    fn try_from(s: String) -> Result<Self, crate::ValidationError> {
        InvoiceKind::parse(&s)
            .ok_or_else(|| crate::ValidationError::new("kind", "must be sales or purchase"))
    }
}

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

            impl From<i64> for $name {
                fn from(v: i64) -> $name {
                    $name(v)
                }
            }
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
