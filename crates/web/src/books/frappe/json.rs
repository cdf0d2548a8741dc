//! Exact JSON: documents and filters as they were written (numbers keep their text), and a document's fields taken one by one, each type-checked.

use serde_json::value::RawValue;
use std::collections::BTreeMap;
use tenantry_domain::books::Amount;
use tenantry_domain::books::Quantity;
use tenantry_erp::ErpError;
use time::Date;

/// JSON as it was written: numbers keep their text, so that money is read exactly.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(BTreeMap<String, J>),
}

/// How deep a document or a filter may nest (a document's child rows are three levels down).
pub(super) const MAX_DEPTH: usize = 8;

impl J {
    pub(crate) fn parse(text: &str) -> Result<J, String> {
        let raw: Box<RawValue> =
            serde_json::from_str(text).map_err(|e| format!("the JSON is malformed: {e}"))?;
        Self::from_raw(raw.get(), 0)
    }

    pub(super) fn from_raw(text: &str, depth: usize) -> Result<J, String> {
        if depth > MAX_DEPTH {
            return Err("the JSON is nested too deeply".into());
        }
        let bad = |e: serde_json::Error| format!("the JSON is malformed: {e}");
        let t = text.trim();
        Ok(match t.as_bytes().first() {
            Some(b'{') => {
                let m: BTreeMap<String, Box<RawValue>> = serde_json::from_str(t).map_err(bad)?;
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    out.insert(k, Self::from_raw(v.get(), depth + 1)?);
                }
                J::Obj(out)
            }
            Some(b'[') => {
                let v: Vec<Box<RawValue>> = serde_json::from_str(t).map_err(bad)?;
                J::Arr(
                    v.iter()
                        .map(|r| Self::from_raw(r.get(), depth + 1))
                        .collect::<Result<_, _>>()?,
                )
            }
            Some(b'"') => J::Str(serde_json::from_str(t).map_err(bad)?),
            Some(b't') => J::Bool(true),
            Some(b'f') => J::Bool(false),
            Some(b'n') => J::Null,
            _ => J::Num(t.to_owned()),
        })
    }

    pub(super) fn kind(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "a boolean",
            J::Num(_) => "a number",
            J::Str(_) => "text",
            J::Arr(_) => "a list",
            J::Obj(_) => "an object",
        }
    }

    /// Null, empty text, zero, false or an empty list: what a client sends for "not set".
    pub(super) fn is_blank(&self) -> bool {
        match self {
            J::Null => true,
            J::Bool(b) => !b,
            J::Num(n) => n
                .trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.'),
            J::Str(s) => s.trim().is_empty(),
            J::Arr(a) => a.is_empty(),
            J::Obj(o) => o.is_empty(),
        }
    }
}

pub(super) fn invalid(message: impl Into<String>) -> ErpError {
    ErpError::Invalid(message.into())
}

/// A text field: JSON text or null. A number, a boolean, a list or an object is refused, as the
/// native API refuses it (a customer is never named `5` because a client sent `5`).
pub(super) fn text_of(field: &str, j: J) -> Result<Option<String>, ErpError> {
    match j {
        J::Null => Ok(None),
        J::Str(s) => Ok(Some(s)),
        other => Err(invalid(format!(
            "{field} must be text, not {}",
            other.kind()
        ))),
    }
}

pub(super) fn decimal_of<T>(
    field: &str,
    j: J,
    parse: fn(&str) -> Result<T, tenantry_domain::ValidationError>,
) -> Result<Option<T>, ErpError> {
    match j {
        J::Null => Ok(None),
        J::Num(t) | J::Str(t) => parse(&t)
            .map(Some)
            .map_err(|e| invalid(format!("{field}: {}", e.message))),
        other => Err(invalid(format!(
            "{field} must be a number, not {}",
            other.kind()
        ))),
    }
}

pub(super) fn int_of(field: &str, j: J) -> Result<Option<i64>, ErpError> {
    match j {
        J::Null => Ok(None),
        J::Bool(b) => Ok(Some(i64::from(b))),
        J::Num(t) | J::Str(t) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| invalid(format!("{field} must be a whole number, not {t:?}"))),
        other => Err(invalid(format!(
            "{field} must be a whole number, not {}",
            other.kind()
        ))),
    }
}

pub(super) fn flag_of(field: &str, j: J) -> Result<Option<bool>, ErpError> {
    match j {
        J::Null => Ok(None),
        J::Bool(b) => Ok(Some(b)),
        J::Num(t) | J::Str(t) => match t.trim() {
            "1" | "true" => Ok(Some(true)),
            "0" | "false" | "" => Ok(Some(false)),
            _ => Err(invalid(format!("{field} must be 0 or 1, not {t:?}"))),
        },
        other => Err(invalid(format!(
            "{field} must be 0 or 1, not {}",
            other.kind()
        ))),
    }
}

