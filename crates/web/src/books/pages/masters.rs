//! Master data pages: customers, suppliers, items, warehouses, the chart of accounts, fiscal
//! years, the stock balance and the books' settings.

use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use tenantry_domain::books::{AccountType, RootType, VatCategory, VatRounding};
use tenantry_domain::Permission;
use tenantry_erp::masters::{
    AccountInput, AccountUpdate, FiscalYearInput, ItemInput, PartyInput, WarehouseInput,
};
use tenantry_erp::settings::SettingsInput;
use tenantry_store::books::{
    Account, BookSettings, FilterOp, FilterValue, Item, ListQuery, Party, PartyKind,
};

use super::branding::SettingsPage;
use super::{
    check_csrf, fail, filter, headers, list_query, options, page_of, pager, parse_amount,
    parse_date, refused, search_field, see, seg, status_filter, take_page, Cell, DocPage, Field,
    FormData, FormPage, Layout, Link, ListPage, Page, Pager, Row, TableView, PAGE_SIZE,
};
use crate::books::BooksCaller;
use crate::pages::render;
use crate::AppState;

pub fn router() -> Router<AppState> {
    let mut r = Router::new();
    for kind in [PartyKind::Customer, PartyKind::Supplier] {
        let base = party_base(kind);
        r = r
            .route(
                base,
                get(
                    move |c: BooksCaller, Query(q): Query<Vec<(String, String)>>| {
                        party_list(kind, c, FormData(q))
                    },
                )
                .post(
                    move |c: BooksCaller, Form(f): Form<Vec<(String, String)>>| {
                        party_save(kind, c, None, FormData(f))
                    },
                ),
            )
            .route(
                &format!("{base}/new"),
                get(move |c: BooksCaller| party_new(kind, c)),
            )
            .route(
                &format!("{base}/{{name}}"),
                get(move |c: BooksCaller, Path(name): Path<String>| party_view(kind, c, name))
                    .post(
                        move |c: BooksCaller,
                              Path(name): Path<String>,
                              Form(f): Form<Vec<(String, String)>>| {
                            party_save(kind, c, Some(name), FormData(f))
                        },
                    ),
            )
            .route(
                &format!("{base}/{{name}}/edit"),
                get(move |c: BooksCaller, Path(name): Path<String>| party_edit(kind, c, name)),
            );
    }
    r.route("/books/items", get(item_list).post(item_create))
        .route("/books/items/new", get(item_new))
        .route("/books/items/{code}", get(item_view).post(item_update))
        .route("/books/items/{code}/edit", get(item_edit))
        .route(
            "/books/warehouses",
            get(warehouse_list).post(warehouse_create),
        )
        .route("/books/warehouses/new", get(warehouse_new))
        .route(
            "/books/warehouses/{name}",
            axum::routing::post(warehouse_update),
        )
        .route("/books/warehouses/{name}/edit", get(warehouse_edit))
        .route(
            "/books/accounts/{number}",
            axum::routing::post(account_update),
        )
        .route("/books/accounts/{number}/edit", get(account_edit))
        .route("/books/accounts", get(account_tree).post(account_create))
        .route("/books/accounts/new", get(account_new))
        .route(
            "/books/fiscal-years",
            get(fiscal_years).post(fiscal_year_create),
        )
        .route("/books/fiscal-years/new", get(fiscal_year_new))
        .route("/books/stock-balance", get(stock_balance))
        .route("/books/settings", get(settings_page).post(settings_save))
}

fn party_base(kind: PartyKind) -> &'static str {
    match kind {
        PartyKind::Customer => "/books/customers",
        PartyKind::Supplier => "/books/suppliers",
    }
}

fn party_words(kind: PartyKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        PartyKind::Customer => ("Customers", "customer", "customers"),
        PartyKind::Supplier => ("Suppliers", "supplier", "suppliers"),
    }
}

/// Customers are created by whoever creates sales documents; suppliers by those who create
/// anything.
fn party_permission(kind: PartyKind) -> Permission {
    match kind {
        PartyKind::Customer => Permission::ErpCreateSales,
        PartyKind::Supplier => Permission::ErpCreateAny,
    }
}

fn enabled_text(disabled: bool) -> &'static str {
    if disabled {
        "Disabled"
    } else {
        "Active"
    }
}

// ---- customers and suppliers ----

async fn party_list(kind: PartyKind, c: BooksCaller, q: FormData) -> Page {
    let (plural, singular, plural_lower) = party_words(kind);
    let l = Layout::load(&c, plural_lower).await?;
    let base = party_base(kind);
    let mut filters = Vec::new();
    let status = status_filter(&q, &mut filters);
    let mut rows = c
        .books
        .list_parties(kind, &list_query(&q, filters))
        .await
        .map_err(fail)?;
    let more = take_page(&mut rows);
    let rows: Vec<Row> = rows
        .iter()
        .map(|p| {
            Row::from(vec![
                Cell::link(&p.name, format!("{base}/{}", seg(&p.name))),
                Cell::text(&p.email),
                Cell::text(&p.city),
                Cell::text(&p.tax_id),
                Cell::num(p.payment_terms_days),
                Cell::text(enabled_text(p.disabled)),
            ])
        })
        .collect();
    let mut actions = Vec::new();
    if c.can(party_permission(kind)) {
        actions.push(Link::new(&format!("New {singular}"), format!("{base}/new")));
    }
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l,
            title: plural.into(),
            intro: String::new(),
            actions,
            filters: vec![search_field(&q, "Search"), status],
            error: None,
            tables: vec![TableView::new(
                headers(
                    &[
                        "Name",
                        "Email",
                        "City",
                        "VAT number",
                        "Terms (days)",
                        "Status",
                    ],
                    &[4],
                ),
                rows,
                &format!("No {plural_lower} match."),
            )],
            pager: pager(base, &q, more),
        },
    ))
}

