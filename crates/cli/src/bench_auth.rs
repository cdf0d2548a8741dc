//! `tenantry bench auth`: token verification time, authenticated JSON reads under load (with
//! `wrk`, if installed), and password logins per second with the latency other requests see
//! meanwhile. Runs on a throw-away SQLite installation.

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tenantry_auth::{LoginOutcome, LoginRequest};
use tenantry_platform::provisioning::{self, ProvisionRequest};
use tenantry_platform::{Config, Platform};
use tenantry_store::MasterKey;

use crate::bench::{mem_total, ms, percentile};

#[derive(clap::Args)]
pub struct AuthArgs {
    /// Seconds each load phase runs.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Connections wrk keeps open.
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Logins hashing at once in the login phase.
    #[arg(long, default_value_t = 50)]
    logins: usize,
    /// Token verifications timed in process.
    #[arg(long, default_value_t = 20_000)]
    verifications: u32,
}

const PASSWORD: &str = "plum-Velvet-orbit-91";

pub async fn auth(args: AuthArgs) -> anyhow::Result<()> {
    if args.duration == 0 || args.connections == 0 || args.logins == 0 || args.verifications == 0 {
        anyhow::bail!("--duration, --connections, --logins and --verifications must be at least 1");
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "machine: {cores} cores, {}",
        mem_total().unwrap_or_else(|| "unknown memory".into())
    );
    let dir = tempfile::tempdir().context("creating a temporary data directory")?;
    let config = Config {
        data_dir: dir.path().to_owned(),
        master_key: Some(tenantry_store::Secret::new(MasterKey::generate().to_hex())),
        // The login phase signs the same account in many times; throttling counts failures only.
        ..Config::default()
    };
    let platform = Platform::open(config).await?;
    let req = ProvisionRequest::parse(
        "Bench Co",
        "bench",
        "admin@bench.example",
        "professional",
        &[],
    )?;
    let done = provisioning::provision(&platform, &req, "bench").await?;
    let link = done.invitation_url.context("no invitation link")?;
    let token = link.rsplit('/').next().unwrap_or_default();
    let identity = platform.identity();
    identity.accept_invitation(token, PASSWORD).await?;
    let login = || LoginRequest {
        email: "admin@bench.example",
        password: PASSWORD,
        remember: false,
        ip: None,
        user_agent: Some("bench"),
        tenant: None,
    };
    let LoginOutcome::Done(session) = identity.login(login()).await? else {
        anyhow::bail!("the bench account unexpectedly needs a second factor");
    };
    let user = identity.user(session.record.user_id).await?;
    let (_, jwt, _) = identity
        .select_client(&session.record, &user, done.tenant_id)
        .await?;

    // 1. Token verification, in process.
    let tokens = identity.tokens();
    let started = Instant::now();
    for _ in 0..args.verifications {
        tokens.verify(&jwt).await?;
    }
    let crypto = started.elapsed() / args.verifications;
    let started = Instant::now();
    for _ in 0..args.verifications {
        identity.verify_token(&jwt).await?;
    }
    let with_user = started.elapsed() / args.verifications;
    println!(
        "token verification: {:.1} µs (signature and claims), {:.1} µs with the user's status read",
        crypto.as_secs_f64() * 1e6,
        with_user.as_secs_f64() * 1e6
    );

    // 2. The server.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tenantry_web::serve(listener, platform.clone(), async {
        let _ = stopped.await;
    }));
    let cookie = format!("tenantry_session={}", session.token);
    // A session on the client's own host, as the portal's hand-off makes one.
    let code = identity
        .create_handoff(&session.record, &user, done.tenant_id)
        .await?;
    let host_session = identity
        .exchange_handoff(&code, done.tenant_id, None, Some("bench"))
        .await?;
    let host_cookie = format!("tenantry_session={}", host_session.token);

    // 3. Authenticated JSON reads under wrk.
    let reads = [
        (
            "portal session cookie, GET /api/user/profile",
            "portal.localhost",
            "/api/user/profile",
            format!("Cookie: {cookie}"),
        ),
        (
            "client-host session cookie, GET /api/method/frappe.auth.get_logged_user",
            "bench.localhost",
            "/api/method/frappe.auth.get_logged_user",
            format!("Cookie: {host_cookie}"),
        ),
        (
            "JWT, GET /api/method/frappe.auth.get_logged_user",
            "bench.localhost",
            "/api/method/frappe.auth.get_logged_user",
            format!("Authorization: Bearer {jwt}"),
        ),
    ];
    for (label, host, path, header) in &reads {
        match wrk(addr, host, path, header, &args) {
            Ok(Some((rps, p99))) => println!(
                "{label}: {rps:.0} requests/s, p99 {p99} (wrk, {} connections, {} s)",
                args.connections, args.duration
            ),
            Ok(None) => {
                println!("{label}: not measured: wrk is not installed (apt-get install wrk)")
            }
            Err(e) => println!("{label}: wrk failed: {e:#}"),
        }
    }

    // 4. Logins while other requests are served.
    let running = Arc::new(AtomicBool::new(true));
    let logins_done = Arc::new(AtomicUsize::new(0));
    let logins_failed = Arc::new(AtomicUsize::new(0));
    let mut hashers = tokio::task::JoinSet::new();
    for _ in 0..args.logins {
        let identity = identity.clone();
        let running = running.clone();
        let logins_done = logins_done.clone();
        let logins_failed = logins_failed.clone();
        hashers.spawn(async move {
            while running.load(Ordering::Relaxed) {
                let ok = identity
                    .login(LoginRequest {
                        email: "admin@bench.example",
                        password: PASSWORD,
                        remember: false,
                        ip: None,
                        user_agent: Some("bench"),
                        tenant: None,
                    })
                    .await
                    .is_ok();
                if ok {
                    logins_done.fetch_add(1, Ordering::Relaxed);
                } else {
                    logins_failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut latencies = Vec::new();
    let started = Instant::now();
    let done_before = logins_done.load(Ordering::Relaxed);
    while started.elapsed() < Duration::from_secs(args.duration) {
        let req = hyper::Request::get(format!("http://{addr}/api/user/profile"))
            .header(hyper::header::HOST, "portal.localhost")
            .header(hyper::header::COOKIE, &cookie)
            .body(Empty::<Bytes>::new())?;
        let t = Instant::now();
        let res = client.request(req).await?;
        let ok = res.status() == hyper::StatusCode::OK;
        res.into_body().collect().await?;
        latencies.push(t.elapsed());
        if !ok {
            anyhow::bail!("a profile request failed during the login phase");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Only the logins that finished within the measured time count: those still hashing when it
    // ends finish afterwards.
    let elapsed = started.elapsed();
    let done = logins_done.load(Ordering::Relaxed) - done_before;
    running.store(false, Ordering::Relaxed);
    while hashers.join_next().await.is_some() {}
    let failed = logins_failed.load(Ordering::Relaxed);
    if failed > 0 {
        anyhow::bail!("{failed} logins failed during the login phase");
    }
    latencies.sort();
    let logins = done as f64 / elapsed.as_secs_f64();
    println!(
        "password logins ({} at once): {logins:.1}/s ({:.1}/s per core); meanwhile {} profile requests: p50 {:.1} ms, p99 {:.1} ms",
        args.logins,
        logins / cores as f64,
        latencies.len(),
        ms(percentile(&latencies, 50)),
        ms(percentile(&latencies, 99)),
    );

    let _ = stop.send(());
    server.await??;
    platform.close().await;
    Ok(())
}

/// Runs wrk against one endpoint; `None` when wrk is not installed. Returns requests/s and the
/// p99 latency as wrk prints it.
fn wrk(
    addr: std::net::SocketAddr,
    host: &str,
    path: &str,
    header: &str,
    args: &AuthArgs,
) -> anyhow::Result<Option<(f64, String)>> {
    let output = match Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{}", args.connections),
            &format!("-d{}s", args.duration),
            "--latency",
            "-H",
            &format!("Host: {host}"),
            "-H",
            header,
            &format!("http://{addr}{path}"),
        ])
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        anyhow::bail!("{}", String::from_utf8_lossy(&output.stderr));
    }
    if let Some(line) = text
        .lines()
        .find(|l| l.contains("Non-2xx or 3xx responses"))
    {
        anyhow::bail!("{}", line.trim());
    }
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .context("wrk printed no Requests/sec")?;
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| v.trim().to_owned())
        .context("wrk printed no 99% latency")?;
    Ok(Some((rps, p99)))
}
