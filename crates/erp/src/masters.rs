//! Master data: accounts, fiscal years, customers and suppliers, items and warehouses.

use serde::Deserialize;
use tenantry_domain::books::{AccountType, Amount, RootType, VatCategory};
use tenantry_domain::Email;
use tenantry_store::books::{
    Account, FiscalYear, Item, ItemFields, ItemGroup, ListQuery, NewAccount, Party, PartyFields,
    PartyKind, Warehouse,
};
use time::Date;

use crate::error::{invalid, ErpError, Result};
use crate::{clean_text, Books};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartyInput {
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub tax_id: String,
    #[serde(default)]
    pub address_line1: String,
    #[serde(default)]
    pub address_line2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub country: String,
    pub payment_terms_days: Option<i64>,
    #[serde(default)]
    pub disabled: bool,
}

impl PartyInput {
    /// The input that would write `party` back unchanged: the base a partial update starts from.
    pub fn from_party(p: &Party) -> Self {
        PartyInput {
            name: p.name.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            tax_id: p.tax_id.clone(),
            address_line1: p.address_line1.clone(),
            address_line2: p.address_line2.clone(),
            city: p.city.clone(),
            postcode: p.postcode.clone(),
            country: p.country.clone(),
            payment_terms_days: Some(p.payment_terms_days),
            disabled: p.disabled,
        }
    }

