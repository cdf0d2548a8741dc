//! The books' part of the dashboard's activity feed: the latest documents submitted or
//! cancelled, each with the page on the client's host that shows it.

use tenantry_domain::books::Docstatus;
use tenantry_erp::Books;
use tenantry_platform::PlatformError;
use tenantry_store::books::DocumentEvent;
use tenantry_store::control::TenantRecord;

use super::kinds::by_doctype;
use super::pages::form_data::seg;
use crate::AppState;

pub struct FeedEntry {
    pub message: String,
    /// The document's page, a path on the client's host.
    pub path: String,
    /// Unix seconds.
    pub at: i64,
}

/// The `limit` latest, newest first.
pub async fn recent(
    state: &AppState,
    tenant: &TenantRecord,
    limit: i64,
) -> Result<Vec<FeedEntry>, PlatformError> {
    let db = state.platform.pools().get(tenant).await?;
    let events = Books::new(db).recent_documents(limit).await?;
    Ok(events.into_iter().map(entry).collect())
}

fn entry(e: DocumentEvent) -> FeedEntry {
    let (singular, path) = match by_doctype(e.kind.doctype()) {
        Some(k) => (k.info.singular, k.info.path),
        None => (e.kind.doctype(), ""),
    };
    let verb = match e.docstatus {
        Docstatus::Cancelled => "cancelled",
        _ => "submitted",
    };
    let mut message = format!("{} {} {verb}", capitalised(singular), e.name);
    if let Some(party) = &e.party {
        message.push_str(&format!(": {party}"));
    }
    if let Some(amount) = e.amount {
        message.push_str(&format!(", {amount}"));
    }
    FeedEntry {
        message,
        path: format!("/books/{path}/{}", seg(&e.name)),
        at: e.at,
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
