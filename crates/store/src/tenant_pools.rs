//! The bounded LRU cache of open tenant pools. A pool is opened on a tenant's first request, kept
//! while it is used, and closed when it idles out or is pushed out by more recent tenants: an
//! idle tenant holds no connection, and the cache never holds more pools than its capacity.
//!
//! On PostgreSQL the pools also share a connection budget: a connection coming back from a query
//! stays open only while all tenant pools together hold no more than the budget, so that a sweep
//! across many tenants cannot pile up idle sessions until the server refuses new ones.

use std::sync::{Arc, Weak};
use std::time::Duration;

use moka::future::Cache;
use moka::policy::EvictionPolicy;
use tenantry_domain::TenantId;

use crate::control::TenantRecord;
use crate::db::KeepIdle;
use crate::error::{Result, StoreError};
use crate::tenant_admin::TenantAdmin;
use crate::tenant_db::TenantDb;

type PoolCache = Cache<TenantId, TenantDb>;

#[derive(Clone)]
pub struct TenantPools {
    cache: Arc<PoolCache>,
    admin: Arc<TenantAdmin>,
    connection_budget: u32,
}

impl TenantPools {
    /// `capacity` pools at most, each closed after `idle` unused; `connection_budget` bounds the
    /// connections that PostgreSQL tenant pools keep open between queries.
    pub fn new(
        admin: Arc<TenantAdmin>,
        capacity: u64,
        idle: Duration,
        connection_budget: u32,
    ) -> Self {
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
                    handle.spawn(async move { tenant.close().await });
                }
            })
            .build();
        Self {
            cache: Arc::new(cache),
            admin,
            connection_budget,
        }
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
            .try_get_with(
                tenant.id,
                self.admin.open_as_tenant(tenant, self.keep_idle()),
            )
            .await
            .map_err(StoreError::TenantUnavailable)
    }

    /// The release rule of every tenant pool: keep a returning connection while all pools
    /// together (the returning connection included) are within the budget. It holds the cache
    /// weakly, so that pools do not keep the cache that holds them alive.
    fn keep_idle(&self) -> KeepIdle {
        let cache: Weak<PoolCache> = Arc::downgrade(&self.cache);
        let budget = u64::from(self.connection_budget);
        Arc::new(move || {
            cache
                .upgrade()
                .is_some_and(|cache| open_connections(&cache) <= budget)
        })
    }

    /// Connections held by all open tenant pools, in use or idle.
    pub fn connections(&self) -> u64 {
        open_connections(&self.cache)
    }

    /// Closes and forgets a tenant's pool (before its database is dropped or moved).
    pub async fn evict(&self, id: TenantId) {
        if let Some(tenant) = self.cache.remove(&id).await {
            tenant.close().await;
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

fn open_connections(cache: &PoolCache) -> u64 {
    cache
        .iter()
        .map(|(_, tenant)| u64::from(tenant.db().connections()))
        .sum()
}
