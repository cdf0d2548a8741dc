//! The reports as pages (a period picker above the figures) and as CSV downloads. Both are drawn
//! from the report's own [`Table`], so the page and the file always agree.

use axum::extract::{Path, Query};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tenantry_domain::books::decimal::parse_scaled;
use tenantry_domain::books::InvoiceKind;
use tenantry_domain::Permission;
use tenantry_erp::reports::{
    sales_by_day_table, sales_by_item_table, stock_balance_table, Period, Table,
};
use tenantry_erp::ErpError;
use tenantry_store::books::{LedgerQuery, PartyKind};
use time::{Date, Duration, Month};

use super::form_data::{parse_date, query_string, seg, FormData};
use super::frame::{fail, refusal, Layout, Page};
use super::listing::{page_of, pager};
use super::views::{Cell, Field, Header, Link, ListPage, Pager, Row, TableView};
use crate::books::caller::{today, BooksCaller};
use crate::books::kinds::by_doctype;
use crate::pages::{error_response, render};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/books/reports/{report}", get(page))
        .route("/books/reports/{report}/csv", get(csv))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Report {
    TrialBalance,
    ProfitAndLoss,
    BalanceSheet,
    GeneralLedger,
    ReceivablesAgeing,
    PayablesAgeing,
    StockBalance,
    SalesByDay,
    SalesByItem,
    VatReturn,
}

impl Report {
    pub const ALL: [Report; 10] = [
        Report::TrialBalance,
        Report::ProfitAndLoss,
        Report::BalanceSheet,
        Report::GeneralLedger,
        Report::ReceivablesAgeing,
        Report::PayablesAgeing,
        Report::StockBalance,
        Report::SalesByDay,
        Report::SalesByItem,
        Report::VatReturn,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Report::TrialBalance => "trial-balance",
            Report::ProfitAndLoss => "profit-and-loss",
            Report::BalanceSheet => "balance-sheet",
            Report::GeneralLedger => "general-ledger",
            Report::ReceivablesAgeing => "receivables-ageing",
            Report::PayablesAgeing => "payables-ageing",
            Report::StockBalance => "stock-balance",
            Report::SalesByDay => "sales-by-day",
            Report::SalesByItem => "sales-by-item",
            Report::VatReturn => "vat-return",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Report::TrialBalance => "Trial balance",
            Report::ProfitAndLoss => "Profit and loss",
            Report::BalanceSheet => "Balance sheet",
            Report::GeneralLedger => "General ledger",
            Report::ReceivablesAgeing => "Receivables ageing",
            Report::PayablesAgeing => "Payables ageing",
            Report::StockBalance => "Stock balance",
            Report::SalesByDay => "Sales by day",
            Report::SalesByItem => "Sales by item",
            Report::VatReturn => "VAT return",
        }
    }

    fn parse(slug: &str) -> Option<Report> {
        Report::ALL.into_iter().find(|r| r.slug() == slug)
    }

    /// Whether the table's last row is a total.
    fn ends_with_total(self) -> bool {
        matches!(
            self,
            Report::TrialBalance
                | Report::ProfitAndLoss
                | Report::BalanceSheet
                | Report::ReceivablesAgeing
                | Report::PayablesAgeing
        )
    }
}

/// The general ledger's lines on one page.
const LEDGER_PAGE: i64 = 100;
/// The most ledger lines one CSV holds.
const LEDGER_CSV_LIMIT: i64 = 10_000;

/// What a report was asked for, read from the query: the period (or the day) and, for the
/// general ledger, the account and the party.
struct Asked {
    period: Period,
    /// The day of a balance sheet or an ageing.
    as_of: Date,
    account: String,
    party: String,
    party_kind: Option<PartyKind>,
    picker: Vec<Field>,
}

