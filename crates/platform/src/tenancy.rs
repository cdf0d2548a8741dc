//! Which part of the platform a request's host addresses.

use tenantry_domain::hostname::normalise_host;
use tenantry_domain::Subdomain;
use tenantry_store::control::TenantRecord;

use crate::error::Result;
use crate::Platform;

#[derive(Debug, Clone)]
pub enum HostTarget {
    /// The base domain: the operator's landing page.
    Landing,
    /// `portal.<base>`: login, client selector, dashboard.
    Portal,
    /// A client's subdomain or custom domain. Only clients that are served (active or
    /// suspended) resolve; one still being provisioned is as unknown as one that never existed.
    Tenant(Box<TenantRecord>),
    Unknown,
}

/// Resolves a `Host` header (through the node's short-lived cache).
pub async fn resolve_host(platform: &Platform, host: &str) -> Result<HostTarget> {
    let Some(host) = normalise_host(host) else {
        return Ok(HostTarget::Unknown);
    };
    if let Some(cache) = platform.host_cache() {
        if let Some(target) = cache.get(&host) {
            return Ok(target);
        }
        let target = lookup(platform, &host).await?;
        cache.insert(host, target.clone());
        return Ok(target);
    }
    lookup(platform, &host).await
}

async fn lookup(platform: &Platform, host: &str) -> Result<HostTarget> {
    let host = host.to_owned();
    let base = platform.config().base_domain.as_str();
    if host == base {
        return Ok(HostTarget::Landing);
    }
    let tenant = match host.strip_suffix(base).and_then(|h| h.strip_suffix('.')) {
        Some("portal") => return Ok(HostTarget::Portal),
        Some(label) => match Subdomain::parse(label) {
            Ok(sub) => platform.control().tenant_by_subdomain(sub.as_str()).await?,
            Err(_) => None,
        },
        None => platform.control().tenant_by_domain(&host).await?,
    };
    Ok(served(tenant))
}

/// Resolves an `X-Tenant-Id` header (a tenant id or a subdomain).
pub async fn resolve_tenant_header(platform: &Platform, value: &str) -> Result<HostTarget> {
    let value = value.trim();
    let tenant = match value.parse() {
        Ok(id) => platform.control().tenant(id).await?,
        Err(_) => match Subdomain::parse(value) {
            Ok(sub) => platform.control().tenant_by_subdomain(sub.as_str()).await?,
            Err(_) => None,
        },
    };
    Ok(served(tenant))
}

fn served(tenant: Option<TenantRecord>) -> HostTarget {
    match tenant {
        Some(t) if t.status.is_served() => HostTarget::Tenant(Box::new(t)),
        _ => HostTarget::Unknown,
    }
}
