//! Sales and purchase invoices and their credit (debit) notes: draft → submitted → cancelled.
//!
//! Submitting posts, in the transaction that marks the document submitted: the party's
//! receivable or payable, income or expense (stock, for stocked purchases), VAT, and for stocked
//! sales the stock ledger and cost of goods sold at moving-average valuation. Cancelling posts
//! the exact reversal of what the submit posted, on the same posting date, as ERPNext does; the
//! original entries stay.

use serde::{Deserialize, Serialize};
use tenantry_domain::books::ids::{AccountId, ItemId, PartyId, WarehouseId};
use tenantry_domain::books::posting::{self, InvoiceAccounts, PostingLine};
use tenantry_domain::books::vat::vat_per_line;
use tenantry_domain::books::{
    Amount, Docstatus, InvoiceKind, InvoiceStatus, Quantity, StockPosition, VatCategory,
};
use tenantry_store::books::{
    BookSettings, DocTable, Invoice, InvoiceDraft, InvoiceLine, LedgerWrite, LineDraft, ListQuery,
    PartyKind, PostedAs, StoredInvoice, Voucher,
};
use tenantry_store::BooksTx;
use time::{Date, Duration};

use crate::error::{invalid, ErpError, Result};
use crate::settings::DefaultAccounts;
use crate::{clean_text, Books};

/// The most lines one invoice may hold.
pub const MAX_LINES: usize = 500;

#[derive(Debug, Clone, Deserialize)]
pub struct InvoiceInput {
    /// The customer's (sales) or supplier's (purchase) name.
    pub party: String,
    pub posting_date: Option<Date>,
    pub due_date: Option<Date>,
    #[serde(default)]
    pub is_return: bool,
    /// For a credit (debit) note: the invoice it credits.
    pub return_against: Option<String>,
    #[serde(default)]
    pub remarks: String,
    pub items: Vec<LineInput>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LineInput {
    pub item_code: String,
    pub qty: Quantity,
    /// Price per unit before VAT; the item's price when absent.
    pub rate: Option<Amount>,
    #[serde(default)]
    pub description: String,
    /// Where a stocked item leaves from or arrives at; the first warehouse when absent.
    pub warehouse: Option<String>,
    /// The item's category when absent.
    pub vat_category: Option<VatCategory>,
}

/// An invoice with its lines and its status as of a day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvoiceDoc {
    pub name: String,
    pub status: InvoiceStatus,
    #[serde(flatten)]
    pub invoice: Invoice,
    pub lines: Vec<InvoiceLine>,
}

impl InvoiceInput {
    /// The input that would write a draft back unchanged: the base a partial update starts from.
    pub fn from_doc(doc: &InvoiceDoc, warehouses: &[(i64, String)]) -> Self {
        let warehouse = |id: Option<i64>| {
            id.and_then(|id| warehouses.iter().find(|w| w.0 == id).map(|w| w.1.clone()))
        };
        InvoiceInput {
            party: doc.invoice.party_name.clone(),
            posting_date: Some(doc.invoice.posting_date),
            due_date: Some(doc.invoice.due_date),
            is_return: doc.invoice.is_return,
            return_against: doc.invoice.return_against.clone(),
            remarks: doc.invoice.remarks.clone(),
            items: doc
                .lines
                .iter()
                .map(|l| LineInput {
                    item_code: l.item_code.clone(),
                    qty: l.qty,
                    rate: Some(l.rate),
                    description: l.description.clone(),
                    warehouse: warehouse(l.warehouse_id),
                    vat_category: Some(l.vat_category),
                })
                .collect(),
        }
    }
}

fn party_kind(kind: InvoiceKind) -> PartyKind {
    match kind {
        InvoiceKind::Sales => PartyKind::Customer,
        InvoiceKind::Purchase => PartyKind::Supplier,
    }
}

impl Books {
    /// Writes a new invoice as a draft, or (with `submit`) writes and submits it in one
    /// transaction.
    pub async fn create_invoice(
        &self,
        kind: InvoiceKind,
        input: &InvoiceInput,
        author: &str,
        submit: bool,
        today: Date,
    ) -> Result<InvoiceDoc> {
        // Everything is read before the transaction: nothing may wait on the pool while
        // holding one.
        let prepared = self.prepare_invoice(kind, input, author, today).await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        let posted = if submit {
            Some(post_new_invoice(&mut tx, &prepared).await?)
        } else {
            None
        };
        let stored = tx.insert_invoice(&prepared.draft, posted.as_ref()).await?;
        tx.commit().await?;
        Ok(prepared.written(stored, posted.as_ref(), today))
    }

