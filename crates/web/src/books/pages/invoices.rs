//! The pages of sales and purchase invoices, and of their credit and debit notes: the list
//! with its unpaid and overdue filters, the invoice's page with its payments and credit notes,
//! and the form with its lines (a credit note's filled from the invoice it credits).

use axum::response::Response;
use tenantry_domain::books::decimal::currency_symbol;
use tenantry_domain::books::{Docstatus, InvoiceKind, VatCategory};
use tenantry_domain::Permission;
use tenantry_erp::invoices::InvoiceDoc;
use tenantry_store::books::{Filter, FilterOp, FilterValue};

use super::choices::{
    at, choices, labels, line_rows, vat_options, warehouse_name, warehouse_names, with_blank,
};
use super::declaration::{EditablePage, FormParts, KindPage, Listed, Viewed};
use super::form_data::{parse_amount, parse_date, parse_qty, seg, FormData};
use super::frame::{fail, Layout};
use super::listing::{date_span, docstatus_filter, docstatus_text, filter, search_field};
use super::views::{
    headers, Cell, Datalist, DocPage, Field, LinesView, Link, LiveTotals, Row, TableView,
};
use crate::books::caller::{today, BooksCaller};
use crate::books::kinds::invoices::{
    InvoiceBody, InvoiceLineBody, InvoiceRow, PurchaseInvoices, SalesInvoices,
};
use crate::books::kinds::parties::{Customers, Suppliers};
use crate::books::kinds::payments::Payments;

const LINES: [(&str, &str); 6] = [
    ("line_item", "Item"),
    ("line_description", "Description"),
    ("line_qty", "Qty"),
    ("line_rate", "Rate"),
    ("line_vat", "VAT"),
    ("line_warehouse", "Warehouse"),
];

/// The party's label, and the page of the named party.
fn party(k: InvoiceKind, name: &str) -> (&'static str, String) {
    match k {
        InvoiceKind::Sales => ("Customer", Customers::href(name)),
        InvoiceKind::Purchase => ("Supplier", Suppliers::href(name)),
    }
}

fn filters(q: &FormData, filters: &mut Vec<Filter>, errors: &mut Vec<String>) -> Vec<Field> {
    let mut fields = vec![
        search_field(q, "Search"),
        docstatus_filter(q, filters, &[("unpaid", "Unpaid"), ("overdue", "Overdue")]),
    ];
    if matches!(q.get("status"), "unpaid" | "overdue") {
        filters.push(filter(
            "outstanding_amount",
            FilterOp::Gt,
            FilterValue::Int(0),
        ));
    }
    if q.get("status") == "overdue" {
        filters.push(filter("due_date", FilterOp::Lt, FilterValue::Date(today())));
    }
    fields.extend(date_span(q, filters, errors));
    fields
}

fn columns(k: InvoiceKind) -> (&'static [&'static str], &'static [usize]) {
    match k {
        InvoiceKind::Sales => (
            &[
                "Number",
                "Customer",
                "Date",
                "Due",
                "Total",
                "Outstanding",
                "Status",
            ],
            &[4, 5],
        ),
        InvoiceKind::Purchase => (
            &[
                "Number",
                "Supplier",
                "Date",
                "Due",
                "Total",
                "Outstanding",
                "Status",
            ],
            &[4, 5],
        ),
    }
}

fn row<K: KindPage>(r: &InvoiceRow) -> Row {
    let i = &r.invoice;
    Row::from(vec![
        Cell::link(&r.name, K::href(&r.name)),
        Cell::text(&i.party_name),
        Cell::text(i.posting_date.to_string()),
        Cell::text(i.due_date.to_string()),
        Cell::money(i.grand_total),
        // Only a submitted invoice owes anything.
        if i.docstatus == Docstatus::Submitted {
            Cell::money(i.outstanding)
        } else {
            Cell::text("")
        },
        Cell::text(r.status.label()),
    ])
}

