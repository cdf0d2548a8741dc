//! Who may use a client's books: the caller, checked and with the books opened on the
//! client's own database.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use tenantry_domain::{Permission, TenantRole};
use tenantry_erp::Books;
use tenantry_store::control::TenantRecord;
use time::Date;

use crate::auth::{forbidden, TenantUser};
use crate::error::AppError;
use crate::host::CurrentTenant;
use crate::AppState;

/// A caller allowed to read this client's books, with the books opened on its database.
pub struct BooksCaller {
    pub user: TenantUser,
    pub tenant: TenantRecord,
    pub books: Books,
    /// Whether refusals should be pages (a browser) rather than JSON.
    wants_page: bool,
}

impl FromRequestParts<AppState> for BooksCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = TenantUser::from_request_parts(parts, state).await?;
        if !user.access.role.can(Permission::ErpRead) {
            return Err(forbidden(parts));
        }
        let Some(CurrentTenant(tenant)) = parts.extensions.get::<CurrentTenant>().cloned() else {
            return Err(forbidden(parts));
        };
        let db = state
            .platform
            .pools()
            .get(&tenant)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        Ok(BooksCaller {
            user,
            tenant,
            books: Books::new(db),
            wants_page: !crate::auth::wants_json(parts),
        })
    }
}

impl BooksCaller {
    /// Refuses (403) unless the caller's role holds `permission`. The refusal is the response
    /// itself, so that handlers answer it with `?`.
    #[allow(clippy::result_large_err)]
    pub fn require(&self, permission: Permission) -> Result<(), Response> {
        if self.user.access.role.can(permission) {
            return Ok(());
        }
        let message = format!(
            "your role ({}) does not allow this ({})",
            self.user.access.role.as_str(),
            permission.as_str()
        );
        if self.wants_page {
            let needed = permission.least_role();
            let who = if needed == TenantRole::Admin {
                "an admin".to_owned()
            } else {
                format!("a {} or above", needed.as_str())
            };
            return Err(crate::pages::error_response(
                axum::http::StatusCode::FORBIDDEN,
                "Not allowed",
                &format!(
                    "Your role here, {}, does not let you {}: that takes {who}. An admin of this business can change your role.",
                    self.user.access.role.as_str(),
                    permission.in_words()
                ),
            ));
        }
        Err(AppError::new(axum::http::StatusCode::FORBIDDEN, message).into_response())
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.user.access.role.can(permission)
    }

    /// Who is recorded as a document's author.
    pub fn author(&self) -> &str {
        self.user.user.email.as_str()
    }
}

/// Today in UTC: the default posting date and the day statuses and ageing are worked out for.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}