    /// Replaces a draft's content, and with `submit` submits it in the same transaction (if
    /// the submit is refused, the change is not kept either).
    pub async fn update_invoice(
        &self,
        kind: InvoiceKind,
        name: &str,
        input: &InvoiceInput,
        author: &str,
        submit: bool,
        today: Date,
    ) -> Result<InvoiceDoc> {
        let existing = self.find_invoice(kind, name).await?;
        existing.docstatus.ensure_editable(|| existing.name())?;
        let prepared = self.prepare_invoice(kind, input, author, today).await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        if !tx
            .replace_invoice_draft(existing.id, &prepared.draft)
            .await?
        {
            return Err(ErpError::State(format!(
                "{} is no longer a draft",
                existing.name()
            )));
        }
        if submit {
            submit_invoice_in(&mut tx, existing.id, &prepared.settings, &prepared.accounts).await?;
        }
        tx.commit().await?;
        self.invoice_doc_by_id(existing.id, today).await
    }

    pub async fn submit_invoice(
        &self,
        kind: InvoiceKind,
        name: &str,
        today: Date,
    ) -> Result<InvoiceDoc> {
        let existing = self.find_invoice(kind, name).await?;
        self.check_posting_date(existing.posting_date).await?;
        let (settings, accounts) = (self.settings().await?, self.default_accounts().await?);
        let mut tx = BooksTx::begin(&self.db).await?;
        submit_invoice_in(&mut tx, existing.id, &settings, &accounts).await?;
        tx.commit().await?;
        self.invoice_doc_by_id(existing.id, today).await
    }

    pub async fn cancel_invoice(
        &self,
        kind: InvoiceKind,
        name: &str,
        today: Date,
    ) -> Result<InvoiceDoc> {
        let existing = self.find_invoice(kind, name).await?;
        let settings = self.settings().await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        cancel_invoice_in(&mut tx, existing.id, &settings).await?;
        tx.commit().await?;
        self.invoice_doc_by_id(existing.id, today).await
    }

    pub async fn invoice_doc(
        &self,
        kind: InvoiceKind,
        name: &str,
        today: Date,
    ) -> Result<InvoiceDoc> {
        let inv = self.find_invoice(kind, name).await?;
        self.invoice_doc_by_id(inv.id, today).await
    }

    pub async fn list_invoices(
        &self,
        kind: InvoiceKind,
        query: &ListQuery,
    ) -> Result<Vec<Invoice>> {
        Ok(self.db.list_invoices(kind, query).await?)
    }

