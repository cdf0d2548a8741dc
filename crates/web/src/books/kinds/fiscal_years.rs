//! Fiscal years: made once, never changed.

use serde::Deserialize;
use tenantry_domain::Permission;
use tenantry_erp::masters::FiscalYearInput;
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::{FiscalYear, ListQuery};
use time::Date;
use utoipa::ToSchema;

use super::declaration::{Kind, KindInfo, Written};
use crate::books::caller::BooksCaller;

pub struct FiscalYears;

impl Kind for FiscalYears {
    const INFO: KindInfo = KindInfo {
        path: "fiscal-years",
        key: "name",
        doctype: "Fiscal Year",
        singular: "fiscal year",
        write: Permission::ErpConfigure,
    };
    type Body = FiscalYearBody;
    type Doc = FiscalYear;
    type Row = FiscalYear;

    async fn list(books: &Books, query: &ListQuery) -> Result<Vec<FiscalYear>, ErpError> {
        books.list_fiscal_years(query).await
    }

    async fn read(books: &Books, name: &str) -> Result<FiscalYear, ErpError> {
        books.fiscal_year(name).await
    }

    async fn create(c: &BooksCaller, b: FiscalYearBody) -> Result<FiscalYear, ErpError> {
        let input = FiscalYearInput {
            name: b.name,
            start_date: b.start_date,
            end_date: b.end_date,
        };
        c.books.create_fiscal_year(&input).await
    }
}

impl Written for FiscalYearBody {}

/// A fiscal year (at most 18 months, overlapping no other).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FiscalYearBody {
    pub(crate) name: String,
    pub(crate) start_date: Date,
    pub(crate) end_date: Date,
}
