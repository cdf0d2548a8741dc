use std::sync::Arc;
use std::time::Duration;

use tenantry_auth::passkeys::Passkeys;
use tenantry_auth::sso::Sso;
use tenantry_auth::{AuthSettings, Identity};
use tenantry_store::control::ControlLocation;
use tenantry_store::{ControlStore, MasterKey, TenantAdmin, TenantPools};

use crate::config::Config;
use crate::error::Result;
use crate::master_key::{self, KeySource};

/// One running installation: its configuration, control plane and tenant pools. Cheap to clone.
#[derive(Clone)]
pub struct Platform {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    control: ControlStore,
    pools: TenantPools,
    identity: Identity,
    sso: Sso,
    passkeys: Passkeys,
    /// Resolved hosts, kept `lookup_cache_secs` (absent when 0).
    hosts: Option<moka::sync::Cache<String, crate::tenancy::HostTarget>>,
    key_source: KeySource,
}

impl Platform {
    /// Opens the control plane (migrating it to this build's schema) and prepares the tenant pool
    /// cache. Tenant databases are opened on demand.
    pub async fn open(config: Config) -> Result<Self> {
        let (key, key_source) = master_key::load(&config)?;
        Self::open_with_key(config, key, key_source).await
    }

    pub async fn open_with_key(
        config: Config,
        key: MasterKey,
        key_source: KeySource,
    ) -> Result<Self> {
        let location = match &config.database_url {
            Some(url) => ControlLocation::Postgres { url: url.expose() },
            None => ControlLocation::Sqlite {
                data_dir: &config.data_dir,
                durability: config.sqlite_durability,
            },
        };
        let control = ControlStore::open(location).await?;
        control.migrate().await?;
        master_key::verify_against(&control, &key).await?;
        let providers = config
            .oidc
            .iter()
            .map(|p| p.resolve())
            .collect::<Result<Vec<_>>>()?;
        let sso = Sso::new(
            providers,
            format!("{}/api/sso/callback", config.portal_url()),
            key.clone(),
        )?;
        let passkeys = Passkeys::new(
            &tenantry_auth::passkeys::relying_party(&config.base_domain),
            &config.portal_url(),
            &config.base_domain,
            control.clone(),
            key.clone(),
        )?;
        let identity = Identity::new(
            control.clone(),
            key.clone(),
            auth_settings(&config),
            config.portal_url(),
        )?;
        // The published key set is never empty: a verifier that fetches it before the first
        // token is signed must not cache an empty set.
        identity.tokens().ensure_signing_key().await?;
        let admin = Arc::new(TenantAdmin::new(
            config.data_dir.clone(),
            config.sqlite_durability,
            key,
            control.clone(),
        ));
        let pools = TenantPools::new(
            admin,
            config.tenant_pool_capacity,
            Duration::from_secs(config.tenant_pool_idle_secs),
            config.tenant_connection_budget,
        );
        let hosts = (config.lookup_cache_secs > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(config.lookup_cache_secs))
                .build()
        });
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                control,
                pools,
                identity,
                sso,
                passkeys,
                hosts,
                key_source,
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn control(&self) -> &ControlStore {
        &self.inner.control
    }

    pub fn pools(&self) -> &TenantPools {
        &self.inner.pools
    }

    pub fn identity(&self) -> &Identity {
        &self.inner.identity
    }

    pub(crate) fn host_cache(
        &self,
    ) -> Option<&moka::sync::Cache<String, crate::tenancy::HostTarget>> {
        self.inner.hosts.as_ref()
    }

    /// Forgets every cached host and identity read, after a change to clients or people.
    pub fn changed(&self) {
        if let Some(h) = &self.inner.hosts {
            h.invalidate_all();
        }
        self.inner.identity.changed();
    }

    pub fn passkeys(&self) -> &Passkeys {
        &self.inner.passkeys
    }

    pub fn sso(&self) -> &Sso {
        &self.inner.sso
    }

    pub fn admin(&self) -> &TenantAdmin {
        self.inner.pools.admin()
    }

    pub fn key_source(&self) -> &KeySource {
        &self.inner.key_source
    }

    /// The operator's name as shown on the landing page.
    pub async fn operator_name(&self) -> Result<String> {
        Ok(self
            .control()
            .setting(OPERATOR_NAME)
            .await?
            .unwrap_or_else(|| "Tenantry".to_owned()))
    }

    pub async fn set_operator_name(&self, name: &str) -> Result<()> {
        let name = tenantry_domain::ClientName::parse(name)?;
        Ok(self
            .control()
            .set_setting(OPERATOR_NAME, name.as_str())
            .await?)
    }

    /// Closes every pool (at shutdown).
    pub async fn close(&self) {
        self.control().db().close().await;
    }
}

const OPERATOR_NAME: &str = "operator_name";

fn auth_settings(config: &Config) -> AuthSettings {
    let defaults = AuthSettings::default();
    AuthSettings {
        session_idle_secs: i64::try_from(config.session_idle_minutes * 60).unwrap_or(i64::MAX),
        throttle_window_secs: i64::try_from(config.login_throttle_window_secs).unwrap_or(i64::MAX),
        throttle_account_max: i64::from(config.login_throttle_account_max),
        throttle_address_max: i64::from(config.login_throttle_address_max),
        hash_concurrency: match config.password_hash_concurrency {
            0 => defaults.hash_concurrency,
            n => n,
        },
        mfa_issuer: config.base_domain.clone(),
        cache_secs: config.lookup_cache_secs,
        ..defaults
    }
}
