//! Documents as Frappe writes them: fields in order, exact numbers, Frappe's timestamps and child-row bookkeeping.

use super::json::invalid;
use serde::ser::SerializeMap;
use serde::ser::Serializer;
use serde::Serialize;
use serde_json::value::RawValue;
use tenantry_domain::books::Amount;
use tenantry_domain::books::Quantity;
use tenantry_erp::ErpError;
use time::Date;

/// A field's value in a response.
#[derive(Debug)]
pub(super) enum V {
    Null,
    Str(String),
    Int(i64),
    /// An exact decimal, written as a JSON number from its text.
    Num(String),
    Rows(Vec<Doc>),
}

impl Serialize for V {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            V::Null => s.serialize_none(),
            V::Str(t) => s.serialize_str(t),
            V::Int(i) => s.serialize_i64(*i),
            V::Num(t) => match RawValue::from_string(t.clone()) {
                Ok(raw) => raw.serialize(s),
                Err(_) => s.serialize_str(t),
            },
            V::Rows(rows) => rows.serialize(s),
        }
    }
}

/// A document: its fields in order.
#[derive(Debug, Default)]
pub(super) struct Doc(pub(super) Vec<(String, V)>);

impl Doc {
    pub(super) fn push(&mut self, key: &str, v: V) {
        self.0.push((key.to_owned(), v));
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

pub(super) fn s(t: impl Into<String>) -> V {
    V::Str(t.into())
}

pub(super) fn opt(t: Option<impl Into<String>>) -> V {
    t.map_or(V::Null, |t| V::Str(t.into()))
}

pub(super) fn money(a: Amount) -> V {
    V::Num(a.to_string())
}

pub(super) fn qty(q: Quantity) -> V {
    V::Num(q.to_string())
}

pub(super) fn check(b: bool) -> V {
    V::Int(i64::from(b))
}

pub(super) fn day(d: Date) -> V {
    V::Str(d.to_string())
}

/// Frappe's timestamps: `2026-04-01 09:30:00.000000` (UTC here).
pub(super) fn stamp(unix: i64) -> V {
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]"
    );
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .map_or(V::Null, V::Str)
}

/// Reads a timestamp filter (`"2026-04-01 09:30:00"`, `"2026-04-01"`) as Unix seconds.
pub(super) fn unix_of(text: &str) -> Option<i64> {
    let t = text.trim();
    let date_only = time::macros::format_description!("[year]-[month]-[day]");
    let with_time =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let day_part = t.get(..19).unwrap_or(t);
    time::PrimitiveDateTime::parse(day_part, &with_time)
        .map(|d| d.assume_utc().unix_timestamp())
        .or_else(|_| Date::parse(t, &date_only).map(|d| d.midnight().assume_utc().unix_timestamp()))
        .ok()
}

/// The fields a list asked for: `["*"]` means every field.
pub(super) fn wanted(
    fields: &[String],
    all: &'static [&'static str],
    doctype: &str,
) -> Result<Vec<String>, ErpError> {
    let mut out: Vec<String> = Vec::new();
    for f in fields {
        if f == "*" {
            for a in all {
                if !out.iter().any(|o| o == a) {
                    out.push((*a).to_owned());
                }
            }
        } else if all.contains(&f.as_str()) {
            if !out.contains(f) {
                out.push(f.clone());
            }
        } else {
            return Err(invalid(format!("unknown field {f:?} for {doctype}")));
        }
    }
    Ok(out)
}

pub(super) fn project<T>(
    rows: &[T],
    fields: &[String],
    value: impl Fn(&T, &str) -> Option<V>,
) -> Vec<Doc> {
    rows.iter()
        .map(|r| {
            let mut d = Doc::default();
            for f in fields {
                d.push(f, value(r, f).unwrap_or(V::Null));
            }
            d
        })
        .collect()
}

/// Every field of one row, with its DocType: the start of a full document.
pub(super) fn whole<T>(
    doctype: &str,
    row: &T,
    all: &[&str],
    value: impl Fn(&T, &str) -> Option<V>,
) -> Doc {
    let mut d = Doc::default();
    for f in all {
        d.push(f, value(row, f).unwrap_or(V::Null));
    }
    d.push("doctype", s(doctype));
    d
}

/// A child row's Frappe bookkeeping.
pub(super) fn child(
    doctype: &str,
    parent: &str,
    parentfield: &str,
    parenttype: &str,
    idx: usize,
) -> Doc {
    let mut d = Doc::default();
    d.push("doctype", s(doctype));
    d.push("parent", s(parent));
    d.push("parentfield", s(parentfield));
    d.push("parenttype", s(parenttype));
    d.push("idx", V::Int(idx as i64));
    d
}
