//! POST and PUT `/api/resource`: creating documents and changing them, `docstatus` transitions included.

use super::body::apply_invoice;
use super::body::apply_item;
use super::body::apply_journal;
use super::body::apply_party;
use super::body::apply_payment;
use super::body::apply_stock_entry;
use super::body::differs;
use super::body::journal_input_of;
use super::body::payment_input_of;
use super::body::read_body;
use super::body::stock_entry_input_of;
use super::body::ACCOUNT_IGNORED;
use super::body::FISCAL_YEAR_IGNORED;
use super::body::INVOICE_IGNORED;
use super::body::ITEM_IGNORED;
use super::body::JOURNAL_IGNORED;
use super::body::PARTY_IGNORED;
use super::body::PAYMENT_IGNORED;
use super::body::STOCK_ENTRY_IGNORED;
use super::body::WAREHOUSE_IGNORED;
use super::doc::whole;
use super::doc::Doc;
use super::doctypes::account_type_of;
use super::doctypes::account_value;
use super::doctypes::fiscal_year_value;
use super::doctypes::party_fields;
use super::doctypes::party_value;
use super::doctypes::warehouse_value;
use super::doctypes::Doctype;
use super::doctypes::ACCOUNT_FIELDS;
use super::doctypes::FISCAL_YEAR_FIELDS;
use super::doctypes::WAREHOUSE_FIELDS;
use super::errors::data;
use super::errors::docstatus_error;
use super::errors::doctype_of;
use super::errors::erp_error;
use super::errors::frappe_error;
use super::errors::need;
use super::errors::not_permitted;
use super::errors::FrappeCaller;
use super::json::invalid;
use super::json::Body;
use super::json::J;
use super::list::account_names;
use super::list::invoice_kind;
use super::list::party_kind;
use super::list::warehouse_names;
use super::read::invoice_doc;
use super::read::item_doc;
use super::read::journal_doc;
use super::read::payment_doc;
use super::read::stock_entry_doc;
use crate::books::caller::today;
use crate::books::caller::BooksCaller;
use crate::AppState;
use axum::extract::Path;
use axum::extract::Request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tenantry_domain::books::Amount;
use tenantry_domain::books::Docstatus;
use tenantry_domain::books::PaymentDirection;
use tenantry_domain::books::RootType;
use tenantry_domain::Permission;
use tenantry_erp::invoices::InvoiceInput;
use tenantry_erp::journals::JournalInput;
use tenantry_erp::masters::AccountInput;
use tenantry_erp::masters::AccountUpdate;
use tenantry_erp::masters::FiscalYearInput;
use tenantry_erp::masters::ItemInput;
use tenantry_erp::masters::PartyInput;
use tenantry_erp::masters::WarehouseInput;
use tenantry_erp::payments::PaymentInput;
use tenantry_erp::stock::StockEntryInput;
use tenantry_erp::ErpError;
use tenantry_store::books::PartyKind;

/// POST `/api/resource/<DocType>`.
#[utoipa::path(post, path = "/api/resource/{doctype}", tag = "erpnext",
    params(("doctype" = String, Path, description = "any DocType above but GL Entry")),
    request_body(content = Object, description = "the document as ERPNext writes it, as JSON, `{\"data\": …}`, or a form with a `data` field; `\"docstatus\": 1` creates and submits in one transaction"),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"data\": {…}}`: the document as stored", body = Object),
        (status = 401, description = "AuthenticationError", body = Object),
        (status = 403, description = "PermissionError (GL Entry is read-only)", body = Object),
        (status = 409, description = "DuplicateEntryError", body = Object),
        (status = 417, description = "ValidationError", body = Object)))]