async fn page<K: KindPage>(
    c: &BooksCaller,
    k: InvoiceKind,
    doc: InvoiceDoc,
    l: Layout,
) -> Result<DocPage, Response> {
    let inv = &doc.invoice;
    let warehouses = warehouse_names(c).await?;
    let db = c.books.db();
    let payments = db
        .payments_of_invoice(inv.id)
        .await
        .map_err(|e| fail(e.into()))?;
    let credits = db
        .credit_notes_against(inv.id)
        .await
        .map_err(|e| fail(e.into()))?;
    let (party_label, party_href) = party(k, &inv.party_name);
    let mut facts = vec![
        (party_label.to_owned(), inv.party_name.clone()),
        ("Date".to_owned(), inv.posting_date.to_string()),
        ("Due".to_owned(), inv.due_date.to_string()),
    ];
    if let Some(against) = &inv.return_against {
        facts.push(("Credit against".to_owned(), against.clone()));
    }
    if !inv.remarks.is_empty() {
        facts.push(("Remarks".to_owned(), inv.remarks.clone()));
    }
    facts.push(("Created by".to_owned(), inv.created_by.clone()));
    let lines = doc
        .lines
        .iter()
        .map(|line| {
            Row::from(vec![
                Cell::link(
                    &line.item_code,
                    format!("/books/items/{}", seg(&line.item_code)),
                ),
                Cell::text(&line.description),
                Cell::qty(line.qty),
                Cell::money(line.rate),
                Cell::money(line.net),
                Cell::text(line.vat_category.label()),
                Cell::money(line.vat),
                Cell::text(warehouse_name(&warehouses, line.warehouse_id)),
            ])
        })
        .collect();
    let mut tables = vec![TableView::new(
        headers(
            &[
                "Item",
                "Description",
                "Qty",
                "Rate",
                "Net",
                "VAT rate",
                "VAT",
                "Warehouse",
            ],
            &[2, 3, 4, 6],
        ),
        lines,
        "No lines.",
    )];
    if !payments.is_empty() {
        tables.push(
            TableView::new(
                headers(&["Payment", "Date", "Amount"], &[2]),
                payments
                    .iter()
                    .map(|(number, date, amount)| {
                        Row::from(vec![
                            Cell::link(number, Payments::href(number)),
                            Cell::text(date.to_string()),
                            Cell::money(*amount),
                        ])
                    })
                    .collect(),
                "",
            )
            .titled("Payments"),
        );
    }
    let credits: Vec<Row> = credits
        .iter()
        .map(|cn| {
            let n = cn.name();
            Row::from(vec![
                Cell::link(&n, K::href(&n)),
                Cell::text(cn.posting_date.to_string()),
                Cell::money(cn.grand_total),
                Cell::text(cn.docstatus.label()),
            ])
        })
        .collect();
    if !credits.is_empty() {
        tables.push(
            TableView::new(
                headers(&["Credit note", "Date", "Total", "Status"], &[2]),
                credits,
                "",
            )
            .titled("Credit notes"),
        );
    }
    let mut totals = vec![
        ("Net total".to_owned(), l.money(inv.net_total)),
        ("VAT".to_owned(), l.money(inv.vat_total)),
        ("Total".to_owned(), l.money(inv.grand_total)),
    ];
    if inv.docstatus == Docstatus::Submitted {
        totals.push(("Outstanding".to_owned(), l.money(inv.outstanding)));
    }
    let href = K::href(&doc.name);
    let mut links = vec![
        Link::secondary("Print", format!("{href}/print")),
        Link::secondary("PDF", format!("{href}/pdf")),
    ];
    if inv.docstatus == Docstatus::Submitted
        && !inv.outstanding.is_zero()
        && c.can(Permission::ErpCreateAny)
    {
        links.push(Link::secondary(
            "Record payment",
            format!("{}/new?invoice={}", Payments::base(), seg(&doc.name)),
        ));
    }
    if inv.docstatus == Docstatus::Submitted && !inv.is_return && c.can(K::INFO.write) {
        links.push(Link::secondary(
            "Credit note",
            format!("{}/new?return_against={}", K::base(), seg(&doc.name)),
        ));
    }
    links.push(Link::secondary(party_label, party_href));
    let (_, class) = docstatus_text(inv.docstatus);
    let title = match (k, inv.is_return) {
        (InvoiceKind::Sales, false) => "Sales invoice",
        (InvoiceKind::Sales, true) => "Credit note",
        (InvoiceKind::Purchase, false) => "Purchase invoice",
        (InvoiceKind::Purchase, true) => "Debit note",
    };
    Ok(DocPage {
        l,
        title: format!("{title} {}", doc.name),
        status: doc.status.label().to_owned(),
        status_class: class,
        notice: None,
        error: None,
        facts,
        tables,
        totals,
        links,
        confirms: Vec::new(),
    })
}

/// The invoice's lines as its form shows them.
fn push_lines(v: &mut FormData, doc: &InvoiceDoc, warehouses: &[(i64, String)]) {
    for l in &doc.lines {
        v.push("line_item", &l.item_code);
        v.push(
            "line_description",
            if l.description == l.item_name {
                ""
            } else {
                l.description.as_str()
            },
        );
        v.push("line_qty", l.qty.abs().plain());
        v.push("line_rate", l.rate.to_string());
        v.push("line_vat", l.vat_category.as_str());
        v.push("line_warehouse", warehouse_name(warehouses, l.warehouse_id));
    }
}