async fn party_view(kind: PartyKind, c: BooksCaller, name: String) -> Page {
    let (_, singular, plural_lower) = party_words(kind);
    let l = Layout::load(&c, plural_lower).await?;
    let p = c.books.party(kind, &name).await.map_err(fail)?;
    let base = format!("{}/{}", party_base(kind), seg(&p.name));
    let mut links = Vec::new();
    if c.can(party_permission(kind)) {
        links.push(Link::secondary("Edit", format!("{base}/edit")));
    }
    let invoices = match kind {
        PartyKind::Customer => "/books/sales-invoices",
        PartyKind::Supplier => "/books/purchase-invoices",
    };
    links.push(Link::secondary(
        "Invoices",
        format!("{invoices}?q={}", seg(&p.name)),
    ));
    let address = [
        p.address_line1.as_str(),
        p.address_line2.as_str(),
        &format!("{} {}", p.city, p.postcode),
        p.country.as_str(),
    ]
    .iter()
    .map(|s| s.trim())
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join("\n");
    Ok(render(
        StatusCode::OK,
        &DocPage {
            l,
            title: p.name.clone(),
            status: enabled_text(p.disabled).into(),
            status_class: if p.disabled { "cancelled" } else { "submitted" },
            notice: None,
            error: None,
            facts: vec![
                ("Kind".into(), singular.into()),
                ("Email".into(), p.email.clone()),
                ("Phone".into(), p.phone.clone()),
                ("VAT number".into(), p.tax_id.clone()),
                ("Address".into(), address),
                (
                    "Payment terms".into(),
                    format!("{} days", p.payment_terms_days),
                ),
            ],
            tables: Vec::new(),
            totals: Vec::new(),
            links,
            confirms: Vec::new(),
        },
    ))
}

fn party_values(p: &Party) -> FormData {
    let mut f = FormData::default();
    for (k, v) in [
        ("name", p.name.as_str()),
        ("email", &p.email),
        ("phone", &p.phone),
        ("tax_id", &p.tax_id),
        ("address_line1", &p.address_line1),
        ("address_line2", &p.address_line2),
        ("city", &p.city),
        ("postcode", &p.postcode),
        ("country", &p.country),
    ] {
        f.push(k, v);
    }
    f.push("payment_terms_days", p.payment_terms_days.to_string());
    if p.disabled {
        f.push("disabled", "1");
    }
    f
}

fn party_form(
    kind: PartyKind,
    l: Layout,
    existing: Option<&str>,
    v: &FormData,
    error: Option<String>,
) -> FormPage {
    let (_, singular, _) = party_words(kind);
    let base = party_base(kind);
    let (title, action, back) = match existing {
        Some(name) => (
            format!("Edit {name}"),
            format!("{base}/{}", seg(name)),
            format!("{base}/{}", seg(name)),
        ),
        None => (format!("New {singular}"), base.to_owned(), base.to_owned()),
    };
    FormPage {
        l,
        title,
        action,
        back,
        error,
        fields: vec![
            Field::text("name", "Name", v.get("name")).required(),
            Field::new("email", "email", "Email", v.get("email")),
            Field::text("phone", "Phone", v.get("phone")),
            Field::text("tax_id", "VAT number", v.get("tax_id")),
            Field::text("address_line1", "Address", v.get("address_line1")),
            Field::text("address_line2", "Address (line 2)", v.get("address_line2")),
            Field::text("city", "Town or city", v.get("city")),
            Field::text("postcode", "Postcode", v.get("postcode")),
            Field::text("country", "Country", v.get("country")),
            Field::text(
                "payment_terms_days",
                "Payment terms (days)",
                v.get("payment_terms_days"),
            )
            .hint("Invoices fall due this many days after their date; 30 when blank."),
            Field::checkbox("disabled", "Disabled (no new documents)", v.has("disabled")),
        ],
        lines: None,
        datalists: Vec::new(),
        submit_label: "Save",
    }
}

async fn party_new(kind: PartyKind, c: BooksCaller) -> Page {
    c.require(party_permission(kind))?;
    let l = Layout::load(&c, party_words(kind).2).await?;
    let mut v = FormData::default();
    v.push("payment_terms_days", "30");
    Ok(render(StatusCode::OK, &party_form(kind, l, None, &v, None)))
}

async fn party_edit(kind: PartyKind, c: BooksCaller, name: String) -> Page {
    c.require(party_permission(kind))?;
    let l = Layout::load(&c, party_words(kind).2).await?;
    let p = c.books.party(kind, &name).await.map_err(fail)?;
    Ok(render(
        StatusCode::OK,
        &party_form(kind, l, Some(&p.name), &party_values(&p), None),
    ))
}

fn party_input(f: &FormData) -> Result<PartyInput, String> {
    let terms = f.get("payment_terms_days").trim();
    let payment_terms_days = if terms.is_empty() {
        None
    } else {
        Some(
            terms
                .parse::<i64>()
                .map_err(|_| format!("Payment terms: {terms:?} is not a whole number of days"))?,
        )
    };
    Ok(PartyInput {
        name: f.get("name").into(),
        email: f.get("email").into(),
        phone: f.get("phone").into(),
        tax_id: f.get("tax_id").into(),
        address_line1: f.get("address_line1").into(),
        address_line2: f.get("address_line2").into(),
        city: f.get("city").into(),
        postcode: f.get("postcode").into(),
        country: f.get("country").into(),
        payment_terms_days,
        disabled: f.has("disabled"),
    })
}

