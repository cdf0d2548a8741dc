//! Journal entries: postings made by hand, refused unless they balance.

use serde::{Deserialize, Serialize};
use tenantry_domain::books::Amount;
use tenantry_domain::Permission;
use tenantry_erp::drafts::DraftKind;
use tenantry_erp::journals::{JournalDoc, JournalInput, JournalLineInput};
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::{JournalEntry, ListQuery, PartyKind};
use time::Date;
use utoipa::ToSchema;

use super::declaration::{Editable, Kind, KindInfo, Submittable, Written};
use crate::books::caller::{today, BooksCaller};

pub struct JournalEntries;

/// One in a list: its name (number, or draft name) beside its stored fields.
#[derive(Serialize, ToSchema)]
pub struct JournalRow {
    pub(crate) name: String,
    #[serde(flatten)]
    pub(crate) row: JournalEntry,
}

impl Kind for JournalEntries {
    const INFO: KindInfo = KindInfo {
        path: "journal-entries",
        key: "name",
        doctype: "Journal Entry",
        singular: "journal entry",
        write: Permission::ErpCreateAny,
    };
    type Body = JournalBody;
    type Doc = JournalDoc;
    type Row = JournalRow;

    async fn list(books: &Books, query: &ListQuery) -> Result<Vec<JournalRow>, ErpError> {
        let rows = books.list_journals(query).await?;
        Ok(rows
            .into_iter()
            .map(|row| JournalRow {
                name: row.name(),
                row,
            })
            .collect())
    }

    async fn read(books: &Books, name: &str) -> Result<JournalDoc, ErpError> {
        books.journal_doc(name).await
    }

    async fn create(c: &BooksCaller, b: JournalBody) -> Result<JournalDoc, ErpError> {
        let submit = b.submit;
        let input = JournalInput::from(b);
        c.books
            .create_journal(&input, c.author(), submit, today())
            .await
    }
}

impl Editable for JournalEntries {
    type Change = JournalBody;

    async fn update(c: &BooksCaller, name: &str, b: JournalBody) -> Result<JournalDoc, ErpError> {
        let input = JournalInput::from(b);
        c.books
            .update_journal(name, &input, c.author(), false, today())
            .await
    }
}

impl Submittable for JournalEntries {
    const DRAFT: DraftKind = DraftKind::JournalEntry;

    async fn submit(c: &BooksCaller, name: &str) -> Result<JournalDoc, ErpError> {
        c.books.submit_journal(name).await
    }

    async fn cancel(c: &BooksCaller, name: &str) -> Result<JournalDoc, ErpError> {
        c.books.cancel_journal(name).await
    }
}

impl Written for JournalBody {
    fn submits(&self) -> bool {
        self.submit
    }
}

/// A journal entry: refused unless its debits equal its credits.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalBody {
    pub(crate) posting_date: Option<Date>,
    #[serde(default)]
    pub(crate) remarks: String,
    pub(crate) accounts: Vec<JournalLineBody>,
    /// Submit as well, in the same transaction. Only when creating.
    #[serde(default)]
    pub(crate) submit: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalLineBody {
    /// The account's name or number.
    pub(crate) account: String,
    /// `customer` or `supplier`: needed on receivable and payable accounts.
    pub(crate) party_type: Option<PartyKind>,
    pub(crate) party: Option<String>,
    #[serde(default)]
    pub(crate) debit: Amount,
    #[serde(default)]
    pub(crate) credit: Amount,
}

impl From<JournalBody> for JournalInput {
    fn from(b: JournalBody) -> Self {
        JournalInput {
            posting_date: b.posting_date,
            remarks: b.remarks,
            accounts: b
                .accounts
                .into_iter()
                .map(|l| JournalLineInput {
                    account: l.account,
                    party_type: l.party_type,
                    party: l.party,
                    debit: l.debit,
                    credit: l.credit,
                })
                .collect(),
        }
    }
}
