//! The chart of accounts: root types, account types, and the templates a new client's chart is
//! seeded from.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Where an account sits in the accounting equation. Asset and expense accounts carry debit
/// balances; liability, equity and income accounts carry credit balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RootType {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

impl RootType {
    pub const ALL: [RootType; 5] = [
        RootType::Asset,
        RootType::Liability,
        RootType::Equity,
        RootType::Income,
        RootType::Expense,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RootType::Asset => "asset",
            RootType::Liability => "liability",
            RootType::Equity => "equity",
            RootType::Income => "income",
            RootType::Expense => "expense",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                ValidationError::new(
                    "root_type",
                    "must be asset, liability, equity, income or expense",
                )
            })
    }

    /// Frappe's spelling ("Asset", "Liability", …).
    pub fn title(self) -> &'static str {
        match self {
            RootType::Asset => "Asset",
            RootType::Liability => "Liability",
            RootType::Equity => "Equity",
            RootType::Income => "Income",
            RootType::Expense => "Expense",
        }
    }

    /// Whether the account's natural balance is a debit.
    pub fn is_debit_normal(self) -> bool {
        matches!(self, RootType::Asset | RootType::Expense)
    }

    /// Income and expense accounts are closed into profit and loss; the others are carried.
    pub fn is_profit_and_loss(self) -> bool {
        matches!(self, RootType::Income | RootType::Expense)
    }
}

/// What an account is used for: the postings find their accounts by these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    Receivable,
    Payable,
    Bank,
    Cash,
    /// VAT charged on sales (output tax).
    TaxOutput,
    /// VAT paid on purchases (input tax).
    TaxInput,
    Stock,
    CostOfGoodsSold,
    /// Where stock counted in or written off without an invoice is set against.
    StockAdjustment,
    RoundOff,
    /// The default account for sales income.
    Income,
    /// The default account for purchases of services and non-stock items.
    Expense,
    Equity,
    /// Anything else.
    Other,
}

impl AccountType {
    pub const ALL: [AccountType; 14] = [
        AccountType::Receivable,
        AccountType::Payable,
        AccountType::Bank,
        AccountType::Cash,
        AccountType::TaxOutput,
        AccountType::TaxInput,
        AccountType::Stock,
        AccountType::CostOfGoodsSold,
        AccountType::StockAdjustment,
        AccountType::RoundOff,
        AccountType::Income,
        AccountType::Expense,
        AccountType::Equity,
        AccountType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Receivable => "receivable",
            AccountType::Payable => "payable",
            AccountType::Bank => "bank",
            AccountType::Cash => "cash",
            AccountType::TaxOutput => "tax_output",
            AccountType::TaxInput => "tax_input",
            AccountType::Stock => "stock",
            AccountType::CostOfGoodsSold => "cost_of_goods_sold",
            AccountType::StockAdjustment => "stock_adjustment",
            AccountType::RoundOff => "round_off",
            AccountType::Income => "income",
            AccountType::Expense => "expense",
            AccountType::Equity => "equity",
            AccountType::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ValidationError::new("account_type", format!("unknown type {s:?}")))
    }

    /// Frappe's spelling of the type, where Frappe has one.
    pub fn title(self) -> &'static str {
        match self {
            AccountType::Receivable => "Receivable",
            AccountType::Payable => "Payable",
            AccountType::Bank => "Bank",
            AccountType::Cash => "Cash",
            AccountType::TaxOutput | AccountType::TaxInput => "Tax",
            AccountType::Stock => "Stock",
            AccountType::CostOfGoodsSold => "Cost of Goods Sold",
            AccountType::StockAdjustment => "Stock Adjustment",
            AccountType::RoundOff => "Round Off",
            AccountType::Income => "Income Account",
            AccountType::Expense => "Expense Account",
            AccountType::Equity => "Equity",
            AccountType::Other => "",
        }
    }

    /// Accounts of these types carry a party on each entry.
    pub fn needs_party(self) -> bool {
        matches!(self, AccountType::Receivable | AccountType::Payable)
    }

    /// Whether money is paid in and out of accounts of this type.
    pub fn is_money(self) -> bool {
        matches!(self, AccountType::Bank | AccountType::Cash)
    }
}

