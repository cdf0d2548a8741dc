//! Sales and purchase invoices, and their credit and debit notes.

use serde::{Deserialize, Serialize};
use tenantry_domain::books::{Amount, InvoiceKind, InvoiceStatus, Quantity, VatCategory};
use tenantry_domain::Permission;
use tenantry_erp::drafts::DraftKind;
use tenantry_erp::invoices::{InvoiceDoc, InvoiceInput, LineInput};
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::{Invoice, ListQuery};
use time::Date;
use utoipa::ToSchema;

use super::declaration::{Editable, Kind, KindInfo, Submittable, Written};
use crate::books::caller::{today, BooksCaller};

pub struct SalesInvoices;
pub struct PurchaseInvoices;

/// An invoice in a list: its name (number, or draft name) and its status as of today beside its
/// stored fields.
#[derive(Serialize, ToSchema)]
pub struct InvoiceRow {
    pub(crate) name: String,
    pub(crate) status: InvoiceStatus,
    #[serde(flatten)]
    pub(crate) invoice: Invoice,
}

impl InvoiceRow {
    fn of(invoice: Invoice, today: Date) -> Self {
        InvoiceRow {
            name: invoice.name(),
            status: invoice.status(today),
            invoice,
        }
    }
}

macro_rules! invoice_kind {
    ($kind:ty, $invoice:expr, $info:expr) => {
        impl Kind for $kind {
            const INFO: KindInfo = $info;
            type Body = InvoiceBody;
            type Doc = InvoiceDoc;
            type Row = InvoiceRow;

            async fn list(books: &Books, query: &ListQuery) -> Result<Vec<InvoiceRow>, ErpError> {
                let today = today();
                let rows = books.list_invoices($invoice, query).await?;
                Ok(rows.into_iter().map(|i| InvoiceRow::of(i, today)).collect())
            }

            async fn read(books: &Books, name: &str) -> Result<InvoiceDoc, ErpError> {
                books.invoice_doc($invoice, name, today()).await
            }

            async fn create(c: &BooksCaller, b: InvoiceBody) -> Result<InvoiceDoc, ErpError> {
                let submit = b.submit;
                let input = InvoiceInput::from(b);
                c.books
                    .create_invoice($invoice, &input, c.author(), submit, today())
                    .await
            }
        }

        impl Editable for $kind {
            type Change = InvoiceBody;

            async fn update(
                c: &BooksCaller,
                name: &str,
                b: InvoiceBody,
            ) -> Result<InvoiceDoc, ErpError> {
                let input = InvoiceInput::from(b);
                c.books
                    .update_invoice($invoice, name, &input, c.author(), false, today())
                    .await
            }
        }

        impl Submittable for $kind {
            const DRAFT: DraftKind = DraftKind::Invoice($invoice);

            async fn submit(c: &BooksCaller, name: &str) -> Result<InvoiceDoc, ErpError> {
                c.books.submit_invoice($invoice, name, today()).await
            }

            async fn cancel(c: &BooksCaller, name: &str) -> Result<InvoiceDoc, ErpError> {
                c.books.cancel_invoice($invoice, name, today()).await
            }
        }
    };
}

invoice_kind!(
    SalesInvoices,
    InvoiceKind::Sales,
    KindInfo {
        path: "sales-invoices",
        key: "name",
        doctype: "Sales Invoice",
        singular: "sales invoice",
        write: Permission::ErpCreateSales,
    }
);

invoice_kind!(
    PurchaseInvoices,
    InvoiceKind::Purchase,
    KindInfo {
        path: "purchase-invoices",
        key: "name",
        doctype: "Purchase Invoice",
        singular: "purchase invoice",
        write: Permission::ErpCreateAny,
    }
);

impl Written for InvoiceBody {
    fn submits(&self) -> bool {
        self.submit
    }
}

/// A sales or purchase invoice, or a credit (debit) note with `is_return`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceBody {
    /// The customer's (sales) or supplier's (purchase) name.
    pub(crate) party: String,
    /// Today when absent; must fall in a fiscal year.
    pub(crate) posting_date: Option<Date>,
    /// The posting date plus the party's payment terms when absent.
    pub(crate) due_date: Option<Date>,
    #[serde(default)]
    pub(crate) is_return: bool,
    /// For a return: the number of the invoice it credits.
    pub(crate) return_against: Option<String>,
    #[serde(default)]
    pub(crate) remarks: String,
    pub(crate) items: Vec<InvoiceLineBody>,
    /// Submit as well, in the same transaction (needs the right to submit). Only when creating.
    #[serde(default)]
    pub(crate) submit: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLineBody {
    pub(crate) item_code: String,
    pub(crate) qty: Quantity,
    /// Price per unit before VAT; the item's price when absent.
    pub(crate) rate: Option<Amount>,
    #[serde(default)]
    pub(crate) description: String,
    /// For a stocked item; the first warehouse when absent.
    pub(crate) warehouse: Option<String>,
    /// The item's category when absent.
    pub(crate) vat_category: Option<VatCategory>,
}

impl From<InvoiceBody> for InvoiceInput {
    fn from(b: InvoiceBody) -> Self {
        InvoiceInput {
            party: b.party,
            posting_date: b.posting_date,
            due_date: b.due_date,
            is_return: b.is_return,
            return_against: b.return_against,
            remarks: b.remarks,
            items: b
                .items
                .into_iter()
                .map(|l| LineInput {
                    item_code: l.item_code,
                    qty: l.qty,
                    rate: l.rate,
                    description: l.description,
                    warehouse: l.warehouse,
                    vat_category: l.vat_category,
                })
                .collect(),
        }
    }
}