async fn party_save(
    kind: PartyKind,
    c: BooksCaller,
    existing: Option<String>,
    f: FormData,
) -> Page {
    check_csrf(&c, &f)?;
    c.require(party_permission(kind))?;
    let result = match party_input(&f) {
        Err(message) => Err((StatusCode::UNPROCESSABLE_ENTITY, message)),
        Ok(input) => refused(match &existing {
            None => c.books.create_party(kind, &input).await,
            Some(name) => c.books.update_party(kind, name, &input).await,
        })?,
    };
    match result {
        Ok(p) => Ok(see(&format!("{}/{}", party_base(kind), seg(&p.name)))),
        Err((status, message)) => {
            let l = Layout::load(&c, party_words(kind).2).await?;
            Ok(render(
                status,
                &party_form(kind, l, existing.as_deref(), &f, Some(message)),
            ))
        }
    }
}

// ---- items ----

pub(super) fn vat_options(blank: Option<&str>) -> Vec<(String, String)> {
    let mut o: Vec<(String, String)> = blank
        .map(|b| vec![(String::new(), b.to_owned())])
        .unwrap_or_default();
    o.extend(
        VatCategory::ALL
            .iter()
            .map(|v| (v.as_str().to_owned(), v.label().to_owned())),
    );
    o
}

async fn item_list(c: BooksCaller, Query(q): Query<Vec<(String, String)>>) -> Page {
    let q = FormData(q);
    let l = Layout::load(&c, "stock").await?;
    let mut filters = Vec::new();
    let status = status_filter(&q, &mut filters);
    match q.get("type") {
        "stock" => filters.push(filter(
            "is_stock_item",
            FilterOp::Eq,
            FilterValue::Bool(true),
        )),
        "service" => filters.push(filter(
            "is_stock_item",
            FilterOp::Eq,
            FilterValue::Bool(false),
        )),
        _ => {}
    }
    let group = q.get("group").trim();
    if !group.is_empty() {
        filters.push(filter(
            "item_group",
            FilterOp::Eq,
            FilterValue::Text(group.into()),
        ));
    }
    let groups = c.books.item_groups().await.map_err(fail)?;
    let mut rows = c
        .books
        .list_items(&list_query(&q, filters))
        .await
        .map_err(fail)?;
    let more = take_page(&mut rows);
    let rows: Vec<Row> = rows
        .iter()
        .map(|i| {
            Row::from(vec![
                Cell::link(&i.code, format!("/books/items/{}", seg(&i.code))),
                Cell::text(&i.name),
                Cell::text(i.item_group.clone().unwrap_or_default()),
                Cell::text(&i.unit),
                Cell::text(if i.is_stock { "Stock" } else { "Service" }),
                Cell::num(i.selling_price),
                Cell::text(i.vat_category.label()),
                Cell::text(enabled_text(i.disabled)),
            ])
        })
        .collect();
    let mut actions = Vec::new();
    if c.can(Permission::ErpCreateAny) {
        actions.push(Link::new("New item", "/books/items/new"));
    }
    actions.push(Link::secondary("Warehouses", "/books/warehouses"));
    actions.push(Link::secondary("Stock balance", "/books/stock-balance"));
    let mut group_options = vec![(String::new(), "All".to_owned())];
    group_options.extend(groups.iter().map(|g| (g.name.clone(), g.name.clone())));
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l,
            title: "Items".into(),
            intro: String::new(),
            actions,
            filters: vec![
                search_field(&q, "Search"),
                Field::select("group", "Group", group, group_options),
                Field::select(
                    "type",
                    "Type",
                    q.get("type"),
                    options(&[("", "All"), ("stock", "Stock"), ("service", "Service")]),
                ),
                status,
            ],
            error: None,
            tables: vec![TableView::new(
                headers(
                    &[
                        "Code", "Name", "Group", "Unit", "Type", "Price", "VAT", "Status",
                    ],
                    &[5],
                ),
                rows,
                "No items match.",
            )],
            pager: pager("/books/items", &q, more),
        },
    ))
}

