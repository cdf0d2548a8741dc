//! Configuration: built-in defaults, then a TOML file, then `TENANTRY_*` environment variables.
//! Secrets can come from files (`TENANTRY_DATABASE_URL_FILE`, `TENANTRY_MASTER_KEY_FILE`) and are
//! wrapped so that printing the configuration never shows them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use tenantry_store::db::redact_url;
use tenantry_store::{Secret, SqliteDurability};

use crate::error::{PlatformError, Result};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where SQLite databases, the generated master key and tenant files live.
    pub data_dir: PathBuf,
    /// The address the HTTP server binds.
    pub listen: SocketAddr,
    /// The domain under which the landing page, the portal and every client's subdomain live.
    pub base_domain: String,
    /// `postgres://…` puts the control plane on PostgreSQL; unset, it is `<data_dir>/control.db`.
    pub database_url: Option<Secret<String>>,
    /// A file holding `database_url` (for secrets mounted as files).
    pub database_url_file: Option<PathBuf>,
    /// The master key itself (64 hex digits or base64); prefer `master_key_file`.
    pub master_key: Option<Secret<String>>,
    /// A file holding the master key. Unset and without `master_key`, `<data_dir>/master.key` is
    /// used, and generated on first run.
    pub master_key_file: Option<PathBuf>,
    /// The scheme that browsers use to reach the platform (`https` behind a TLS proxy).
    pub public_scheme: String,
    /// The port browsers use, when not the scheme's default; unset, the listen port is used for
    /// `http` and none for `https`.
    pub public_port: Option<u16>,
    /// Whether a reverse proxy in front sets X-Forwarded-For (then its first entry is the
    /// client's address for throttling and session lists). Never set it without such a proxy.
    pub trust_proxy: bool,
    /// Development conveniences, such as resolving a tenant from `?tenant=`. Never in production.
    pub dev_mode: bool,
    /// How many tenant connection pools may be open at once.
    pub tenant_pool_capacity: u64,
    /// Seconds after which an unused tenant pool is closed.
    pub tenant_pool_idle_secs: u64,
    /// PostgreSQL connections that this node's tenant pools keep open between queries, all
    /// together; beyond it a connection is closed as soon as its query is done.
    pub tenant_connection_budget: u32,
    /// SQLite's durability: `normal` (no committed write lost to a process crash) or `full`.
    pub sqlite_durability: SqliteDurability,
    /// Prefix of the database and role names of tenants on PostgreSQL servers.
    pub postgres_tenant_prefix: String,
    /// How long an invitation link stays valid.
    pub invitation_ttl_hours: u64,
    /// A session unused this long ends, unless "remember me" was ticked (30 days then).
    pub session_idle_minutes: u64,
    /// Login throttling: failures are counted over this window...
    pub login_throttle_window_secs: u64,
    /// ...and an account is refused after this many...
    pub login_throttle_account_max: u32,
    /// ...and an address after this many.
    pub login_throttle_address_max: u32,
    /// Password hashes computed at once (argon2id is CPU-bound); 0 means one per core.
    pub password_hash_concurrency: usize,
    /// Seconds a node reuses what it read about hosts, sessions, users and memberships (0: no
    /// reuse). Changes made on the node itself apply at once; on other nodes within this time.
    pub lookup_cache_secs: u64,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// OpenID Connect providers people can sign in with (`[[oidc]]` tables).
    pub oidc: Vec<OidcConfig>,
}

/// One OpenID Connect provider. The client secret is never in the file itself: it is read from
/// `client_secret_file` or from the environment variable named by `client_secret_env`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The slug in URLs, `[a-z0-9-]`.
    pub name: String,
    /// The button text on the sign-in page ("Sign in with …").
    pub display_name: Option<String>,
    /// The issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret_file: Option<PathBuf>,
    pub client_secret_env: Option<String>,
    #[serde(default = "default_oidc_scopes")]
    pub scopes: Vec<String>,
    /// The claim (in the userinfo answer) that lists the user's groups.
    #[serde(default = "default_group_claim")]
    pub group_claim: String,
    /// Group → `<client subdomain>:<role>`.
    #[serde(default)]
    pub group_roles: std::collections::BTreeMap<String, String>,
    /// Also map groups named `<subdomain>-admins|-managers|-employees|-viewers`.
    #[serde(default = "default_true")]
    pub group_convention: bool,
}