    pub(crate) async fn find_invoice(&self, kind: InvoiceKind, name: &str) -> Result<Invoice> {
        self.db
            .invoice_named(kind, name.trim())
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("{} {name:?}", kind.document().doctype())))
    }

    async fn invoice_doc_by_id(&self, id: i64, today: Date) -> Result<InvoiceDoc> {
        let invoice = self
            .db
            .invoice(id)
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("invoice {id}")))?;
        let lines = self.db.invoice_lines(id).await?;
        Ok(InvoiceDoc {
            name: invoice.name(),
            status: invoice.status(today),
            invoice,
            lines,
        })
    }

    /// Checks an invoice as written and works out its lines' amounts, VAT and totals.
    async fn prepare_invoice(
        &self,
        kind: InvoiceKind,
        input: &InvoiceInput,
        author: &str,
        today: Date,
    ) -> Result<Prepared> {
        let pk = party_kind(kind);
        let party_name = input.party.trim();
        let party = self
            .db
            .cached_party(pk, party_name)
            .await?
            .ok_or_else(|| invalid(format!("{} {party_name:?} does not exist", pk.as_str())))?;
        if party.disabled {
            return Err(invalid(format!(
                "{} {party_name:?} is disabled",
                pk.as_str()
            )));
        }
        let posting_date = input.posting_date.unwrap_or(today);
        self.check_posting_date(posting_date).await?;
        let due_date = input
            .due_date
            .unwrap_or(posting_date + Duration::days(party.payment_terms_days));
        if due_date < posting_date {
            return Err(invalid("the due date cannot be before the posting date"));
        }
        if input.items.is_empty() {
            return Err(invalid("an invoice needs at least one item"));
        }
        if input.items.len() > MAX_LINES {
            return Err(invalid(format!(
                "an invoice holds at most {MAX_LINES} lines"
            )));
        }
        let remarks = clean_text("remarks", &input.remarks, 2000, false)?;
        let settings = self.settings().await?;
        let accounts = self.default_accounts().await?;

        let original = match (
            input.is_return,
            input.return_against.as_deref().map(str::trim),
        ) {
            (false, None) | (false, Some("")) => None,
            (false, Some(_)) => return Err(invalid("return_against is only for a return")),
            (true, None) | (true, Some("")) => {
                return Err(invalid(
                    "a return names the invoice it credits (return_against)",
                ))
            }
            (true, Some(name)) => {
                let o = self
                    .db
                    .invoice_named(kind, name)
                    .await?
                    .ok_or_else(|| invalid(format!("invoice {name:?} does not exist")))?;
                if o.docstatus != Docstatus::Submitted || o.is_return {
                    return Err(invalid(format!(
                        "{name} is not a submitted invoice; only those can be credited"
                    )));
                }
                if o.party_id != party.id {
                    return Err(invalid(format!("{name} is not {party_name}'s invoice")));
                }
                Some(o)
            }
        };
        let original_lines = match &original {
            Some(o) => self.db.invoice_lines(o.id).await?,
            None => Vec::new(),
        };

        let snapshot = self.db.books_snapshot().await?;
        let mut lines = Vec::with_capacity(input.items.len());
        let mut items = Vec::with_capacity(input.items.len());
        for (i, l) in input.items.iter().enumerate() {
            let n = i + 1;
            let code = l.item_code.trim();
            let item = self
                .db
                .cached_item(code)
                .await?
                .ok_or_else(|| invalid(format!("line {n}: item {code:?} does not exist")))?;
            if item.disabled {
                return Err(invalid(format!("line {n}: item {code:?} is disabled")));
            }
            let qty = if input.is_return { -l.qty.abs() } else { l.qty };
            if qty.is_zero() {
                return Err(invalid(format!("line {n}: the quantity cannot be zero")));
            }
            if qty.is_negative() && !input.is_return {
                return Err(invalid(format!(
                    "line {n}: the quantity cannot be negative; make a return against the invoice instead"
                )));
            }
            if original.is_some() {
                let sold: Quantity = original_lines
                    .iter()
                    .filter(|o| o.item_id == item.id)
                    .map(|o| o.qty)
                    .sum();
                if sold.is_zero() {
                    return Err(invalid(format!(
                        "line {n}: {code} is not on the invoice being credited"
                    )));
                }
                if qty.abs() > sold {
                    return Err(invalid(format!(
                        "line {n}: cannot return {} of {code}; the invoice has {sold}",
                        qty.abs()
                    )));
                }
            }
            let rate = l.rate.unwrap_or(match kind {
                InvoiceKind::Sales => item.selling_price,
                InvoiceKind::Purchase => item.buying_price,
            });
            if rate.is_negative() {
                return Err(invalid(format!("line {n}: the rate cannot be negative")));
            }
            let warehouse_id = if item.is_stock {
                Some(match l.warehouse.as_deref().map(str::trim) {
                    Some(w) if !w.is_empty() => {
                        let found = snapshot
                            .warehouses
                            .iter()
                            .find(|x| x.name == w)
                            .ok_or_else(|| {
                                invalid(format!("line {n}: warehouse {w:?} does not exist"))
                            })?;
                        if found.disabled {
                            return Err(invalid(format!("line {n}: warehouse {w:?} is disabled")));
                        }
                        found.id
                    }
                    // The first enabled warehouse by name.
                    _ => {
                        snapshot
                            .warehouses
                            .iter()
                            .find(|x| !x.disabled)
                            .ok_or_else(|| {
                                invalid("a stocked item needs a warehouse; add one first")
                            })?
                            .id
                    }
                })
            } else {
                None
            };
            let account_id = match (kind, item.is_stock) {
                (InvoiceKind::Sales, _) => accounts.income,
                (InvoiceKind::Purchase, true) => accounts.stock,
                (InvoiceKind::Purchase, false) => accounts.expense,
            };
            let description = clean_text("description", &l.description, 500, false)?;
            items.push(LineItem {
                code: item.code.clone(),
                name: item.name.clone(),
                is_stock: item.is_stock,
            });
            lines.push(LineDraft {
                item_id: item.id,
                description: if description.is_empty() {
                    item.name.clone()
                } else {
                    description
                },
                qty,
                rate,
                net: Amount::of(qty, rate),
                vat_category: l.vat_category.unwrap_or(item.vat_category),
                vat: Amount::ZERO,
                account_id: account_id.0,
                warehouse_id,
            });
        }
        let nets: Vec<(Amount, VatCategory)> =
            lines.iter().map(|l| (l.net, l.vat_category)).collect();
        for (line, vat) in lines
            .iter_mut()
            .zip(vat_per_line(&nets, settings.vat_rounding))
        {
            line.vat = vat;
        }
        let net_total: Amount = lines.iter().map(|l| l.net).sum();
        let vat_total: Amount = lines.iter().map(|l| l.vat).sum();
        let grand_total = net_total + vat_total;
        if let Some(o) = &original {
            let credited: Amount = self
                .db
                .credit_notes_against(o.id)
                .await?
                .iter()
                .map(|c| -c.grand_total)
                .sum();
            if credited - grand_total > o.grand_total {
                return Err(invalid(format!(
                    "the credit would exceed {}'s total of {}: {} is credited already",
                    o.name(),
                    o.grand_total,
                    credited
                )));
            }
        }
        let return_against = original.as_ref().map(Invoice::name);
        let draft = InvoiceDraft {
            kind,
            party_id: party.id,
            posting_date,
            due_date,
            is_return: input.is_return,
            return_against_id: original.map(|o| o.id),
            remarks,
            created_by: author.to_owned(),
            net_total,
            vat_total,
            grand_total,
            lines,
        };
        Ok(Prepared {
            draft,
            party_name: party.name,
            return_against,
            items,
            settings,
            accounts,
        })
    }
}