async fn item_view(c: BooksCaller, Path(code): Path<String>) -> Page {
    let l = Layout::load(&c, "stock").await?;
    let i = c.books.item(&code).await.map_err(fail)?;
    let barcodes = c.books.item_barcodes(&i).await.map_err(fail)?;
    let mut links = Vec::new();
    if c.can(Permission::ErpCreateAny) {
        links.push(Link::secondary(
            "Edit",
            format!("/books/items/{}/edit", seg(&i.code)),
        ));
    }
    let balances: Vec<Row> = if i.is_stock {
        c.books
            .stock_balances()
            .await
            .map_err(fail)?
            .into_iter()
            .filter(|b| b.item_id == i.id)
            .map(|b| {
                Row::from(vec![
                    Cell::text(b.warehouse),
                    Cell::num(b.qty),
                    Cell::num(b.rate),
                    Cell::num(b.value),
                ])
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut tables = Vec::new();
    if i.is_stock {
        tables.push(
            TableView::new(
                headers(&["Warehouse", "Quantity", "Rate", "Value"], &[1, 2, 3]),
                balances,
                "None in stock.",
            )
            .titled("Stock"),
        );
    }
    Ok(render(
        StatusCode::OK,
        &DocPage {
            l,
            title: format!("{} · {}", i.code, i.name),
            status: enabled_text(i.disabled).into(),
            status_class: if i.disabled { "cancelled" } else { "submitted" },
            notice: None,
            error: None,
            facts: vec![
                ("Group".into(), i.item_group.clone().unwrap_or_default()),
                ("Unit".into(), i.unit.clone()),
                (
                    "Type".into(),
                    if i.is_stock { "Stock item" } else { "Service" }.into(),
                ),
                ("Selling price".into(), i.selling_price.to_string()),
                ("Buying price".into(), i.buying_price.to_string()),
                ("VAT".into(), i.vat_category.label().into()),
                ("Barcodes".into(), barcodes.join(", ")),
            ],
            tables,
            totals: Vec::new(),
            links,
            confirms: Vec::new(),
        },
    ))
}

fn item_values(i: &Item, barcodes: &[String]) -> FormData {
    let mut f = FormData::default();
    f.push("item_code", &i.code);
    f.push("item_name", &i.name);
    f.push("item_group", i.item_group.clone().unwrap_or_default());
    f.push("unit", &i.unit);
    if i.is_stock {
        f.push("is_stock", "1");
    }
    f.push("selling_price", i.selling_price.to_string());
    f.push("buying_price", i.buying_price.to_string());
    f.push("vat_category", i.vat_category.as_str());
    f.push("barcodes", barcodes.join(", "));
    if i.disabled {
        f.push("disabled", "1");
    }
    f
}

async fn item_form(
    c: &BooksCaller,
    existing: Option<&str>,
    v: &FormData,
    error: Option<String>,
) -> Result<FormPage, axum::response::Response> {
    let l = Layout::load(c, "stock").await?;
    let groups = c.books.item_groups().await.map_err(fail)?;
    let mut group_options = vec![(String::new(), "(none)".to_owned())];
    group_options.extend(groups.iter().map(|g| (g.name.clone(), g.name.clone())));
    let (title, action, back) = match existing {
        Some(code) => (
            format!("Edit {code}"),
            format!("/books/items/{}", seg(code)),
            format!("/books/items/{}", seg(code)),
        ),
        None => (
            "New item".to_owned(),
            "/books/items".to_owned(),
            "/books/items".to_owned(),
        ),
    };
    Ok(FormPage {
        l,
        title,
        action,
        back,
        error,
        fields: vec![
            Field::text("item_code", "Code", v.get("item_code")).required(),
            Field::text("item_name", "Name", v.get("item_name")),
            Field::select("item_group", "Group", v.get("item_group"), group_options),
            Field::text("unit", "Unit", v.get("unit")).hint("Nos when blank."),
            Field::new(
                "money",
                "selling_price",
                "Selling price",
                v.get("selling_price"),
            ),
            Field::new(
                "money",
                "buying_price",
                "Buying price",
                v.get("buying_price"),
            ),
            Field::select(
                "vat_category",
                "VAT",
                v.get("vat_category"),
                vat_options(None),
            ),
            Field::text("barcodes", "Barcodes", v.get("barcodes"))
                .hint("Separated by commas or spaces."),
            Field::checkbox("is_stock", "Kept in stock", v.has("is_stock")),
            Field::checkbox("disabled", "Disabled (no new documents)", v.has("disabled")),
        ],
        lines: None,
        datalists: Vec::new(),
        submit_label: "Save",
    })
}

async fn item_new(c: BooksCaller) -> Page {
    c.require(Permission::ErpCreateAny)?;
    let mut v = FormData::default();
    v.push("is_stock", "1");
    v.push("vat_category", "standard");
    v.push("selling_price", "0.00");
    v.push("buying_price", "0.00");
    Ok(render(
        StatusCode::OK,
        &item_form(&c, None, &v, None).await?,
    ))
}

async fn item_edit(c: BooksCaller, Path(code): Path<String>) -> Page {
    c.require(Permission::ErpCreateAny)?;
    let i = c.books.item(&code).await.map_err(fail)?;
    let barcodes = c.books.item_barcodes(&i).await.map_err(fail)?;
    let v = item_values(&i, &barcodes);
    Ok(render(
        StatusCode::OK,
        &item_form(&c, Some(&i.code), &v, None).await?,
    ))
}

fn item_input(f: &FormData) -> Result<ItemInput, String> {
    let group = f.get("item_group").trim();
    Ok(ItemInput {
        item_code: f.get("item_code").into(),
        item_name: f.get("item_name").into(),
        item_group: (!group.is_empty()).then(|| group.to_owned()),
        unit: f.get("unit").into(),
        is_stock: f.has("is_stock"),
        selling_price: parse_amount("Selling price", f.get("selling_price"))?.unwrap_or_default(),
        buying_price: parse_amount("Buying price", f.get("buying_price"))?.unwrap_or_default(),
        vat_category: Some(
            VatCategory::parse(f.get("vat_category")).map_err(|e| format!("VAT: {}", e.message))?,
        ),
        barcodes: f
            .get("barcodes")
            .split(|ch: char| ch == ',' || ch.is_whitespace())
            .filter(|b| !b.is_empty())
            .map(str::to_owned)
            .collect(),
        disabled: f.has("disabled"),
    })
}

async fn item_save(c: BooksCaller, existing: Option<String>, f: FormData) -> Page {
    check_csrf(&c, &f)?;
    c.require(Permission::ErpCreateAny)?;
    let result = match item_input(&f) {
        Err(message) => Err((StatusCode::UNPROCESSABLE_ENTITY, message)),
        Ok(input) => refused(match &existing {
            None => c.books.create_item(&input).await,
            Some(code) => c.books.update_item(code, &input).await,
        })?,
    };
    match result {
        Ok(i) => Ok(see(&format!("/books/items/{}", seg(&i.code)))),
        Err((status, message)) => Ok(render(
            status,
            &item_form(&c, existing.as_deref(), &f, Some(message)).await?,
        )),
    }
}

async fn item_create(c: BooksCaller, Form(f): Form<Vec<(String, String)>>) -> Page {
    item_save(c, None, FormData(f)).await
}

async fn item_update(
    c: BooksCaller,
    Path(code): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    item_save(c, Some(code), FormData(f)).await
}

// ---- warehouses ----

async fn warehouse_list(c: BooksCaller, Query(q): Query<Vec<(String, String)>>) -> Page {
    let q = FormData(q);
    let l = Layout::load(&c, "stock").await?;
    let mut filters = Vec::new();
    let status = status_filter(&q, &mut filters);
    let mut rows = c
        .books
        .list_warehouses(&list_query(&q, filters))
        .await
        .map_err(fail)?;
    let more = take_page(&mut rows);
    let can_edit = c.can(Permission::ErpCreateAny);
    let rows: Vec<Row> = rows
        .iter()
        .map(|w| {
            let mut cells = vec![
                Cell::link(
                    &w.name,
                    format!("/books/stock-balance?warehouse={}", seg(&w.name)),
                ),
                Cell::text(enabled_text(w.disabled)),
            ];
            if can_edit {
                cells.push(Cell::link(
                    "Edit",
                    format!("/books/warehouses/{}/edit", seg(&w.name)),
                ));
            }
            Row::from(cells)
        })
        .collect();
    let mut actions = Vec::new();
    if can_edit {
        actions.push(Link::new("New warehouse", "/books/warehouses/new"));
    }
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l,
            title: "Warehouses".into(),
            intro: String::new(),
            actions,
            filters: vec![search_field(&q, "Search"), status],
            error: None,
            tables: vec![TableView::new(
                headers(
                    if can_edit {
                        &["Name", "Status", ""]
                    } else {
                        &["Name", "Status"]
                    },
                    &[],
                ),
                rows,
                "No warehouses match.",
            )],
            pager: pager("/books/warehouses", &q, more),
        },
    ))
}

