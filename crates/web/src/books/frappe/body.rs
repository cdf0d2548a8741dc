//! Request bodies: forms and JSON read strictly, and ERPNext's fields applied to the books' inputs.

use super::doctypes::party_title;
use super::json::invalid;
use super::json::Body;
use super::json::J;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::FromRequest;
use axum::extract::Request;
use axum::http::header;
use axum::http::HeaderMap;
use std::collections::BTreeMap;
use tenantry_domain::books::Amount;
use tenantry_domain::books::InvoiceKind;
use tenantry_domain::books::PaymentDirection;
use tenantry_domain::books::VatCategory;
use tenantry_erp::invoices::InvoiceInput;
use tenantry_erp::invoices::LineInput;
use tenantry_erp::journals::JournalDoc;
use tenantry_erp::journals::JournalInput;
use tenantry_erp::journals::JournalLineInput;
use tenantry_erp::masters::ItemInput;
use tenantry_erp::masters::PartyInput;
use tenantry_erp::payments::AllocationInput;
use tenantry_erp::payments::PaymentDoc;
use tenantry_erp::payments::PaymentInput;
use tenantry_erp::stock::StockEntryDoc;
use tenantry_erp::stock::StockEntryInput;
use tenantry_erp::stock::StockLineInput;
use tenantry_erp::ErpError;
use tenantry_store::books::PartyKind;

/// The document a POST or PUT carries: a JSON body, `{"data": …}` (an object or JSON text), or a
/// form with a `data` field holding JSON, as Frappe's own client sends it.
pub(super) async fn read_body(state: &AppState, req: Request) -> Result<J, ErpError> {
    let form = is_form(req.headers());
    let bytes = Bytes::from_request(req, state)
        .await
        .map_err(|e| invalid(e.body_text()))?;
    if form {
        let mut map: BTreeMap<String, String> = form_pairs(&bytes)?.into_iter().collect();
        return match map.remove("data") {
            Some(d) => J::parse(&d).map_err(invalid),
            None => Ok(J::Obj(
                map.into_iter().map(|(k, v)| (k, J::Str(v))).collect(),
            )),
        };
    }
    let text = utf8(&bytes)?;
    if text.trim().is_empty() {
        return Err(invalid("send the document as JSON"));
    }
    match J::parse(text).map_err(invalid)? {
        J::Obj(mut map) if map.contains_key("data") => match map.remove("data") {
            Some(J::Str(inner)) => J::parse(&inner).map_err(invalid),
            Some(other) => Ok(other),
            None => Ok(J::Null),
        },
        other => Ok(other),
    }
}

pub(super) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

pub(super) fn utf8(bytes: &[u8]) -> Result<&str, ErpError> {
    std::str::from_utf8(bytes).map_err(|_| invalid("the body is not UTF-8"))
}