/// An invoice checked and worked out, with what was read to do it.
struct Prepared {
    draft: InvoiceDraft,
    party_name: String,
    /// The name of the invoice a credit note credits.
    return_against: Option<String>,
    /// Per line, its item.
    items: Vec<LineItem>,
    settings: BookSettings,
    accounts: DefaultAccounts,
}

struct LineItem {
    code: String,
    name: String,
    is_stock: bool,
}

impl Prepared {
    /// The invoice as just written: what reading it back would give, without the reads.
    fn written(self, stored: StoredInvoice, posted: Option<&PostedAs>, today: Date) -> InvoiceDoc {
        let d = self.draft;
        let invoice = Invoice {
            id: stored.id,
            kind: d.kind,
            number: posted.map(|p| p.number.clone()),
            docstatus: if posted.is_some() {
                Docstatus::Submitted
            } else {
                Docstatus::Draft
            },
            party_id: d.party_id,
            party_name: self.party_name,
            posting_date: d.posting_date,
            due_date: d.due_date,
            is_return: d.is_return,
            return_against_id: d.return_against_id,
            return_against: self.return_against,
            net_total: d.net_total,
            vat_total: d.vat_total,
            grand_total: d.grand_total,
            outstanding: posted.map_or(d.grand_total, |p| p.outstanding),
            credited: false,
            remarks: d.remarks,
            created_by: d.created_by,
            created_at: stored.created_at,
            updated_at: stored.created_at,
        };
        let lines = d
            .lines
            .into_iter()
            .zip(self.items)
            .zip(stored.line_ids)
            .enumerate()
            .map(|(i, ((l, item), id))| InvoiceLine {
                id,
                idx: i as i64 + 1,
                item_id: l.item_id,
                item_code: item.code,
                item_name: item.name,
                is_stock: item.is_stock,
                description: l.description,
                qty: l.qty,
                rate: l.rate,
                net: l.net,
                vat_category: l.vat_category,
                vat: l.vat,
                account_id: l.account_id,
                warehouse_id: l.warehouse_id,
                cost: posted.and_then(|p| p.costs.get(i).copied().flatten().map(|c| c.0)),
            })
            .collect();
        InvoiceDoc {
            name: invoice.name(),
            status: invoice.status(today),
            invoice,
            lines,
        }
    }
}

/// What posting needs to know of an invoice, whether read back from a stored draft or taken
/// from one being created and submitted in the same transaction.
struct ToPost {
    kind: InvoiceKind,
    party_id: i64,
    posting_date: Date,
    return_against_id: Option<i64>,
    grand_total: Amount,
    lines: Vec<LineToPost>,
}