async fn warehouse_form(
    c: &BooksCaller,
    existing: Option<&str>,
    v: &FormData,
    error: Option<String>,
) -> Result<FormPage, axum::response::Response> {
    let mut fields = vec![Field::text("name", "Name", v.get("name")).required()];
    let (title, action) = match existing {
        Some(name) => {
            fields.push(Field::checkbox(
                "disabled",
                "Disabled (no new documents)",
                v.has("disabled"),
            ));
            (
                format!("Edit {name}"),
                format!("/books/warehouses/{}", seg(name)),
            )
        }
        None => ("New warehouse".to_owned(), "/books/warehouses".to_owned()),
    };
    Ok(FormPage {
        l: Layout::load(c, "stock").await?,
        title,
        action,
        back: "/books/warehouses".into(),
        error,
        fields,
        lines: None,
        datalists: Vec::new(),
        submit_label: "Save",
    })
}

async fn warehouse_new(c: BooksCaller) -> Page {
    c.require(Permission::ErpCreateAny)?;
    Ok(render(
        StatusCode::OK,
        &warehouse_form(&c, None, &FormData::default(), None).await?,
    ))
}

async fn warehouse_edit(c: BooksCaller, Path(name): Path<String>) -> Page {
    c.require(Permission::ErpCreateAny)?;
    let w = c.books.warehouse(&name).await.map_err(fail)?;
    let mut v = FormData::default();
    v.push("name", &w.name);
    if w.disabled {
        v.push("disabled", "1");
    }
    Ok(render(
        StatusCode::OK,
        &warehouse_form(&c, Some(&w.name), &v, None).await?,
    ))
}

async fn warehouse_save(c: BooksCaller, existing: Option<String>, f: FormData) -> Page {
    check_csrf(&c, &f)?;
    c.require(Permission::ErpCreateAny)?;
    let written = match &existing {
        None => c.books.create_warehouse(f.get("name")).await,
        Some(name) => {
            c.books
                .update_warehouse(
                    name,
                    &WarehouseInput {
                        name: f.get("name").into(),
                        disabled: f.has("disabled"),
                    },
                )
                .await
        }
    };
    match refused(written)? {
        Ok(_) => Ok(see("/books/warehouses")),
        Err((status, message)) => Ok(render(
            status,
            &warehouse_form(&c, existing.as_deref(), &f, Some(message)).await?,
        )),
    }
}

async fn warehouse_create(c: BooksCaller, Form(f): Form<Vec<(String, String)>>) -> Page {
    warehouse_save(c, None, FormData(f)).await
}

async fn warehouse_update(
    c: BooksCaller,
    Path(name): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    warehouse_save(c, Some(name), FormData(f)).await
}

// ---- the chart of accounts ----

/// Accounts in tree order (each group followed by its children), with their depths.
fn tree(accounts: &[Account]) -> Vec<(&Account, usize)> {
    fn visit<'a>(
        all: &'a [Account],
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<(&'a Account, usize)>,
    ) {
        if depth > 16 {
            return;
        }
        for a in all.iter().filter(|a| a.parent_id == parent) {
            out.push((a, depth));
            visit(all, Some(a.id), depth + 1, out);
        }
    }
    let mut out = Vec::with_capacity(accounts.len());
    visit(accounts, None, 0, &mut out);
    out
}

fn root_options(blank: &str) -> Vec<(String, String)> {
    let mut o = vec![(String::new(), blank.to_owned())];
    o.extend(
        RootType::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.title().to_owned())),
    );
    o
}