pub async fn create(
    State(state): State<AppState>,
    FrappeCaller(c): FrappeCaller,
    Path(doctype): Path<String>,
    req: Request,
) -> Response {
    let doc = async {
        let d = doctype_of(&doctype)?;
        // The caller's rights are checked before the body is read.
        write_permission(&c, d)?;
        let j = read_body(&state, req).await.map_err(erp_error)?;
        create_doc(&c, d, j).await
    };
    match doc.await {
        Ok(doc) => data(doc),
        Err(r) => r,
    }
}

/// What writing a `d` takes, checked: GL Entry is never written.
pub(super) fn write_permission(c: &BooksCaller, d: Doctype) -> Result<Permission, Response> {
    let Some(write) = d.write_permission() else {
        return Err(frappe_error(
            StatusCode::FORBIDDEN,
            "PermissionError",
            "GL Entry is read-only: ledger entries are posted by submitting documents",
        ));
    };
    need(c, write)?;
    Ok(write)
}

/// Creates a document from its JSON (`"docstatus": 1` creates and submits it in one
/// transaction): what POST `/api/resource/<DocType>` and `frappe.client.insert` do.
pub(super) async fn create_doc(c: &BooksCaller, d: Doctype, j: J) -> Result<Doc, Response> {
    write_permission(c, d)?;
    let mut b = Body::new(d.name(), j).map_err(erp_error)?;
    let submit = match b.int("docstatus").map_err(erp_error)? {
        None | Some(0) => false,
        Some(1) if d.is_submittable() => true,
        Some(1) => return Err(docstatus_error(format!("a {} is not submitted", d.name()))),
        Some(n) => {
            return Err(docstatus_error(format!(
                "cannot create a document with docstatus {n}"
            )))
        }
    };
    if submit {
        need(c, Permission::ErpSubmit)?;
    }
    let books = &c.books;
    let author = c.author();
    let today = today();
    let doc = async {
        Ok::<_, ErpError>(match d {
            Doctype::Customer | Doctype::Supplier => {
                let kind = party_kind(d);
                let mut input = PartyInput::default();
                if let Some(n) = b.text("name")? {
                    input.name = n;
                }
                apply_party(&mut b, kind, &mut input)?;
                b.finish(PARTY_IGNORED)?;
                let p = books.create_party(kind, &input).await?;
                whole(d.name(), &p, party_fields(kind), party_value)
            }
            Doctype::Item => {
                let mut input = ItemInput {
                    item_code: String::new(),
                    item_name: String::new(),
                    item_group: None,
                    unit: String::new(),
                    is_stock: true,
                    selling_price: Amount::ZERO,
                    buying_price: Amount::ZERO,
                    vat_category: None,
                    barcodes: Vec::new(),
                    disabled: false,
                };
                if let Some(n) = b.text("name")? {
                    input.item_code = n;
                }
                apply_item(&mut b, &mut input)?;
                b.finish(ITEM_IGNORED)?;
                let i = books.create_item(&input).await?;
                let barcodes = books.item_barcodes(&i).await?;
                item_doc(&i, &barcodes)
            }
            Doctype::FiscalYear => {
                // Both are read (and type-checked); the first given names it.
                let (given, name) = (b.text("year")?, b.text("name")?);
                let input = FiscalYearInput {
                    name: given.or(name).unwrap_or_default(),
                    start_date: b
                        .date("year_start_date")?
                        .ok_or_else(|| invalid("year_start_date is required"))?,
                    end_date: b
                        .date("year_end_date")?
                        .ok_or_else(|| invalid("year_end_date is required"))?,
                };
                if b.flag("disabled")? == Some(true) {
                    return Err(invalid("a fiscal year cannot be disabled in these books"));
                }
                b.finish(FISCAL_YEAR_IGNORED)?;
                let y = books.create_fiscal_year(&input).await?;
                whole(d.name(), &y, FISCAL_YEAR_FIELDS, fiscal_year_value)
            }
            Doctype::Warehouse => {
                // Both are read (and type-checked); the first given names it.
                let (given, name) = (b.text("warehouse_name")?, b.text("name")?);
                let name = given.or(name).unwrap_or_default();
                let disabled = b.flag("disabled")?.unwrap_or(false);
                b.finish(WAREHOUSE_IGNORED)?;
                let mut w = books.create_warehouse(&name).await?;
                if disabled {
                    w = books
                        .update_warehouse(
                            &w.name,
                            &WarehouseInput {
                                name: w.name.clone(),
                                disabled: true,
                            },
                        )
                        .await?;
                }
                whole(d.name(), &w, WAREHOUSE_FIELDS, warehouse_value)
            }
            Doctype::Account => {
                // Both are read (and type-checked); the first given names it.
                let (given, name) = (b.text("account_name")?, b.text("name")?);
                let name = given.or(name).unwrap_or_default();
                let root_type = b
                    .text("root_type")?
                    .map(|r| RootType::parse(&r))
                    .transpose()?;
                let parent = b.text("parent_account")?;
                // "Tax" is input or output VAT by the root type, the parent's when not given.
                let root_for_type = match (root_type, parent.as_deref()) {
                    (Some(r), _) => Some(r),
                    (None, Some(p)) => books.account(p).await.ok().map(|a| a.root_type),
                    (None, None) => None,
                };
                let account_type = b
                    .text("account_type")?
                    .map(|t| account_type_of(&t, root_for_type))
                    .transpose()?;
                let input = AccountInput {
                    number: b.text("account_number")?.unwrap_or_default(),
                    name,
                    parent,
                    root_type,
                    account_type,
                    is_group: b.flag("is_group")?.unwrap_or(false),
                };
                b.finish(ACCOUNT_IGNORED)?;
                let a = books.create_account(&input).await?;
                let names = account_names(books).await?;
                whole(d.name(), &a, ACCOUNT_FIELDS, |a, f| {
                    account_value(a, &names, f)
                })
            }
            Doctype::SalesInvoice | Doctype::PurchaseInvoice => {
                let kind = invoice_kind(d);
                let mut input = InvoiceInput {
                    party: String::new(),
                    posting_date: None,
                    due_date: None,
                    is_return: false,
                    return_against: None,
                    remarks: String::new(),
                    items: Vec::new(),
                };
                apply_invoice(&mut b, kind, &mut input)?;
                b.finish(INVOICE_IGNORED)?;
                let doc = books
                    .create_invoice(kind, &input, author, submit, today)
                    .await?;
                invoice_doc(books, &doc, today).await?
            }
            Doctype::PaymentEntry => {
                let mut input = PaymentInput {
                    payment_type: PaymentDirection::Receive,
                    party_type: PartyKind::Customer,
                    party: String::new(),
                    posting_date: None,
                    amount: Amount::ZERO,
                    account: None,
                    reference: String::new(),
                    remarks: String::new(),
                    allocations: Vec::new(),
                };
                if !b.has("payment_type") || !b.has("party_type") {
                    return Err(invalid("payment_type and party_type are required"));
                }
                apply_payment(&mut b, &mut input)?;
                b.finish(PAYMENT_IGNORED)?;
                let doc = books.create_payment(&input, author, submit, today).await?;
                payment_doc(books, &doc).await?
            }
            Doctype::JournalEntry => {
                let mut input = JournalInput {
                    posting_date: None,
                    remarks: String::new(),
                    accounts: Vec::new(),
                };
                apply_journal(&mut b, &mut input)?;
                b.finish(JOURNAL_IGNORED)?;
                let doc = books.create_journal(&input, author, submit, today).await?;
                journal_doc(&doc)
            }
            Doctype::StockEntry => {
                let mut input = StockEntryInput {
                    purpose: String::new(),
                    posting_date: None,
                    remarks: String::new(),
                    items: Vec::new(),
                };
                apply_stock_entry(&mut b, &mut input)?;
                b.finish(STOCK_ENTRY_IGNORED)?;
                let doc = books
                    .create_stock_entry(&input, author, submit, today)
                    .await?;
                stock_entry_doc(books, &doc).await?
            }
            Doctype::GlEntry => return Err(invalid("GL Entry is read-only")),
        })
    }
    .await
    .map_err(erp_error)?;
    Ok(doc)
}