fn first_of_quarter(d: Date) -> Date {
    let month = (u8::from(d.month()) - 1) / 3 * 3 + 1;
    Date::from_calendar_date(
        d.year(),
        Month::try_from(month).unwrap_or(Month::January),
        1,
    )
    .unwrap_or(d)
}

async fn asked(c: &BooksCaller, report: Report, q: &FormData) -> Result<Asked, String> {
    let today = today();
    let to = parse_date("To", q.get("to"))?.unwrap_or(today);
    let default_from = match report {
        Report::SalesByDay | Report::SalesByItem => to - Duration::days(29),
        Report::VatReturn => first_of_quarter(to),
        // The fiscal year that holds the period's last day, so far.
        _ => c
            .books
            .fiscal_years()
            .await
            .ok()
            .and_then(|ys| {
                ys.into_iter()
                    .find(|y| y.start_date <= to && to <= y.end_date)
            })
            .map(|y| y.start_date)
            .unwrap_or_else(|| {
                Date::from_calendar_date(to.year(), Month::January, 1).unwrap_or(to)
            }),
    };
    let from = parse_date("From", q.get("from"))?.unwrap_or(default_from);
    let as_of = match report {
        // A balance sheet is at a day; `to` names it too, as the general ledger's links do.
        Report::BalanceSheet => parse_date("At", q.get("at"))?.unwrap_or(to),
        _ => parse_date("As of", q.get("as_of"))?.unwrap_or(today),
    };
    let period = Period::new(from, to).map_err(|e| e.to_string())?;
    let mut picker = Vec::new();
    match report {
        Report::ReceivablesAgeing | Report::PayablesAgeing => {
            picker.push(Field::new("date", "as_of", "As of", &as_of.to_string()));
        }
        Report::BalanceSheet => {
            picker.push(Field::new("date", "at", "At", &as_of.to_string()));
        }
        Report::StockBalance => {}
        _ => {
            picker.push(Field::new("date", "from", "From", &from.to_string()));
            picker.push(Field::new("date", "to", "To", &to.to_string()));
        }
    }
    let account = q.get("account").trim().to_owned();
    let party = q.get("party").trim().to_owned();
    let party_type = q.get("party_type").trim();
    let party_kind = match party_type {
        "" => None,
        "customer" => Some(PartyKind::Customer),
        "supplier" => Some(PartyKind::Supplier),
        _ => return Err("Party type must be customer or supplier.".into()),
    };
    if report == Report::GeneralLedger {
        picker.insert(
            0,
            Field::select(
                "party_type",
                "Party type",
                party_type,
                vec![
                    (String::new(), "Customer or supplier".to_owned()),
                    ("customer".to_owned(), "Customer".to_owned()),
                    ("supplier".to_owned(), "Supplier".to_owned()),
                ],
            ),
        );
        picker.insert(0, Field::new("text", "party", "Party", &party));
        let accounts = c.books.accounts().await.map_err(|e| e.to_string())?;
        let mut o = vec![(String::new(), "All accounts".to_owned())];
        o.extend(
            accounts
                .iter()
                .filter(|a| !a.is_group)
                .map(|a| (a.number.clone(), format!("{} {}", a.number, a.name))),
        );
        picker.insert(0, Field::select("account", "Account", &account, o));
    }
    Ok(Asked {
        period,
        as_of,
        account,
        party,
        party_kind,
        picker,
    })
}

/// A report's figures, with where each leads.
struct Ran {
    table: Table,
    /// Per row of the table, the cells that link (column, page): a figure to the ledger lines
    /// behind it, a ledger line to its document.
    links: Vec<Vec<(usize, String)>>,
    /// Whether the general ledger has a further page.
    more: bool,
}

impl Ran {
    fn plain(table: Table) -> Ran {
        Ran {
            table,
            links: Vec::new(),
            more: false,
        }
    }
}

