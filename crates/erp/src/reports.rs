//! The reports: trial balance, profit and loss, balance sheet, general ledger, ageing, stock
//! balance, sales by day and by item, the UK VAT return, and the dashboard's figures.
//!
//! Every report is a serialisable struct (the JSON) and turns into a [`Table`] (the page and the
//! CSV), so that the three always agree.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tenantry_domain::books::reports::{AgeingBucket, VatReturn};
use tenantry_domain::books::{Amount, InvoiceKind, InvoiceStatus, RootType};
use tenantry_store::books::{
    Account, AccountTotal, DocumentEvent, Invoice, LedgerLine, LedgerQuery, ListQuery, SalesDay,
    SalesOfItem, SalesSum, StockBalance,
};
use time::{Date, Duration};

use crate::error::{invalid, ErpError, Result};
use crate::Books;

/// A span of days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    pub fn new(from: Date, to: Date) -> Result<Self> {
        if to < from {
            return Err(invalid("the period ends before it starts"));
        }
        if (to - from).whole_days() > 3660 {
            return Err(invalid("a report period is at most ten years"));
        }
        Ok(Period { from, to })
    }

    /// The same days a year earlier: what a statement is compared with.
    pub fn a_year_earlier(self) -> Period {
        Period {
            from: a_year_before(self.from),
            to: a_year_before(self.to),
        }
    }
}

/// The same day a year earlier; 29 February becomes the 28th.
pub fn a_year_before(d: Date) -> Date {
    d.replace_year(d.year() - 1)
        .or_else(|_| Date::from_calendar_date(d.year() - 1, d.month(), 28))
        .unwrap_or(d)
}

/// What a statement's column covers: the movements over a period (profit and loss), or the
/// balances at the end of a day (balance sheet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    Period(Period),
    At(Date),
}

impl Span {
    pub fn label(self) -> String {
        match self {
            Span::Period(p) => format!("{} to {}", p.from, p.to),
            Span::At(d) => format!("at {d}"),
        }
    }

    /// The ledger lines behind the column's figures: the period's, or every line up to the day.
    pub fn ledger_range(self) -> (Option<Date>, Date) {
        match self {
            Span::Period(p) => (Some(p.from), p.to),
            Span::At(d) => (None, d),
        }
    }
}

