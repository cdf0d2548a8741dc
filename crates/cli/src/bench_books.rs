//! `tenantry bench books`: invoices submitted per second (three lines with VAT, one of them a
//! stocked item) on one client and spread over several, on each backend; then the reports timed
//! over a client whose ledger holds a million entries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tenantry_domain::books::{Amount, ChartTemplate, InvoiceKind, Quantity, VatCategory};
use tenantry_erp::invoices::{InvoiceInput, LineInput};
use tenantry_erp::masters::{ItemInput, PartyInput};
use tenantry_erp::reports::Period;
use tenantry_erp::stock::{StockEntryInput, StockLineInput};
use tenantry_erp::Books;
use tenantry_store::books::{LedgerQuery, PartyKind};
use tenantry_store::db::{
    create_postgres_database, drop_postgres_databases_with_prefix, postgres_options, with_database,
};
use tenantry_store::secrets::random_hex;
use tenantry_store::{migrate, Db, SqliteDurability, TenantDb};
use time::Date;
use tokio::sync::Mutex;

use crate::bench::{mem_total, percentile};

#[derive(clap::Args)]
pub struct BooksArgs {
    /// Invoices to submit in each throughput run.
    #[arg(long, default_value_t = 20_000)]
    invoices: usize,
    /// Invoices submitted at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Clients the second run spreads its invoices over.
    #[arg(long, default_value_t = 10)]
    tenants: usize,
    /// Ledger entries to build up before timing the reports (0 skips the reports).
    #[arg(long, default_value_t = 1_000_000)]
    ledger_entries: i64,
    /// A PostgreSQL server to benchmark on too (its user needs CREATEDB); the databases made
    /// there are dropped afterwards.
    #[arg(long, env = "TENANTRY_BENCH_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// Skip the SQLite run.
    #[arg(long)]
    skip_sqlite: bool,
}

pub async fn books(args: BooksArgs) -> anyhow::Result<()> {
    if args.invoices == 0 || args.concurrency == 0 || args.tenants == 0 {
        anyhow::bail!("--invoices, --concurrency and --tenants must be at least 1");
    }
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        mem_total().unwrap_or_else(|| "unknown memory".into())
    );
    println!(
        "each invoice: 3 lines (a stocked item at 20% VAT, a service at 20%, a zero-rated service), created and submitted in one transaction, dated over the fiscal year so far"
    );
    if !args.skip_sqlite {
        let dir = tempfile::tempdir()?;
        let mut n = 0;
        let open = move || {
            n += 1;
            let path = dir.path().join(format!("bench-{n}.sqlite"));
            async move {
                Ok::<_, anyhow::Error>(
                    Db::open_sqlite(&path, true, SqliteDurability::Normal, 8).await?,
                )
            }
        };
        run("SQLite (WAL, synchronous=NORMAL)", &args, open).await?;
    }
    if let Some(url) = &args.postgres_url {
        let prefix = format!("tenantry_bench_books_{}_", random_hex(4));
        let mut n = 0;
        let admin = url.clone();
        let p = prefix.clone();
        let open = move || {
            n += 1;
            let name = format!("{p}{n}");
            let admin = admin.clone();
            async move {
                create_postgres_database(&admin, &name).await?;
                let url = with_database(&admin, &name)?;
                Ok::<_, anyhow::Error>(Db::open_postgres(postgres_options(&url)?, 16).await?)
            }
        };
        let result = run("PostgreSQL", &args, open).await;
        drop_postgres_databases_with_prefix(url, &prefix).await?;
        result?;
    }
    Ok(())
}

