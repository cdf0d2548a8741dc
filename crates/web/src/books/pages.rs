//! The pages of the client space's books, under `/books`: lists with search, filters and
//! pagination; forms that show what was wrong beside them; document pages whose submit and
//! cancel buttons go through a confirmation (a `<dialog>` opened by `books.js`, or without script
//! a confirmation page); the reports with a period picker and CSV; the invoice's print page and
//! PDF; the books' settings.
//!
//! Every handler takes a [`BooksCaller`] (signed in, allowed to read this client's books), checks
//! the form's CSRF field against the session before anything else, asks the permission matrix
//! for the right it needs, and calls [`tenantry_erp::Books`]. Buttons a role cannot use are not
//! shown; the handlers refuse them anyway.
#![allow(clippy::result_large_err)] // refusals are ready responses; their size does not matter here

mod branding;
mod documents;
mod masters;
mod print;
mod reports;

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tenantry_domain::books::{Amount, Quantity};
use tenantry_domain::Permission;
use tenantry_erp::ErpError;
use tenantry_store::books::{Filter, FilterOp, FilterValue, ListQuery};
use time::Date;

use super::BooksCaller;
use crate::error::books_status;
use crate::pages::{error_response, render};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/books", get(home))
        .route("/books/brand.css", get(print::brand_css))
        .route("/books/brand/logo", get(print::brand_logo))
        .merge(masters::router())
        .merge(branding::router())
        .merge(documents::router())
        .merge(reports::router())
        .merge(print::router())
}

/// The books' script, a plain ES module served from the binary.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/books.js"),
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/books.css"),
    )
}

type Page = Result<Response, Response>;

// ---- what every page shows ----

/// The frame of every books page: whose books, who is looking, what their role opens.
pub(crate) struct Layout {
    pub company: String,
    pub user_email: String,
    pub role: &'static str,
    pub csrf: String,
    pub can_reports: bool,
    pub suspended: bool,
    pub section: &'static str,
}

impl Layout {
    async fn load(c: &BooksCaller, section: &'static str) -> Result<Layout, Response> {
        let settings = c.books.settings().await.map_err(fail)?;
        Ok(Layout {
            company: settings.name,
            user_email: c.user.user.email.clone(),
            role: c.user.access.role.as_str(),
            csrf: c
                .user
                .session
                .as_ref()
                .map(|s| s.csrf_token.clone())
                .unwrap_or_default(),
            can_reports: c.can(Permission::ErpReports),
            suspended: !c.tenant.status.accepts_writes(),
            section,
        })
    }
}

/// A books error as a page: its message for what the caller can fix, a generic one (and the
/// log) for the server's own failures.
pub(crate) fn fail(e: ErpError) -> Response {
    let status = books_status(&e);
    if status.is_server_error() {
        tracing::error!(error = %e, "books page failed");
        return error_response(
            status,
            "Something went wrong",
            "The server could not show this page; the problem has been logged.",
        );
    }
    let heading = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::CONFLICT => "Not possible now",
        _ => "This cannot be done",
    };
    error_response(status, heading, &e.to_string())
}

/// Why a form was refused, to show beside it: the status and message for input the caller can
/// correct, or the error page for the server's own failures.
pub(crate) fn refusal(e: ErpError) -> Result<(StatusCode, String), Response> {
    let status = books_status(&e);
    if status.is_server_error() {
        return Err(fail(e));
    }
    Ok((status, e.to_string()))
}

/// Why a write was refused: the status and the message to show beside the form.
pub(crate) type Refused = (StatusCode, String);

/// A write's result as the form handlers use it: what was written, or why not (input the caller
/// can correct); the server's own failures are the error page.
pub(crate) fn refused<T>(r: Result<T, ErpError>) -> Result<Result<T, Refused>, Response> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) => refusal(e).map(Err),
    }
}

/// Refuses a form whose CSRF field does not match the session's. Token and API-key callers
/// carry no ambient credential and need none.
pub(crate) fn check_csrf(c: &BooksCaller, form: &FormData) -> Result<(), Response> {
    match &c.user.session {
        Some(session) => match crate::auth::csrf_refusal(session, form.get("csrf")) {
            Some(refused) => Err(refused),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// After a successful form: to the page of what was written.
pub(crate) fn see(href: &str) -> Response {
    Redirect::to(href).into_response()
}

// ---- form and query data ----

/// A form's or a query's fields in order, repeated names kept (the lines of a document).
#[derive(Debug, Clone, Default)]
pub(crate) struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_owned(), value.into()));
    }

    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_owned(), value.into()));
    }
}

/// A date typed as YYYY-MM-DD; blank is none.
pub(crate) fn parse_date(label: &str, text: &str) -> Result<Option<Date>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    Date::parse(t, time::macros::format_description!("[year]-[month]-[day]"))
        .map(Some)
        .map_err(|_| format!("{label}: {t:?} is not a date (YYYY-MM-DD)"))
}

