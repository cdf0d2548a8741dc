//! Stock entries: goods received or issued without an invoice (set against the stock
//! adjustment account) and transfers between warehouses (no ledger effect: one stock account).

use serde::{Deserialize, Serialize};
use tenantry_domain::books::ids::{ItemId, WarehouseId};
use tenantry_domain::books::{posting, Amount, DocumentKind, Quantity};
use tenantry_store::books::{
    BookSettings, DocTable, LedgerWrite, ListQuery, StockBalance, StockEntry, StockEntryDraft,
    StockEntryLine, StockLineDraft, StockPurpose, Voucher,
};
use tenantry_store::BooksTx;
use time::Date;

use crate::error::{invalid, ErpError, Result};
use crate::invoices::reverse_postings;
use crate::settings::DefaultAccounts;
use crate::{clean_text, Books};

#[derive(Debug, Clone, Deserialize)]
pub struct StockEntryInput {
    pub purpose: String,
    pub posting_date: Option<Date>,
    #[serde(default)]
    pub remarks: String,
    pub items: Vec<StockLineInput>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StockLineInput {
    pub item_code: String,
    pub qty: Quantity,
    /// Source warehouse (issue, transfer).
    pub s_warehouse: Option<String>,
    /// Target warehouse (receipt, transfer).
    pub t_warehouse: Option<String>,
    /// Cost per unit of goods received; the item's buying price when absent.
    pub basic_rate: Option<Amount>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StockEntryDoc {
    pub name: String,
    #[serde(flatten)]
    pub entry: StockEntry,
    pub items: Vec<StockEntryLine>,
}

impl Books {
    pub async fn create_stock_entry(
        &self,
        input: &StockEntryInput,
        author: &str,
        submit: bool,
        today: Date,
    ) -> Result<StockEntryDoc> {
        let draft = self.prepare_stock_entry(input, author, today).await?;
        let (settings, accounts) = (self.settings().await?, self.default_accounts().await?);
        let mut tx = BooksTx::begin(&self.db).await?;
        let id = tx.insert_stock_entry(&draft).await?;
        if submit {
            submit_stock_entry_in(&mut tx, id, &settings, &accounts).await?;
        }
        tx.commit().await?;
        self.stock_entry_doc_by_id(id).await
    }

    /// Replaces a draft stock entry's content.
    pub async fn update_stock_entry(
        &self,
        name: &str,
        input: &StockEntryInput,
        author: &str,
        submit: bool,
        today: Date,
    ) -> Result<StockEntryDoc> {
        let existing = self.find_stock_entry(name).await?;
        existing.docstatus.ensure_editable(|| existing.name())?;
        let draft = self.prepare_stock_entry(input, author, today).await?;
        let (settings, accounts) = (self.settings().await?, self.default_accounts().await?);
        let mut tx = BooksTx::begin(&self.db).await?;
        if !tx.replace_stock_entry_draft(existing.id, &draft).await? {
            return Err(ErpError::State(format!(
                "{} is no longer a draft",
                existing.name()
            )));
        }
        if submit {
            submit_stock_entry_in(&mut tx, existing.id, &settings, &accounts).await?;
        }
        tx.commit().await?;
        self.stock_entry_doc_by_id(existing.id).await
    }

    pub async fn submit_stock_entry(&self, name: &str) -> Result<StockEntryDoc> {
        let e = self.find_stock_entry(name).await?;
        self.check_posting_date(e.posting_date).await?;
        let (settings, accounts) = (self.settings().await?, self.default_accounts().await?);
        let mut tx = BooksTx::begin(&self.db).await?;
        submit_stock_entry_in(&mut tx, e.id, &settings, &accounts).await?;
        tx.commit().await?;
        self.stock_entry_doc_by_id(e.id).await
    }

    pub async fn cancel_stock_entry(&self, name: &str) -> Result<StockEntryDoc> {
        let e = self.find_stock_entry(name).await?;
        let settings = self.settings().await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        let locked = tx
            .lock_stock_entry(e.id)
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("stock entry {name:?}")))?;
        locked.docstatus.ensure_cancellable(|| locked.name())?;
        let number = locked.name();
        reverse_postings(
            &mut tx,
            Voucher {
                doctype: DocumentKind::StockEntry.doctype(),
                number: number.clone(),
                date: locked.posting_date,
            },
            &settings,
        )
        .await?;
        if !tx.mark_cancelled(DocTable::StockEntries, e.id).await? {
            return Err(ErpError::State(format!("{number} is no longer submitted")));
        }
        tx.commit().await?;
        self.stock_entry_doc_by_id(e.id).await
    }

