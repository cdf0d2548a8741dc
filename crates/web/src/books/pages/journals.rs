//! The pages of journal entries: postings made by hand, refused unless they balance.

use axum::response::Response;
use tenantry_domain::books::{Amount, Docstatus};
use tenantry_erp::journals::JournalDoc;
use tenantry_store::books::Filter;

use super::choices::{
    account_number, at, choices, labels, line_rows, parse_party_type, party_type_options,
    with_blank,
};
use super::declaration::{EditablePage, FormParts, KindPage, Listed, Viewed};
use super::form_data::{parse_amount, parse_date, FormData};
use super::frame::{fail, Layout};
use super::listing::{date_span, docstatus_filter, docstatus_text, search_field};
use super::views::{headers, Cell, Datalist, DocPage, Field, LinesView, Row, TableView};
use crate::books::caller::{today, BooksCaller};
use crate::books::kinds::journals::{JournalBody, JournalEntries, JournalLineBody, JournalRow};

const LINES: [(&str, &str); 5] = [
    ("line_account", "Account"),
    ("line_party_type", "Party type"),
    ("line_party", "Party"),
    ("line_debit", "Debit"),
    ("line_credit", "Credit"),
];

/// A debit or credit as a form shows it: blank when nothing.
fn figure(a: Amount) -> String {
    if a.is_zero() {
        String::new()
    } else {
        a.to_string()
    }
}

/// A debit or credit as a table shows it: blank when nothing.
fn figure_cell(a: Amount) -> Cell {
    if a.is_zero() {
        Cell::text("")
    } else {
        Cell::money(a)
    }
}

impl KindPage for JournalEntries {
    const SECTION: &'static str = "payments";
    const PLURAL: &'static str = "Journal entries";

    fn key(doc: &JournalDoc) -> String {
        doc.name.clone()
    }

    fn docstatus(doc: &JournalDoc) -> Option<Docstatus> {
        Some(doc.journal.docstatus)
    }

    async fn filters(
        _c: &BooksCaller,
        q: &FormData,
        filters: &mut Vec<Filter>,
        errors: &mut Vec<String>,
    ) -> Result<Vec<Field>, Response> {
        let mut fields = vec![search_field(q, "Search"), docstatus_filter(q, filters, &[])];
        fields.extend(date_span(q, filters, errors));
        Ok(fields)
    }

