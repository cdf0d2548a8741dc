//! What happened in the books lately, for the dashboard's activity feed: documents submitted or
//! cancelled, newest first. Read from the documents themselves (each one's latest change, which
//! for a submitted document is its submission or its cancellation), so the feed shows exactly
//! what the books hold and the posting path writes nothing more.

use sqlx::FromRow;
use tenantry_domain::books::{Amount, Docstatus, DocumentKind};

use crate::error::{Result, StoreError};
use crate::on_db;
use crate::tenant_db::TenantDb;

/// One document's latest change.
#[derive(Debug, Clone)]
pub struct DocumentEvent {
    pub kind: DocumentKind,
    pub name: String,
    /// Submitted or cancelled.
    pub docstatus: Docstatus,
    /// The customer or supplier, for invoices and payments.
    pub party: Option<String>,
    /// The grand total of an invoice, the amount of a payment.
    pub amount: Option<Amount>,
    /// Unix seconds.
    pub at: i64,
}

#[derive(FromRow)]
struct EventRow {
    kind: String,
    name: String,
    docstatus: i64,
    party: Option<String>,
    amount: Option<i64>,
    at: i64,
}

// Each kind's latest changes through its (updated_at) index, then the newest of those.
const RECENT: &str = "SELECT kind, name, docstatus, party, amount, at FROM (
  SELECT * FROM (SELECT CASE inv.kind WHEN 'sales' THEN 'sales_invoice' ELSE 'purchase_invoice' END AS kind,
         inv.number AS name, inv.docstatus, pa.name AS party, inv.grand_total AS amount, inv.updated_at AS at
         FROM invoices inv JOIN parties pa ON pa.id = inv.party_id
         WHERE inv.docstatus > 0 ORDER BY inv.updated_at DESC, inv.id DESC LIMIT $1) i
  UNION ALL
  SELECT * FROM (SELECT 'payment' AS kind, pe.number AS name, pe.docstatus, pa.name AS party, pe.amount,
         pe.updated_at AS at
         FROM payments pe JOIN parties pa ON pa.id = pe.party_id
         WHERE pe.docstatus > 0 ORDER BY pe.updated_at DESC, pe.id DESC LIMIT $1) p
  UNION ALL
  SELECT * FROM (SELECT 'journal_entry' AS kind, je.number AS name, je.docstatus, CAST(NULL AS TEXT) AS party,
         CAST(NULL AS BIGINT) AS amount, je.updated_at AS at
         FROM journal_entries je
         WHERE je.docstatus > 0 ORDER BY je.updated_at DESC, je.id DESC LIMIT $1) j
  UNION ALL
  SELECT * FROM (SELECT 'stock_entry' AS kind, se.number AS name, se.docstatus, CAST(NULL AS TEXT) AS party,
         CAST(NULL AS BIGINT) AS amount, se.updated_at AS at
         FROM stock_entries se
         WHERE se.docstatus > 0 ORDER BY se.updated_at DESC, se.id DESC LIMIT $1) s
) recent ORDER BY at DESC, name DESC LIMIT $1";

impl TenantDb {
    /// The `limit` latest submissions and cancellations, newest first.
    pub async fn recent_documents(&self, limit: i64) -> Result<Vec<DocumentEvent>> {
        let rows: Vec<EventRow> = on_db!(self.db(), p => sqlx::query_as(RECENT)
            .bind(limit)
            .fetch_all(p)
            .await?);
        rows.into_iter()
            .map(|r| {
                let corrupt =
                    |what: &str| StoreError::Corrupt(format!("recent document {}: {what}", r.name));
                Ok(DocumentEvent {
                    kind: DocumentKind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?,
                    docstatus: Docstatus::try_from(r.docstatus)
                        .map_err(|_| corrupt("docstatus"))?,
                    amount: r
                        .amount
                        .map(Amount::try_from)
                        .transpose()
                        .map_err(|_| corrupt("amount"))?,
                    party: r.party,
                    at: r.at,
                    name: r.name.clone(),
                })
            })
            .collect()
    }
}
