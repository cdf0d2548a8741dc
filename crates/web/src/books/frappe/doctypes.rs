//! The DocTypes: names, rights, field renames, filters on stored columns, and each DocType's fields and values.

use super::doc::check;
use super::doc::day;
use super::doc::money;
use super::doc::opt;
use super::doc::s;
use super::doc::stamp;
use super::doc::unix_of;
use super::doc::V;
use super::filters::expand_filter;
use super::filters::parse_order;
use super::filters::RawFilter;
use super::json::invalid;
use super::json::J;
use crate::books::kinds;
use std::collections::HashMap;
use tenantry_domain::books::InvoiceKind;
use tenantry_domain::books::PaymentDirection;
use tenantry_domain::books::{AccountType, RootType};
use tenantry_domain::Permission;
use tenantry_erp::ErpError;
use tenantry_store::books::Account;
use tenantry_store::books::Filter;
use tenantry_store::books::FilterOp;
use tenantry_store::books::FilterValue;
use tenantry_store::books::FiscalYear;
use tenantry_store::books::Invoice;
use tenantry_store::books::Item;
use tenantry_store::books::LedgerLine;
use tenantry_store::books::ListQuery;
use tenantry_store::books::Party;
use tenantry_store::books::PartyKind;
use tenantry_store::books::Payment;
use tenantry_store::books::StockEntry;
use tenantry_store::books::StockPurpose;
use tenantry_store::books::Warehouse;
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Doctype {
    Customer,
    Supplier,
    Item,
    Warehouse,
    Account,
    FiscalYear,
    SalesInvoice,
    PurchaseInvoice,
    PaymentEntry,
    JournalEntry,
    StockEntry,
    GlEntry,
}

impl Doctype {
    pub(super) const ALL: [Doctype; 12] = [
        Doctype::Customer,
        Doctype::Supplier,
        Doctype::Item,
        Doctype::Warehouse,
        Doctype::Account,
        Doctype::FiscalYear,
        Doctype::SalesInvoice,
        Doctype::PurchaseInvoice,
        Doctype::PaymentEntry,
        Doctype::JournalEntry,
        Doctype::StockEntry,
        Doctype::GlEntry,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Doctype::Customer => "Customer",
            Doctype::Supplier => "Supplier",
            Doctype::Item => "Item",
            Doctype::Warehouse => "Warehouse",
            Doctype::Account => "Account",
            Doctype::FiscalYear => "Fiscal Year",
            Doctype::SalesInvoice => "Sales Invoice",
            Doctype::PurchaseInvoice => "Purchase Invoice",
            Doctype::PaymentEntry => "Payment Entry",
            Doctype::JournalEntry => "Journal Entry",
            Doctype::StockEntry => "Stock Entry",
            Doctype::GlEntry => "GL Entry",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(s.trim()))
    }

    /// What reading it takes: the ledger itself is the accountants' (as the general ledger
    /// report is).
    pub(super) fn read_permission(self) -> Permission {
        match self {
            Doctype::GlEntry => Permission::ErpReports,
            _ => Permission::ErpRead,
        }
    }

    /// What creating or editing it takes, as its kind is declared; none for the ledger, which
    /// only submitting writes.
    pub(super) fn write_permission(self) -> Option<Permission> {
        kinds::by_doctype(self.name()).map(|k| k.info.write)
    }

    /// Whether its kind is declared with the document life cycle.
    pub(super) fn is_submittable(self) -> bool {
        kinds::by_doctype(self.name()).is_some_and(|k| k.lifecycle == kinds::Lifecycle::Document)
    }

    /// Frappe field names that the store's lists call otherwise.
    pub(super) fn rename(self, field: &str) -> String {
        let renamed = match (self, field) {
            (Doctype::Customer, "customer_name") | (Doctype::Supplier, "supplier_name") => "name",
            (Doctype::Customer | Doctype::Supplier, "email_id") => "email",
            (Doctype::Customer | Doctype::Supplier, "pincode") => "postcode",
            (Doctype::Item, "name") => "item_code",
            (Doctype::Warehouse, "warehouse_name") => "name",
            (Doctype::Account, "account_name") => "name",
            (Doctype::FiscalYear, "year") => "name",
            (Doctype::FiscalYear, "year_start_date") => "start_date",
            (Doctype::FiscalYear, "year_end_date") => "end_date",
            (Doctype::SalesInvoice, "customer_name") => "customer",
            (Doctype::PurchaseInvoice, "supplier_name") => "supplier",
            (Doctype::SalesInvoice | Doctype::PurchaseInvoice, "total") => "net_total",
            (Doctype::PaymentEntry, "party_name") => "party",
            (Doctype::PaymentEntry, "received_amount") => "paid_amount",
            (Doctype::StockEntry, "stock_entry_type") => "purpose",
            _ => field,
        };
        renamed.to_owned()
    }
}