pub(crate) fn parse_amount(label: &str, text: &str) -> Result<Option<Amount>, String> {
    let t = text.trim().replace(',', "");
    if t.is_empty() {
        return Ok(None);
    }
    Amount::parse(&t)
        .map(Some)
        .map_err(|e| format!("{label}: {}", e.message))
}

pub(crate) fn parse_qty(label: &str, text: &str) -> Result<Option<Quantity>, String> {
    let t = text.trim().replace(',', "");
    if t.is_empty() {
        return Ok(None);
    }
    Quantity::parse(&t)
        .map(Some)
        .map_err(|e| format!("{label}: {}", e.message))
}

/// A path segment with everything but unreserved characters percent-encoded.
pub(crate) fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query string from pairs, blank values left out.
pub(crate) fn query_string(pairs: &[(String, String)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", seg(k), seg(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

pub(crate) fn today() -> Date {
    super::today()
}

// ---- views the templates share ----

/// One input of a form or a filter bar. `kind` is text, email, date, money, qty, select,
/// textarea, checkbox or hidden.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub kind: &'static str,
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub list: &'static str,
    pub hint: &'static str,
    pub checked: bool,
}

impl Field {
    pub fn new(kind: &'static str, name: &'static str, label: &str, value: &str) -> Field {
        Field {
            kind,
            name,
            label: label.to_owned(),
            value: value.to_owned(),
            options: Vec::new(),
            required: false,
            list: "",
            hint: "",
            checked: false,
        }
    }

    pub fn text(name: &'static str, label: &str, value: &str) -> Field {
        Field::new("text", name, label, value)
    }

    pub fn select(
        name: &'static str,
        label: &str,
        value: &str,
        options: Vec<(String, String)>,
    ) -> Field {
        Field {
            options,
            ..Field::new("select", name, label, value)
        }
    }

    pub fn checkbox(name: &'static str, label: &str, checked: bool) -> Field {
        Field {
            checked,
            ..Field::new("checkbox", name, label, "1")
        }
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn list(mut self, id: &'static str) -> Field {
        self.list = id;
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Field {
        self.hint = hint;
        self
    }

    pub fn input_type(&self) -> &'static str {
        match self.kind {
            "email" => "email",
            "date" => "date",
            "search" => "search",
            _ => "text",
        }
    }

    pub fn numeric(&self) -> bool {
        matches!(self.kind, "money" | "qty")
    }
}

/// Options from static pairs.
pub(crate) fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect()
}

pub(crate) struct Link {
    pub label: String,
    pub href: String,
    pub secondary: bool,
}

impl Link {
    pub fn new(label: &str, href: impl Into<String>) -> Link {
        Link {
            label: label.to_owned(),
            href: href.into(),
            secondary: false,
        }
    }

    pub fn secondary(label: &str, href: impl Into<String>) -> Link {
        Link {
            secondary: true,
            ..Link::new(label, href)
        }
    }
}

pub(crate) struct Header {
    pub label: String,
    pub num: bool,
}

pub(crate) fn headers(labels: &[&str], numeric: &[usize]) -> Vec<Header> {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| Header {
            label: (*l).to_owned(),
            num: numeric.contains(&i),
        })
        .collect()
}

pub(crate) struct Cell {
    pub text: String,
    pub href: String,
    pub class: String,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            href: String::new(),
            class: String::new(),
        }
    }

    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell {
            href: href.into(),
            ..Cell::text(text)
        }
    }

    pub fn num(text: impl ToString) -> Cell {
        Cell {
            class: "num".into(),
            ..Cell::text(text.to_string())
        }
    }

    pub fn class(mut self, class: &str) -> Cell {
        if !self.class.is_empty() {
            self.class.push(' ');
        }
        self.class.push_str(class);
        self
    }
}

pub(crate) struct Row {
    pub cells: Vec<Cell>,
    pub class: &'static str,
}

impl From<Vec<Cell>> for Row {
    fn from(cells: Vec<Cell>) -> Row {
        Row { cells, class: "" }
    }
}

pub(crate) struct TableView {
    pub title: String,
    pub headers: Vec<Header>,
    pub rows: Vec<Row>,
    pub empty: String,
}

impl TableView {
    pub fn new(headers: Vec<Header>, rows: Vec<Row>, empty: &str) -> TableView {
        TableView {
            title: String::new(),
            headers,
            rows,
            empty: empty.to_owned(),
        }
    }

    pub fn titled(mut self, title: &str) -> TableView {
        self.title = title.to_owned();
        self
    }
}

#[derive(Default)]
pub(crate) struct Pager {
    pub page: i64,
    pub prev: String,
    pub next: String,
}

