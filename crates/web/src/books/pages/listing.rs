//! What every list page does: its page of rows, the links before and after it, and the filters
//! the lists share.

use tenantry_domain::books::Docstatus;
use tenantry_store::books::{Filter, FilterOp, FilterValue, ListQuery};

use super::form_data::{parse_date, query_string, FormData};
use super::views::{options, Field, Pager};

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

/// A document's status in words, and the class that colours it.
pub(crate) fn docstatus_text(d: Docstatus) -> (&'static str, &'static str) {
    match d {
        Docstatus::Draft => ("Draft", "draft"),
        Docstatus::Submitted => ("Submitted", "submitted"),
        Docstatus::Cancelled => ("Cancelled", "cancelled"),
    }
}

/// Master data's state in words.
pub(crate) fn enabled_text(disabled: bool) -> &'static str {
    if disabled {
        "Disabled"
    } else {
        "Active"
    }
}

/// The status filter every document list has, with the kind's own statuses (`extra`) between
/// submitted and cancelled.
pub(crate) fn docstatus_filter(
    q: &FormData,
    filters: &mut Vec<Filter>,
    extra: &[(&str, &str)],
) -> Field {
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

/// A document list's date span: its fields, and its filters on the posting date.
pub(crate) fn date_span(
    q: &FormData,
    filters: &mut Vec<Filter>,
    errors: &mut Vec<String>,
) -> [Field; 2] {
    date_filters(q, "posting_date", filters, errors);
    [
        Field::new("date", "from", "From", q.get("from")),
        Field::new("date", "to", "To", q.get("to")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