    fn columns(_c: &BooksCaller) -> (&'static [&'static str], &'static [usize]) {
        (&["Number", "Date", "Total", "Remarks", "Status"], &[2])
    }

    async fn rows(c: &BooksCaller, q: &FormData, filters: Vec<Filter>) -> Result<Listed, Response> {
        Listed::page::<Self>(c, q, filters, |r: &JournalRow| {
            let j = &r.row;
            Row::from(vec![
                Cell::link(&r.name, Self::href(&r.name)),
                Cell::text(j.posting_date.to_string()),
                Cell::money(j.total_debit),
                Cell::text(&j.remarks),
                Cell::text(docstatus_text(j.docstatus).0),
            ])
        })
        .await
    }

    async fn blank(_c: &BooksCaller, _q: &FormData) -> Result<FormData, Response> {
        let mut v = FormData::default();
        v.push("posting_date", today().to_string());
        Ok(v)
    }

    async fn form(
        c: &BooksCaller,
        _existing: Option<&str>,
        v: &FormData,
    ) -> Result<FormParts, Response> {
        let ch = choices(c).await?;
        let mut parties = ch.customers;
        parties.extend(ch.suppliers);
        let accounts = with_blank("—", ch.ledger_accounts);
        let party_types = party_type_options(Some("—"));
        let rows = line_rows(
            v,
            &LINES,
            |name, value| match name {
                "line_account" => Field::select(name, "Account", value, accounts.clone()),
                "line_party_type" => Field::select(name, "Party type", value, party_types.clone()),
                "line_party" => Field::text(name, "Party", value).list("parties"),
                "line_debit" => Field::new("money", name, "Debit", value),
                _ => Field::new("money", name, "Credit", value),
            },
            4,
        );
        Ok(FormParts {
            title: None,
            fields: vec![
                Field::new("date", "posting_date", "Date", v.get("posting_date")),
                Field::new("textarea", "remarks", "Remarks", v.get("remarks")),
            ],
            lines: Some(LinesView {
                title: "Lines",
                hint: "Debits and credits must balance. Receivable and payable lines name their party.",
                headers: labels(&LINES),
                rows,
                totals: None,
            }),
            datalists: vec![Datalist {
                id: "parties",
                options: parties,
                facts: String::new(),
            }],
            submit_label: "Save draft",
        })
    }

    fn body(f: &FormData) -> Result<JournalBody, String> {
        let cols: Vec<Vec<&str>> = LINES.iter().map(|(n, _)| f.all(n)).collect();
        let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
        let mut accounts = Vec::new();
        for i in 0..rows {
            let account = at(&cols[0], i);
            let (party, debit, credit) = (at(&cols[2], i), at(&cols[3], i), at(&cols[4], i));
            if account.is_empty() && party.is_empty() && debit.is_empty() && credit.is_empty() {
                continue;
            }
            let n = accounts.len() + 1;
            if account.is_empty() {
                return Err(format!("line {n}: choose an account"));
            }
            accounts.push(JournalLineBody {
                account: account.to_owned(),
                party_type: parse_party_type(at(&cols[1], i))
                    .map_err(|e| format!("line {n}: {e}"))?,
                party: (!party.is_empty()).then(|| party.to_owned()),
                debit: parse_amount(&format!("line {n}: debit"), debit)?.unwrap_or_default(),
                credit: parse_amount(&format!("line {n}: credit"), credit)?.unwrap_or_default(),
            });
        }
        if accounts.is_empty() {
            return Err("a journal entry needs its lines".into());
        }
        Ok(JournalBody {
            posting_date: parse_date("Date", f.get("posting_date"))?,
            remarks: f.get("remarks").to_owned(),
            accounts,
            submit: false,
        })
    }
}

impl EditablePage for JournalEntries {
    async fn values(c: &BooksCaller, doc: &JournalDoc) -> Result<FormData, Response> {
        let accounts = c.books.accounts().await.map_err(fail)?;
        let mut v = FormData::default();
        v.push("posting_date", doc.journal.posting_date.to_string());
        v.push("remarks", &doc.journal.remarks);
        for l in &doc.accounts {
            v.push("line_account", account_number(&accounts, l.account_id));
            v.push("line_party_type", l.party_kind.clone().unwrap_or_default());
            v.push("line_party", l.party_name.clone().unwrap_or_default());
            v.push("line_debit", figure(l.debit));
            v.push("line_credit", figure(l.credit));
        }
        Ok(v)
    }

    fn change(f: &FormData) -> Result<JournalBody, String> {
        Self::body(f)
    }
}

impl Viewed for JournalEntries {
    async fn page(_c: &BooksCaller, doc: JournalDoc, l: Layout) -> Result<DocPage, Response> {
        let j = &doc.journal;
        let rows = doc
            .accounts
            .iter()
            .map(|a| {
                Row::from(vec![
                    Cell::text(&a.account_name),
                    Cell::text(a.party_name.clone().unwrap_or_default()),
                    figure_cell(a.debit),
                    figure_cell(a.credit),
                ])
            })
            .collect();
        let credit: Amount = doc.accounts.iter().map(|a| a.credit).sum();
        let (debits, credits) = (l.money(j.total_debit), l.money(credit));
        let (status, class) = docstatus_text(j.docstatus);
        Ok(DocPage {
            l,
            title: format!("Journal entry {}", doc.name),
            status: status.into(),
            status_class: class,
            notice: None,
            error: None,
            facts: vec![
                ("Date".into(), j.posting_date.to_string()),
                ("Remarks".into(), j.remarks.clone()),
                ("Created by".into(), j.created_by.clone()),
            ],
            tables: vec![TableView::new(
                headers(&["Account", "Party", "Debit", "Credit"], &[2, 3]),
                rows,
                "No lines.",
            )],
            totals: vec![("Debits".into(), debits), ("Credits".into(), credits)],
            confirms: Vec::new(),
            links: Vec::new(),
        })
    }
}