/// A form body or a query string as name/value pairs, strictly: text that is not UTF-8 once
/// percent-decoded is refused, never replaced by U+FFFD as a lenient decoder would.
pub(super) fn form_pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, ErpError> {
    let decode = |part: &[u8]| -> Result<String, ErpError> {
        let mut out = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match part[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = part
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).map_err(|_| invalid("the form is not UTF-8"))
    };
    bytes
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = match p.iter().position(|b| *b == b'=') {
                Some(at) => (&p[..at], &p[at + 1..]),
                None => (p, &p[p.len()..]),
            };
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

/// Fields of ERPNext documents these books work out themselves or do not keep: accepted and
/// ignored, so that a document read from here (or from ERPNext) can be sent back.
pub(super) const PARTY_IGNORED: &[&str] = &[
    "customer_type",
    "customer_group",
    "supplier_group",
    "supplier_type",
    "territory",
    "default_currency",
    "language",
    "customer_name",
    "supplier_name",
];
pub(super) const ITEM_IGNORED: &[&str] = &[
    "description",
    "is_sales_item",
    "is_purchase_item",
    "include_item_in_manufacturing",
    "uoms",
];
pub(super) const ITEM_BARCODE_IGNORED: &[&str] = &["barcode_type", "uom"];
pub(super) const WAREHOUSE_IGNORED: &[&str] = &["is_group", "parent_warehouse", "warehouse_name"];
pub(super) const ACCOUNT_IGNORED: &[&str] = &["report_type", "account_currency"];
pub(super) const FISCAL_YEAR_IGNORED: &[&str] = &["is_short_year", "auto_created", "companies"];
pub(super) const INVOICE_IGNORED: &[&str] = &[
    "customer_name",
    "supplier_name",
    "status",
    "currency",
    "conversion_rate",
    "selling_price_list",
    "buying_price_list",
    "price_list_currency",
    "plc_conversion_rate",
    "total",
    "net_total",
    "total_taxes_and_charges",
    "grand_total",
    "rounded_total",
    "base_grand_total",
    "base_total",
    "base_net_total",
    "outstanding_amount",
    "taxes",
    "taxes_and_charges",
    "update_stock",
    "set_posting_time",
    "posting_time",
    "debit_to",
    "credit_to",
    "is_pos",
    "ignore_pricing_rule",
    "bill_no",
    "bill_date",
    "title",
];
pub(super) const INVOICE_LINE_IGNORED: &[&str] = &[
    "item_name",
    "uom",
    "stock_uom",
    "conversion_factor",
    "stock_qty",
    "amount",
    "net_amount",
    "net_rate",
    "base_rate",
    "base_amount",
    "base_net_amount",
    "price_list_rate",
    "income_account",
    "expense_account",
    "cost_center",
    "vat_amount",
];
pub(super) const PAYMENT_IGNORED: &[&str] = &[
    "party_name",
    "mode_of_payment",
    "paid_from_account_currency",
    "paid_to_account_currency",
    "source_exchange_rate",
    "target_exchange_rate",
    "reference_date",
    "status",
    "total_allocated_amount",
    "unallocated_amount",
    "difference_amount",
    "title",
];
pub(super) const PAYMENT_REFERENCE_IGNORED: &[&str] = &[
    "total_amount",
    "outstanding_amount",
    "due_date",
    "exchange_rate",
    "bill_no",
];
pub(super) const JOURNAL_IGNORED: &[&str] = &[
    "voucher_type",
    "title",
    "total_debit",
    "total_credit",
    "cheque_no",
    "cheque_date",
    "difference",
];
pub(super) const JOURNAL_LINE_IGNORED: &[&str] = &[
    "account_currency",
    "exchange_rate",
    "cost_center",
    "is_advance",
    "account_type",
];
pub(super) const STOCK_ENTRY_IGNORED: &[&str] = &[
    "total_outgoing_value",
    "total_incoming_value",
    "value_difference",
    "total_amount",
    "title",
];
pub(super) const STOCK_LINE_IGNORED: &[&str] = &[
    "uom",
    "stock_uom",
    "conversion_factor",
    "transfer_qty",
    "amount",
    "basic_amount",
    "valuation_rate",
    "expense_account",
    "cost_center",
    "item_name",
];

pub(super) fn apply_party(
    b: &mut Body,
    kind: PartyKind,
    p: &mut PartyInput,
) -> Result<(), ErpError> {
    let name_key = match kind {
        PartyKind::Customer => "customer_name",
        PartyKind::Supplier => "supplier_name",
    };
    if let Some(v) = b.text(name_key)? {
        p.name = v;
    }
    if let Some(v) = b.text("email_id")? {
        p.email = v;
    }
    if let Some(v) = b.text("mobile_no")? {
        p.phone = v;
    }
    if let Some(v) = b.text("tax_id")? {
        p.tax_id = v;
    }
    if let Some(v) = b.text("address_line1")? {
        p.address_line1 = v;
    }
    if let Some(v) = b.text("address_line2")? {
        p.address_line2 = v;
    }
    if let Some(v) = b.text("city")? {
        p.city = v;
    }
    if let Some(v) = b.text("pincode")? {
        p.postcode = v;
    }
    if let Some(v) = b.text("country")? {
        p.country = v;
    }
    if let Some(v) = b.int("payment_terms_days")? {
        p.payment_terms_days = Some(v);
    }
    if let Some(v) = b.flag("disabled")? {
        p.disabled = v;
    }
    Ok(())
}

pub(super) fn apply_item(b: &mut Body, i: &mut ItemInput) -> Result<(), ErpError> {
    if let Some(v) = b.text("item_code")? {
        i.item_code = v;
    }
    if let Some(v) = b.text("item_name")? {
        i.item_name = v;
    }
    if b.has("item_group") {
        i.item_group = b.text("item_group")?;
    }
    if let Some(v) = b.text("stock_uom")? {
        i.unit = v;
    }
    if let Some(v) = b.flag("is_stock_item")? {
        i.is_stock = v;
    }
    if let Some(v) = b.amount("standard_rate")? {
        i.selling_price = v;
    }
    if let Some(v) = b.amount("buying_price")? {
        i.buying_price = v;
    }
    if let Some(v) = b.text("vat_category")? {
        i.vat_category = Some(VatCategory::parse(&v)?);
    }
    if let Some(v) = b.flag("disabled")? {
        i.disabled = v;
    }
    if let Some(rows) = b.rows("barcodes", "Item Barcode")? {
        let mut barcodes = Vec::with_capacity(rows.len());
        for mut r in rows {
            if let Some(code) = r.text("barcode")? {
                barcodes.push(code);
            }
            r.finish(ITEM_BARCODE_IGNORED)?;
        }
        i.barcodes = barcodes;
    }
    Ok(())
}

pub(super) fn apply_invoice(
    b: &mut Body,
    kind: InvoiceKind,
    i: &mut InvoiceInput,
) -> Result<(), ErpError> {
    let party_key = match kind {
        InvoiceKind::Sales => "customer",
        InvoiceKind::Purchase => "supplier",
    };
    if let Some(v) = b.text(party_key)? {
        i.party = v;
    }
    if b.has("posting_date") {
        i.posting_date = b.date("posting_date")?;
    }
    if b.has("due_date") {
        i.due_date = b.date("due_date")?;
    }
    if let Some(v) = b.flag("is_return")? {
        i.is_return = v;
    }
    if b.has("return_against") {
        i.return_against = b.text("return_against")?.filter(|r| !r.trim().is_empty());
    }
    if let Some(v) = b.text("remarks")? {
        i.remarks = v;
    }
    let default_warehouse = b.text("set_warehouse")?.filter(|w| !w.trim().is_empty());
    if let Some(rows) = b.rows("items", "Invoice Item")? {
        let mut lines = Vec::with_capacity(rows.len());
        for (n, mut r) in rows.into_iter().enumerate() {
            let item_code = r
                .text("item_code")?
                .ok_or_else(|| invalid(format!("items row {}: item_code is required", n + 1)))?;
            let qty = r
                .qty("qty")?
                .ok_or_else(|| invalid(format!("items row {}: qty is required", n + 1)))?;
            let line = LineInput {
                item_code,
                qty,
                rate: r.amount("rate")?,
                description: r.text("description")?.unwrap_or_default(),
                warehouse: r.text("warehouse")?.or_else(|| default_warehouse.clone()),
                vat_category: r
                    .text("vat_category")?
                    .map(|v| VatCategory::parse(&v))
                    .transpose()?,
            };
            r.finish(INVOICE_LINE_IGNORED)?;
            lines.push(line);
        }
        i.items = lines;
    } else if let Some(w) = default_warehouse {
        for l in &mut i.items {
            l.warehouse = Some(w.clone());
        }
    }
    Ok(())
}

pub(super) fn apply_payment(b: &mut Body, p: &mut PaymentInput) -> Result<(), ErpError> {
    if let Some(v) = b.text("payment_type")? {
        p.payment_type = PaymentDirection::parse(&v)?;
    }
    if let Some(v) = b.text("party_type")? {
        p.party_type = match v.to_ascii_lowercase().as_str() {
            "customer" => PartyKind::Customer,
            "supplier" => PartyKind::Supplier,
            _ => return Err(invalid("party_type must be Customer or Supplier")),
        };
    }
    if let Some(v) = b.text("party")? {
        p.party = v;
    }
    if b.has("posting_date") {
        p.posting_date = b.date("posting_date")?;
    }
    if let Some(v) = b.amount_either("paid_amount", "received_amount")? {
        p.amount = v;
    }
    // The bank or cash side: money comes in to `paid_to`, goes out from `paid_from`; the other
    // side is the party's account, which these books choose.
    let bank_key = match p.payment_type {
        PaymentDirection::Receive => "paid_to",
        PaymentDirection::Pay => "paid_from",
    };
    if b.has(bank_key) {
        p.account = b.text(bank_key)?.filter(|a| !a.trim().is_empty());
    }
    b.take(match p.payment_type {
        PaymentDirection::Receive => "paid_from",
        PaymentDirection::Pay => "paid_to",
    });
    if let Some(v) = b.text("reference_no")? {
        p.reference = v;
    }
    if let Some(v) = b.text("remarks")? {
        p.remarks = v;
    }
    if let Some(rows) = b.rows("references", "Payment Entry Reference")? {
        let expected = match p.party_type {
            PartyKind::Customer => "Sales Invoice",
            PartyKind::Supplier => "Purchase Invoice",
        };
        let mut allocations = Vec::with_capacity(rows.len());
        for (n, mut r) in rows.into_iter().enumerate() {
            if let Some(dt) = r.text("reference_doctype")? {
                if dt != expected {
                    return Err(invalid(format!(
                        "references row {}: a {} payment settles {expected}s, not {dt}",
                        n + 1,
                        party_title(p.party_type.as_str())
                    )));
                }
            }
            let invoice = r.text("reference_name")?.ok_or_else(|| {
                invalid(format!(
                    "references row {}: reference_name is required",
                    n + 1
                ))
            })?;
            let amount = r.amount("allocated_amount")?.ok_or_else(|| {
                invalid(format!(
                    "references row {}: allocated_amount is required",
                    n + 1
                ))
            })?;
            r.finish(PAYMENT_REFERENCE_IGNORED)?;
            allocations.push(AllocationInput { invoice, amount });
        }
        p.allocations = allocations;
    }
    Ok(())
}

pub(super) fn apply_journal(b: &mut Body, j: &mut JournalInput) -> Result<(), ErpError> {
    if b.has("posting_date") {
        j.posting_date = b.date("posting_date")?;
    }
    if let Some(v) = b.text("user_remark")? {
        j.remarks = v;
    }
    if let Some(rows) = b.rows("accounts", "Journal Entry Account")? {
        let mut lines = Vec::with_capacity(rows.len());
        for (n, mut r) in rows.into_iter().enumerate() {
            let account = r
                .text("account")?
                .ok_or_else(|| invalid(format!("accounts row {}: account is required", n + 1)))?;
            let party_type = match r.text("party_type")?.filter(|t| !t.trim().is_empty()) {
                None => None,
                Some(t) => Some(match t.to_ascii_lowercase().as_str() {
                    "customer" => PartyKind::Customer,
                    "supplier" => PartyKind::Supplier,
                    _ => {
                        return Err(invalid(format!(
                            "accounts row {}: party_type must be Customer or Supplier",
                            n + 1
                        )))
                    }
                }),
            };
            let line = JournalLineInput {
                account,
                party_type,
                party: r.text("party")?.filter(|p| !p.trim().is_empty()),
                debit: r
                    .amount_either("debit_in_account_currency", "debit")?
                    .unwrap_or(Amount::ZERO),
                credit: r
                    .amount_either("credit_in_account_currency", "credit")?
                    .unwrap_or(Amount::ZERO),
            };
            r.finish(JOURNAL_LINE_IGNORED)?;
            lines.push(line);
        }
        j.accounts = lines;
    }
    Ok(())
}

pub(super) fn apply_stock_entry(b: &mut Body, e: &mut StockEntryInput) -> Result<(), ErpError> {
    match (b.text("stock_entry_type")?, b.text("purpose")?) {
        (Some(x), Some(y)) if !x.eq_ignore_ascii_case(&y) => {
            return Err(invalid(format!(
                "stock_entry_type ({x}) and purpose ({y}) disagree"
            )))
        }
        (Some(x), _) | (None, Some(x)) => e.purpose = x,
        (None, None) => {}
    }
    if b.has("posting_date") {
        e.posting_date = b.date("posting_date")?;
    }
    if let Some(v) = b.text("remarks")? {
        e.remarks = v;
    }
    let from = b.text("from_warehouse")?.filter(|w| !w.trim().is_empty());
    let to = b.text("to_warehouse")?.filter(|w| !w.trim().is_empty());
    if let Some(rows) = b.rows("items", "Stock Entry Detail")? {
        let mut lines = Vec::with_capacity(rows.len());
        for (n, mut r) in rows.into_iter().enumerate() {
            let item_code = r
                .text("item_code")?
                .ok_or_else(|| invalid(format!("items row {}: item_code is required", n + 1)))?;
            let qty = r
                .qty("qty")?
                .ok_or_else(|| invalid(format!("items row {}: qty is required", n + 1)))?;
            let line = StockLineInput {
                item_code,
                qty,
                s_warehouse: r
                    .text("s_warehouse")?
                    .filter(|w| !w.trim().is_empty())
                    .or_else(|| from.clone()),
                t_warehouse: r
                    .text("t_warehouse")?
                    .filter(|w| !w.trim().is_empty())
                    .or_else(|| to.clone()),
                basic_rate: r.amount("basic_rate")?,
            };
            r.finish(STOCK_LINE_IGNORED)?;
            lines.push(line);
        }
        e.items = lines;
    }
    Ok(())
}

/// The inputs that would write a stored document back unchanged: where a partial update starts.
pub(crate) fn payment_input_of(doc: &PaymentDoc) -> PaymentInput {
    PaymentInput {
        payment_type: doc.payment.direction,
        party_type: match doc.payment.party_kind.as_str() {
            "supplier" => PartyKind::Supplier,
            _ => PartyKind::Customer,
        },
        party: doc.payment.party_name.clone(),
        posting_date: Some(doc.payment.posting_date),
        amount: doc.payment.amount,
        account: Some(doc.payment.account_name.clone()),
        reference: doc.payment.reference.clone(),
        remarks: doc.payment.remarks.clone(),
        allocations: doc
            .allocations
            .iter()
            .map(|a| AllocationInput {
                invoice: a.invoice_number.clone().unwrap_or_default(),
                amount: a.amount,
            })
            .collect(),
    }
}

pub(crate) fn journal_input_of(doc: &JournalDoc) -> JournalInput {
    JournalInput {
        posting_date: Some(doc.journal.posting_date),
        remarks: doc.journal.remarks.clone(),
        accounts: doc
            .accounts
            .iter()
            .map(|l| JournalLineInput {
                account: l.account_name.clone(),
                party_type: l.party_kind.as_deref().map(|k| match k {
                    "supplier" => PartyKind::Supplier,
                    _ => PartyKind::Customer,
                }),
                party: l.party_name.clone(),
                debit: l.debit,
                credit: l.credit,
            })
            .collect(),
    }
}

pub(crate) fn stock_entry_input_of(
    doc: &StockEntryDoc,
    warehouses: &[(i64, String)],
) -> StockEntryInput {
    let name = |id: Option<i64>| {
        id.and_then(|id| warehouses.iter().find(|w| w.0 == id).map(|w| w.1.clone()))
    };
    StockEntryInput {
        purpose: doc.entry.purpose.title().to_owned(),
        posting_date: Some(doc.entry.posting_date),
        remarks: doc.entry.remarks.clone(),
        items: doc
            .items
            .iter()
            .map(|l| StockLineInput {
                item_code: l.item_code.clone(),
                qty: l.qty,
                s_warehouse: name(l.from_warehouse_id),
                t_warehouse: name(l.to_warehouse_id),
                basic_rate: Some(l.rate),
            })
            .collect(),
    }
}

/// Whether applying a body changed an input: compared as written, as Frappe compares a document
/// sent back with the stored one.
pub(super) fn differs(a: &impl std::fmt::Debug, b: &impl std::fmt::Debug) -> bool {
    format!("{a:?}") != format!("{b:?}")
}