// ---- update ----

/// PUT `/api/resource/<DocType>/<name>`.
#[utoipa::path(put, path = "/api/resource/{doctype}/{name}", tag = "erpnext",
    params(("doctype" = String, Path, description = "any DocType above but GL Entry"), ("name" = String, Path, description = "the document's name")),
    request_body(content = Object, description = "only the fields to change (drafts only); `\"docstatus\": 1` submits a draft, `\"docstatus\": 2` cancels a submitted document"),
    security(("session" = []), ("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "`{\"data\": {…}}`: the document as stored", body = Object),
        (status = 401, description = "AuthenticationError", body = Object),
        (status = 403, description = "PermissionError", body = Object),
        (status = 404, description = "DoesNotExistError", body = Object),
        (status = 417, description = "ValidationError, DocstatusTransitionError or UpdateAfterSubmitError", body = Object)))]
pub async fn update(
    State(state): State<AppState>,
    FrappeCaller(c): FrappeCaller,
    Path((doctype, name)): Path<(String, String)>,
    req: Request,
) -> Response {
    let doc = async {
        let d = doctype_of(&doctype)?;
        may_change(&c, d)?;
        let j = read_body(&state, req).await.map_err(erp_error)?;
        update_doc(&c, d, &name, j).await
    };
    match doc.await {
        Ok(doc) => data(doc),
        Err(r) => r,
    }
}

