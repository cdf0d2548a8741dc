//! Payments received from customers and made to suppliers, allocated to invoices.

use serde::{Deserialize, Serialize};
use tenantry_domain::books::{Amount, PaymentDirection};
use tenantry_domain::Permission;
use tenantry_erp::drafts::DraftKind;
use tenantry_erp::payments::{AllocationInput, PaymentDoc, PaymentInput};
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::{ListQuery, PartyKind, Payment};
use time::Date;
use utoipa::ToSchema;

use super::declaration::{Editable, Kind, KindInfo, Submittable, Written};
use crate::books::caller::{today, BooksCaller};

pub struct Payments;

/// One in a list: its name (number, or draft name) beside its stored fields.
#[derive(Serialize, ToSchema)]
pub struct PaymentRow {
    pub(crate) name: String,
    #[serde(flatten)]
    pub(crate) row: Payment,
}

impl Kind for Payments {
    const INFO: KindInfo = KindInfo {
        path: "payments",
        key: "name",
        doctype: "Payment Entry",
        singular: "payment",
        write: Permission::ErpCreateAny,
    };
    type Body = PaymentBody;
    type Doc = PaymentDoc;
    type Row = PaymentRow;

    async fn list(books: &Books, query: &ListQuery) -> Result<Vec<PaymentRow>, ErpError> {
        let rows = books.list_payments(query).await?;
        Ok(rows
            .into_iter()
            .map(|row| PaymentRow {
                name: row.name(),
                row,
            })
            .collect())
    }

    async fn read(books: &Books, name: &str) -> Result<PaymentDoc, ErpError> {
        books.payment_doc(name).await
    }

    async fn create(c: &BooksCaller, b: PaymentBody) -> Result<PaymentDoc, ErpError> {
        let submit = b.submit;
        let input = PaymentInput::from(b);
        c.books
            .create_payment(&input, c.author(), submit, today())
            .await
    }
}

impl Editable for Payments {
    type Change = PaymentBody;

    async fn update(c: &BooksCaller, name: &str, b: PaymentBody) -> Result<PaymentDoc, ErpError> {
        let input = PaymentInput::from(b);
        c.books
            .update_payment(name, &input, c.author(), false, today())
            .await
    }
}

impl Submittable for Payments {
    const DRAFT: DraftKind = DraftKind::Payment;

    async fn submit(c: &BooksCaller, name: &str) -> Result<PaymentDoc, ErpError> {
        c.books.submit_payment(name).await
    }

    async fn cancel(c: &BooksCaller, name: &str) -> Result<PaymentDoc, ErpError> {
        c.books.cancel_payment(name).await
    }
}

impl Written for PaymentBody {
    fn submits(&self) -> bool {
        self.submit
    }
}

/// Money received from a customer or paid to a supplier, allocated in full to invoices.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// `receive` or `pay`.
    pub(crate) payment_type: PaymentDirection,
    /// `customer` or `supplier`.
    pub(crate) party_type: PartyKind,
    pub(crate) party: String,
    pub(crate) posting_date: Option<Date>,
    pub(crate) amount: Amount,
    /// The bank or cash account (name or number); the first bank account when absent.
    pub(crate) account: Option<String>,
    #[serde(default)]
    pub(crate) reference: String,
    #[serde(default)]
    pub(crate) remarks: String,
    pub(crate) allocations: Vec<AllocationBody>,
    /// Submit as well, in the same transaction. Only when creating.
    #[serde(default)]
    pub(crate) submit: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationBody {
    /// The invoice's number.
    pub(crate) invoice: String,
    pub(crate) amount: Amount,
}

impl From<PaymentBody> for PaymentInput {
    fn from(b: PaymentBody) -> Self {
        PaymentInput {
            payment_type: b.payment_type,
            party_type: b.party_type,
            party: b.party,
            posting_date: b.posting_date,
            amount: b.amount,
            account: b.account,
            reference: b.reference,
            remarks: b.remarks,
            allocations: b
                .allocations
                .into_iter()
                .map(|a| AllocationInput {
                    invoice: a.invoice,
                    amount: a.amount,
                })
                .collect(),
        }
    }
}