pub(super) fn date_of(field: &str, j: J) -> Result<Option<Date>, ErpError> {
    match text_of(field, j)? {
        None => Ok(None),
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => Date::parse(
            t.trim(),
            &time::format_description::well_known::Iso8601::DATE,
        )
        .map(Some)
        .map_err(|_| invalid(format!("{field} must be a date as YYYY-MM-DD, not {t:?}"))),
    }
}

/// Fields every document may carry that are Frappe's bookkeeping, not its content.
pub(super) const FRAPPE_META: &[&str] = &[
    "doctype",
    "name",
    "owner",
    "creation",
    "modified",
    "modified_by",
    "idx",
    "docstatus",
    "parent",
    "parentfield",
    "parenttype",
    "company",
    "naming_series",
    "__islocal",
    "__unsaved",
    "_user_tags",
    "_comments",
    "_assign",
    "_liked_by",
];

/// A document as a client sent it. Fields are taken as they are read; whatever is left at the end
/// was not understood, and is refused unless it is Frappe's bookkeeping, a field these books work
/// out themselves, or blank.
pub(super) struct Body {
    pub(super) doctype: &'static str,
    pub(super) map: BTreeMap<String, J>,
}

impl Body {
    pub(super) fn new(doctype: &'static str, j: J) -> Result<Body, ErpError> {
        match j {
            J::Obj(map) => Ok(Body { doctype, map }),
            other => Err(invalid(format!(
                "a {doctype} is sent as a JSON object, not {}",
                other.kind()
            ))),
        }
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub(super) fn take(&mut self, key: &str) -> J {
        self.map.remove(key).unwrap_or(J::Null)
    }

    pub(super) fn text(&mut self, key: &str) -> Result<Option<String>, ErpError> {
        let j = self.take(key);
        text_of(key, j)
    }

    pub(super) fn amount(&mut self, key: &str) -> Result<Option<Amount>, ErpError> {
        let j = self.take(key);
        decimal_of(key, j, Amount::parse)
    }

    pub(super) fn qty(&mut self, key: &str) -> Result<Option<Quantity>, ErpError> {
        let j = self.take(key);
        decimal_of(key, j, Quantity::parse)
    }

    pub(super) fn int(&mut self, key: &str) -> Result<Option<i64>, ErpError> {
        let j = self.take(key);
        int_of(key, j)
    }

    pub(super) fn flag(&mut self, key: &str) -> Result<Option<bool>, ErpError> {
        let j = self.take(key);
        flag_of(key, j)
    }

    pub(super) fn date(&mut self, key: &str) -> Result<Option<Date>, ErpError> {
        let j = self.take(key);
        date_of(key, j)
    }

    /// One of two spellings of an amount (`debit_in_account_currency` or `debit`); refused when
    /// both are sent and disagree.
    pub(super) fn amount_either(&mut self, a: &str, b: &str) -> Result<Option<Amount>, ErpError> {
        match (self.amount(a)?, self.amount(b)?) {
            (Some(x), Some(y)) if x != y => Err(invalid(format!(
                "{a} ({x}) and {b} ({y}) disagree; send one of them"
            ))),
            (Some(x), _) | (None, Some(x)) => Ok(Some(x)),
            (None, None) => Ok(None),
        }
    }

    pub(super) fn rows(
        &mut self,
        key: &str,
        doctype: &'static str,
    ) -> Result<Option<Vec<Body>>, ErpError> {
        match self.take(key) {
            J::Null => Ok(None),
            J::Arr(items) => items
                .into_iter()
                .map(|i| Body::new(doctype, i))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            other => Err(invalid(format!(
                "{key} must be a list of rows, not {}",
                other.kind()
            ))),
        }
    }

    /// Refuses what is left unless it may be ignored.
    pub(super) fn finish(self, ignored: &[&str]) -> Result<(), ErpError> {
        let unknown: Vec<&String> = self
            .map
            .iter()
            .filter(|(k, v)| {
                !FRAPPE_META.contains(&k.as_str())
                    && !ignored.contains(&k.as_str())
                    && !v.is_blank()
            })
            .map(|(k, _)| k)
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(invalid(format!(
            "unknown field{} for {}: {}",
            if unknown.len() > 1 { "s" } else { "" },
            self.doctype,
            unknown
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}
