//! What a document kind declares for its pages, beside its names, permission and life cycle
//! (its [`Kind`] declaration): what its list filters by and shows, what its own page says, and
//! what its form asks. The handlers in `handlers.rs` do the rest the same way for every kind.

use std::future::Future;

use axum::response::Response;
use tenantry_domain::books::Docstatus;
use tenantry_store::books::Filter;

use super::form_data::{seg, FormData};
use super::frame::{fail, Layout};
use super::listing::{list_query, take_page};
use super::views::{Datalist, DocPage, Field, LinesView, Row};
use crate::books::caller::BooksCaller;
use crate::books::kinds::declaration::{Editable, Kind};

/// One page of a list's rows.
pub(crate) struct Listed {
    pub rows: Vec<Row>,
    /// Whether a next page follows; `None` for a list shown whole.
    pub more: Option<bool>,
}

impl Listed {
    /// One page of the kind's list (the search and `filters` applied), each row shown by `show`.
    pub async fn page<K: Kind>(
        c: &BooksCaller,
        q: &FormData,
        filters: Vec<Filter>,
        show: impl Fn(&K::Row) -> Row,
    ) -> Result<Listed, Response> {
        let mut rows = K::list(&c.books, &list_query(q, filters))
            .await
            .map_err(fail)?;
        let more = take_page(&mut rows);
        Ok(Listed {
            rows: rows.iter().map(show).collect(),
            more: Some(more),
        })
    }
}

/// What a kind's form holds besides its title, where it posts and where it goes back to.
pub(crate) struct FormParts {
    /// In place of "New <kind>" or "Edit <name>".
    pub title: Option<String>,
    pub fields: Vec<Field>,
    pub lines: Option<LinesView>,
    pub datalists: Vec<Datalist>,
    pub submit_label: &'static str,
}

impl FormParts {
    /// A form of fields alone, saved with "Save".
    pub fn fields(fields: Vec<Field>) -> FormParts {
        FormParts {
            title: None,
            fields,
            lines: None,
            datalists: Vec::new(),
            submit_label: "Save",
        }
    }
}

/// A kind's pages: its list at `/books/<path>` and its form at `/books/<path>/new`.
pub(crate) trait KindPage: Kind {
    /// The part of the books' menu its pages light up.
    const SECTION: &'static str;
    /// Its list's heading.
    const PLURAL: &'static str;
    /// A sentence under the list's heading.
    const INTRO: &'static str = "";
    /// Secondary links beside the list's "New" button: (label, href).
    const LIST_LINKS: &'static [(&'static str, &'static str)] = &[];
    /// Whether one has a page of its own ([`Viewed`]); if not, its list is where it is seen.
    const VIEW: bool = true;

    /// The list's page.
    fn base() -> String {
        format!("/books/{}", Self::INFO.path)
    }

    /// One's page (and, for a kind that changes, where its form posts).
    fn href(key: &str) -> String {
        format!("/books/{}/{}", Self::INFO.path, seg(key))
    }

    /// What names one in its URLs: a document's number (or draft name), an item's code.
    fn key(doc: &Self::Doc) -> String;

    /// Where a write leads: to what was written, or to the list for a kind with no page.
    fn saved(doc: &Self::Doc) -> String {
        if Self::VIEW {
            Self::href(&Self::key(doc))
        } else {
            Self::base()
        }
    }

    /// A document's status (its page offers submit or cancel, its form only a draft); `None`
    /// for master data.
    fn docstatus(_doc: &Self::Doc) -> Option<Docstatus> {
        None
    }

    /// The list's filter bar from the query `q`, adding what it asks for to `filters`; a
    /// malformed value is reported in `errors` and left out.
    fn filters(
        c: &BooksCaller,
        q: &FormData,
        filters: &mut Vec<Filter>,
        errors: &mut Vec<String>,
    ) -> impl Future<Output = Result<Vec<Field>, Response>> + Send;

    /// The list's column headings, and which columns are figures.
    fn columns(c: &BooksCaller) -> (&'static [&'static str], &'static [usize]);

    /// The list's rows for the query `q` and the filters the bar asked for.
    fn rows(
        c: &BooksCaller,
        q: &FormData,
        filters: Vec<Filter>,
    ) -> impl Future<Output = Result<Listed, Response>> + Send;

    /// What the list says when nothing matches.
    fn empty() -> String {
        format!("No {} match.", Self::PLURAL.to_lowercase())
    }

    /// A new one's form values, from the query `q` (the invoice a payment settles, say).
    fn blank(
        c: &BooksCaller,
        q: &FormData,
    ) -> impl Future<Output = Result<FormData, Response>> + Send;

    /// The form with the values `v`; `existing` names the one being changed.
    fn form(
        c: &BooksCaller,
        existing: Option<&str>,
        v: &FormData,
    ) -> impl Future<Output = Result<FormParts, Response>> + Send;

    /// What a new one's form asked for, or what is wrong with it.
    fn body(f: &FormData) -> Result<Self::Body, String>;
}

/// The pages of a kind whose records change: an edit form at `/books/<path>/<key>/edit`.
pub(crate) trait EditablePage: KindPage + Editable {
    /// One's values, as its form shows them.
    fn values(
        c: &BooksCaller,
        doc: &Self::Doc,
    ) -> impl Future<Output = Result<FormData, Response>> + Send;

    /// What a changed one's form asked for, or what is wrong with it.
    fn change(f: &FormData) -> Result<Self::Change, String>;
}

/// A kind whose records have a page of their own, at `/books/<path>/<key>`.
pub(crate) trait Viewed: KindPage {
    /// One's page: its facts, tables, totals and links. Edit, submit and cancel are added as
    /// its life cycle and the caller's rights allow.
    fn page(
        c: &BooksCaller,
        doc: Self::Doc,
        l: Layout,
    ) -> impl Future<Output = Result<DocPage, Response>> + Send;
}
