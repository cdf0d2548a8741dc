//! Master data: the company's book settings, fiscal years, accounts, parties, items, item
//! groups and warehouses.

use serde::Serialize;
use sqlx::FromRow;
use tenantry_domain::books::accounts::TemplateAccount;
use tenantry_domain::books::{
    AccountType, Amount, ChartTemplate, RootType, VatCategory, VatRounding,
};
use time::Date;

use super::list::{Kind, ListQuery, ListSpec};
use super::stamp;
use crate::error::{Result, StoreError};
use crate::on_db;
use crate::tenant_db::TenantDb;

/// The company's settings that the books follow.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct BookSettings {
    pub name: String,
    pub currency: String,
    pub country: String,
    pub fiscal_year_start_month: i64,
    pub address: String,
    pub tax_id: String,
    #[sqlx(try_from = "String")]
    pub vat_rounding: VatRounding,
    pub allow_negative_stock: bool,
    #[sqlx(try_from = "String")]
    pub chart: ChartTemplate,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct FiscalYear {
    pub id: i64,
    pub name: String,
    pub start_date: Date,
    pub end_date: Date,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Account {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub parent_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub root_type: RootType,
    #[sqlx(try_from = "String")]
    pub account_type: AccountType,
    pub is_group: bool,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub number: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub root_type: RootType,
    pub account_type: AccountType,
    pub is_group: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PartyKind {
    Customer,
    Supplier,
}

impl PartyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Customer => "customer",
            PartyKind::Supplier => "supplier",
        }
    }

    /// Frappe's DocType name.
    pub fn doctype(self) -> &'static str {
        match self {
            PartyKind::Customer => "Customer",
            PartyKind::Supplier => "Supplier",
        }
    }
}

/// Read as Frappe writes it ("Customer") or as stored ("customer").
impl<'de> serde::Deserialize<'de> for PartyKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.to_ascii_lowercase().as_str() {
            "customer" => Ok(PartyKind::Customer),
            "supplier" => Ok(PartyKind::Supplier),
            _ => Err(serde::de::Error::custom(
                "party_type must be Customer or Supplier",
            )),
        }
    }
}