async fn run<F, Fut>(label: &str, args: &BooksArgs, mut open: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Db>>,
{
    println!("\n== {label}");
    let today = time::OffsetDateTime::now_utc().date();
    let mut books = Vec::with_capacity(args.tenants);
    for _ in 0..args.tenants {
        let db = open().await?;
        books.push(prepare(db, today).await?);
    }
    let one = throughput(&books[..1], args, today).await?;
    println!("one client:   {one}");
    let spread = throughput(&books, args, today).await?;
    println!("{} clients:   {spread}", args.tenants);
    if args.ledger_entries > 0 {
        reports(&books[0], args, today).await?;
    }
    for b in books {
        b.db().close().await;
    }
    Ok(())
}

/// A client's books with a customer, a stocked item (stock enough for any run), and services.
async fn prepare(db: Db, today: Date) -> anyhow::Result<Books> {
    migrate::run(&db, migrate::TENANT).await?;
    let tenant = TenantDb::new(db);
    tenant
        .seed_company("Bench Trading Ltd", "GBP", "GB", 4)
        .await?;
    tenantry_erp::seed::seed_books(&tenant, ChartTemplate::UkSmallBusiness, today).await?;
    let books = Books::new(tenant);
    books
        .create_party(
            PartyKind::Customer,
            &PartyInput {
                name: "Bench Customer".into(),
                ..PartyInput::default()
            },
        )
        .await?;
    for (code, stocked, vat, price) in [
        ("WIDGET", true, VatCategory::Standard, "12.00"),
        ("SERVICE", false, VatCategory::Standard, "45.00"),
        ("BOOK", false, VatCategory::Zero, "9.99"),
    ] {
        books
            .create_item(&ItemInput {
                item_code: code.into(),
                item_name: code.into(),
                item_group: None,
                unit: String::new(),
                is_stock: stocked,
                selling_price: Amount::parse(price)?,
                buying_price: Amount::parse("7.00")?,
                vat_category: Some(vat),
                barcodes: vec![],
                disabled: false,
            })
            .await?;
    }
    books
        .create_stock_entry(
            &StockEntryInput {
                purpose: "Material Receipt".into(),
                posting_date: None,
                remarks: "opening stock".into(),
                items: vec![StockLineInput {
                    item_code: "WIDGET".into(),
                    qty: Quantity::units(100_000_000),
                    s_warehouse: None,
                    t_warehouse: Some("Stores".into()),
                    basic_rate: Some(Amount::parse("7.00")?),
                }],
            },
            "bench",
            true,
            today,
        )
        .await?;
    Ok(books)
}

/// The `n`th invoice, dated on one of the fiscal year's days up to today, so that the ledger
/// spreads over the year as a real one does.
fn invoice(n: usize, first_day: Date, today: Date) -> InvoiceInput {
    let days = (today - first_day).whole_days().max(0) + 1;
    let line = |code: &str, qty: i64| LineInput {
        item_code: code.into(),
        qty: Quantity::units(qty),
        rate: None,
        description: String::new(),
        warehouse: None,
        vat_category: None,
    };
    InvoiceInput {
        party: "Bench Customer".into(),
        posting_date: Some(first_day + time::Duration::days(n as i64 % days)),
        due_date: None,
        is_return: false,
        return_against: None,
        remarks: String::new(),
        items: vec![
            line("WIDGET", 1 + (n % 3) as i64),
            line("SERVICE", 1),
            line("BOOK", 2),
        ],
    }
}

struct Throughput {
    count: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl std::fmt::Display for Throughput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} invoices in {:.2} s = {:.0} invoices/s; latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
            self.count,
            self.elapsed.as_secs_f64(),
            self.count as f64 / self.elapsed.as_secs_f64(),
            ms(percentile(&self.latencies, 50)),
            ms(percentile(&self.latencies, 95)),
            ms(percentile(&self.latencies, 99)),
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Submits `args.invoices` invoices with `args.concurrency` workers, the workers spread over
/// the given clients.
async fn throughput(books: &[Books], args: &BooksArgs, today: Date) -> anyhow::Result<Throughput> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(args.invoices)));
    let first_day = books[0]
        .fiscal_years()
        .await?
        .into_iter()
        .find(|y| y.start_date <= today && today <= y.end_date)
        .context("no fiscal year holds today")?
        .start_date;
    let started = Instant::now();
    let mut workers = Vec::with_capacity(args.concurrency);
    for w in 0..args.concurrency {
        let b = books[w % books.len()].clone();
        let next = next.clone();
        let latencies = latencies.clone();
        let total = args.invoices;
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let t = Instant::now();
                b.create_invoice(
                    InvoiceKind::Sales,
                    &invoice(n, first_day, today),
                    "bench",
                    true,
                    today,
                )
                .await
                .with_context(|| format!("invoice {n}"))?;
                mine.push(t.elapsed());
            }
            latencies.lock().await.extend(mine);
            Ok::<_, anyhow::Error>(())
        }));
    }
    for w in workers {
        w.await??;
    }
    let elapsed = started.elapsed();
    let mut latencies = std::mem::take(&mut *latencies.lock().await);
    latencies.sort();
    Ok(Throughput {
        count: args.invoices,
        elapsed,
        latencies,
    })
}

