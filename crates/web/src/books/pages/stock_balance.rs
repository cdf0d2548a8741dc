//! What is on hand, per item and warehouse.

use axum::extract::Query;
use axum::http::StatusCode;
use tenantry_domain::Permission;
use tenantry_store::books::ListQuery;

use super::form_data::{seg, FormData};
use super::frame::{fail, Layout, Page};
use super::listing::{page_of, pager, search_field, PAGE_SIZE};
use super::views::{headers, Cell, Field, Link, ListPage, Row, TableView};
use crate::books::caller::BooksCaller;
use crate::pages::render;

/// What is on hand, per item and warehouse. The store answers the whole balance; search, the
/// warehouse filter and the pages are applied here.
pub(super) async fn stock_balance(c: BooksCaller, Query(q): Query<Vec<(String, String)>>) -> Page {
    let q = FormData(q);
    let l = Layout::load(&c, "stock").await?;
    let all = c.books.stock_balances().await.map_err(fail)?;
    let warehouses = c
        .books
        .list_warehouses(&ListQuery {
            limit: 1_000,
            ..ListQuery::default()
        })
        .await
        .map_err(fail)?;
    let search = q.get("q").trim().to_lowercase();
    let warehouse = q.get("warehouse").trim();
    let matching: Vec<_> = all
        .into_iter()
        .filter(|b| warehouse.is_empty() || b.warehouse == warehouse)
        .filter(|b| {
            search.is_empty()
                || b.item_code.to_lowercase().contains(&search)
                || b.item_name.to_lowercase().contains(&search)
        })
        .collect();
    let start = ((page_of(&q) - 1) * PAGE_SIZE) as usize;
    let more = matching.len() > start + PAGE_SIZE as usize;
    let rows = matching
        .iter()
        .skip(start)
        .take(PAGE_SIZE as usize)
        .map(|b| {
            Row::from(vec![
                Cell::link(&b.item_code, format!("/books/items/{}", seg(&b.item_code))),
                Cell::text(&b.item_name),
                Cell::text(&b.warehouse),
                Cell::qty(b.qty),
                Cell::money(b.rate),
                Cell::money(b.value),
            ])
        })
        .collect();
    let mut warehouse_options = vec![(String::new(), "All".to_owned())];
    warehouse_options.extend(warehouses.iter().map(|w| (w.name.clone(), w.name.clone())));
    let mut actions = Vec::new();
    if c.can(Permission::ErpCreateAny) {
        actions.push(Link::new("New stock entry", "/books/stock-entries/new"));
    }
    actions.push(Link::secondary("Stock entries", "/books/stock-entries"));
    if c.can(Permission::ErpReports) {
        actions.push(Link::secondary(
            "Download CSV",
            "/books/reports/stock-balance/csv",
        ));
    }
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l,
            notice: None,
            title: "Stock balance".into(),
            intro: String::new(),
            actions,
            filters: vec![
                search_field(&q, "Search"),
                Field::select("warehouse", "Warehouse", warehouse, warehouse_options),
            ],
            error: None,
            tables: vec![TableView::new(
                headers(
                    &["Item", "Name", "Warehouse", "Quantity", "Rate", "Value"],
                    &[3, 4, 5],
                ),
                rows,
                "Nothing in stock matches.",
            )],
            pager: pager("/books/stock-balance", &q, more),
        },
    ))
}