/// A new invoice's form; with `return_against`, a credit note for that invoice's lines.
async fn blank(c: &BooksCaller, k: InvoiceKind, q: &FormData) -> Result<FormData, Response> {
    let mut v = FormData::default();
    v.push("posting_date", today().to_string());
    let against = q.get("return_against").trim();
    if !against.is_empty() {
        let doc = c
            .books
            .invoice_doc(k, against, today())
            .await
            .map_err(fail)?;
        let warehouses = warehouse_names(c).await?;
        v.push("party", &doc.invoice.party_name);
        v.push("is_return", "1");
        v.push("return_against", &doc.name);
        v.push("remarks", format!("Credit for {}", doc.name));
        push_lines(&mut v, &doc, &warehouses);
    }
    Ok(v)
}

async fn values(c: &BooksCaller, doc: &InvoiceDoc) -> Result<FormData, Response> {
    let warehouses = warehouse_names(c).await?;
    let mut v = FormData::default();
    v.push("party", &doc.invoice.party_name);
    v.push("posting_date", doc.invoice.posting_date.to_string());
    v.push("due_date", doc.invoice.due_date.to_string());
    v.push("remarks", &doc.invoice.remarks);
    if doc.invoice.is_return {
        v.push("is_return", "1");
        v.push(
            "return_against",
            doc.invoice.return_against.clone().unwrap_or_default(),
        );
    }
    push_lines(&mut v, doc, &warehouses);
    Ok(v)
}

async fn form(
    c: &BooksCaller,
    k: InvoiceKind,
    existing: Option<&str>,
    v: &FormData,
) -> Result<FormParts, Response> {
    let ch = choices(c).await?;
    let is_return = v.has("is_return");
    let (party_label, parties) = match k {
        InvoiceKind::Sales => ("Customer", ch.customers),
        InvoiceKind::Purchase => ("Supplier", ch.suppliers),
    };
    let mut fields = vec![
        Field::text("party", party_label, v.get("party"))
            .required()
            .list("parties"),
        Field::new("date", "posting_date", "Date", v.get("posting_date")),
        Field::new("date", "due_date", "Due date", v.get("due_date"))
            .hint("From the payment terms when blank."),
        Field::new("textarea", "remarks", "Remarks", v.get("remarks")),
    ];
    if is_return {
        fields.push(Field::new("hidden", "is_return", "", "1"));
        fields.push(Field::new(
            "hidden",
            "return_against",
            "",
            v.get("return_against"),
        ));
    }
    let vat = vat_options(Some("Item's"));
    let warehouses = with_blank("Default", ch.warehouses);
    let rows = line_rows(
        v,
        &LINES,
        |name, value| match name {
            "line_item" => Field::text(name, "Item", value).list("items"),
            "line_description" => Field::text(name, "Description", value),
            "line_qty" => Field::new("qty", name, "Qty", value),
            "line_rate" => Field::new("money", name, "Rate", value),
            "line_vat" => Field::select(name, "VAT", value, vat.clone()),
            _ => Field::select(name, "Warehouse", value, warehouses.clone()),
        },
        4,
    );
    // What choosing an item fills in: its name as the description, its price as the rate.
    let facts: serde_json::Map<String, serde_json::Value> = ch
        .item_records
        .iter()
        .map(|i| {
            let rate = match k {
                InvoiceKind::Sales => i.selling_price,
                InvoiceKind::Purchase => i.buying_price,
            };
            (
                i.code.clone(),
                serde_json::json!({
                    "name": i.name,
                    "rate": rate.to_string(),
                    "vat": i.vat_category.as_str(),
                }),
            )
        })
        .collect();
    let vat_rates: serde_json::Map<String, serde_json::Value> = VatCategory::ALL
        .iter()
        .map(|v| (v.as_str().to_owned(), v.rate_basis_points().into()))
        .collect();
    let settings = c.books.settings().await.map_err(fail)?;
    Ok(FormParts {
        title: (is_return && existing.is_none())
            .then(|| format!("New credit note against {}", v.get("return_against"))),
        fields,
        lines: Some(LinesView {
            title: "Lines",
            hint: "A blank rate is the item's price; empty lines are left out. Stocked items leave from (or arrive at) the default warehouse unless one is chosen.",
            headers: labels(&LINES),
            rows,
            totals: Some(LiveTotals {
                vat_rates: serde_json::Value::Object(vat_rates).to_string(),
                vat_rounding: settings.vat_rounding.as_str(),
                currency_symbol: currency_symbol(&settings.currency),
            }),
        }),
        datalists: vec![
            Datalist {
                id: "parties",
                options: parties,
                facts: String::new(),
            },
            Datalist {
                id: "items",
                options: ch.items,
                facts: serde_json::Value::Object(facts).to_string(),
            },
        ],
        submit_label: "Save draft",
    })
}

