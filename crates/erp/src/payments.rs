//! Payment entries: money received from or paid to a party, allocated in full to its invoices.
//! Submitting moves each invoice's outstanding amount, checked and applied in one statement so
//! that concurrent payments cannot over-allocate an invoice.

use serde::{Deserialize, Serialize};
use tenantry_domain::books::ids::{AccountId, PartyId};
use tenantry_domain::books::{
    posting, Amount, Docstatus, DocumentKind, InvoiceKind, PaymentDirection,
};
use tenantry_store::books::{
    Allocation, DocTable, LedgerWrite, ListQuery, PartyKind, Payment, PaymentDraft, Voucher,
};
use tenantry_store::BooksTx;
use time::Date;

use crate::error::{invalid, ErpError, Result};
use crate::invoices::reverse_postings;
use crate::{clean_text, Books};

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentInput {
    pub payment_type: PaymentDirection,
    pub party_type: PartyKind,
    pub party: String,
    pub posting_date: Option<Date>,
    pub amount: Amount,
    /// The bank or cash account; the first bank account when absent.
    pub account: Option<String>,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub remarks: String,
    pub allocations: Vec<AllocationInput>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AllocationInput {
    /// The invoice's number.
    pub invoice: String,
    pub amount: Amount,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentDoc {
    pub name: String,
    #[serde(flatten)]
    pub payment: Payment,
    pub allocations: Vec<Allocation>,
}

/// Which invoices a payment may settle: a receipt settles what a customer owes (or a supplier's
/// debit note); a payment settles what is owed to a supplier (or a customer's credit note).
fn invoice_kind(party: PartyKind) -> InvoiceKind {
    match party {
        PartyKind::Customer => InvoiceKind::Sales,
        PartyKind::Supplier => InvoiceKind::Purchase,
    }
}

/// The change a payment in `direction` makes to an invoice of `kind`'s outstanding amount.
fn outstanding_change(kind: InvoiceKind, direction: PaymentDirection, amount: Amount) -> Amount {
    if kind.settled_by() == direction {
        -amount
    } else {
        amount
    }
}

/// Whether moving an invoice's outstanding amount by `change` settles it without going past
/// zero: the rule the store's `settle` applies under the invoice's lock.
fn settles(outstanding: Amount, change: Amount) -> bool {
    let after = outstanding + change;
    (change.is_negative()
        && !outstanding.is_negative()
        && !outstanding.is_zero()
        && !after.is_negative())
        || (!change.is_negative()
            && !change.is_zero()
            && outstanding.is_negative()
            && (after.is_negative() || after.is_zero()))
}

/// Why allocating `amount` of a payment to the invoice `name` (with `outstanding` left) cannot
/// be done, in words; `None` when it can.
fn allocation_refusal(
    name: &str,
    outstanding: Amount,
    change: Amount,
    amount: Amount,
) -> Option<String> {
    if settles(outstanding, change) {
        None
    } else if outstanding.is_zero() {
        Some(format!("{name} is already settled"))
    } else if change.is_negative() == outstanding.is_negative() {
        Some(format!(
            "{name} is settled by a payment the other way: it has {} to {}",
            outstanding.abs(),
            if outstanding.is_negative() {
                "refund"
            } else {
                "collect"
            }
        ))
    } else {
        Some(format!(
            "{amount} is more than the {} left to settle on {name}",
            outstanding.abs()
        ))
    }
}

impl Books {
    pub async fn create_payment(
        &self,
        input: &PaymentInput,
        author: &str,
        submit: bool,
        today: Date,
    ) -> Result<PaymentDoc> {
        let draft = self.prepare_payment(input, author, today).await?;
        let accounts = self.default_accounts().await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        let id = tx.insert_payment(&draft).await?;
        if submit {
            submit_payment_in(&mut tx, id, accounts.receivable, accounts.payable).await?;
        }
        tx.commit().await?;
        self.payment_doc_by_id(id).await
    }

    /// Replaces a draft payment's content.
    pub async fn update_payment(
        &self,
        name: &str,
        input: &PaymentInput,
        author: &str,
        submit: bool,
        today: Date,
    ) -> Result<PaymentDoc> {
        let existing = self.find_payment(name).await?;
        existing.docstatus.ensure_editable(|| existing.name())?;
        let draft = self.prepare_payment(input, author, today).await?;
        let accounts = self.default_accounts().await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        if !tx.replace_payment_draft(existing.id, &draft).await? {
            return Err(ErpError::State(format!(
                "{} is no longer a draft",
                existing.name()
            )));
        }
        if submit {
            submit_payment_in(&mut tx, existing.id, accounts.receivable, accounts.payable).await?;
        }
        tx.commit().await?;
        self.payment_doc_by_id(existing.id).await
    }

    pub async fn submit_payment(&self, name: &str) -> Result<PaymentDoc> {
        let p = self.find_payment(name).await?;
        self.check_posting_date(p.posting_date).await?;
        let accounts = self.default_accounts().await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        submit_payment_in(&mut tx, p.id, accounts.receivable, accounts.payable).await?;
        tx.commit().await?;
        self.payment_doc_by_id(p.id).await
    }

    pub async fn cancel_payment(&self, name: &str) -> Result<PaymentDoc> {
        let p = self.find_payment(name).await?;
        let settings = self.settings().await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        let locked = tx
            .lock_payment(p.id)
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("payment {name:?}")))?;
        locked.docstatus.ensure_cancellable(|| locked.name())?;
        let number = locked.name();
        let voucher = Voucher {
            doctype: DocumentKind::Payment.doctype(),
            number: number.clone(),
            date: locked.posting_date,
        };
        reverse_postings(&mut tx, voucher, &settings).await?;
        let kind = invoice_kind(party_kind_of(&locked)?);
        for a in tx.allocations(p.id).await? {
            tx.lock_invoice(a.invoice_id).await?;
            tx.unsettle(
                a.invoice_id,
                -outstanding_change(kind, locked.direction, a.amount),
            )
            .await?;
        }
        if !tx.mark_cancelled(DocTable::Payments, p.id).await? {
            return Err(ErpError::State(format!("{number} is no longer submitted")));
        }
        tx.commit().await?;
        self.payment_doc_by_id(p.id).await
    }

    pub async fn payment_doc(&self, name: &str) -> Result<PaymentDoc> {
        let p = self.find_payment(name).await?;
        self.payment_doc_by_id(p.id).await
    }

    pub async fn list_payments(&self, query: &ListQuery) -> Result<Vec<Payment>> {
        Ok(self.db.list_payments(query).await?)
    }

    async fn find_payment(&self, name: &str) -> Result<Payment> {
        self.db
            .payment_named(name.trim())
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("Payment Entry {name:?}")))
    }

    async fn payment_doc_by_id(&self, id: i64) -> Result<PaymentDoc> {
        let payment = self
            .db
            .payment(id)
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("payment {id}")))?;
        Ok(PaymentDoc {
            name: payment.name(),
            allocations: self.db.allocations(id).await?,
            payment,
        })
    }

    async fn prepare_payment(
        &self,
        input: &PaymentInput,
        author: &str,
        today: Date,
    ) -> Result<PaymentDraft> {
        let name = input.party.trim();
        let party = self
            .db
            .party(input.party_type, name)
            .await?
            .ok_or_else(|| {
                invalid(format!(
                    "{} {name:?} does not exist",
                    input.party_type.as_str()
                ))
            })?;
        let posting_date = input.posting_date.unwrap_or(today);
        self.check_posting_date(posting_date).await?;
        if input.amount.is_negative() || input.amount.is_zero() {
            return Err(invalid("the amount must be positive"));
        }
        let account = match input.account.as_deref().map(str::trim) {
            Some(a) if !a.is_empty() => self
                .db
                .account_named(a)
                .await?
                .ok_or_else(|| invalid(format!("account {a:?} does not exist")))?,
            _ => {
                let id = self.default_accounts().await?.bank;
                self.db
                    .account(id.0)
                    .await?
                    .ok_or_else(|| invalid("the bank account is missing"))?
            }
        };
        if !account.account_type.is_money() || account.is_group || account.disabled {
            return Err(invalid(format!(
                "{:?} is not an enabled bank or cash account",
                account.name
            )));
        }
        if input.allocations.is_empty() {
            return Err(invalid("a payment is allocated to at least one invoice"));
        }
        let kind = invoice_kind(input.party_type);
        let mut allocations: Vec<(i64, Amount)> = Vec::new();
        for a in &input.allocations {
            if a.amount.is_negative() || a.amount.is_zero() {
                return Err(invalid("each allocated amount must be positive"));
            }
            let inv = self
                .db
                .invoice_named(kind, a.invoice.trim())
                .await?
                .ok_or_else(|| invalid(format!("invoice {:?} does not exist", a.invoice)))?;
            if inv.party_id != party.id {
                return Err(invalid(format!("{} is not {name}'s invoice", inv.name())));
            }
            if inv.docstatus != Docstatus::Submitted {
                return Err(invalid(format!("{} is not submitted", inv.name())));
            }
            if allocations.iter().any(|(id, _)| *id == inv.id) {
                return Err(invalid(format!("{} is allocated twice", inv.name())));
            }
            // Refused now rather than at submit; submit checks again under the invoice's lock,
            // as another payment may settle it in between.
            let change = outstanding_change(kind, input.payment_type, a.amount);
            if let Some(why) = allocation_refusal(&inv.name(), inv.outstanding, change, a.amount) {
                return Err(invalid(why));
            }
            allocations.push((inv.id, a.amount));
        }
        let allocated: Amount = allocations.iter().map(|(_, a)| *a).sum();
        if allocated != input.amount {
            return Err(invalid(format!(
                "the allocations add up to {allocated}, not the amount of {}",
                input.amount
            )));
        }
        allocations.sort_by_key(|(id, _)| *id);
        Ok(PaymentDraft {
            direction: input.payment_type,
            party_id: party.id,
            posting_date,
            amount: input.amount,
            account_id: account.id,
            reference: clean_text("reference", &input.reference, 140, false)?,
            remarks: clean_text("remarks", &input.remarks, 2000, false)?,
            created_by: author.to_owned(),
            allocations,
        })
    }
}