struct LineToPost {
    idx: i64,
    item_id: i64,
    item_code: String,
    is_stock: bool,
    warehouse_id: Option<i64>,
    qty: Quantity,
    net: Amount,
    vat: Amount,
    account_id: i64,
}

/// Posts a stored draft inside `tx`.
pub(crate) async fn submit_invoice_in(
    tx: &mut BooksTx,
    id: i64,
    settings: &BookSettings,
    accounts: &DefaultAccounts,
) -> Result<()> {
    let inv = tx
        .lock_invoice(id)
        .await?
        .ok_or_else(|| ErpError::NotFound(format!("invoice {id}")))?;
    inv.docstatus.ensure_submittable(|| inv.name())?;
    let lines = tx.invoice_lines(id).await?;
    let to_post = ToPost {
        kind: inv.kind,
        party_id: inv.party_id,
        posting_date: inv.posting_date,
        return_against_id: inv.return_against_id,
        grand_total: inv.grand_total,
        lines: lines
            .iter()
            .map(|l| LineToPost {
                idx: l.idx,
                item_id: l.item_id,
                item_code: l.item_code.clone(),
                is_stock: l.is_stock,
                warehouse_id: l.warehouse_id,
                qty: l.qty,
                net: l.net,
                vat: l.vat,
                account_id: l.account_id,
            })
            .collect(),
    };
    let posted = post_invoice(tx, &to_post, settings, accounts).await?;
    tx.write_ledger(&posted.ledger).await?;
    for (l, cost) in lines.iter().zip(&posted.costs) {
        if let Some(cost) = cost {
            tx.set_line_cost(l.id, *cost).await?;
        }
    }
    if !tx
        .mark_submitted(DocTable::Invoices, id, &posted.number)
        .await?
    {
        return Err(ErpError::State(format!(
            "{} is no longer a draft",
            inv.name()
        )));
    }
    if posted.outstanding != inv.grand_total {
        tx.set_outstanding(id, posted.outstanding).await?;
    }
    Ok(())
}

/// Posts a new invoice inside `tx`, before it is stored: what it is stored with (number, costs,
/// outstanding amount) and its ledger write, which [`BooksTx::insert_invoice`] sends with it.
async fn post_new_invoice(tx: &mut BooksTx, prepared: &Prepared) -> Result<PostedAs> {
    let draft = &prepared.draft;
    let to_post = ToPost {
        kind: draft.kind,
        party_id: draft.party_id,
        posting_date: draft.posting_date,
        return_against_id: draft.return_against_id,
        grand_total: draft.grand_total,
        lines: draft
            .lines
            .iter()
            .zip(&prepared.items)
            .enumerate()
            .map(|(i, (l, item))| LineToPost {
                idx: i as i64 + 1,
                item_id: l.item_id,
                item_code: item.code.clone(),
                is_stock: item.is_stock,
                warehouse_id: l.warehouse_id,
                qty: l.qty,
                net: l.net,
                vat: l.vat,
                account_id: l.account_id,
            })
            .collect(),
    };
    post_invoice(tx, &to_post, &prepared.settings, &prepared.accounts).await
}