/// Rows a list page shows.
pub(crate) const PAGE_SIZE: i64 = 25;

/// The page number asked for (1 when none or nonsense).
pub(crate) fn page_of(q: &FormData) -> i64 {
    q.get("page")
        .parse::<i64>()
        .ok()
        .filter(|p| *p >= 1)
        .unwrap_or(1)
        .min(100_000)
}

/// A list query for page `page_of(q)`: one row more than shown, to know whether there is a next
/// page.
pub(crate) fn list_query(q: &FormData, filters: Vec<Filter>) -> ListQuery {
    let search = q.get("q").trim();
    ListQuery {
        search: (!search.is_empty()).then(|| search.to_owned()),
        filters,
        order_by: Vec::new(),
        limit: PAGE_SIZE + 1,
        offset: (page_of(q) - 1) * PAGE_SIZE,
    }
}

/// Links to the pages before and after, keeping the query's other fields.
pub(crate) fn pager(base: &str, q: &FormData, has_more: bool) -> Pager {
    let page = page_of(q);
    let link = |n: i64| {
        let mut pairs: Vec<(String, String)> =
            q.0.iter().filter(|(k, _)| k != "page").cloned().collect();
        if n > 1 {
            pairs.push(("page".into(), n.to_string()));
        }
        format!("{base}{}", query_string(&pairs))
    };
    Pager {
        page,
        prev: if page > 1 {
            link(page - 1)
        } else {
            String::new()
        },
        next: if has_more {
            link(page + 1)
        } else {
            String::new()
        },
    }
}

/// Cuts the extra row a list query fetched; says whether there was one.
pub(crate) fn take_page<T>(rows: &mut Vec<T>) -> bool {
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    more
}

pub(crate) fn filter(column: &str, op: FilterOp, value: FilterValue) -> Filter {
    Filter {
        column: column.to_owned(),
        op,
        value,
    }
}

