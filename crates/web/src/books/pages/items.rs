//! The pages of items: what is bought, sold and kept in stock, with their barcodes and, for a
//! stocked item, what is on hand where.

use axum::response::Response;
use tenantry_domain::books::VatCategory;
use tenantry_store::books::{Filter, FilterOp, FilterValue, Item, ItemGroup, ListQuery};

use super::choices::vat_options;
use super::declaration::{EditablePage, FormParts, KindPage, Listed, Viewed};
use super::form_data::{parse_amount, FormData};
use super::frame::{fail, Layout};
use super::listing::{enabled_text, filter, search_field, status_filter};
use super::views::{headers, options, Cell, DocPage, Field, Row, TableView};
use crate::books::caller::BooksCaller;
use crate::books::kinds::items::{ItemBody, ItemOut, Items};

/// Whether a new item of each group is kept in stock, as the form suggests on choosing the group:
/// as most of the group's items are; for a group without items, unless it is named for services
/// (the books start with "Products" and "Services").
fn stocked_by_group(
    groups: &[ItemGroup],
    items: &[Item],
) -> serde_json::Map<String, serde_json::Value> {
    groups
        .iter()
        .map(|g| {
            let members: Vec<&Item> = items
                .iter()
                .filter(|i| i.item_group_id == Some(g.id))
                .collect();
            let stocked = if members.is_empty() {
                !g.name.to_lowercase().contains("service")
            } else {
                members.iter().filter(|i| i.is_stock).count() * 2 >= members.len()
            };
            (g.name.clone(), stocked.into())
        })
        .collect()
}

impl KindPage for Items {
    const SECTION: &'static str = "stock";
    const PLURAL: &'static str = "Items";
    const LIST_LINKS: &'static [(&'static str, &'static str)] = &[
        ("Warehouses", "/books/warehouses"),
        ("Stock balance", "/books/stock-balance"),
    ];

    fn key(i: &ItemOut) -> String {
        i.item_code.clone()
    }

    async fn filters(
        c: &BooksCaller,
        q: &FormData,
        filters: &mut Vec<Filter>,
        _errors: &mut Vec<String>,
    ) -> Result<Vec<Field>, Response> {
        let status = status_filter(q, filters);
        match q.get("type") {
            "stock" => filters.push(filter(
                "is_stock_item",
                FilterOp::Eq,
                FilterValue::Bool(true),
            )),
            "service" => filters.push(filter(
                "is_stock_item",
                FilterOp::Eq,
                FilterValue::Bool(false),
            )),
            _ => {}
        }
        let group = q.get("group").trim();
        if !group.is_empty() {
            filters.push(filter(
                "item_group",
                FilterOp::Eq,
                FilterValue::Text(group.into()),
            ));
        }
        let groups = c.books.item_groups().await.map_err(fail)?;
        let mut group_options = vec![(String::new(), "All".to_owned())];
        group_options.extend(groups.iter().map(|g| (g.name.clone(), g.name.clone())));
        Ok(vec![
            search_field(q, "Search"),
            Field::select("group", "Group", group, group_options),
            Field::select(
                "type",
                "Type",
                q.get("type"),
                options(&[("", "All"), ("stock", "Stock"), ("service", "Service")]),
            ),
            status,
        ])
    }

    fn columns(_c: &BooksCaller) -> (&'static [&'static str], &'static [usize]) {
        (
            &[
                "Code", "Name", "Group", "Unit", "Type", "Price", "VAT", "Status",
            ],
            &[5],
        )
    }

    async fn rows(c: &BooksCaller, q: &FormData, filters: Vec<Filter>) -> Result<Listed, Response> {
        Listed::page::<Self>(c, q, filters, |i: &ItemOut| {
            Row::from(vec![
                Cell::link(&i.item_code, Self::href(&i.item_code)),
                Cell::text(&i.item_name),
                Cell::text(i.item_group.clone().unwrap_or_default()),
                Cell::text(&i.unit),
                Cell::text(if i.is_stock { "Stock" } else { "Service" }),
                Cell::money(i.selling_price),
                Cell::text(i.vat_category.label()),
                Cell::text(enabled_text(i.disabled)),
            ])
        })
        .await
    }

    async fn blank(_c: &BooksCaller, _q: &FormData) -> Result<FormData, Response> {
        let mut v = FormData::default();
        v.push("is_stock", "1");
        v.push("vat_category", "standard");
        v.push("selling_price", "0.00");
        v.push("buying_price", "0.00");
        Ok(v)
    }

    async fn form(
        c: &BooksCaller,
        _existing: Option<&str>,
        v: &FormData,
    ) -> Result<FormParts, Response> {
        let groups = c.books.item_groups().await.map_err(fail)?;
        let mut group_options = vec![(String::new(), "(none)".to_owned())];
        group_options.extend(groups.iter().map(|g| (g.name.clone(), g.name.clone())));
        let items = c
            .books
            .list_items(&ListQuery {
                limit: 1_000,
                ..ListQuery::default()
            })
            .await
            .map_err(fail)?;
        let stocked = stocked_by_group(&groups, &items);
        Ok(FormParts::fields(vec![
            Field::text("item_code", "Code", v.get("item_code")).required(),
            Field::text("item_name", "Name", v.get("item_name")),
            Field::select("item_group", "Group", v.get("item_group"), group_options)
                .facts(serde_json::Value::Object(stocked).to_string()),
            Field::text("unit", "Unit", v.get("unit")).hint("Nos when blank."),
            Field::new(
                "money",
                "selling_price",
                "Selling price",
                v.get("selling_price"),
            ),
            Field::new(
                "money",
                "buying_price",
                "Buying price",
                v.get("buying_price"),
            ),
            Field::select(
                "vat_category",
                "VAT",
                v.get("vat_category"),
                vat_options(None),
            ),
            Field::text("barcodes", "Barcodes", v.get("barcodes"))
                .hint("Separated by commas or spaces."),
            Field::checkbox("is_stock", "Kept in stock", v.has("is_stock")),
            Field::checkbox("disabled", "Disabled (no new documents)", v.has("disabled")),
        ]))
    }

    fn body(f: &FormData) -> Result<ItemBody, String> {
        let group = f.get("item_group").trim();
        Ok(ItemBody {
            item_code: f.get("item_code").into(),
            item_name: f.get("item_name").into(),
            item_group: (!group.is_empty()).then(|| group.to_owned()),
            unit: f.get("unit").into(),
            is_stock: f.has("is_stock"),
            selling_price: parse_amount("Selling price", f.get("selling_price"))?
                .unwrap_or_default(),
            buying_price: parse_amount("Buying price", f.get("buying_price"))?.unwrap_or_default(),
            vat_category: Some(
                VatCategory::parse(f.get("vat_category"))
                    .map_err(|e| format!("VAT: {}", e.message))?,
            ),
            barcodes: f
                .get("barcodes")
                .split(|ch: char| ch == ',' || ch.is_whitespace())
                .filter(|b| !b.is_empty())
                .map(str::to_owned)
                .collect(),
            disabled: f.has("disabled"),
        })
    }
}

