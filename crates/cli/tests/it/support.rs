use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Output;

use tempfile::TempDir;
use tenantry_platform::provisioning::{provision, ProvisionRequest, Provisioned};
use tenantry_platform::{servers, Config, Platform, PlatformError};
use tenantry_store::db::{
    create_postgres_database, drop_postgres_databases_with_prefix, with_database,
};
use tenantry_store::secrets::random_hex;
use tenantry_store::{MasterKey, Secret};
use tokio::sync::oneshot;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

// The PostgreSQL server the PostgreSQL suite runs against: an admin URL (user with CREATEDB and
// CREATEROLE) in `TENANTRY_TEST_POSTGRES_URL`.
pub fn postgres_admin_url() -> String {
    std::env::var("TENANTRY_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "the PostgreSQL suite needs TENANTRY_TEST_POSTGRES_URL, e.g. \
             TENANTRY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres"
        )
    })
}

// Runs a test body once per backend: `name::sqlite` always, `name::postgres` when the
// PostgreSQL suite is asked for (`--include-ignored` with `TENANTRY_TEST_POSTGRES_URL` set); a
// plain `cargo test` lists it as ignored, so a run without PostgreSQL says it did not run it.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::support::TestApp::spawn($crate::support::Backend::Sqlite).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "PostgreSQL suite: set TENANTRY_TEST_POSTGRES_URL and run with --include-ignored"]
            async fn postgres() {
                let app = $crate::support::TestApp::spawn($crate::support::Backend::Postgres).await;
                ($body)(app).await;
            }
        }
    };
}