/// What a PUT asks of a submittable document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transition {
    None,
    Submit,
    Cancel,
}

/// Checks a PUT's `docstatus` against the caller's rights first (a refused caller learns nothing
/// of the document's state), then against the document's.
pub(super) fn transition(
    c: &BooksCaller,
    write: Permission,
    current: Docstatus,
    wanted: Option<i64>,
    changed: bool,
    name: &str,
) -> Result<Transition, Response> {
    if changed || matches!(wanted, None | Some(0)) {
        need(c, write)?;
    }
    match wanted {
        Some(1) => need(c, Permission::ErpSubmit)?,
        Some(2) => need(c, Permission::ErpCancel)?,
        _ => {}
    }
    let t = match (current, wanted) {
        (Docstatus::Cancelled, _) => {
            return Err(frappe_error(
                StatusCode::EXPECTATION_FAILED,
                "ValidationError",
                &format!("Cannot edit cancelled document {name}"),
            ))
        }
        (Docstatus::Draft, None | Some(0)) => Transition::None,
        (Docstatus::Draft, Some(1)) => Transition::Submit,
        (Docstatus::Submitted, Some(2)) => Transition::Cancel,
        (Docstatus::Submitted, None | Some(1)) => Transition::None,
        (from, Some(to)) => {
            return Err(docstatus_error(format!(
                "Cannot change docstatus of {name} from {} to {to}",
                from.code()
            )))
        }
    };
    if changed {
        if let Err(e) = current.ensure_editable(|| name.to_owned()) {
            return Err(frappe_error(
                StatusCode::EXPECTATION_FAILED,
                "UpdateAfterSubmitError",
                &e.to_string(),
            ));
        }
    }
    Ok(t)
}

/// Refuses someone who may neither edit nor submit nor cancel a `d`, before anything is read;
/// the permission editing it takes.
pub(super) fn may_change(c: &BooksCaller, d: Doctype) -> Result<Permission, Response> {
    let Some(write) = d.write_permission() else {
        return Err(frappe_error(
            StatusCode::FORBIDDEN,
            "PermissionError",
            "GL Entry is read-only: ledger entries are posted by submitting documents",
        ));
    };
    if !(c.can(write)
        || d.is_submittable() && (c.can(Permission::ErpSubmit) || c.can(Permission::ErpCancel)))
    {
        return Err(not_permitted(c, write));
    }
    Ok(write)
}

