//! Document pages: sales and purchase invoices (and their credit notes), payments, journal
//! entries and stock entries. Each has a list, a form for a new draft (invoices can also be
//! edited while drafts), a page of its own, and submit and cancel behind a confirmation.

use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tenantry_domain::books::{Amount, Docstatus, InvoiceKind, PaymentDirection, VatCategory};
use tenantry_domain::Permission;
use tenantry_erp::invoices::{InvoiceDoc, InvoiceInput, LineInput};
use tenantry_erp::journals::{JournalInput, JournalLineInput};
use tenantry_erp::payments::{AllocationInput, PaymentInput};
use tenantry_erp::stock::{StockEntryInput, StockLineInput};
use tenantry_erp::ErpError;
use tenantry_store::books::{
    Account, Filter, FilterOp, FilterValue, ListQuery, PartyKind, StockPurpose,
};

use super::masters::vat_options;
use super::{
    check_csrf, date_filters, fail, filter, headers, list_query, options, pager, parse_amount,
    parse_date, parse_qty, refused, search_field, see, seg, take_page, today, Cell, Confirm,
    ConfirmPage, Datalist, DocPage, Field, FormData, FormPage, Layout, LinesView, Link, ListPage,
    Page, Refused, Row, TableView,
};
use crate::books::BooksCaller;
use crate::pages::render;
use crate::AppState;

/// The kinds of document these pages handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocKind {
    Invoice(InvoiceKind),
    Payment,
    Journal,
    StockEntry,
}

impl DocKind {
    const ALL: [DocKind; 5] = [
        DocKind::Invoice(InvoiceKind::Sales),
        DocKind::Invoice(InvoiceKind::Purchase),
        DocKind::Payment,
        DocKind::Journal,
        DocKind::StockEntry,
    ];

