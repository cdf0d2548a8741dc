//! `tenantry bench provision`: provisioning latency and throughput per backend, memory with N
//! clients, a request sweep across every client's host with a bounded pool cache, and (SQLite)
//! the wall time of the whole `client provision` command.

use std::time::{Duration, Instant};

use anyhow::Context;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tenantry_platform::provisioning::{self, ProvisionRequest};
use tenantry_platform::{servers, Config, Platform};
use tenantry_store::db::{
    create_postgres_database, drop_postgres_databases_with_prefix, with_database,
};
use tenantry_store::secrets::random_hex;
use tenantry_store::MasterKey;

#[derive(clap::Args)]
pub struct ProvisionArgs {
    /// How many clients to provision on each backend.
    #[arg(long, default_value_t = 100)]
    count: usize,
    /// A PostgreSQL server to benchmark on too (its user needs CREATEDB and CREATEROLE). A
    /// control database and the client databases are created there and dropped afterwards.
    #[arg(long, env = "TENANTRY_BENCH_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// Skip the SQLite run.
    #[arg(long)]
    skip_sqlite: bool,
    /// Tenant pool cache capacity during the sweep.
    #[arg(long, default_value_t = 100)]
    pool_capacity: u64,
    /// Concurrent requests in the sweep.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// How many `client provision` commands to time as whole processes (SQLite).
    #[arg(long, default_value_t = 20)]
    cli_runs: usize,
}

struct Backend {
    label: &'static str,
    postgres_admin_url: Option<String>,
}

pub async fn provision(args: ProvisionArgs) -> anyhow::Result<()> {
    if args.count == 0 {
        anyhow::bail!("--count must be at least 1");
    }
    if args.concurrency == 0 {
        anyhow::bail!("--concurrency must be at least 1");
    }
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        mem_total().unwrap_or_else(|| "unknown memory".into())
    );
    let mut backends = Vec::new();
    if !args.skip_sqlite {
        backends.push(Backend {
            label: "sqlite",
            postgres_admin_url: None,
        });
    }
    if let Some(url) = &args.postgres_url {
        backends.push(Backend {
            label: "postgres",
            postgres_admin_url: Some(url.clone()),
        });
    } else {
        println!("postgres: not run (pass --postgres-url or set TENANTRY_BENCH_POSTGRES_URL)");
    }
    for backend in backends {
        run_backend(&args, &backend).await?;
    }
    Ok(())
}

async fn run_backend(args: &ProvisionArgs, backend: &Backend) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("creating a temporary data directory")?;
    let key = MasterKey::generate();
    let prefix = format!("tenantry_bench_{}_", random_hex(4));
    let mut config = Config {
        data_dir: dir.path().to_owned(),
        master_key: Some(tenantry_store::Secret::new(key.to_hex())),
        tenant_pool_capacity: args.pool_capacity,
        postgres_tenant_prefix: prefix.clone(),
        ..Config::default()
    };
    if let Some(admin) = &backend.postgres_admin_url {
        let control_db = format!("{prefix}control");
        create_postgres_database(admin, &control_db).await?;
        config.database_url = Some(tenantry_store::Secret::new(with_database(
            admin,
            &control_db,
        )?));
    }
    let result = measure(args, backend, config).await;
    if let Some(admin) = &backend.postgres_admin_url {
        drop_postgres_databases_with_prefix(admin, &prefix).await?;
    }
    result
}

async fn measure(args: &ProvisionArgs, backend: &Backend, config: Config) -> anyhow::Result<()> {
    let platform = Platform::open(config.clone()).await?;
    if let Some(admin) = &backend.postgres_admin_url {
        servers::add(&platform, admin, Some("bench"), "bench").await?;
    }
    let rss_before = rss_kib();
    let mut times = Vec::with_capacity(args.count);
    let started = Instant::now();
    for i in 0..args.count {
        let req = ProvisionRequest::parse(
            &format!("Bench Client {i}"),
            &format!("bench-{i}"),
            &format!("admin@bench-{i}.example.com"),
            "basic",
            &[],
        )?;
        let t = Instant::now();
        provisioning::provision(&platform, &req, "bench").await?;
        times.push(t.elapsed());
    }
    let total = started.elapsed();
    let rss_after = rss_kib();
    times.sort();
    println!(
        "{}: provisioned {} clients in {:.2} s: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms, {:.1} clients/s; resident memory {} MiB before, {} MiB after",
        backend.label,
        args.count,
        total.as_secs_f64(),
        ms(percentile(&times, 50)),
        ms(percentile(&times, 95)),
        ms(times.last().copied().unwrap_or_default()),
        args.count as f64 / total.as_secs_f64(),
        rss_before / 1024,
        rss_after / 1024,
    );

    sweep(args, backend, &platform).await?;
    platform.close().await;

    if backend.postgres_admin_url.is_none() && args.cli_runs > 0 {
        cli_runs(args, &config).await?;
    }
    Ok(())
}

