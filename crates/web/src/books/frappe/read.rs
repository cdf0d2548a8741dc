//! GET `/api/resource/<DocType>/<name>`: one document, whole, with its child tables.

use super::doc::child;
use super::doc::money;
use super::doc::opt;
use super::doc::qty;
use super::doc::s;
use super::doc::whole;
use super::doc::Doc;
use super::doc::V;
use super::doctypes::account_value;
use super::doctypes::fiscal_year_value;
use super::doctypes::gl_value;
use super::doctypes::invoice_fields;
use super::doctypes::invoice_value;
use super::doctypes::item_value;
use super::doctypes::journal_value;
use super::doctypes::party_fields;
use super::doctypes::party_title;
use super::doctypes::party_value;
use super::doctypes::payment_value;
use super::doctypes::stock_entry_value;
use super::doctypes::warehouse_value;
use super::doctypes::Doctype;
use super::doctypes::InvoiceCtx;
use super::doctypes::ACCOUNT_FIELDS;
use super::doctypes::FISCAL_YEAR_FIELDS;
use super::doctypes::GL_FIELDS;
use super::doctypes::ITEM_FIELDS;
use super::doctypes::JOURNAL_FIELDS;
use super::doctypes::PAYMENT_FIELDS;
use super::doctypes::STOCK_ENTRY_FIELDS;
use super::doctypes::WAREHOUSE_FIELDS;
use super::errors::data;
use super::errors::doctype_of;
use super::errors::erp_error;
use super::errors::need;
use super::errors::FrappeCaller;
use super::list::account_names;
use super::list::gl_id;
use super::list::invoice_kind;
use super::list::party_kind;
use super::list::payment_ctx;
use super::list::warehouse_names;
use crate::books::caller::today;
use crate::books::caller::BooksCaller;
use axum::extract::Path;
use axum::response::Response;
use std::collections::HashMap;
use tenantry_domain::books::Amount;
use tenantry_domain::books::InvoiceKind;
use tenantry_domain::books::VatCategory;
use tenantry_erp::invoices::InvoiceDoc;
use tenantry_erp::journals::JournalDoc;
use tenantry_erp::payments::PaymentDoc;
use tenantry_erp::stock::StockEntryDoc;
use tenantry_erp::Books;
use tenantry_erp::ErpError;
use tenantry_store::books::Item;
use tenantry_store::books::LedgerQuery;
use time::Date;

/// GET `/api/resource/<DocType>/<name>`.
#[utoipa::path(get, path = "/api/resource/{doctype}/{name}", tag = "erpnext",
    params(("doctype" = String, Path, description = "as for the list"), ("name" = String, Path, description = "the document's name: a customer's name, an item's code, an invoice's number (SINV-2026-00001) or draft name (SINV-DRAFT-7), GLE-<n> for a ledger entry")),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"data\": {…, \"items\": [{…}]}}`", body = Object),
        (status = 401, description = "AuthenticationError", body = Object),
        (status = 403, description = "PermissionError", body = Object),
        (status = 404, description = "DoesNotExistError", body = Object)))]
pub async fn read(
    FrappeCaller(c): FrappeCaller,
    Path((doctype, name)): Path<(String, String)>,
) -> Response {
    let doc = async {
        let d = doctype_of(&doctype)?;
        read_doc(&c, d, &name).await
    };
    match doc.await {
        Ok(doc) => data(doc),
        Err(r) => r,
    }
}

/// One document, whole, once the caller's right to read `d` is checked.
pub(super) async fn read_doc(c: &BooksCaller, d: Doctype, name: &str) -> Result<Doc, Response> {
    need(c, d.read_permission())?;
    full_doc(&c.books, d, name).await.map_err(erp_error)
}

