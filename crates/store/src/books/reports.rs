//! The reports' queries. Balances come from the accounts' daily totals (kept as entries post),
//! never from a scan of the ledger; the ledger itself is read only for the general ledger.

use serde::Serialize;
use sqlx::{FromRow, QueryBuilder};
use tenantry_domain::books::reports::VatTotals;
use tenantry_domain::books::{Amount, InvoiceKind, Quantity};
use time::Date;

use crate::error::Result;
use crate::on_db;
use crate::tenant_db::TenantDb;

/// An account's debits and credits over a span of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct AccountTotal {
    pub account_id: i64,
    #[sqlx(try_from = "i64")]
    pub debit: Amount,
    #[sqlx(try_from = "i64")]
    pub credit: Amount,
}

/// A general-ledger line with the names a reader needs.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct LedgerLine {
    pub id: i64,
    pub posting_date: Date,
    pub account_id: i64,
    pub account_name: String,
    pub party_id: Option<i64>,
    pub party_name: Option<String>,
    #[sqlx(try_from = "i64")]
    pub debit: Amount,
    #[sqlx(try_from = "i64")]
    pub credit: Amount,
    pub voucher_type: String,
    pub voucher_no: String,
    pub is_reversal: bool,
    /// `customer` or `supplier` when the line names a party.
    pub party_kind: Option<String>,
    /// Whether the line's voucher has been cancelled (its reversal posted): true on the original
    /// lines and on the reversal's, as ERPNext marks both.
    pub is_cancelled: bool,
}

/// What the general ledger is asked for.
#[derive(Debug, Clone, Default)]
pub struct LedgerQuery {
    /// One ledger line by its id.
    pub id: Option<i64>,
    pub account_id: Option<i64>,
    pub party_id: Option<i64>,
    pub voucher_no: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub limit: i64,
    pub offset: i64,
}

