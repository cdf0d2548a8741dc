//! `tenantry migrate`: the control plane, then every tenant, reporting each and carrying on past
//! a failure. Rerunning it is safe: migrations already applied are skipped.

use serde::Serialize;
use tenantry_store::migrate;

use crate::error::Result;
use crate::provisioning::Step;
use crate::Platform;

#[derive(Debug, Clone, Serialize)]
pub struct TenantOutcome {
    pub subdomain: String,
    pub from_version: i64,
    /// The version reached, or why it failed.
    pub result: Result<i64, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrateReport {
    pub control_version: i64,
    pub latest_tenant_version: i64,
    pub tenants: Vec<TenantOutcome>,
}

impl MigrateReport {
    pub fn failures(&self) -> usize {
        self.tenants.iter().filter(|t| t.result.is_err()).count()
    }
}

/// Runs every migration; `progress` is called after each tenant with (done, total, outcome).
pub async fn migrate_all(
    platform: &Platform,
    mut progress: impl FnMut(usize, usize, &TenantOutcome),
) -> Result<MigrateReport> {
    let control_version = platform.control().migrate().await?;
    // Tenants whose database step has not run yet have nothing to migrate; provisioning will
    // create them from the current schema.
    let tenants: Vec<_> = platform
        .control()
        .all_tenants()
        .await?
        .into_iter()
        .filter(|t| Step::parse(&t.provision_step).is_some_and(|s| s >= Step::Database))
        .collect();
    let total = tenants.len();
    let mut outcomes = Vec::with_capacity(total);
    for (i, t) in tenants.iter().enumerate() {
        let result = match platform.admin().migrate(t).await {
            Ok(version) => match platform.control().set_schema_version(t.id, version).await {
                Ok(()) => seed_existing(platform, t).await.map(|()| version),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        let outcome = TenantOutcome {
            subdomain: t.subdomain.to_string(),
            from_version: t.schema_version,
            result,
        };
        progress(i + 1, total, &outcome);
        outcomes.push(outcome);
    }
    Ok(MigrateReport {
        control_version,
        latest_tenant_version: migrate::latest_version(migrate::TENANT),
        tenants: outcomes,
    })
}

/// Gives a client provisioned before the books existed its chart, fiscal years and warehouse
/// (each written only if absent, so this is a no-op on books already set up).
async fn seed_existing(
    platform: &Platform,
    t: &tenantry_store::control::TenantRecord,
) -> Result<(), String> {
    if Step::parse(&t.provision_step).is_none_or(|s| s < Step::Seed) {
        return Ok(());
    }
    let db = platform
        .admin()
        .open_as_tenant(t, std::sync::Arc::new(|| false))
        .await
        .map_err(|e| e.to_string())?;
    let seeded = crate::provisioning::seed_tenant(&db, t.name.as_str()).await;
    db.close().await;
    seeded.map_err(|e| e.to_string())
}
