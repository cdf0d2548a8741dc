//! The pages of stock entries: goods received, issued or moved between warehouses without an
//! invoice.

use axum::response::Response;
use tenantry_domain::books::{Amount, Docstatus};
use tenantry_erp::stock::StockEntryDoc;
use tenantry_store::books::{Filter, FilterOp, FilterValue, StockPurpose};

use super::choices::{
    at, choices, labels, line_rows, purpose_options, warehouse_name, warehouse_names, with_blank,
};
use super::declaration::{EditablePage, FormParts, KindPage, Listed, Viewed};
use super::form_data::{parse_amount, parse_date, parse_qty, seg, FormData};
use super::frame::Layout;
use super::listing::{date_span, docstatus_filter, docstatus_text, filter, search_field};
use super::views::{headers, Cell, Datalist, DocPage, Field, LinesView, Link, Row, TableView};
use crate::books::caller::{today, BooksCaller};
use crate::books::kinds::stock_entries::{
    StockEntries, StockEntryBody, StockEntryRow, StockLineBody,
};

const LINES: [(&str, &str); 5] = [
    ("line_item", "Item"),
    ("line_qty", "Qty"),
    ("line_from", "From warehouse"),
    ("line_to", "To warehouse"),
    ("line_rate", "Cost per unit"),
];

impl KindPage for StockEntries {
    const SECTION: &'static str = "stock";
    const PLURAL: &'static str = "Stock entries";

    fn key(doc: &StockEntryDoc) -> String {
        doc.name.clone()
    }

    fn docstatus(doc: &StockEntryDoc) -> Option<Docstatus> {
        Some(doc.entry.docstatus)
    }

    async fn filters(
        _c: &BooksCaller,
        q: &FormData,
        filters: &mut Vec<Filter>,
        errors: &mut Vec<String>,
    ) -> Result<Vec<Field>, Response> {
        if let Some(p) = StockPurpose::parse(q.get("purpose")) {
            filters.push(filter(
                "purpose",
                FilterOp::Eq,
                FilterValue::Text(p.as_str().into()),
            ));
        }
        let mut fields = vec![
            search_field(q, "Search"),
            Field::select(
                "purpose",
                "Purpose",
                q.get("purpose"),
                purpose_options(Some("All")),
            ),
            docstatus_filter(q, filters, &[]),
        ];
        fields.extend(date_span(q, filters, errors));
        Ok(fields)
    }

    fn columns(_c: &BooksCaller) -> (&'static [&'static str], &'static [usize]) {
        (&["Number", "Purpose", "Date", "Remarks", "Status"], &[])
    }

    async fn rows(c: &BooksCaller, q: &FormData, filters: Vec<Filter>) -> Result<Listed, Response> {
        Listed::page::<Self>(c, q, filters, |r: &StockEntryRow| {
            let e = &r.row;
            Row::from(vec![
                Cell::link(&r.name, Self::href(&r.name)),
                Cell::text(e.purpose.title()),
                Cell::text(e.posting_date.to_string()),
                Cell::text(&e.remarks),
                Cell::text(docstatus_text(e.docstatus).0),
            ])
        })
        .await
    }

    async fn blank(_c: &BooksCaller, _q: &FormData) -> Result<FormData, Response> {
        let mut v = FormData::default();
        v.push("posting_date", today().to_string());
        v.push("purpose", "receipt");
        Ok(v)
    }

    async fn form(
        c: &BooksCaller,
        _existing: Option<&str>,
        v: &FormData,
    ) -> Result<FormParts, Response> {
        let ch = choices(c).await?;
        let warehouses = with_blank("—", ch.warehouses);
        let rows = line_rows(
            v,
            &LINES,
            |name, value| match name {
                "line_item" => Field::text(name, "Item", value).list("stock-items"),
                "line_qty" => Field::new("qty", name, "Qty", value),
                "line_from" => Field::select(name, "From warehouse", value, warehouses.clone()),
                "line_to" => Field::select(name, "To warehouse", value, warehouses.clone()),
                _ => Field::new("money", name, "Cost per unit", value),
            },
            4,
        );
        Ok(FormParts {
            title: None,
            fields: vec![
                Field::select("purpose", "Purpose", v.get("purpose"), purpose_options(None)),
                Field::new("date", "posting_date", "Date", v.get("posting_date")),
                Field::new("textarea", "remarks", "Remarks", v.get("remarks")),
            ],
            lines: Some(LinesView {
                title: "Items",
                hint: "A receipt names the warehouse goods go to, an issue the one they leave, a transfer both. A blank cost is the item's buying price.",
                headers: labels(&LINES),
                rows,
                totals: None,
            }),
            datalists: vec![Datalist {
                id: "stock-items",
                options: ch.stock_items,
                facts: String::new(),
            }],
            submit_label: "Save draft",
        })
    }

    fn body(f: &FormData) -> Result<StockEntryBody, String> {
        let cols: Vec<Vec<&str>> = LINES.iter().map(|(n, _)| f.all(n)).collect();
        let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
        let mut items = Vec::new();
        for i in 0..rows {
            let (code, qty, rate) = (at(&cols[0], i), at(&cols[1], i), at(&cols[4], i));
            if code.is_empty() && qty.is_empty() && rate.is_empty() {
                continue;
            }
            let n = items.len() + 1;
            if code.is_empty() {
                return Err(format!("line {n}: choose an item"));
            }
            let (from, to) = (at(&cols[2], i), at(&cols[3], i));
            items.push(StockLineBody {
                item_code: code.to_owned(),
                qty: parse_qty(&format!("line {n}: quantity"), qty)?
                    .ok_or_else(|| format!("line {n}: the quantity is required"))?,
                s_warehouse: (!from.is_empty()).then(|| from.to_owned()),
                t_warehouse: (!to.is_empty()).then(|| to.to_owned()),
                basic_rate: parse_amount(&format!("line {n}: cost"), rate)?,
            });
        }
        Ok(StockEntryBody {
            purpose: f.get("purpose").to_owned(),
            posting_date: parse_date("Date", f.get("posting_date"))?,
            remarks: f.get("remarks").to_owned(),
            items,
            submit: false,
        })
    }
}

