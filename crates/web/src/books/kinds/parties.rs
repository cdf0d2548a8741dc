//! Customers and suppliers.

use serde::Deserialize;
use tenantry_domain::Permission;
use tenantry_erp::masters::PartyInput;
use tenantry_erp::{Books, ErpError};
use tenantry_store::books::{ListQuery, Party, PartyKind};
use utoipa::ToSchema;

use super::declaration::{Editable, Kind, KindInfo, Written};
use crate::books::caller::BooksCaller;

pub struct Customers;
pub struct Suppliers;

/// A customer or a supplier: the two share their fields.
trait PartyKindOf {
    const KIND: PartyKind;
}

impl PartyKindOf for Customers {
    const KIND: PartyKind = PartyKind::Customer;
}

impl PartyKindOf for Suppliers {
    const KIND: PartyKind = PartyKind::Supplier;
}

macro_rules! party_kind {
    ($kind:ty, $info:expr) => {
        impl Kind for $kind {
            const INFO: KindInfo = $info;
            type Body = PartyBody;
            type Doc = Party;
            type Row = Party;

            async fn list(books: &Books, query: &ListQuery) -> Result<Vec<Party>, ErpError> {
                books.list_parties(<$kind>::KIND, query).await
            }

            async fn read(books: &Books, name: &str) -> Result<Party, ErpError> {
                books.party(<$kind>::KIND, name).await
            }

            async fn create(c: &BooksCaller, body: PartyBody) -> Result<Party, ErpError> {
                c.books.create_party(<$kind>::KIND, &body.into()).await
            }
        }

        impl Editable for $kind {
            type Change = PartyBody;

            async fn update(
                c: &BooksCaller,
                name: &str,
                body: PartyBody,
            ) -> Result<Party, ErpError> {
                c.books
                    .update_party(<$kind>::KIND, name, &body.into())
                    .await
            }
        }
    };
}

party_kind!(
    Customers,
    KindInfo {
        path: "customers",
        key: "name",
        doctype: "Customer",
        singular: "customer",
        write: Permission::ErpCreateSales,
    }
);

party_kind!(
    Suppliers,
    KindInfo {
        path: "suppliers",
        key: "name",
        doctype: "Supplier",
        singular: "supplier",
        write: Permission::ErpCreateAny,
    }
);

/// A customer or supplier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) tax_id: String,
    #[serde(default)]
    pub(crate) address_line1: String,
    #[serde(default)]
    pub(crate) address_line2: String,
    #[serde(default)]
    pub(crate) city: String,
    #[serde(default)]
    pub(crate) postcode: String,
    #[serde(default)]
    pub(crate) country: String,
    /// Days to pay, 0–365; 30 when absent.
    pub(crate) payment_terms_days: Option<i64>,
    #[serde(default)]
    pub(crate) disabled: bool,
}

impl From<PartyBody> for PartyInput {
    fn from(b: PartyBody) -> Self {
        PartyInput {
            name: b.name,
            email: b.email,
            phone: b.phone,
            tax_id: b.tax_id,
            address_line1: b.address_line1,
            address_line2: b.address_line2,
            city: b.city,
            postcode: b.postcode,
            country: b.country,
            payment_terms_days: b.payment_terms_days,
            disabled: b.disabled,
        }
    }
}

impl Written for PartyBody {}