    pub async fn stock_entry_doc(&self, name: &str) -> Result<StockEntryDoc> {
        let e = self.find_stock_entry(name).await?;
        self.stock_entry_doc_by_id(e.id).await
    }

    pub async fn list_stock_entries(&self, query: &ListQuery) -> Result<Vec<StockEntry>> {
        Ok(self.db.list_stock_entries(query).await?)
    }

    pub async fn stock_balances(&self) -> Result<Vec<StockBalance>> {
        Ok(self.db.stock_balances().await?)
    }

    async fn find_stock_entry(&self, name: &str) -> Result<StockEntry> {
        self.db
            .stock_entry_named(name.trim())
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("Stock Entry {name:?}")))
    }

    async fn stock_entry_doc_by_id(&self, id: i64) -> Result<StockEntryDoc> {
        let entry = self
            .db
            .stock_entry(id)
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("stock entry {id}")))?;
        Ok(StockEntryDoc {
            name: entry.name(),
            items: self.db.stock_entry_lines(id).await?,
            entry,
        })
    }

    async fn prepare_stock_entry(
        &self,
        input: &StockEntryInput,
        author: &str,
        today: Date,
    ) -> Result<StockEntryDraft> {
        let purpose = StockPurpose::parse(input.purpose.trim()).ok_or_else(|| {
            invalid("purpose must be Material Receipt, Material Issue or Material Transfer")
        })?;
        let posting_date = input.posting_date.unwrap_or(today);
        self.check_posting_date(posting_date).await?;
        if input.items.is_empty() {
            return Err(invalid("a stock entry needs at least one item"));
        }
        if input.items.len() > crate::invoices::MAX_LINES {
            return Err(invalid("a stock entry holds at most 500 lines"));
        }
        let mut lines = Vec::with_capacity(input.items.len());
        for (i, l) in input.items.iter().enumerate() {
            let n = i + 1;
            let code = l.item_code.trim();
            let item = self
                .db
                .item(code)
                .await?
                .ok_or_else(|| invalid(format!("line {n}: item {code:?} does not exist")))?;
            if !item.is_stock {
                return Err(invalid(format!("line {n}: {code} is not a stocked item")));
            }
            if l.qty.is_negative() || l.qty.is_zero() {
                return Err(invalid(format!("line {n}: the quantity must be positive")));
            }
            let from = self
                .stock_warehouse(n, "s_warehouse", l.s_warehouse.as_deref())
                .await?;
            let to = self
                .stock_warehouse(n, "t_warehouse", l.t_warehouse.as_deref())
                .await?;
            match (purpose, from, to) {
                (StockPurpose::Receipt, None, Some(_)) | (StockPurpose::Issue, Some(_), None) => {}
                (StockPurpose::Transfer, Some(f), Some(t)) if f != t => {}
                (StockPurpose::Receipt, _, None) => {
                    return Err(invalid(format!(
                        "line {n}: choose the warehouse the goods are received into (To warehouse, t_warehouse)"
                    )))
                }
                (StockPurpose::Receipt, Some(_), _) => {
                    return Err(invalid(format!(
                        "line {n}: a receipt takes goods from no warehouse: leave From warehouse (s_warehouse) empty"
                    )))
                }
                (StockPurpose::Issue, None, _) => {
                    return Err(invalid(format!(
                        "line {n}: choose the warehouse the goods are issued from (From warehouse, s_warehouse)"
                    )))
                }
                (StockPurpose::Issue, _, Some(_)) => {
                    return Err(invalid(format!(
                        "line {n}: an issue puts goods in no warehouse: leave To warehouse (t_warehouse) empty"
                    )))
                }
                (StockPurpose::Transfer, Some(_), Some(_)) => {
                    return Err(invalid(format!(
                        "line {n}: a transfer moves goods between two different warehouses"
                    )))
                }
                (StockPurpose::Transfer, _, _) => {
                    return Err(invalid(format!(
                        "line {n}: a transfer names the warehouse the goods leave (From warehouse, s_warehouse) and the one they reach (To warehouse, t_warehouse)"
                    )))
                }
            }
            let rate = l.basic_rate.unwrap_or(item.buying_price);
            if rate.is_negative() {
                return Err(invalid(format!("line {n}: the rate cannot be negative")));
            }
            lines.push(StockLineDraft {
                item_id: item.id,
                qty: l.qty,
                from_warehouse_id: from,
                to_warehouse_id: to,
                rate,
            });
        }
        Ok(StockEntryDraft {
            purpose,
            posting_date,
            remarks: clean_text("remarks", &input.remarks, 2000, false)?,
            created_by: author.to_owned(),
            lines,
        })
    }

    async fn stock_warehouse(
        &self,
        n: usize,
        field: &str,
        name: Option<&str>,
    ) -> Result<Option<i64>> {
        match name.map(str::trim) {
            None | Some("") => Ok(None),
            Some(w) => {
                let found =
                    self.db.warehouse(w).await?.ok_or_else(|| {
                        invalid(format!("line {n}: {field} {w:?} does not exist"))
                    })?;
                if found.disabled {
                    return Err(invalid(format!("line {n}: warehouse {w:?} is disabled")));
                }
                Ok(Some(found.id))
            }
        }
    }
}

