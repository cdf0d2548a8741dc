//! The chart of accounts.

use serde::Deserialize;
use tenantry_domain::books::{AccountType, RootType};
use tenantry_domain::Permission;
use tenantry_erp::masters::{AccountInput, AccountUpdate};
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::{Account, ListQuery};
use utoipa::ToSchema;

use super::declaration::{Editable, Kind, KindInfo, Written};
use crate::books::caller::BooksCaller;

pub struct Accounts;

impl Kind for Accounts {
    const INFO: KindInfo = KindInfo {
        path: "accounts",
        key: "name",
        doctype: "Account",
        singular: "account",
        write: Permission::ErpConfigure,
    };
    type Body = AccountBody;
    type Doc = Account;
    type Row = Account;

    async fn list(books: &Books, query: &ListQuery) -> Result<Vec<Account>, ErpError> {
        books.list_accounts(query).await
    }

    /// By name or number.
    async fn read(books: &Books, name: &str) -> Result<Account, ErpError> {
        books.account(name).await
    }

    async fn create(c: &BooksCaller, b: AccountBody) -> Result<Account, ErpError> {
        let input = AccountInput {
            number: b.number,
            name: b.name,
            parent: b.parent,
            root_type: b.root_type,
            account_type: b.account_type,
            is_group: b.is_group,
        };
        c.books.create_account(&input).await
    }
}

impl Editable for Accounts {
    type Change = AccountUpdateBody;

    async fn update(
        c: &BooksCaller,
        name: &str,
        b: AccountUpdateBody,
    ) -> Result<Account, ErpError> {
        let input = AccountUpdate {
            name: b.name,
            account_type: b.account_type,
            disabled: b.disabled,
        };
        c.books.update_account(name, &input).await
    }
}

impl Written for AccountBody {}

impl Written for AccountUpdateBody {}

/// A new account, under a group of the chart.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountBody {
    pub(crate) number: String,
    pub(crate) name: String,
    /// The parent group's name or number.
    pub(crate) parent: Option<String>,
    /// `asset`, `liability`, `equity`, `income` or `expense`: the parent's when absent.
    pub(crate) root_type: Option<RootType>,
    /// `receivable`, `payable`, `bank`, `cash`, `tax_output`, `tax_input`, `stock`,
    /// `cost_of_goods_sold`, `stock_adjustment`, `round_off`, `income`, `expense`, `equity` or
    /// `other` (when absent).
    pub(crate) account_type: Option<AccountType>,
    #[serde(default)]
    pub(crate) is_group: bool,
}

/// What may change in an account: its name, type, and whether it is in use.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountUpdateBody {
    pub(crate) name: String,
    pub(crate) account_type: AccountType,
    #[serde(default)]
    pub(crate) disabled: bool,
}
