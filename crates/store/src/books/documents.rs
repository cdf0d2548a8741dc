//! Documents: invoices, payments, journal entries and stock entries, as drafts and as posted.
//! Drafts are written through [`BooksTx`] too, so that "create and submit" is one transaction.

use serde::Serialize;
use sqlx::{FromRow, QueryBuilder};
use tenantry_domain::books::{
    Amount, Docstatus, DocumentKind, InvoiceKind, InvoiceStatus, PaymentDirection, Quantity,
    VatCategory,
};
use time::Date;

use super::list::{Kind, ListQuery, ListSpec};
use super::masters::run_list;
use super::posting::{close_part, open_part, push_ledger_write, BooksTx, LedgerWrite};
use super::{lockable, locking, on_tx, stamp};
use crate::error::{Result, StoreError};
use crate::on_db;
use crate::tenant_db::TenantDb;

/// The tables of numbered documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocTable {
    Invoices,
    Payments,
    JournalEntries,
    StockEntries,
}

impl DocTable {
    fn name(self) -> &'static str {
        match self {
            DocTable::Invoices => "invoices",
            DocTable::Payments => "payments",
            DocTable::JournalEntries => "journal_entries",
            DocTable::StockEntries => "stock_entries",
        }
    }
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Invoice {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: InvoiceKind,
    pub number: Option<String>,
    #[sqlx(try_from = "i64")]
    pub docstatus: Docstatus,
    pub party_id: i64,
    pub party_name: String,
    pub posting_date: Date,
    pub due_date: Date,
    pub is_return: bool,
    pub return_against_id: Option<i64>,
    pub return_against: Option<String>,
    #[sqlx(try_from = "i64")]
    pub net_total: Amount,
    #[sqlx(try_from = "i64")]
    pub vat_total: Amount,
    #[sqlx(try_from = "i64")]
    pub grand_total: Amount,
    #[sqlx(try_from = "i64")]
    pub outstanding: Amount,
    /// Whether a submitted credit note stands against this invoice.
    pub credited: bool,
    pub remarks: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Invoice {
    /// The number once submitted; the draft name before.
    pub fn name(&self) -> String {
        self.number
            .clone()
            .unwrap_or_else(|| self.kind.document().draft_name(self.id))
    }

    /// Its status as of `today`.
    pub fn status(&self, today: Date) -> InvoiceStatus {
        InvoiceStatus::of(
            self.docstatus,
            self.is_return,
            self.credited,
            self.grand_total,
            self.outstanding,
            self.due_date,
            today,
        )
    }
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct InvoiceLine {
    pub id: i64,
    pub idx: i64,
    pub item_id: i64,
    pub item_code: String,
    pub item_name: String,
    pub is_stock: bool,
    pub description: String,
    #[sqlx(try_from = "i64")]
    pub qty: Quantity,
    #[sqlx(try_from = "i64")]
    pub rate: Amount,
    #[sqlx(try_from = "i64")]
    pub net: Amount,
    #[sqlx(try_from = "String")]
    pub vat_category: VatCategory,
    #[sqlx(try_from = "i64")]
    pub vat: Amount,
    pub account_id: i64,
    pub warehouse_id: Option<i64>,
    /// Cost of goods at valuation, set when a stocked line is posted.
    pub cost: Option<i64>,
}

/// An invoice as written by its author: header, lines and the totals worked out from them.
#[derive(Debug, Clone)]
pub struct InvoiceDraft {
    pub kind: InvoiceKind,
    pub party_id: i64,
    pub posting_date: Date,
    pub due_date: Date,
    pub is_return: bool,
    pub return_against_id: Option<i64>,
    pub remarks: String,
    pub created_by: String,
    pub net_total: Amount,
    pub vat_total: Amount,
    pub grand_total: Amount,
    pub lines: Vec<LineDraft>,
}

/// How a new invoice is stored when it is posted in the same transaction.
#[derive(Debug, Clone)]
pub struct PostedAs {
    pub number: String,
    pub outstanding: Amount,
    /// Per line, its cost at valuation (stocked sales lines).
    pub costs: Vec<Option<Amount>>,
    /// Its stock movements and ledger entries, written with it.
    pub ledger: LedgerWrite,
}

/// A new invoice as written: its id, its lines' ids in line order, and its timestamp.
#[derive(Debug, Clone)]
pub struct StoredInvoice {
    pub id: i64,
    pub line_ids: Vec<i64>,
    pub created_at: i64,
}

/// Reads the rows `… RETURNING invoice_id, idx, id` gave back.
fn stored_invoice(mut rows: Vec<(i64, i64, i64)>, created_at: i64) -> Result<StoredInvoice> {
    rows.sort_by_key(|r| r.1);
    let id = rows
        .first()
        .map(|r| r.0)
        .ok_or_else(|| StoreError::Corrupt("an invoice was written without lines".into()))?;
    Ok(StoredInvoice {
        id,
        line_ids: rows.into_iter().map(|r| r.2).collect(),
        created_at,
    })
}

/// Pushes `INSERT INTO invoices … VALUES (…)`: a new invoice's header with its number (none for a
/// draft), docstatus and outstanding amount.
macro_rules! push_invoice_row {
    ($q:expr, $d:expr, $number:expr, $docstatus:literal, $outstanding:expr, $now:expr) => {{
        let (d, now): (&InvoiceDraft, i64) = ($d, $now);
        $q.push(
            "INSERT INTO invoices (kind, number, docstatus, party_id, posting_date, due_date, is_return,
             return_against_id, net_total, vat_total, grand_total, outstanding, remarks, created_by,
             created_at, updated_at) VALUES (",
        );
        let mut v = $q.separated(", ");
        v.push_bind(d.kind.as_str())
            .push_bind($number)
            .push(stringify!($docstatus))
            .push_bind(d.party_id)
            .push_bind(d.posting_date)
            .push_bind(d.due_date)
            .push_bind(d.is_return)
            .push_bind(d.return_against_id)
            .push_bind(d.net_total.0)
            .push_bind(d.vat_total.0)
            .push_bind(d.grand_total.0)
            .push_bind($outstanding.0)
            .push_bind(d.remarks.as_str())
            .push_bind(d.created_by.as_str())
            .push_bind(now)
            .push_bind(now);
        $q.push(")");
    }};
}

/// Pushes `VALUES (…), (…)` of invoice lines, in the column order of `invoice_lines` after
/// `invoice_id`; `costs` (per line, when posted) may be empty.
macro_rules! push_line_values {
    ($q:expr, $lines:expr, $costs:expr) => {{
        let (lines, costs): (&[LineDraft], &[Option<Amount>]) = ($lines, $costs);
        $q.push_values(lines.iter().enumerate(), |mut b, (i, l)| {
            b.push_bind(i as i64 + 1)
                .push_bind(l.item_id)
                .push_bind(l.description.as_str())
                .push_bind(l.qty.0)
                .push_bind(l.rate.0)
                .push_bind(l.net.0)
                .push_bind(l.vat_category.as_str())
                .push_bind(l.vat.0)
                .push_bind(l.account_id)
                .push_bind(l.warehouse_id)
                .push_bind(costs.get(i).copied().flatten().map(|c| c.0));
        });
    }};
}

#[derive(Debug, Clone)]
pub struct LineDraft {
    pub item_id: i64,
    pub description: String,
    pub qty: Quantity,
    pub rate: Amount,
    pub net: Amount,
    pub vat_category: VatCategory,
    pub vat: Amount,
    pub account_id: i64,
    pub warehouse_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Payment {
    pub id: i64,
    pub number: Option<String>,
    #[sqlx(try_from = "i64")]
    pub docstatus: Docstatus,
    #[sqlx(try_from = "String")]
    pub direction: PaymentDirection,
    pub party_id: i64,
    pub party_name: String,
    pub party_kind: String,
    pub posting_date: Date,
    #[sqlx(try_from = "i64")]
    pub amount: Amount,
    pub account_id: i64,
    pub account_name: String,
    pub reference: String,
    pub remarks: String,
    pub created_by: String,
    pub created_at: i64,
}

impl Payment {
    pub fn name(&self) -> String {
        self.number
            .clone()
            .unwrap_or_else(|| DocumentKind::Payment.draft_name(self.id))
    }
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Allocation {
    pub invoice_id: i64,
    pub invoice_number: Option<String>,
    #[sqlx(try_from = "i64")]
    pub amount: Amount,
}

#[derive(Debug, Clone)]
pub struct PaymentDraft {
    pub direction: PaymentDirection,
    pub party_id: i64,
    pub posting_date: Date,
    pub amount: Amount,
    pub account_id: i64,
    pub reference: String,
    pub remarks: String,
    pub created_by: String,
    /// (invoice id, amount)
    pub allocations: Vec<(i64, Amount)>,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct JournalEntry {
    pub id: i64,
    pub number: Option<String>,
    #[sqlx(try_from = "i64")]
    pub docstatus: Docstatus,
    pub posting_date: Date,
    pub remarks: String,
    pub created_by: String,
    pub created_at: i64,
    #[sqlx(try_from = "i64")]
    pub total_debit: Amount,
}

impl JournalEntry {
    pub fn name(&self) -> String {
        self.number
            .clone()
            .unwrap_or_else(|| DocumentKind::JournalEntry.draft_name(self.id))
    }
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct JournalLine {
    pub idx: i64,
    pub account_id: i64,
    pub account_name: String,
    pub party_id: Option<i64>,
    pub party_name: Option<String>,
    /// `customer` or `supplier` when the line names a party.
    pub party_kind: Option<String>,
    #[sqlx(try_from = "i64")]
    pub debit: Amount,
    #[sqlx(try_from = "i64")]
    pub credit: Amount,
}

#[derive(Debug, Clone)]
pub struct JournalDraft {
    pub posting_date: Date,
    pub remarks: String,
    pub created_by: String,
    /// (account id, party id, debit, credit)
    pub lines: Vec<(i64, Option<i64>, Amount, Amount)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StockPurpose {
    Receipt,
    Issue,
    Transfer,
}

impl StockPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            StockPurpose::Receipt => "receipt",
            StockPurpose::Issue => "issue",
            StockPurpose::Transfer => "transfer",
        }
    }

    /// Frappe's `stock_entry_type`.
    pub fn title(self) -> &'static str {
        match self {
            StockPurpose::Receipt => "Material Receipt",
            StockPurpose::Issue => "Material Issue",
            StockPurpose::Transfer => "Material Transfer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "receipt" | "material receipt" => Some(StockPurpose::Receipt),
            "issue" | "material issue" => Some(StockPurpose::Issue),
            "transfer" | "material transfer" => Some(StockPurpose::Transfer),
            _ => None,
        }
    }
}

impl TryFrom<String> for StockPurpose {
    type Error = StoreError;
    fn try_from(s: String) -> Result<Self> {
        StockPurpose::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("stock purpose {s:?}")))
    }
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct StockEntry {
    pub id: i64,
    pub number: Option<String>,
    #[sqlx(try_from = "i64")]
    pub docstatus: Docstatus,
    #[sqlx(try_from = "String")]
    pub purpose: StockPurpose,
    pub posting_date: Date,
    pub remarks: String,
    pub created_by: String,
    pub created_at: i64,
}

impl StockEntry {
    pub fn name(&self) -> String {
        self.number
            .clone()
            .unwrap_or_else(|| DocumentKind::StockEntry.draft_name(self.id))
    }
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct StockEntryLine {
    pub id: i64,
    pub idx: i64,
    pub item_id: i64,
    pub item_code: String,
    #[sqlx(try_from = "i64")]
    pub qty: Quantity,
    pub from_warehouse_id: Option<i64>,
    pub to_warehouse_id: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub rate: Amount,
    pub value: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct StockEntryDraft {
    pub purpose: StockPurpose,
    pub posting_date: Date,
    pub remarks: String,
    pub created_by: String,
    pub lines: Vec<StockLineDraft>,
}

#[derive(Debug, Clone)]
pub struct StockLineDraft {
    pub item_id: i64,
    pub qty: Quantity,
    pub from_warehouse_id: Option<i64>,
    pub to_warehouse_id: Option<i64>,
    /// Cost per unit of goods received.
    pub rate: Amount,
}

const INVOICE: &str = "SELECT inv.id, inv.kind, inv.number, inv.docstatus, inv.party_id, pa.name AS party_name,
    inv.posting_date, inv.due_date, inv.is_return, inv.return_against_id, ra.number AS return_against,
    inv.net_total, inv.vat_total, inv.grand_total, inv.outstanding,
    EXISTS (SELECT 1 FROM invoices cn WHERE cn.return_against_id = inv.id AND cn.docstatus = 1) AS credited,
    inv.remarks, inv.created_by, inv.created_at, inv.updated_at
    FROM invoices inv JOIN parties pa ON pa.id = inv.party_id
    LEFT JOIN invoices ra ON ra.id = inv.return_against_id";

const INVOICE_LINES: &str =
    "SELECT l.id, l.idx, l.item_id, i.code AS item_code, i.name AS item_name, i.is_stock,
    l.description, l.qty, l.rate, l.net, l.vat_category, l.vat, l.account_id, l.warehouse_id, l.cost
    FROM invoice_lines l JOIN items i ON i.id = l.item_id WHERE l.invoice_id = $1 ORDER BY l.idx";

const PAYMENT: &str = "SELECT pe.id, pe.number, pe.docstatus, pe.direction, pe.party_id, pa.name AS party_name,
    pa.kind AS party_kind, pe.posting_date, pe.amount, pe.account_id, ac.name AS account_name, pe.reference,
    pe.remarks, pe.created_by, pe.created_at
    FROM payments pe JOIN parties pa ON pa.id = pe.party_id JOIN accounts ac ON ac.id = pe.account_id";

const JOURNAL: &str = "SELECT je.id, je.number, je.docstatus, je.posting_date, je.remarks, je.created_by, je.created_at,
    CAST(COALESCE((SELECT SUM(debit) FROM journal_lines jl WHERE jl.journal_id = je.id), 0) AS BIGINT) AS total_debit
    FROM journal_entries je";

const STOCK_ENTRY: &str =
    "SELECT id, number, docstatus, purpose, posting_date, remarks, created_by, created_at
    FROM stock_entries";

pub(crate) static INVOICE_LIST: ListSpec = ListSpec {
    select: INVOICE,
    columns: &[
        ("name", "COALESCE(inv.number, CASE inv.kind WHEN 'sales' THEN 'SINV' ELSE 'PINV' END || '-DRAFT-' || inv.id)", Kind::Text),
        ("docstatus", "inv.docstatus", Kind::Int),
        ("customer", "pa.name", Kind::Text),
        ("supplier", "pa.name", Kind::Text),
        ("party", "pa.name", Kind::Text),
        ("posting_date", "inv.posting_date", Kind::Date),
        ("due_date", "inv.due_date", Kind::Date),
        ("is_return", "inv.is_return", Kind::Bool),
        ("net_total", "inv.net_total", Kind::Money),
        ("total_taxes_and_charges", "inv.vat_total", Kind::Money),
        ("grand_total", "inv.grand_total", Kind::Money),
        ("outstanding_amount", "inv.outstanding", Kind::Money),
        ("creation", "inv.created_at", Kind::Int),
        ("modified", "inv.updated_at", Kind::Int),
    ],
    search: &["inv.number", "pa.name", "inv.remarks"],
    default_order: "inv.posting_date DESC, inv.id DESC",
};

pub(crate) static PAYMENT_LIST: ListSpec = ListSpec {
    select: PAYMENT,
    columns: &[
        (
            "name",
            "COALESCE(pe.number, 'PAY-DRAFT-' || pe.id)",
            Kind::Text,
        ),
        ("docstatus", "pe.docstatus", Kind::Int),
        ("payment_type", "pe.direction", Kind::Text),
        ("party", "pa.name", Kind::Text),
        ("posting_date", "pe.posting_date", Kind::Date),
        ("paid_amount", "pe.amount", Kind::Money),
        ("reference_no", "pe.reference", Kind::Text),
        ("creation", "pe.created_at", Kind::Int),
    ],
    search: &["pe.number", "pa.name", "pe.reference"],
    default_order: "pe.posting_date DESC, pe.id DESC",
};

pub(crate) static JOURNAL_LIST: ListSpec = ListSpec {
    select: JOURNAL,
    columns: &[
        (
            "name",
            "COALESCE(je.number, 'JV-DRAFT-' || je.id)",
            Kind::Text,
        ),
        ("docstatus", "je.docstatus", Kind::Int),
        ("posting_date", "je.posting_date", Kind::Date),
        ("user_remark", "je.remarks", Kind::Text),
        ("creation", "je.created_at", Kind::Int),
    ],
    search: &["je.number", "je.remarks"],
    default_order: "je.posting_date DESC, je.id DESC",
};

pub(crate) static STOCK_ENTRY_LIST: ListSpec = ListSpec {
    select: STOCK_ENTRY,
    columns: &[
        ("name", "COALESCE(number, 'STE-DRAFT-' || id)", Kind::Text),
        ("docstatus", "docstatus", Kind::Int),
        ("purpose", "purpose", Kind::Text),
        ("posting_date", "posting_date", Kind::Date),
        ("creation", "created_at", Kind::Int),
    ],
    search: &["number", "remarks"],
    default_order: "posting_date DESC, id DESC",
};

/// Parses `PREFIX-DRAFT-<id>` for `kind`.
fn draft_id(kind: DocumentKind, name: &str) -> Option<i64> {
    name.strip_prefix(kind.prefix())?
        .strip_prefix("-DRAFT-")?
        .parse()
        .ok()
}

impl TenantDb {
    pub async fn invoice(&self, id: i64) -> Result<Option<Invoice>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as(&format!("{INVOICE} WHERE inv.id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await?),
        )
    }

    /// An invoice of `kind` by its number or draft name.
    pub async fn invoice_named(&self, kind: InvoiceKind, name: &str) -> Result<Option<Invoice>> {
        let found = match draft_id(kind.document(), name) {
            Some(id) => self.invoice(id).await?,
            None => {
                on_db!(self.db(), p => sqlx::query_as(&format!("{INVOICE} WHERE inv.number = $1"))
                .bind(name)
                .fetch_optional(p)
                .await?)
            }
        };
        Ok(found.filter(|i: &Invoice| i.kind == kind))
    }

    pub async fn invoice_lines(&self, id: i64) -> Result<Vec<InvoiceLine>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(INVOICE_LINES).bind(id).fetch_all(p).await?))
    }

    pub async fn list_invoices(
        &self,
        kind: InvoiceKind,
        query: &ListQuery,
    ) -> Result<Vec<Invoice>> {
        let fixed = match kind {
            InvoiceKind::Sales => "inv.kind = 'sales'",
            InvoiceKind::Purchase => "inv.kind = 'purchase'",
        };
        run_list!(self.db(), INVOICE_LIST, &[fixed], query, Invoice)
    }

    /// Submitted invoices of `kind` against which `invoice_id` may be credited: the credit
    /// notes already issued against it.
    pub async fn credit_notes_against(&self, invoice_id: i64) -> Result<Vec<Invoice>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(&format!(
            "{INVOICE} WHERE inv.return_against_id = $1 AND inv.docstatus = 1 ORDER BY inv.id"
        ))
        .bind(invoice_id)
        .fetch_all(p)
        .await?))
    }

    pub async fn payment(&self, id: i64) -> Result<Option<Payment>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as(&format!("{PAYMENT} WHERE pe.id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn payment_named(&self, name: &str) -> Result<Option<Payment>> {
        match draft_id(DocumentKind::Payment, name) {
            Some(id) => self.payment(id).await,
            None => Ok(
                on_db!(self.db(), p => sqlx::query_as(&format!("{PAYMENT} WHERE pe.number = $1"))
                .bind(name)
                .fetch_optional(p)
                .await?),
            ),
        }
    }

    pub async fn allocations(&self, payment_id: i64) -> Result<Vec<Allocation>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT a.invoice_id, i.number AS invoice_number, a.amount FROM payment_allocations a
             JOIN invoices i ON i.id = a.invoice_id WHERE a.payment_id = $1 ORDER BY a.id",
        )
        .bind(payment_id)
        .fetch_all(p)
        .await?))
    }

    /// Submitted payments allocated to an invoice.
    pub async fn payments_of_invoice(
        &self,
        invoice_id: i64,
    ) -> Result<Vec<(String, Date, Amount)>> {
        let rows: Vec<(Option<String>, Date, i64)> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT pe.number, pe.posting_date, a.amount FROM payment_allocations a
             JOIN payments pe ON pe.id = a.payment_id WHERE a.invoice_id = $1 AND pe.docstatus = 1
             ORDER BY pe.posting_date, pe.id",
        )
        .bind(invoice_id)
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(n, d, a)| (n.unwrap_or_default(), d, Amount(a)))
            .collect())
    }

    pub async fn list_payments(&self, query: &ListQuery) -> Result<Vec<Payment>> {
        run_list!(self.db(), PAYMENT_LIST, &[], query, Payment)
    }

    pub async fn journal(&self, id: i64) -> Result<Option<JournalEntry>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as(&format!("{JOURNAL} WHERE je.id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn journal_named(&self, name: &str) -> Result<Option<JournalEntry>> {
        match draft_id(DocumentKind::JournalEntry, name) {
            Some(id) => self.journal(id).await,
            None => Ok(
                on_db!(self.db(), p => sqlx::query_as(&format!("{JOURNAL} WHERE je.number = $1"))
                .bind(name)
                .fetch_optional(p)
                .await?),
            ),
        }
    }

    pub async fn journal_lines(&self, id: i64) -> Result<Vec<JournalLine>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(JOURNAL_LINES).bind(id).fetch_all(p).await?))
    }

    pub async fn list_journals(&self, query: &ListQuery) -> Result<Vec<JournalEntry>> {
        run_list!(self.db(), JOURNAL_LIST, &[], query, JournalEntry)
    }

    pub async fn stock_entry(&self, id: i64) -> Result<Option<StockEntry>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as(&format!("{STOCK_ENTRY} WHERE id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn stock_entry_named(&self, name: &str) -> Result<Option<StockEntry>> {
        match draft_id(DocumentKind::StockEntry, name) {
            Some(id) => self.stock_entry(id).await,
            None => Ok(
                on_db!(self.db(), p => sqlx::query_as(&format!("{STOCK_ENTRY} WHERE number = $1"))
                .bind(name)
                .fetch_optional(p)
                .await?),
            ),
        }
    }

    pub async fn stock_entry_lines(&self, id: i64) -> Result<Vec<StockEntryLine>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(STOCK_ENTRY_LINES).bind(id).fetch_all(p).await?))
    }

    pub async fn list_stock_entries(&self, query: &ListQuery) -> Result<Vec<StockEntry>> {
        run_list!(self.db(), STOCK_ENTRY_LIST, &[], query, StockEntry)
    }
}