fn default_oidc_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into(), "profile".into()]
}

fn default_group_claim() -> String {
    "groups".into()
}

fn default_true() -> bool {
    true
}

impl OidcConfig {
    /// The provider's settings with its secret read and its mappings parsed.
    pub fn resolve(&self) -> Result<tenantry_auth::sso::ProviderSettings> {
        let key = |k: &str| format!("oidc.{}.{k}", self.name);
        let bad = |k: &str, why: String| PlatformError::Config(format!("{}: {why}", key(k)));
        let slug_ok = !self.name.is_empty()
            && self.name.len() <= 40
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug_ok {
            return Err(PlatformError::Config(format!(
                "oidc.name: {:?} must be 1-40 of a-z, 0-9 and -",
                self.name
            )));
        }
        if !(self.issuer.starts_with("https://") || self.issuer.starts_with("http://")) {
            return Err(bad("issuer", "must be an http(s) URL".into()));
        }
        if self.client_id.trim().is_empty() {
            return Err(bad("client_id", "must not be empty".into()));
        }
        let secret = match (&self.client_secret_file, &self.client_secret_env) {
            (Some(path), None) => std::fs::read_to_string(path)
                .map_err(|e| bad("client_secret_file", format!("{}: {e}", path.display())))?
                .trim()
                .to_owned(),
            (None, Some(var)) => std::env::var(var).map_err(|_| {
                bad(
                    "client_secret_env",
                    format!("environment variable {var} is not set"),
                )
            })?,
            _ => {
                return Err(bad(
                    "client_secret_file",
                    "set exactly one of client_secret_file and client_secret_env".into(),
                ))
            }
        };
        let mut group_roles = std::collections::BTreeMap::new();
        for (group, target) in &self.group_roles {
            let parsed = tenantry_auth::sso::parse_group_target(target)
                .map_err(|e| bad("group_roles", format!("{group}: {e}")))?;
            group_roles.insert(group.clone(), parsed);
        }
        Ok(tenantry_auth::sso::ProviderSettings {
            name: self.name.clone(),
            display_name: self
                .display_name
                .clone()
                .unwrap_or_else(|| self.name.clone()),
            issuer: self.issuer.trim_end_matches('/').to_owned(),
            client_id: self.client_id.clone(),
            client_secret: secret,
            scopes: self.scopes.clone(),
            group_claim: self.group_claim.clone(),
            group_roles,
            group_convention: self.group_convention,
        })
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            base_domain: "localhost".into(),
            database_url: None,
            database_url_file: None,
            master_key: None,
            master_key_file: None,
            public_scheme: "http".into(),
            public_port: None,
            trust_proxy: false,
            dev_mode: false,
            tenant_pool_capacity: 200,
            tenant_pool_idle_secs: 300,
            tenant_connection_budget: 40,
            sqlite_durability: SqliteDurability::Normal,
            postgres_tenant_prefix: "tenantry_".into(),
            invitation_ttl_hours: 72,
            session_idle_minutes: 30,
            login_throttle_window_secs: 900,
            login_throttle_account_max: 5,
            login_throttle_address_max: 20,
            password_hash_concurrency: 0,
            lookup_cache_secs: 5,
            log_format: "text".into(),
            oidc: Vec::new(),
        }
    }
}

