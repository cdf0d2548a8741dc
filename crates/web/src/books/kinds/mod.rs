//! The document kinds of the books, each declared once: its names, the permission that writes
//! it, what is written to create or change one, how one is read, and its life cycle. The native
//! API ([`native`]), its OpenAPI description ([`schema`]), the pages (`books::pages::handlers`)
//! and the route matrix the tests walk ([`declared`]) are generic over these declarations.
//!
//! Adding a kind: its rules in `domain`, its SQL in `store`, its service in `erp`, then a file
//! here implementing [`Kind`] (and [`Editable`], [`Submittable`] as its life cycle has them), its
//! page declaration in `books::pages` (`KindPage`, and `EditablePage`, `Viewed` likewise), and
//! one line in [`catalogue`].

use std::sync::LazyLock;

use axum::http::Method;
use axum::Router;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

use crate::books::pages::declaration::{EditablePage, KindPage, Viewed};
use crate::books::pages::handlers as pages;
use crate::AppState;

pub(crate) mod accounts;
pub(crate) mod declaration;
pub(crate) mod fiscal_years;
pub(crate) mod invoices;
pub(crate) mod items;
pub(crate) mod journals;
pub(crate) mod native;
pub(crate) mod parties;
pub(crate) mod payments;
mod schema;
pub(crate) mod stock_entries;
pub(crate) mod warehouses;

pub use self::declaration::{
    Action, Declared, Editable, Kind, KindInfo, Lifecycle, Submittable, Verb, Written,
};
pub(crate) use self::items::{with_barcodes, ItemOut};

/// The kinds, their routes (the native API's and the pages') and their API description, built
/// together so that none can be served without being described and shown, or described without
/// being served.
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
        .master_with_page::<parties::Customers>()
        .master_with_page::<parties::Suppliers>()
        .master_with_page::<items::Items>()
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
    fn fixed<K: KindPage>(self) -> Self {
        self.add::<K>(
            Lifecycle::Fixed,
            native::fixed::<K>().merge(pages::fixed::<K>()),
            schema::fixed::<K>(),
        )
    }

    fn master<K: EditablePage>(self) -> Self {
        self.add::<K>(
            Lifecycle::Master,
            native::master::<K>().merge(pages::master::<K>()),
            schema::master::<K>(),
        )
    }

    fn document<K: EditablePage + Viewed + Submittable>(self) -> Self {
        self.add::<K>(
            Lifecycle::Document,
            native::document::<K>().merge(pages::document::<K>()),
            schema::document::<K>(),
        )
    }

    /// Master data whose records have a page of their own (a document always has one).
    fn master_with_page<K: EditablePage + Viewed>(self) -> Self {
        let mut c = self.master::<K>();
        c.router = c.router.merge(pages::viewed::<K>());
        c
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

/// Every kind's routes: the native API's and the pages'.
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