    pub fn base(self) -> &'static str {
        match self {
            DocKind::Invoice(InvoiceKind::Sales) => "/books/sales-invoices",
            DocKind::Invoice(InvoiceKind::Purchase) => "/books/purchase-invoices",
            DocKind::Payment => "/books/payments",
            DocKind::Journal => "/books/journal-entries",
            DocKind::StockEntry => "/books/stock-entries",
        }
    }

    fn label(self) -> &'static str {
        match self {
            DocKind::Invoice(InvoiceKind::Sales) => "Sales invoice",
            DocKind::Invoice(InvoiceKind::Purchase) => "Purchase invoice",
            DocKind::Payment => "Payment",
            DocKind::Journal => "Journal entry",
            DocKind::StockEntry => "Stock entry",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            DocKind::Invoice(InvoiceKind::Sales) => "Sales invoices",
            DocKind::Invoice(InvoiceKind::Purchase) => "Purchase invoices",
            DocKind::Payment => "Payments",
            DocKind::Journal => "Journal entries",
            DocKind::StockEntry => "Stock entries",
        }
    }

    fn section(self) -> &'static str {
        match self {
            DocKind::Invoice(InvoiceKind::Sales) => "sales",
            DocKind::Invoice(InvoiceKind::Purchase) => "purchases",
            DocKind::Payment | DocKind::Journal => "payments",
            DocKind::StockEntry => "stock",
        }
    }

    /// The right to write a draft of this kind: sales documents for employees up, the rest for
    /// managers up.
    fn create_permission(self) -> Permission {
        match self {
            DocKind::Invoice(InvoiceKind::Sales) => Permission::ErpCreateSales,
            _ => Permission::ErpCreateAny,
        }
    }

    fn href(self, name: &str) -> String {
        format!("{}/{}", self.base(), seg(name))
    }

    async fn submit(self, c: &BooksCaller, name: &str) -> Result<String, ErpError> {
        Ok(match self {
            DocKind::Invoice(k) => c.books.submit_invoice(k, name, today()).await?.name,
            DocKind::Payment => c.books.submit_payment(name).await?.name,
            DocKind::Journal => c.books.submit_journal(name).await?.name,
            DocKind::StockEntry => c.books.submit_stock_entry(name).await?.name,
        })
    }

    async fn cancel(self, c: &BooksCaller, name: &str) -> Result<String, ErpError> {
        Ok(match self {
            DocKind::Invoice(k) => c.books.cancel_invoice(k, name, today()).await?.name,
            DocKind::Payment => c.books.cancel_payment(name).await?.name,
            DocKind::Journal => c.books.cancel_journal(name).await?.name,
            DocKind::StockEntry => c.books.cancel_stock_entry(name).await?.name,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Submit,
    Cancel,
}

impl Action {
    fn slug(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Cancel => "cancel",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Action::Submit => "Submit",
            Action::Cancel => "Cancel document",
        }
    }

    fn permission(self) -> Permission {
        match self {
            Action::Submit => Permission::ErpSubmit,
            Action::Cancel => Permission::ErpCancel,
        }
    }

    fn question(self, kind: DocKind, name: &str) -> String {
        match self {
            Action::Submit => format!(
                "Submit {name}? It is numbered and posted to the books, and can no longer be changed; only cancelled."
            ),
            Action::Cancel => format!(
                "Cancel {name}? The exact reversal of what the {} posted is recorded; the document stays, marked cancelled.",
                kind.label().to_lowercase()
            ),
        }
    }

    fn confirm(self, kind: DocKind, name: &str) -> Confirm {
        let href = format!("{}/{}", kind.href(name), self.slug());
        Confirm {
            id: self.slug(),
            label: self.label(),
            action: href.clone(),
            href,
            question: self.question(kind, name),
            danger: self == Action::Cancel,
        }
    }
}

type Pairs = Vec<(String, String)>;

pub fn router() -> Router<AppState> {
    let mut r = Router::new();
    for kind in DocKind::ALL {
        let base = kind.base();
        r = r
            .route(
                base,
                get(move |c: BooksCaller, Query(q): Query<Pairs>| list(kind, c, FormData(q))).post(
                    move |c: BooksCaller, Form(f): Form<Pairs>| save(kind, c, None, FormData(f)),
                ),
            )
            .route(
                &format!("{base}/new"),
                get(move |c: BooksCaller, Query(q): Query<Pairs>| new(kind, c, FormData(q))),
            )
            .route(
                &format!("{base}/{{name}}"),
                // A draft's form posts its changes here.
                get(move |c: BooksCaller, Path(name): Path<String>| view(kind, c, name, None))
                    .post(
                        move |c: BooksCaller, Path(name): Path<String>, Form(f): Form<Pairs>| {
                            save(kind, c, Some(name), FormData(f))
                        },
                    ),
            )
            .route(
                &format!("{base}/{{name}}/edit"),
                get(move |c: BooksCaller, Path(name): Path<String>| edit(kind, c, name)),
            );
        for action in [Action::Submit, Action::Cancel] {
            r = r.route(
                &format!("{base}/{{name}}/{}", action.slug()),
                get(move |c: BooksCaller, Path(name): Path<String>| {
                    confirm_page(kind, action, c, name)
                })
                .post(
                    move |c: BooksCaller, Path(name): Path<String>, Form(f): Form<Pairs>| {
                        act(kind, action, c, name, FormData(f))
                    },
                ),
            );
        }
    }
    r
}

fn docstatus_text(d: Docstatus) -> (&'static str, &'static str) {
    match d {
        Docstatus::Draft => ("Draft", "draft"),
        Docstatus::Submitted => ("Submitted", "submitted"),
        Docstatus::Cancelled => ("Cancelled", "cancelled"),
    }
}

/// The status filter every document list has.
fn docstatus_filter(q: &FormData, filters: &mut Vec<Filter>, extra: &[(&str, &str)]) -> Field {
    let code = match q.get("status") {
        "draft" => Some(0),
        "submitted" | "unpaid" | "overdue" => Some(1),
        "cancelled" => Some(2),
        _ => None,
    };
    if let Some(code) = code {
        filters.push(filter("docstatus", FilterOp::Eq, FilterValue::Int(code)));
    }
    let mut o = vec![("", "All"), ("draft", "Draft"), ("submitted", "Submitted")];
    o.extend_from_slice(extra);
    o.push(("cancelled", "Cancelled"));
    Field::select("status", "Status", q.get("status"), options(&o))
}

fn date_fields(q: &FormData) -> [Field; 2] {
    [
        Field::new("date", "from", "From", q.get("from")),
        Field::new("date", "to", "To", q.get("to")),
    ]
}

// ---- lists ----

async fn list(kind: DocKind, c: BooksCaller, q: FormData) -> Page {
    let l = Layout::load(&c, kind.section()).await?;
    let mut filters = Vec::new();
    let mut errors = Vec::new();
    let mut fields = vec![search_field(&q, "Search")];
    let (head, numeric, rows, more): (&[&str], &[usize], Vec<Row>, bool) = match kind {
        DocKind::Invoice(k) => {
            fields.push(docstatus_filter(
                &q,
                &mut filters,
                &[("unpaid", "Unpaid"), ("overdue", "Overdue")],
            ));
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
            date_filters(&q, "posting_date", &mut filters, &mut errors);
            let mut rows = c
                .books
                .list_invoices(k, &list_query(&q, filters))
                .await
                .map_err(fail)?;
            let more = take_page(&mut rows);
            let today = today();
            let rows = rows
                .iter()
                .map(|i| {
                    let status = i.status(today);
                    let name = i.name();
                    Row::from(vec![
                        Cell::link(&name, kind.href(&name)),
                        Cell::text(&i.party_name),
                        Cell::text(i.posting_date.to_string()),
                        Cell::text(i.due_date.to_string()),
                        Cell::num(i.grand_total),
                        // Only a submitted invoice owes anything.
                        Cell::num(if i.docstatus == Docstatus::Submitted {
                            i.outstanding.to_string()
                        } else {
                            String::new()
                        }),
                        Cell::text(status.label()),
                    ])
                })
                .collect();
            let party = match k {
                InvoiceKind::Sales => "Customer",
                InvoiceKind::Purchase => "Supplier",
            };
            (
                match party {
                    "Customer" => &[
                        "Number",
                        "Customer",
                        "Date",
                        "Due",
                        "Total",
                        "Outstanding",
                        "Status",
                    ],
                    _ => &[
                        "Number",
                        "Supplier",
                        "Date",
                        "Due",
                        "Total",
                        "Outstanding",
                        "Status",
                    ],
                },
                &[4, 5],
                rows,
                more,
            )
        }
        DocKind::Payment => {
            match q.get("type") {
                "receive" | "pay" => filters.push(filter(
                    "payment_type",
                    FilterOp::Eq,
                    FilterValue::Text(q.get("type").into()),
                )),
                _ => {}
            }
            fields.push(Field::select(
                "type",
                "Type",
                q.get("type"),
                options(&[("", "All"), ("receive", "Received"), ("pay", "Paid")]),
            ));
            fields.push(docstatus_filter(&q, &mut filters, &[]));
            date_filters(&q, "posting_date", &mut filters, &mut errors);
            let mut rows = c
                .books
                .list_payments(&list_query(&q, filters))
                .await
                .map_err(fail)?;
            let more = take_page(&mut rows);
            let rows = rows
                .iter()
                .map(|p| {
                    let name = p.name();
                    Row::from(vec![
                        Cell::link(&name, kind.href(&name)),
                        Cell::text(match p.direction {
                            PaymentDirection::Receive => "Received",
                            PaymentDirection::Pay => "Paid",
                        }),
                        Cell::text(&p.party_name),
                        Cell::text(p.posting_date.to_string()),
                        Cell::num(p.amount),
                        Cell::text(&p.account_name),
                        Cell::text(&p.reference),
                        Cell::text(docstatus_text(p.docstatus).0),
                    ])
                })
                .collect();
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
                rows,
                more,
            )
        }
        DocKind::Journal => {
            fields.push(docstatus_filter(&q, &mut filters, &[]));
            date_filters(&q, "posting_date", &mut filters, &mut errors);
            let mut rows = c
                .books
                .list_journals(&list_query(&q, filters))
                .await
                .map_err(fail)?;
            let more = take_page(&mut rows);
            let rows = rows
                .iter()
                .map(|j| {
                    let name = j.name();
                    Row::from(vec![
                        Cell::link(&name, kind.href(&name)),
                        Cell::text(j.posting_date.to_string()),
                        Cell::num(j.total_debit),
                        Cell::text(&j.remarks),
                        Cell::text(docstatus_text(j.docstatus).0),
                    ])
                })
                .collect();
            (
                &["Number", "Date", "Total", "Remarks", "Status"],
                &[2],
                rows,
                more,
            )
        }
        DocKind::StockEntry => {
            if let Some(p) = StockPurpose::parse(q.get("purpose")) {
                filters.push(filter(
                    "purpose",
                    FilterOp::Eq,
                    FilterValue::Text(p.as_str().into()),
                ));
            }
            fields.push(Field::select(
                "purpose",
                "Purpose",
                q.get("purpose"),
                purpose_options(Some("All")),
            ));
            fields.push(docstatus_filter(&q, &mut filters, &[]));
            date_filters(&q, "posting_date", &mut filters, &mut errors);
            let mut rows = c
                .books
                .list_stock_entries(&list_query(&q, filters))
                .await
                .map_err(fail)?;
            let more = take_page(&mut rows);
            let rows = rows
                .iter()
                .map(|e| {
                    let name = e.name();
                    Row::from(vec![
                        Cell::link(&name, kind.href(&name)),
                        Cell::text(e.purpose.title()),
                        Cell::text(e.posting_date.to_string()),
                        Cell::text(&e.remarks),
                        Cell::text(docstatus_text(e.docstatus).0),
                    ])
                })
                .collect();
            (
                &["Number", "Purpose", "Date", "Remarks", "Status"],
                &[],
                rows,
                more,
            )
        }
    };
    fields.extend(date_fields(&q));
    let mut actions = Vec::new();
    if c.can(kind.create_permission()) {
        actions.push(Link::new(
            &format!("New {}", kind.label().to_lowercase()),
            format!("{}/new", kind.base()),
        ));
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &ListPage {
            l,
            title: kind.plural().into(),
            intro: String::new(),
            actions,
            filters: fields,
            error: (!errors.is_empty()).then(|| errors.join("; ")),
            tables: vec![TableView::new(
                headers(head, numeric),
                rows,
                &format!("No {} match.", kind.plural().to_lowercase()),
            )],
            pager: pager(kind.base(), &q, more),
        },
    ))
}