    fn validate(&self) -> Result<PartyFields> {
        let email = clean_text("email", &self.email, 254, false)?;
        let email = if email.is_empty() {
            email
        } else {
            Email::parse(&email)?.as_str().to_owned()
        };
        let terms = self.payment_terms_days.unwrap_or(30);
        if !(0..=365).contains(&terms) {
            return Err(invalid("payment_terms_days must be between 0 and 365"));
        }
        Ok(PartyFields {
            name: clean_text("name", &self.name, 140, true)?,
            email,
            phone: clean_text("phone", &self.phone, 40, false)?,
            tax_id: clean_text("tax_id", &self.tax_id, 40, false)?,
            address_line1: clean_text("address_line1", &self.address_line1, 140, false)?,
            address_line2: clean_text("address_line2", &self.address_line2, 140, false)?,
            city: clean_text("city", &self.city, 80, false)?,
            postcode: clean_text("postcode", &self.postcode, 20, false)?,
            country: clean_text("country", &self.country, 80, false)?,
            payment_terms_days: terms,
            disabled: self.disabled,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ItemInput {
    pub item_code: String,
    #[serde(default)]
    pub item_name: String,
    pub item_group: Option<String>,
    #[serde(default)]
    pub unit: String,
    #[serde(default = "yes")]
    pub is_stock: bool,
    #[serde(default)]
    pub selling_price: Amount,
    #[serde(default)]
    pub buying_price: Amount,
    pub vat_category: Option<VatCategory>,
    #[serde(default)]
    pub barcodes: Vec<String>,
    #[serde(default)]
    pub disabled: bool,
}

fn yes() -> bool {
    true
}

impl ItemInput {
    pub fn from_item(i: &Item, barcodes: Vec<String>) -> Self {
        ItemInput {
            item_code: i.code.clone(),
            item_name: i.name.clone(),
            item_group: i.item_group.clone(),
            unit: i.unit.clone(),
            is_stock: i.is_stock,
            selling_price: i.selling_price,
            buying_price: i.buying_price,
            vat_category: Some(i.vat_category),
            barcodes,
            disabled: i.disabled,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountInput {
    pub number: String,
    pub name: String,
    /// The parent group's name or number.
    pub parent: Option<String>,
    pub root_type: Option<RootType>,
    pub account_type: Option<AccountType>,
    #[serde(default)]
    pub is_group: bool,
}

/// What may change in an account: its name, its type, and whether it is in use. Its number,
/// place in the tree and root type stay, so that what was posted keeps its meaning.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountUpdate {
    pub name: String,
    pub account_type: AccountType,
    #[serde(default)]
    pub disabled: bool,
}

/// A warehouse's name and whether it is in use.
#[derive(Debug, Clone, Deserialize)]
pub struct WarehouseInput {
    pub name: String,
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FiscalYearInput {
    pub name: String,
    pub start_date: Date,
    pub end_date: Date,
}

impl Books {
    pub async fn create_party(&self, kind: PartyKind, input: &PartyInput) -> Result<Party> {
        Ok(self.db.insert_party(kind, &input.validate()?).await?)
    }

    pub async fn update_party(
        &self,
        kind: PartyKind,
        name: &str,
        input: &PartyInput,
    ) -> Result<Party> {
        let existing = self.party(kind, name).await?;
        Ok(self
            .db
            .update_party(existing.id, &input.validate()?)
            .await?)
    }

    pub async fn party(&self, kind: PartyKind, name: &str) -> Result<Party> {
        self.db
            .party(kind, name)
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("{} {name:?}", kind.as_str())))
    }

    /// A customer or supplier by name: of `kind` when given, else the customer of that name or,
    /// if there is none, the supplier.
    pub async fn party_named(&self, kind: Option<PartyKind>, name: &str) -> Result<Party> {
        match kind {
            Some(k) => self.party(k, name).await,
            None => match self.party(PartyKind::Customer, name).await {
                Err(ErpError::NotFound(_)) => {
                    self.party(PartyKind::Supplier, name)
                        .await
                        .map_err(|e| match e {
                            ErpError::NotFound(_) => ErpError::NotFound(format!("party {name:?}")),
                            other => other,
                        })
                }
                other => other,
            },
        }
    }

    pub async fn list_parties(&self, kind: PartyKind, query: &ListQuery) -> Result<Vec<Party>> {
        Ok(self.db.list_parties(kind, query).await?)
    }

    pub async fn create_item(&self, input: &ItemInput) -> Result<Item> {
        let fields = self.item_fields(input).await?;
        Ok(self.db.save_item(None, &fields).await?)
    }

    pub async fn update_item(&self, code: &str, input: &ItemInput) -> Result<Item> {
        let existing = self.item(code).await?;
        let fields = self.item_fields(input).await?;
        Ok(self.db.save_item(Some(existing.id), &fields).await?)
    }

    pub async fn item(&self, code: &str) -> Result<Item> {
        self.db
            .item(code)
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("item {code:?}")))
    }

    pub async fn item_by_barcode(&self, barcode: &str) -> Result<Item> {
        self.db
            .item_by_barcode(barcode.trim())
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("an item with barcode {barcode:?}")))
    }

    pub async fn item_barcodes(&self, item: &Item) -> Result<Vec<String>> {
        Ok(self.db.item_barcodes(item.id).await?)
    }

    pub async fn list_items(&self, query: &ListQuery) -> Result<Vec<Item>> {
        Ok(self.db.list_items(query).await?)
    }

    async fn item_fields(&self, input: &ItemInput) -> Result<ItemFields> {
        let code = clean_text("item_code", &input.item_code, 140, true)?;
        let name = clean_text("item_name", &input.item_name, 140, false)?;
        let unit = clean_text("unit", &input.unit, 20, false)?;
        if input.selling_price.is_negative() || input.buying_price.is_negative() {
            return Err(invalid("prices cannot be negative"));
        }
        let item_group_id = match input.item_group.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(g) => Some(
                self.db
                    .item_group_named(g)
                    .await?
                    .ok_or_else(|| invalid(format!("item group {g:?} does not exist")))?
                    .id,
            ),
        };
        let mut barcodes = Vec::with_capacity(input.barcodes.len());
        for b in &input.barcodes {
            let b = clean_text("barcode", b, 64, true)?;
            if !b.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(invalid(format!(
                    "barcode {b:?} may hold only letters, digits and '-'"
                )));
            }
            if !barcodes.contains(&b) {
                barcodes.push(b);
            }
        }
        Ok(ItemFields {
            name: if name.is_empty() { code.clone() } else { name },
            code,
            item_group_id,
            unit: if unit.is_empty() { "Nos".into() } else { unit },
            is_stock: input.is_stock,
            selling_price: input.selling_price,
            buying_price: input.buying_price,
            vat_category: input.vat_category.unwrap_or(VatCategory::Standard),
            disabled: input.disabled,
            barcodes,
        })
    }

    pub async fn create_item_group(&self, name: &str, parent: Option<&str>) -> Result<ItemGroup> {
        let name = clean_text("name", name, 140, true)?;
        let parent_id = match parent {
            None => None,
            Some(p) => Some(
                self.db
                    .item_group_named(p)
                    .await?
                    .ok_or_else(|| invalid(format!("item group {p:?} does not exist")))?
                    .id,
            ),
        };
        Ok(self.db.insert_item_group(&name, parent_id).await?)
    }

    pub async fn item_groups(&self) -> Result<Vec<ItemGroup>> {
        Ok(self.db.item_groups().await?)
    }

    pub async fn create_warehouse(&self, name: &str) -> Result<Warehouse> {
        let name = clean_text("name", name, 140, true)?;
        Ok(self.db.insert_warehouse(&name).await?)
    }

    pub async fn warehouse(&self, name: &str) -> Result<Warehouse> {
        self.db
            .warehouse(name)
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("warehouse {name:?}")))
    }

    pub async fn list_warehouses(&self, query: &ListQuery) -> Result<Vec<Warehouse>> {
        Ok(self.db.list_warehouses(query).await?)
    }

    pub async fn update_warehouse(&self, name: &str, input: &WarehouseInput) -> Result<Warehouse> {
        let existing = self.warehouse(name).await?;
        let new_name = clean_text("name", &input.name, 140, true)?;
        Ok(self
            .db
            .update_warehouse(existing.id, &new_name, input.disabled)
            .await?)
    }

    /// Renames an account, changes its type or (dis)ables it. A group's type stays "other"; a
    /// name may not be another account's name or number.
    pub async fn update_account(&self, name: &str, input: &AccountUpdate) -> Result<Account> {
        let existing = self.account(name).await?;
        let new_name = clean_text("name", &input.name, 140, true)?;
        if let Some(other) = self.db.account_named(&new_name).await? {
            if other.id != existing.id {
                return Err(ErpError::Duplicate(format!(
                    "{new_name:?} already names account {} {}",
                    other.number, other.name
                )));
            }
        }
        if existing.is_group && input.account_type != existing.account_type {
            return Err(invalid(format!(
                "{:?} is a group; only ledger accounts have a type",
                existing.name
            )));
        }
        Ok(self
            .db
            .update_account(existing.id, &new_name, input.account_type, input.disabled)
            .await?)
    }

    pub async fn accounts(&self) -> Result<Vec<Account>> {
        Ok(self.db.accounts().await?)
    }

    pub async fn list_accounts(&self, query: &ListQuery) -> Result<Vec<Account>> {
        Ok(self.db.list_accounts(query).await?)
    }

    /// An account by name or number.
    pub async fn account(&self, name: &str) -> Result<Account> {
        self.db
            .account_named(name.trim())
            .await?
            .ok_or_else(|| ErpError::NotFound(format!("account {name:?}")))
    }

    /// Adds an account under a group; a child inherits its group's root type, which it must not
    /// contradict.
    pub async fn create_account(&self, input: &AccountInput) -> Result<Account> {
        let number = clean_text("number", &input.number, 20, true)?;
        let name = clean_text("name", &input.name, 140, true)?;
        let parent = match input.parent.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(
                self.db
                    .account_named(p)
                    .await?
                    .ok_or_else(|| invalid(format!("parent account {p:?} does not exist")))?,
            ),
        };
        let root_type = match (&parent, input.root_type) {
            (Some(p), Some(r)) if p.root_type != r => {
                return Err(invalid(format!(
                    "the parent {:?} is {}; its children cannot be {}",
                    p.name,
                    p.root_type.as_str(),
                    r.as_str()
                )))
            }
            (Some(p), _) => p.root_type,
            (None, Some(r)) => r,
            (None, None) => return Err(invalid("root_type is required for a top-level account")),
        };
        if let Some(p) = &parent {
            if !p.is_group {
                return Err(invalid(format!(
                    "{:?} is not a group; accounts go under groups",
                    p.name
                )));
            }
        } else if !input.is_group {
            return Err(invalid("a top-level account must be a group"));
        }
        Ok(self
            .db
            .insert_account(&NewAccount {
                number,
                name,
                parent_id: parent.map(|p| p.id),
                root_type,
                account_type: input.account_type.unwrap_or(AccountType::Other),
                is_group: input.is_group,
            })
            .await?)
    }

    pub async fn fiscal_years(&self) -> Result<Vec<FiscalYear>> {
        Ok(self.db.fiscal_years().await?)
    }

    pub async fn list_fiscal_years(&self, query: &ListQuery) -> Result<Vec<FiscalYear>> {
        Ok(self.db.list_fiscal_years(query).await?)
    }

    pub async fn fiscal_year(&self, name: &str) -> Result<FiscalYear> {
        self.fiscal_years()
            .await?
            .into_iter()
            .find(|y| y.name == name)
            .ok_or_else(|| ErpError::NotFound(format!("fiscal year {name:?}")))
    }

    pub async fn create_fiscal_year(&self, input: &FiscalYearInput) -> Result<FiscalYear> {
        let name = clean_text("name", &input.name, 40, true)?;
        if input.end_date < input.start_date {
            return Err(invalid("a fiscal year ends after it starts"));
        }
        if (input.end_date - input.start_date).whole_days() > 530 {
            return Err(invalid("a fiscal year is at most 18 months long"));
        }
        Ok(self
            .db
            .insert_fiscal_year(&name, input.start_date, input.end_date)
            .await?)
    }
}