fn body(f: &FormData) -> Result<InvoiceBody, String> {
    let cols: Vec<Vec<&str>> = LINES.iter().map(|(n, _)| f.all(n)).collect();
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
    let mut items = Vec::new();
    for i in 0..rows {
        if cols.iter().take(4).all(|col| at(col, i).is_empty()) {
            continue;
        }
        let n = items.len() + 1;
        let code = at(&cols[0], i);
        if code.is_empty() {
            return Err(format!("line {n}: choose an item"));
        }
        let qty = parse_qty(&format!("line {n}: quantity"), at(&cols[2], i))?
            .ok_or_else(|| format!("line {n}: the quantity is required"))?;
        let vat = at(&cols[4], i);
        let warehouse = at(&cols[5], i);
        items.push(InvoiceLineBody {
            item_code: code.to_owned(),
            qty,
            rate: parse_amount(&format!("line {n}: rate"), at(&cols[3], i))?,
            description: at(&cols[1], i).to_owned(),
            warehouse: (!warehouse.is_empty()).then(|| warehouse.to_owned()),
            vat_category: if vat.is_empty() {
                None
            } else {
                Some(VatCategory::parse(vat).map_err(|e| format!("line {n}: {}", e.message))?)
            },
        });
    }
    let is_return = f.has("is_return");
    let against = f.get("return_against").trim();
    Ok(InvoiceBody {
        party: f.get("party").to_owned(),
        posting_date: parse_date("Date", f.get("posting_date"))?,
        due_date: parse_date("Due date", f.get("due_date"))?,
        is_return,
        return_against: (is_return && !against.is_empty()).then(|| against.to_owned()),
        remarks: f.get("remarks").to_owned(),
        items,
        submit: false,
    })
}

macro_rules! invoice_pages {
    ($kind:ty, $invoice:expr, $section:expr, $plural:expr) => {
        impl KindPage for $kind {
            const SECTION: &'static str = $section;
            const PLURAL: &'static str = $plural;

            fn key(doc: &InvoiceDoc) -> String {
                doc.name.clone()
            }

            fn docstatus(doc: &InvoiceDoc) -> Option<Docstatus> {
                Some(doc.invoice.docstatus)
            }

            async fn filters(
                _c: &BooksCaller,
                q: &FormData,
                f: &mut Vec<Filter>,
                errors: &mut Vec<String>,
            ) -> Result<Vec<Field>, Response> {
                Ok(filters(q, f, errors))
            }

            fn columns(_c: &BooksCaller) -> (&'static [&'static str], &'static [usize]) {
                columns($invoice)
            }

            async fn rows(
                c: &BooksCaller,
                q: &FormData,
                filters: Vec<Filter>,
            ) -> Result<Listed, Response> {
                Listed::page::<Self>(c, q, filters, row::<Self>).await
            }

            async fn blank(c: &BooksCaller, q: &FormData) -> Result<FormData, Response> {
                blank(c, $invoice, q).await
            }

            async fn form(
                c: &BooksCaller,
                existing: Option<&str>,
                v: &FormData,
            ) -> Result<FormParts, Response> {
                form(c, $invoice, existing, v).await
            }

            fn body(f: &FormData) -> Result<InvoiceBody, String> {
                body(f)
            }
        }

        impl EditablePage for $kind {
            async fn values(c: &BooksCaller, doc: &InvoiceDoc) -> Result<FormData, Response> {
                values(c, doc).await
            }

            fn change(f: &FormData) -> Result<InvoiceBody, String> {
                body(f)
            }
        }

        impl Viewed for $kind {
            async fn page(
                c: &BooksCaller,
                doc: InvoiceDoc,
                l: Layout,
            ) -> Result<DocPage, Response> {
                page::<Self>(c, $invoice, doc, l).await
            }
        }
    };
}

invoice_pages!(SalesInvoices, InvoiceKind::Sales, "sales", "Sales invoices");
invoice_pages!(
    PurchaseInvoices,
    InvoiceKind::Purchase,
    "purchases",
    "Purchase invoices"
);