impl TryFrom<String> for PartyKind {
    type Error = StoreError;
    fn try_from(s: String) -> Result<Self> {
        match s.as_str() {
            "customer" => Ok(PartyKind::Customer),
            "supplier" => Ok(PartyKind::Supplier),
            _ => Err(StoreError::Corrupt(format!("party kind {s:?}"))),
        }
    }
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Party {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: PartyKind,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub tax_id: String,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub payment_terms_days: i64,
    pub disabled: bool,
}

/// A party's fields as written (new or updated).
#[derive(Debug, Clone, Default)]
pub struct PartyFields {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub tax_id: String,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub payment_terms_days: i64,
    pub disabled: bool,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Item {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub item_group_id: Option<i64>,
    pub item_group: Option<String>,
    pub unit: String,
    pub is_stock: bool,
    #[sqlx(try_from = "i64")]
    pub selling_price: Amount,
    #[sqlx(try_from = "i64")]
    pub buying_price: Amount,
    #[sqlx(try_from = "String")]
    pub vat_category: VatCategory,
    pub disabled: bool,
}

/// An item's fields as written (new or updated). Barcodes replace the item's set.
#[derive(Debug, Clone)]
pub struct ItemFields {
    pub code: String,
    pub name: String,
    pub item_group_id: Option<i64>,
    pub unit: String,
    pub is_stock: bool,
    pub selling_price: Amount,
    pub buying_price: Amount,
    pub vat_category: VatCategory,
    pub disabled: bool,
    pub barcodes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ItemGroup {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Warehouse {
    pub id: i64,
    pub name: String,
    pub disabled: bool,
}

const SETTINGS: &str = "SELECT name, currency, country, fiscal_year_start_month, address, tax_id,
    vat_rounding, allow_negative_stock, chart FROM company WHERE id = 1";
const ACCOUNT: &str =
    "SELECT id, number, name, parent_id, root_type, account_type, is_group, disabled FROM accounts";
const PARTY: &str =
    "SELECT id, kind, name, email, phone, tax_id, address_line1, address_line2, city,
    postcode, country, payment_terms_days, disabled FROM parties";
const ITEM: &str =
    "SELECT i.id, i.code, i.name, i.item_group_id, g.name AS item_group, i.unit, i.is_stock,
    i.selling_price, i.buying_price, i.vat_category, i.disabled
    FROM items i LEFT JOIN item_groups g ON g.id = i.item_group_id";

pub(crate) static ACCOUNT_LIST: ListSpec = ListSpec {
    select: ACCOUNT,
    columns: &[
        ("name", "name", Kind::Text),
        ("account_number", "number", Kind::Text),
        ("root_type", "root_type", Kind::Text),
        ("account_type", "account_type", Kind::Text),
        ("is_group", "is_group", Kind::Bool),
        ("disabled", "disabled", Kind::Bool),
    ],
    search: &["name", "number"],
    default_order: "number ASC",
};

pub(crate) static PARTY_LIST: ListSpec = ListSpec {
    select: PARTY,
    columns: &[
        ("name", "name", Kind::Text),
        ("email", "email", Kind::Text),
        ("tax_id", "tax_id", Kind::Text),
        ("city", "city", Kind::Text),
        ("postcode", "postcode", Kind::Text),
        ("country", "country", Kind::Text),
        ("payment_terms_days", "payment_terms_days", Kind::Int),
        ("disabled", "disabled", Kind::Bool),
    ],
    search: &["name", "email", "tax_id", "city"],
    default_order: "name ASC",
};

pub(crate) static ITEM_LIST: ListSpec = ListSpec {
    select: ITEM,
    columns: &[
        ("item_code", "i.code", Kind::Text),
        ("item_name", "i.name", Kind::Text),
        ("item_group", "g.name", Kind::Text),
        ("stock_uom", "i.unit", Kind::Text),
        ("is_stock_item", "i.is_stock", Kind::Bool),
        ("standard_rate", "i.selling_price", Kind::Money),
        ("vat_category", "i.vat_category", Kind::Text),
        ("disabled", "i.disabled", Kind::Bool),
    ],
    search: &["i.code", "i.name"],
    default_order: "i.code ASC",
};

pub(crate) static WAREHOUSE_LIST: ListSpec = ListSpec {
    select: "SELECT id, name, disabled FROM warehouses",
    columns: &[
        ("name", "name", Kind::Text),
        ("disabled", "disabled", Kind::Bool),
    ],
    search: &["name"],
    default_order: "name ASC",
};

pub(crate) static FISCAL_YEAR_LIST: ListSpec = ListSpec {
    select: "SELECT id, name, start_date, end_date FROM fiscal_years",
    columns: &[
        ("name", "name", Kind::Text),
        ("start_date", "start_date", Kind::Date),
        ("end_date", "end_date", Kind::Date),
    ],
    search: &["name"],
    default_order: "start_date ASC",
};

/// Runs a list built from a spec on either backend.
macro_rules! run_list {
    ($db:expr, $spec:expr, $fixed:expr, $query:expr, $row:ty) => {{
        let rows: Vec<$row> = on_db!($db, p => {
            let mut q = $spec.build($fixed, $query)?;
            q.build_query_as::<$row>().fetch_all(p).await?
        });
        Ok(rows)
    }};
}
pub(crate) use run_list;

impl TenantDb {
    pub async fn book_settings(&self) -> Result<BookSettings> {
        on_db!(self.db(), p => sqlx::query_as(SETTINGS).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound("the company's settings".into()))
    }

    pub async fn update_book_settings(
        &self,
        address: &str,
        tax_id: &str,
        vat_rounding: VatRounding,
        allow_negative_stock: bool,
    ) -> Result<()> {
        let _forget = self.memo().forget_on_exit(Part::Snapshot);
        on_db!(self.db(), p => sqlx::query(
            "UPDATE company SET address = $1, tax_id = $2, vat_rounding = $3, allow_negative_stock = $4,
             updated_at = $5 WHERE id = 1",
        )
        .bind(address)
        .bind(tax_id)
        .bind(vat_rounding.as_str())
        .bind(allow_negative_stock)
        .bind(crate::control::now())
        .execute(p)
        .await?
            .rows_affected());
        Ok(())
    }

    /// Writes the chart from `template` if the company has no accounts yet; returns whether it did.
    pub async fn seed_chart(&self, template: ChartTemplate) -> Result<bool> {
        let _forget = self.memo().forget_on_exit(Part::Snapshot);
        let accounts: &[TemplateAccount] = template.accounts();
        let t = stamp();
        macro_rules! seed {
            ($p:expr) => {{
                let mut tx = $p.begin().await?;
                let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
                    .fetch_one(&mut *tx)
                    .await?;
                if existing > 0 {
                    return Ok(false);
                }
                for a in accounts {
                    let parent: Option<i64> = match a.parent {
                        Some(number) => Some(
                            sqlx::query_scalar("SELECT id FROM accounts WHERE number = $1")
                                .bind(number)
                                .fetch_one(&mut *tx)
                                .await?,
                        ),
                        None => None,
                    };
                    sqlx::query(
                        "INSERT INTO accounts (number, name, parent_id, root_type, account_type, is_group, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(a.number)
                    .bind(a.name)
                    .bind(parent)
                    .bind(a.root_type.as_str())
                    .bind(a.account_type.as_str())
                    .bind(a.is_group)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE company SET chart = $1 WHERE id = 1")
                    .bind(template.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }};
        }
        on_db!(self.db(), p => seed!(p));
        Ok(true)
    }

    pub async fn fiscal_years(&self) -> Result<Vec<FiscalYear>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT id, name, start_date, end_date FROM fiscal_years ORDER BY start_date",
        )
        .fetch_all(p)
        .await?))
    }

    pub async fn list_fiscal_years(&self, query: &ListQuery) -> Result<Vec<FiscalYear>> {
        run_list!(self.db(), FISCAL_YEAR_LIST, &[], query, FiscalYear)
    }

    /// Adds a fiscal year; refused when it overlaps another.
    pub async fn insert_fiscal_year(
        &self,
        name: &str,
        start: Date,
        end: Date,
    ) -> Result<FiscalYear> {
        let _forget = self.memo().forget_on_exit(Part::Snapshot);
        macro_rules! insert {
            ($p:expr) => {{
                let mut tx = $p.begin().await?;
                let overlapping: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM fiscal_years WHERE start_date <= $2 AND end_date >= $1",
                )
                .bind(start)
                .bind(end)
                .fetch_one(&mut *tx)
                .await?;
                if overlapping > 0 {
                    return Err(StoreError::Conflict(format!(
                        "fiscal year {name} overlaps another fiscal year"
                    )));
                }
                let row: FiscalYear = sqlx::query_as(
                    "INSERT INTO fiscal_years (name, start_date, end_date) VALUES ($1, $2, $3)
                     RETURNING id, name, start_date, end_date",
                )
                .bind(name)
                .bind(start)
                .bind(end)
                .fetch_one(&mut *tx)
                .await
                .map_err(duplicate("fiscal year", name))?;
                tx.commit().await?;
                row
            }};
        }
        Ok(on_db!(self.db(), p => insert!(p)))
    }

