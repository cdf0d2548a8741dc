//! Document life cycle, number series and invoice status.

use serde::{Deserialize, Serialize};
use time::Date;

use super::decimal::Amount;
use crate::ValidationError;

/// Frappe's `docstatus`: 0 draft, 1 submitted, 2 cancelled. Only drafts change; a submitted
/// document is undone by cancelling it, which posts the reversal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub enum Docstatus {
    Draft,
    Submitted,
    Cancelled,
}

/// Described to API clients as the integer it is on the wire.
impl utoipa::PartialSchema for Docstatus {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .enum_values(Some([0, 1, 2]))
            .description(Some("0 draft, 1 submitted, 2 cancelled"))
            .into()
    }
}

impl utoipa::ToSchema for Docstatus {}

/// Why a document's state refuses what was asked of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("{name} is {state}; only drafts can be changed")]
    NotADraft { name: String, state: &'static str },
    #[error("{0} is already submitted")]
    AlreadySubmitted(String),
    #[error("{0} is cancelled; it cannot be submitted")]
    CancelledCannotBeSubmitted(String),
    #[error("{0} is a draft; only submitted documents can be cancelled")]
    DraftCannotBeCancelled(String),
    #[error("{0} is already cancelled")]
    AlreadyCancelled(String),
}

impl Docstatus {
    /// Only a draft is changed; `name` names the document in the refusal.
    pub fn ensure_editable(self, name: impl FnOnce() -> String) -> Result<(), LifecycleError> {
        match self {
            Docstatus::Draft => Ok(()),
            other => Err(LifecycleError::NotADraft {
                name: name(),
                state: match other {
                    Docstatus::Submitted => "submitted",
                    _ => "cancelled",
                },
            }),
        }
    }

    /// Only a draft is submitted.
    pub fn ensure_submittable(self, name: impl FnOnce() -> String) -> Result<(), LifecycleError> {
        match self {
            Docstatus::Draft => Ok(()),
            Docstatus::Submitted => Err(LifecycleError::AlreadySubmitted(name())),
            Docstatus::Cancelled => Err(LifecycleError::CancelledCannotBeSubmitted(name())),
        }
    }

    /// Only a submitted document is cancelled.
    pub fn ensure_cancellable(self, name: impl FnOnce() -> String) -> Result<(), LifecycleError> {
        match self {
            Docstatus::Submitted => Ok(()),
            Docstatus::Draft => Err(LifecycleError::DraftCannotBeCancelled(name())),
            Docstatus::Cancelled => Err(LifecycleError::AlreadyCancelled(name())),
        }
    }

    pub fn code(self) -> i64 {
        match self {
            Docstatus::Draft => 0,
            Docstatus::Submitted => 1,
            Docstatus::Cancelled => 2,
        }
    }

    pub fn from_code(code: i64) -> Result<Self, ValidationError> {
        match code {
            0 => Ok(Docstatus::Draft),
            1 => Ok(Docstatus::Submitted),
            2 => Ok(Docstatus::Cancelled),
            _ => Err(ValidationError::new("docstatus", "must be 0, 1 or 2")),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Docstatus::Draft => "Draft",
            Docstatus::Submitted => "Submitted",
            Docstatus::Cancelled => "Cancelled",
        }
    }
}

impl From<Docstatus> for i64 {
    fn from(d: Docstatus) -> i64 {
        d.code()
    }
}

impl TryFrom<i64> for Docstatus {
    type Error = ValidationError;
    fn try_from(code: i64) -> Result<Self, ValidationError> {
        Docstatus::from_code(code)
    }
}

/// The kinds of numbered document, each with its own gapless series per year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    SalesInvoice,
    PurchaseInvoice,
    Payment,
    JournalEntry,
    StockEntry,
}

impl DocumentKind {
    pub fn prefix(self) -> &'static str {
        match self {
            DocumentKind::SalesInvoice => "SINV",
            DocumentKind::PurchaseInvoice => "PINV",
            DocumentKind::Payment => "PAY",
            DocumentKind::JournalEntry => "JV",
            DocumentKind::StockEntry => "STE",
        }
    }

    /// Frappe's DocType name.
    pub fn doctype(self) -> &'static str {
        match self {
            DocumentKind::SalesInvoice => "Sales Invoice",
            DocumentKind::PurchaseInvoice => "Purchase Invoice",
            DocumentKind::Payment => "Payment Entry",
            DocumentKind::JournalEntry => "Journal Entry",
            DocumentKind::StockEntry => "Stock Entry",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::SalesInvoice => "sales_invoice",
            DocumentKind::PurchaseInvoice => "purchase_invoice",
            DocumentKind::Payment => "payment",
            DocumentKind::JournalEntry => "journal_entry",
            DocumentKind::StockEntry => "stock_entry",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            DocumentKind::SalesInvoice,
            DocumentKind::PurchaseInvoice,
            DocumentKind::Payment,
            DocumentKind::JournalEntry,
            DocumentKind::StockEntry,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The series a document posted on `date` draws from: `SINV-2026`.
    pub fn series(self, date: Date) -> String {
        format!("{}-{}", self.prefix(), date.year())
    }

    /// The `n`th number of a series: `SINV-2026-00001`.
    pub fn number(self, date: Date, n: i64) -> String {
        format!("{}-{n:05}", self.series(date))
    }

    /// The name a draft is known by until it is submitted and numbered: `SINV-DRAFT-42`.
    pub fn draft_name(self, id: i64) -> String {
        format!("{}-DRAFT-{id}", self.prefix())
    }
}

/// Whether money is coming in or going out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PaymentDirection {
    Receive,
    Pay,
}