/// Applies the fields sent to a stored document and moves it through `docstatus` (1 submits a
/// draft, with any edit in the same transaction; 2 cancels): what PUT
/// `/api/resource/<DocType>/<name>` and `frappe.client.save`, `set_value`, `submit` and `cancel`
/// do.
pub(super) async fn update_doc(
    c: &BooksCaller,
    d: Doctype,
    name: &str,
    j: J,
) -> Result<Doc, Response> {
    let write = may_change(c, d)?;
    let mut b = Body::new(d.name(), j).map_err(erp_error)?;
    let wanted = b.int("docstatus").map_err(erp_error)?;
    // Submitting and cancelling need their own rights, whatever the document's state.
    if d.is_submittable() {
        match wanted {
            Some(1) => need(c, Permission::ErpSubmit)?,
            Some(2) => need(c, Permission::ErpCancel)?,
            _ => {}
        }
    }
    let books = &c.books;
    let author = c.author();
    let today = today();
    let e = erp_error;
    let doc = match d {
        Doctype::Customer | Doctype::Supplier => {
            let kind = party_kind(d);
            let p = books.party(kind, name).await.map_err(e)?;
            let base = PartyInput::from_party(&p);
            let mut input = base.clone();
            apply_party(&mut b, kind, &mut input).map_err(e)?;
            b.finish(PARTY_IGNORED).map_err(e)?;
            master_docstatus(wanted)?;
            need(c, write)?;
            let p = if differs(&input, &base) {
                books.update_party(kind, name, &input).await.map_err(e)?
            } else {
                p
            };
            whole(d.name(), &p, party_fields(kind), party_value)
        }
        Doctype::Item => {
            let i = books.item(name).await.map_err(e)?;
            let base = ItemInput::from_item(&i, books.item_barcodes(&i).await.map_err(e)?);
            let mut input = base.clone();
            apply_item(&mut b, &mut input).map_err(e)?;
            b.finish(ITEM_IGNORED).map_err(e)?;
            master_docstatus(wanted)?;
            need(c, write)?;
            let i = if differs(&input, &base) {
                books.update_item(name, &input).await.map_err(e)?
            } else {
                i
            };
            let barcodes = books.item_barcodes(&i).await.map_err(e)?;
            item_doc(&i, &barcodes)
        }
        Doctype::Warehouse => {
            let w = books.warehouse(name).await.map_err(e)?;
            let base = WarehouseInput {
                name: w.name.clone(),
                disabled: w.disabled,
            };
            let mut input = base.clone();
            if let Some(n) = b.text("warehouse_name").map_err(e)? {
                input.name = n;
            }
            if let Some(v) = b.flag("disabled").map_err(e)? {
                input.disabled = v;
            }
            b.finish(WAREHOUSE_IGNORED).map_err(e)?;
            master_docstatus(wanted)?;
            need(c, write)?;
            let w = if differs(&input, &base) {
                books.update_warehouse(name, &input).await.map_err(e)?
            } else {
                w
            };
            whole(d.name(), &w, WAREHOUSE_FIELDS, warehouse_value)
        }
        Doctype::FiscalYear => {
            // A fiscal year is never changed once made: documents are posted in it. A save that
            // changes nothing is answered with the year as it is.
            let y = books.fiscal_year(name).await.map_err(e)?;
            let unchanged = |key: &str, same: bool| {
                if same {
                    Ok(())
                } else {
                    Err(erp_error(invalid(format!(
                        "{key} cannot be changed: a fiscal year stays as it was made"
                    ))))
                }
            };
            if let Some(v) = b.text("year").map_err(e)? {
                unchanged("year", v == y.name)?;
            }
            if let Some(v) = b.date("year_start_date").map_err(e)? {
                unchanged("year_start_date", v == y.start_date)?;
            }
            if let Some(v) = b.date("year_end_date").map_err(e)? {
                unchanged("year_end_date", v == y.end_date)?;
            }
            if b.flag("disabled").map_err(e)? == Some(true) {
                return Err(erp_error(invalid(
                    "a fiscal year cannot be disabled in these books",
                )));
            }
            b.finish(FISCAL_YEAR_IGNORED).map_err(e)?;
            master_docstatus(wanted)?;
            need(c, write)?;
            whole(d.name(), &y, FISCAL_YEAR_FIELDS, fiscal_year_value)
        }
        Doctype::Account => {
            let a = books.account(name).await.map_err(e)?;
            let base = AccountUpdate {
                name: a.name.clone(),
                account_type: a.account_type,
                disabled: a.disabled,
            };
            let mut input = base.clone();
            if let Some(n) = b.text("account_name").map_err(e)? {
                input.name = n;
            }
            if let Some(t) = b.text("account_type").map_err(e)? {
                input.account_type = account_type_of(&t, Some(a.root_type)).map_err(e)?;
            }
            if let Some(v) = b.flag("disabled").map_err(e)? {
                input.disabled = v;
            }
            // What cannot change here must not be sent changed.
            for (key, now) in [
                ("account_number", a.number.clone()),
                ("root_type", a.root_type.title().to_owned()),
            ] {
                if let Some(v) = b.text(key).map_err(e)? {
                    if !v.eq_ignore_ascii_case(&now) {
                        return Err(erp_error(invalid(format!("{key} cannot be changed here"))));
                    }
                }
            }
            for key in ["parent_account", "is_group"] {
                b.take(key);
            }
            b.finish(ACCOUNT_IGNORED).map_err(e)?;
            master_docstatus(wanted)?;
            need(c, write)?;
            let a = if differs(&input, &base) {
                books.update_account(name, &input).await.map_err(e)?
            } else {
                a
            };
            let names = account_names(books).await.map_err(e)?;
            whole(d.name(), &a, ACCOUNT_FIELDS, |a, f| {
                account_value(a, &names, f)
            })
        }
        Doctype::SalesInvoice | Doctype::PurchaseInvoice => {
            let kind = invoice_kind(d);
            let doc = books.invoice_doc(kind, name, today).await.map_err(e)?;
            let warehouses = warehouse_names(books).await.map_err(e)?;
            let base = InvoiceInput::from_doc(&doc, &warehouses);
            let mut input = base.clone();
            apply_invoice(&mut b, kind, &mut input).map_err(e)?;
            b.finish(INVOICE_IGNORED).map_err(e)?;
            let changed = differs(&input, &base);
            let t = transition(c, write, doc.invoice.docstatus, wanted, changed, &doc.name)?;
            // An edit sent with `"docstatus": 1` is saved and submitted in one transaction:
            // if the submit is refused, the edit is not kept either.
            let submit_with_edit = changed && matches!(t, Transition::Submit);
            let mut doc = doc;
            if changed {
                doc = books
                    .update_invoice(kind, &doc.name, &input, author, submit_with_edit, today)
                    .await
                    .map_err(e)?;
            }
            doc = match t {
                Transition::Submit if submit_with_edit => Ok(doc),
                Transition::Submit => books.submit_invoice(kind, &doc.name, today).await,
                Transition::Cancel => books.cancel_invoice(kind, &doc.name, today).await,
                Transition::None => Ok(doc),
            }
            .map_err(e)?;
            invoice_doc(books, &doc, today).await.map_err(e)?
        }
        Doctype::PaymentEntry => {
            let doc = books.payment_doc(name).await.map_err(e)?;
            let base = payment_input_of(&doc);
            let mut input = base.clone();
            apply_payment(&mut b, &mut input).map_err(e)?;
            b.finish(PAYMENT_IGNORED).map_err(e)?;
            let changed = differs(&input, &base);
            let t = transition(c, write, doc.payment.docstatus, wanted, changed, &doc.name)?;
            // An edit sent with `"docstatus": 1` is saved and submitted in one transaction:
            // if the submit is refused, the edit is not kept either.
            let submit_with_edit = changed && matches!(t, Transition::Submit);
            let mut doc = doc;
            if changed {
                doc = books
                    .update_payment(&doc.name, &input, author, submit_with_edit, today)
                    .await
                    .map_err(e)?;
            }
            doc = match t {
                Transition::Submit if submit_with_edit => Ok(doc),
                Transition::Submit => books.submit_payment(&doc.name).await,
                Transition::Cancel => books.cancel_payment(&doc.name).await,
                Transition::None => Ok(doc),
            }
            .map_err(e)?;
            payment_doc(books, &doc).await.map_err(e)?
        }
        Doctype::JournalEntry => {
            let doc = books.journal_doc(name).await.map_err(e)?;
            let base = journal_input_of(&doc);
            let mut input = base.clone();
            apply_journal(&mut b, &mut input).map_err(e)?;
            b.finish(JOURNAL_IGNORED).map_err(e)?;
            let changed = differs(&input, &base);
            let t = transition(c, write, doc.journal.docstatus, wanted, changed, &doc.name)?;
            // An edit sent with `"docstatus": 1` is saved and submitted in one transaction:
            // if the submit is refused, the edit is not kept either.
            let submit_with_edit = changed && matches!(t, Transition::Submit);
            let mut doc = doc;
            if changed {
                doc = books
                    .update_journal(&doc.name, &input, author, submit_with_edit, today)
                    .await
                    .map_err(e)?;
            }
            doc = match t {
                Transition::Submit if submit_with_edit => Ok(doc),
                Transition::Submit => books.submit_journal(&doc.name).await,
                Transition::Cancel => books.cancel_journal(&doc.name).await,
                Transition::None => Ok(doc),
            }
            .map_err(e)?;
            journal_doc(&doc)
        }
        Doctype::StockEntry => {
            let doc = books.stock_entry_doc(name).await.map_err(e)?;
            let warehouses = warehouse_names(books).await.map_err(e)?;
            let base = stock_entry_input_of(&doc, &warehouses);
            let mut input = base.clone();
            apply_stock_entry(&mut b, &mut input).map_err(e)?;
            b.finish(STOCK_ENTRY_IGNORED).map_err(e)?;
            let changed = differs(&input, &base);
            let t = transition(c, write, doc.entry.docstatus, wanted, changed, &doc.name)?;
            // An edit sent with `"docstatus": 1` is saved and submitted in one transaction:
            // if the submit is refused, the edit is not kept either.
            let submit_with_edit = changed && matches!(t, Transition::Submit);
            let mut doc = doc;
            if changed {
                doc = books
                    .update_stock_entry(&doc.name, &input, author, submit_with_edit, today)
                    .await
                    .map_err(e)?;
            }
            doc = match t {
                Transition::Submit if submit_with_edit => Ok(doc),
                Transition::Submit => books.submit_stock_entry(&doc.name).await,
                Transition::Cancel => books.cancel_stock_entry(&doc.name).await,
                Transition::None => Ok(doc),
            }
            .map_err(e)?;
            stock_entry_doc(books, &doc).await.map_err(e)?
        }
        Doctype::GlEntry => return Err(erp_error(invalid("GL Entry is read-only"))),
    };
    Ok(doc)
}

/// Master data is never submitted: its `docstatus` stays 0.
pub(super) fn master_docstatus(wanted: Option<i64>) -> Result<(), Response> {
    match wanted {
        None | Some(0) => Ok(()),
        Some(n) => Err(docstatus_error(format!(
            "this document is not submittable; docstatus stays 0, not {n}"
        ))),
    }
}
