//! The operator's view of clients: list, show, suspend, resume, drop.

use serde::Serialize;
use tenantry_domain::{Subdomain, TenantStatus};
use tenantry_store::control::{ActivityRecord, PlanRecord, TenantRecord, TenantSummary};

use crate::error::{PlatformError, Result};
use crate::Platform;

pub async fn list(platform: &Platform) -> Result<Vec<TenantSummary>> {
    Ok(platform.control().tenant_summaries().await?)
}

/// Finds a client by subdomain or id.
pub async fn find(platform: &Platform, key: &str) -> Result<TenantRecord> {
    let control = platform.control();
    let found = match key.parse() {
        Ok(id) => control.tenant(id).await?,
        Err(_) => {
            let sub = Subdomain::parse(key)?;
            control.tenant_by_subdomain(sub.as_str()).await?
        }
    };
    found.ok_or_else(|| PlatformError::NotFound(format!("client {key:?}")))
}

#[derive(Debug, Serialize)]
pub struct ClientDetail {
    pub id: String,
    pub name: String,
    pub subdomain: String,
    pub status: TenantStatus,
    pub provision_step: String,
    pub url: String,
    pub domains: Vec<String>,
    pub plan: Option<PlanRecord>,
    pub admin_email: String,
    pub users: i64,
    pub database: String,
    pub schema_version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    pub recent_activity: Vec<ActivityRecord>,
}

pub async fn show(platform: &Platform, key: &str) -> Result<ClientDetail> {
    let t = find(platform, key).await?;
    let control = platform.control();
    let database = match &t.db_server_id {
        None => format!(
            "sqlite: {}",
            platform.admin().tenants_dir().join(&t.db_name).display()
        ),
        Some(server_id) => {
            let server = control.server(server_id).await?;
            format!(
                "postgres: database {} on server {}",
                t.db_name,
                server.map(|s| s.name).unwrap_or_else(|| server_id.clone())
            )
        }
    };
    Ok(ClientDetail {
        id: t.id.to_string(),
        name: t.name.to_string(),
        subdomain: t.subdomain.to_string(),
        status: t.status,
        provision_step: t.provision_step.clone(),
        url: platform.config().url_for(Some(t.subdomain.as_str())),
        domains: control.tenant_domains(t.id).await?,
        plan: control.plan(&t.plan).await?,
        admin_email: t.admin_email.to_string(),
        users: control.membership_count(t.id).await?,
        database,
        schema_version: t.schema_version,
        created_at: t.created_at,
        recent_activity: control.activity(t.id, 10).await?,
    })
}

/// Makes a client's space read-only.
pub async fn suspend(platform: &Platform, key: &str, actor: &str) -> Result<TenantRecord> {
    transition(
        platform,
        key,
        actor,
        TenantStatus::suspend,
        "tenant.suspend",
        "suspended",
    )
    .await
}

/// Gives a suspended client its writes back.
pub async fn resume(platform: &Platform, key: &str, actor: &str) -> Result<TenantRecord> {
    transition(
        platform,
        key,
        actor,
        TenantStatus::resume,
        "tenant.resume",
        "resumed",
    )
    .await
}

async fn transition(
    platform: &Platform,
    key: &str,
    actor: &str,
    rule: fn(TenantStatus) -> Result<TenantStatus, tenantry_domain::tenant::TransitionError>,
    action: &str,
    verb: &str,
) -> Result<TenantRecord> {
    let mut t = find(platform, key).await?;
    let to = rule(t.status).map_err(|e| PlatformError::Refused(format!("{}: {e}", t.subdomain)))?;
    if !platform
        .control()
        .transition_status(t.id, t.status, to)
        .await?
    {
        return Err(PlatformError::Conflict(format!(
            "{} changed while this ran; look again with `client show`",
            t.subdomain
        )));
    }
    let control = platform.control();
    control
        .append_audit(
            actor,
            action,
            Some(t.id),
            &serde_json::json!({ "subdomain": t.subdomain.as_str() }),
        )
        .await?;
    control
        .add_activity(Some(t.id), None, action, &format!("{} was {verb}", t.name))
        .await?;
    platform.changed();
    t.status = to;
    Ok(t)
}

/// Removes a client: its pool, its database (and role), then its record. Each part is idempotent,
/// so a drop interrupted halfway can simply be run again. The audit log keeps a record.
pub async fn drop_client(platform: &Platform, key: &str, actor: &str) -> Result<TenantRecord> {
    let t = find(platform, key).await?;
    platform.pools().evict(t.id).await;
    platform.admin().drop_database(&t).await?;
    platform.control().delete_tenant(t.id).await?;
    platform.changed();
    platform
        .control()
        .append_audit(
            actor,
            "tenant.drop",
            Some(t.id),
            &serde_json::json!({
                "name": t.name.as_str(),
                "subdomain": t.subdomain.as_str(),
                "plan": t.plan.as_str(),
                "database": t.db_name,
            }),
        )
        .await?;
    Ok(t)
}