pub(super) async fn full_doc(books: &Books, d: Doctype, name: &str) -> Result<Doc, ErpError> {
    let today = today();
    Ok(match d {
        Doctype::Customer | Doctype::Supplier => {
            let kind = party_kind(d);
            let p = books.party(kind, name).await?;
            whole(d.name(), &p, party_fields(kind), party_value)
        }
        Doctype::Item => {
            let i = books.item(name).await?;
            let barcodes = books.item_barcodes(&i).await?;
            item_doc(&i, &barcodes)
        }
        Doctype::FiscalYear => {
            let y = books.fiscal_year(name).await?;
            whole(d.name(), &y, FISCAL_YEAR_FIELDS, fiscal_year_value)
        }
        Doctype::Warehouse => {
            let w = books.warehouse(name).await?;
            whole(d.name(), &w, WAREHOUSE_FIELDS, warehouse_value)
        }
        Doctype::Account => {
            let a = books.account(name).await?;
            let names = account_names(books).await?;
            whole(d.name(), &a, ACCOUNT_FIELDS, |a, f| {
                account_value(a, &names, f)
            })
        }
        Doctype::SalesInvoice | Doctype::PurchaseInvoice => {
            let doc = books.invoice_doc(invoice_kind(d), name, today).await?;
            invoice_doc(books, &doc, today).await?
        }
        Doctype::PaymentEntry => {
            let doc = books.payment_doc(name).await?;
            payment_doc(books, &doc).await?
        }
        Doctype::JournalEntry => {
            let doc = books.journal_doc(name).await?;
            journal_doc(&doc)
        }
        Doctype::StockEntry => {
            let doc = books.stock_entry_doc(name).await?;
            stock_entry_doc(books, &doc).await?
        }
        Doctype::GlEntry => {
            let id = gl_id(name).ok_or_else(|| ErpError::NotFound(format!("GL Entry {name}")))?;
            let q = LedgerQuery {
                id: Some(id),
                limit: 1,
                ..LedgerQuery::default()
            };
            let line = books
                .general_ledger(&q)
                .await?
                .rows
                .into_iter()
                .next()
                .ok_or_else(|| ErpError::NotFound(format!("GL Entry {name}")))?
                .line;
            whole(d.name(), &line, GL_FIELDS, gl_value)
        }
    })
}

pub(super) fn item_doc(i: &Item, barcodes: &[String]) -> Doc {
    let mut doc = whole("Item", i, ITEM_FIELDS, item_value);
    let rows = barcodes
        .iter()
        .enumerate()
        .map(|(n, b)| {
            let mut r = child("Item Barcode", &i.code, "barcodes", "Item", n + 1);
            r.push("barcode", s(b));
            r
        })
        .collect();
    doc.push("barcodes", V::Rows(rows));
    doc
}

pub(super) async fn invoice_doc(
    books: &Books,
    doc: &InvoiceDoc,
    today: Date,
) -> Result<Doc, ErpError> {
    let kind = doc.invoice.kind;
    let d = match kind {
        InvoiceKind::Sales => Doctype::SalesInvoice,
        InvoiceKind::Purchase => Doctype::PurchaseInvoice,
    };
    let ctx = InvoiceCtx {
        today,
        currency: books.settings().await?.currency,
    };
    let mut out = whole(d.name(), &doc.invoice, invoice_fields(kind), |i, f| {
        invoice_value(i, &ctx, f)
    });
    let warehouses: HashMap<i64, String> = warehouse_names(books).await?.into_iter().collect();
    let line_doctype = format!("{} Item", d.name());
    let items = doc
        .lines
        .iter()
        .map(|l| {
            let mut r = child(&line_doctype, &doc.name, "items", d.name(), l.idx as usize);
            r.push("item_code", s(&l.item_code));
            r.push("item_name", s(&l.item_name));
            r.push("description", s(&l.description));
            r.push("qty", qty(l.qty));
            r.push("rate", money(l.rate));
            r.push("amount", money(l.net));
            r.push("net_amount", money(l.net));
            r.push(
                "warehouse",
                opt(l.warehouse_id.and_then(|w| warehouses.get(&w).cloned())),
            );
            r.push("vat_category", s(l.vat_category.as_str()));
            r.push("vat_amount", money(l.vat));
            r
        })
        .collect();
    out.push("items", V::Rows(items));
    // VAT as ERPNext's taxes table: one row per rate charged.
    let names = account_names(books).await?;
    let defaults = books.default_accounts().await?;
    let vat_account = match kind {
        InvoiceKind::Sales => defaults.tax_output,
        InvoiceKind::Purchase => defaults.tax_input,
    };
    let mut taxes = Vec::new();
    for category in VatCategory::ALL {
        let bp = category.rate_basis_points();
        let lines: Vec<_> = doc
            .lines
            .iter()
            .filter(|l| l.vat_category == category)
            .collect();
        if bp == 0 || lines.is_empty() {
            continue;
        }
        let tax: Amount = lines.iter().map(|l| l.vat).sum();
        let mut r = child(
            &format!(
                "{} Taxes and Charges",
                match kind {
                    InvoiceKind::Sales => "Sales",
                    InvoiceKind::Purchase => "Purchase",
                }
            ),
            &doc.name,
            "taxes",
            d.name(),
            taxes.len() + 1,
        );
        r.push("charge_type", s("On Net Total"));
        r.push("account_head", opt(names.get(&vat_account.0).cloned()));
        r.push("description", s(category.label()));
        r.push(
            "rate",
            V::Num(tenantry_domain::books::decimal::format_scaled(bp, 2)),
        );
        r.push("tax_amount", money(tax));
        taxes.push(r);
    }
    out.push("taxes", V::Rows(taxes));
    Ok(out)
}