/// The general ledger's page for an account (by number) or a party, over a span.
fn ledger_href(filter: &[(&str, &str)], (from, to): (Option<Date>, Date)) -> String {
    let mut q: Vec<(String, String)> = filter
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if let Some(from) = from {
        q.push(("from".into(), from.to_string()));
    }
    q.push(("to".into(), to.to_string()));
    format!("/books/reports/general-ledger{}", query_string(&q))
}

/// The page of the document a ledger line was posted by.
fn voucher_href(voucher_type: &str, voucher_no: &str) -> Option<String> {
    by_doctype(voucher_type).map(|k| format!("/books/{}/{}", k.info.path, seg(voucher_no)))
}

fn party_type(kind: Option<&str>) -> &'static str {
    match kind {
        Some("supplier") => "supplier",
        _ => "customer",
    }
}

/// Runs a report.
async fn run(
    c: &BooksCaller,
    report: Report,
    a: &Asked,
    ledger_page: Option<i64>,
) -> Result<Ran, ErpError> {
    let p = a.period;
    Ok(match report {
        Report::TrialBalance => {
            let tb = c.books.trial_balance(p).await?;
            let before = (None, p.from - Duration::days(1));
            let during = (Some(p.from), p.to);
            let links = tb
                .rows
                .iter()
                .map(|r| {
                    if r.is_group {
                        return Vec::new();
                    }
                    let account = [("account", r.number.as_str())];
                    let during = ledger_href(&account, during);
                    vec![
                        (1, during.clone()),
                        (2, ledger_href(&account, before)),
                        (3, during.clone()),
                        (4, during.clone()),
                        (5, during),
                    ]
                })
                .collect();
            Ran {
                table: tb.table(),
                links,
                more: false,
            }
        }
        Report::ProfitAndLoss | Report::BalanceSheet => {
            let s = if report == Report::ProfitAndLoss {
                c.books.profit_and_loss(p).await?
            } else {
                c.books.balance_sheet(a.as_of).await?
            };
            let links = s
                .lines
                .iter()
                .map(|l| {
                    if l.is_group || l.number.is_empty() {
                        return Vec::new();
                    }
                    let account = [("account", l.number.as_str())];
                    let current = ledger_href(&account, s.current.ledger_range());
                    vec![
                        (2, current.clone()),
                        (3, current),
                        (4, ledger_href(&account, s.comparison.ledger_range())),
                    ]
                })
                .collect();
            Ran {
                table: s.table(),
                links,
                more: false,
            }
        }
        Report::GeneralLedger => {
            let account_id = if a.account.is_empty() {
                None
            } else {
                Some(c.books.account(&a.account).await?.id)
            };
            let party_id = if a.party.is_empty() {
                None
            } else {
                Some(c.books.party_named(a.party_kind, &a.party).await?.id)
            };
            let (limit, offset) = match ledger_page {
                Some(n) => (LEDGER_PAGE, (n - 1) * LEDGER_PAGE),
                None => (LEDGER_CSV_LIMIT, 0),
            };
            let gl = c
                .books
                .general_ledger(&LedgerQuery {
                    account_id,
                    party_id,
                    from: Some(p.from),
                    to: Some(p.to),
                    limit,
                    offset,
                    ..LedgerQuery::default()
                })
                .await?;
            let more = gl.total_lines > offset + gl.rows.len() as i64;
            let mut links: Vec<Vec<(usize, String)>> = Vec::new();
            if gl.running_balance {
                links.push(Vec::new());
            }
            for r in &gl.rows {
                let mut row = Vec::new();
                if let Some(party) = &r.line.party_name {
                    let kind = party_type(r.line.party_kind.as_deref());
                    row.push((
                        2,
                        ledger_href(
                            &[("party", party), ("party_type", kind)],
                            (Some(p.from), p.to),
                        ),
                    ));
                }
                if let Some(href) = voucher_href(&r.line.voucher_type, &r.line.voucher_no) {
                    row.push((4, href));
                }
                links.push(row);
            }
            Ran {
                table: gl.table(),
                links,
                more,
            }
        }
        Report::ReceivablesAgeing | Report::PayablesAgeing => {
            let (kind, party_kind) = if report == Report::ReceivablesAgeing {
                (InvoiceKind::Sales, "customer")
            } else {
                (InvoiceKind::Purchase, "supplier")
            };
            let ageing = c.books.ageing_summary(kind, a.as_of).await?;
            let links = ageing
                .parties
                .iter()
                .map(|party| {
                    let href = ledger_href(
                        &[("party", &party.party), ("party_type", party_kind)],
                        (None, a.as_of),
                    );
                    vec![(0, href)]
                })
                .collect();
            Ran {
                table: ageing.table(),
                links,
                more: false,
            }
        }
        Report::StockBalance => Ran::plain(stock_balance_table(&c.books.stock_balances().await?)),
        Report::SalesByDay => Ran::plain(sales_by_day_table(p, &c.books.sales_by_day(p).await?)),
        Report::SalesByItem => Ran::plain(sales_by_item_table(p, &c.books.sales_by_item(p).await?)),
        Report::VatReturn => Ran::plain(c.books.vat_return(p).await?.table()),
    })
}

