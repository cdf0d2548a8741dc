//! Stock entries: goods received, issued or moved between warehouses without an invoice.

use serde::{Deserialize, Serialize};
use tenantry_domain::books::{Amount, Quantity};
use tenantry_domain::Permission;
use tenantry_erp::drafts::DraftKind;
use tenantry_erp::stock::{StockEntryDoc, StockEntryInput, StockLineInput};
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::{ListQuery, StockEntry};
use time::Date;
use utoipa::ToSchema;

use super::declaration::{Editable, Kind, KindInfo, Submittable, Written};
use crate::books::caller::{today, BooksCaller};

pub struct StockEntries;

/// One in a list: its name (number, or draft name) beside its stored fields.
#[derive(Serialize, ToSchema)]
pub struct StockEntryRow {
    pub(crate) name: String,
    #[serde(flatten)]
    pub(crate) row: StockEntry,
}

impl Kind for StockEntries {
    const INFO: KindInfo = KindInfo {
        path: "stock-entries",
        key: "name",
        doctype: "Stock Entry",
        singular: "stock entry",
        write: Permission::ErpCreateAny,
    };
    type Body = StockEntryBody;
    type Doc = StockEntryDoc;
    type Row = StockEntryRow;

    async fn list(books: &Books, query: &ListQuery) -> Result<Vec<StockEntryRow>, ErpError> {
        let rows = books.list_stock_entries(query).await?;
        Ok(rows
            .into_iter()
            .map(|row| StockEntryRow {
                name: row.name(),
                row,
            })
            .collect())
    }

    async fn read(books: &Books, name: &str) -> Result<StockEntryDoc, ErpError> {
        books.stock_entry_doc(name).await
    }

    async fn create(c: &BooksCaller, b: StockEntryBody) -> Result<StockEntryDoc, ErpError> {
        let submit = b.submit;
        let input = StockEntryInput::from(b);
        c.books
            .create_stock_entry(&input, c.author(), submit, today())
            .await
    }
}

impl Editable for StockEntries {
    type Change = StockEntryBody;

    async fn update(
        c: &BooksCaller,
        name: &str,
        b: StockEntryBody,
    ) -> Result<StockEntryDoc, ErpError> {
        let input = StockEntryInput::from(b);
        c.books
            .update_stock_entry(name, &input, c.author(), false, today())
            .await
    }
}

impl Submittable for StockEntries {
    const DRAFT: DraftKind = DraftKind::StockEntry;

    async fn submit(c: &BooksCaller, name: &str) -> Result<StockEntryDoc, ErpError> {
        c.books.submit_stock_entry(name).await
    }

    async fn cancel(c: &BooksCaller, name: &str) -> Result<StockEntryDoc, ErpError> {
        c.books.cancel_stock_entry(name).await
    }
}

impl Written for StockEntryBody {
    fn submits(&self) -> bool {
        self.submit
    }
}

/// Goods received, issued or moved between warehouses without an invoice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockEntryBody {
    /// `Material Receipt`, `Material Issue` or `Material Transfer`.
    pub(crate) purpose: String,
    pub(crate) posting_date: Option<Date>,
    #[serde(default)]
    pub(crate) remarks: String,
    pub(crate) items: Vec<StockLineBody>,
    /// Submit as well, in the same transaction. Only when creating.
    #[serde(default)]
    pub(crate) submit: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockLineBody {
    pub(crate) item_code: String,
    pub(crate) qty: Quantity,
    /// Where goods leave from (issue, transfer).
    pub(crate) s_warehouse: Option<String>,
    /// Where goods arrive (receipt, transfer).
    pub(crate) t_warehouse: Option<String>,
    /// Cost per unit of goods received; the item's buying price when absent.
    pub(crate) basic_rate: Option<Amount>,
}

impl From<StockEntryBody> for StockEntryInput {
    fn from(b: StockEntryBody) -> Self {
        StockEntryInput {
            purpose: b.purpose,
            posting_date: b.posting_date,
            remarks: b.remarks,
            items: b
                .items
                .into_iter()
                .map(|l| StockLineInput {
                    item_code: l.item_code,
                    qty: l.qty,
                    s_warehouse: l.s_warehouse,
                    t_warehouse: l.t_warehouse,
                    basic_rate: l.basic_rate,
                })
                .collect(),
        }
    }
}
