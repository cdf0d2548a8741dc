//! The pages of the chart of accounts: the chart as a tree, a form for a new account and a
//! shorter one to rename, retype or disable one. An account's ledger is its page.

use axum::response::Response;
use tenantry_domain::books::{AccountType, RootType};
use tenantry_domain::Permission;
use tenantry_store::books::{Account, Filter};

use super::declaration::{EditablePage, FormParts, KindPage, Listed};
use super::form_data::{seg, FormData};
use super::frame::fail;
use super::listing::{enabled_text, search_field};
use super::views::{Cell, Field, Row};
use crate::books::caller::BooksCaller;
use crate::books::kinds::accounts::{AccountBody, AccountUpdateBody, Accounts};
use crate::books::kinds::declaration::Kind;

/// Accounts in tree order (each group followed by its children), with their depths.
fn tree(accounts: &[Account]) -> Vec<(&Account, usize)> {
    fn visit<'a>(
        all: &'a [Account],
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<(&'a Account, usize)>,
    ) {
        if depth > 16 {
            return;
        }
        for a in all.iter().filter(|a| a.parent_id == parent) {
            out.push((a, depth));
            visit(all, Some(a.id), depth + 1, out);
        }
    }
    let mut out = Vec::with_capacity(accounts.len());
    visit(accounts, None, 0, &mut out);
    out
}

fn root_options(blank: &str) -> Vec<(String, String)> {
    let mut o = vec![(String::new(), blank.to_owned())];
    o.extend(
        RootType::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.title().to_owned())),
    );
    o
}

