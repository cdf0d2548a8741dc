//! A client's activity, as the portal's dashboard and its JSON (`/api/dashboard/activity`) both
//! show it: what the control plane recorded (people, set-up, staff visits) and the books' latest
//! submissions and cancellations, newest first, each with its subject's page where the person
//! may open it. The books' part is left out (and a warning logged) when the client's database
//! cannot be read just now.

use tenantry_auth::TenantAccess;
use tenantry_domain::Permission;
use tenantry_platform::{accounts, PlatformError};
use tenantry_store::control::TenantRecord;

use crate::AppState;

/// What the books' entries are called beside the control plane's kinds.
pub const BOOKS_DOCUMENT: &str = "books.document";

pub struct Entry {
    /// The control plane's record; `None` for a document of the books.
    pub id: Option<i64>,
    pub kind: String,
    pub message: String,
    /// Unix seconds.
    pub at: i64,
    /// Where its subject is shown: a portal path, or (made by `on_client_host` from a path on
    /// the client's host) a way there.
    pub href: Option<String>,
}

/// The `limit` newest entries.
pub async fn recent(
    state: &AppState,
    tenant: &TenantRecord,
    access: &TenantAccess,
    limit: usize,
    on_client_host: impl Fn(&str) -> String,
) -> Result<Vec<Entry>, PlatformError> {
    let recorded = state
        .platform
        .control()
        .activity(tenant.id, limit as i64)
        .await?;
    let people = access.role.can(Permission::PortalManageUsers);
    let mut entries: Vec<Entry> = recorded
        .into_iter()
        .map(|a| Entry {
            href: (people && a.kind == accounts::PEOPLE_ACTIVITY).then(|| "/team".to_owned()),
            id: Some(a.id),
            kind: a.kind,
            message: a.message,
            at: a.created_at.unix_timestamp(),
        })
        .collect();
    if access.role.can(Permission::ErpRead) {
        match crate::books::recent_documents(state, tenant, limit as i64).await {
            Ok(documents) => entries.extend(documents.into_iter().map(|d| Entry {
                id: None,
                kind: BOOKS_DOCUMENT.to_owned(),
                message: d.message,
                at: d.at,
                href: Some(on_client_host(&d.path)),
            })),
            Err(e) => {
                tracing::warn!(tenant = %tenant.subdomain.as_str(), error = %e, "books activity unavailable");
            }
        }
    }
    // Newest first; a stable sort keeps each source's own order within one second.
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    entries.truncate(limit);
    Ok(entries)
}