fn words(s: &str) -> String {
    let s = s.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The chart as a tree. A search or a root type narrows it; the chart of a small business is a
/// page long, so it is not split into pages.
async fn account_tree(c: BooksCaller, Query(q): Query<Vec<(String, String)>>) -> Page {
    let q = FormData(q);
    let l = Layout::load(&c, "accounts").await?;
    let accounts = c.books.accounts().await.map_err(fail)?;
    let search = q.get("q").trim().to_lowercase();
    let root = RootType::parse(q.get("root")).ok();
    let can_edit = c.can(Permission::ErpConfigure);
    let rows: Vec<Row> = tree(&accounts)
        .into_iter()
        .filter(|(a, _)| root.is_none_or(|r| a.root_type == r))
        .filter(|(a, _)| {
            search.is_empty()
                || a.name.to_lowercase().contains(&search)
                || a.number.to_lowercase().contains(&search)
        })
        .map(|(a, depth)| {
            let mut name = Cell::link(
                &a.name,
                format!("/books/reports/general-ledger?account={}", seg(&a.number)),
            )
            .class(&format!("depth-{}", depth.min(6)));
            if a.is_group {
                name = Cell::text(&a.name).class(&format!("depth-{} group", depth.min(6)));
            }
            Row::from(vec![
                if can_edit {
                    Cell::link(
                        &a.number,
                        format!("/books/accounts/{}/edit", seg(&a.number)),
                    )
                } else {
                    Cell::text(&a.number)
                },
                name,
                Cell::text(a.root_type.title()),
                Cell::text(words(a.account_type.as_str())),
                Cell::text(if a.is_group { "Group" } else { "Ledger" }),
                Cell::text(enabled_text(a.disabled)),
            ])
        })
        .collect();
    let mut actions = Vec::new();
    if can_edit {
        actions.push(Link::new("New account", "/books/accounts/new"));
    }
    actions.push(Link::secondary("Fiscal years", "/books/fiscal-years"));
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l,
            title: "Chart of accounts".into(),
            intro: String::new(),
            actions,
            filters: vec![
                search_field(&q, "Search"),
                Field::select("root", "Root type", q.get("root"), root_options("All")),
            ],
            error: None,
            tables: vec![TableView::new(
                headers(
                    &["Number", "Account", "Root type", "Type", "Kind", "Status"],
                    &[],
                ),
                rows,
                "No accounts match.",
            )],
            pager: Pager::default(),
        },
    ))
}

async fn account_form(
    c: &BooksCaller,
    v: &FormData,
    error: Option<String>,
) -> Result<FormPage, axum::response::Response> {
    let l = Layout::load(c, "accounts").await?;
    let accounts = c.books.accounts().await.map_err(fail)?;
    let mut parents = vec![(String::new(), "(top level)".to_owned())];
    parents.extend(
        tree(&accounts)
            .into_iter()
            .filter(|(a, _)| a.is_group)
            .map(|(a, depth)| {
                (
                    a.number.clone(),
                    format!("{}{} {}", "· ".repeat(depth), a.number, a.name),
                )
            }),
    );
    let mut types = vec![(String::new(), "Other".to_owned())];
    types.extend(
        AccountType::ALL
            .iter()
            .map(|t| (t.as_str().to_owned(), words(t.as_str()))),
    );
    Ok(FormPage {
        l,
        title: "New account".into(),
        action: "/books/accounts".into(),
        back: "/books/accounts".into(),
        error,
        fields: vec![
            Field::text("number", "Number", v.get("number")).required(),
            Field::text("name", "Name", v.get("name")).required(),
            Field::select("parent", "Under the group", v.get("parent"), parents),
            Field::select(
                "root_type",
                "Root type",
                v.get("root_type"),
                root_options("(the group's)"),
            )
            .hint("Only for a new top-level group."),
            Field::select("account_type", "Type", v.get("account_type"), types),
            Field::checkbox(
                "is_group",
                "A group (holds other accounts)",
                v.has("is_group"),
            ),
        ],
        lines: None,
        datalists: Vec::new(),
        submit_label: "Save",
    })
}

async fn account_new(c: BooksCaller) -> Page {
    c.require(Permission::ErpConfigure)?;
    Ok(render(
        StatusCode::OK,
        &account_form(&c, &FormData::default(), None).await?,
    ))
}

fn account_input(f: &FormData) -> Result<AccountInput, String> {
    let parent = f.get("parent").trim();
    let root = f.get("root_type").trim();
    let kind = f.get("account_type").trim();
    Ok(AccountInput {
        number: f.get("number").into(),
        name: f.get("name").into(),
        parent: (!parent.is_empty()).then(|| parent.to_owned()),
        root_type: if root.is_empty() {
            None
        } else {
            Some(RootType::parse(root).map_err(|e| e.message)?)
        },
        account_type: if kind.is_empty() {
            None
        } else {
            Some(AccountType::parse(kind).map_err(|e| e.message)?)
        },
        is_group: f.has("is_group"),
    })
}

async fn account_create(c: BooksCaller, Form(f): Form<Vec<(String, String)>>) -> Page {
    let f = FormData(f);
    check_csrf(&c, &f)?;
    c.require(Permission::ErpConfigure)?;
    let result = match account_input(&f) {
        Err(message) => Err((StatusCode::UNPROCESSABLE_ENTITY, message)),
        Ok(input) => refused(c.books.create_account(&input).await)?,
    };
    match result {
        Ok(_) => Ok(see("/books/accounts")),
        Err((status, message)) => Ok(render(status, &account_form(&c, &f, Some(message)).await?)),
    }
}

fn account_types() -> Vec<(String, String)> {
    AccountType::ALL
        .iter()
        .map(|t| (t.as_str().to_owned(), words(t.as_str())))
        .collect()
}

/// An account's name, type and whether it is in use; its number, place and root type stay.
async fn account_edit_form(
    c: &BooksCaller,
    number: &str,
    v: &FormData,
    error: Option<String>,
) -> Result<FormPage, axum::response::Response> {
    Ok(FormPage {
        l: Layout::load(c, "accounts").await?,
        title: format!("Edit account {number}"),
        action: format!("/books/accounts/{}", seg(number)),
        back: "/books/accounts".into(),
        error,
        fields: vec![
            Field::text("name", "Name", v.get("name")).required(),
            Field::select(
                "account_type",
                "Type",
                v.get("account_type"),
                account_types(),
            ),
            Field::checkbox("disabled", "Disabled (no new postings)", v.has("disabled")),
        ],
        lines: None,
        datalists: Vec::new(),
        submit_label: "Save",
    })
}

