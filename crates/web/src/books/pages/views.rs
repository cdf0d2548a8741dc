//! The views the books' templates share: inputs, links, tables, the pager, and the list, form,
//! document and confirmation pages.

use askama::Template;
use tenantry_domain::books::{Amount, Quantity};

use super::frame::Layout;

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
    /// JSON the page's script reads (a select's `data-facts`): what choosing an option implies.
    pub facts: String,
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
            facts: String::new(),
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

    pub fn facts(mut self, json: String) -> Field {
        self.facts = json;
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
    /// A key that follows it from anywhere on the page but a field (the page's script).
    pub shortcut: &'static str,
}

impl Link {
    pub fn new(label: &str, href: impl Into<String>) -> Link {
        Link {
            label: label.to_owned(),
            href: href.into(),
            secondary: false,
            shortcut: "",
        }
    }

    pub fn shortcut(mut self, key: &'static str) -> Link {
        self.shortcut = key;
        self
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
    /// An amount of money, shown in the books' currency (the page's frame knows which).
    pub money: Option<Amount>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            href: String::new(),
            class: String::new(),
            money: None,
        }
    }

    /// An amount of money, right-aligned, with the currency's symbol.
    pub fn money(amount: Amount) -> Cell {
        Cell {
            money: Some(amount),
            ..Cell::num(amount)
        }
    }

    /// A quantity, right-aligned, without needless decimals.
    pub fn qty(qty: Quantity) -> Cell {
        Cell::num(qty.plain())
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

// ---- the templates ----

#[derive(Template)]
#[template(path = "books/list.html")]
pub(crate) struct ListPage {
    pub l: Layout,
    pub title: String,
    pub intro: String,
    /// What the last write did, after its redirect.
    pub notice: Option<&'static str>,
    pub actions: Vec<Link>,
    pub filters: Vec<Field>,
    pub error: Option<String>,
    pub tables: Vec<TableView>,
    pub pager: Pager,
}

impl ListPage {
    /// Whether a key follows one of its links (the page then says which).
    pub fn has_shortcuts(&self) -> bool {
        self.actions.iter().any(|a| !a.shortcut.is_empty())
    }
}

pub(crate) struct LinesView {
    pub title: &'static str,
    pub hint: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Field>>,
    /// What the page's script needs to show line amounts and totals as they are typed; `None`
    /// for a table without totals.
    pub totals: Option<LiveTotals>,
}

/// The facts behind a form's live totals: the VAT rates (basis points by category), where VAT
/// is rounded and the currency. The figures shown are the server's rules redone in integers;
/// what is saved is always worked out again by the server.
pub(crate) struct LiveTotals {
    pub vat_rates: String,
    pub vat_rounding: &'static str,
    pub currency_symbol: String,
}

pub(crate) struct Datalist {
    pub id: &'static str,
    pub options: Vec<(String, String)>,
    /// JSON the page's script reads: what choosing an option fills in.
    pub facts: String,
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
