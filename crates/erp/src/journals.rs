//! Journal entries: anything else the books record, refused unless balanced.

use serde::{Deserialize, Serialize};
use tenantry_domain::books::ids::{AccountId, PartyId};
use tenantry_domain::books::{posting, Amount, DocumentKind, Posting};
use tenantry_store::books::{
    DocTable, JournalDraft, JournalEntry, JournalLine, LedgerWrite, ListQuery, PartyKind, Voucher,
};
use tenantry_store::BooksTx;
use time::Date;

use crate::error::{invalid, ErpError, Result};
use crate::invoices::reverse_postings;
use crate::{clean_text, Books};

/// The most lines one journal may hold.
pub const MAX_LINES: usize = 500;

#[derive(Debug, Clone, Deserialize)]
pub struct JournalInput {
    pub posting_date: Option<Date>,
    #[serde(default)]
    pub remarks: String,
    pub accounts: Vec<JournalLineInput>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JournalLineInput {
    /// The account's name or number.
    pub account: String,
    pub party_type: Option<PartyKind>,
    pub party: Option<String>,
    #[serde(default)]
    pub debit: Amount,
    #[serde(default)]
    pub credit: Amount,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JournalDoc {
    pub name: String,
    #[serde(flatten)]
    pub journal: JournalEntry,
    pub accounts: Vec<JournalLine>,
}

impl Books {
    pub async fn create_journal(
        &self,
        input: &JournalInput,
        author: &str,
        submit: bool,
        today: Date,
    ) -> Result<JournalDoc> {
        let draft = self.prepare_journal(input, author, today).await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        let id = tx.insert_journal(&draft).await?;
        if submit {
            submit_journal_in(&mut tx, id).await?;
        }
        tx.commit().await?;
        self.journal_doc_by_id(id).await
    }

    /// Replaces a draft journal entry's content.
    pub async fn update_journal(
        &self,
        name: &str,
        input: &JournalInput,
        author: &str,
        submit: bool,
        today: Date,
    ) -> Result<JournalDoc> {
        let existing = self.find_journal(name).await?;
        existing.docstatus.ensure_editable(|| existing.name())?;
        let draft = self.prepare_journal(input, author, today).await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        if !tx.replace_journal_draft(existing.id, &draft).await? {
            return Err(ErpError::State(format!(
                "{} is no longer a draft",
                existing.name()
            )));
        }
        if submit {
            submit_journal_in(&mut tx, existing.id).await?;
        }
        tx.commit().await?;
        self.journal_doc_by_id(existing.id).await
    }

    pub async fn submit_journal(&self, name: &str) -> Result<JournalDoc> {
        let j = self.find_journal(name).await?;
        self.check_posting_date(j.posting_date).await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        submit_journal_in(&mut tx, j.id).await?;
        tx.commit().await?;
        self.journal_doc_by_id(j.id).await
    }

    pub async fn cancel_journal(&self, name: &str) -> Result<JournalDoc> {
        let j = self.find_journal(name).await?;
        let settings = self.settings().await?;
        let mut tx = BooksTx::begin(&self.db).await?;
        let locked = tx
            .lock_journal(j.id)
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("journal entry {name:?}")))?;
        locked.docstatus.ensure_cancellable(|| locked.name())?;
        let number = locked.name();
        reverse_postings(
            &mut tx,
            Voucher {
                doctype: DocumentKind::JournalEntry.doctype(),
                number: number.clone(),
                date: locked.posting_date,
            },
            &settings,
        )
        .await?;
        if !tx.mark_cancelled(DocTable::JournalEntries, j.id).await? {
            return Err(ErpError::State(format!("{number} is no longer submitted")));
        }
        tx.commit().await?;
        self.journal_doc_by_id(j.id).await
    }

    pub async fn journal_doc(&self, name: &str) -> Result<JournalDoc> {
        let j = self.find_journal(name).await?;
        self.journal_doc_by_id(j.id).await
    }

    pub async fn list_journals(&self, query: &ListQuery) -> Result<Vec<JournalEntry>> {
        Ok(self.db.list_journals(query).await?)
    }