// ---- shared pieces of the forms ----

/// The parties, items, warehouses and accounts a form offers.
struct Choices {
    customers: Vec<(String, String)>,
    suppliers: Vec<(String, String)>,
    items: Vec<(String, String)>,
    stock_items: Vec<(String, String)>,
    warehouses: Vec<(String, String)>,
    ledger_accounts: Vec<(String, String)>,
    money_accounts: Vec<(String, String)>,
}

fn enabled() -> Vec<Filter> {
    vec![filter("disabled", FilterOp::Eq, FilterValue::Bool(false))]
}

async fn choices(c: &BooksCaller) -> Result<Choices, Response> {
    let many = |filters: Vec<Filter>| ListQuery {
        filters,
        limit: 1_000,
        ..ListQuery::default()
    };
    let active = many(enabled());
    let customers = c
        .books
        .list_parties(PartyKind::Customer, &active)
        .await
        .map_err(fail)?;
    let suppliers = c
        .books
        .list_parties(PartyKind::Supplier, &active)
        .await
        .map_err(fail)?;
    let items = c.books.list_items(&active).await.map_err(fail)?;
    let warehouses = c.books.list_warehouses(&active).await.map_err(fail)?;
    let accounts = c.books.accounts().await.map_err(fail)?;
    let ledger: Vec<_> = accounts
        .iter()
        .filter(|a| !a.is_group && !a.disabled)
        .collect();
    Ok(Choices {
        customers: customers
            .iter()
            .map(|p| (p.name.clone(), "Customer".to_owned()))
            .collect(),
        suppliers: suppliers
            .iter()
            .map(|p| (p.name.clone(), "Supplier".to_owned()))
            .collect(),
        items: items
            .iter()
            .map(|i| (i.code.clone(), format!("{} · {}", i.name, i.selling_price)))
            .collect(),
        stock_items: items
            .iter()
            .filter(|i| i.is_stock)
            .map(|i| (i.code.clone(), i.name.clone()))
            .collect(),
        warehouses: warehouses
            .iter()
            .map(|w| (w.name.clone(), w.name.clone()))
            .collect(),
        ledger_accounts: ledger
            .iter()
            .map(|a| (a.number.clone(), format!("{} {}", a.number, a.name)))
            .collect(),
        money_accounts: ledger
            .iter()
            .filter(|a| a.account_type.is_money())
            .map(|a| (a.number.clone(), format!("{} {}", a.number, a.name)))
            .collect(),
    })
}

fn with_blank(blank: &str, mut o: Vec<(String, String)>) -> Vec<(String, String)> {
    o.insert(0, (String::new(), blank.to_owned()));
    o
}