/// Numbers an invoice, works out its stock movements and ledger entries (to be written by the
/// caller) and, for a credit note, settles the invoice it credits.
async fn post_invoice(
    tx: &mut BooksTx,
    inv: &ToPost,
    settings: &BookSettings,
    accounts: &DefaultAccounts,
) -> Result<PostedAs> {
    let doc = inv.kind.document();
    let original = match inv.return_against_id {
        Some(o) => {
            let o = tx
                .lock_invoice(o)
                .await?
                .ok_or_else(|| invalid("the invoice being credited no longer exists"))?;
            if o.docstatus != Docstatus::Submitted {
                return Err(invalid(format!("{} is no longer submitted", o.name())));
            }
            Some(o)
        }
        None => None,
    };
    let original_lines = match &original {
        Some(o) => tx.invoice_lines(o.id).await?,
        None => Vec::new(),
    };
    if let Some(o) = &original {
        // Checked again here, under the credited invoice's lock, against the credit notes
        // submitted so far: a note drafted before others were submitted, or submitted beside
        // them, must not credit more than the invoice's total nor return more than it sold.
        let (credited, returned) = tx.credited_against(o.id).await?;
        if credited - inv.grand_total > o.grand_total {
            return Err(invalid(format!(
                "the credit would exceed {}'s total of {}: {} is credited already",
                o.name(),
                o.grand_total,
                credited
            )));
        }
        for l in &inv.lines {
            let of_item = |q: &[(i64, Quantity)]| -> Quantity {
                q.iter().filter(|r| r.0 == l.item_id).map(|r| r.1).sum()
            };
            let sold: Quantity = original_lines
                .iter()
                .filter(|x| x.item_id == l.item_id)
                .map(|x| x.qty)
                .sum();
            let before = of_item(&returned);
            let now: Quantity = inv
                .lines
                .iter()
                .filter(|x| x.item_id == l.item_id)
                .map(|x| x.qty.abs())
                .sum();
            if before + now > sold {
                return Err(invalid(format!(
                    "line {}: cannot return {now} of {}; the invoice has {sold} and {before} is returned already",
                    l.idx, l.item_code
                )));
            }
        }
    }
    let n = tx.next_number(&doc.series(inv.posting_date)).await?;
    let number = doc.number(inv.posting_date, n);
    let mut ledger = LedgerWrite::new(
        Voucher {
            doctype: doc.doctype(),
            number: number.clone(),
            date: inv.posting_date,
        },
        false,
    );
    let lines = &inv.lines;

    // Stock, moved in a fixed (item, warehouse) order.
    let stock_key = |l: &LineToPost| {
        l.warehouse_id
            .filter(|_| l.is_stock)
            .map(|w| (ItemId(l.item_id), WarehouseId(w)))
    };
    let mut order: Vec<usize> = (0..lines.len())
        .filter(|i| stock_key(&lines[*i]).is_some())
        .collect();
    order.sort_by_key(|i| stock_key(&lines[*i]));
    let keys: Vec<_> = lines.iter().filter_map(stock_key).collect();
    let mut stock = tx.lock_stock(&keys).await?;
    let mut stock_cost: Vec<Option<Amount>> = vec![None; lines.len()];
    for i in order {
        let l = &lines[i];
        let Some((item, warehouse)) = stock_key(l) else {
            continue;
        };
        let pos = stock.position(item, warehouse)?;
        let (qty_change, value_change) = match inv.kind {
            InvoiceKind::Sales if !l.qty.is_negative() => {
                let cost = pos
                    .issue(l.qty, settings.allow_negative_stock)
                    .map_err(|e| invalid(format!("line {}: {} — {e}", l.idx, l.item_code)))?;
                stock_cost[i] = Some(cost);
                (-l.qty, -cost)
            }
            InvoiceKind::Sales => {
                // Goods come back at the cost they left at on the credited invoice.
                let back = l.qty.abs();
                let cost = return_cost(&original_lines, l.item_id, back, pos);
                pos.receive(back, cost);
                stock_cost[i] = Some(-cost);
                (back, cost)
            }
            InvoiceKind::Purchase => {
                // Bought goods enter at their net cost; returned ones leave at it.
                if l.qty.is_negative() && l.qty.abs() > pos.qty && !settings.allow_negative_stock {
                    return Err(invalid(format!(
                        "line {}: {} — not enough stock to return: {} on hand",
                        l.idx, l.item_code, pos.qty
                    )));
                }
                pos.receive(l.qty, l.net);
                (l.qty, l.net)
            }
        };
        ledger.move_stock(item, warehouse, qty_change, value_change, *pos);
    }

    let posting_lines: Vec<PostingLine> = lines
        .iter()
        .zip(&stock_cost)
        .map(|(l, cost)| PostingLine {
            account: AccountId(l.account_id),
            net: l.net,
            vat: l.vat,
            stock_cost: *cost,
        })
        .collect();
    let party = PartyId(inv.party_id);
    let entries = match inv.kind {
        InvoiceKind::Sales => posting::sales_invoice(
            party,
            &posting_lines,
            &InvoiceAccounts {
                party_account: accounts.receivable,
                vat: accounts.tax_output,
                stock: accounts.stock,
                cost_of_goods_sold: accounts.cost_of_goods_sold,
            },
        )?,
        InvoiceKind::Purchase => posting::purchase_invoice(
            party,
            &posting_lines,
            &InvoiceAccounts {
                party_account: accounts.payable,
                vat: accounts.tax_input,
                stock: accounts.stock,
                cost_of_goods_sold: accounts.cost_of_goods_sold,
            },
        )?,
    };
    ledger.post(entries);
    let mut outstanding = inv.grand_total;
    if let Some(o) = original {
        // The credit first reduces what is still owed on the original; the rest stays on the
        // note as a credit owed back (settled by a refund).
        let credit = -inv.grand_total;
        let settled = if o.outstanding.0 > 0 {
            std::cmp::min(credit, o.outstanding)
        } else {
            Amount::ZERO
        };
        if settled.0 > 0 && !tx.settle(o.id, -settled).await? {
            return Err(invalid(format!(
                "{} changed while being credited",
                o.name()
            )));
        }
        outstanding = inv.grand_total + settled;
    }
    Ok(PostedAs {
        number,
        costs: stock_cost,
        outstanding,
        ledger,
    })
}