/// How a filter's value is read for a column whose stored value is spelt otherwise.
pub(super) fn convert_value(
    d: Doctype,
    column: &str,
    v: FilterValue,
) -> Result<FilterValue, ErpError> {
    let each = |v: FilterValue, f: &dyn Fn(&str) -> Result<FilterValue, ErpError>| match v {
        FilterValue::Text(t) => f(&t),
        FilterValue::List(items) => items
            .into_iter()
            .map(|i| match i {
                FilterValue::Text(t) => f(&t),
                other => Ok(other),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(FilterValue::List),
        other => Ok(other),
    };
    match (d, column) {
        (_, "creation" | "modified") => each(v, &|t| {
            Ok(match unix_of(t) {
                Some(u) => FilterValue::Int(u),
                None => FilterValue::Text(t.to_owned()),
            })
        }),
        (Doctype::Account, "root_type") => each(v, &|t| {
            Ok(FilterValue::Text(
                RootType::parse(t)
                    .map(|r| r.as_str().to_owned())
                    .unwrap_or_else(|_| t.to_owned()),
            ))
        }),
        (Doctype::Account, "account_type") => each(v, &|t| {
            if t.eq_ignore_ascii_case("tax") {
                return Err(invalid(
                    "filter on account_type: name tax_output or tax_input (Tax covers both)",
                ));
            }
            Ok(FilterValue::Text(
                account_type_of(t, None)
                    .map(|a| a.as_str().to_owned())
                    .unwrap_or_else(|_| t.to_owned()),
            ))
        }),
        (Doctype::PaymentEntry, "payment_type") => {
            each(v, &|t| Ok(FilterValue::Text(t.to_ascii_lowercase())))
        }
        (Doctype::StockEntry, "purpose") => each(v, &|t| {
            Ok(FilterValue::Text(
                StockPurpose::parse(t).map_or_else(|| t.to_owned(), |p| p.as_str().to_owned()),
            ))
        }),
        _ => Ok(v),
    }
}

/// An invoice's `status` filter, as conditions on what is stored (the statuses that are a
/// matter of stored columns alone).
pub(super) fn status_filters(f: &RawFilter, today: Date) -> Result<Vec<Filter>, ErpError> {
    let status =
        match (&f.op.trim().to_ascii_lowercase()[..], &f.value) {
            ("=", J::Str(s)) => s.clone(),
            _ => return Err(invalid(
                "filter on status: only status = Draft, Submitted, Cancelled, Return or Overdue; \
                 for the others filter on outstanding_amount and due_date",
            )),
        };
    let f = |column: &str, op: FilterOp, value: FilterValue| Filter {
        column: column.into(),
        op,
        value,
    };
    let docstatus = |d: i64| f("docstatus", FilterOp::Eq, FilterValue::Int(d));
    Ok(match status.as_str() {
        "Draft" => vec![docstatus(0)],
        "Submitted" => vec![docstatus(1)],
        "Cancelled" => vec![docstatus(2)],
        "Return" => vec![
            docstatus(1),
            f("is_return", FilterOp::Eq, FilterValue::Bool(true)),
        ],
        "Overdue" => vec![
            docstatus(1),
            f("is_return", FilterOp::Eq, FilterValue::Bool(false)),
            f("outstanding_amount", FilterOp::Gt, FilterValue::Int(0)),
            f("due_date", FilterOp::Lt, FilterValue::Date(today)),
        ],
        other => {
            return Err(invalid(format!(
                "filter on status: {other:?} is worked out from the outstanding amount; \
                 filter on outstanding_amount and due_date instead"
            )))
        }
    })
}

/// A list query from Frappe's parameters, for a DocType the store lists.
pub(super) fn list_query(
    d: Doctype,
    filters: &[RawFilter],
    order_by: &str,
    start: i64,
    page: i64,
    today: Date,
) -> Result<ListQuery, ErpError> {
    let mut out = Vec::new();
    for f in filters {
        if f.field == "status" && matches!(d, Doctype::SalesInvoice | Doctype::PurchaseInvoice) {
            out.extend(status_filters(f, today)?);
            continue;
        }
        let column = d.rename(&f.field);
        for mut filter in expand_filter(&column, f)? {
            filter.value = convert_value(d, &column, filter.value)?;
            out.push(filter);
        }
    }
    Ok(ListQuery {
        search: None,
        filters: out,
        order_by: parse_order(order_by, |f| d.rename(f))?,
        limit: page,
        offset: start,
    })
}

// ---- field values per DocType ----

pub(super) const CUSTOMER_FIELDS: &[&str] = &[
    "name",
    "customer_name",
    "email_id",
    "mobile_no",
    "tax_id",
    "address_line1",
    "address_line2",
    "city",
    "pincode",
    "country",
    "payment_terms_days",
    "disabled",
    "docstatus",
];

pub(super) const SUPPLIER_FIELDS: &[&str] = &[
    "name",
    "supplier_name",
    "email_id",
    "mobile_no",
    "tax_id",
    "address_line1",
    "address_line2",
    "city",
    "pincode",
    "country",
    "payment_terms_days",
    "disabled",
    "docstatus",
];

pub(super) fn party_fields(kind: PartyKind) -> &'static [&'static str] {
    match kind {
        PartyKind::Customer => CUSTOMER_FIELDS,
        PartyKind::Supplier => SUPPLIER_FIELDS,
    }
}

pub(super) fn party_value(p: &Party, f: &str) -> Option<V> {
    Some(match f {
        "name" | "customer_name" | "supplier_name" => s(&p.name),
        "email_id" => s(&p.email),
        "mobile_no" => s(&p.phone),
        "tax_id" => s(&p.tax_id),
        "address_line1" => s(&p.address_line1),
        "address_line2" => s(&p.address_line2),
        "city" => s(&p.city),
        "pincode" => s(&p.postcode),
        "country" => s(&p.country),
        "payment_terms_days" => V::Int(p.payment_terms_days),
        "disabled" => check(p.disabled),
        "docstatus" => V::Int(0),
        _ => return None,
    })
}

pub(super) const ITEM_FIELDS: &[&str] = &[
    "name",
    "item_code",
    "item_name",
    "item_group",
    "stock_uom",
    "is_stock_item",
    "standard_rate",
    "buying_price",
    "vat_category",
    "disabled",
    "docstatus",
];

pub(super) fn item_value(i: &Item, f: &str) -> Option<V> {
    Some(match f {
        "name" | "item_code" => s(&i.code),
        "item_name" => s(&i.name),
        "item_group" => opt(i.item_group.clone()),
        "stock_uom" => s(&i.unit),
        "is_stock_item" => check(i.is_stock),
        "standard_rate" => money(i.selling_price),
        "buying_price" => money(i.buying_price),
        "vat_category" => s(i.vat_category.as_str()),
        "disabled" => check(i.disabled),
        "docstatus" => V::Int(0),
        _ => return None,
    })
}

pub(super) const WAREHOUSE_FIELDS: &[&str] = &[
    "name",
    "warehouse_name",
    "is_group",
    "disabled",
    "docstatus",
];

pub(super) fn warehouse_value(w: &Warehouse, f: &str) -> Option<V> {
    Some(match f {
        "name" | "warehouse_name" => s(&w.name),
        "is_group" => V::Int(0),
        "disabled" => check(w.disabled),
        "docstatus" => V::Int(0),
        _ => return None,
    })
}

pub(super) const FISCAL_YEAR_FIELDS: &[&str] = &[
    "name",
    "year",
    "year_start_date",
    "year_end_date",
    "disabled",
    "docstatus",
];

pub(super) fn fiscal_year_value(y: &FiscalYear, f: &str) -> Option<V> {
    Some(match f {
        "name" | "year" => s(&y.name),
        "year_start_date" => day(y.start_date),
        "year_end_date" => day(y.end_date),
        "disabled" => check(false),
        "docstatus" => V::Int(0),
        _ => return None,
    })
}

pub(super) const ACCOUNT_FIELDS: &[&str] = &[
    "name",
    "account_name",
    "account_number",
    "parent_account",
    "root_type",
    "report_type",
    "account_type",
    "is_group",
    "disabled",
    "docstatus",
];

pub(super) fn account_value(a: &Account, names: &HashMap<i64, String>, f: &str) -> Option<V> {
    Some(match f {
        "name" | "account_name" => s(&a.name),
        "account_number" => s(&a.number),
        "parent_account" => opt(a.parent_id.and_then(|p| names.get(&p).cloned())),
        "root_type" => s(a.root_type.title()),
        "report_type" => s(if a.root_type.is_profit_and_loss() {
            "Profit and Loss"
        } else {
            "Balance Sheet"
        }),
        "account_type" => s(a.account_type.title()),
        "is_group" => check(a.is_group),
        "disabled" => check(a.disabled),
        "docstatus" => V::Int(0),
        _ => return None,
    })
}

pub(super) const SALES_INVOICE_FIELDS: &[&str] = &[
    "name",
    "customer",
    "customer_name",
    "posting_date",
    "due_date",
    "docstatus",
    "status",
    "is_return",
    "return_against",
    "currency",
    "total",
    "net_total",
    "total_taxes_and_charges",
    "grand_total",
    "rounded_total",
    "outstanding_amount",
    "remarks",
    "owner",
    "creation",
    "modified",
];

pub(super) const PURCHASE_INVOICE_FIELDS: &[&str] = &[
    "name",
    "supplier",
    "supplier_name",
    "posting_date",
    "due_date",
    "docstatus",
    "status",
    "is_return",
    "return_against",
    "currency",
    "total",
    "net_total",
    "total_taxes_and_charges",
    "grand_total",
    "rounded_total",
    "outstanding_amount",
    "remarks",
    "owner",
    "creation",
    "modified",
];

pub(super) fn invoice_fields(kind: InvoiceKind) -> &'static [&'static str] {
    match kind {
        InvoiceKind::Sales => SALES_INVOICE_FIELDS,
        InvoiceKind::Purchase => PURCHASE_INVOICE_FIELDS,
    }
}

