//! The bounded LRU cache of open tenant pools. A pool is opened on a tenant's first request, kept
//! while it is used, and closed when it idles out or is pushed out by more recent tenants: an
//! idle tenant holds no connection, and the cache never holds more pools than its capacity.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use moka::policy::EvictionPolicy;
use tenantry_domain::TenantId;

use crate::control::TenantRecord;
use crate::error::{Result, StoreError};
use crate::tenant_admin::TenantAdmin;
use crate::tenant_db::TenantDb;

#[derive(Clone)]
pub struct TenantPools {
    cache: Cache<TenantId, TenantDb>,
    admin: Arc<TenantAdmin>,
}

impl TenantPools {
    pub fn new(admin: Arc<TenantAdmin>, capacity: u64, idle: Duration) -> Self {
        let cache = Cache::builder()
            .max_capacity(capacity)
            .time_to_idle(idle)
            .eviction_policy(EvictionPolicy::lru())
            .eviction_listener(|id, tenant: TenantDb, cause| {
                // A pool is not closed by dropping it (its idle connections keep it alive), so
                // close it. `close` lets queries in flight finish; the evicted pool is the least
                // recently used one, so a request still holding it is rare, and `get` never hands
                // out a closed pool.
                tracing::debug!(tenant = %id, ?cause, "closing tenant pool");
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(async move { tenant.db().close().await });
                }
            })
            .build();
        Self { cache, admin }
    }

    /// The tenant's pool, opened if needed. Concurrent callers for the same tenant share one
    /// opening.
    pub async fn get(&self, tenant: &TenantRecord) -> Result<TenantDb> {
        let db = self.open_cached(tenant).await?;
        if !db.db().is_closed() {
            return Ok(db);
        }
        // Evicted and closed between the lookup and now: open it afresh.
        self.cache.invalidate(&tenant.id).await;
        self.open_cached(tenant).await
    }

    async fn open_cached(&self, tenant: &TenantRecord) -> Result<TenantDb> {
        self.cache
            .try_get_with(tenant.id, self.admin.open_as_tenant(tenant))
            .await
            .map_err(StoreError::TenantUnavailable)
    }

    /// Closes and forgets a tenant's pool (before its database is dropped or moved).
    pub async fn evict(&self, id: TenantId) {
        if let Some(tenant) = self.cache.remove(&id).await {
            tenant.db().close().await;
        }
    }

    /// How many tenant pools are open now.
    pub async fn open_count(&self) -> u64 {
        self.cache.run_pending_tasks().await;
        self.cache.entry_count()
    }

    pub fn admin(&self) -> &Arc<TenantAdmin> {
        &self.admin
    }
}