pub struct TestApp {
    pub backend: Backend,
    pub addr: SocketAddr,
    pub platform: Platform,
    pub config: Config,
    pub http: reqwest::Client,
    pub dir: TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    postgres_prefix: Option<String>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like `spawn`, with a last say on the configuration.
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let prefix = format!("tt_{}_", random_hex(4));
        let mut config = Config {
            data_dir: dir.path().to_owned(),
            master_key: Some(Secret::new(MasterKey::generate().to_hex())),
            postgres_tenant_prefix: prefix.clone(),
            tenant_pool_capacity: 50,
            // Short enough for the throttling test to wait it out.
            login_throttle_window_secs: 3,
            ..Config::default()
        };
        let postgres_prefix = if backend == Backend::Postgres {
            let admin = postgres_admin_url();
            let control = format!("{prefix}control");
            create_postgres_database(&admin, &control).await.unwrap();
            config.database_url = Some(Secret::new(with_database(&admin, &control).unwrap()));
            Some(prefix)
        } else {
            None
        };
        configure(&mut config);
        let platform = Platform::open(config.clone()).await.unwrap();
        if backend == Backend::Postgres {
            servers::add(&platform, &postgres_admin_url(), Some("test"), "test")
                .await
                .unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(tenantry_web::serve(listener, platform.clone(), async {
            let _ = rx.await;
        }));
        Self {
            backend,
            addr,
            platform,
            config,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            dir,
            shutdown: Some(tx),
            postgres_prefix,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GET `path` on `host` (a full host name such as `acme-corp.localhost`).
    pub async fn get(&self, host: &str, path: &str) -> (u16, String) {
        let res = self
            .http
            .get(self.url(path))
            .header("host", host)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    pub async fn post(&self, host: &str, path: &str) -> (u16, String) {
        let res = self
            .http
            .post(self.url(path))
            .header("host", host)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    pub async fn provision(
        &self,
        name: &str,
        subdomain: &str,
    ) -> Result<Provisioned, PlatformError> {
        let req = ProvisionRequest::parse(
            name,
            subdomain,
            &format!("admin@{subdomain}.example.com"),
            "professional",
            &[],
        )?;
        provision(&self.platform, &req, "test").await
    }

    /// Runs the `tenantry` binary against this app's installation.
    pub fn cli(&self, args: &[&str]) -> Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tenantry"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("TENANTRY_DATA_DIR", &self.config.data_dir)
            .env(
                "TENANTRY_MASTER_KEY",
                self.config.master_key.as_ref().unwrap().expose(),
            )
            .env(
                "TENANTRY_POSTGRES_TENANT_PREFIX",
                &self.config.postgres_tenant_prefix,
            )
            .env_remove("TENANTRY_CONFIG")
            .stdin(std::process::Stdio::null());
        match &self.config.database_url {
            Some(url) => cmd.env("TENANTRY_DATABASE_URL", url.expose()),
            None => cmd.env_remove("TENANTRY_DATABASE_URL"),
        };
        let output = cmd.output().unwrap();
        // The CLI is another process: what it changed reaches this server's lookup caches after
        // `lookup_cache_secs`, as another node's change would. Tests skip that wait.
        self.platform.changed();
        output
    }

    /// What holds tenant data on this backend, counted: on SQLite the files under
    /// `data_dir/tenants` (and no roles); on PostgreSQL the databases and the roles whose names
    /// carry this test's prefix (the control database among them, which is always there).
    pub async fn tenant_storage(&self) -> (usize, usize) {
        match self.backend {
            Backend::Sqlite => {
                let files = std::fs::read_dir(self.config.data_dir.join("tenants"))
                    .map(|d| d.count())
                    .unwrap_or(0);
                (files, 0)
            }
            Backend::Postgres => {
                let admin = sqlx::PgPool::connect(&postgres_admin_url()).await.unwrap();
                let pattern = format!(
                    "{}%",
                    self.config.postgres_tenant_prefix.replace('_', "\\_")
                );
                let dbs: i64 =
                    sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE $1")
                        .bind(&pattern)
                        .fetch_one(&admin)
                        .await
                        .unwrap();
                let roles: i64 =
                    sqlx::query_scalar("SELECT count(*) FROM pg_roles WHERE rolname LIKE $1")
                        .bind(&pattern)
                        .fetch_one(&admin)
                        .await
                        .unwrap();
                admin.close().await;
                (dbs as usize, roles as usize)
            }
        }
    }

    /// The tenant database file of a SQLite tenant.
    pub fn sqlite_file(&self, db_name: &str) -> PathBuf {
        self.config.data_dir.join("tenants").join(db_name)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(prefix) = self.postgres_prefix.take() {
            // Runs even when the test panicked, on a runtime of its own (Drop cannot await).
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    drop_postgres_databases_with_prefix(&postgres_admin_url(), &prefix)
                        .await
                        .unwrap();
                });
            })
            .join();
        }
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

// Extracts the invitation token from a provisioning run's link.
pub fn invitation_token(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

/// Makes a member of the client for each role, `<role>@<subdomain>.example.com`, who has
/// accepted the invitation with `password`.
pub async fn add_members(
    app: &TestApp,
    subdomain: &str,
    roles: &[tenantry_domain::TenantRole],
    password: &str,
) {
    let tenant = app
        .platform
        .control()
        .tenant_by_subdomain(subdomain)
        .await
        .unwrap()
        .unwrap();
    for role in roles {
        let invited = tenantry_platform::accounts::invite_member(
            &app.platform,
            tenant.id,
            &format!("{}@{subdomain}.example.com", role.as_str()),
            *role,
            "test",
        )
        .await
        .unwrap();
        let token = invitation_token(&invited.invitation_url);
        app.platform
            .identity()
            .accept_invitation(&token, password)
            .await
            .unwrap();
    }
}

/// How long a child process (the `tenantry serve` binary, the OpenID provider) has to print the
/// line that says it is ready. Not a timing assertion: a guard so that a child that hangs or
/// dies without a word fails the test with what it printed instead of blocking it forever.
const READY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads `stream` (a child's piped stdout or stderr) line by line until a line satisfies
/// `ready`, and returns the lines read up to and including it. The reading happens on a thread
/// of its own, which keeps draining the stream afterwards so that the child never blocks on a
/// full pipe.
pub fn read_until_ready(
    stream: impl std::io::Read + Send + 'static,
    what: &str,
    ready: impl Fn(&str) -> bool,
) -> Vec<String> {
    use std::io::BufRead;
    use std::sync::mpsc::{channel, RecvTimeoutError};

    let (tx, rx) = channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            // Once the test has what it waited for, the rest is only drained.
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + READY_DEADLINE;
    let mut read = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let done = ready(&line);
                read.push(line);
                if done {
                    return read;
                }
            }
            Err(RecvTimeoutError::Timeout) => panic!(
                "{what} did not say it was ready within {READY_DEADLINE:?}; it printed:\n{}",
                read.join("\n")
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "{what} closed its output before saying it was ready; it printed:\n{}",
                read.join("\n")
            ),
        }
    }
}