fn purpose_options(blank: Option<&str>) -> Vec<(String, String)> {
    let mut o: Vec<(String, String)> = blank
        .map(|b| vec![(String::new(), b.to_owned())])
        .unwrap_or_default();
    for p in [
        StockPurpose::Receipt,
        StockPurpose::Issue,
        StockPurpose::Transfer,
    ] {
        o.push((p.as_str().to_owned(), p.title().to_owned()));
    }
    o
}

fn party_type_options(blank: Option<&str>) -> Vec<(String, String)> {
    let mut o: Vec<(String, String)> = blank
        .map(|b| vec![(String::new(), b.to_owned())])
        .unwrap_or_default();
    o.extend(options(&[
        ("customer", "Customer"),
        ("supplier", "Supplier"),
    ]));
    o
}

fn parse_party_type(s: &str) -> Result<Option<PartyKind>, String> {
    match s.trim() {
        "" => Ok(None),
        "customer" | "Customer" => Ok(Some(PartyKind::Customer)),
        "supplier" | "Supplier" => Ok(Some(PartyKind::Supplier)),
        other => Err(format!("{other:?} is not a customer or supplier")),
    }
}

/// The rows of a form's line table, from the submitted values (or the document's) of each
/// column, with empty rows after them to fill in.
fn line_rows(
    v: &FormData,
    columns: &[(&'static str, &'static str)],
    make: impl Fn(&'static str, &str) -> Field,
    minimum: usize,
) -> Vec<Vec<Field>> {
    let values: Vec<Vec<&str>> = columns.iter().map(|(name, _)| v.all(name)).collect();
    let mut rows = Vec::new();
    let longest = values.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        let row: Vec<&str> = values
            .iter()
            .map(|col| col.get(i).copied().unwrap_or(""))
            .collect();
        if row.iter().all(|s| s.trim().is_empty()) {
            continue;
        }
        rows.push(
            columns
                .iter()
                .zip(&row)
                .map(|((name, _), value)| make(name, value))
                .collect::<Vec<Field>>(),
        );
    }
    let wanted = minimum.max(rows.len() + 2);
    while rows.len() < wanted {
        rows.push(columns.iter().map(|(name, _)| make(name, "")).collect());
    }
    rows
}

/// The cell of column `i` in a form's line table, `""` past its end.
fn at<'a>(column: &[&'a str], i: usize) -> &'a str {
    column.get(i).copied().unwrap_or("").trim()
}

// ---- new, edit, save ----

async fn new(kind: DocKind, c: BooksCaller, q: FormData) -> Page {
    c.require(kind.create_permission())?;
    let mut v = FormData::default();
    v.push("posting_date", today().to_string());
    match kind {
        DocKind::Invoice(k) => {
            let against = q.get("return_against").trim();
            if !against.is_empty() {
                let doc = c
                    .books
                    .invoice_doc(k, against, today())
                    .await
                    .map_err(fail)?;
                let warehouses = warehouse_names(&c).await?;
                v.push("party", &doc.invoice.party_name);
                v.push("is_return", "1");
                v.push("return_against", &doc.name);
                v.push("remarks", format!("Credit for {}", doc.name));
                push_lines(&mut v, &doc, &warehouses);
            }
        }
        DocKind::Payment => {
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
        }
        DocKind::Journal => {}
        DocKind::StockEntry => {
            v.push("purpose", "receipt");
        }
    }
    Ok(render(
        StatusCode::OK,
        &form(kind, &c, None, &v, None).await?,
    ))
}

async fn warehouse_names(c: &BooksCaller) -> Result<Vec<(i64, String)>, Response> {
    Ok(c.books
        .list_warehouses(&ListQuery {
            limit: 1_000,
            ..ListQuery::default()
        })
        .await
        .map_err(fail)?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect())
}

fn warehouse_name(warehouses: &[(i64, String)], id: Option<i64>) -> String {
    id.and_then(|id| warehouses.iter().find(|w| w.0 == id))
        .map(|w| w.1.clone())
        .unwrap_or_default()
}

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
        v.push("line_qty", l.qty.abs().to_string());
        v.push("line_rate", l.rate.to_string());
        v.push("line_vat", l.vat_category.as_str());
        v.push("line_warehouse", warehouse_name(warehouses, l.warehouse_id));
    }
}

