//! Posting rules: which ledger entries each document makes, and the checks every posting
//! passes. Pure functions: the ERP service gathers the inputs, these decide the entries.

use std::collections::BTreeMap;

use super::decimal::Amount;
use super::ids::{AccountId, PartyId};
use super::BooksError;

/// One ledger entry to be written: exactly one of `debit`/`credit` is positive, the other zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    pub account: AccountId,
    pub party: Option<PartyId>,
    pub debit: Amount,
    pub credit: Amount,
}

impl Posting {
    /// An entry of `amount` on the side that is natural for it: a positive amount on `debit`
    /// side if `debit` is true; a negative amount lands on the other side as a positive figure.
    pub fn signed(account: AccountId, party: Option<PartyId>, amount: Amount, debit: bool) -> Self {
        let (debit, amount) = if amount.is_negative() {
            (!debit, -amount)
        } else {
            (debit, amount)
        };
        if debit {
            Posting {
                account,
                party,
                debit: amount,
                credit: Amount::ZERO,
            }
        } else {
            Posting {
                account,
                party,
                debit: Amount::ZERO,
                credit: amount,
            }
        }
    }

    /// The entry that undoes this one.
    pub fn reversed(self) -> Self {
        Posting {
            debit: self.credit,
            credit: self.debit,
            ..self
        }
    }

    /// Debit minus credit.
    pub fn net(self) -> Amount {
        self.debit - self.credit
    }
}

/// Refuses a set of entries that does not balance, has an entry with both or neither side, or a
/// negative side.
pub fn ensure_balanced(postings: &[Posting]) -> Result<(), BooksError> {
    if postings.is_empty() {
        return Err(BooksError::Invalid(
            "a posting needs at least one entry".into(),
        ));
    }
    for p in postings {
        if p.debit.is_negative() || p.credit.is_negative() {
            return Err(BooksError::Invalid(
                "a ledger entry cannot be negative".into(),
            ));
        }
        if p.debit.is_zero() == p.credit.is_zero() {
            return Err(BooksError::Invalid(
                "each ledger entry is either a debit or a credit".into(),
            ));
        }
    }
    let debit: Amount = postings.iter().map(|p| p.debit).sum();
    let credit: Amount = postings.iter().map(|p| p.credit).sum();
    if debit != credit {
        return Err(BooksError::Unbalanced { debit, credit });
    }
    Ok(())
}

/// Nets entries on the same account and party into one, drops those that net to zero, and
/// keeps a stable order (by account, then party).
pub fn consolidate(postings: impl IntoIterator<Item = Posting>) -> Vec<Posting> {
    let mut net: BTreeMap<(AccountId, Option<PartyId>), Amount> = BTreeMap::new();
    for p in postings {
        *net.entry((p.account, p.party)).or_default() += p.net();
    }
    net.into_iter()
        .filter(|(_, n)| !n.is_zero())
        .map(|((account, party), n)| Posting::signed(account, party, n, true))
        .collect()
}

/// One line of an invoice as the posting rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostingLine {
    /// Income (sales) or expense (purchases) account; for a stocked item on a purchase, the
    /// stock account.
    pub account: AccountId,
    pub net: Amount,
    pub vat: Amount,
    /// For a stocked item on a sale: its cost at valuation (negative on a credit note, where the
    /// goods come back).
    pub stock_cost: Option<Amount>,
}

/// The accounts an invoice posts to besides its lines'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvoiceAccounts {
    /// Receivable for a sale, payable for a purchase.
    pub party_account: AccountId,
    /// Output VAT for a sale, input VAT for a purchase.
    pub vat: AccountId,
    pub stock: AccountId,
    pub cost_of_goods_sold: AccountId,
}

/// A sales invoice (or, with negative lines, a credit note): the customer owes the gross; the
/// net is income, the VAT is owed to HMRC; stock leaves at cost into cost of goods sold.
pub fn sales_invoice(
    party: PartyId,
    lines: &[PostingLine],
    accounts: &InvoiceAccounts,
) -> Result<Vec<Posting>, BooksError> {
    let gross: Amount = lines.iter().map(|l| l.net + l.vat).sum();
    let vat: Amount = lines.iter().map(|l| l.vat).sum();
    let mut entries = vec![
        Posting::signed(accounts.party_account, Some(party), gross, true),
        Posting::signed(accounts.vat, None, vat, false),
    ];
    for l in lines {
        entries.push(Posting::signed(l.account, None, l.net, false));
        if let Some(cost) = l.stock_cost {
            entries.push(Posting::signed(
                accounts.cost_of_goods_sold,
                None,
                cost,
                true,
            ));
            entries.push(Posting::signed(accounts.stock, None, cost, false));
        }
    }
    finish(entries)
}

/// A purchase invoice (or, with negative lines, a debit note): the supplier is owed the gross;
/// the net is an expense or, for stocked items, stock; the VAT is reclaimable.
pub fn purchase_invoice(
    party: PartyId,
    lines: &[PostingLine],
    accounts: &InvoiceAccounts,
) -> Result<Vec<Posting>, BooksError> {
    let gross: Amount = lines.iter().map(|l| l.net + l.vat).sum();
    let vat: Amount = lines.iter().map(|l| l.vat).sum();
    let mut entries = vec![
        Posting::signed(accounts.party_account, Some(party), gross, false),
        Posting::signed(accounts.vat, None, vat, true),
    ];
    for l in lines {
        entries.push(Posting::signed(l.account, None, l.net, true));
    }
    finish(entries)
}

