//! The pages of fiscal years: all of them in one list, and a form for a new one. A fiscal year
//! is never changed.

use axum::response::Response;
use tenantry_store::books::{Filter, FiscalYear};

use super::declaration::{FormParts, KindPage, Listed};
use super::form_data::{parse_date, FormData};
use super::frame::fail;
use super::views::{Cell, Field, Row};
use crate::books::caller::{today, BooksCaller};
use crate::books::kinds::fiscal_years::{FiscalYearBody, FiscalYears};

impl KindPage for FiscalYears {
    const SECTION: &'static str = "accounts";
    const PLURAL: &'static str = "Fiscal years";
    const INTRO: &'static str = "Documents can be dated only inside a fiscal year.";
    const VIEW: bool = false;

    fn key(y: &FiscalYear) -> String {
        y.name.clone()
    }

    async fn filters(
        _c: &BooksCaller,
        _q: &FormData,
        _filters: &mut Vec<Filter>,
        _errors: &mut Vec<String>,
    ) -> Result<Vec<Field>, Response> {
        Ok(Vec::new())
    }

    fn columns(_c: &BooksCaller) -> (&'static [&'static str], &'static [usize]) {
        (&["Name", "Starts", "Ends", ""], &[])
    }

    /// Every year: a business has a few.
    async fn rows(
        c: &BooksCaller,
        _q: &FormData,
        _filters: Vec<Filter>,
    ) -> Result<Listed, Response> {
        let years = c.books.fiscal_years().await.map_err(fail)?;
        let today = today();
        let rows = years
            .iter()
            .map(|y| {
                Row::from(vec![
                    Cell::text(&y.name),
                    Cell::text(y.start_date.to_string()),
                    Cell::text(y.end_date.to_string()),
                    Cell::text(if y.start_date <= today && today <= y.end_date {
                        "Current"
                    } else {
                        ""
                    }),
                ])
            })
            .collect();
        Ok(Listed { rows, more: None })
    }

    fn empty() -> String {
        "No fiscal years yet.".into()
    }

    async fn blank(_c: &BooksCaller, _q: &FormData) -> Result<FormData, Response> {
        Ok(FormData::default())
    }

    async fn form(
        _c: &BooksCaller,
        _existing: Option<&str>,
        v: &FormData,
    ) -> Result<FormParts, Response> {
        Ok(FormParts::fields(vec![
            Field::text("name", "Name", v.get("name")).required(),
            Field::new("date", "start_date", "Starts", v.get("start_date")).required(),
            Field::new("date", "end_date", "Ends", v.get("end_date")).required(),
        ]))
    }

    fn body(f: &FormData) -> Result<FiscalYearBody, String> {
        Ok(FiscalYearBody {
            name: f.get("name").into(),
            start_date: parse_date("Starts", f.get("start_date"))?
                .ok_or("Starts: a date is required")?,
            end_date: parse_date("Ends", f.get("end_date"))?.ok_or("Ends: a date is required")?,
        })
    }
}
