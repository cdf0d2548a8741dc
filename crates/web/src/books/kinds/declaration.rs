//! What a document kind declares: its names, its types, its service calls and, by the traits
//! it implements, its life cycle; and what the catalogue records of each.

use std::future::Future;

use axum::http::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tenantry_domain::Permission;
use tenantry_erp::drafts::DraftKind;
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::ListQuery;
use utoipa::ToSchema;

use crate::books::caller::BooksCaller;

/// What every surface needs to know of a kind besides its types.
#[derive(Debug)]
pub struct KindInfo {
    /// The collection's path segment: `/api/v1/<path>` and `/books/<path>`.
    pub path: &'static str,
    /// The path parameter naming one (`name`, `code`).
    pub key: &'static str,
    /// Frappe's DocType, under `/api/resource/<doctype>`.
    pub doctype: &'static str,
    /// One of them, in words: "sales invoice".
    pub singular: &'static str,
    /// Needed to create or change one; reading needs `erp.read`.
    pub write: Permission,
}

/// How a kind's records live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Created, read, and never changed (a fiscal year).
    Fixed,
    /// Created, read and changed (master data).
    Master,
    /// Draft → submitted → cancelled; only drafts change.
    Document,
}

/// A request body: whether it also asks to submit what it writes.
pub trait Written: DeserializeOwned + ToSchema + Send + 'static {
    fn submits(&self) -> bool {
        false
    }
}

/// A kind of record: listed, read and created.
pub trait Kind: Send + Sync + 'static {
    const INFO: KindInfo;
    /// What is written to create one.
    type Body: Written;
    /// One, as read.
    type Doc: Serialize + ToSchema + Send;
    /// One row of a list.
    type Row: Serialize + ToSchema + Send;

    fn list(
        books: &Books,
        query: &ListQuery,
    ) -> impl Future<Output = Result<Vec<Self::Row>, ErpError>> + Send;

    fn read(books: &Books, name: &str) -> impl Future<Output = Result<Self::Doc, ErpError>> + Send;

    fn create(
        c: &BooksCaller,
        body: Self::Body,
    ) -> impl Future<Output = Result<Self::Doc, ErpError>> + Send;
}

/// A kind whose records change after they are made.
pub trait Editable: Kind {
    /// What is written to change one.
    type Change: Written;

    fn update(
        c: &BooksCaller,
        name: &str,
        change: Self::Change,
    ) -> impl Future<Output = Result<Self::Doc, ErpError>> + Send;
}

/// A kind of document that is submitted (posted) and cancelled (reversed).
pub trait Submittable: Editable {
    /// Which kind of draft it is, for deleting one (a draft posted nothing and may go).
    const DRAFT: DraftKind;

    fn submit(
        c: &BooksCaller,
        name: &str,
    ) -> impl Future<Output = Result<Self::Doc, ErpError>> + Send;

    fn cancel(
        c: &BooksCaller,
        name: &str,
    ) -> impl Future<Output = Result<Self::Doc, ErpError>> + Send;

    /// Deletes the draft `name`; a submitted or cancelled one is refused and stays.
    fn delete_draft(
        c: &BooksCaller,
        name: &str,
    ) -> impl Future<Output = Result<(), ErpError>> + Send {
        c.books.delete_draft(Self::DRAFT, name)
    }
}

/// What a route does to a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    List,
    Create,
    Read,
    Update,
    Submit,
    Cancel,
}

/// One endpoint of a kind on the native API.
#[derive(Debug, Clone)]
pub struct Action {
    pub verb: Verb,
    pub method: Method,
    /// With the key as a `{…}` parameter.
    pub path: String,
    /// Needed beyond `erp.read`.
    pub needs: Option<Permission>,
}

/// A kind as the catalogue serves it.
#[derive(Debug)]
pub struct Declared {
    pub info: &'static KindInfo,
    pub lifecycle: Lifecycle,
    pub actions: Vec<Action>,
}