/// Two requests to every client's host (its page, which opens its pool, and ping) through a real
/// server, with the pool cache smaller than the number of clients.
async fn sweep(args: &ProvisionArgs, backend: &Backend, platform: &Platform) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tenantry_web::serve(listener, platform.clone(), async {
        let _ = stopped.await;
    }));
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(args.concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for i in 0..args.count {
        for path in ["/", "/api/method/ping"] {
            let client = client.clone();
            let permit = semaphore.clone().acquire_owned().await?;
            let host = format!("bench-{i}.{}", platform.config().base_domain);
            tasks.spawn(async move {
                let _permit = permit;
                let req = hyper::Request::get(format!("http://{addr}{path}"))
                    .header(hyper::header::HOST, host)
                    .body(Empty::<Bytes>::new());
                let Ok(req) = req else { return false };
                match client.request(req).await {
                    Ok(res) => {
                        let ok = res.status() == hyper::StatusCode::OK;
                        ok && res.into_body().collect().await.is_ok()
                    }
                    Err(_) => false,
                }
            });
        }
    }
    let mut errors = 0usize;
    let mut requests = 0usize;
    while let Some(done) = tasks.join_next().await {
        requests += 1;
        if !matches!(done, Ok(true)) {
            errors += 1;
        }
    }
    let elapsed = started.elapsed();
    let open_pools = platform.pools().open_count().await;
    let _ = stop.send(());
    server.await??;
    println!(
        "{}: sweep of {requests} requests over {} client hosts ({} concurrent, pool cache {}): {errors} errors, {:.2} s, {:.0} requests/s; {open_pools} pools open afterwards; resident memory {} MiB",
        backend.label,
        args.count,
        args.concurrency,
        args.pool_capacity,
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64(),
        rss_kib() / 1024,
    );
    if errors > 0 {
        anyhow::bail!("the sweep had {errors} errors");
    }
    Ok(())
}

/// Times whole `tenantry client provision` processes: start-up, config, opening the control
/// plane, provisioning, output.
async fn cli_runs(args: &ProvisionArgs, config: &Config) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let mut times = Vec::with_capacity(args.cli_runs);
    for i in 0..args.cli_runs {
        let mut cmd = tokio::process::Command::new(&exe);
        cmd.args([
            "client",
            "provision",
            "--name",
            &format!("CLI Client {i}"),
            "--subdomain",
            &format!("cli-{i}"),
            "--admin-email",
            &format!("admin@cli-{i}.example.com"),
            "--plan",
            "professional",
        ])
        .env("TENANTRY_DATA_DIR", &config.data_dir)
        .env(
            "TENANTRY_MASTER_KEY",
            config
                .master_key
                .as_ref()
                .map(|k| k.expose().as_str())
                .unwrap_or_default(),
        )
        .env_remove("TENANTRY_DATABASE_URL")
        .stdout(std::process::Stdio::null());
        let t = Instant::now();
        let status = cmd.status().await?;
        times.push(t.elapsed());
        if !status.success() {
            anyhow::bail!("`client provision` run {i} failed with {status}");
        }
    }
    times.sort();
    println!(
        "sqlite: whole `tenantry client provision` command, {} runs: p50 {:.1} ms, p95 {:.1} ms",
        args.cli_runs,
        ms(percentile(&times, 50)),
        ms(percentile(&times, 95)),
    );
    Ok(())
}

pub(crate) fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn rss_kib() -> u64 {
    proc_status_kib("/proc/self/status", "VmRSS:").unwrap_or(0)
}

pub(crate) fn mem_total() -> Option<String> {
    proc_status_kib("/proc/meminfo", "MemTotal:").map(|k| format!("{} GiB memory", k / 1024 / 1024))
}

fn proc_status_kib(file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50), Duration::from_millis(50));
        assert_eq!(percentile(&v, 95), Duration::from_millis(95));
    }
}