const JOURNAL_LINES: &str =
    "SELECT jl.idx, jl.account_id, ac.name AS account_name, jl.party_id, pa.name AS party_name,
    pa.kind AS party_kind, jl.debit, jl.credit FROM journal_lines jl JOIN accounts ac ON ac.id = jl.account_id
    LEFT JOIN parties pa ON pa.id = jl.party_id WHERE jl.journal_id = $1 ORDER BY jl.idx";

const STOCK_ENTRY_LINES: &str =
    "SELECT l.id, l.idx, l.item_id, i.code AS item_code, l.qty, l.from_warehouse_id,
    l.to_warehouse_id, l.rate, l.value FROM stock_entry_lines l JOIN items i ON i.id = l.item_id
    WHERE l.entry_id = $1 ORDER BY l.idx";

impl BooksTx {
    /// Writes a new invoice with its lines, as a draft or (with `posted`) as submitted together
    /// with its ledger write, all in one round trip.
    pub async fn insert_invoice(
        &mut self,
        d: &InvoiceDraft,
        posted: Option<&PostedAs>,
    ) -> Result<StoredInvoice> {
        let Some(p) = posted else {
            return self.insert_invoice_draft(d).await;
        };
        let now = stamp();
        let postgres = self.is_postgres();
        let rows: Vec<(i64, i64, i64)> = on_tx!(&mut self.inner, c => {
            let mut q = QueryBuilder::new("");
            push_ledger_write!(&mut q, &p.ledger, postgres);
            open_part(&mut q, postgres, "invoice");
            push_invoice_row!(&mut q, d, Some(p.number.as_str()), 1, p.outstanding, now);
            if postgres {
                q.push(" RETURNING id");
            }
            close_part(&mut q, postgres);
            // The lines find their invoice by its number: the new row (SQLite, whose earlier
            // statement wrote it) or the `WITH` part's result (PostgreSQL, where the table does
            // not show the statement's own writes).
            q.push(
                "INSERT INTO invoice_lines (invoice_id, idx, item_id, description, qty, rate, net,
                 vat_category, vat, account_id, warehouse_id, cost) SELECT inv.id, v.* FROM ",
            );
            q.push(if postgres { "invoice AS inv, (" } else { "invoices AS inv, (" });
            push_line_values!(&mut q, &d.lines, &p.costs);
            q.push(") AS v");
            if !postgres {
                q.push(" WHERE inv.number = ").push_bind(p.number.as_str());
            }
            q.push(" RETURNING invoice_id, idx, id");
            q.build_query_as().fetch_all(&mut **c).await?
        });
        stored_invoice(rows, now)
    }

    async fn insert_invoice_draft(&mut self, d: &InvoiceDraft) -> Result<StoredInvoice> {
        let now = stamp();
        let id: i64 = on_tx!(&mut self.inner, c => {
            let mut q = QueryBuilder::new("");
            push_invoice_row!(&mut q, d, None::<&str>, 0, d.grand_total, now);
            q.push(" RETURNING id");
            q.build_query_scalar().fetch_one(&mut **c).await?
        });
        let rows = self.insert_invoice_lines(id, &d.lines).await?;
        stored_invoice(rows, now)
    }

    /// Replaces a draft's header and lines; false if it is no longer a draft.
    pub async fn replace_invoice_draft(&mut self, id: i64, d: &InvoiceDraft) -> Result<bool> {
        let updated = on_tx!(&mut self.inner, c => sqlx::query(
            "UPDATE invoices SET party_id = $2, posting_date = $3, due_date = $4, is_return = $5,
             return_against_id = $6, net_total = $7, vat_total = $8, grand_total = $9, outstanding = $9,
             remarks = $10, updated_at = $11 WHERE id = $1 AND docstatus = 0",
        )
        .bind(id)
        .bind(d.party_id)
        .bind(d.posting_date)
        .bind(d.due_date)
        .bind(d.is_return)
        .bind(d.return_against_id)
        .bind(d.net_total.0)
        .bind(d.vat_total.0)
        .bind(d.grand_total.0)
        .bind(&d.remarks)
        .bind(stamp())
        .execute(&mut **c)
        .await?
        .rows_affected());
        if updated == 0 {
            return Ok(false);
        }
        on_tx!(&mut self.inner, c => sqlx::query("DELETE FROM invoice_lines WHERE invoice_id = $1")
            .bind(id)
            .execute(&mut **c)
            .await?
            .rows_affected());
        self.insert_invoice_lines(id, &d.lines).await?;
        Ok(true)
    }

    /// Writes a draft's lines; returns (invoice id, idx, id) of each.
    async fn insert_invoice_lines(
        &mut self,
        id: i64,
        lines: &[LineDraft],
    ) -> Result<Vec<(i64, i64, i64)>> {
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        Ok(on_tx!(&mut self.inner, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO invoice_lines (invoice_id, idx, item_id, description, qty, rate, net,
                 vat_category, vat, account_id, warehouse_id, cost) SELECT ",
            );
            q.push_bind(id).push(", v.* FROM (");
            push_line_values!(&mut q, lines, &[]);
            q.push(") AS v RETURNING invoice_id, idx, id");
            q.build_query_as().fetch_all(&mut **c).await?
        }))
    }

    /// An invoice, locked for this transaction.
    pub async fn lock_invoice(&mut self, id: i64) -> Result<Option<Invoice>> {
        let postgres = self.is_postgres();
        // The join's rows are not locked, only the invoice's (`FOR NO KEY UPDATE OF inv`).
        let sql = if postgres {
            format!("{INVOICE} WHERE inv.id = $1 FOR NO KEY UPDATE OF inv")
        } else {
            format!("{INVOICE} WHERE inv.id = $1")
        };
        Ok(
            on_tx!(&mut self.inner, c => sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await?),
        )
    }

    pub async fn invoice_lines(&mut self, id: i64) -> Result<Vec<InvoiceLine>> {
        Ok(
            on_tx!(&mut self.inner, c => sqlx::query_as(INVOICE_LINES).bind(id).fetch_all(&mut **c).await?),
        )
    }

    /// What still depends on a submitted invoice: submitted payments allocated to it and
    /// submitted credit notes against it. Read under the invoice's lock.
    pub async fn dependants_of_invoice(&mut self, invoice_id: i64) -> Result<(i64, i64)> {
        Ok(on_tx!(&mut self.inner, c => sqlx::query_as(
            "SELECT
               (SELECT COUNT(*) FROM payment_allocations a JOIN payments pe ON pe.id = a.payment_id
                 WHERE a.invoice_id = $1 AND pe.docstatus = 1),
               (SELECT COUNT(*) FROM invoices WHERE return_against_id = $1 AND docstatus = 1)",
        )
        .bind(invoice_id)
        .fetch_one(&mut **c)
        .await?))
    }

    /// What the submitted credit notes against an invoice have credited: in total (positive)
    /// and per item (positive quantities). Read under the invoice's lock.
    pub async fn credited_against(
        &mut self,
        invoice_id: i64,
    ) -> Result<(Amount, Vec<(i64, Quantity)>)> {
        let total: i64 = on_tx!(&mut self.inner, c => sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(-grand_total), 0) AS BIGINT) FROM invoices
             WHERE return_against_id = $1 AND docstatus = 1",
        )
        .bind(invoice_id)
        .fetch_one(&mut **c)
        .await?);
        let items: Vec<(i64, i64)> = on_tx!(&mut self.inner, c => sqlx::query_as(
            "SELECT l.item_id, CAST(SUM(-l.qty) AS BIGINT) FROM invoice_lines l
             JOIN invoices n ON n.id = l.invoice_id
             WHERE n.return_against_id = $1 AND n.docstatus = 1 GROUP BY l.item_id",
        )
        .bind(invoice_id)
        .fetch_all(&mut **c)
        .await?);
        Ok((
            Amount(total),
            items.into_iter().map(|(i, q)| (i, Quantity(q))).collect(),
        ))
    }

    pub async fn set_line_cost(&mut self, line_id: i64, cost: Amount) -> Result<()> {
        on_tx!(&mut self.inner, c => sqlx::query("UPDATE invoice_lines SET cost = $2 WHERE id = $1")
            .bind(line_id)
            .bind(cost.0)
            .execute(&mut **c)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Numbers a draft and marks it submitted; false if it was not a draft.
    pub async fn mark_submitted(&mut self, table: DocTable, id: i64, number: &str) -> Result<bool> {
        let sql = format!(
            "UPDATE {} SET number = $2, docstatus = 1, updated_at = $3 WHERE id = $1 AND docstatus = 0",
            table.name()
        );
        Ok(on_tx!(&mut self.inner, c => sqlx::query(&sql)
            .bind(id)
            .bind(number)
            .bind(stamp())
            .execute(&mut **c)
            .await?
            .rows_affected())
            == 1)
    }

    /// Marks a submitted document cancelled; false if it was not submitted.
    pub async fn mark_cancelled(&mut self, table: DocTable, id: i64) -> Result<bool> {
        let sql = format!(
            "UPDATE {} SET docstatus = 2, updated_at = $2 WHERE id = $1 AND docstatus = 1",
            table.name()
        );
        Ok(on_tx!(&mut self.inner, c => sqlx::query(&sql)
            .bind(id)
            .bind(stamp())
            .execute(&mut **c)
            .await?
            .rows_affected())
            == 1)
    }

    /// Deletes a draft with its lines (the schema's `ON DELETE CASCADE`); false, and nothing
    /// deleted, if it is not a draft. A draft posted nothing and holds no number of a series, so
    /// deleting it leaves no gap; a submitted or cancelled document is never deleted.
    pub async fn delete_draft(&mut self, table: DocTable, id: i64) -> Result<bool> {
        let sql = format!(
            "DELETE FROM {} WHERE id = $1 AND docstatus = 0",
            table.name()
        );
        Ok(on_tx!(&mut self.inner, c => sqlx::query(&sql)
            .bind(id)
            .execute(&mut **c)
            .await?
            .rows_affected())
            == 1)
    }

    /// Moves a submitted invoice's outstanding amount by `delta` towards zero, never past it:
    /// false (and nothing changed) if that would over-settle the invoice. Checked and applied in
    /// one statement, so concurrent payments cannot both pass the check.
    pub async fn settle(&mut self, invoice_id: i64, delta: Amount) -> Result<bool> {
        Ok(on_tx!(&mut self.inner, c => sqlx::query(
            "UPDATE invoices SET outstanding = outstanding + $2
             WHERE id = $1 AND docstatus = 1
               AND (($2 < 0 AND outstanding > 0 AND outstanding + $2 >= 0)
                 OR ($2 > 0 AND outstanding < 0 AND outstanding + $2 <= 0))",
        )
        .bind(invoice_id)
        .bind(delta.0)
        .execute(&mut **c)
        .await?
        .rows_affected())
            == 1)
    }

    /// Moves an invoice's outstanding amount by `delta` unchecked: undoing a settlement when the
    /// payment or credit note that made it is cancelled.
    pub async fn unsettle(&mut self, invoice_id: i64, delta: Amount) -> Result<()> {
        on_tx!(&mut self.inner, c => sqlx::query("UPDATE invoices SET outstanding = outstanding + $2 WHERE id = $1")
            .bind(invoice_id)
            .bind(delta.0)
            .execute(&mut **c)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Sets a newly submitted invoice's outstanding amount.
    pub async fn set_outstanding(&mut self, invoice_id: i64, outstanding: Amount) -> Result<()> {
        on_tx!(&mut self.inner, c => sqlx::query("UPDATE invoices SET outstanding = $2 WHERE id = $1")
            .bind(invoice_id)
            .bind(outstanding.0)
            .execute(&mut **c)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn insert_payment(&mut self, d: &PaymentDraft) -> Result<i64> {
        let now = stamp();
        let id: i64 = on_tx!(&mut self.inner, c => sqlx::query_scalar(
            "INSERT INTO payments (docstatus, direction, party_id, posting_date, amount, account_id, reference,
             remarks, created_by, created_at, updated_at)
             VALUES (0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(d.direction.as_str())
        .bind(d.party_id)
        .bind(d.posting_date)
        .bind(d.amount.0)
        .bind(d.account_id)
        .bind(&d.reference)
        .bind(&d.remarks)
        .bind(&d.created_by)
        .bind(now)
        .fetch_one(&mut **c)
        .await?);
        for (invoice_id, amount) in &d.allocations {
            on_tx!(&mut self.inner, c => sqlx::query(
                "INSERT INTO payment_allocations (payment_id, invoice_id, amount) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(invoice_id)
            .bind(amount.0)
            .execute(&mut **c)
            .await?
            .rows_affected());
        }
        Ok(id)
    }

    pub async fn lock_payment(&mut self, id: i64) -> Result<Option<Payment>> {
        let sql = if self.is_postgres() {
            format!("{PAYMENT} WHERE pe.id = $1 FOR NO KEY UPDATE OF pe")
        } else {
            format!("{PAYMENT} WHERE pe.id = $1")
        };
        Ok(
            on_tx!(&mut self.inner, c => sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await?),
        )
    }

    pub async fn allocations(&mut self, payment_id: i64) -> Result<Vec<Allocation>> {
        Ok(on_tx!(&mut self.inner, c => sqlx::query_as(
            "SELECT a.invoice_id, i.number AS invoice_number, a.amount FROM payment_allocations a
             JOIN invoices i ON i.id = a.invoice_id WHERE a.payment_id = $1 ORDER BY a.invoice_id",
        )
        .bind(payment_id)
        .fetch_all(&mut **c)
        .await?))
    }

    pub async fn insert_journal(&mut self, d: &JournalDraft) -> Result<i64> {
        let now = stamp();
        let id: i64 = on_tx!(&mut self.inner, c => sqlx::query_scalar(
            "INSERT INTO journal_entries (docstatus, posting_date, remarks, created_by, created_at, updated_at)
             VALUES (0, $1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(d.posting_date)
        .bind(&d.remarks)
        .bind(&d.created_by)
        .bind(now)
        .fetch_one(&mut **c)
        .await?);
        for (i, (account, party, debit, credit)) in d.lines.iter().enumerate() {
            on_tx!(&mut self.inner, c => sqlx::query(
                "INSERT INTO journal_lines (journal_id, idx, account_id, party_id, debit, credit)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(i as i64 + 1)
            .bind(account)
            .bind(party)
            .bind(debit.0)
            .bind(credit.0)
            .execute(&mut **c)
            .await?
            .rows_affected());
        }
        Ok(id)
    }

    pub async fn lock_journal(&mut self, id: i64) -> Result<Option<JournalEntry>> {
        let postgres = self.is_postgres();
        let sql = locking(
            lockable!("SELECT id FROM journal_entries WHERE id = $1"),
            postgres,
        );
        let found: Option<i64> = on_tx!(&mut self.inner, c => sqlx::query_scalar(sql).bind(id).fetch_optional(&mut **c).await?);
        if found.is_none() {
            return Ok(None);
        }
        Ok(
            on_tx!(&mut self.inner, c => sqlx::query_as(&format!("{JOURNAL} WHERE je.id = $1"))
            .bind(id)
            .fetch_optional(&mut **c)
            .await?),
        )
    }

    pub async fn journal_lines(&mut self, id: i64) -> Result<Vec<JournalLine>> {
        Ok(
            on_tx!(&mut self.inner, c => sqlx::query_as(JOURNAL_LINES).bind(id).fetch_all(&mut **c).await?),
        )
    }

    pub async fn insert_stock_entry(&mut self, d: &StockEntryDraft) -> Result<i64> {
        let now = stamp();
        let id: i64 = on_tx!(&mut self.inner, c => sqlx::query_scalar(
            "INSERT INTO stock_entries (docstatus, purpose, posting_date, remarks, created_by, created_at, updated_at)
             VALUES (0, $1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(d.purpose.as_str())
        .bind(d.posting_date)
        .bind(&d.remarks)
        .bind(&d.created_by)
        .bind(now)
        .fetch_one(&mut **c)
        .await?);
        for (i, l) in d.lines.iter().enumerate() {
            on_tx!(&mut self.inner, c => sqlx::query(
                "INSERT INTO stock_entry_lines (entry_id, idx, item_id, qty, from_warehouse_id, to_warehouse_id, rate)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(i as i64 + 1)
            .bind(l.item_id)
            .bind(l.qty.0)
            .bind(l.from_warehouse_id)
            .bind(l.to_warehouse_id)
            .bind(l.rate.0)
            .execute(&mut **c)
            .await?
            .rows_affected());
        }
        Ok(id)
    }

    pub async fn lock_stock_entry(&mut self, id: i64) -> Result<Option<StockEntry>> {
        let postgres = self.is_postgres();
        let sql = locking(
            lockable!("SELECT id, number, docstatus, purpose, posting_date, remarks, created_by, created_at FROM stock_entries WHERE id = $1"),
            postgres,
        );
        Ok(
            on_tx!(&mut self.inner, c => sqlx::query_as(sql).bind(id).fetch_optional(&mut **c).await?),
        )
    }

    pub async fn stock_entry_lines(&mut self, id: i64) -> Result<Vec<StockEntryLine>> {
        Ok(
            on_tx!(&mut self.inner, c => sqlx::query_as(STOCK_ENTRY_LINES).bind(id).fetch_all(&mut **c).await?),
        )
    }

    pub async fn set_stock_line_value(&mut self, line_id: i64, value: Amount) -> Result<()> {
        on_tx!(&mut self.inner, c => sqlx::query("UPDATE stock_entry_lines SET value = $2 WHERE id = $1")
            .bind(line_id)
            .bind(value.0)
            .execute(&mut **c)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Replaces a draft payment's header and allocations; false if it is no longer a draft.
    pub async fn replace_payment_draft(&mut self, id: i64, d: &PaymentDraft) -> Result<bool> {
        let updated = on_tx!(&mut self.inner, c => sqlx::query(
            "UPDATE payments SET direction = $2, party_id = $3, posting_date = $4, amount = $5, account_id = $6,
             reference = $7, remarks = $8, updated_at = $9 WHERE id = $1 AND docstatus = 0",
        )
        .bind(id)
        .bind(d.direction.as_str())
        .bind(d.party_id)
        .bind(d.posting_date)
        .bind(d.amount.0)
        .bind(d.account_id)
        .bind(&d.reference)
        .bind(&d.remarks)
        .bind(stamp())
        .execute(&mut **c)
        .await?
        .rows_affected());
        if updated == 0 {
            return Ok(false);
        }
        on_tx!(&mut self.inner, c => sqlx::query("DELETE FROM payment_allocations WHERE payment_id = $1")
            .bind(id)
            .execute(&mut **c)
            .await?
            .rows_affected());
        for (invoice_id, amount) in &d.allocations {
            on_tx!(&mut self.inner, c => sqlx::query(
                "INSERT INTO payment_allocations (payment_id, invoice_id, amount) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(invoice_id)
            .bind(amount.0)
            .execute(&mut **c)
            .await?
            .rows_affected());
        }
        Ok(true)
    }

    /// Replaces a draft journal entry's header and lines; false if it is no longer a draft.
    pub async fn replace_journal_draft(&mut self, id: i64, d: &JournalDraft) -> Result<bool> {
        let updated = on_tx!(&mut self.inner, c => sqlx::query(
            "UPDATE journal_entries SET posting_date = $2, remarks = $3, updated_at = $4
             WHERE id = $1 AND docstatus = 0",
        )
        .bind(id)
        .bind(d.posting_date)
        .bind(&d.remarks)
        .bind(stamp())
        .execute(&mut **c)
        .await?
        .rows_affected());
        if updated == 0 {
            return Ok(false);
        }
        on_tx!(&mut self.inner, c => sqlx::query("DELETE FROM journal_lines WHERE journal_id = $1")
            .bind(id)
            .execute(&mut **c)
            .await?
            .rows_affected());
        for (i, (account, party, debit, credit)) in d.lines.iter().enumerate() {
            on_tx!(&mut self.inner, c => sqlx::query(
                "INSERT INTO journal_lines (journal_id, idx, account_id, party_id, debit, credit)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(i as i64 + 1)
            .bind(account)
            .bind(party)
            .bind(debit.0)
            .bind(credit.0)
            .execute(&mut **c)
            .await?
            .rows_affected());
        }
        Ok(true)
    }

    /// Replaces a draft stock entry's header and lines; false if it is no longer a draft.
    pub async fn replace_stock_entry_draft(
        &mut self,
        id: i64,
        d: &StockEntryDraft,
    ) -> Result<bool> {
        let updated = on_tx!(&mut self.inner, c => sqlx::query(
            "UPDATE stock_entries SET purpose = $2, posting_date = $3, remarks = $4, updated_at = $5
             WHERE id = $1 AND docstatus = 0",
        )
        .bind(id)
        .bind(d.purpose.as_str())
        .bind(d.posting_date)
        .bind(&d.remarks)
        .bind(stamp())
        .execute(&mut **c)
        .await?
        .rows_affected());
        if updated == 0 {
            return Ok(false);
        }
        on_tx!(&mut self.inner, c => sqlx::query("DELETE FROM stock_entry_lines WHERE entry_id = $1")
            .bind(id)
            .execute(&mut **c)
            .await?
            .rows_affected());
        for (i, l) in d.lines.iter().enumerate() {
            on_tx!(&mut self.inner, c => sqlx::query(
                "INSERT INTO stock_entry_lines (entry_id, idx, item_id, qty, from_warehouse_id, to_warehouse_id, rate)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(i as i64 + 1)
            .bind(l.item_id)
            .bind(l.qty.0)
            .bind(l.from_warehouse_id)
            .bind(l.to_warehouse_id)
            .bind(l.rate.0)
            .execute(&mut **c)
            .await?
            .rows_affected());
        }
        Ok(true)
    }
}