/// One account of a chart template. `parent` names another template account's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateAccount {
    pub number: &'static str,
    pub name: &'static str,
    pub parent: Option<&'static str>,
    pub root_type: RootType,
    pub account_type: AccountType,
    pub is_group: bool,
}

/// The charts a new client can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChartTemplate {
    /// A UK small-business chart in the usual nominal-code ranges.
    UkSmallBusiness,
    /// The fewest accounts the postings need.
    Plain,
}

impl ChartTemplate {
    pub fn as_str(self) -> &'static str {
        match self {
            ChartTemplate::UkSmallBusiness => "uk_small_business",
            ChartTemplate::Plain => "plain",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s {
            "uk_small_business" | "uk" => Ok(ChartTemplate::UkSmallBusiness),
            "plain" => Ok(ChartTemplate::Plain),
            _ => Err(ValidationError::new(
                "chart",
                "must be uk_small_business or plain",
            )),
        }
    }

    pub fn accounts(self) -> &'static [TemplateAccount] {
        match self {
            ChartTemplate::UkSmallBusiness => UK_SMALL_BUSINESS,
            ChartTemplate::Plain => PLAIN,
        }
    }
}

const fn group(number: &'static str, name: &'static str, root_type: RootType) -> TemplateAccount {
    TemplateAccount {
        number,
        name,
        parent: None,
        root_type,
        account_type: AccountType::Other,
        is_group: true,
    }
}

const fn sub(
    number: &'static str,
    name: &'static str,
    parent: &'static str,
    root_type: RootType,
    account_type: AccountType,
) -> TemplateAccount {
    TemplateAccount {
        number,
        name,
        parent: Some(parent),
        root_type,
        account_type,
        is_group: false,
    }
}

const fn sub_group(
    number: &'static str,
    name: &'static str,
    parent: &'static str,
    root_type: RootType,
) -> TemplateAccount {
    TemplateAccount {
        number,
        name,
        parent: Some(parent),
        root_type,
        account_type: AccountType::Other,
        is_group: true,
    }
}

use AccountType as T;
use RootType as R;

static UK_SMALL_BUSINESS: &[TemplateAccount] = &[
    group("0000", "Assets", R::Asset),
    sub_group("0010", "Fixed Assets", "0000", R::Asset),
    sub("0030", "Office Equipment", "0010", R::Asset, T::Other),
    sub("0040", "Furniture and Fixtures", "0010", R::Asset, T::Other),
    sub("0050", "Motor Vehicles", "0010", R::Asset, T::Other),
    sub_group("1000", "Current Assets", "0000", R::Asset),
    sub("1001", "Stock", "1000", R::Asset, T::Stock),
    sub("1100", "Trade Debtors", "1000", R::Asset, T::Receivable),
    sub("1103", "Prepayments", "1000", R::Asset, T::Other),
    sub("1200", "Bank Current Account", "1000", R::Asset, T::Bank),
    sub("1210", "Bank Deposit Account", "1000", R::Asset, T::Bank),
    sub("1230", "Petty Cash", "1000", R::Asset, T::Cash),
    sub("2201", "VAT on Purchases", "1000", R::Asset, T::TaxInput),
    group("2000", "Liabilities", R::Liability),
    sub_group("2100", "Current Liabilities", "2000", R::Liability),
    sub("2101", "Trade Creditors", "2100", R::Liability, T::Payable),
    sub("2109", "Accruals", "2100", R::Liability, T::Other),
    sub("2200", "VAT on Sales", "2100", R::Liability, T::TaxOutput),
    sub("2210", "PAYE and NI", "2100", R::Liability, T::Other),
    sub("2300", "Loans", "2000", R::Liability, T::Other),
    group("3000", "Equity", R::Equity),
    sub("3001", "Share Capital", "3000", R::Equity, T::Equity),
    sub("3200", "Retained Earnings", "3000", R::Equity, T::Equity),
    sub("3260", "Drawings", "3000", R::Equity, T::Equity),
    group("4000", "Income", R::Income),
    sub("4001", "Sales", "4000", R::Income, T::Income),
    sub("4002", "Services Income", "4000", R::Income, T::Other),
    sub("4900", "Other Income", "4000", R::Income, T::Other),
    group("5000", "Direct Costs", R::Expense),
    sub(
        "5001",
        "Cost of Goods Sold",
        "5000",
        R::Expense,
        T::CostOfGoodsSold,
    ),
    sub("5002", "Purchases", "5000", R::Expense, T::Expense),
    sub(
        "5200",
        "Stock Adjustments",
        "5000",
        R::Expense,
        T::StockAdjustment,
    ),
    group("6000", "Overheads", R::Expense),
    sub("7000", "Wages and Salaries", "6000", R::Expense, T::Other),
    sub("7100", "Rent and Rates", "6000", R::Expense, T::Other),
    sub("7200", "Utilities", "6000", R::Expense, T::Other),
    sub("7500", "Office Costs", "6000", R::Expense, T::Other),
    sub("7600", "Accountancy Fees", "6000", R::Expense, T::Other),
    sub("7900", "Bank Charges", "6000", R::Expense, T::Other),
    sub("8000", "Depreciation", "6000", R::Expense, T::Other),
    sub("8200", "Rounding", "6000", R::Expense, T::RoundOff),
];