pub(super) async fn payment_doc(books: &Books, doc: &PaymentDoc) -> Result<Doc, ErpError> {
    let ctx = payment_ctx(books).await?;
    let mut out = whole("Payment Entry", &doc.payment, PAYMENT_FIELDS, |p, f| {
        payment_value(p, &ctx, f)
    });
    let invoice_doctype = match doc.payment.party_kind.as_str() {
        "supplier" => "Purchase Invoice",
        _ => "Sales Invoice",
    };
    let total: Amount = doc.allocations.iter().map(|a| a.amount).sum();
    out.push("total_allocated_amount", money(total));
    out.push("unallocated_amount", money(doc.payment.amount - total));
    let rows = doc
        .allocations
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let mut r = child(
                "Payment Entry Reference",
                &doc.name,
                "references",
                "Payment Entry",
                n + 1,
            );
            r.push("reference_doctype", s(invoice_doctype));
            r.push("reference_name", opt(a.invoice_number.clone()));
            r.push("allocated_amount", money(a.amount));
            r
        })
        .collect();
    out.push("references", V::Rows(rows));
    Ok(out)
}

pub(super) fn journal_doc(doc: &JournalDoc) -> Doc {
    let mut out = whole("Journal Entry", &doc.journal, JOURNAL_FIELDS, journal_value);
    let rows = doc
        .accounts
        .iter()
        .map(|l| {
            let mut r = child(
                "Journal Entry Account",
                &doc.name,
                "accounts",
                "Journal Entry",
                l.idx as usize,
            );
            r.push("account", s(&l.account_name));
            r.push("party_type", opt(l.party_kind.as_deref().map(party_title)));
            r.push("party", opt(l.party_name.clone()));
            r.push("debit_in_account_currency", money(l.debit));
            r.push("credit_in_account_currency", money(l.credit));
            r.push("debit", money(l.debit));
            r.push("credit", money(l.credit));
            r
        })
        .collect();
    out.push("accounts", V::Rows(rows));
    out
}

pub(super) async fn stock_entry_doc(books: &Books, doc: &StockEntryDoc) -> Result<Doc, ErpError> {
    let warehouses: HashMap<i64, String> = warehouse_names(books).await?.into_iter().collect();
    let name = |id: Option<i64>| opt(id.and_then(|w| warehouses.get(&w).cloned()));
    let mut out = whole(
        "Stock Entry",
        &doc.entry,
        STOCK_ENTRY_FIELDS,
        stock_entry_value,
    );
    let rows = doc
        .items
        .iter()
        .map(|l| {
            let mut r = child(
                "Stock Entry Detail",
                &doc.name,
                "items",
                "Stock Entry",
                l.idx as usize,
            );
            r.push("item_code", s(&l.item_code));
            r.push("qty", qty(l.qty));
            r.push("s_warehouse", name(l.from_warehouse_id));
            r.push("t_warehouse", name(l.to_warehouse_id));
            r.push("basic_rate", money(l.rate));
            r.push(
                "amount",
                money(l.value.map_or_else(|| Amount::of(l.qty, l.rate), Amount)),
            );
            r
        })
        .collect();
    out.push("items", V::Rows(rows));
    Ok(out)
}