impl EditablePage for StockEntries {
    async fn values(c: &BooksCaller, doc: &StockEntryDoc) -> Result<FormData, Response> {
        let warehouses = warehouse_names(c).await?;
        let mut v = FormData::default();
        v.push("purpose", doc.entry.purpose.as_str());
        v.push("posting_date", doc.entry.posting_date.to_string());
        v.push("remarks", &doc.entry.remarks);
        for l in &doc.items {
            v.push("line_item", &l.item_code);
            v.push("line_qty", l.qty.plain());
            v.push(
                "line_from",
                warehouse_name(&warehouses, l.from_warehouse_id),
            );
            v.push("line_to", warehouse_name(&warehouses, l.to_warehouse_id));
            v.push(
                "line_rate",
                if l.rate.is_zero() {
                    String::new()
                } else {
                    l.rate.to_string()
                },
            );
        }
        Ok(v)
    }

    fn change(f: &FormData) -> Result<StockEntryBody, String> {
        Self::body(f)
    }
}

impl Viewed for StockEntries {
    async fn page(c: &BooksCaller, doc: StockEntryDoc, l: Layout) -> Result<DocPage, Response> {
        let e = &doc.entry;
        let warehouses = warehouse_names(c).await?;
        let rows = doc
            .items
            .iter()
            .map(|line| {
                Row::from(vec![
                    Cell::link(
                        &line.item_code,
                        format!("/books/items/{}", seg(&line.item_code)),
                    ),
                    Cell::qty(line.qty),
                    Cell::text(warehouse_name(&warehouses, line.from_warehouse_id)),
                    Cell::text(warehouse_name(&warehouses, line.to_warehouse_id)),
                    Cell::money(line.rate),
                    line.value
                        .map_or_else(|| Cell::text(""), |v| Cell::money(Amount(v))),
                ])
            })
            .collect();
        let (status, class) = docstatus_text(e.docstatus);
        Ok(DocPage {
            l,
            title: format!("Stock entry {}", doc.name),
            status: status.into(),
            status_class: class,
            notice: None,
            error: None,
            facts: vec![
                ("Purpose".into(), e.purpose.title().into()),
                ("Date".into(), e.posting_date.to_string()),
                ("Remarks".into(), e.remarks.clone()),
                ("Created by".into(), e.created_by.clone()),
            ],
            tables: vec![TableView::new(
                headers(&["Item", "Qty", "From", "To", "Rate", "Value"], &[1, 4, 5]),
                rows,
                "No lines.",
            )],
            totals: Vec::new(),
            confirms: Vec::new(),
            links: vec![Link::secondary("Stock balance", "/books/stock-balance")],
        })
    }
}