/// What invoice values need besides the row.
pub(super) struct InvoiceCtx {
    pub(super) today: Date,
    pub(super) currency: String,
}

pub(super) fn invoice_value(i: &Invoice, ctx: &InvoiceCtx, f: &str) -> Option<V> {
    Some(match f {
        "name" => s(i.name()),
        "customer" | "customer_name" | "supplier" | "supplier_name" => s(&i.party_name),
        "posting_date" => day(i.posting_date),
        "due_date" => day(i.due_date),
        "docstatus" => V::Int(i.docstatus.code()),
        "status" => s(i.status(ctx.today).label()),
        "is_return" => check(i.is_return),
        "return_against" => opt(i.return_against.clone()),
        "currency" => s(&ctx.currency),
        "total" | "net_total" => money(i.net_total),
        "total_taxes_and_charges" => money(i.vat_total),
        "grand_total" | "rounded_total" => money(i.grand_total),
        "outstanding_amount" => money(i.outstanding),
        "remarks" => s(&i.remarks),
        "owner" => s(&i.created_by),
        "creation" => stamp(i.created_at),
        "modified" => stamp(i.updated_at),
        _ => return None,
    })
}

pub(super) const PAYMENT_FIELDS: &[&str] = &[
    "name",
    "payment_type",
    "party_type",
    "party",
    "party_name",
    "posting_date",
    "paid_amount",
    "received_amount",
    "paid_from",
    "paid_to",
    "reference_no",
    "remarks",
    "status",
    "docstatus",
    "owner",
    "creation",
];

