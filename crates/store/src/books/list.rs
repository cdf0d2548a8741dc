//! One way to list any of the books' tables: search, filters on named columns, ordering and
//! pagination. Column names are checked against the table's own list before they reach SQL;
//! values are always bound.

use sqlx::QueryBuilder;
use time::Date;

use crate::error::{Result, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    Text(String),
    Int(i64),
    Date(Date),
    Bool(bool),
    List(Vec<FilterValue>),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    NotLike,
    In,
    NotIn,
    Is,
    IsNot,
}

impl FilterOp {
    /// Frappe's spelling of the operator.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "=" | "==" => FilterOp::Eq,
            "!=" | "<>" => FilterOp::Ne,
            "<" => FilterOp::Lt,
            "<=" => FilterOp::Le,
            ">" => FilterOp::Gt,
            ">=" => FilterOp::Ge,
            "like" => FilterOp::Like,
            "not like" => FilterOp::NotLike,
            "in" => FilterOp::In,
            "not in" => FilterOp::NotIn,
            "is" => FilterOp::Is,
            "is not" => FilterOp::IsNot,
            _ => return None,
        })
    }

    fn sql(self) -> &'static str {
        match self {
            FilterOp::Eq => " = ",
            FilterOp::Ne => " <> ",
            FilterOp::Lt => " < ",
            FilterOp::Le => " <= ",
            FilterOp::Gt => " > ",
            FilterOp::Ge => " >= ",
            FilterOp::Like => " LIKE ",
            FilterOp::NotLike => " NOT LIKE ",
            FilterOp::In => " IN ",
            FilterOp::NotIn => " NOT IN ",
            FilterOp::Is => " IS ",
            FilterOp::IsNot => " IS NOT ",
        }
    }
}

/// A condition on a column, named as the table's list names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub column: String,
    pub op: FilterOp,
    pub value: FilterValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    pub column: String,
    pub descending: bool,
}

/// What a list asks for. `search` matches the table's search columns, case-insensitively.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListQuery {
    pub search: Option<String>,
    pub filters: Vec<Filter>,
    pub order_by: Vec<OrderBy>,
    pub limit: i64,
    pub offset: i64,
}

/// What a column holds, so that a filter's value is read as that type before it is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Int,
    Money,
    Date,
    Bool,
}

impl Kind {
    fn convert(self, column: &str, v: &FilterValue) -> Result<FilterValue> {
        let bad = |why: &str| StoreError::Invalid(format!("filter on {column:?}: {why}"));
        Ok(match (self, v) {
            (_, FilterValue::Null) => FilterValue::Null,
            (_, FilterValue::List(items)) => FilterValue::List(
                items
                    .iter()
                    .map(|i| self.convert(column, i))
                    .collect::<Result<_>>()?,
            ),
            (Kind::Text, FilterValue::Text(t)) => {
                storable(t)?;
                FilterValue::Text(t.clone())
            }
            (Kind::Text, FilterValue::Int(i)) => FilterValue::Text(i.to_string()),
            (Kind::Int, FilterValue::Int(i)) => FilterValue::Int(*i),
            (Kind::Int, FilterValue::Text(t)) => FilterValue::Int(
                t.trim()
                    .parse()
                    .map_err(|_| bad("expected a whole number"))?,
            ),
            (Kind::Money, FilterValue::Int(i)) => {
                let text = i.to_string();
                self.convert(column, &FilterValue::Text(text))?
            }
            (Kind::Money, FilterValue::Text(t)) => FilterValue::Int(
                tenantry_domain::books::Amount::parse(t)
                    .map_err(|e| bad(&e.message))?
                    .0,
            ),
            (Kind::Date, FilterValue::Date(d)) => FilterValue::Date(*d),
            (Kind::Date, FilterValue::Text(t)) => FilterValue::Date(
                Date::parse(
                    t.trim(),
                    &time::format_description::well_known::Iso8601::DATE,
                )
                .map_err(|_| bad("expected a date as YYYY-MM-DD"))?,
            ),
            (Kind::Bool, FilterValue::Bool(b)) => FilterValue::Bool(*b),
            (Kind::Bool, FilterValue::Int(i)) if *i == 0 || *i == 1 => FilterValue::Bool(*i == 1),
            (Kind::Bool, FilterValue::Text(t)) => match t.trim() {
                "1" | "true" => FilterValue::Bool(true),
                "0" | "false" => FilterValue::Bool(false),
                _ => return Err(bad("expected 0 or 1")),
            },
            _ => return Err(bad("the value does not fit the field")),
        })
    }
}