impl PaymentDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentDirection::Receive => "receive",
            PaymentDirection::Pay => "pay",
        }
    }

    /// Frappe's `payment_type`.
    pub fn title(self) -> &'static str {
        match self {
            PaymentDirection::Receive => "Receive",
            PaymentDirection::Pay => "Pay",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s.to_ascii_lowercase().as_str() {
            "receive" => Ok(PaymentDirection::Receive),
            "pay" => Ok(PaymentDirection::Pay),
            _ => Err(ValidationError::new(
                "payment_type",
                "must be Receive or Pay",
            )),
        }
    }
}

/// Whether an invoice is a sale or a purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceKind {
    Sales,
    Purchase,
}

impl InvoiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceKind::Sales => "sales",
            InvoiceKind::Purchase => "purchase",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sales" => Some(InvoiceKind::Sales),
            "purchase" => Some(InvoiceKind::Purchase),
            _ => None,
        }
    }

    pub fn document(self) -> DocumentKind {
        match self {
            InvoiceKind::Sales => DocumentKind::SalesInvoice,
            InvoiceKind::Purchase => DocumentKind::PurchaseInvoice,
        }
    }

    /// The payment direction that settles an invoice of this kind.
    pub fn settled_by(self) -> PaymentDirection {
        match self {
            InvoiceKind::Sales => PaymentDirection::Receive,
            InvoiceKind::Purchase => PaymentDirection::Pay,
        }
    }
}

/// What a reader is told about an invoice's settlement, in Frappe's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum InvoiceStatus {
    Draft,
    Unpaid,
    #[serde(rename = "Partly Paid")]
    PartlyPaid,
    Paid,
    Overdue,
    Return,
    #[serde(rename = "Credit Note Issued")]
    CreditNoteIssued,
    Cancelled,
}

impl InvoiceStatus {
    pub fn label(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "Draft",
            InvoiceStatus::Unpaid => "Unpaid",
            InvoiceStatus::PartlyPaid => "Partly Paid",
            InvoiceStatus::Paid => "Paid",
            InvoiceStatus::Overdue => "Overdue",
            InvoiceStatus::Return => "Return",
            InvoiceStatus::CreditNoteIssued => "Credit Note Issued",
            InvoiceStatus::Cancelled => "Cancelled",
        }
    }

    /// The status of an invoice as of `today`.
    pub fn of(
        docstatus: Docstatus,
        is_return: bool,
        credited: bool,
        grand_total: Amount,
        outstanding: Amount,
        due_date: Date,
        today: Date,
    ) -> Self {
        match docstatus {
            Docstatus::Draft => InvoiceStatus::Draft,
            Docstatus::Cancelled => InvoiceStatus::Cancelled,
            Docstatus::Submitted if is_return => InvoiceStatus::Return,
            Docstatus::Submitted => {
                if outstanding.0 <= 0 {
                    if credited {
                        InvoiceStatus::CreditNoteIssued
                    } else {
                        InvoiceStatus::Paid
                    }
                } else if due_date < today {
                    InvoiceStatus::Overdue
                } else if outstanding < grand_total {
                    InvoiceStatus::PartlyPaid
                } else {
                    InvoiceStatus::Unpaid
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_drafts_change_or_submit_and_only_submitted_documents_cancel() {
        let name = || "SINV-2026-00001".to_owned();
        assert!(Docstatus::Draft.ensure_editable(name).is_ok());
        assert!(Docstatus::Draft.ensure_submittable(name).is_ok());
        assert!(Docstatus::Submitted.ensure_cancellable(name).is_ok());
        assert_eq!(
            Docstatus::Submitted
                .ensure_editable(name)
                .unwrap_err()
                .to_string(),
            "SINV-2026-00001 is submitted; only drafts can be changed"
        );
        assert_eq!(
            Docstatus::Submitted.ensure_submittable(name),
            Err(LifecycleError::AlreadySubmitted(name()))
        );
        assert_eq!(
            Docstatus::Cancelled.ensure_submittable(name),
            Err(LifecycleError::CancelledCannotBeSubmitted(name()))
        );
        assert_eq!(
            Docstatus::Draft.ensure_cancellable(name),
            Err(LifecycleError::DraftCannotBeCancelled(name()))
        );
        assert_eq!(
            Docstatus::Cancelled.ensure_cancellable(name),
            Err(LifecycleError::AlreadyCancelled(name()))
        );
    }
    use super::*;
    use time::macros::date;

    #[test]
    fn numbers_are_zero_padded_per_year() {
        let d = date!(2026 - 03 - 01);
        assert_eq!(DocumentKind::SalesInvoice.number(d, 1), "SINV-2026-00001");
        assert_eq!(DocumentKind::Payment.number(d, 123_456), "PAY-2026-123456");
        assert_eq!(DocumentKind::JournalEntry.draft_name(7), "JV-DRAFT-7");
    }

    #[test]
    fn status_follows_outstanding_and_due_date() {
        let due = date!(2026 - 05 - 01);
        let s = |out, today| {
            InvoiceStatus::of(
                Docstatus::Submitted,
                false,
                false,
                Amount(100),
                Amount(out),
                due,
                today,
            )
        };
        assert_eq!(s(100, date!(2026 - 04 - 01)), InvoiceStatus::Unpaid);
        assert_eq!(s(40, date!(2026 - 04 - 01)), InvoiceStatus::PartlyPaid);
        assert_eq!(s(40, date!(2026 - 05 - 02)), InvoiceStatus::Overdue);
        assert_eq!(s(0, date!(2026 - 05 - 02)), InvoiceStatus::Paid);
        assert_eq!(
            serde_json::to_string(&InvoiceStatus::PartlyPaid).unwrap(),
            "\"Partly Paid\""
        );
        assert_eq!(serde_json::to_string(&Docstatus::Cancelled).unwrap(), "2");
    }
}