/// A draft's form, filled with what it holds.
async fn edit(kind: DocKind, c: BooksCaller, name: String) -> Page {
    c.require(kind.create_permission())?;
    // The forms name accounts by number; drafts hold their ids.
    let number_of = |accounts: &[Account], id: i64| {
        accounts
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.number.clone())
            .unwrap_or_default()
    };
    let mut v = FormData::default();
    let (shown, docstatus) = match kind {
        DocKind::Invoice(k) => {
            let doc = c.books.invoice_doc(k, &name, today()).await.map_err(fail)?;
            let warehouses = warehouse_names(&c).await?;
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
            push_lines(&mut v, &doc, &warehouses);
            (doc.name, doc.invoice.docstatus)
        }
        DocKind::Payment => {
            let doc = c.books.payment_doc(&name).await.map_err(fail)?;
            let accounts = c.books.accounts().await.map_err(fail)?;
            let p = &doc.payment;
            v.push("payment_type", p.direction.as_str());
            v.push("party_type", &p.party_kind);
            v.push("party", &p.party_name);
            v.push("posting_date", p.posting_date.to_string());
            v.push("amount", p.amount.to_string());
            v.push("account", number_of(&accounts, p.account_id));
            v.push("reference", &p.reference);
            v.push("remarks", &p.remarks);
            for a in &doc.allocations {
                v.push("line_invoice", a.invoice_number.clone().unwrap_or_default());
                v.push("line_amount", a.amount.to_string());
            }
            (doc.name, p.docstatus)
        }
        DocKind::Journal => {
            let doc = c.books.journal_doc(&name).await.map_err(fail)?;
            let accounts = c.books.accounts().await.map_err(fail)?;
            v.push("posting_date", doc.journal.posting_date.to_string());
            v.push("remarks", &doc.journal.remarks);
            for l in &doc.accounts {
                let figure = |a: Amount| {
                    if a.is_zero() {
                        String::new()
                    } else {
                        a.to_string()
                    }
                };
                v.push("line_account", number_of(&accounts, l.account_id));
                v.push("line_party_type", l.party_kind.clone().unwrap_or_default());
                v.push("line_party", l.party_name.clone().unwrap_or_default());
                v.push("line_debit", figure(l.debit));
                v.push("line_credit", figure(l.credit));
            }
            (doc.name, doc.journal.docstatus)
        }
        DocKind::StockEntry => {
            let doc = c.books.stock_entry_doc(&name).await.map_err(fail)?;
            let warehouses = warehouse_names(&c).await?;
            v.push("purpose", doc.entry.purpose.as_str());
            v.push("posting_date", doc.entry.posting_date.to_string());
            v.push("remarks", &doc.entry.remarks);
            for l in &doc.items {
                v.push("line_item", &l.item_code);
                v.push("line_qty", l.qty.to_string());
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
            (doc.name, doc.entry.docstatus)
        }
    };
    docstatus
        .ensure_editable(|| shown.clone())
        .map_err(|e| fail(e.into()))?;
    Ok(render(
        StatusCode::OK,
        &form(kind, &c, Some(&shown), &v, None).await?,
    ))
}

const INVOICE_LINES: [(&str, &str); 6] = [
    ("line_item", "Item"),
    ("line_description", "Description"),
    ("line_qty", "Qty"),
    ("line_rate", "Rate"),
    ("line_vat", "VAT"),
    ("line_warehouse", "Warehouse"),
];
const ALLOCATION_LINES: [(&str, &str); 2] =
    [("line_invoice", "Invoice"), ("line_amount", "Amount")];
const JOURNAL_LINES: [(&str, &str); 5] = [
    ("line_account", "Account"),
    ("line_party_type", "Party type"),
    ("line_party", "Party"),
    ("line_debit", "Debit"),
    ("line_credit", "Credit"),
];
const STOCK_LINES: [(&str, &str); 5] = [
    ("line_item", "Item"),
    ("line_qty", "Qty"),
    ("line_from", "From warehouse"),
    ("line_to", "To warehouse"),
    ("line_rate", "Cost per unit"),
];

fn labels(columns: &[(&'static str, &'static str)]) -> Vec<&'static str> {
    columns.iter().map(|(_, l)| *l).collect()
}

