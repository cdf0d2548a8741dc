//! Warehouses: where stock is kept.

use serde::Deserialize;
use tenantry_domain::Permission;
use tenantry_erp::masters::WarehouseInput;
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::{ListQuery, Warehouse};
use utoipa::ToSchema;

use super::declaration::{Editable, Kind, KindInfo, Written};
use crate::books::caller::BooksCaller;

pub struct Warehouses;

impl Kind for Warehouses {
    const INFO: KindInfo = KindInfo {
        path: "warehouses",
        key: "name",
        doctype: "Warehouse",
        singular: "warehouse",
        write: Permission::ErpCreateAny,
    };
    type Body = WarehouseBody;
    type Doc = Warehouse;
    type Row = Warehouse;

    async fn list(books: &Books, query: &ListQuery) -> Result<Vec<Warehouse>, ErpError> {
        books.list_warehouses(query).await
    }

    async fn read(books: &Books, name: &str) -> Result<Warehouse, ErpError> {
        books.warehouse(name).await
    }

    async fn create(c: &BooksCaller, body: WarehouseBody) -> Result<Warehouse, ErpError> {
        let made = c.books.create_warehouse(&body.name).await?;
        if !body.disabled {
            return Ok(made);
        }
        let input = WarehouseInput {
            name: made.name.clone(),
            disabled: true,
        };
        c.books.update_warehouse(&made.name, &input).await
    }
}

impl Editable for Warehouses {
    type Change = WarehouseBody;

    async fn update(
        c: &BooksCaller,
        name: &str,
        body: WarehouseBody,
    ) -> Result<Warehouse, ErpError> {
        let input = WarehouseInput {
            name: body.name,
            disabled: body.disabled,
        };
        c.books.update_warehouse(name, &input).await
    }
}

impl Written for WarehouseBody {}

/// A warehouse.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehouseBody {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) disabled: bool,
}