async fn account_edit(c: BooksCaller, Path(number): Path<String>) -> Page {
    c.require(Permission::ErpConfigure)?;
    let a = c.books.account(&number).await.map_err(fail)?;
    let mut v = FormData::default();
    v.push("name", &a.name);
    v.push("account_type", a.account_type.as_str());
    if a.disabled {
        v.push("disabled", "1");
    }
    Ok(render(
        StatusCode::OK,
        &account_edit_form(&c, &a.number, &v, None).await?,
    ))
}

async fn account_update(
    c: BooksCaller,
    Path(number): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Page {
    let f = FormData(f);
    check_csrf(&c, &f)?;
    c.require(Permission::ErpConfigure)?;
    let result = match AccountType::parse(f.get("account_type")) {
        Err(e) => Err((StatusCode::UNPROCESSABLE_ENTITY, e.message)),
        Ok(account_type) => refused(
            c.books
                .update_account(
                    &number,
                    &AccountUpdate {
                        name: f.get("name").into(),
                        account_type,
                        disabled: f.has("disabled"),
                    },
                )
                .await,
        )?,
    };
    match result {
        Ok(_) => Ok(see("/books/accounts")),
        Err((status, message)) => Ok(render(
            status,
            &account_edit_form(&c, &number, &f, Some(message)).await?,
        )),
    }
}

// ---- fiscal years ----

async fn fiscal_years(c: BooksCaller) -> Page {
    let l = Layout::load(&c, "accounts").await?;
    let years = c.books.fiscal_years().await.map_err(fail)?;
    let today = super::today();
    let rows = years
        .iter()
        .map(|y| {
            Row::from(vec![
                Cell::text(&y.name),
                Cell::text(y.start_date.to_string()),
                Cell::text(y.end_date.to_string()),
                Cell::text(if y.start_date <= today && today <= y.end_date {
                    "Current"
                } else {
                    ""
                }),
            ])
        })
        .collect();
    let mut actions = Vec::new();
    if c.can(Permission::ErpConfigure) {
        actions.push(Link::new("New fiscal year", "/books/fiscal-years/new"));
    }
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l,
            title: "Fiscal years".into(),
            intro: "Documents can be dated only inside a fiscal year.".into(),
            actions,
            filters: Vec::new(),
            error: None,
            tables: vec![TableView::new(
                headers(&["Name", "Starts", "Ends", ""], &[]),
                rows,
                "No fiscal years yet.",
            )],
            pager: Pager::default(),
        },
    ))
}

async fn fiscal_year_form(
    c: &BooksCaller,
    v: &FormData,
    error: Option<String>,
) -> Result<FormPage, axum::response::Response> {
    Ok(FormPage {
        l: Layout::load(c, "accounts").await?,
        title: "New fiscal year".into(),
        action: "/books/fiscal-years".into(),
        back: "/books/fiscal-years".into(),
        error,
        fields: vec![
            Field::text("name", "Name", v.get("name")).required(),
            Field::new("date", "start_date", "Starts", v.get("start_date")).required(),
            Field::new("date", "end_date", "Ends", v.get("end_date")).required(),
        ],
        lines: None,
        datalists: Vec::new(),
        submit_label: "Save",
    })
}

async fn fiscal_year_new(c: BooksCaller) -> Page {
    c.require(Permission::ErpConfigure)?;
    Ok(render(
        StatusCode::OK,
        &fiscal_year_form(&c, &FormData::default(), None).await?,
    ))
}

fn fiscal_year_input(f: &FormData) -> Result<FiscalYearInput, String> {
    Ok(FiscalYearInput {
        name: f.get("name").into(),
        start_date: parse_date("Starts", f.get("start_date"))?
            .ok_or("Starts: a date is required")?,
        end_date: parse_date("Ends", f.get("end_date"))?.ok_or("Ends: a date is required")?,
    })
}

async fn fiscal_year_create(c: BooksCaller, Form(f): Form<Vec<(String, String)>>) -> Page {
    let f = FormData(f);
    check_csrf(&c, &f)?;
    c.require(Permission::ErpConfigure)?;
    let result = match fiscal_year_input(&f) {
        Err(message) => Err((StatusCode::UNPROCESSABLE_ENTITY, message)),
        Ok(input) => refused(c.books.create_fiscal_year(&input).await)?,
    };
    match result {
        Ok(_) => Ok(see("/books/fiscal-years")),
        Err((status, message)) => Ok(render(
            status,
            &fiscal_year_form(&c, &f, Some(message)).await?,
        )),
    }
}

// ---- stock balance ----