fn words(s: &str) -> String {
    let s = s.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn account_types() -> Vec<(String, String)> {
    AccountType::ALL
        .iter()
        .map(|t| (t.as_str().to_owned(), words(t.as_str())))
        .collect()
}

impl KindPage for Accounts {
    const SECTION: &'static str = "accounts";
    const PLURAL: &'static str = "Chart of accounts";
    const LIST_LINKS: &'static [(&'static str, &'static str)] =
        &[("Fiscal years", "/books/fiscal-years")];
    const VIEW: bool = false;

    fn key(a: &Account) -> String {
        a.number.clone()
    }

    async fn filters(
        _c: &BooksCaller,
        q: &FormData,
        _filters: &mut Vec<Filter>,
        _errors: &mut Vec<String>,
    ) -> Result<Vec<Field>, Response> {
        Ok(vec![
            search_field(q, "Search"),
            Field::select("root", "Root type", q.get("root"), root_options("All")),
        ])
    }

    fn columns(_c: &BooksCaller) -> (&'static [&'static str], &'static [usize]) {
        (
            &["Number", "Account", "Root type", "Type", "Kind", "Status"],
            &[],
        )
    }

    /// The chart as a tree. A search or a root type narrows it; the chart of a small business
    /// is a page long, so it is not split into pages.
    async fn rows(
        c: &BooksCaller,
        q: &FormData,
        _filters: Vec<Filter>,
    ) -> Result<Listed, Response> {
        let accounts = c.books.accounts().await.map_err(fail)?;
        let search = q.get("q").trim().to_lowercase();
        let root = RootType::parse(q.get("root")).ok();
        let can_edit = c.can(Self::INFO.write);
        // An account's name leads to its ledger lines, for those who may read the reports.
        let can_report = c.can(Permission::ErpReports);
        let rows = tree(&accounts)
            .into_iter()
            .filter(|(a, _)| root.is_none_or(|r| a.root_type == r))
            .filter(|(a, _)| {
                search.is_empty()
                    || a.name.to_lowercase().contains(&search)
                    || a.number.to_lowercase().contains(&search)
            })
            .map(|(a, depth)| {
                let mut name = Cell::link(
                    &a.name,
                    format!("/books/reports/general-ledger?account={}", seg(&a.number)),
                )
                .class(&format!("depth-{}", depth.min(6)));
                if a.is_group {
                    name = Cell::text(&a.name).class(&format!("depth-{} group", depth.min(6)));
                } else if !can_report {
                    name = Cell::text(&a.name).class(&format!("depth-{}", depth.min(6)));
                }
                Row::from(vec![
                    if can_edit {
                        Cell::link(&a.number, format!("{}/edit", Self::href(&a.number)))
                    } else {
                        Cell::text(&a.number)
                    },
                    name,
                    Cell::text(a.root_type.title()),
                    Cell::text(words(a.account_type.as_str())),
                    Cell::text(if a.is_group { "Group" } else { "Ledger" }),
                    Cell::text(enabled_text(a.disabled)),
                ])
            })
            .collect();
        Ok(Listed { rows, more: None })
    }

    fn empty() -> String {
        "No accounts match.".into()
    }

    async fn blank(_c: &BooksCaller, _q: &FormData) -> Result<FormData, Response> {
        Ok(FormData::default())
    }

    /// A new account's number, name, place and type; an existing one's name, type and whether
    /// it is in use (its number, place and root type stay).
    async fn form(
        c: &BooksCaller,
        existing: Option<&str>,
        v: &FormData,
    ) -> Result<FormParts, Response> {
        if let Some(number) = existing {
            return Ok(FormParts {
                title: Some(format!("Edit account {number}")),
                ..FormParts::fields(vec![
                    Field::text("name", "Name", v.get("name")).required(),
                    Field::select(
                        "account_type",
                        "Type",
                        v.get("account_type"),
                        account_types(),
                    ),
                    Field::checkbox("disabled", "Disabled (no new postings)", v.has("disabled")),
                ])
            });
        }
        let accounts = c.books.accounts().await.map_err(fail)?;
        let mut parents = vec![(String::new(), "(top level)".to_owned())];
        parents.extend(tree(&accounts).into_iter().filter(|(a, _)| a.is_group).map(
            |(a, depth)| {
                (
                    a.number.clone(),
                    format!("{}{} {}", "· ".repeat(depth), a.number, a.name),
                )
            },
        ));
        let mut types = vec![(String::new(), "Other".to_owned())];
        types.extend(account_types());
        Ok(FormParts {
            title: Some("New account".into()),
            ..FormParts::fields(vec![
                Field::text("number", "Number", v.get("number")).required(),
                Field::text("name", "Name", v.get("name")).required(),
                Field::select("parent", "Under the group", v.get("parent"), parents),
                Field::select(
                    "root_type",
                    "Root type",
                    v.get("root_type"),
                    root_options("(the group's)"),
                )
                .hint("Only for a new top-level group."),
                Field::select("account_type", "Type", v.get("account_type"), types),
                Field::checkbox(
                    "is_group",
                    "A group (holds other accounts)",
                    v.has("is_group"),
                ),
            ])
        })
    }

    fn body(f: &FormData) -> Result<AccountBody, String> {
        let parent = f.get("parent").trim();
        let root = f.get("root_type").trim();
        let kind = f.get("account_type").trim();
        Ok(AccountBody {
            number: f.get("number").into(),
            name: f.get("name").into(),
            parent: (!parent.is_empty()).then(|| parent.to_owned()),
            root_type: if root.is_empty() {
                None
            } else {
                Some(RootType::parse(root).map_err(|e| e.message)?)
            },
            account_type: if kind.is_empty() {
                None
            } else {
                Some(AccountType::parse(kind).map_err(|e| e.message)?)
            },
            is_group: f.has("is_group"),
        })
    }
}

impl EditablePage for Accounts {
    async fn values(_c: &BooksCaller, a: &Account) -> Result<FormData, Response> {
        let mut v = FormData::default();
        v.push("name", &a.name);
        v.push("account_type", a.account_type.as_str());
        if a.disabled {
            v.push("disabled", "1");
        }
        Ok(v)
    }

    fn change(f: &FormData) -> Result<AccountUpdateBody, String> {
        Ok(AccountUpdateBody {
            name: f.get("name").into(),
            account_type: AccountType::parse(f.get("account_type")).map_err(|e| e.message)?,
            disabled: f.has("disabled"),
        })
    }
}