/// Refuses text no database can hold (a NUL) as bad input, on both backends alike: PostgreSQL
/// refuses it, and SQLite would cut a LIKE pattern short at it and match every row.
fn storable(text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(StoreError::Invalid(
            "the text holds a character that cannot be stored (such as NUL)".into(),
        ));
    }
    Ok(())
}

/// A listable table: its SQL source, the columns a filter or order may name (public name, SQL
/// expression, kind), the columns a search looks in, and the default order.
pub(crate) struct ListSpec {
    pub select: &'static str,
    pub columns: &'static [(&'static str, &'static str, Kind)],
    pub search: &'static [&'static str],
    pub default_order: &'static str,
}

impl ListSpec {
    fn column(&self, name: &str) -> Result<(&'static str, Kind)> {
        self.columns
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, sql, kind)| (*sql, *kind))
            .ok_or_else(|| StoreError::Invalid(format!("unknown field {name:?}")))
    }

    /// Builds the statement for `query` with `fixed` conditions (already SQL, no user text) ANDed.
    pub fn build<'q, DB>(
        &self,
        fixed: &[&str],
        query: &'q ListQuery,
    ) -> Result<QueryBuilder<'q, DB>>
    where
        DB: sqlx::Database,
        String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Date: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        let mut q = QueryBuilder::new(self.select);
        q.push(" WHERE 1 = 1");
        for f in fixed {
            q.push(" AND ").push(*f);
        }
        if let Some(search) = query.search.as_deref().filter(|s| !s.trim().is_empty()) {
            storable(search)?;
            let pattern = format!("%{}%", search.trim().to_lowercase());
            q.push(" AND (");
            for (i, col) in self.search.iter().enumerate() {
                if i > 0 {
                    q.push(" OR ");
                }
                q.push("LOWER(").push(*col).push(") LIKE ");
                q.push_bind(pattern.clone());
            }
            q.push(")");
        }
        for f in &query.filters {
            let (col, kind) = self.column(&f.column)?;
            let value = kind.convert(&f.column, &f.value)?;
            if matches!(f.op, FilterOp::Like | FilterOp::NotLike) && kind != Kind::Text {
                return Err(StoreError::Invalid(format!(
                    "filter on {:?}: like compares text",
                    f.column
                )));
            }
            q.push(" AND ").push(col).push(f.op.sql());
            match (&f.op, &value) {
                (FilterOp::In | FilterOp::NotIn, FilterValue::List(values)) => {
                    if values.is_empty() {
                        return Err(StoreError::Invalid(format!(
                            "filter on {:?} has an empty list",
                            f.column
                        )));
                    }
                    q.push("(");
                    for (i, v) in values.iter().enumerate() {
                        if i > 0 {
                            q.push(", ");
                        }
                        push_value(&mut q, v)?;
                    }
                    q.push(")");
                }
                (FilterOp::In | FilterOp::NotIn, _) => {
                    return Err(StoreError::Invalid(format!(
                        "filter on {:?}: in and not in take a list",
                        f.column
                    )))
                }
                (FilterOp::Is | FilterOp::IsNot, FilterValue::Null) => {
                    q.push("NULL");
                }
                (FilterOp::Is | FilterOp::IsNot, _) => {
                    return Err(StoreError::Invalid(format!(
                        "filter on {:?}: is and is not compare with null",
                        f.column
                    )))
                }
                (_, v) => push_value(&mut q, v)?,
            }
        }
        q.push(" ORDER BY ");
        if query.order_by.is_empty() {
            q.push(self.default_order);
        } else {
            for (i, o) in query.order_by.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push(self.column(&o.column)?.0)
                    .push(if o.descending { " DESC" } else { " ASC" });
            }
        }
        q.push(" LIMIT ").push_bind(query.limit.clamp(0, 10_000));
        q.push(" OFFSET ").push_bind(query.offset.max(0));
        Ok(q)
    }
}

fn push_value<'q, DB>(q: &mut QueryBuilder<'q, DB>, v: &FilterValue) -> Result<()>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Date: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    match v {
        FilterValue::Text(s) => {
            q.push_bind(s.clone());
        }
        FilterValue::Int(i) => {
            q.push_bind(*i);
        }
        FilterValue::Date(d) => {
            q.push_bind(*d);
        }
        FilterValue::Bool(b) => {
            q.push_bind(*b);
        }
        FilterValue::Null => {
            q.push("NULL");
        }
        FilterValue::List(_) => {
            return Err(StoreError::Invalid(
                "a list is only compared with in or not in".into(),
            ))
        }
    }
    Ok(())
}
