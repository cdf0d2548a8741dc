//! Frappe's list parameters, shared with the native API: filters in every shape Frappe writes them, and `order_by`.

use super::json::invalid;
use super::json::J;
use tenantry_erp::ErpError;
use tenantry_store::books::Filter;
use tenantry_store::books::FilterOp;
use tenantry_store::books::FilterValue;
use tenantry_store::books::OrderBy;

/// A filter as written: `[field, operator, value]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawFilter {
    pub field: String,
    pub op: String,
    pub value: J,
}

/// A field name as Frappe clients may write it: `` `tabSales Invoice`.`posting_date` `` or
/// `posting_date`.
pub(crate) fn clean_field(s: &str) -> String {
    let s = s.trim().replace('`', "");
    match s.rsplit_once('.') {
        Some((table, field)) if table.starts_with("tab") => field.trim().to_owned(),
        _ => s,
    }
}

/// Frappe's `filters`: a list of `[field, op, value]` or `[doctype, field, op, value]`, one such
/// triple alone, or an object `{field: value}` / `{field: [op, value]}`.
pub(crate) fn parse_filters(text: &str) -> Result<Vec<RawFilter>, ErpError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let j = J::parse(text).map_err(|e| invalid(format!("filters: {e}")))?;
    let triple = |items: Vec<J>| -> Result<RawFilter, ErpError> {
        let n = items.len();
        let mut it = items.into_iter();
        let mut next_text = |what: &str| -> Result<String, ErpError> {
            match it.next() {
                Some(J::Str(s)) => Ok(s),
                other => Err(invalid(format!(
                    "filters: expected {what} as text, found {}",
                    other.map_or("nothing", |o| o.kind())
                ))),
            }
        };
        let (field, op) = match n {
            2 => (next_text("a field")?, "=".to_owned()),
            3 => (next_text("a field")?, next_text("an operator")?),
            4 => {
                next_text("a DocType")?;
                (next_text("a field")?, next_text("an operator")?)
            }
            _ => {
                return Err(invalid(
                    "filters: each filter is [field, operator, value] or [doctype, field, operator, value]",
                ))
            }
        };
        Ok(RawFilter {
            field: clean_field(&field),
            op,
            value: it.next().unwrap_or(J::Null),
        })
    };
    match j {
        J::Obj(map) => map
            .into_iter()
            .map(|(field, v)| match v {
                J::Arr(mut pair) if pair.len() == 2 && matches!(pair[0], J::Str(_)) => {
                    let value = pair.pop().unwrap_or(J::Null);
                    let op = match pair.pop() {
                        Some(J::Str(op)) => op,
                        _ => "=".into(),
                    };
                    Ok(RawFilter {
                        field: clean_field(&field),
                        op,
                        value,
                    })
                }
                value => Ok(RawFilter {
                    field: clean_field(&field),
                    op: "=".into(),
                    value,
                }),
            })
            .collect(),
        J::Arr(items) if items.first().is_some_and(|i| matches!(i, J::Str(_))) => {
            Ok(vec![triple(items)?])
        }
        J::Arr(items) => items
            .into_iter()
            .map(|f| match f {
                J::Arr(parts) => triple(parts),
                other => Err(invalid(format!(
                    "filters: each filter is a list, not {}",
                    other.kind()
                ))),
            })
            .collect(),
        other => Err(invalid(format!(
            "filters must be a JSON list or object, not {}",
            other.kind()
        ))),
    }
}

pub(super) fn filter_value(j: &J) -> Result<FilterValue, ErpError> {
    Ok(match j {
        J::Null => FilterValue::Null,
        J::Bool(b) => FilterValue::Bool(*b),
        J::Num(t) => match t.parse::<i64>() {
            Ok(i) => FilterValue::Int(i),
            Err(_) => FilterValue::Text(t.clone()),
        },
        J::Str(s) => FilterValue::Text(s.clone()),
        J::Arr(items) => FilterValue::List(
            items
                .iter()
                .map(|i| match i {
                    J::Arr(_) | J::Obj(_) => {
                        Err(invalid("filters: a list holds plain values only"))
                    }
                    other => filter_value(other),
                })
                .collect::<Result<_, _>>()?,
        ),
        J::Obj(_) => return Err(invalid("filters: a value cannot be an object")),
    })
}

/// Turns a written filter into the store's filters on `column`: Frappe's `between`, `is set` /
/// `is not set`, and comma-separated `in` lists included.
pub(crate) fn expand_filter(column: &str, f: &RawFilter) -> Result<Vec<Filter>, ErpError> {
    let op_text = f.op.trim().to_ascii_lowercase();
    let one = |op: FilterOp, value: FilterValue| Filter {
        column: column.to_owned(),
        op,
        value,
    };
    match op_text.as_str() {
        "between" => match &f.value {
            J::Arr(pair) if pair.len() == 2 => Ok(vec![
                one(FilterOp::Ge, filter_value(&pair[0])?),
                one(FilterOp::Le, filter_value(&pair[1])?),
            ]),
            _ => Err(invalid(format!(
                "filter on {:?}: between takes [from, to]",
                f.field
            ))),
        },
        "is" => {
            let set = match &f.value {
                J::Str(s) if s.eq_ignore_ascii_case("set") => true,
                J::Str(s) if s.eq_ignore_ascii_case("not set") => false,
                J::Null => false,
                _ => {
                    return Err(invalid(format!(
                        "filter on {:?}: is takes \"set\" or \"not set\"",
                        f.field
                    )))
                }
            };
            Ok(vec![one(
                if set { FilterOp::IsNot } else { FilterOp::Is },
                FilterValue::Null,
            )])
        }
        _ => {
            let op = FilterOp::parse(&op_text).ok_or_else(|| {
                invalid(format!(
                    "filter on {:?}: unknown operator {:?}",
                    f.field, f.op
                ))
            })?;
            let value = match (op, &f.value) {
                (FilterOp::In | FilterOp::NotIn, J::Str(s)) => FilterValue::List(
                    s.split(',')
                        .map(|v| FilterValue::Text(v.trim().to_owned()))
                        .collect(),
                ),
                (_, v) => filter_value(v)?,
            };
            Ok(vec![one(op, value)])
        }
    }
}

/// `order_by`: `"posting_date desc, name"`.
pub(crate) fn parse_order(
    text: &str,
    rename: impl Fn(&str) -> String,
) -> Result<Vec<OrderBy>, ErpError> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        // The direction is the last word; the field before it may be a quoted
        // `` `tabSales Invoice`.`posting_date` `` with a space inside.
        let (field, descending) = match part.rsplit_once(char::is_whitespace) {
            Some((f, dir)) if dir.eq_ignore_ascii_case("desc") => (f, true),
            Some((f, dir)) if dir.eq_ignore_ascii_case("asc") => (f, false),
            _ => (part, false),
        };
        let field = clean_field(field);
        if field.is_empty() || field.contains(char::is_whitespace) {
            return Err(invalid(format!(
                "order_by: cannot read {part:?}; write a field, then asc or desc"
            )));
        }
        out.push(OrderBy {
            column: rename(&field),
            descending,
        });
    }
    Ok(out)
}