/// The party accounts a payment's `paid_from` / `paid_to` name.
pub(super) struct PaymentCtx {
    pub(super) receivable: String,
    pub(super) payable: String,
}

pub(super) fn party_title(kind: &str) -> &'static str {
    match kind {
        "supplier" => "Supplier",
        _ => "Customer",
    }
}

pub(super) fn payment_value(p: &Payment, ctx: &PaymentCtx, f: &str) -> Option<V> {
    let party_account = || match p.party_kind.as_str() {
        "supplier" => ctx.payable.clone(),
        _ => ctx.receivable.clone(),
    };
    Some(match f {
        "name" => s(p.name()),
        "payment_type" => s(p.direction.title()),
        "party_type" => s(party_title(&p.party_kind)),
        "party" | "party_name" => s(&p.party_name),
        "posting_date" => day(p.posting_date),
        "paid_amount" | "received_amount" => money(p.amount),
        "paid_from" => s(match p.direction {
            PaymentDirection::Receive => party_account(),
            PaymentDirection::Pay => p.account_name.clone(),
        }),
        "paid_to" => s(match p.direction {
            PaymentDirection::Receive => p.account_name.clone(),
            PaymentDirection::Pay => party_account(),
        }),
        "reference_no" => s(&p.reference),
        "remarks" => s(&p.remarks),
        "status" => s(p.docstatus.label()),
        "docstatus" => V::Int(p.docstatus.code()),
        "owner" => s(&p.created_by),
        "creation" => stamp(p.created_at),
        _ => return None,
    })
}