impl EditablePage for Items {
    async fn values(_c: &BooksCaller, i: &ItemOut) -> Result<FormData, Response> {
        let mut f = FormData::default();
        f.push("item_code", &i.item_code);
        f.push("item_name", &i.item_name);
        f.push("item_group", i.item_group.clone().unwrap_or_default());
        f.push("unit", &i.unit);
        if i.is_stock {
            f.push("is_stock", "1");
        }
        f.push("selling_price", i.selling_price.to_string());
        f.push("buying_price", i.buying_price.to_string());
        f.push("vat_category", i.vat_category.as_str());
        f.push(
            "barcodes",
            i.barcodes.clone().unwrap_or_default().join(", "),
        );
        if i.disabled {
            f.push("disabled", "1");
        }
        Ok(f)
    }

    fn change(f: &FormData) -> Result<ItemBody, String> {
        Self::body(f)
    }
}

impl Viewed for Items {
    async fn page(c: &BooksCaller, i: ItemOut, l: Layout) -> Result<DocPage, Response> {
        let mut tables = Vec::new();
        if i.is_stock {
            let balances = c
                .books
                .stock_balances()
                .await
                .map_err(fail)?
                .into_iter()
                .filter(|b| b.item_id == i.id)
                .map(|b| {
                    Row::from(vec![
                        Cell::text(b.warehouse),
                        Cell::qty(b.qty),
                        Cell::money(b.rate),
                        Cell::money(b.value),
                    ])
                })
                .collect();
            tables.push(
                TableView::new(
                    headers(&["Warehouse", "Quantity", "Rate", "Value"], &[1, 2, 3]),
                    balances,
                    "None in stock.",
                )
                .titled("Stock"),
            );
        }
        Ok(DocPage {
            l,
            title: format!("{} · {}", i.item_code, i.item_name),
            status: enabled_text(i.disabled).into(),
            status_class: if i.disabled { "cancelled" } else { "submitted" },
            notice: None,
            error: None,
            facts: vec![
                ("Group".into(), i.item_group.clone().unwrap_or_default()),
                ("Unit".into(), i.unit.clone()),
                (
                    "Type".into(),
                    if i.is_stock { "Stock item" } else { "Service" }.into(),
                ),
                ("Selling price".into(), i.selling_price.to_string()),
                ("Buying price".into(), i.buying_price.to_string()),
                ("VAT".into(), i.vat_category.label().into()),
                (
                    "Barcodes".into(),
                    i.barcodes.clone().unwrap_or_default().join(", "),
                ),
            ],
            tables,
            totals: Vec::new(),
            links: Vec::new(),
            confirms: Vec::new(),
        })
    }
}