/// Money received from (`received` = true) or paid to a party.
pub fn payment(
    party: PartyId,
    party_account: AccountId,
    money_account: AccountId,
    amount: Amount,
    received: bool,
) -> Result<Vec<Posting>, BooksError> {
    if !amount.is_negative() && !amount.is_zero() {
        finish(vec![
            Posting::signed(money_account, None, amount, received),
            Posting::signed(party_account, Some(party), amount, !received),
        ])
    } else {
        Err(BooksError::Invalid(
            "a payment's amount must be positive".into(),
        ))
    }
}

/// Stock counted in (`value` positive) or written off (negative) without an invoice: against
/// the stock adjustment account.
pub fn stock_adjustment(
    stock: AccountId,
    adjustment: AccountId,
    value: Amount,
) -> Result<Vec<Posting>, BooksError> {
    finish(vec![
        Posting::signed(stock, None, value, true),
        Posting::signed(adjustment, None, value, false),
    ])
}

/// A journal's lines as given: refused unless each is one-sided and the whole balances.
pub fn journal(lines: &[Posting]) -> Result<Vec<Posting>, BooksError> {
    if lines.len() < 2 {
        return Err(BooksError::Invalid(
            "a journal entry needs at least two lines".into(),
        ));
    }
    ensure_balanced(lines)?;
    Ok(lines.to_vec())
}

fn finish(entries: Vec<Posting>) -> Result<Vec<Posting>, BooksError> {
    let entries = consolidate(entries);
    if entries.is_empty() {
        // A document of zero value posts nothing; that is allowed.
        return Ok(entries);
    }
    ensure_balanced(&entries)?;
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECEIVABLE: AccountId = AccountId(1);
    const VAT: AccountId = AccountId(2);
    const SALES: AccountId = AccountId(3);
    const STOCK: AccountId = AccountId(4);
    const COGS: AccountId = AccountId(5);
    const CUSTOMER: PartyId = PartyId(9);

    fn accounts() -> InvoiceAccounts {
        InvoiceAccounts {
            party_account: RECEIVABLE,
            vat: VAT,
            stock: STOCK,
            cost_of_goods_sold: COGS,
        }
    }

    #[test]
    fn a_sale_with_stock_posts_five_balanced_entries() {
        let lines = [
            PostingLine {
                account: SALES,
                net: Amount(10_000),
                vat: Amount(2_000),
                stock_cost: Some(Amount(6_000)),
            },
            PostingLine {
                account: SALES,
                net: Amount(500),
                vat: Amount(100),
                stock_cost: None,
            },
        ];
        let p = sales_invoice(CUSTOMER, &lines, &accounts()).unwrap();
        let find = |a| p.iter().find(|x| x.account == a).copied().unwrap();
        assert_eq!(find(RECEIVABLE).debit, Amount(12_600));
        assert_eq!(find(RECEIVABLE).party, Some(CUSTOMER));
        assert_eq!(find(SALES).credit, Amount(10_500));
        assert_eq!(find(VAT).credit, Amount(2_100));
        assert_eq!(find(COGS).debit, Amount(6_000));
        assert_eq!(find(STOCK).credit, Amount(6_000));
        assert_eq!(p.len(), 5);
    }

    #[test]
    fn a_credit_note_posts_the_other_way() {
        let lines = [PostingLine {
            account: SALES,
            net: Amount(-1_000),
            vat: Amount(-200),
            stock_cost: Some(Amount(-600)),
        }];
        let p = sales_invoice(CUSTOMER, &lines, &accounts()).unwrap();
        let find = |a| p.iter().find(|x| x.account == a).copied().unwrap();
        assert_eq!(find(RECEIVABLE).credit, Amount(1_200));
        assert_eq!(find(SALES).debit, Amount(1_000));
        assert_eq!(find(STOCK).debit, Amount(600));
    }

    #[test]
    fn reversal_nets_to_zero() {
        let lines = [PostingLine {
            account: SALES,
            net: Amount(999),
            vat: Amount(200),
            stock_cost: None,
        }];
        let p = sales_invoice(CUSTOMER, &lines, &accounts()).unwrap();
        let all: Vec<Posting> = p
            .iter()
            .copied()
            .chain(p.iter().map(|x| x.reversed()))
            .collect();
        assert!(consolidate(all).is_empty());
    }

    #[test]
    fn unbalanced_and_two_sided_journals_are_refused() {
        let ok = Posting::signed(SALES, None, Amount(100), true);
        let other = Posting::signed(VAT, None, Amount(99), false);
        assert!(matches!(
            journal(&[ok, other]),
            Err(BooksError::Unbalanced { .. })
        ));
        let both = Posting {
            account: SALES,
            party: None,
            debit: Amount(1),
            credit: Amount(1),
        };
        assert!(journal(&[both, both]).is_err());
        assert!(journal(&[ok]).is_err());
        assert!(journal(&[ok, Posting::signed(VAT, None, Amount(100), false)]).is_ok());
    }
}