pub(super) const JOURNAL_FIELDS: &[&str] = &[
    "name",
    "voucher_type",
    "posting_date",
    "user_remark",
    "total_debit",
    "total_credit",
    "docstatus",
    "owner",
    "creation",
];

pub(super) fn journal_value(j: &tenantry_store::books::JournalEntry, f: &str) -> Option<V> {
    Some(match f {
        "name" => s(j.name()),
        "voucher_type" => s("Journal Entry"),
        "posting_date" => day(j.posting_date),
        "user_remark" => s(&j.remarks),
        "total_debit" | "total_credit" => money(j.total_debit),
        "docstatus" => V::Int(j.docstatus.code()),
        "owner" => s(&j.created_by),
        "creation" => stamp(j.created_at),
        _ => return None,
    })
}

pub(super) const STOCK_ENTRY_FIELDS: &[&str] = &[
    "name",
    "stock_entry_type",
    "purpose",
    "posting_date",
    "remarks",
    "docstatus",
    "owner",
    "creation",
];

pub(super) fn stock_entry_value(e: &StockEntry, f: &str) -> Option<V> {
    Some(match f {
        "name" => s(e.name()),
        "stock_entry_type" | "purpose" => s(e.purpose.title()),
        "posting_date" => day(e.posting_date),
        "remarks" => s(&e.remarks),
        "docstatus" => V::Int(e.docstatus.code()),
        "owner" => s(&e.created_by),
        "creation" => stamp(e.created_at),
        _ => return None,
    })
}

pub(super) const GL_FIELDS: &[&str] = &[
    "name",
    "posting_date",
    "account",
    "party_type",
    "party",
    "debit",
    "credit",
    "debit_in_account_currency",
    "credit_in_account_currency",
    "voucher_type",
    "voucher_no",
    "is_cancelled",
    "docstatus",
];

pub(super) fn gl_name(id: i64) -> String {
    format!("GLE-{id}")
}

pub(super) fn gl_value(l: &LedgerLine, f: &str) -> Option<V> {
    Some(match f {
        "name" => s(gl_name(l.id)),
        "posting_date" => day(l.posting_date),
        "account" => s(&l.account_name),
        "party_type" => opt(l.party_kind.as_deref().map(party_title)),
        "party" => opt(l.party_name.clone()),
        "debit" | "debit_in_account_currency" => money(l.debit),
        "credit" | "credit_in_account_currency" => money(l.credit),
        "voucher_type" => s(&l.voucher_type),
        "voucher_no" => s(&l.voucher_no),
        "is_cancelled" => check(l.is_cancelled),
        "docstatus" => V::Int(1),
        _ => return None,
    })
}

/// An account type as Frappe spells it ("Receivable", "Cost of Goods Sold", "Tax") or as stored
/// ("cost_of_goods_sold"); "Tax" is output or input VAT by the account's root type.
pub(super) fn account_type_of(t: &str, root: Option<RootType>) -> Result<AccountType, ErpError> {
    let t = t.trim();
    if t.is_empty() {
        return Ok(AccountType::Other);
    }
    if t.eq_ignore_ascii_case("tax") {
        return match root {
            Some(RootType::Asset) => Ok(AccountType::TaxInput),
            Some(RootType::Liability) => Ok(AccountType::TaxOutput),
            _ => Err(invalid(
                "account_type Tax: give root_type Asset (VAT on purchases) or Liability (VAT on sales), or name tax_input or tax_output",
            )),
        };
    }
    AccountType::ALL
        .into_iter()
        .find(|a| a.title().eq_ignore_ascii_case(t) || a.as_str().eq_ignore_ascii_case(t))
        .ok_or_else(|| invalid(format!("account_type {t:?} is not one these books know")))
}
