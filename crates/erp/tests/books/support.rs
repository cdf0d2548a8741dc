//! Fresh books on a real database per test: a SQLite file in a temporary directory, or a
//! uniquely named PostgreSQL database (dropped when the fixture is closed).

use tempfile::TempDir;
use tenantry_domain::books::{Amount, ChartTemplate, InvoiceKind, Quantity, VatCategory};
use tenantry_erp::invoices::{InvoiceInput, LineInput};
use tenantry_erp::masters::{ItemInput, PartyInput};
use tenantry_erp::Books;
use tenantry_store::books::PartyKind;
use tenantry_store::db::{
    create_postgres_database, drop_postgres_databases_with_prefix, postgres_options, with_database,
};
use tenantry_store::secrets::random_hex;
use tenantry_store::{migrate, Db, SqliteDurability, TenantDb};
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn postgres_admin_url() -> String {
    std::env::var("TENANTRY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct Fixture {
    pub books: Books,
    pub db: TenantDb,
    pub today: Date,
    _dir: Option<TempDir>,
    pg_name: Option<String>,
}

/// Runs a test body once per backend: `name::sqlite` always, `name::postgres` in the PostgreSQL
/// suite (`-- --ignored`).
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let f = $crate::support::Fixture::new($crate::support::Backend::Sqlite).await;
                super::$body(&f).await;
                f.close().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "PostgreSQL suite: run with --ignored"]
            async fn postgres() {
                let f = $crate::support::Fixture::new($crate::support::Backend::Postgres).await;
                super::$body(&f).await;
                f.close().await;
            }
        }
    };
}

impl Fixture {
    pub async fn new(backend: Backend) -> Self {
        let (db, dir, pg_name) = match backend {
            Backend::Sqlite => {
                let dir = TempDir::new().unwrap();
                let db = Db::open_sqlite(
                    &dir.path().join("books.sqlite"),
                    true,
                    SqliteDurability::Normal,
                    8,
                )
                .await
                .unwrap();
                (db, Some(dir), None)
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("tenantry_erp_test_{}", random_hex(6));
                create_postgres_database(&admin, &name).await.unwrap();
                let url = with_database(&admin, &name).unwrap();
                let db = Db::open_postgres(postgres_options(&url).unwrap(), 16)
                    .await
                    .unwrap();
                (db, None, Some(name))
            }
        };
        migrate::run(&db, migrate::TENANT).await.unwrap();
        let tenant = TenantDb::new(db);
        tenant
            .seed_company("Test Trading Ltd", "GBP", "GB", 4)
            .await
            .unwrap();
        let today = time::OffsetDateTime::now_utc().date();
        tenantry_erp::seed::seed_books(&tenant, ChartTemplate::UkSmallBusiness, today)
            .await
            .unwrap();
        Fixture {
            books: Books::new(tenant.clone()),
            db: tenant,
            today,
            _dir: dir,
            pg_name,
        }
    }

    pub async fn close(self) {
        self.db.db().close().await;
        if let Some(name) = self.pg_name {
            drop_postgres_databases_with_prefix(&postgres_admin_url(), &name)
                .await
                .unwrap();
        }
    }

    pub async fn customer(&self, name: &str) {
        let input = PartyInput {
            name: name.into(),
            payment_terms_days: Some(30),
            ..PartyInput::default()
        };
        self.books
            .create_party(PartyKind::Customer, &input)
            .await
            .unwrap();
    }

    pub async fn supplier(&self, name: &str) {
        let input = PartyInput {
            name: name.into(),
            ..PartyInput::default()
        };
        self.books
            .create_party(PartyKind::Supplier, &input)
            .await
            .unwrap();
    }

    pub async fn item(&self, code: &str, stocked: bool, vat: VatCategory, sell: &str, buy: &str) {
        self.books
            .create_item(&ItemInput {
                item_code: code.into(),
                item_name: code.into(),
                item_group: None,
                unit: String::new(),
                is_stock: stocked,
                selling_price: Amount::parse(sell).unwrap(),
                buying_price: Amount::parse(buy).unwrap(),
                vat_category: Some(vat),
                barcodes: vec![],
                disabled: false,
            })
            .await
            .unwrap();
    }

    /// Creates (and with `submit`, submits) an invoice of (item, qty, rate) lines.
    pub async fn invoice(
        &self,
        kind: InvoiceKind,
        party: &str,
        lines: &[(&str, &str, &str)],
        submit: bool,
    ) -> tenantry_erp::Result<tenantry_erp::invoices::InvoiceDoc> {
        let doc = self
            .books
            .create_invoice(
                kind,
                &invoice_input(party, lines),
                "tester@example.com",
                submit,
                self.today,
            )
            .await?;
        assert_returned_as_stored(&self.books, kind, &doc, self.today).await;
        Ok(doc)
    }
}

/// A created invoice is returned as written, not read back: it must be what a read gives.
pub async fn assert_returned_as_stored(
    books: &Books,
    kind: InvoiceKind,
    doc: &tenantry_erp::invoices::InvoiceDoc,
    today: Date,
) {
    let stored = books.invoice_doc(kind, &doc.name, today).await.unwrap();
    assert_eq!(
        serde_json::to_value(doc).unwrap(),
        serde_json::to_value(&stored).unwrap(),
        "{} as returned by create_invoice and as read back",
        doc.name
    );
}

pub fn invoice_input(party: &str, lines: &[(&str, &str, &str)]) -> InvoiceInput {
    InvoiceInput {
        party: party.into(),
        posting_date: None,
        due_date: None,
        is_return: false,
        return_against: None,
        remarks: String::new(),
        items: lines
            .iter()
            .map(|(code, qty, rate)| LineInput {
                item_code: (*code).into(),
                qty: Quantity::parse(qty).unwrap(),
                rate: Some(Amount::parse(rate).unwrap()),
                description: String::new(),
                warehouse: None,
                vat_category: None,
            })
            .collect(),
    }
}

pub fn amt(s: &str) -> Amount {
    Amount::parse(s).unwrap()
}

/// The tenant database's tables, by name (the migrations' bookkeeping included).
pub async fn table_names(db: &TenantDb) -> Vec<String> {
    match db.db() {
        Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(p)
                .await
                .unwrap()
        }
        Db::Postgres(p) => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
             ORDER BY table_name",
        )
        .fetch_all(p)
        .await
        .unwrap(),
    }
}

/// Every row of `table` as text, in one fixed order (the rows' own text: a total order that
/// needs no knowledge of the table's key).
pub async fn table_rows(db: &TenantDb, table: &str) -> Vec<String> {
    match db.db() {
        Db::Sqlite(p) => {
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                    .bind(table)
                    .fetch_all(p)
                    .await
                    .unwrap();
            let row = columns
                .iter()
                .map(|c| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            sqlx::query_scalar(&format!("SELECT {row} AS r FROM \"{table}\" ORDER BY r"))
                .fetch_all(p)
                .await
                .unwrap()
        }
        Db::Postgres(p) => sqlx::query_scalar(&format!(
            "SELECT CAST(t AS TEXT) AS r FROM \"{table}\" AS t ORDER BY r"
        ))
        .fetch_all(p)
        .await
        .unwrap(),
    }
}

/// Every table of the tenant database with all its rows: what a refused operation must leave
/// exactly as it was.
pub async fn all_rows(db: &TenantDb) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out = std::collections::BTreeMap::new();
    for table in table_names(db).await {
        let rows = table_rows(db, &table).await;
        out.insert(table, rows);
    }
    out
}