/// The filters of a date span typed in `from` and `to`; a malformed date is reported and left
/// out.
pub(crate) fn date_filters(
    q: &FormData,
    column: &str,
    filters: &mut Vec<Filter>,
    errors: &mut Vec<String>,
) {
    for (field, label, op) in [("from", "From", FilterOp::Ge), ("to", "To", FilterOp::Le)] {
        match parse_date(label, q.get(field)) {
            Ok(Some(d)) => filters.push(filter(column, op, FilterValue::Date(d))),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
}

/// The disabled/enabled filter of master data lists.
pub(crate) fn status_filter(q: &FormData, filters: &mut Vec<Filter>) -> Field {
    match q.get("status") {
        "active" => filters.push(filter("disabled", FilterOp::Eq, FilterValue::Bool(false))),
        "disabled" => filters.push(filter("disabled", FilterOp::Eq, FilterValue::Bool(true))),
        _ => {}
    }
    Field::select(
        "status",
        "Status",
        q.get("status"),
        options(&[("", "All"), ("active", "Active"), ("disabled", "Disabled")]),
    )
}

pub(crate) fn search_field(q: &FormData, placeholder_label: &str) -> Field {
    Field::new("search", "q", placeholder_label, q.get("q"))
}

// ---- the templates ----

#[derive(Template)]
#[template(path = "books/list.html")]
pub(crate) struct ListPage {
    pub l: Layout,
    pub title: String,
    pub intro: String,
    pub actions: Vec<Link>,
    pub filters: Vec<Field>,
    pub error: Option<String>,
    pub tables: Vec<TableView>,
    pub pager: Pager,
}

pub(crate) struct LinesView {
    pub title: &'static str,
    pub hint: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Field>>,
}

pub(crate) struct Datalist {
    pub id: &'static str,
    pub options: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "books/form.html")]
pub(crate) struct FormPage {
    pub l: Layout,
    pub title: String,
    pub action: String,
    pub back: String,
    pub error: Option<String>,
    pub fields: Vec<Field>,
    pub lines: Option<LinesView>,
    pub datalists: Vec<Datalist>,
    pub submit_label: &'static str,
}

/// A submit or cancel button and the confirmation it goes through.
pub(crate) struct Confirm {
    pub id: &'static str,
    pub label: &'static str,
    /// The confirmation page (the way without script).
    pub href: String,
    /// Where the confirmed form posts.
    pub action: String,
    pub question: String,
    pub danger: bool,
}

#[derive(Template)]
#[template(path = "books/doc.html")]
pub(crate) struct DocPage {
    pub l: Layout,
    pub title: String,
    pub status: String,
    pub status_class: &'static str,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub facts: Vec<(String, String)>,
    pub tables: Vec<TableView>,
    pub totals: Vec<(String, String)>,
    pub links: Vec<Link>,
    pub confirms: Vec<Confirm>,
}

#[derive(Template)]
#[template(path = "books/confirm.html")]
pub(crate) struct ConfirmPage {
    pub l: Layout,
    pub title: String,
    pub question: String,
    pub action: String,
    pub label: &'static str,
    pub back: String,
    pub danger: bool,
}

pub(crate) struct Group {
    pub id: &'static str,
    pub title: &'static str,
    pub links: Vec<Link>,
}

#[derive(Template)]
#[template(path = "books/home.html")]
struct HomePage {
    l: Layout,
    title: String,
    groups: Vec<Group>,
}

/// The books' front page: every list, form and report the caller's role opens.
async fn home(c: BooksCaller) -> Page {
    let l = Layout::load(&c, "home").await?;
    let mut groups = Vec::new();
    let mut sales = vec![
        Link::new("Sales invoices", "/books/sales-invoices"),
        Link::new("Customers", "/books/customers"),
    ];
    if c.can(Permission::ErpCreateSales) {
        sales.push(Link::new("New sales invoice", "/books/sales-invoices/new"));
        sales.push(Link::new("New customer", "/books/customers/new"));
    }
    groups.push(Group {
        id: "sales",
        title: "Sales",
        links: sales,
    });
    let can_any = c.can(Permission::ErpCreateAny);
    let mut purchases = vec![
        Link::new("Purchase invoices", "/books/purchase-invoices"),
        Link::new("Suppliers", "/books/suppliers"),
    ];
    if can_any {
        purchases.push(Link::new(
            "New purchase invoice",
            "/books/purchase-invoices/new",
        ));
        purchases.push(Link::new("New supplier", "/books/suppliers/new"));
    }
    groups.push(Group {
        id: "purchases",
        title: "Purchases",
        links: purchases,
    });
    let mut money = vec![
        Link::new("Payments", "/books/payments"),
        Link::new("Journal entries", "/books/journal-entries"),
    ];
    if can_any {
        money.push(Link::new("New payment", "/books/payments/new"));
        money.push(Link::new("New journal entry", "/books/journal-entries/new"));
    }
    groups.push(Group {
        id: "money",
        title: "Payments and journals",
        links: money,
    });
    let mut stock = vec![
        Link::new("Items", "/books/items"),
        Link::new("Warehouses", "/books/warehouses"),
        Link::new("Stock entries", "/books/stock-entries"),
        Link::new("Stock balance", "/books/stock-balance"),
    ];
    if can_any {
        stock.push(Link::new("New item", "/books/items/new"));
        stock.push(Link::new("New stock entry", "/books/stock-entries/new"));
    }
    groups.push(Group {
        id: "stock",
        title: "Items and stock",
        links: stock,
    });
    groups.push(Group {
        id: "accounts",
        title: "Accounts",
        links: vec![
            Link::new("Chart of accounts", "/books/accounts"),
            Link::new("Fiscal years", "/books/fiscal-years"),
            Link::new("Settings", "/books/settings"),
        ],
    });
    if c.can(Permission::ErpReports) {
        groups.push(Group {
            id: "reports",
            title: "Reports",
            links: reports::Report::ALL
                .iter()
                .map(|r| Link::new(r.title(), format!("/books/reports/{}", r.slug())))
                .collect(),
        });
    }
    Ok(render(
        StatusCode::OK,
        &HomePage {
            title: "Books".into(),
            l,
            groups,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_queries_are_encoded() {
        assert_eq!(seg("SINV-2026-00001"), "SINV-2026-00001");
        assert_eq!(seg("A & B/C <x>"), "A%20%26%20B%2FC%20%3Cx%3E");
        assert_eq!(
            query_string(&[
                ("q".into(), "a b".into()),
                ("status".into(), String::new()),
                ("page".into(), "2".into())
            ]),
            "?q=a%20b&page=2"
        );
        assert_eq!(query_string(&[]), "");
    }

    #[test]
    fn pages_link_forward_and_back() {
        let q = FormData(vec![("q".into(), "x".into()), ("page".into(), "2".into())]);
        let p = pager("/books/items", &q, true);
        assert_eq!(p.page, 2);
        assert_eq!(p.prev, "/books/items?q=x");
        assert_eq!(p.next, "/books/items?q=x&page=3");
        let first = pager("/books/items", &FormData::default(), false);
        assert!(first.prev.is_empty() && first.next.is_empty());
    }

    #[test]
    fn typed_figures_are_exact() {
        assert_eq!(
            parse_amount("Rate", "1,234.50").unwrap(),
            Some(Amount(123_450))
        );
        assert_eq!(parse_amount("Rate", " ").unwrap(), None);
        assert!(parse_amount("Rate", "1.005").is_err());
        assert_eq!(parse_qty("Qty", "2.5").unwrap(), Some(Quantity(2_500)));
        assert!(parse_date("Date", "2026-02-30").is_err());
    }
}
