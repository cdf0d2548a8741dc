//! The pages of warehouses: listed with what each holds a link away, and named and disabled
//! in a short form; a warehouse has no page of its own.

use axum::response::Response;
use tenantry_store::books::{Filter, Warehouse};

use super::declaration::{EditablePage, FormParts, KindPage, Listed};
use super::form_data::{seg, FormData};
use super::listing::{enabled_text, search_field, status_filter};
use super::views::{Cell, Field, Row};
use crate::books::caller::BooksCaller;
use crate::books::kinds::declaration::Kind;
use crate::books::kinds::warehouses::{WarehouseBody, Warehouses};

impl KindPage for Warehouses {
    const SECTION: &'static str = "stock";
    const PLURAL: &'static str = "Warehouses";
    const VIEW: bool = false;

    fn key(w: &Warehouse) -> String {
        w.name.clone()
    }

    async fn filters(
        _c: &BooksCaller,
        q: &FormData,
        filters: &mut Vec<Filter>,
        _errors: &mut Vec<String>,
    ) -> Result<Vec<Field>, Response> {
        Ok(vec![search_field(q, "Search"), status_filter(q, filters)])
    }

    /// Those who may change warehouses get an "Edit" column.
    fn columns(c: &BooksCaller) -> (&'static [&'static str], &'static [usize]) {
        if c.can(Self::INFO.write) {
            (&["Name", "Status", ""], &[])
        } else {
            (&["Name", "Status"], &[])
        }
    }

    async fn rows(c: &BooksCaller, q: &FormData, filters: Vec<Filter>) -> Result<Listed, Response> {
        let can_edit = c.can(Self::INFO.write);
        Listed::page::<Self>(c, q, filters, |w: &Warehouse| {
            let mut cells = vec![
                Cell::link(
                    &w.name,
                    format!("/books/stock-balance?warehouse={}", seg(&w.name)),
                ),
                Cell::text(enabled_text(w.disabled)),
            ];
            if can_edit {
                cells.push(Cell::link("Edit", format!("{}/edit", Self::href(&w.name))));
            }
            Row::from(cells)
        })
        .await
    }

    async fn blank(_c: &BooksCaller, _q: &FormData) -> Result<FormData, Response> {
        Ok(FormData::default())
    }

    /// A new warehouse is only named; an existing one can also be disabled.
    async fn form(
        _c: &BooksCaller,
        existing: Option<&str>,
        v: &FormData,
    ) -> Result<FormParts, Response> {
        let mut fields = vec![Field::text("name", "Name", v.get("name")).required()];
        if existing.is_some() {
            fields.push(Field::checkbox(
                "disabled",
                "Disabled (no new documents)",
                v.has("disabled"),
            ));
        }
        Ok(FormParts::fields(fields))
    }

    fn body(f: &FormData) -> Result<WarehouseBody, String> {
        // The new warehouse form has no "disabled" box: a new warehouse is in use.
        Ok(WarehouseBody {
            name: f.get("name").into(),
            disabled: false,
        })
    }
}

impl EditablePage for Warehouses {
    async fn values(_c: &BooksCaller, w: &Warehouse) -> Result<FormData, Response> {
        let mut v = FormData::default();
        v.push("name", &w.name);
        if w.disabled {
            v.push("disabled", "1");
        }
        Ok(v)
    }

    fn change(f: &FormData) -> Result<WarehouseBody, String> {
        Ok(WarehouseBody {
            name: f.get("name").into(),
            disabled: f.has("disabled"),
        })
    }
}
