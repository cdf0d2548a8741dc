//! The document kinds of the books, each declared once: its names, the permission that writes
//! it, what is written to create or change one, how one is read, and its life cycle. The native
//! API ([`native`]), its OpenAPI description ([`schema`]) and the route matrix the tests walk
//! ([`declared`]) are generic over these declarations.
//!
//! Adding a kind: its rules in `domain`, its SQL in `store`, its service in `erp`, then a file
//! here implementing [`Kind`] (and [`Editable`], [`Submittable`] as its life cycle has them) and
//! one line in [`catalogue`].

use std::future::Future;
use std::sync::LazyLock;

use axum::http::Method;
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tenantry_domain::Permission;
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::ListQuery;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

use super::BooksCaller;
use crate::AppState;

mod accounts;
mod fiscal_years;
mod invoices;
mod items;
mod journals;
pub(crate) mod native;
mod parties;
mod payments;
mod schema;
mod stock_entries;
mod warehouses;

pub(crate) use self::items::{with_barcodes, ItemOut};

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
    fn submit(
        c: &BooksCaller,
        name: &str,
    ) -> impl Future<Output = Result<Self::Doc, ErpError>> + Send;

    fn cancel(
        c: &BooksCaller,
        name: &str,
    ) -> impl Future<Output = Result<Self::Doc, ErpError>> + Send;
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

/// The kinds, their routes and their API description, built together so that none can be
/// served without being described, or described without being served.
#[derive(Default)]
pub struct Catalogue {
    router: Router<AppState>,
    declared: Vec<Declared>,
    operations: Vec<(String, Method, Operation)>,
    schemas: Vec<(String, RefOr<Schema>)>,
}

/// Every kind, in the order the API document lists them.
fn catalogue() -> Catalogue {
    Catalogue::default()
        .master::<parties::Customers>()
        .master::<parties::Suppliers>()
        .master::<items::Items>()
        .master::<warehouses::Warehouses>()
        .master::<accounts::Accounts>()
        .fixed::<fiscal_years::FiscalYears>()
        .document::<invoices::SalesInvoices>()
        .document::<invoices::PurchaseInvoices>()
        .document::<payments::Payments>()
        .document::<journals::JournalEntries>()
        .document::<stock_entries::StockEntries>()
}

impl Catalogue {
    fn fixed<K: Kind>(self) -> Self {
        self.add::<K>(Lifecycle::Fixed, native::fixed::<K>(), schema::fixed::<K>())
    }

    fn master<K: Editable>(self) -> Self {
        self.add::<K>(
            Lifecycle::Master,
            native::master::<K>(),
            schema::master::<K>(),
        )
    }

    fn document<K: Submittable>(self) -> Self {
        self.add::<K>(
            Lifecycle::Document,
            native::document::<K>(),
            schema::document::<K>(),
        )
    }

    fn add<K: Kind>(
        mut self,
        lifecycle: Lifecycle,
        router: Router<AppState>,
        described: schema::Described,
    ) -> Self {
        self.router = self.router.merge(router);
        self.declared.push(Declared {
            info: &K::INFO,
            lifecycle,
            actions: described.actions,
        });
        self.operations.extend(described.operations);
        self.schemas.extend(described.schemas);
        self
    }
}

/// The native API's routes for every kind.
pub fn router() -> Router<AppState> {
    catalogue().router
}

/// Every declared kind with its endpoints: what the route matrices are generated from.
pub fn declared() -> &'static [Declared] {
    static DECLARED: LazyLock<Vec<Declared>> = LazyLock::new(|| catalogue().declared);
    &DECLARED
}

/// Adds every kind's endpoints and schemas to the API document.
pub fn describe(doc: &mut utoipa::openapi::OpenApi) {
    let Catalogue {
        operations,
        schemas,
        ..
    } = catalogue();
    schema::add_to(doc, operations, schemas);
}

/// A declared kind by its Frappe DocType.
pub fn by_doctype(doctype: &str) -> Option<&'static Declared> {
    declared().iter().find(|k| k.info.doctype == doctype)
}
