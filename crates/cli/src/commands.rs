use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use tenantry_platform::master_key::KeySource;
use tenantry_platform::provisioning::{provision, ProvisionRequest};
use tenantry_platform::{accounts, clients, demo, migrations, servers, Config, Platform};
use tracing_subscriber::EnvFilter;

use crate::output::{json, table};
use crate::{
    ApikeyCommand, AuditCommand, BenchCommand, Cli, ClientCommand, Command, ConfigCommand,
    KeysCommand, ServerCommand, UserCommand,
};

/// Who the audit log names for actions taken from this command line.
fn cli_actor() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

fn init_logging(config: &Config, default_level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{default_level},sqlx=warn,tower_http=info")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn open(config: Config) -> anyhow::Result<Platform> {
    let platform = Platform::open(config).await?;
    if let KeySource::Generated(path) = platform.key_source() {
        eprintln!(
            "note: generated a new master key at {} (mode 0600). Back it up with the data: \
             without it the stored database passwords cannot be read.",
            path.display()
        );
    }
    Ok(platform)
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            print!("{}", config.redacted_toml());
            eprintln!("configuration is valid");
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { demo } => {
            if demo {
                config.dev_mode = true;
            }
            init_logging(&config, "info");
            // Bound before the platform opens, so that a listen port of 0 (the system picks one)
            // is the real port in every address printed and in the public URLs.
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            config.listen = listener.local_addr().context("the listening address")?;
            let platform = open(config).await?;
            if demo {
                let seeded = demo::seed(&platform).await?;
                println!("Demo installation ready:");
                println!("  landing page  {}", platform.config().url_for(None));
                println!("  client portal {}", platform.config().portal_url());
                for client in &seeded {
                    println!("  {:<13} {}", client.subdomain, client.url);
                    if let Some(link) = &client.invitation_url {
                        println!("  {:<13} admin invitation: {link}", "");
                    }
                }
            }
            serve(platform, listener).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { json: as_json } => {
            init_logging(&config, "warn");
            let platform = open(config).await?;
            let report = migrations::migrate_all(&platform, |done, total, outcome| {
                if as_json {
                    return;
                }
                match &outcome.result {
                    Ok(v) if *v == outcome.from_version => {
                        eprintln!("[{done}/{total}] {}: up to date (v{v})", outcome.subdomain)
                    }
                    Ok(v) => eprintln!(
                        "[{done}/{total}] {}: v{} -> v{v}",
                        outcome.subdomain, outcome.from_version
                    ),
                    Err(e) => eprintln!("[{done}/{total}] {}: FAILED: {e}", outcome.subdomain),
                }
            })
            .await?;
            let failures = report.failures();
            if as_json {
                json(&report)?;
            } else {
                println!(
                    "control plane at v{}; {} client database(s) at v{}, {failures} failed",
                    report.control_version,
                    report.tenants.len() - failures,
                    report.latest_tenant_version
                );
            }
            Ok(if failures == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Client { command } => {
            init_logging(&config, "warn");
            client(command, config).await
        }
        Command::Apikey { command } => {
            init_logging(&config, "warn");
            let platform = open(config).await?;
            match command {
                ApikeyCommand::Create {
                    tenant,
                    user,
                    role,
                    label,
                } => {
                    let key =
                        accounts::create_api_key(&platform, &tenant, &user, &role, &label).await?;
                    eprintln!(
                        "API key {} for {user} in {tenant} as {role}; the secret is shown only now:",
                        key.key_id
                    );
                    println!("{}", key.credential());
                }
                ApikeyCommand::List {
                    tenant,
                    user,
                    json: as_json,
                } => {
                    let keys = accounts::list_api_keys(&platform, &tenant, &user).await?;
                    if as_json {
                        json(&keys)?;
                    } else {
                        let rows: Vec<Vec<String>> = keys
                            .iter()
                            .map(|k| {
                                vec![
                                    k.key.clone(),
                                    k.role.to_owned(),
                                    k.label.clone(),
                                    k.last_used_at.map_or("never".into(), |t| t.to_string()),
                                    if k.revoked { "revoked" } else { "active" }.to_owned(),
                                ]
                            })
                            .collect();
                        print!(
                            "{}",
                            table(
                                &["KEY", "ROLE", "LABEL", "LAST USED (unix)", "STATUS"],
                                &rows
                            )
                        );
                    }
                }
                ApikeyCommand::Revoke { user, key } => {
                    accounts::revoke_api_key(&platform, &user, &key).await?;
                    println!("revoked API key {key}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command } => {
            init_logging(&config, "warn");
            let platform = open(config).await?;
            match command {
                UserCommand::Staff { email, role } => {
                    let role = tenantry_domain::PlatformRole::parse(&role)
                        .map_err(tenantry_platform::PlatformError::from)?;
                    match accounts::add_staff(&platform, &email, role, &cli_actor()).await? {
                        Some(link) => {
                            println!("{email} is {}; password link: {link}", role.as_str())
                        }
                        None => println!("{email} is {}", role.as_str()),
                    }
                }
                UserCommand::ResetPassword { email } => {
                    let link = accounts::reset_password(&platform, &email, &cli_actor()).await?;
                    println!("{link}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            init_logging(&config, "warn");
            let platform = open(config).await?;
            let kid = platform.identity().tokens().rotate().await?;
            println!("signing key {kid} is now in use; earlier keys stay published until their tokens expire");
            Ok(ExitCode::SUCCESS)
        }
        Command::Server { command } => {
            init_logging(&config, "warn");
            let platform = open(config).await?;
            match command {
                ServerCommand::Add { url, name } => {
                    let server =
                        servers::add(&platform, &url, name.as_deref(), &cli_actor()).await?;
                    println!(
                        "registered database server {} ({}) as {}",
                        server.name, server.url_display, server.id
                    );
                }
                ServerCommand::List { json: as_json } => {
                    let list = servers::list(&platform).await?;
                    if as_json {
                        json(&list)?;
                    } else {
                        let rows: Vec<Vec<String>> = list
                            .iter()
                            .map(|s| {
                                vec![
                                    s.name.clone(),
                                    s.url_display.clone(),
                                    s.status.clone(),
                                    s.tenant_count.to_string(),
                                    s.id.clone(),
                                ]
                            })
                            .collect();
                        println!(
                            "{}",
                            table(&["NAME", "URL", "STATUS", "CLIENTS", "ID"], &rows)
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            init_logging(&config, "warn");
            let platform = open(config).await?;
            match platform.control().verify_audit_chain().await? {
                Ok(n) => {
                    println!("audit log intact: {n} entries, hash chain verified");
                    Ok(ExitCode::SUCCESS)
                }
                Err(seq) => {
                    println!("audit log BROKEN at entry {seq}: it does not match its hash or its predecessor");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Bench {
            command: BenchCommand::Provision(args),
        } => {
            init_logging(&config, "warn");
            crate::bench::provision(args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command: BenchCommand::Books(args),
        } => {
            init_logging(&config, "warn");
            crate::bench_books::books(args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command: BenchCommand::Auth(args),
        } => {
            init_logging(&config, "warn");
            crate::bench_auth::auth(args).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn client(command: ClientCommand, config: Config) -> anyhow::Result<ExitCode> {
    let actor = cli_actor();
    match command {
        ClientCommand::Provision {
            name,
            subdomain,
            admin_email,
            plan,
            domains,
            json: as_json,
        } => {
            // Validate before touching any database, so bad input changes nothing at all.
            let req = ProvisionRequest::parse(&name, &subdomain, &admin_email, &plan, &domains)?;
            let started = Instant::now();
            let platform = open(config).await?;
            let done = provision(&platform, &req, &actor).await?;
            let elapsed = started.elapsed();
            if as_json {
                json(&done)?;
            } else if done.steps.is_empty() {
                println!("{} is already provisioned: {}", done.subdomain, done.url);
            } else {
                let how = if done.resumed {
                    "resumed and provisioned"
                } else {
                    "provisioned"
                };
                println!("{how} {} in {} ms", done.subdomain, elapsed.as_millis());
                println!("  id          {}", done.tenant_id);
                println!("  url         {}", done.url);
                if let Some(link) = &done.invitation_url {
                    println!("  invitation  {link}");
                }
            }
        }
        ClientCommand::List { json: as_json } => {
            let platform = open(config).await?;
            let list = clients::list(&platform).await?;
            if as_json {
                json(&list)?;
            } else if list.is_empty() {
                println!("no clients yet: add one with `tenantry client provision`");
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|c| {
                        vec![
                            c.subdomain.clone(),
                            c.name.clone(),
                            c.status.to_string(),
                            c.plan.clone(),
                            c.users.to_string(),
                            c.db_server.clone().unwrap_or_else(|| "sqlite".into()),
                            c.domains.join(","),
                            c.created_at.date().to_string(),
                        ]
                    })
                    .collect();
                println!(
                    "{}",
                    table(
                        &[
                            "SUBDOMAIN",
                            "NAME",
                            "STATUS",
                            "PLAN",
                            "USERS",
                            "DATABASE",
                            "DOMAINS",
                            "CREATED"
                        ],
                        &rows
                    )
                );
            }
        }
        ClientCommand::Show {
            client,
            json: as_json,
        } => {
            let platform = open(config).await?;
            let d = clients::show(&platform, &client).await?;
            if as_json {
                json(&d)?;
            } else {
                println!("{} ({})", d.name, d.subdomain);
                println!("  id          {}", d.id);
                println!(
                    "  status      {}{}",
                    d.status,
                    if d.status == tenantry_domain::TenantStatus::Provisioning {
                        format!(
                            " (last step done: {}; rerun the provision command to finish)",
                            d.provision_step
                        )
                    } else {
                        String::new()
                    }
                );
                println!("  url         {}", d.url);
                if !d.domains.is_empty() {
                    println!("  domains     {}", d.domains.join(", "));
                }
                println!(
                    "  plan        {}",
                    d.plan
                        .as_ref()
                        .map(|p| p.name.as_str())
                        .unwrap_or("(unknown)")
                );
                println!("  admin       {}", d.admin_email);
                println!("  users       {}", d.users);
                println!(
                    "  database    {} (schema v{})",
                    d.database, d.schema_version
                );
                println!("  created     {}", rfc3339(d.created_at));
                for a in &d.recent_activity {
                    println!("  activity    {}  {}", rfc3339(a.created_at), a.message);
                }
            }
        }
        ClientCommand::Suspend { client } => {
            let platform = open(config).await?;
            let t = clients::suspend(&platform, &client, &actor).await?;
            println!(
                "{} is suspended: readable, every write refused",
                t.subdomain
            );
        }
        ClientCommand::Resume { client } => {
            let platform = open(config).await?;
            let t = clients::resume(&platform, &client, &actor).await?;
            println!("{} is active again", t.subdomain);
        }
        ClientCommand::Drop { client, yes } => {
            let platform = open(config).await?;
            let t = clients::find(&platform, &client).await?;
            if !yes {
                confirm_drop(t.subdomain.as_str(), t.name.as_str())?;
            }
            clients::drop_client(&platform, &client, &actor).await?;
            println!(
                "dropped {} ({}): database and files removed, audit record kept",
                t.subdomain, t.name
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn confirm_drop(subdomain: &str, name: &str) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("refusing to drop {subdomain} without confirmation: pass --yes");
    }
    eprint!("This deletes {name} ({subdomain}) and all its data. Type the subdomain to confirm: ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("reading confirmation")?;
    if answer.trim() != subdomain {
        anyhow::bail!("not confirmed; nothing was dropped");
    }
    Ok(())
}

async fn serve(platform: Platform, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let addr = platform.config().listen;
    tracing::info!(%addr, base_domain = %platform.config().base_domain, "listening");
    println!("listening on http://{addr}");
    tenantry_web::serve(listener, platform.clone(), shutdown_signal())
        .await
        .context("server error")?;
    platform.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C; the server then stops accepting and lets in-flight requests
/// finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