/// A report as rows of text, for the page and the CSV.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Table {
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// RFC 4180 CSV with a header row.
    pub fn to_csv(&self) -> Result<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| ErpError::Invalid(format!("cannot write CSV: {e}"));
        w.write_record(&self.headers).map_err(fail)?;
        for r in &self.rows {
            w.write_record(r).map_err(fail)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| ErpError::Invalid(format!("cannot write CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| ErpError::Invalid(format!("cannot write CSV: {e}")))
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn blank_zero(a: Amount) -> String {
    if a.is_zero() {
        String::new()
    } else {
        a.to_string()
    }
}

/// An account's figures in a report, with its depth in the tree.
#[derive(Debug, Clone, Serialize)]
pub struct AccountRow {
    pub account_id: i64,
    pub number: String,
    pub name: String,
    pub root_type: RootType,
    pub is_group: bool,
    pub depth: usize,
    pub opening: Amount,
    pub debit: Amount,
    pub credit: Amount,
    pub closing: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrialBalance {
    pub period: Period,
    pub rows: Vec<AccountRow>,
    pub total_debit: Amount,
    pub total_credit: Amount,
    /// Sum of every ledger account's closing balance (debit positive): always zero.
    pub closing_sum: Amount,
}

/// Accounts in tree order (each group followed by its children), with depths.
fn tree_order(accounts: &[Account]) -> Vec<(&Account, usize)> {
    let mut out = Vec::with_capacity(accounts.len());
    fn visit<'a>(
        accounts: &'a [Account],
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<(&'a Account, usize)>,
    ) {
        for a in accounts.iter().filter(|a| a.parent_id == parent) {
            out.push((a, depth));
            visit(accounts, Some(a.id), depth + 1, out);
        }
    }
    visit(accounts, None, 0, &mut out);
    out
}

/// Debit-positive net per account, rolled up so that each group holds its descendants' sums.
fn rolled_up(
    accounts: &[Account],
    own: &HashMap<i64, (Amount, Amount)>,
) -> HashMap<i64, (Amount, Amount)> {
    let mut sums: HashMap<i64, (Amount, Amount)> = HashMap::new();
    let parent: HashMap<i64, Option<i64>> = accounts.iter().map(|a| (a.id, a.parent_id)).collect();
    for (id, (d, c)) in own {
        let mut at = Some(*id);
        let mut guard = 0;
        while let Some(a) = at {
            let e = sums.entry(a).or_default();
            e.0 += *d;
            e.1 += *c;
            at = parent.get(&a).copied().flatten();
            guard += 1;
            if guard > 64 {
                break;
            }
        }
    }
    sums
}

fn by_account(totals: &[AccountTotal]) -> HashMap<i64, (Amount, Amount)> {
    totals
        .iter()
        .map(|t| (t.account_id, (t.debit, t.credit)))
        .collect()
}

impl Books {
    pub async fn trial_balance(&self, period: Period) -> Result<TrialBalance> {
        let accounts = self.db.accounts().await?;
        let before = by_account(
            &self
                .db
                .account_totals(None, period.from - Duration::days(1))
                .await?,
        );
        let during = by_account(&self.db.account_totals(Some(period.from), period.to).await?);
        let before_up = rolled_up(&accounts, &before);
        let during_up = rolled_up(&accounts, &during);
        let mut rows = Vec::new();
        let (mut total_debit, mut total_credit, mut closing_sum) =
            (Amount::ZERO, Amount::ZERO, Amount::ZERO);
        for (a, depth) in tree_order(&accounts) {
            let (od, oc) = before_up.get(&a.id).copied().unwrap_or_default();
            let (d, c) = during_up.get(&a.id).copied().unwrap_or_default();
            let opening = od - oc;
            let closing = opening + d - c;
            if !a.is_group {
                total_debit += d;
                total_credit += c;
                closing_sum += closing;
            }
            if opening.is_zero() && d.is_zero() && c.is_zero() {
                continue;
            }
            rows.push(AccountRow {
                account_id: a.id,
                number: a.number.clone(),
                name: a.name.clone(),
                root_type: a.root_type,
                is_group: a.is_group,
                depth,
                opening,
                debit: d,
                credit: c,
                closing,
            });
        }
        Ok(TrialBalance {
            period,
            rows,
            total_debit,
            total_credit,
            closing_sum,
        })
    }

    /// Income and expenses over `period`, beside the same days a year earlier.
    pub async fn profit_and_loss(&self, period: Period) -> Result<Statement> {
        let accounts = self.db.accounts().await?;
        let previous = period.a_year_earlier();
        let now = rolled_up(
            &accounts,
            &by_account(&self.db.account_totals(Some(period.from), period.to).await?),
        );
        let then = rolled_up(
            &accounts,
            &by_account(
                &self
                    .db
                    .account_totals(Some(previous.from), previous.to)
                    .await?,
            ),
        );
        let mut s = statement(
            format!("Profit and loss {}", Span::Period(period).label()),
            Span::Period(period),
            Span::Period(previous),
            &accounts,
            &[RootType::Income, RootType::Expense],
            &now,
            &then,
        );
        let profit = |m: &HashMap<i64, (Amount, Amount)>| -> Amount {
            accounts
                .iter()
                .filter(|a| a.parent_id.is_none() && a.root_type.is_profit_and_loss())
                .map(|a| {
                    let (d, c) = m.get(&a.id).copied().unwrap_or_default();
                    c - d
                })
                .sum()
        };
        s.result = ("Net profit".into(), profit(&now), profit(&then));
        Ok(s)
    }

    /// The balance sheet at the end of the day `at`, beside the same day a year earlier. Profit
    /// not yet closed into equity shows as its own equity line.
    pub async fn balance_sheet(&self, at: Date) -> Result<Statement> {
        let accounts = self.db.accounts().await?;
        let previous = a_year_before(at);
        let now = rolled_up(
            &accounts,
            &by_account(&self.db.account_totals(None, at).await?),
        );
        let then = rolled_up(
            &accounts,
            &by_account(&self.db.account_totals(None, previous).await?),
        );
        let mut s = statement(
            format!("Balance sheet {}", Span::At(at).label()),
            Span::At(at),
            Span::At(previous),
            &accounts,
            &[RootType::Asset, RootType::Liability, RootType::Equity],
            &now,
            &then,
        );
        let unclosed = |m: &HashMap<i64, (Amount, Amount)>| -> Amount {
            accounts
                .iter()
                .filter(|a| a.parent_id.is_none() && a.root_type.is_profit_and_loss())
                .map(|a| {
                    let (d, c) = m.get(&a.id).copied().unwrap_or_default();
                    c - d
                })
                .sum()
        };
        s.lines.push(StatementLine {
            section: RootType::Equity,
            number: String::new(),
            name: "Profit not yet closed".into(),
            depth: 1,
            is_group: false,
            current: unclosed(&now),
            previous: unclosed(&then),
        });
        let total = |root: RootType, current: bool| -> Amount {
            s.lines
                .iter()
                .filter(|l| {
                    l.section == root && (l.depth == 0 || l.name == "Profit not yet closed")
                })
                .map(|l| if current { l.current } else { l.previous })
                .sum()
        };
        let assets = (total(RootType::Asset, true), total(RootType::Asset, false));
        let claims = (
            total(RootType::Liability, true) + total(RootType::Equity, true),
            total(RootType::Liability, false) + total(RootType::Equity, false),
        );
        s.result = (
            "Assets less liabilities and equity".into(),
            assets.0 - claims.0,
            assets.1 - claims.1,
        );
        Ok(s)
    }

    /// Ledger lines for an account, a party, a voucher or a span, with the balance running from
    /// the opening figure.
    pub async fn general_ledger(&self, q: &LedgerQuery) -> Result<GeneralLedger> {
        let opening = self.db.ledger_opening(q).await?;
        let (lines, total) = self.db.ledger_lines(q).await?;
        // The running balance of a page starts from what the pages before it moved.
        let before_page = if q.offset > 0 {
            let earlier = LedgerQuery {
                limit: q.offset,
                offset: 0,
                ..q.clone()
            };
            self.db
                .ledger_lines(&earlier)
                .await?
                .0
                .iter()
                .map(|l| l.debit - l.credit)
                .sum()
        } else {
            Amount::ZERO
        };
        let mut balance = opening + before_page;
        let rows = lines
            .into_iter()
            .map(|line| {
                balance += line.debit - line.credit;
                LedgerRow { balance, line }
            })
            .collect();
        Ok(GeneralLedger {
            opening,
            rows,
            total_lines: total,
            running_balance: q.account_id.is_some() || q.party_id.is_some(),
        })
    }

    /// What customers (sales) or suppliers (purchases) owe or are owed, by days past due on
    /// `as_of`, with each open invoice.
    pub async fn ageing(&self, kind: InvoiceKind, as_of: Date) -> Result<Ageing> {
        let open = self.db.open_invoices(kind, as_of).await?;
        let mut summary = AgeingTotals::new(kind, as_of);
        let invoices = open
            .into_iter()
            .map(|inv| {
                let days = (as_of - inv.due_date).whole_days();
                summary.add(&inv.party_name, inv.due_date, inv.outstanding);
                AgeingRow {
                    invoice: inv.number.unwrap_or_default(),
                    party: inv.party_name,
                    posting_date: inv.posting_date,
                    due_date: inv.due_date,
                    days_overdue: days.max(0),
                    bucket: AgeingBucket::for_days_overdue(days),
                    outstanding: inv.outstanding,
                }
            })
            .collect();
        Ok(Ageing {
            summary: summary.done(),
            invoices,
        })
    }

    /// The ageing's totals per party without a row per invoice (what the page and the CSV
    /// show): summed by the database per party and due date.
    pub async fn ageing_summary(&self, kind: InvoiceKind, as_of: Date) -> Result<AgeingSummary> {
        let mut summary = AgeingTotals::new(kind, as_of);
        for (party, due, amount) in self.db.open_amounts_by_due_date(kind, as_of).await? {
            summary.add(&party, due, amount);
        }
        Ok(summary.done())
    }

    pub async fn sales_by_day(&self, period: Period) -> Result<Vec<SalesDay>> {
        Ok(self.db.sales_by_day(period.from, period.to).await?)
    }

    pub async fn sales_by_item(&self, period: Period) -> Result<Vec<SalesOfItem>> {
        Ok(self.db.sales_by_item(period.from, period.to, 1_000).await?)
    }

    pub async fn vat_return(&self, period: Period) -> Result<VatReturnReport> {
        let totals = self.db.vat_totals(period.from, period.to).await?;
        Ok(VatReturnReport {
            period,
            boxes: VatReturn::from_totals(totals),
        })
    }

    /// The figures the portal dashboard shows for this client.
    /// The `limit` latest submissions and cancellations of documents, newest first.
    pub async fn recent_documents(&self, limit: i64) -> Result<Vec<DocumentEvent>> {
        Ok(self.db.recent_documents(limit).await?)
    }

    pub async fn dashboard(&self, today: Date) -> Result<Dashboard> {
        let sum = |days: i64| self.db.sales_sum(today - Duration::days(days - 1), today);
        let (sales_today, sales_7_days, sales_30_days) =
            (sum(1).await?, sum(7).await?, sum(30).await?);
        let (receivables, overdue) = self
            .db
            .outstanding_summary(InvoiceKind::Sales, today)
            .await?;
        // The latest by date (the list's own order, which the (kind, posting date) index
        // serves): ordering by creation time sorted every invoice of the client on each view.
        let recent = self
            .db
            .list_invoices(
                InvoiceKind::Sales,
                &ListQuery {
                    limit: 5,
                    ..ListQuery::default()
                },
            )
            .await?
            .into_iter()
            .map(|i| RecentInvoice::of(i, today))
            .collect();
        let top_items = self
            .db
            .sales_by_item(today - Duration::days(29), today, 5)
            .await?;
        Ok(Dashboard {
            sales_today,
            sales_7_days,
            sales_30_days,
            receivables_outstanding: receivables,
            receivables_overdue: overdue,
            recent_invoices: recent,
            top_items,
        })
    }
}

/// A statement (profit and loss, balance sheet): accounts of some root types, the current figures
/// beside those a year earlier, and one result line.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub title: String,
    pub current: Span,
    /// The same span a year earlier.
    pub comparison: Span,
    pub lines: Vec<StatementLine>,
    /// (label, current, previous)
    pub result: (String, Amount, Amount),
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementLine {
    pub section: RootType,
    pub number: String,
    pub name: String,
    pub depth: usize,
    pub is_group: bool,
    /// In the account's natural sign: credit-positive for income, liabilities and equity.
    pub current: Amount,
    pub previous: Amount,
}

fn statement(
    title: String,
    current: Span,
    comparison: Span,
    accounts: &[Account],
    roots: &[RootType],
    now: &HashMap<i64, (Amount, Amount)>,
    then: &HashMap<i64, (Amount, Amount)>,
) -> Statement {
    let natural = |a: &Account, m: &HashMap<i64, (Amount, Amount)>| {
        let (d, c) = m.get(&a.id).copied().unwrap_or_default();
        if a.root_type.is_debit_normal() {
            d - c
        } else {
            c - d
        }
    };
    let mut lines = Vec::new();
    for root in roots {
        for (a, depth) in tree_order(accounts) {
            if a.root_type != *root {
                continue;
            }
            let (current, prev) = (natural(a, now), natural(a, then));
            if current.is_zero() && prev.is_zero() && depth > 0 {
                continue;
            }
            lines.push(StatementLine {
                section: *root,
                number: a.number.clone(),
                name: a.name.clone(),
                depth,
                is_group: a.is_group,
                current,
                previous: prev,
            });
        }
    }
    Statement {
        title,
        current,
        comparison,
        lines,
        result: (String::new(), Amount::ZERO, Amount::ZERO),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LedgerRow {
    #[serde(flatten)]
    pub line: LedgerLine,
    pub balance: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct GeneralLedger {
    pub opening: Amount,
    pub rows: Vec<LedgerRow>,
    pub total_lines: i64,
    /// Whether the lines are one account's or one party's, so that the opening and the running
    /// balance mean something; over every account they would only count debits less credits.
    pub running_balance: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgeingRow {
    pub invoice: String,
    pub party: String,
    pub posting_date: Date,
    pub due_date: Date,
    pub days_overdue: i64,
    pub bucket: AgeingBucket,
    pub outstanding: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgeingParty {
    pub party: String,
    /// Current, 1–30, 31–60, 61–90, 90+.
    pub buckets: [Amount; 5],
    pub total: Amount,
}

/// What is owed, by party and by days past due, as of a day.
#[derive(Debug, Clone, Serialize)]
pub struct AgeingSummary {
    pub kind: InvoiceKind,
    pub as_of: Date,
    pub parties: Vec<AgeingParty>,
    pub totals: [Amount; 5],
    pub total: Amount,
}

/// The ageing with its open invoices.
#[derive(Debug, Clone, Serialize)]
pub struct Ageing {
    #[serde(flatten)]
    pub summary: AgeingSummary,
    pub invoices: Vec<AgeingRow>,
}

/// Adds open amounts into an ageing's buckets, per party.
struct AgeingTotals {
    as_of: Date,
    kind: InvoiceKind,
    parties: BTreeMap<String, AgeingParty>,
    totals: [Amount; 5],
}

impl AgeingTotals {
    fn new(kind: InvoiceKind, as_of: Date) -> Self {
        AgeingTotals {
            as_of,
            kind,
            parties: BTreeMap::new(),
            totals: [Amount::ZERO; 5],
        }
    }

    fn add(&mut self, party: &str, due: Date, amount: Amount) {
        let bucket = AgeingBucket::for_days_overdue((self.as_of - due).whole_days()).index();
        self.totals[bucket] += amount;
        let p = self
            .parties
            .entry(party.to_owned())
            .or_insert_with(|| AgeingParty {
                party: party.to_owned(),
                buckets: [Amount::ZERO; 5],
                total: Amount::ZERO,
            });
        p.buckets[bucket] += amount;
        p.total += amount;
    }

    fn done(self) -> AgeingSummary {
        AgeingSummary {
            kind: self.kind,
            as_of: self.as_of,
            total: self.totals.iter().copied().sum(),
            totals: self.totals,
            parties: self.parties.into_values().collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VatReturnReport {
    pub period: Period,
    #[serde(flatten)]
    pub boxes: VatReturn,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecentInvoice {
    pub name: String,
    pub customer: String,
    pub posting_date: Date,
    pub grand_total: Amount,
    pub outstanding: Amount,
    pub status: InvoiceStatus,
}

impl RecentInvoice {
    fn of(i: Invoice, today: Date) -> Self {
        RecentInvoice {
            name: i.name(),
            status: i.status(today),
            customer: i.party_name,
            posting_date: i.posting_date,
            grand_total: i.grand_total,
            outstanding: i.outstanding,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub sales_today: SalesSum,
    pub sales_7_days: SalesSum,
    pub sales_30_days: SalesSum,
    pub receivables_outstanding: Amount,
    pub receivables_overdue: Amount,
    pub recent_invoices: Vec<RecentInvoice>,
    pub top_items: Vec<SalesOfItem>,
}

impl TrialBalance {
    pub fn table(&self) -> Table {
        let mut t = Table::new(
            format!("Trial balance {} to {}", self.period.from, self.period.to),
            &["Number", "Account", "Opening", "Debit", "Credit", "Closing"],
        );
        for r in &self.rows {
            t.row(vec![
                r.number.clone(),
                format!("{}{}", "  ".repeat(r.depth), r.name),
                r.opening.to_string(),
                blank_zero(r.debit),
                blank_zero(r.credit),
                r.closing.to_string(),
            ]);
        }
        t.row(vec![
            String::new(),
            "Total".into(),
            String::new(),
            self.total_debit.to_string(),
            self.total_credit.to_string(),
            self.closing_sum.to_string(),
        ]);
        t
    }
}

impl Statement {
    pub fn table(&self) -> Table {
        let current = capitalised(&self.current.label());
        let previous = capitalised(&self.comparison.label());
        let mut t = Table::new(
            self.title.clone(),
            &["Section", "Number", "Account", &current, &previous],
        );
        for l in &self.lines {
            t.row(vec![
                l.section.title().to_owned(),
                l.number.clone(),
                format!("{}{}", "  ".repeat(l.depth), l.name),
                l.current.to_string(),
                l.previous.to_string(),
            ]);
        }
        t.row(vec![
            String::new(),
            String::new(),
            self.result.0.clone(),
            self.result.1.to_string(),
            self.result.2.to_string(),
        ]);
        t
    }
}

impl GeneralLedger {
    /// The lines; with the opening and the running balance when they mean something.
    pub fn table(&self) -> Table {
        let mut headers = vec![
            "Date",
            "Account",
            "Party",
            "Voucher type",
            "Voucher",
            "Debit",
            "Credit",
        ];
        if self.running_balance {
            headers.push("Balance");
        }
        let mut t = Table::new("General ledger", &headers);
        if self.running_balance {
            let mut opening = vec![String::new(); 8];
            opening[1] = "Opening".into();
            opening[7] = self.opening.to_string();
            t.row(opening);
        }
        for r in &self.rows {
            let mut row = vec![
                r.line.posting_date.to_string(),
                r.line.account_name.clone(),
                r.line.party_name.clone().unwrap_or_default(),
                r.line.voucher_type.clone(),
                r.line.voucher_no.clone(),
                blank_zero(r.line.debit),
                blank_zero(r.line.credit),
            ];
            if self.running_balance {
                row.push(r.balance.to_string());
            }
            t.row(row);
        }
        t
    }
}

impl Ageing {
    pub fn table(&self) -> Table {
        self.summary.table()
    }
}

impl AgeingSummary {
    pub fn table(&self) -> Table {
        let title = match self.kind {
            InvoiceKind::Sales => format!("Receivables ageing at {}", self.as_of),
            InvoiceKind::Purchase => format!("Payables ageing at {}", self.as_of),
        };
        let mut headers = vec!["Party"];
        headers.extend(AgeingBucket::ALL.iter().map(|b| b.label()));
        headers.push("Total");
        let mut t = Table::new(title, &headers);
        for p in &self.parties {
            let mut row = vec![p.party.clone()];
            row.extend(p.buckets.iter().map(|a| a.to_string()));
            row.push(p.total.to_string());
            t.row(row);
        }
        let mut row = vec!["Total".to_owned()];
        row.extend(self.totals.iter().map(|a| a.to_string()));
        row.push(self.total.to_string());
        t.row(row);
        t
    }
}

impl VatReturnReport {
    pub fn table(&self) -> Table {
        let b = &self.boxes;
        let mut t = Table::new(
            format!("VAT return {} to {}", self.period.from, self.period.to),
            &["Box", "Description", "Value"],
        );
        let rows: [(&str, &str, String); 9] = [
            (
                "1",
                "VAT due on sales and other outputs",
                b.box1_vat_due_on_sales.to_string(),
            ),
            (
                "2",
                "VAT due on acquisitions from the EU",
                b.box2_vat_due_on_acquisitions.to_string(),
            ),
            (
                "3",
                "Total VAT due (1 + 2)",
                b.box3_total_vat_due.to_string(),
            ),
            (
                "4",
                "VAT reclaimed on purchases and other inputs",
                b.box4_vat_reclaimed.to_string(),
            ),
            (
                "5",
                if b.box5_is_repayment {
                    "Net VAT to be reclaimed"
                } else {
                    "Net VAT to pay"
                },
                b.box5_net_vat.to_string(),
            ),
            (
                "6",
                "Total sales excluding VAT (whole pounds)",
                b.box6_total_sales_ex_vat.to_string(),
            ),
            (
                "7",
                "Total purchases excluding VAT (whole pounds)",
                b.box7_total_purchases_ex_vat.to_string(),
            ),
            (
                "8",
                "Supplies of goods to the EU (whole pounds)",
                b.box8_supplies_to_eu.to_string(),
            ),
            (
                "9",
                "Acquisitions of goods from the EU (whole pounds)",
                b.box9_acquisitions_from_eu.to_string(),
            ),
        ];
        for (n, d, v) in rows {
            t.row(vec![n.into(), d.into(), v]);
        }
        t
    }
}

pub fn stock_balance_table(rows: &[StockBalance]) -> Table {
    let mut t = Table::new(
        "Stock balance",
        &["Item", "Name", "Warehouse", "Quantity", "Rate", "Value"],
    );
    for r in rows {
        t.row(vec![
            r.item_code.clone(),
            r.item_name.clone(),
            r.warehouse.clone(),
            r.qty.to_string(),
            r.rate.to_string(),
            r.value.to_string(),
        ]);
    }
    t
}

pub fn sales_by_day_table(period: Period, rows: &[SalesDay]) -> Table {
    let mut t = Table::new(
        format!("Sales by day {} to {}", period.from, period.to),
        &["Day", "Invoices", "Net", "VAT", "Gross"],
    );
    for r in rows {
        t.row(vec![
            r.day.to_string(),
            r.invoices.to_string(),
            r.net.to_string(),
            r.vat.to_string(),
            r.gross.to_string(),
        ]);
    }
    t
}

pub fn sales_by_item_table(period: Period, rows: &[SalesOfItem]) -> Table {
    let mut t = Table::new(
        format!("Sales by item {} to {}", period.from, period.to),
        &["Item", "Name", "Quantity", "Net"],
    );
    for r in rows {
        t.row(vec![
            r.item_code.clone(),
            r.item_name.clone(),
            r.qty.to_string(),
            r.net.to_string(),
        ]);
    }
    t
}