/// What is on hand, per item and warehouse. The store answers the whole balance; search, the
/// warehouse filter and the pages are applied here.
async fn stock_balance(c: BooksCaller, Query(q): Query<Vec<(String, String)>>) -> Page {
    let q = FormData(q);
    let l = Layout::load(&c, "stock").await?;
    let all = c.books.stock_balances().await.map_err(fail)?;
    let warehouses = c
        .books
        .list_warehouses(&ListQuery {
            limit: 1_000,
            ..ListQuery::default()
        })
        .await
        .map_err(fail)?;
    let search = q.get("q").trim().to_lowercase();
    let warehouse = q.get("warehouse").trim();
    let matching: Vec<_> = all
        .into_iter()
        .filter(|b| warehouse.is_empty() || b.warehouse == warehouse)
        .filter(|b| {
            search.is_empty()
                || b.item_code.to_lowercase().contains(&search)
                || b.item_name.to_lowercase().contains(&search)
        })
        .collect();
    let start = ((page_of(&q) - 1) * PAGE_SIZE) as usize;
    let more = matching.len() > start + PAGE_SIZE as usize;
    let rows = matching
        .iter()
        .skip(start)
        .take(PAGE_SIZE as usize)
        .map(|b| {
            Row::from(vec![
                Cell::link(&b.item_code, format!("/books/items/{}", seg(&b.item_code))),
                Cell::text(&b.item_name),
                Cell::text(&b.warehouse),
                Cell::num(b.qty),
                Cell::num(b.rate),
                Cell::num(b.value),
            ])
        })
        .collect();
    let mut warehouse_options = vec![(String::new(), "All".to_owned())];
    warehouse_options.extend(warehouses.iter().map(|w| (w.name.clone(), w.name.clone())));
    let mut actions = Vec::new();
    if c.can(Permission::ErpCreateAny) {
        actions.push(Link::new("New stock entry", "/books/stock-entries/new"));
    }
    actions.push(Link::secondary("Stock entries", "/books/stock-entries"));
    if c.can(Permission::ErpReports) {
        actions.push(Link::secondary(
            "Download CSV",
            "/books/reports/stock-balance/csv",
        ));
    }
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l,
            title: "Stock balance".into(),
            intro: String::new(),
            actions,
            filters: vec![
                search_field(&q, "Search"),
                Field::select("warehouse", "Warehouse", warehouse, warehouse_options),
            ],
            error: None,
            tables: vec![TableView::new(
                headers(
                    &["Item", "Name", "Warehouse", "Quantity", "Rate", "Value"],
                    &[3, 4, 5],
                ),
                rows,
                "Nothing in stock matches.",
            )],
            pager: pager("/books/stock-balance", &q, more),
        },
    ))
}

// ---- settings ----

fn rounding_options() -> Vec<(String, String)> {
    options(&[
        ("per_line", "Per line (each line's VAT rounded)"),
        (
            "per_invoice",
            "Per invoice (each rate's total rounded once)",
        ),
    ])
}

/// The settings as the form shows them.
pub(super) fn settings_values(s: &BookSettings) -> FormData {
    let mut v = FormData::default();
    v.push("address", &s.address);
    v.push("tax_id", &s.tax_id);
    v.push("vat_rounding", s.vat_rounding.as_str());
    if s.allow_negative_stock {
        v.push("allow_negative_stock", "1");
    }
    v
}

/// The admin's settings page: the settings form with `v` in it (and `error` beside it), and the
/// branding forms.
pub(super) async fn settings_page_of(
    c: &BooksCaller,
    v: &FormData,
    error: Option<String>,
) -> Result<SettingsPage, axum::response::Response> {
    let brand = c.books.branding_info().await.map_err(fail)?;
    Ok(super::branding::page(
        Layout::load(c, "accounts").await?,
        error,
        vec![
            Field::new(
                "textarea",
                "address",
                "Address (on invoices)",
                v.get("address"),
            ),
            Field::text("tax_id", "VAT number", v.get("tax_id")),
            Field::select(
                "vat_rounding",
                "VAT rounding",
                v.get("vat_rounding"),
                rounding_options(),
            ),
            Field::checkbox(
                "allow_negative_stock",
                "Allow stock to go below zero",
                v.has("allow_negative_stock"),
            ),
        ],
        brand,
    ))
}

/// Admins see the settings as a form; everyone else reads them.
async fn settings_page(c: BooksCaller) -> Page {
    let s = c.books.settings().await.map_err(fail)?;
    if c.can(Permission::ErpConfigure) {
        let v = settings_values(&s);
        return Ok(render(
            StatusCode::OK,
            &settings_page_of(&c, &v, None).await?,
        ));
    }
    let brand = c.books.branding_info().await.map_err(fail)?;
    let l = Layout::load(&c, "accounts").await?;
    Ok(render(
        StatusCode::OK,
        &DocPage {
            l,
            title: "Books settings".into(),
            status: String::new(),
            status_class: "",
            notice: Some("Only this business's admins change these.".into()),
            error: None,
            facts: vec![
                ("Company".into(), s.name.clone()),
                ("Currency".into(), s.currency.clone()),
                ("Address".into(), s.address.clone()),
                ("VAT number".into(), s.tax_id.clone()),
                (
                    "VAT rounding".into(),
                    match s.vat_rounding {
                        VatRounding::PerLine => "Per line",
                        VatRounding::PerInvoice => "Per invoice",
                    }
                    .into(),
                ),
                (
                    "Negative stock".into(),
                    if s.allow_negative_stock {
                        "Allowed"
                    } else {
                        "Not allowed"
                    }
                    .into(),
                ),
                (
                    "Brand colour".into(),
                    match &brand.colour {
                        Some(colour) => colour.clone(),
                        None => format!("{} (the default)", brand.effective_colour),
                    },
                ),
                (
                    "Logo".into(),
                    if brand.has_logo { "Yes" } else { "None" }.into(),
                ),
            ],
            tables: Vec::new(),
            totals: Vec::new(),
            links: Vec::new(),
            confirms: Vec::new(),
        },
    ))
}

async fn settings_save(c: BooksCaller, Form(f): Form<Vec<(String, String)>>) -> Page {
    let f = FormData(f);
    check_csrf(&c, &f)?;
    c.require(Permission::ErpConfigure)?;
    let result = match VatRounding::parse(f.get("vat_rounding")) {
        Err(e) => Err((StatusCode::UNPROCESSABLE_ENTITY, e.message)),
        Ok(vat_rounding) => refused(
            c.books
                .update_settings(&SettingsInput {
                    address: f.get("address").into(),
                    tax_id: f.get("tax_id").into(),
                    vat_rounding,
                    allow_negative_stock: f.has("allow_negative_stock"),
                })
                .await,
        )?,
    };
    match result {
        Ok(_) => Ok(see("/books/settings")),
        Err((status, message)) => Ok(render(
            status,
            &settings_page_of(&c, &f, Some(message)).await?,
        )),
    }
}
