//! The `tenantry` binary: the server and every operator command.

mod bench;
mod bench_auth;
mod bench_books;
mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tenantry",
    version,
    about = "A multi-tenant business platform for a firm that hosts its clients"
)]
struct Cli {
    /// Configuration file (TOML). Without it, ./tenantry.toml is read if present.
    #[arg(long, global = true, env = "TENANTRY_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Create the demo operator and clients (idempotent) and enable development mode.
        #[arg(long)]
        demo: bool,
    },
    /// Bring the control plane and every client database to the latest schema.
    Migrate {
        #[arg(long)]
        json: bool,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Provision and manage clients.
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Register the PostgreSQL servers that hold client databases.
    Server {
        #[command(subcommand)]
        command: ServerCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// API keys (`Authorization: token <key>:<secret>`).
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
    /// Operator staff and password resets.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The keys that sign client-scoped tokens.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (secrets redacted); fail on a bad value.
    Check,
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Create a client: its record, database, schema, company data and admin invitation.
    /// Rerunning the same command resumes an interrupted provisioning.
    Provision {
        #[arg(long)]
        name: String,
        #[arg(long)]
        subdomain: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        plan: String,
        /// A custom domain for the client's space (repeatable).
        #[arg(long = "domain")]
        domains: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// List every client.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one client (by subdomain or id).
    Show {
        client: String,
        #[arg(long)]
        json: bool,
    },
    /// Make a client's space read-only.
    Suspend { client: String },
    /// Give a suspended client its writes back.
    Resume { client: String },
    /// Remove a client and its database for good (the audit log keeps a record).
    Drop {
        client: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum ServerCommand {
    /// Register a PostgreSQL server (its user needs CREATEDB and CREATEROLE).
    Add {
        /// postgres://user:password@host:port/database
        #[arg(long, env = "TENANTRY_SERVER_URL", hide_env_values = true)]
        url: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// List registered servers and how many clients each holds.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ApikeyCommand {
    /// Make a key for a member of a client; prints `<key>:<secret>` alone on the last line
    /// (the secret is not shown again).
    Create {
        /// The client (subdomain or id).
        #[arg(long)]
        tenant: String,
        /// The member's email.
        #[arg(long)]
        user: String,
        /// admin, manager, employee or viewer; not above the member's own role.
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List a member's keys in a client.
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key.
    Revoke {
        /// The key's owner.
        #[arg(long)]
        user: String,
        key: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Make someone operator staff (support or superadmin); prints a link to set a password if
    /// they have none.
    Staff {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
    },
    /// End a user's sessions and print a one-time link to set a new password.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new token signing key; the old ones stay published until their tokens expire.
    Rotate,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit log's hash chain and report the first broken link, if any.
    Verify,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Provision N clients on each backend and report latency, throughput, memory, and a sweep
    /// of requests across every client's host.
    Provision(bench::ProvisionArgs),
    /// Time token verification, authenticated reads under load (wrk), and password logins.
    Auth(bench_auth::AuthArgs),
    /// Submit invoices on one client and over several, per backend, and time the reports over
    /// a ledger of a million entries.
    Books(bench_books::BooksArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(output::exit_code(&e))
        }
    }
}