/// A cell that holds a figure (an amount, a quantity or a count), to be right-aligned.
fn is_figure(cell: &str) -> bool {
    let t = cell.trim();
    !t.is_empty() && parse_scaled(t, 3, "figure").is_ok()
}

/// A report's table as the page shows it: figures right-aligned, the tree's indentation (two
/// spaces a level in the table's text) as classes, a last total row in bold, and the cells
/// that lead somewhere as links (an empty cell never: a link needs words).
fn view_of(report: Report, t: &Table, links: &[Vec<(usize, String)>]) -> TableView {
    let numeric: Vec<bool> = (0..t.headers.len())
        .map(|i| {
            let header = t.headers[i].as_str();
            header != "Number"
                && header != "Box"
                && t.rows
                    .iter()
                    .any(|r| r.get(i).is_some_and(|c| is_figure(c)))
                && t.rows
                    .iter()
                    .all(|r| r.get(i).is_none_or(|c| c.trim().is_empty() || is_figure(c)))
        })
        .collect();
    let last = t.rows.len().saturating_sub(1);
    let rows = t
        .rows
        .iter()
        .enumerate()
        .map(|(n, r)| Row {
            cells: r
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let depth = (cell.len() - cell.trim_start_matches("  ").len()) / 2;
                    let mut c = Cell::text(cell.trim());
                    if !c.text.is_empty() {
                        if let Some((_, href)) = links
                            .get(n)
                            .and_then(|row| row.iter().find(|(col, _)| *col == i))
                        {
                            c.href = href.clone();
                        }
                    }
                    if numeric.get(i).copied().unwrap_or(false) {
                        c = c.class("num");
                    }
                    if depth > 0 {
                        c = c.class(&format!("depth-{}", depth.min(6)));
                    }
                    c
                })
                .collect(),
            class: if report.ends_with_total() && n == last {
                "total"
            } else {
                ""
            },
        })
        .collect();
    TableView {
        title: String::new(),
        headers: t
            .headers
            .iter()
            .zip(&numeric)
            .map(|(h, num)| Header {
                label: h.clone(),
                num: *num,
            })
            .collect(),
        rows,
        empty: "Nothing to show for this period.".into(),
    }
}

fn unknown() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no such report.",
    )
}