impl Config {
    /// Loads the configuration: defaults, then `file` (or `tenantry.toml` in the working directory
    /// if it exists), then the environment. Every value is checked; the error names the key.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(PlatformError::Config(format!(
                        "config file {} does not exist",
                        path.display()
                    )));
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None if Path::new("tenantry.toml").is_file() => {
                figment = figment.merge(Toml::file_exact("tenantry.toml"))
            }
            None => {}
        }
        // The master key is read verbatim: figment would parse a key of hex digits as a number.
        let mut figment = figment.merge(Env::prefixed("TENANTRY_").ignore(&[
            "config",
            "test_postgres_url",
            "bench_postgres_url",
            "server_url",
            "master_key",
        ]));
        if let Ok(key) = std::env::var("TENANTRY_MASTER_KEY") {
            figment = figment.merge(Serialized::default("master_key", key));
        }
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Self> {
        let mut config: Config = figment
            .extract()
            .map_err(|e| PlatformError::Config(figment_message(e)))?;
        if let Some(path) = config.database_url_file.clone() {
            if config.database_url.is_some() {
                return Err(PlatformError::Config(
                    "set database_url or database_url_file, not both".into(),
                ));
            }
            let url = std::fs::read_to_string(&path).map_err(|e| {
                PlatformError::Config(format!("database_url_file {}: {e}", path.display()))
            })?;
            config.database_url = Some(Secret::new(url.trim().to_owned()));
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks every value that figment's types do not already check.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, why: String| Err(PlatformError::Config(format!("{key}: {why}")));
        if self.data_dir.as_os_str().is_empty() {
            return bad("data_dir", "must not be empty".into());
        }
        let base = self.base_domain.trim_end_matches('.');
        let base_ok = !base.is_empty()
            && base.len() <= 253
            && base.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            });
        if !base_ok {
            return bad(
                "base_domain",
                format!(
                    "{:?} is not a lowercase host name such as byrne-accounts.org or localhost",
                    self.base_domain
                ),
            );
        }
        if !matches!(self.public_scheme.as_str(), "http" | "https") {
            return bad(
                "public_scheme",
                format!("{:?} must be http or https", self.public_scheme),
            );
        }
        if self.tenant_pool_capacity == 0 {
            return bad("tenant_pool_capacity", "must be at least 1".into());
        }
        if !(1..=24 * 60).contains(&self.session_idle_minutes) {
            return bad(
                "session_idle_minutes",
                "must be between 1 and 1440 minutes".into(),
            );
        }
        if self.login_throttle_window_secs == 0
            || self.login_throttle_account_max == 0
            || self.login_throttle_address_max == 0
        {
            return bad(
                "login_throttle_window_secs",
                "login throttling settings must be at least 1".into(),
            );
        }
        let mut names = std::collections::HashSet::new();
        for provider in &self.oidc {
            provider.resolve()?;
            if !names.insert(provider.name.as_str()) {
                return bad(
                    "oidc.name",
                    format!("{:?} is configured twice", provider.name),
                );
            }
        }
        if self.lookup_cache_secs > 300 {
            return bad("lookup_cache_secs", "must be at most 300 seconds".into());
        }
        if self.tenant_connection_budget == 0 {
            return bad("tenant_connection_budget", "must be at least 1".into());
        }
        if self.tenant_pool_idle_secs == 0 {
            return bad("tenant_pool_idle_secs", "must be at least 1".into());
        }
        if self.invitation_ttl_hours == 0 || self.invitation_ttl_hours > 24 * 30 {
            return bad("invitation_ttl_hours", "must be between 1 and 720".into());
        }
        let prefix = &self.postgres_tenant_prefix;
        if prefix.is_empty()
            || prefix.len() > 24
            || !prefix.starts_with(|c: char| c.is_ascii_lowercase())
            || !prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return bad(
                "postgres_tenant_prefix",
                format!("{prefix:?} must be 1-24 characters of a-z, 0-9 and '_', starting with a letter"),
            );
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return bad(
                "log_format",
                format!("{:?} must be text or json", self.log_format),
            );
        }
        if let Some(url) = &self.database_url {
            tenantry_store::db::postgres_options(url.expose())
                .map_err(|e| PlatformError::Config(format!("database_url: {e}")))?;
        }
        Ok(())
    }

    /// The effective configuration as TOML, with every secret redacted.
    pub fn redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = self
            .database_url
            .as_ref()
            .map(|u| Secret::new(redact_url(u.expose())));
        let mut value =
            toml::Value::try_from(&shown).unwrap_or(toml::Value::Table(Default::default()));
        if let (Some(url), toml::Value::Table(t)) = (&shown.database_url, &mut value) {
            t.insert(
                "database_url".into(),
                toml::Value::String(url.expose().clone()),
            );
        }
        toml::to_string_pretty(&value).unwrap_or_default()
    }

    /// The port part of public URLs (`:8080`), empty for the scheme's default port.
    fn port_suffix(&self) -> String {
        let port = self
            .public_port
            .unwrap_or(match self.public_scheme.as_str() {
                "https" => 443,
                _ => self.listen.port(),
            });
        match (self.public_scheme.as_str(), port) {
            ("http", 80) | ("https", 443) => String::new(),
            _ => format!(":{port}"),
        }
    }

    /// The public URL of a host: the base domain for `None`, else `<label>.<base>`.
    pub fn url_for(&self, label: Option<&str>) -> String {
        let host = match label {
            Some(l) => format!("{l}.{}", self.base_domain),
            None => self.base_domain.clone(),
        };
        format!("{}://{host}{}", self.public_scheme, self.port_suffix())
    }

    /// The public URL of a client's own domain (same scheme and port as the rest).
    pub fn url_for_domain(&self, domain: &str) -> String {
        format!("{}://{domain}{}", self.public_scheme, self.port_suffix())
    }

    pub fn portal_url(&self) -> String {
        self.url_for(Some("portal"))
    }

    /// Whether browsers reach the installation over TLS (cookies are then `Secure` and
    /// `__Host-` prefixed, and HSTS is sent).
    pub fn is_tls(&self) -> bool {
        self.public_scheme == "https"
    }
}