/// Posts a draft stock entry inside `tx`.
async fn submit_stock_entry_in(
    tx: &mut BooksTx,
    id: i64,
    settings: &BookSettings,
    accounts: &DefaultAccounts,
) -> Result<()> {
    let e = tx
        .lock_stock_entry(id)
        .await?
        .ok_or_else(|| ErpError::NotFound(format!("stock entry {id}")))?;
    e.docstatus.ensure_submittable(|| e.name())?;
    let doc = DocumentKind::StockEntry;
    let n = tx.next_number(&doc.series(e.posting_date)).await?;
    let number = doc.number(e.posting_date, n);
    let mut ledger = LedgerWrite::new(
        Voucher {
            doctype: doc.doctype(),
            number: number.clone(),
            date: e.posting_date,
        },
        false,
    );
    let mut lines = tx.stock_entry_lines(id).await?;
    lines.sort_by_key(|l| (l.item_id, l.from_warehouse_id, l.to_warehouse_id, l.idx));
    let keys: Vec<_> = lines
        .iter()
        .flat_map(|l| {
            [l.from_warehouse_id, l.to_warehouse_id]
                .into_iter()
                .flatten()
                .map(|w| (ItemId(l.item_id), WarehouseId(w)))
        })
        .collect();
    let mut stock = tx.lock_stock(&keys).await?;
    let mut adjustment = Amount::ZERO;
    for l in &lines {
        let item = ItemId(l.item_id);
        let mut value = Amount::ZERO;
        if let Some(from) = l.from_warehouse_id {
            let w = WarehouseId(from);
            let pos = stock.position(item, w)?;
            value = pos
                .issue(l.qty, settings.allow_negative_stock)
                .map_err(|err| invalid(format!("line {}: {} — {err}", l.idx, l.item_code)))?;
            ledger.move_stock(item, w, -l.qty, -value, *pos);
        }
        if let Some(to) = l.to_warehouse_id {
            let w = WarehouseId(to);
            if l.from_warehouse_id.is_none() {
                value = Amount::of(l.qty, l.rate);
            }
            let pos = stock.position(item, w)?;
            pos.receive(l.qty, value);
            ledger.move_stock(item, w, l.qty, value, *pos);
        }
        match e.purpose {
            StockPurpose::Receipt => adjustment += value,
            StockPurpose::Issue => adjustment -= value,
            StockPurpose::Transfer => {}
        }
        tx.set_stock_line_value(l.id, value).await?;
    }
    if !adjustment.is_zero() {
        ledger.post(posting::stock_adjustment(
            accounts.stock,
            accounts.stock_adjustment,
            adjustment,
        )?);
    }
    tx.write_ledger(&ledger).await?;
    if !tx
        .mark_submitted(DocTable::StockEntries, id, &number)
        .await?
    {
        return Err(ErpError::State(format!(
            "{} is no longer a draft",
            e.name()
        )));
    }
    Ok(())
}