static PLAIN: &[TemplateAccount] = &[
    group("1", "Assets", R::Asset),
    sub("11", "Debtors", "1", R::Asset, T::Receivable),
    sub("12", "Bank", "1", R::Asset, T::Bank),
    sub("13", "Cash", "1", R::Asset, T::Cash),
    sub("14", "Stock", "1", R::Asset, T::Stock),
    sub("15", "VAT Receivable", "1", R::Asset, T::TaxInput),
    group("2", "Liabilities", R::Liability),
    sub("21", "Creditors", "2", R::Liability, T::Payable),
    sub("22", "VAT Payable", "2", R::Liability, T::TaxOutput),
    group("3", "Equity", R::Equity),
    sub("31", "Capital", "3", R::Equity, T::Equity),
    group("4", "Income", R::Income),
    sub("41", "Sales", "4", R::Income, T::Income),
    group("5", "Expenses", R::Expense),
    sub(
        "51",
        "Cost of Goods Sold",
        "5",
        R::Expense,
        T::CostOfGoodsSold,
    ),
    sub("52", "Purchases", "5", R::Expense, T::Expense),
    sub(
        "53",
        "Stock Adjustments",
        "5",
        R::Expense,
        T::StockAdjustment,
    ),
    sub("54", "Rounding", "5", R::Expense, T::RoundOff),
];

/// The account types every chart needs a ledger account of, for the postings to find. Where a
/// chart has several of one type, the one with the lowest number is the default.
pub const REQUIRED_TYPES: [AccountType; 10] = [
    AccountType::Receivable,
    AccountType::Payable,
    AccountType::Bank,
    AccountType::TaxOutput,
    AccountType::TaxInput,
    AccountType::Stock,
    AccountType::CostOfGoodsSold,
    AccountType::StockAdjustment,
    AccountType::Income,
    AccountType::Expense,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_a_tree_with_the_required_accounts() {
        for template in [ChartTemplate::UkSmallBusiness, ChartTemplate::Plain] {
            let accounts = template.accounts();
            for a in accounts {
                if let Some(p) = a.parent {
                    let parent = accounts.iter().find(|x| x.number == p).unwrap();
                    assert!(parent.is_group, "{} under a ledger account", a.number);
                    assert_eq!(parent.root_type, a.root_type, "{}", a.number);
                }
                assert_eq!(
                    accounts.iter().filter(|x| x.number == a.number).count(),
                    1,
                    "{} twice",
                    a.number
                );
            }
            for t in REQUIRED_TYPES {
                assert!(
                    accounts.iter().any(|a| a.account_type == t && !a.is_group),
                    "{template:?} needs a {t:?} account"
                );
            }
        }
    }
}