/// A submitted invoice that still has something outstanding.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct OpenInvoice {
    pub id: i64,
    pub number: Option<String>,
    pub party_id: i64,
    pub party_name: String,
    pub posting_date: Date,
    pub due_date: Date,
    #[sqlx(try_from = "i64")]
    pub grand_total: Amount,
    #[sqlx(try_from = "i64")]
    pub outstanding: Amount,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct StockBalance {
    pub item_id: i64,
    pub item_code: String,
    pub item_name: String,
    pub warehouse_id: i64,
    pub warehouse: String,
    #[sqlx(try_from = "i64")]
    pub qty: Quantity,
    #[sqlx(try_from = "i64")]
    pub value: Amount,
    #[sqlx(try_from = "i64")]
    pub rate: Amount,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct SalesDay {
    pub day: Date,
    pub invoices: i64,
    #[sqlx(try_from = "i64")]
    pub net: Amount,
    #[sqlx(try_from = "i64")]
    pub vat: Amount,
    #[sqlx(try_from = "i64")]
    pub gross: Amount,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct SalesOfItem {
    pub item_code: String,
    pub item_name: String,
    #[sqlx(try_from = "i64")]
    pub qty: Quantity,
    #[sqlx(try_from = "i64")]
    pub net: Amount,
}

/// Sums of submitted sales (credit notes included, as negatives) over a span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, FromRow)]
pub struct SalesSum {
    pub invoices: i64,
    #[sqlx(try_from = "i64")]
    pub net: Amount,
    #[sqlx(try_from = "i64")]
    pub gross: Amount,
}

/// Submitted invoices of kind `$1` issued on or before `$2`, each with what was outstanding on it
/// that day (`$3`: the payment direction that settles the kind): what is outstanding now, with
/// what happened after `$2` put back — payments posted later (undone by their own direction) and
/// credit notes posted later (the part of each note that settled its invoice: the note's
/// outstanding less its total, less what refunds have since paid on the note). Cancelled
/// documents count at no date: their reversals are posted on their own dates.
const OPEN_AS_OF: &str = "
    SELECT inv.id, inv.number, inv.party_id, pa.name AS party_name, inv.posting_date,
      inv.due_date, inv.grand_total,
      CAST(inv.outstanding
      + COALESCE((SELECT SUM(CASE WHEN p.direction = $3 THEN a.amount ELSE -a.amount END)
          FROM payment_allocations a JOIN payments p ON p.id = a.payment_id
          WHERE a.invoice_id = inv.id AND p.docstatus = 1 AND p.posting_date > $2), 0)
      + COALESCE((SELECT SUM(n.outstanding - n.grand_total
            - COALESCE((SELECT SUM(CASE WHEN p.direction = $3 THEN -a.amount ELSE a.amount END)
                FROM payment_allocations a JOIN payments p ON p.id = a.payment_id
                WHERE a.invoice_id = n.id AND p.docstatus = 1), 0))
          FROM invoices n
          WHERE n.return_against_id = inv.id AND n.docstatus = 1 AND n.posting_date > $2), 0)
      AS BIGINT) AS outstanding
    FROM invoices inv JOIN parties pa ON pa.id = inv.party_id
    WHERE inv.kind = $1 AND inv.docstatus = 1 AND inv.posting_date <= $2
      AND (inv.outstanding <> 0
        OR inv.id IN (SELECT a.invoice_id FROM payment_allocations a
          JOIN payments p ON p.id = a.payment_id WHERE p.docstatus = 1 AND p.posting_date > $2)
        OR inv.id IN (SELECT n.return_against_id FROM invoices n
          WHERE n.docstatus = 1 AND n.posting_date > $2 AND n.return_against_id IS NOT NULL))";

impl TenantDb {
    /// Each account's totals over `[from, to]` (from the start of the books when `from` is none).
    pub async fn account_totals(&self, from: Option<Date>, to: Date) -> Result<Vec<AccountTotal>> {
        let sql = match from {
            Some(_) => "SELECT account_id, CAST(SUM(debit) AS BIGINT) AS debit, CAST(SUM(credit) AS BIGINT) AS credit
                 FROM account_daily WHERE day <= $1 AND day >= $2 GROUP BY account_id",
            None => "SELECT account_id, CAST(SUM(debit) AS BIGINT) AS debit, CAST(SUM(credit) AS BIGINT) AS credit
                 FROM account_daily WHERE day <= $1 GROUP BY account_id",
        };
        Ok(on_db!(self.db(), p => {
            let q = sqlx::query_as(sql).bind(to);
            match from {
                Some(from) => q.bind(from),
                None => q,
            }
            .fetch_all(p)
            .await?
        }))
    }

    /// Ledger lines matching `q`, oldest first, and the number of all matching lines.
    pub async fn ledger_lines(&self, q: &LedgerQuery) -> Result<(Vec<LedgerLine>, i64)> {
        macro_rules! conditions {
            ($b:expr) => {{
                if let Some(id) = q.id {
                    $b.push(" AND g.id = ").push_bind(id);
                }
                if let Some(a) = q.account_id {
                    $b.push(" AND g.account_id = ").push_bind(a);
                }
                if let Some(party) = q.party_id {
                    $b.push(" AND g.party_id = ").push_bind(party);
                }
                if let Some(v) = &q.voucher_no {
                    $b.push(" AND g.voucher_no = ").push_bind(v.clone());
                }
                if let Some(from) = q.from {
                    $b.push(" AND g.posting_date >= ").push_bind(from);
                }
                if let Some(to) = q.to {
                    $b.push(" AND g.posting_date <= ").push_bind(to);
                }
            }};
        }
        Ok(on_db!(self.db(), p => {
            let mut b = QueryBuilder::new(
                "SELECT g.id, g.posting_date, g.account_id, a.name AS account_name, g.party_id, pa.name AS party_name,
                 g.debit, g.credit, g.voucher_type, g.voucher_no, g.is_reversal, pa.kind AS party_kind,
                 EXISTS (SELECT 1 FROM gl_entries r WHERE r.voucher_type = g.voucher_type
                   AND r.voucher_no = g.voucher_no AND r.is_reversal) AS is_cancelled
                 FROM gl_entries g JOIN accounts a ON a.id = g.account_id
                 LEFT JOIN parties pa ON pa.id = g.party_id WHERE 1 = 1",
            );
            conditions!(b);
            b.push(" ORDER BY g.posting_date, g.id LIMIT ")
                .push_bind(q.limit.clamp(0, 100_000))
                .push(" OFFSET ")
                .push_bind(q.offset.max(0));
            let lines = b.build_query_as::<LedgerLine>().fetch_all(p).await?;
            let mut c = QueryBuilder::new("SELECT COUNT(*) FROM gl_entries g WHERE 1 = 1");
            conditions!(c);
            let count: i64 = c.build_query_scalar().fetch_one(p).await?;
            (lines, count)
        }))
    }

    /// Balance (debit − credit) of the ledger lines matching `q` before `q.from`: the opening
    /// figure of a general ledger.
    pub async fn ledger_opening(&self, q: &LedgerQuery) -> Result<Amount> {
        let Some(from) = q.from else {
            return Ok(Amount::ZERO);
        };
        let net: Option<i64> = on_db!(self.db(), p => {
            let mut b = QueryBuilder::new(
                "SELECT CAST(SUM(g.debit - g.credit) AS BIGINT) FROM gl_entries g WHERE g.posting_date < ",
            );
            b.push_bind(from);
            if let Some(a) = q.account_id {
                b.push(" AND g.account_id = ").push_bind(a);
            }
            if let Some(party) = q.party_id {
                b.push(" AND g.party_id = ").push_bind(party);
            }
            b.build_query_scalar().fetch_one(p).await?
        });
        Ok(Amount(net.unwrap_or(0)))
    }

    /// Submitted invoices of `kind` that were open on `as_of`, with what was outstanding on
    /// them that day, oldest due first.
    pub async fn open_invoices(&self, kind: InvoiceKind, as_of: Date) -> Result<Vec<OpenInvoice>> {
        let sql = format!(
            "SELECT * FROM ({OPEN_AS_OF}) AS t WHERE t.outstanding <> 0 ORDER BY t.due_date, t.id"
        );
        Ok(on_db!(self.db(), p => sqlx::query_as(&sql)
            .bind(kind.as_str())
            .bind(as_of)
            .bind(kind.settled_by().as_str())
            .fetch_all(p)
            .await?))
    }

    /// What was outstanding on `as_of` on submitted invoices of `kind`, summed per party and
    /// due date: the ageing's summary without a row per invoice.
    pub async fn open_amounts_by_due_date(
        &self,
        kind: InvoiceKind,
        as_of: Date,
    ) -> Result<Vec<(String, Date, Amount)>> {
        let sql = format!(
            "SELECT t.party_name, t.due_date, CAST(SUM(t.outstanding) AS BIGINT)
             FROM ({OPEN_AS_OF}) AS t WHERE t.outstanding <> 0
             GROUP BY t.party_name, t.due_date ORDER BY t.party_name, t.due_date"
        );
        let rows: Vec<(String, Date, i64)> = on_db!(self.db(), p => sqlx::query_as(&sql)
            .bind(kind.as_str())
            .bind(as_of)
            .bind(kind.settled_by().as_str())
            .fetch_all(p)
            .await?);
        Ok(rows
            .into_iter()
            .map(|(party, due, amount)| (party, due, Amount(amount)))
            .collect())
    }

    /// What is outstanding on submitted invoices of `kind`, and how much of it is past due on
    /// `today`.
    pub async fn outstanding_summary(
        &self,
        kind: InvoiceKind,
        today: Date,
    ) -> Result<(Amount, Amount)> {
        let (total, overdue): (i64, i64) = on_db!(self.db(), p => sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(outstanding), 0) AS BIGINT),
             CAST(COALESCE(SUM(CASE WHEN due_date < $2 AND outstanding > 0 THEN outstanding ELSE 0 END), 0) AS BIGINT)
             FROM invoices WHERE kind = $1 AND docstatus = 1 AND outstanding <> 0",
        )
        .bind(kind.as_str())
        .bind(today)
        .fetch_one(p)
        .await?);
        Ok((Amount(total), Amount(overdue)))
    }

    /// Every item's stock per warehouse (positions that have ever moved).
    pub async fn stock_balances(&self) -> Result<Vec<StockBalance>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT b.item_id, i.code AS item_code, i.name AS item_name, b.warehouse_id, w.name AS warehouse,
             b.qty, b.value, b.rate FROM stock_balances b JOIN items i ON i.id = b.item_id
             JOIN warehouses w ON w.id = b.warehouse_id ORDER BY i.code, w.name",
        )
        .fetch_all(p)
        .await?))
    }

    /// Net quantity and value of the stock ledger per item and warehouse: what the balances must
    /// equal.
    pub async fn stock_ledger_sums(&self) -> Result<Vec<(i64, i64, Quantity, Amount)>> {
        let rows: Vec<(i64, i64, i64, i64)> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT item_id, warehouse_id, CAST(SUM(qty_change) AS BIGINT), CAST(SUM(value_change) AS BIGINT)
             FROM stock_ledger GROUP BY item_id, warehouse_id ORDER BY item_id, warehouse_id",
        )
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(i, w, q, v)| (i, w, Quantity(q), Amount(v)))
            .collect())
    }

    /// Submitted sales per day over `[from, to]`.
    pub async fn sales_by_day(&self, from: Date, to: Date) -> Result<Vec<SalesDay>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT posting_date AS day, COUNT(*) AS invoices, CAST(SUM(net_total) AS BIGINT) AS net,
             CAST(SUM(vat_total) AS BIGINT) AS vat, CAST(SUM(grand_total) AS BIGINT) AS gross
             FROM invoices WHERE kind = 'sales' AND docstatus = 1 AND posting_date >= $1 AND posting_date <= $2
             GROUP BY posting_date ORDER BY posting_date",
        )
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await?))
    }

    /// Submitted sales per item over `[from, to]`, the best sellers (by net) first.
    pub async fn sales_by_item(
        &self,
        from: Date,
        to: Date,
        limit: i64,
    ) -> Result<Vec<SalesOfItem>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT i.code AS item_code, i.name AS item_name, CAST(SUM(l.qty) AS BIGINT) AS qty,
             CAST(SUM(l.net) AS BIGINT) AS net
             FROM invoice_lines l JOIN invoices inv ON inv.id = l.invoice_id JOIN items i ON i.id = l.item_id
             WHERE inv.kind = 'sales' AND inv.docstatus = 1 AND inv.posting_date >= $1 AND inv.posting_date <= $2
             GROUP BY i.code, i.name ORDER BY SUM(l.net) DESC, i.code LIMIT $3",
        )
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(p)
        .await?))
    }

    /// Submitted sales over `[from, to]` in one figure.
    pub async fn sales_sum(&self, from: Date, to: Date) -> Result<SalesSum> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT COUNT(*) AS invoices, CAST(COALESCE(SUM(net_total), 0) AS BIGINT) AS net,
             CAST(COALESCE(SUM(grand_total), 0) AS BIGINT) AS gross
             FROM invoices WHERE kind = 'sales' AND docstatus = 1 AND posting_date >= $1 AND posting_date <= $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(p)
        .await?))
    }

    /// The figures a VAT return is made from, over `[from, to]`.
    pub async fn vat_totals(&self, from: Date, to: Date) -> Result<VatTotals> {
        let rows: Vec<(String, i64, i64)> = on_db!(self.db(), p => sqlx::query_as(
            "SELECT kind, CAST(SUM(net_total) AS BIGINT), CAST(SUM(vat_total) AS BIGINT) FROM invoices
             WHERE docstatus = 1 AND posting_date >= $1 AND posting_date <= $2 GROUP BY kind",
        )
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await?);
        let mut t = VatTotals::default();
        for (kind, net, vat) in rows {
            match kind.as_str() {
                "sales" => {
                    t.sales_net = Amount(net);
                    t.sales_vat = Amount(vat);
                }
                _ => {
                    t.purchases_net = Amount(net);
                    t.purchases_vat = Amount(vat);
                }
            }
        }
        Ok(t)
    }

    /// How many ledger entries the books hold.
    pub async fn ledger_size(&self) -> Result<i64> {
        Ok(
            on_db!(self.db(), p => sqlx::query_scalar("SELECT COUNT(*) FROM gl_entries").fetch_one(p).await?),
        )
    }
}