async fn page(
    c: BooksCaller,
    Path(slug): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Page {
    c.require(Permission::ErpReports)?;
    let Some(report) = Report::parse(&slug) else {
        return Err(unknown());
    };
    let q = FormData(q);
    let l = Layout::load(&c, "reports").await?;
    let base = format!("/books/reports/{}", report.slug());
    let ledger_page = page_of(&q);
    let (status, error, tables, picker, csv, more) = match asked(&c, report, &q).await {
        Err(message) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(message),
            Vec::new(),
            vec![
                Field::new("date", "from", "From", q.get("from")),
                Field::new("date", "to", "To", q.get("to")),
            ],
            String::new(),
            false,
        ),
        Ok(a) => {
            let csv_query: Vec<(String, String)> =
                q.0.iter().filter(|(k, _)| k != "page").cloned().collect();
            let csv = format!("{base}/csv{}", query_string(&csv_query));
            match run(&c, report, &a, Some(ledger_page)).await {
                Ok(ran) => (
                    StatusCode::OK,
                    None,
                    vec![view_of(report, &ran.table, &ran.links).titled(&ran.table.title)],
                    a.picker,
                    csv,
                    ran.more,
                ),
                Err(e) => {
                    let (status, message) = refusal(e)?;
                    (
                        status,
                        Some(message),
                        Vec::new(),
                        a.picker,
                        String::new(),
                        false,
                    )
                }
            }
        }
    };
    let mut actions = Vec::new();
    if !csv.is_empty() {
        actions.push(Link::secondary("Download CSV", csv));
    }
    Ok(render(
        status,
        &ListPage {
            l,
            notice: None,
            title: report.title().into(),
            intro: String::new(),
            actions,
            filters: picker,
            error,
            tables,
            pager: if report == Report::GeneralLedger {
                pager(&base, &q, more)
            } else {
                Pager::default()
            },
        },
    ))
}

async fn csv(
    c: BooksCaller,
    Path(slug): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Page {
    c.require(Permission::ErpReports)?;
    let Some(report) = Report::parse(&slug) else {
        return Err(unknown());
    };
    let q = FormData(q);
    let a = asked(&c, report, &q).await.map_err(|message| {
        error_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This cannot be done",
            &message,
        )
    })?;
    let body = run(&c, report, &a, None)
        .await
        .map_err(fail)?
        .table
        .to_csv()
        .map_err(fail)?;
    let span = match report {
        Report::ReceivablesAgeing | Report::PayablesAgeing | Report::BalanceSheet => {
            a.as_of.to_string()
        }
        Report::StockBalance => today().to_string(),
        _ => format!("{}-to-{}", a.period.from, a.period.to),
    };
    let filename = format!("{}-{span}.csv", report.slug());
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", seg(&filename)))
            .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_told_from_dates_and_words() {
        assert!(is_figure("1234.50"));
        assert!(is_figure("-3.00"));
        assert!(is_figure("12"));
        assert!(is_figure("2.125"));
        assert!(!is_figure("2026-03-01"));
        assert!(!is_figure("Total"));
        assert!(!is_figure(""));
    }

    #[test]
    fn quarters_start_on_their_first_day() {
        use time::macros::date;
        assert_eq!(
            first_of_quarter(date!(2026 - 05 - 17)),
            date!(2026 - 04 - 01)
        );
        assert_eq!(
            first_of_quarter(date!(2026 - 12 - 31)),
            date!(2026 - 10 - 01)
        );
        assert_eq!(
            first_of_quarter(date!(2026 - 01 - 01)),
            date!(2026 - 01 - 01)
        );
    }

    #[test]
    fn the_tree_and_totals_become_classes() {
        let t = Table {
            title: "T".into(),
            headers: vec!["Number".into(), "Account".into(), "Closing".into()],
            rows: vec![
                vec!["1000".into(), "Assets".into(), "10.00".into()],
                vec!["1100".into(), "    Bank".into(), "10.00".into()],
                vec![String::new(), "Total".into(), "0.00".into()],
            ],
        };
        let v = view_of(Report::TrialBalance, &t, &[]);
        assert!(!v.headers[0].num && !v.headers[1].num && v.headers[2].num);
        assert_eq!(v.rows[1].cells[1].text, "Bank");
        assert_eq!(v.rows[1].cells[1].class, "depth-2");
        assert_eq!(v.rows[2].class, "total");
    }
}
