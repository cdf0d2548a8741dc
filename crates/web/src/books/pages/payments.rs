//! The pages of payments: received from customers and made to suppliers, allocated to
//! invoices; a new one can start from the invoice it settles.

use axum::response::Response;
use tenantry_domain::books::{Docstatus, InvoiceKind, PaymentDirection};
use tenantry_erp::payments::PaymentDoc;
use tenantry_store::books::{Filter, FilterOp, FilterValue, ListQuery};

use super::choices::{
    account_number, at, choices, labels, line_rows, parse_party_type, party_type_options,
};
use super::declaration::{EditablePage, FormParts, KindPage, Listed, Viewed};
use super::form_data::{parse_amount, parse_date, FormData};
use super::frame::{fail, Layout};
use super::listing::{date_span, docstatus_filter, docstatus_text, filter, search_field};
use super::views::{
    headers, options, Cell, Datalist, DocPage, Field, LinesView, Link, Row, TableView,
};
use crate::books::caller::{today, BooksCaller};
use crate::books::kinds::invoices::{PurchaseInvoices, SalesInvoices};
use crate::books::kinds::parties::{Customers, Suppliers};
use crate::books::kinds::payments::{AllocationBody, PaymentBody, PaymentRow, Payments};

const LINES: [(&str, &str); 2] = [("line_invoice", "Invoice"), ("line_amount", "Amount")];

fn direction_text(d: PaymentDirection) -> &'static str {
    match d {
        PaymentDirection::Receive => "Received",
        PaymentDirection::Pay => "Paid",
    }
}

/// Submitted invoices with something still to settle, for a payment's allocations.
async fn open_invoices(c: &BooksCaller) -> Result<Vec<(String, String)>, Response> {
    let mut out = Vec::new();
    for k in [InvoiceKind::Sales, InvoiceKind::Purchase] {
        let open = c
            .books
            .list_invoices(
                k,
                &ListQuery {
                    filters: vec![
                        filter("docstatus", FilterOp::Eq, FilterValue::Int(1)),
                        filter("outstanding_amount", FilterOp::Ne, FilterValue::Int(0)),
                    ],
                    limit: 500,
                    ..ListQuery::default()
                },
            )
            .await
            .map_err(fail)?;
        out.extend(open.iter().map(|i| {
            (
                i.name(),
                format!("{} · {} outstanding", i.party_name, i.outstanding),
            )
        }));
    }
    Ok(out)
}

impl KindPage for Payments {
    const SECTION: &'static str = "payments";
    const PLURAL: &'static str = "Payments";

    fn key(doc: &PaymentDoc) -> String {
        doc.name.clone()
    }

    fn docstatus(doc: &PaymentDoc) -> Option<Docstatus> {
        Some(doc.payment.docstatus)
    }

    async fn filters(
        _c: &BooksCaller,
        q: &FormData,
        filters: &mut Vec<Filter>,
        errors: &mut Vec<String>,
    ) -> Result<Vec<Field>, Response> {
        match q.get("type") {
            "receive" | "pay" => filters.push(filter(
                "payment_type",
                FilterOp::Eq,
                FilterValue::Text(q.get("type").into()),
            )),
            _ => {}
        }
        let mut fields = vec![
            search_field(q, "Search"),
            Field::select(
                "type",
                "Type",
                q.get("type"),
                options(&[("", "All"), ("receive", "Received"), ("pay", "Paid")]),
            ),
            docstatus_filter(q, filters, &[]),
        ];
        fields.extend(date_span(q, filters, errors));
        Ok(fields)
    }