    pub async fn fiscal_year_containing(&self, date: Date) -> Result<Option<FiscalYear>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT id, name, start_date, end_date FROM fiscal_years WHERE start_date <= $1 AND end_date >= $1",
        )
        .bind(date)
        .fetch_optional(p)
        .await?))
    }

    pub async fn accounts(&self) -> Result<Vec<Account>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as(&format!("{ACCOUNT} ORDER BY number"))
            .fetch_all(p)
            .await?),
        )
    }

    pub async fn list_accounts(&self, query: &ListQuery) -> Result<Vec<Account>> {
        run_list!(self.db(), ACCOUNT_LIST, &[], query, Account)
    }

    pub async fn account(&self, id: i64) -> Result<Option<Account>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as(&format!("{ACCOUNT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await?),
        )
    }

    /// An account by its name or its number.
    pub async fn account_named(&self, name_or_number: &str) -> Result<Option<Account>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(&format!(
            "{ACCOUNT} WHERE name = $1 OR number = $1 ORDER BY number LIMIT 1"
        ))
        .bind(name_or_number)
        .fetch_optional(p)
        .await?))
    }

    pub async fn insert_account(&self, a: &NewAccount) -> Result<Account> {
        let _forget = self.memo().forget_on_exit(Part::Snapshot);
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "INSERT INTO accounts (number, name, parent_id, root_type, account_type, is_group, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             RETURNING id, number, name, parent_id, root_type, account_type, is_group, disabled",
        )
        .bind(&a.number)
        .bind(&a.name)
        .bind(a.parent_id)
        .bind(a.root_type.as_str())
        .bind(a.account_type.as_str())
        .bind(a.is_group)
        .bind(stamp())
        .fetch_one(p)
        .await
        .map_err(duplicate("account", &a.name))?))
    }

    pub async fn insert_party(&self, kind: PartyKind, f: &PartyFields) -> Result<Party> {
        let _forget = self.memo().forget_on_exit(Part::Parties);
        Ok(on_db!(self.db(), p => sqlx::query_as(&format!(
            "INSERT INTO parties (kind, name, email, phone, tax_id, address_line1, address_line2, city,
             postcode, country, payment_terms_days, disabled, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             RETURNING {}", PARTY_COLUMNS
        ))
        .bind(kind.as_str())
        .bind(&f.name)
        .bind(&f.email)
        .bind(&f.phone)
        .bind(&f.tax_id)
        .bind(&f.address_line1)
        .bind(&f.address_line2)
        .bind(&f.city)
        .bind(&f.postcode)
        .bind(&f.country)
        .bind(f.payment_terms_days)
        .bind(f.disabled)
        .bind(stamp())
        .fetch_one(p)
        .await
        .map_err(duplicate(kind.as_str(), &f.name))?))
    }

    pub async fn update_party(&self, id: i64, f: &PartyFields) -> Result<Party> {
        let _forget = self.memo().forget_on_exit(Part::Parties);
        on_db!(self.db(), p => sqlx::query_as(&format!(
            "UPDATE parties SET name = $2, email = $3, phone = $4, tax_id = $5, address_line1 = $6,
             address_line2 = $7, city = $8, postcode = $9, country = $10, payment_terms_days = $11,
             disabled = $12 WHERE id = $1 RETURNING {}", PARTY_COLUMNS
        ))
        .bind(id)
        .bind(&f.name)
        .bind(&f.email)
        .bind(&f.phone)
        .bind(&f.tax_id)
        .bind(&f.address_line1)
        .bind(&f.address_line2)
        .bind(&f.city)
        .bind(&f.postcode)
        .bind(&f.country)
        .bind(f.payment_terms_days)
        .bind(f.disabled)
        .fetch_optional(p)
        .await
        .map_err(duplicate("party", &f.name))?)
        .ok_or_else(|| StoreError::NotFound(format!("party {id}")))
    }

    pub async fn party(&self, kind: PartyKind, name: &str) -> Result<Option<Party>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as(&format!("{PARTY} WHERE kind = $1 AND name = $2"))
            .bind(kind.as_str())
            .bind(name)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn party_by_id(&self, id: i64) -> Result<Option<Party>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as(&format!("{PARTY} WHERE id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn list_parties(&self, kind: PartyKind, query: &ListQuery) -> Result<Vec<Party>> {
        let fixed = match kind {
            PartyKind::Customer => "kind = 'customer'",
            PartyKind::Supplier => "kind = 'supplier'",
        };
        run_list!(self.db(), PARTY_LIST, &[fixed], query, Party)
    }

    pub async fn insert_item_group(&self, name: &str, parent_id: Option<i64>) -> Result<ItemGroup> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "INSERT INTO item_groups (name, parent_id) VALUES ($1, $2) RETURNING id, name, parent_id",
        )
        .bind(name)
        .bind(parent_id)
        .fetch_one(p)
        .await
        .map_err(duplicate("item group", name))?))
    }

    pub async fn item_groups(&self) -> Result<Vec<ItemGroup>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as("SELECT id, name, parent_id FROM item_groups ORDER BY name")
            .fetch_all(p)
            .await?),
        )
    }

    pub async fn item_group_named(&self, name: &str) -> Result<Option<ItemGroup>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as("SELECT id, name, parent_id FROM item_groups WHERE name = $1")
            .bind(name)
            .fetch_optional(p)
            .await?),
        )
    }

    /// Inserts an item with its barcodes, or (with `id`) replaces a stored item's fields and
    /// barcodes, in one transaction.
    pub async fn save_item(&self, id: Option<i64>, f: &ItemFields) -> Result<Item> {
        let _forget = self.memo().forget_on_exit(Part::Items);
        macro_rules! save {
            ($p:expr) => {{
                let mut tx = $p.begin().await?;
                let id: i64 = match id {
                    None => sqlx::query_scalar(
                        "INSERT INTO items (code, name, item_group_id, unit, is_stock, selling_price,
                         buying_price, vat_category, disabled, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    )
                    .bind(&f.code)
                    .bind(&f.name)
                    .bind(f.item_group_id)
                    .bind(&f.unit)
                    .bind(f.is_stock)
                    .bind(f.selling_price.0)
                    .bind(f.buying_price.0)
                    .bind(f.vat_category.as_str())
                    .bind(f.disabled)
                    .bind(stamp())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(duplicate("item", &f.code))?,
                    Some(id) => {
                        let updated = sqlx::query(
                            "UPDATE items SET code = $2, name = $3, item_group_id = $4, unit = $5,
                             is_stock = $6, selling_price = $7, buying_price = $8, vat_category = $9,
                             disabled = $10 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(&f.code)
                        .bind(&f.name)
                        .bind(f.item_group_id)
                        .bind(&f.unit)
                        .bind(f.is_stock)
                        .bind(f.selling_price.0)
                        .bind(f.buying_price.0)
                        .bind(f.vat_category.as_str())
                        .bind(f.disabled)
                        .execute(&mut *tx)
                        .await
                        .map_err(duplicate("item", &f.code))?
                        .rows_affected();
                        if updated == 0 {
                            return Err(StoreError::NotFound(format!("item {}", f.code)));
                        }
                        sqlx::query("DELETE FROM item_barcodes WHERE item_id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        id
                    }
                };
                for b in &f.barcodes {
                    sqlx::query("INSERT INTO item_barcodes (barcode, item_id) VALUES ($1, $2)")
                        .bind(b)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(duplicate("barcode", b))?;
                }
                let item: Item = sqlx::query_as(&format!("{ITEM} WHERE i.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                item
            }};
        }
        Ok(on_db!(self.db(), p => save!(p)))
    }

    pub async fn item(&self, code: &str) -> Result<Option<Item>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as(&format!("{ITEM} WHERE i.code = $1"))
            .bind(code)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn item_by_id(&self, id: i64) -> Result<Option<Item>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as(&format!("{ITEM} WHERE i.id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn item_by_barcode(&self, barcode: &str) -> Result<Option<Item>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(&format!(
            "{ITEM} JOIN item_barcodes b ON b.item_id = i.id WHERE b.barcode = $1"
        ))
        .bind(barcode)
        .fetch_optional(p)
        .await?))
    }

    pub async fn item_barcodes(&self, item_id: i64) -> Result<Vec<String>> {
        Ok(on_db!(self.db(), p => sqlx::query_scalar(
            "SELECT barcode FROM item_barcodes WHERE item_id = $1 ORDER BY barcode",
        )
        .bind(item_id)
        .fetch_all(p)
        .await?))
    }

    pub async fn list_items(&self, query: &ListQuery) -> Result<Vec<Item>> {
        run_list!(self.db(), ITEM_LIST, &[], query, Item)
    }

    pub async fn insert_warehouse(&self, name: &str) -> Result<Warehouse> {
        let _forget = self.memo().forget_on_exit(Part::Snapshot);
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "INSERT INTO warehouses (name, created_at) VALUES ($1, $2) RETURNING id, name, disabled",
        )
        .bind(name)
        .bind(stamp())
        .fetch_one(p)
        .await
        .map_err(duplicate("warehouse", name))?))
    }

    pub async fn warehouse(&self, name: &str) -> Result<Option<Warehouse>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as("SELECT id, name, disabled FROM warehouses WHERE name = $1")
            .bind(name)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn warehouse_by_id(&self, id: i64) -> Result<Option<Warehouse>> {
        Ok(
            on_db!(self.db(), p => sqlx::query_as("SELECT id, name, disabled FROM warehouses WHERE id = $1")
            .bind(id)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn list_warehouses(&self, query: &ListQuery) -> Result<Vec<Warehouse>> {
        run_list!(self.db(), WAREHOUSE_LIST, &[], query, Warehouse)
    }

    /// Renames a warehouse or (dis)ables it; documents refer to it by id.
    pub async fn update_warehouse(&self, id: i64, name: &str, disabled: bool) -> Result<Warehouse> {
        let _forget = self.memo().forget_on_exit(Part::Snapshot);
        on_db!(self.db(), p => sqlx::query_as(
            "UPDATE warehouses SET name = $2, disabled = $3 WHERE id = $1 RETURNING id, name, disabled",
        )
        .bind(id)
        .bind(name)
        .bind(disabled)
        .fetch_optional(p)
        .await
        .map_err(duplicate("warehouse", name))?)
        .ok_or_else(|| StoreError::NotFound(format!("warehouse {id}")))
    }

    /// Renames an account, changes its type or (dis)ables it; its place in the tree and its root
    /// type stay.
    pub async fn update_account(
        &self,
        id: i64,
        name: &str,
        account_type: AccountType,
        disabled: bool,
    ) -> Result<Account> {
        let _forget = self.memo().forget_on_exit(Part::Snapshot);
        on_db!(self.db(), p => sqlx::query_as(
            "UPDATE accounts SET name = $2, account_type = $3, disabled = $4 WHERE id = $1
             RETURNING id, number, name, parent_id, root_type, account_type, is_group, disabled",
        )
        .bind(id)
        .bind(name)
        .bind(account_type.as_str())
        .bind(disabled)
        .fetch_optional(p)
        .await
        .map_err(duplicate("account", name))?)
        .ok_or_else(|| StoreError::NotFound(format!("account {id}")))
    }
}

const PARTY_COLUMNS: &str =
    "id, kind, name, email, phone, tax_id, address_line1, address_line2, city,
    postcode, country, payment_terms_days, disabled";

/// Maps a unique violation to a clear conflict naming what already exists.
pub(crate) fn duplicate<'a>(
    what: &'a str,
    name: &'a str,
) -> impl FnOnce(sqlx::Error) -> StoreError + 'a {
    move |e| {
        let e = StoreError::Database(e);
        if e.is_unique_violation() {
            StoreError::Conflict(format!("{what} {name:?} already exists"))
        } else {
            e
        }
    }
}

/// A part of the master data the memo holds, emptied when a write here changes it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Part {
    Snapshot,
    Items,
    Parties,
}
