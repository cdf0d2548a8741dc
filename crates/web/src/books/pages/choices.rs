//! What the forms offer to choose from (parties, items, warehouses, accounts, VAT rates,
//! purposes) and the rows of their line tables.

use axum::response::Response;
use tenantry_domain::books::VatCategory;
use tenantry_store::books::{
    Account, Filter, FilterOp, FilterValue, Item, ListQuery, PartyKind, StockPurpose,
};

use super::form_data::FormData;
use super::frame::fail;
use super::listing::filter;
use super::views::{options, Field};
use crate::books::caller::BooksCaller;

/// The parties, items, warehouses and accounts a form offers.
pub(crate) struct Choices {
    pub customers: Vec<(String, String)>,
    pub suppliers: Vec<(String, String)>,
    pub items: Vec<(String, String)>,
    /// The enabled items themselves, for what a chosen one fills in.
    pub item_records: Vec<Item>,
    pub stock_items: Vec<(String, String)>,
    pub warehouses: Vec<(String, String)>,
    pub ledger_accounts: Vec<(String, String)>,
    pub money_accounts: Vec<(String, String)>,
}

fn enabled() -> Vec<Filter> {
    vec![filter("disabled", FilterOp::Eq, FilterValue::Bool(false))]
}

pub(crate) async fn choices(c: &BooksCaller) -> Result<Choices, Response> {
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
        item_records: items,
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

pub(crate) fn with_blank(blank: &str, mut o: Vec<(String, String)>) -> Vec<(String, String)> {
    o.insert(0, (String::new(), blank.to_owned()));
    o
}

pub(crate) fn purpose_options(blank: Option<&str>) -> Vec<(String, String)> {
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

pub(crate) fn party_type_options(blank: Option<&str>) -> Vec<(String, String)> {
    let mut o: Vec<(String, String)> = blank
        .map(|b| vec![(String::new(), b.to_owned())])
        .unwrap_or_default();
    o.extend(options(&[
        ("customer", "Customer"),
        ("supplier", "Supplier"),
    ]));
    o
}

pub(crate) fn parse_party_type(s: &str) -> Result<Option<PartyKind>, String> {
    match s.trim() {
        "" => Ok(None),
        "customer" | "Customer" => Ok(Some(PartyKind::Customer)),
        "supplier" | "Supplier" => Ok(Some(PartyKind::Supplier)),
        other => Err(format!("{other:?} is not a customer or supplier")),
    }
}

/// The rows of a form's line table, from the submitted values (or the document's) of each
/// column, with empty rows after them to fill in.
pub(crate) fn line_rows(
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
pub(crate) fn at<'a>(column: &[&'a str], i: usize) -> &'a str {
    column.get(i).copied().unwrap_or("").trim()
}

pub(crate) async fn warehouse_names(c: &BooksCaller) -> Result<Vec<(i64, String)>, Response> {
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

pub(crate) fn warehouse_name(warehouses: &[(i64, String)], id: Option<i64>) -> String {
    id.and_then(|id| warehouses.iter().find(|w| w.0 == id))
        .map(|w| w.1.clone())
        .unwrap_or_default()
}

/// The column labels of a line table.
pub(crate) fn labels(columns: &[(&'static str, &'static str)]) -> Vec<&'static str> {
    columns.iter().map(|(_, l)| *l).collect()
}

/// VAT categories, after a blank option when `blank` names one.
pub(crate) fn vat_options(blank: Option<&str>) -> Vec<(String, String)> {
    let mut o: Vec<(String, String)> = blank
        .map(|b| vec![(String::new(), b.to_owned())])
        .unwrap_or_default();
    o.extend(
        VatCategory::ALL
            .iter()
            .map(|v| (v.as_str().to_owned(), v.label().to_owned())),
    );
    o
}

/// An account's number from its id: the forms name accounts by number, drafts hold their ids.
pub(crate) fn account_number(accounts: &[Account], id: i64) -> String {
    accounts
        .iter()
        .find(|a| a.id == id)
        .map(|a| a.number.clone())
        .unwrap_or_default()
}