    fn columns(_c: &BooksCaller) -> (&'static [&'static str], &'static [usize]) {
        (
            &[
                "Number",
                "Type",
                "Party",
                "Date",
                "Amount",
                "Account",
                "Reference",
                "Status",
            ],
            &[4],
        )
    }

    async fn rows(c: &BooksCaller, q: &FormData, filters: Vec<Filter>) -> Result<Listed, Response> {
        Listed::page::<Self>(c, q, filters, |r: &PaymentRow| {
            let p = &r.row;
            Row::from(vec![
                Cell::link(&r.name, Self::href(&r.name)),
                Cell::text(direction_text(p.direction)),
                Cell::text(&p.party_name),
                Cell::text(p.posting_date.to_string()),
                Cell::money(p.amount),
                Cell::text(&p.account_name),
                Cell::text(&p.reference),
                Cell::text(docstatus_text(p.docstatus).0),
            ])
        })
        .await
    }

    /// A new payment; with `invoice`, one settling what that invoice still owes (a credit
    /// note's balance is paid back the other way).
    async fn blank(c: &BooksCaller, q: &FormData) -> Result<FormData, Response> {
        let mut v = FormData::default();
        v.push("posting_date", today().to_string());
        v.push("payment_type", "receive");
        v.push("party_type", "customer");
        let invoice = q.get("invoice").trim();
        if !invoice.is_empty() {
            let k = if invoice.starts_with("PINV") {
                InvoiceKind::Purchase
            } else {
                InvoiceKind::Sales
            };
            let doc = c
                .books
                .invoice_doc(k, invoice, today())
                .await
                .map_err(fail)?;
            let owed = doc.invoice.outstanding;
            let direction = if owed.is_negative() {
                match k.settled_by() {
                    PaymentDirection::Receive => PaymentDirection::Pay,
                    PaymentDirection::Pay => PaymentDirection::Receive,
                }
            } else {
                k.settled_by()
            };
            v.set("payment_type", direction.as_str());
            v.set(
                "party_type",
                match k {
                    InvoiceKind::Sales => "customer",
                    InvoiceKind::Purchase => "supplier",
                },
            );
            v.push("party", &doc.invoice.party_name);
            v.push("amount", owed.abs().to_string());
            v.push("line_invoice", &doc.name);
            v.push("line_amount", owed.abs().to_string());
        }
        Ok(v)
    }

    async fn form(
        c: &BooksCaller,
        _existing: Option<&str>,
        v: &FormData,
    ) -> Result<FormParts, Response> {
        let ch = choices(c).await?;
        let open = open_invoices(c).await?;
        let mut parties = ch.customers;
        parties.extend(ch.suppliers);
        let rows = line_rows(
            v,
            &LINES,
            |name, value| match name {
                "line_invoice" => Field::text(name, "Invoice", value).list("open-invoices"),
                _ => Field::new("money", name, "Amount", value),
            },
            3,
        );
        Ok(FormParts {
            title: None,
            fields: vec![
                Field::select(
                    "payment_type",
                    "Type",
                    v.get("payment_type"),
                    options(&[
                        ("receive", "Receive (money in)"),
                        ("pay", "Pay (money out)"),
                    ]),
                ),
                Field::select(
                    "party_type",
                    "Party type",
                    v.get("party_type"),
                    party_type_options(None),
                ),
                Field::text("party", "Party", v.get("party"))
                    .required()
                    .list("parties"),
                Field::new("date", "posting_date", "Date", v.get("posting_date")),
                Field::new("money", "amount", "Amount", v.get("amount"))
                    .hint("The allocations' total when blank."),
                Field::select(
                    "account",
                    "Bank or cash account",
                    v.get("account"),
                    ch.money_accounts,
                ),
                Field::text("reference", "Reference", v.get("reference")),
                Field::new("textarea", "remarks", "Remarks", v.get("remarks")),
            ],
            lines: Some(LinesView {
                title: "Allocated to invoices",
                hint: "The allocations add up to the amount. Empty lines are left out.",
                headers: labels(&LINES),
                rows,
                totals: None,
            }),
            datalists: vec![
                Datalist {
                    id: "parties",
                    options: parties,
                    facts: String::new(),
                },
                Datalist {
                    id: "open-invoices",
                    options: open,
                    facts: String::new(),
                },
            ],
            submit_label: "Save draft",
        })
    }

    fn body(f: &FormData) -> Result<PaymentBody, String> {
        let invoices = f.all("line_invoice");
        let amounts = f.all("line_amount");
        let mut allocations = Vec::new();
        for i in 0..invoices.len().max(amounts.len()) {
            let (invoice, amount) = (at(&invoices, i), at(&amounts, i));
            if invoice.is_empty() && amount.is_empty() {
                continue;
            }
            let n = allocations.len() + 1;
            if invoice.is_empty() {
                return Err(format!("allocation {n}: name the invoice"));
            }
            allocations.push(AllocationBody {
                invoice: invoice.to_owned(),
                amount: parse_amount(&format!("allocation {n}: amount"), amount)?
                    .ok_or_else(|| format!("allocation {n}: the amount is required"))?,
            });
        }
        let amount = match parse_amount("Amount", f.get("amount"))? {
            Some(a) => a,
            None => allocations.iter().map(|a| a.amount).sum(),
        };
        let account = f.get("account").trim();
        Ok(PaymentBody {
            payment_type: PaymentDirection::parse(f.get("payment_type")).map_err(|e| e.message)?,
            party_type: parse_party_type(f.get("party_type"))?
                .ok_or("Party type: choose customer or supplier")?,
            party: f.get("party").to_owned(),
            posting_date: parse_date("Date", f.get("posting_date"))?,
            amount,
            account: (!account.is_empty()).then(|| account.to_owned()),
            reference: f.get("reference").to_owned(),
            remarks: f.get("remarks").to_owned(),
            allocations,
            submit: false,
        })
    }
}