/// The cost at which returned goods come back: the unit cost they left at on the credited
/// invoice, or the current average where that is not known.
fn return_cost(
    original: &[InvoiceLine],
    item_id: i64,
    qty: Quantity,
    pos: &StockPosition,
) -> Amount {
    let (sold, cost) = original
        .iter()
        .filter(|o| o.item_id == item_id)
        .fold((Quantity::ZERO, Amount::ZERO), |(q, c), o| {
            (q + o.qty, c + Amount(o.cost.unwrap_or(0)))
        });
    if sold.0 > 0 && !cost.is_zero() {
        cost.share(qty.0, sold.0)
    } else {
        Amount::of(qty, pos.rate)
    }
}

/// Posts a submitted invoice's reversal inside `tx`.
pub(crate) async fn cancel_invoice_in(
    tx: &mut BooksTx,
    id: i64,
    settings: &BookSettings,
) -> Result<()> {
    let inv = tx
        .lock_invoice(id)
        .await?
        .ok_or_else(|| ErpError::NotFound(format!("invoice {id}")))?;
    inv.docstatus.ensure_cancellable(|| inv.name())?;
    let (payments, returns) = tx.dependants_of_invoice(id).await?;
    if payments > 0 || returns > 0 {
        return Err(ErpError::State(format!(
            "{} has {payments} submitted payment(s) and {returns} credit note(s) against it; cancel those first",
            inv.name()
        )));
    }
    let number = inv.name();
    let voucher = Voucher {
        doctype: inv.kind.document().doctype(),
        number: number.clone(),
        date: inv.posting_date,
    };
    reverse_postings(tx, voucher, settings).await?;
    if let Some(o) = inv.return_against_id {
        let settled = inv.outstanding - inv.grand_total;
        if settled.0 > 0 {
            tx.lock_invoice(o).await?;
            tx.unsettle(o, settled).await?;
        }
    }
    if !tx.mark_cancelled(DocTable::Invoices, id).await? {
        return Err(ErpError::State(format!("{number} is no longer submitted")));
    }
    Ok(())
}

/// Posts the reversal of every ledger and stock entry a voucher made.
pub(crate) async fn reverse_postings(
    tx: &mut BooksTx,
    voucher: Voucher,
    settings: &BookSettings,
) -> Result<()> {
    let entries = tx.entries_of(voucher.doctype, &voucher.number).await?;
    let mut moves = tx.stock_moves_of(voucher.doctype, &voucher.number).await?;
    moves.sort_by_key(|m| (m.item_id, m.warehouse_id, m.id));
    let keys: Vec<_> = moves
        .iter()
        .map(|m| (ItemId(m.item_id), WarehouseId(m.warehouse_id)))
        .collect();
    let mut stock = tx.lock_stock(&keys).await?;
    let mut ledger = LedgerWrite::new(voucher, true);
    ledger.post(entries.iter().map(|e| e.posting().reversed()));
    for m in moves {
        let (item, warehouse) = (ItemId(m.item_id), WarehouseId(m.warehouse_id));
        let pos = stock.position(item, warehouse)?;
        pos.undo(m.qty_change, m.value_change, settings.allow_negative_stock)
            .map_err(|e| invalid(format!("cannot cancel {}: {e}", ledger.voucher.number)))?;
        ledger.move_stock(item, warehouse, -m.qty_change, -m.value_change, *pos);
    }
    tx.write_ledger(&ledger).await?;
    Ok(())
}