    async fn find_journal(&self, name: &str) -> Result<JournalEntry> {
        self.db
            .journal_named(name.trim())
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("Journal Entry {name:?}")))
    }

    async fn journal_doc_by_id(&self, id: i64) -> Result<JournalDoc> {
        let journal = self
            .db
            .journal(id)
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("journal entry {id}")))?;
        Ok(JournalDoc {
            name: journal.name(),
            accounts: self.db.journal_lines(id).await?,
            journal,
        })
    }

    async fn prepare_journal(
        &self,
        input: &JournalInput,
        author: &str,
        today: Date,
    ) -> Result<JournalDraft> {
        let posting_date = input.posting_date.unwrap_or(today);
        self.check_posting_date(posting_date).await?;
        if input.accounts.len() > MAX_LINES {
            return Err(invalid(format!(
                "a journal entry holds at most {MAX_LINES} lines"
            )));
        }
        let mut lines = Vec::with_capacity(input.accounts.len());
        let mut postings = Vec::with_capacity(input.accounts.len());
        for (i, l) in input.accounts.iter().enumerate() {
            let n = i + 1;
            let account = self
                .db
                .account_named(l.account.trim())
                .await?
                .ok_or_else(|| {
                    invalid(format!("line {n}: account {:?} does not exist", l.account))
                })?;
            if account.is_group {
                return Err(invalid(format!(
                    "line {n}: {:?} is a group; post to one of its accounts",
                    account.name
                )));
            }
            if account.disabled {
                return Err(invalid(format!("line {n}: {:?} is disabled", account.name)));
            }
            let party = match (l.party_type, l.party.as_deref().map(str::trim)) {
                (Some(kind), Some(name)) if !name.is_empty() => {
                    Some(self.db.party(kind, name).await?.ok_or_else(|| {
                        invalid(format!(
                            "line {n}: {} {name:?} does not exist",
                            kind.as_str()
                        ))
                    })?)
                }
                (None, Some(name)) if !name.is_empty() => {
                    return Err(invalid(format!("line {n}: a party needs its party_type")))
                }
                _ => None,
            };
            if account.account_type.needs_party() && party.is_none() {
                return Err(invalid(format!(
                    "line {n}: {:?} is a {} account; name the party",
                    account.name,
                    account.account_type.as_str()
                )));
            }
            let posting = Posting {
                account: AccountId(account.id),
                party: party.as_ref().map(|p| PartyId(p.id)),
                debit: l.debit,
                credit: l.credit,
            };
            postings.push(posting);
            lines.push((account.id, party.map(|p| p.id), l.debit, l.credit));
        }
        posting::journal(&postings)?;
        Ok(JournalDraft {
            posting_date,
            remarks: clean_text("remarks", &input.remarks, 2000, false)?,
            created_by: author.to_owned(),
            lines,
        })
    }
}

async fn submit_journal_in(tx: &mut BooksTx, id: i64) -> Result<()> {
    let j = tx
        .lock_journal(id)
        .await?
        .ok_or_else(|| ErpError::NotFound(format!("journal entry {id}")))?;
    j.docstatus.ensure_submittable(|| j.name())?;
    let postings: Vec<Posting> = tx
        .journal_lines(id)
        .await?
        .iter()
        .map(|l| Posting {
            account: AccountId(l.account_id),
            party: l.party_id.map(PartyId),
            debit: l.debit,
            credit: l.credit,
        })
        .collect();
    let entries = posting::journal(&postings)?;
    let doc = DocumentKind::JournalEntry;
    let n = tx.next_number(&doc.series(j.posting_date)).await?;
    let number = doc.number(j.posting_date, n);
    let mut ledger = LedgerWrite::new(
        Voucher {
            doctype: doc.doctype(),
            number: number.clone(),
            date: j.posting_date,
        },
        false,
    );
    ledger.post(entries);
    tx.write_ledger(&ledger).await?;
    if !tx
        .mark_submitted(DocTable::JournalEntries, id, &number)
        .await?
    {
        return Err(ErpError::State(format!(
            "{} is no longer a draft",
            j.name()
        )));
    }
    Ok(())
}