impl EditablePage for Payments {
    async fn values(c: &BooksCaller, doc: &PaymentDoc) -> Result<FormData, Response> {
        let accounts = c.books.accounts().await.map_err(fail)?;
        let p = &doc.payment;
        let mut v = FormData::default();
        v.push("payment_type", p.direction.as_str());
        v.push("party_type", &p.party_kind);
        v.push("party", &p.party_name);
        v.push("posting_date", p.posting_date.to_string());
        v.push("amount", p.amount.to_string());
        v.push("account", account_number(&accounts, p.account_id));
        v.push("reference", &p.reference);
        v.push("remarks", &p.remarks);
        for a in &doc.allocations {
            v.push("line_invoice", a.invoice_number.clone().unwrap_or_default());
            v.push("line_amount", a.amount.to_string());
        }
        Ok(v)
    }

    fn change(f: &FormData) -> Result<PaymentBody, String> {
        Self::body(f)
    }
}

impl Viewed for Payments {
    async fn page(_c: &BooksCaller, doc: PaymentDoc, l: Layout) -> Result<DocPage, Response> {
        let amount = l.money(doc.payment.amount);
        let p = &doc.payment;
        let supplier = p.party_kind.as_str() == "supplier";
        let rows = doc
            .allocations
            .iter()
            .map(|a| {
                let n = a.invoice_number.clone().unwrap_or_default();
                let href = if supplier {
                    PurchaseInvoices::href(&n)
                } else {
                    SalesInvoices::href(&n)
                };
                Row::from(vec![Cell::link(&n, href), Cell::money(a.amount)])
            })
            .collect();
        let party = if supplier {
            Suppliers::href(&p.party_name)
        } else {
            Customers::href(&p.party_name)
        };
        let (status, class) = docstatus_text(p.docstatus);
        Ok(DocPage {
            l,
            title: format!("Payment {}", doc.name),
            status: status.into(),
            status_class: class,
            notice: None,
            error: None,
            facts: vec![
                ("Type".into(), direction_text(p.direction).into()),
                ("Party".into(), p.party_name.clone()),
                ("Date".into(), p.posting_date.to_string()),
                ("Amount".into(), amount),
                ("Account".into(), p.account_name.clone()),
                ("Reference".into(), p.reference.clone()),
                ("Remarks".into(), p.remarks.clone()),
                ("Created by".into(), p.created_by.clone()),
            ],
            tables: vec![TableView::new(
                headers(&["Invoice", "Allocated"], &[1]),
                rows,
                "Not allocated.",
            )
            .titled("Allocations")],
            totals: Vec::new(),
            confirms: Vec::new(),
            links: vec![Link::secondary("Party", party)],
        })
    }
}
