//! What a new client's books start with: a chart from a template, the current and next fiscal
//! years, a warehouse and item groups. Idempotent: each part is written only if absent, so that
//! an upgrade can run it over books that already exist.

use tenantry_domain::books::ChartTemplate;
use tenantry_store::books::ListQuery;
use tenantry_store::TenantDb;
use time::{Date, Month};

use crate::error::Result;

pub async fn seed_books(db: &TenantDb, chart: ChartTemplate, today: Date) -> Result<()> {
    db.seed_chart(chart).await?;
    if db.fiscal_years().await?.is_empty() {
        let start_month = db.book_settings().await?.fiscal_year_start_month;
        let first = fiscal_year_of(today, start_month);
        let next = fiscal_year_of(first.1.next_day().unwrap_or(first.1), start_month);
        for (start, end) in [first, next] {
            db.insert_fiscal_year(&fiscal_year_name(start, end), start, end)
                .await?;
        }
    }
    let any = ListQuery {
        limit: 1,
        ..ListQuery::default()
    };
    if db.list_warehouses(&any).await?.is_empty() {
        db.insert_warehouse("Stores").await?;
    }
    if db.item_groups().await?.is_empty() {
        db.insert_item_group("Products", None).await?;
        db.insert_item_group("Services", None).await?;
    }
    Ok(())
}

/// The fiscal year (first and last day) that holds `day`, for years starting on the first of
/// `start_month`.
pub fn fiscal_year_of(day: Date, start_month: i64) -> (Date, Date) {
    let month = Month::try_from(start_month.clamp(1, 12) as u8).unwrap_or(Month::January);
    let year = if (day.month() as u8) >= (month as u8) {
        day.year()
    } else {
        day.year() - 1
    };
    let start = Date::from_calendar_date(year, month, 1).unwrap_or(day);
    let next_start = Date::from_calendar_date(year + 1, month, 1).unwrap_or(day);
    (start, next_start.previous_day().unwrap_or(next_start))
}

/// `2026` for a calendar year, `2026-27` for one that straddles two.
pub fn fiscal_year_name(start: Date, end: Date) -> String {
    if start.year() == end.year() {
        start.year().to_string()
    } else {
        format!("{}-{:02}", start.year(), end.year().rem_euclid(100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn fiscal_years_follow_the_start_month() {
        assert_eq!(
            fiscal_year_of(date!(2026 - 11 - 24), 4),
            (date!(2026 - 04 - 01), date!(2027 - 03 - 31))
        );
        assert_eq!(
            fiscal_year_of(date!(2026 - 02 - 01), 4),
            (date!(2025 - 04 - 01), date!(2026 - 03 - 31))
        );
        assert_eq!(
            fiscal_year_of(date!(2026 - 02 - 01), 1),
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31))
        );
        assert_eq!(
            fiscal_year_name(date!(2026 - 04 - 01), date!(2027 - 03 - 31)),
            "2026-27"
        );
        assert_eq!(
            fiscal_year_name(date!(2026 - 01 - 01), date!(2026 - 12 - 31)),
            "2026"
        );
    }
}