fn figment_message(e: figment::Error) -> String {
    e.into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let from = e
                .metadata
                .as_ref()
                .map(|m| format!(" (from {})", m.name))
                .unwrap_or_default();
            if key.is_empty() {
                format!("{}{from}", e.kind)
            } else {
                format!("{key}: {}{from}", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_are_sensible() {
        let c = Config::default();
        c.validate().unwrap();
        assert_eq!(c.portal_url(), "http://portal.localhost:8080");
        assert_eq!(c.url_for(None), "http://localhost:8080");
    }

    #[test]
    fn environment_overrides_file_and_errors_name_the_key() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "t.toml",
                "base_domain = \"byrne-accounts.org\"\nlisten = \"0.0.0.0:9000\"",
            )?;
            jail.set_env("TENANTRY_DATA_DIR", "/srv/tenantry");
            let c = Config::load(Some(Path::new("t.toml"))).unwrap();
            assert_eq!(c.base_domain, "byrne-accounts.org");
            assert_eq!(c.data_dir, PathBuf::from("/srv/tenantry"));
            assert_eq!(c.listen.port(), 9000);

            jail.set_env("TENANTRY_LISTEN", "not-an-address");
            let err = Config::load(Some(Path::new("t.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("listen"), "{err}");

            jail.set_env("TENANTRY_LISTEN", "127.0.0.1:1");
            jail.set_env("TENANTRY_BASE_DOMAIN", "Bad_Domain");
            let err = Config::load(Some(Path::new("t.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("base_domain"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn secrets_are_redacted() {
        Jail::expect_with(|jail| {
            jail.create_file("db-url", "postgres://app:hunter2@db/control\n")?;
            jail.set_env("TENANTRY_DATABASE_URL_FILE", "db-url");
            jail.set_env("TENANTRY_MASTER_KEY", "00".repeat(32));
            let c = Config::load(None).unwrap();
            let shown = c.redacted_toml();
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("postgres://app:***@db/control"), "{shown}");
            assert!(!shown.contains(&"00".repeat(32)), "{shown}");
            Ok(())
        });
    }

    #[test]
    fn bad_database_urls_are_refused() {
        Jail::expect_with(|jail| {
            jail.set_env("TENANTRY_DATABASE_URL", "mysql://x");
            let err = Config::load(None).unwrap_err().to_string();
            assert!(err.contains("database_url"), "{err}");
            Ok(())
        });
    }
}