fn party_kind_of(p: &Payment) -> Result<PartyKind> {
    match p.party_kind.as_str() {
        "customer" => Ok(PartyKind::Customer),
        "supplier" => Ok(PartyKind::Supplier),
        other => Err(invalid(format!("unknown party kind {other:?}"))),
    }
}

async fn submit_payment_in(
    tx: &mut BooksTx,
    id: i64,
    receivable: AccountId,
    payable: AccountId,
) -> Result<()> {
    let p = tx
        .lock_payment(id)
        .await?
        .ok_or_else(|| ErpError::NotFound(format!("payment {id}")))?;
    p.docstatus.ensure_submittable(|| p.name())?;
    let party_kind = party_kind_of(&p)?;
    let kind = invoice_kind(party_kind);
    // Allocations come sorted by invoice id: concurrent payments lock invoices in one order.
    for a in tx.allocations(id).await? {
        let inv = tx
            .lock_invoice(a.invoice_id)
            .await?
            .ok_or_else(|| invalid("an allocated invoice no longer exists"))?;
        if inv.docstatus != Docstatus::Submitted {
            return Err(invalid(format!("{} is no longer submitted", inv.name())));
        }
        let change = outstanding_change(kind, p.direction, a.amount);
        if !tx.settle(a.invoice_id, change).await? {
            let why = allocation_refusal(&inv.name(), inv.outstanding, change, a.amount)
                .unwrap_or_else(|| format!("{} cannot be settled by this payment", inv.name()));
            return Err(invalid(why));
        }
    }
    let doc = DocumentKind::Payment;
    let n = tx.next_number(&doc.series(p.posting_date)).await?;
    let number = doc.number(p.posting_date, n);
    let party_account = match party_kind {
        PartyKind::Customer => receivable,
        PartyKind::Supplier => payable,
    };
    let entries = posting::payment(
        PartyId(p.party_id),
        party_account,
        AccountId(p.account_id),
        p.amount,
        p.direction == PaymentDirection::Receive,
    )?;
    let mut ledger = LedgerWrite::new(
        Voucher {
            doctype: doc.doctype(),
            number: number.clone(),
            date: p.posting_date,
        },
        false,
    );
    ledger.post(entries);
    tx.write_ledger(&ledger).await?;
    if !tx.mark_submitted(DocTable::Payments, id, &number).await? {
        return Err(ErpError::State(format!(
            "{} is no longer a draft",
            p.name()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amt(s: &str) -> Amount {
        Amount::parse(s).unwrap()
    }

    #[test]
    fn an_allocation_settles_up_to_what_is_left_and_no_further() {
        assert!(settles(amt("12.00"), amt("-12.00")));
        assert!(settles(amt("12.00"), amt("-0.01")));
        assert!(!settles(amt("12.00"), amt("-12.01")));
        assert!(!settles(amt("0.00"), amt("-1.00")));
        assert!(!settles(amt("12.00"), amt("1.00")));
        // A credit note's refund: a negative outstanding moves up to zero.
        assert!(settles(amt("-5.00"), amt("5.00")));
        assert!(!settles(amt("-5.00"), amt("5.01")));
    }

    #[test]
    fn a_refused_allocation_says_why_in_words() {
        let why = |o: &str, c: &str| {
            allocation_refusal("SINV-1", amt(o), amt(c), amt(c).abs()).unwrap_or_default()
        };
        assert_eq!(
            why("12.00", "-400.00"),
            "400.00 is more than the 12.00 left to settle on SINV-1"
        );
        assert_eq!(why("0.00", "-1.00"), "SINV-1 is already settled");
        assert_eq!(
            why("12.00", "5.00"),
            "SINV-1 is settled by a payment the other way: it has 12.00 to collect"
        );
        assert_eq!(why("12.00", "-12.00"), "");
    }
}