/// Builds the first client's ledger up to `args.ledger_entries` entries, then times each
/// report (the median of several runs).
async fn reports(books: &Books, args: &BooksArgs, today: Date) -> anyhow::Result<()> {
    let mut size = books.db().ledger_size().await?;
    let started = Instant::now();
    let target = args.ledger_entries;
    while size < target {
        let per_invoice = 5;
        let missing = ((target - size) / per_invoice + 1) as usize;
        let batch = BooksArgs {
            invoices: missing.min(50_000),
            concurrency: args.concurrency,
            tenants: 1,
            ledger_entries: 0,
            postgres_url: None,
            skip_sqlite: false,
        };
        throughput(std::slice::from_ref(books), &batch, today).await?;
        size = books.db().ledger_size().await?;
    }
    println!(
        "ledger built up to {size} entries in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let fy = books
        .fiscal_years()
        .await?
        .into_iter()
        .find(|y| y.start_date <= today && today <= y.end_date)
        .context("no fiscal year holds today")?;
    let year = Period::new(fy.start_date, fy.end_date)?;
    let month = Period::new(today - time::Duration::days(29), today)?;
    let sales = books.account("Sales").await?;
    macro_rules! time_report {
        ($name:expr, $call:expr) => {{
            let mut runs = Vec::new();
            for _ in 0..15 {
                let t = Instant::now();
                let _ = $call.await?;
                runs.push(t.elapsed());
            }
            runs.sort();
            println!(
                "  {:<44} median {:>8.2} ms  (min {:.2}, max {:.2})",
                $name,
                ms(runs[runs.len() / 2]),
                ms(runs[0]),
                ms(runs[runs.len() - 1])
            );
        }};
    }
    println!("reports over {size} ledger entries:");
    time_report!("trial balance (fiscal year)", books.trial_balance(year));
    time_report!(
        "profit and loss (month, beside a year earlier)",
        books.profit_and_loss(month)
    );
    time_report!(
        "balance sheet (year end, beside a year earlier)",
        books.balance_sheet(year.to)
    );
    time_report!(
        "general ledger (Sales, first 100 lines)",
        books.general_ledger(&LedgerQuery {
            account_id: Some(sales.id),
            limit: 100,
            ..LedgerQuery::default()
        })
    );
    time_report!("sales by day (month)", books.sales_by_day(month));
    time_report!("sales by item (month)", books.sales_by_item(month));
    time_report!("VAT return (month)", books.vat_return(month));
    time_report!("stock balance", books.stock_balances());
    time_report!(
        "receivables ageing (every open invoice)",
        books.ageing(InvoiceKind::Sales, today)
    );
    time_report!(
        "receivables ageing, totals per party",
        books.ageing_summary(InvoiceKind::Sales, today)
    );
    time_report!("dashboard figures", books.dashboard(today));
    Ok(())
}
