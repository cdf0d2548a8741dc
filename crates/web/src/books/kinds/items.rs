//! Items: what is bought, sold and kept in stock, with their barcodes.

use serde::{Deserialize, Serialize};
use tenantry_domain::books::{Amount, VatCategory};
use tenantry_domain::Permission;
use tenantry_erp::masters::ItemInput;
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::{Item, ListQuery};
use utoipa::ToSchema;

use super::declaration::{Editable, Kind, KindInfo, Written};
use crate::books::caller::BooksCaller;

pub struct Items;

impl Kind for Items {
    const INFO: KindInfo = KindInfo {
        path: "items",
        key: "code",
        doctype: "Item",
        singular: "item",
        write: Permission::ErpCreateAny,
    };
    type Body = ItemBody;
    type Doc = ItemOut;
    type Row = ItemOut;

    async fn list(books: &Books, query: &ListQuery) -> Result<Vec<ItemOut>, ErpError> {
        let items = books.list_items(query).await?;
        Ok(items.into_iter().map(|i| ItemOut::of(i, None)).collect())
    }

    async fn read(books: &Books, code: &str) -> Result<ItemOut, ErpError> {
        with_barcodes(books, books.item(code).await?).await
    }

    async fn create(c: &BooksCaller, body: ItemBody) -> Result<ItemOut, ErpError> {
        with_barcodes(&c.books, c.books.create_item(&body.into()).await?).await
    }
}

impl Editable for Items {
    type Change = ItemBody;

    async fn update(c: &BooksCaller, code: &str, body: ItemBody) -> Result<ItemOut, ErpError> {
        with_barcodes(&c.books, c.books.update_item(code, &body.into()).await?).await
    }
}

/// An item as read alone: with its barcodes.
pub(crate) async fn with_barcodes(books: &Books, item: Item) -> Result<ItemOut, ErpError> {
    let barcodes = books.item_barcodes(&item).await?;
    Ok(ItemOut::of(item, Some(barcodes)))
}

fn yes() -> bool {
    true
}

impl Written for ItemBody {}

/// An item (a PUT replaces every field, barcodes included).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    pub(crate) item_code: String,
    /// The code when absent.
    #[serde(default)]
    pub(crate) item_name: String,
    /// An existing item group ("Products", "Services").
    pub(crate) item_group: Option<String>,
    /// "Nos" when absent.
    #[serde(default)]
    pub(crate) unit: String,
    /// Whether stock is kept (true when absent).
    #[serde(default = "yes")]
    pub(crate) is_stock: bool,
    #[serde(default)]
    pub(crate) selling_price: Amount,
    #[serde(default)]
    pub(crate) buying_price: Amount,
    /// `standard` (20%, when absent), `reduced` (5%), `zero` or `exempt`.
    pub(crate) vat_category: Option<VatCategory>,
    #[serde(default)]
    pub(crate) barcodes: Vec<String>,
    #[serde(default)]
    pub(crate) disabled: bool,
}

impl From<ItemBody> for ItemInput {
    fn from(b: ItemBody) -> Self {
        ItemInput {
            item_code: b.item_code,
            item_name: b.item_name,
            item_group: b.item_group,
            unit: b.unit,
            is_stock: b.is_stock,
            selling_price: b.selling_price,
            buying_price: b.buying_price,
            vat_category: b.vat_category,
            barcodes: b.barcodes,
            disabled: b.disabled,
        }
    }
}

/// An item with its barcodes, in the fields it is written with.
#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    pub(crate) id: i64,
    pub(crate) item_code: String,
    pub(crate) item_name: String,
    pub(crate) item_group: Option<String>,
    pub(crate) unit: String,
    pub(crate) is_stock: bool,
    pub(crate) selling_price: Amount,
    pub(crate) buying_price: Amount,
    pub(crate) vat_category: VatCategory,
    pub(crate) disabled: bool,
    /// In a single item's answer, not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) barcodes: Option<Vec<String>>,
}

impl ItemOut {
    pub(crate) fn of(i: Item, barcodes: Option<Vec<String>>) -> Self {
        ItemOut {
            id: i.id,
            item_code: i.code,
            item_name: i.name,
            item_group: i.item_group,
            unit: i.unit,
            is_stock: i.is_stock,
            selling_price: i.selling_price,
            buying_price: i.buying_price,
            vat_category: i.vat_category,
            disabled: i.disabled,
            barcodes,
        }
    }
}
