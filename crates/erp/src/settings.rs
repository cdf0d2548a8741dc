//! The books' settings and the accounts postings default to.

use serde::Deserialize;
use tenantry_domain::books::ids::AccountId;
use tenantry_domain::books::{AccountType, VatRounding};
use tenantry_store::books::BookSettings;
use time::Date;

use crate::error::{invalid, Result};
use crate::{clean_text, Books};

/// The ledger account of each type that postings use when a document names none.
#[derive(Debug, Clone, Copy)]
pub struct DefaultAccounts {
    pub receivable: AccountId,
    pub payable: AccountId,
    pub bank: AccountId,
    pub tax_output: AccountId,
    pub tax_input: AccountId,
    pub stock: AccountId,
    pub cost_of_goods_sold: AccountId,
    pub stock_adjustment: AccountId,
    pub income: AccountId,
    pub expense: AccountId,
}

/// What an admin may change in the books' settings.
#[derive(Debug, Clone, Deserialize)]
pub struct SettingsInput {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub tax_id: String,
    pub vat_rounding: VatRounding,
    #[serde(default)]
    pub allow_negative_stock: bool,
}

impl Books {
    pub async fn settings(&self) -> Result<BookSettings> {
        Ok(self.db.books_snapshot().await?.settings.clone())
    }

    pub async fn update_settings(&self, input: &SettingsInput) -> Result<BookSettings> {
        let address = clean_text("address", &input.address, 500, false)?;
        let tax_id = clean_text("tax_id", &input.tax_id, 40, false)?;
        self.db
            .update_book_settings(
                &address,
                &tax_id,
                input.vat_rounding,
                input.allow_negative_stock,
            )
            .await?;
        self.settings().await
    }

    /// For each type postings need, the enabled ledger account of that type with the lowest
    /// number.
    pub async fn default_accounts(&self) -> Result<DefaultAccounts> {
        let snapshot = self.db.books_snapshot().await?;
        let accounts = &snapshot.accounts;
        let pick = |t: AccountType| -> Result<AccountId> {
            accounts
                .iter()
                .filter(|a| a.account_type == t && !a.is_group && !a.disabled)
                .map(|a| AccountId(a.id))
                .next()
                .ok_or_else(|| {
                    invalid(format!(
                        "the chart of accounts has no enabled {} account",
                        t.as_str().replace('_', " ")
                    ))
                })
        };
        Ok(DefaultAccounts {
            receivable: pick(AccountType::Receivable)?,
            payable: pick(AccountType::Payable)?,
            bank: pick(AccountType::Bank)?,
            tax_output: pick(AccountType::TaxOutput)?,
            tax_input: pick(AccountType::TaxInput)?,
            stock: pick(AccountType::Stock)?,
            cost_of_goods_sold: pick(AccountType::CostOfGoodsSold)?,
            stock_adjustment: pick(AccountType::StockAdjustment)?,
            income: pick(AccountType::Income)?,
            expense: pick(AccountType::Expense)?,
        })
    }

    /// Refuses a posting date outside every fiscal year.
    pub async fn check_posting_date(&self, date: Date) -> Result<()> {
        let snapshot = self.db.books_snapshot().await?;
        let within =
            |y: &&tenantry_store::books::FiscalYear| y.start_date <= date && date <= y.end_date;
        if !snapshot.fiscal_years.iter().any(|y| within(&y)) {
            return Err(invalid(format!(
                "posting date {date} is not in any fiscal year; add the fiscal year first"
            )));
        }
        Ok(())
    }
}