/// The form of a new document, or of a draft being changed.
async fn form(
    kind: DocKind,
    c: &BooksCaller,
    existing: Option<&str>,
    v: &FormData,
    error: Option<String>,
) -> Result<FormPage, Response> {
    let l = Layout::load(c, kind.section()).await?;
    let ch = choices(c).await?;
    let (title, action, back) = match existing {
        Some(name) => (format!("Edit {name}"), kind.href(name), kind.href(name)),
        None => (
            format!("New {}", kind.label().to_lowercase()),
            kind.base().to_owned(),
            kind.base().to_owned(),
        ),
    };
    let date = Field::new("date", "posting_date", "Date", v.get("posting_date"));
    let remarks = Field::new("textarea", "remarks", "Remarks", v.get("remarks"));
    let (title, fields, lines, datalists, submit_label) = match kind {
        DocKind::Invoice(k) => {
            let is_return = v.has("is_return");
            let (party_label, parties) = match k {
                InvoiceKind::Sales => ("Customer", ch.customers),
                InvoiceKind::Purchase => ("Supplier", ch.suppliers),
            };
            let mut fields = vec![
                Field::text("party", party_label, v.get("party"))
                    .required()
                    .list("parties"),
                date,
                Field::new("date", "due_date", "Due date", v.get("due_date"))
                    .hint("From the payment terms when blank."),
                remarks,
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
                &INVOICE_LINES,
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
            let title = if is_return && existing.is_none() {
                format!("New credit note against {}", v.get("return_against"))
            } else {
                title
            };
            (
                title,
                fields,
                LinesView {
                    title: "Lines",
                    hint: "A blank rate is the item's price; empty lines are left out. Stocked items leave from (or arrive at) the default warehouse unless one is chosen.",
                    headers: labels(&INVOICE_LINES),
                    rows,
                },
                vec![
                    Datalist {
                        id: "parties",
                        options: parties,
                    },
                    Datalist {
                        id: "items",
                        options: ch.items,
                    },
                ],
                "Save draft",
            )
        }
        DocKind::Payment => {
            let open = open_invoices(c).await?;
            let mut parties = ch.customers;
            parties.extend(ch.suppliers);
            let rows = line_rows(
                v,
                &ALLOCATION_LINES,
                |name, value| match name {
                    "line_invoice" => Field::text(name, "Invoice", value).list("open-invoices"),
                    _ => Field::new("money", name, "Amount", value),
                },
                3,
            );
            (
                title,
                vec![
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
                    date,
                    Field::new("money", "amount", "Amount", v.get("amount"))
                        .hint("The allocations' total when blank."),
                    Field::select(
                        "account",
                        "Bank or cash account",
                        v.get("account"),
                        ch.money_accounts,
                    ),
                    Field::text("reference", "Reference", v.get("reference")),
                    remarks,
                ],
                LinesView {
                    title: "Allocated to invoices",
                    hint: "The allocations add up to the amount. Empty lines are left out.",
                    headers: labels(&ALLOCATION_LINES),
                    rows,
                },
                vec![
                    Datalist {
                        id: "parties",
                        options: parties,
                    },
                    Datalist {
                        id: "open-invoices",
                        options: open,
                    },
                ],
                "Save draft",
            )
        }
        DocKind::Journal => {
            let mut parties = ch.customers;
            parties.extend(ch.suppliers);
            let accounts = with_blank("—", ch.ledger_accounts);
            let party_types = party_type_options(Some("—"));
            let rows = line_rows(
                v,
                &JOURNAL_LINES,
                |name, value| match name {
                    "line_account" => Field::select(name, "Account", value, accounts.clone()),
                    "line_party_type" => {
                        Field::select(name, "Party type", value, party_types.clone())
                    }
                    "line_party" => Field::text(name, "Party", value).list("parties"),
                    "line_debit" => Field::new("money", name, "Debit", value),
                    _ => Field::new("money", name, "Credit", value),
                },
                4,
            );
            (
                title,
                vec![date, remarks],
                LinesView {
                    title: "Lines",
                    hint: "Debits and credits must balance. Receivable and payable lines name their party.",
                    headers: labels(&JOURNAL_LINES),
                    rows,
                },
                vec![Datalist {
                    id: "parties",
                    options: parties,
                }],
                "Save draft",
            )
        }
        DocKind::StockEntry => {
            let warehouses = with_blank("—", ch.warehouses);
            let rows = line_rows(
                v,
                &STOCK_LINES,
                |name, value| match name {
                    "line_item" => Field::text(name, "Item", value).list("stock-items"),
                    "line_qty" => Field::new("qty", name, "Qty", value),
                    "line_from" => Field::select(name, "From warehouse", value, warehouses.clone()),
                    "line_to" => Field::select(name, "To warehouse", value, warehouses.clone()),
                    _ => Field::new("money", name, "Cost per unit", value),
                },
                4,
            );
            (
                title,
                vec![
                    Field::select("purpose", "Purpose", v.get("purpose"), purpose_options(None)),
                    date,
                    remarks,
                ],
                LinesView {
                    title: "Items",
                    hint: "A receipt names the warehouse goods go to, an issue the one they leave, a transfer both. A blank cost is the item's buying price.",
                    headers: labels(&STOCK_LINES),
                    rows,
                },
                vec![Datalist {
                    id: "stock-items",
                    options: ch.stock_items,
                }],
                "Save draft",
            )
        }
    };
    Ok(FormPage {
        l,
        title,
        action,
        back,
        error,
        fields,
        lines: Some(lines),
        datalists,
        submit_label,
    })
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

fn invoice_input(f: &FormData) -> Result<InvoiceInput, String> {
    let cols: Vec<Vec<&str>> = INVOICE_LINES.iter().map(|(n, _)| f.all(n)).collect();
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
        items.push(LineInput {
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
    Ok(InvoiceInput {
        party: f.get("party").to_owned(),
        posting_date: parse_date("Date", f.get("posting_date"))?,
        due_date: parse_date("Due date", f.get("due_date"))?,
        is_return,
        return_against: (is_return && !against.is_empty()).then(|| against.to_owned()),
        remarks: f.get("remarks").to_owned(),
        items,
    })
}

fn payment_input(f: &FormData) -> Result<PaymentInput, String> {
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
        allocations.push(AllocationInput {
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
    Ok(PaymentInput {
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
    })
}

fn journal_input(f: &FormData) -> Result<JournalInput, String> {
    let cols: Vec<Vec<&str>> = JOURNAL_LINES.iter().map(|(n, _)| f.all(n)).collect();
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
    let mut accounts = Vec::new();
    for i in 0..rows {
        let account = at(&cols[0], i);
        let (party, debit, credit) = (at(&cols[2], i), at(&cols[3], i), at(&cols[4], i));
        if account.is_empty() && party.is_empty() && debit.is_empty() && credit.is_empty() {
            continue;
        }
        let n = accounts.len() + 1;
        if account.is_empty() {
            return Err(format!("line {n}: choose an account"));
        }
        accounts.push(JournalLineInput {
            account: account.to_owned(),
            party_type: parse_party_type(at(&cols[1], i)).map_err(|e| format!("line {n}: {e}"))?,
            party: (!party.is_empty()).then(|| party.to_owned()),
            debit: parse_amount(&format!("line {n}: debit"), debit)?.unwrap_or_default(),
            credit: parse_amount(&format!("line {n}: credit"), credit)?.unwrap_or_default(),
        });
    }
    if accounts.is_empty() {
        return Err("a journal entry needs its lines".into());
    }
    Ok(JournalInput {
        posting_date: parse_date("Date", f.get("posting_date"))?,
        remarks: f.get("remarks").to_owned(),
        accounts,
    })
}

fn stock_input(f: &FormData) -> Result<StockEntryInput, String> {
    let cols: Vec<Vec<&str>> = STOCK_LINES.iter().map(|(n, _)| f.all(n)).collect();
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
        items.push(StockLineInput {
            item_code: code.to_owned(),
            qty: parse_qty(&format!("line {n}: quantity"), qty)?
                .ok_or_else(|| format!("line {n}: the quantity is required"))?,
            s_warehouse: (!from.is_empty()).then(|| from.to_owned()),
            t_warehouse: (!to.is_empty()).then(|| to.to_owned()),
            basic_rate: parse_amount(&format!("line {n}: cost"), rate)?,
        });
    }
    Ok(StockEntryInput {
        purpose: f.get("purpose").to_owned(),
        posting_date: parse_date("Date", f.get("posting_date"))?,
        remarks: f.get("remarks").to_owned(),
        items,
    })
}

/// Writes a draft (new, or a draft replaced) and shows it; bad input shows the form
/// again with the reason and a 4xx status, nothing written.
async fn save(kind: DocKind, c: BooksCaller, existing: Option<String>, f: FormData) -> Page {
    check_csrf(&c, &f)?;
    c.require(kind.create_permission())?;
    let author = c.author().to_owned();
    let bad = |m: String| -> Refused { (StatusCode::UNPROCESSABLE_ENTITY, m) };
    let result: Result<String, Refused> = match kind {
        DocKind::Invoice(k) => match invoice_input(&f) {
            Err(m) => Err(bad(m)),
            Ok(input) => refused(match &existing {
                None => {
                    c.books
                        .create_invoice(k, &input, &author, false, today())
                        .await
                }
                Some(name) => {
                    c.books
                        .update_invoice(k, name, &input, &author, false, today())
                        .await
                }
            })?
            .map(|d| d.name),
        },
        DocKind::Payment => match payment_input(&f) {
            Err(m) => Err(bad(m)),
            Ok(input) => refused(match &existing {
                None => {
                    c.books
                        .create_payment(&input, &author, false, today())
                        .await
                }
                Some(name) => {
                    c.books
                        .update_payment(name, &input, &author, false, today())
                        .await
                }
            })?
            .map(|d| d.name),
        },
        DocKind::Journal => match journal_input(&f) {
            Err(m) => Err(bad(m)),
            Ok(input) => refused(match &existing {
                None => {
                    c.books
                        .create_journal(&input, &author, false, today())
                        .await
                }
                Some(name) => {
                    c.books
                        .update_journal(name, &input, &author, false, today())
                        .await
                }
            })?
            .map(|d| d.name),
        },
        DocKind::StockEntry => match stock_input(&f) {
            Err(m) => Err(bad(m)),
            Ok(input) => refused(match &existing {
                None => {
                    c.books
                        .create_stock_entry(&input, &author, false, today())
                        .await
                }
                Some(name) => {
                    c.books
                        .update_stock_entry(name, &input, &author, false, today())
                        .await
                }
            })?
            .map(|d| d.name),
        },
    };
    match result {
        Ok(name) => Ok(see(&kind.href(&name))),
        Err((status, message)) => Ok(render(
            status,
            &form(kind, &c, existing.as_deref(), &f, Some(message)).await?,
        )),
    }
}

// ---- submit and cancel ----

async fn confirm_page(kind: DocKind, action: Action, c: BooksCaller, name: String) -> Page {
    c.require(action.permission())?;
    let l = Layout::load(&c, kind.section()).await?;
    let back = kind.href(&name);
    Ok(render(
        StatusCode::OK,
        &ConfirmPage {
            l,
            title: format!("{} {name}", action.label()),
            question: action.question(kind, &name),
            action: format!("{back}/{}", action.slug()),
            label: action.label(),
            back,
            danger: action == Action::Cancel,
        },
    ))
}

async fn act(kind: DocKind, action: Action, c: BooksCaller, name: String, f: FormData) -> Page {
    check_csrf(&c, &f)?;
    c.require(action.permission())?;
    let done = match action {
        Action::Submit => kind.submit(&c, &name).await,
        Action::Cancel => kind.cancel(&c, &name).await,
    };
    match refused(done)? {
        Ok(new_name) => Ok(see(&kind.href(&new_name))),
        Err(refusal) => view(kind, c, name, Some(refusal)).await,
    }
}

// ---- the document pages ----

fn confirms(c: &BooksCaller, kind: DocKind, name: &str, status: Docstatus) -> Vec<Confirm> {
    let mut out = Vec::new();
    if status == Docstatus::Draft && c.can(Permission::ErpSubmit) {
        out.push(Action::Submit.confirm(kind, name));
    }
    if status == Docstatus::Submitted && c.can(Permission::ErpCancel) {
        out.push(Action::Cancel.confirm(kind, name));
    }
    out
}

/// A document's page; after a refused submit or cancel, with the reason and its status.
async fn view(kind: DocKind, c: BooksCaller, name: String, refusal: Option<Refused>) -> Page {
    let l = Layout::load(&c, kind.section()).await?;
    let (status, error) = match refusal {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let mut page = match kind {
        DocKind::Invoice(k) => invoice_page(&c, k, &name, l).await?,
        DocKind::Payment => payment_page(&c, &name, l).await?,
        DocKind::Journal => journal_page(&c, &name, l).await?,
        DocKind::StockEntry => stock_entry_page(&c, &name, l).await?,
    };
    page.error = error;
    Ok(render(status, &page))
}

async fn invoice_page(
    c: &BooksCaller,
    k: InvoiceKind,
    name: &str,
    l: Layout,
) -> Result<DocPage, Response> {
    let kind = DocKind::Invoice(k);
    let doc = c.books.invoice_doc(k, name, today()).await.map_err(fail)?;
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
    let (party_label, party_href) = match k {
        InvoiceKind::Sales => ("Customer", "/books/customers"),
        InvoiceKind::Purchase => ("Supplier", "/books/suppliers"),
    };
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
                Cell::num(line.qty),
                Cell::num(line.rate),
                Cell::num(line.net),
                Cell::text(line.vat_category.label()),
                Cell::num(line.vat),
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
                            Cell::link(number, DocKind::Payment.href(number)),
                            Cell::text(date.to_string()),
                            Cell::num(amount),
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
                Cell::link(&n, kind.href(&n)),
                Cell::text(cn.posting_date.to_string()),
                Cell::num(cn.grand_total),
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
        ("Net total".to_owned(), inv.net_total.to_string()),
        ("VAT".to_owned(), inv.vat_total.to_string()),
        ("Total".to_owned(), inv.grand_total.to_string()),
    ];
    if inv.docstatus == Docstatus::Submitted {
        totals.push(("Outstanding".to_owned(), inv.outstanding.to_string()));
    }
    let mut links = Vec::new();
    let href = kind.href(&doc.name);
    links.extend(edit_link(c, kind, &doc.name, inv.docstatus));
    links.push(Link::secondary("Print", format!("{href}/print")));
    links.push(Link::secondary("PDF", format!("{href}/pdf")));
    if inv.docstatus == Docstatus::Submitted
        && !inv.outstanding.is_zero()
        && c.can(Permission::ErpCreateAny)
    {
        links.push(Link::secondary(
            "Record payment",
            format!("/books/payments/new?invoice={}", seg(&doc.name)),
        ));
    }
    if inv.docstatus == Docstatus::Submitted && !inv.is_return && c.can(kind.create_permission()) {
        links.push(Link::secondary(
            "Credit note",
            format!("{}/new?return_against={}", kind.base(), seg(&doc.name)),
        ));
    }
    links.push(Link::secondary(
        party_label,
        format!("{party_href}/{}", seg(&inv.party_name)),
    ));
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
        confirms: confirms(c, kind, &doc.name, inv.docstatus),
        links,
    })
}

/// "Edit" on a draft, for those who may write it.
fn edit_link(c: &BooksCaller, kind: DocKind, name: &str, status: Docstatus) -> Option<Link> {
    (status == Docstatus::Draft && c.can(kind.create_permission()))
        .then(|| Link::secondary("Edit", format!("{}/edit", kind.href(name))))
}

async fn payment_page(c: &BooksCaller, name: &str, l: Layout) -> Result<DocPage, Response> {
    let doc = c.books.payment_doc(name).await.map_err(fail)?;
    let p = &doc.payment;
    let (invoices, party_base) = match p.party_kind.as_str() {
        "supplier" => (DocKind::Invoice(InvoiceKind::Purchase), "/books/suppliers"),
        _ => (DocKind::Invoice(InvoiceKind::Sales), "/books/customers"),
    };
    let rows = doc
        .allocations
        .iter()
        .map(|a| {
            let n = a.invoice_number.clone().unwrap_or_default();
            Row::from(vec![Cell::link(&n, invoices.href(&n)), Cell::num(a.amount)])
        })
        .collect();
    let (status, class) = docstatus_text(p.docstatus);
    Ok(DocPage {
        l,
        title: format!("Payment {}", doc.name),
        status: status.into(),
        status_class: class,
        notice: None,
        error: None,
        facts: vec![
            (
                "Type".into(),
                match p.direction {
                    PaymentDirection::Receive => "Received",
                    PaymentDirection::Pay => "Paid",
                }
                .into(),
            ),
            ("Party".into(), p.party_name.clone()),
            ("Date".into(), p.posting_date.to_string()),
            ("Amount".into(), p.amount.to_string()),
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
        confirms: confirms(c, DocKind::Payment, &doc.name, p.docstatus),
        links: edit_link(c, DocKind::Payment, &doc.name, p.docstatus)
            .into_iter()
            .chain([Link::secondary(
                "Party",
                format!("{party_base}/{}", seg(&p.party_name)),
            )])
            .collect(),
    })
}

async fn journal_page(c: &BooksCaller, name: &str, l: Layout) -> Result<DocPage, Response> {
    let doc = c.books.journal_doc(name).await.map_err(fail)?;
    let j = &doc.journal;
    let rows = doc
        .accounts
        .iter()
        .map(|a| {
            Row::from(vec![
                Cell::text(&a.account_name),
                Cell::text(a.party_name.clone().unwrap_or_default()),
                Cell::num(if a.debit.is_zero() {
                    String::new()
                } else {
                    a.debit.to_string()
                }),
                Cell::num(if a.credit.is_zero() {
                    String::new()
                } else {
                    a.credit.to_string()
                }),
            ])
        })
        .collect();
    let credit: tenantry_domain::books::Amount = doc.accounts.iter().map(|a| a.credit).sum();
    let (status, class) = docstatus_text(j.docstatus);
    Ok(DocPage {
        l,
        title: format!("Journal entry {}", doc.name),
        status: status.into(),
        status_class: class,
        notice: None,
        error: None,
        facts: vec![
            ("Date".into(), j.posting_date.to_string()),
            ("Remarks".into(), j.remarks.clone()),
            ("Created by".into(), j.created_by.clone()),
        ],
        tables: vec![TableView::new(
            headers(&["Account", "Party", "Debit", "Credit"], &[2, 3]),
            rows,
            "No lines.",
        )],
        totals: vec![
            ("Debits".into(), j.total_debit.to_string()),
            ("Credits".into(), credit.to_string()),
        ],
        confirms: confirms(c, DocKind::Journal, &doc.name, j.docstatus),
        links: edit_link(c, DocKind::Journal, &doc.name, j.docstatus)
            .into_iter()
            .collect(),
    })
}

async fn stock_entry_page(c: &BooksCaller, name: &str, l: Layout) -> Result<DocPage, Response> {
    let doc = c.books.stock_entry_doc(name).await.map_err(fail)?;
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
                Cell::num(line.qty),
                Cell::text(warehouse_name(&warehouses, line.from_warehouse_id)),
                Cell::text(warehouse_name(&warehouses, line.to_warehouse_id)),
                Cell::num(line.rate),
                Cell::num(
                    line.value
                        .map(|v| tenantry_domain::books::Amount(v).to_string())
                        .unwrap_or_default(),
                ),
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
        confirms: confirms(c, DocKind::StockEntry, &doc.name, e.docstatus),
        links: edit_link(c, DocKind::StockEntry, &doc.name, e.docstatus)
            .into_iter()
            .chain([Link::secondary("Stock balance", "/books/stock-balance")])
            .collect(),
    })
}
