//! The books' pages in the client space, end to end over HTTP with a browser's cookies: every
//! page renders for a viewer; the forms create, submit and cancel documents with the figures
//! checked to the penny; each role is refused what it may not do and is shown no button for it;
//! another client's user, a visitor and a forged form are refused and change nothing; bad input
//! comes back beside the form with a 4xx; names are escaped; reports download as CSV and
//! invoices as PDF.

use std::collections::HashMap;

use reqwest::header::{HeaderMap, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION, SET_COOKIE};
use tenantry_domain::TenantRole;
use tenantry_store::books::{ListQuery, PartyKind};
use tenantry_store::TenantDb;

use crate::both_backends;
use crate::support::{add_members, invitation_token, TestApp};

/// A form that is refused: where it posts, its fields, the status and the message expected.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16, &'a str);

const PASSWORD: &str = "quartz-Meadow-lantern-58";
pub(crate) const HOST: &str = "acme-corp.localhost";

/// A browser: cookies kept per host, redirects not followed.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, HashMap<String, String>>,
    csrf: String,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) body: String,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Page {
    pub(crate) fn location(&self) -> String {
        self.headers
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    fn header(&self, name: reqwest::header::HeaderName) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
}

fn csrf_of(body: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker)? + marker.len();
    Some(body[start..].split('"').next().unwrap().to_owned())
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: HashMap::new(),
            csrf: String::new(),
        }
    }

    fn cookie_header(&self, host: &str) -> String {
        self.cookies
            .get(host)
            .map(|c| {
                c.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }

    async fn send(&mut self, host: &str, req: reqwest::RequestBuilder) -> Page {
        let res = req
            .header("host", host)
            .header("cookie", self.cookie_header(host))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        for v in headers.get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let jar = self.cookies.entry(host.to_owned()).or_default();
            if value.is_empty() || v.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = res.bytes().await.unwrap().to_vec();
        Page {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            headers,
            bytes,
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let req = self.app.http.get(self.app.url(path));
        self.send(HOST, req).await
    }

    /// Posts a form with the session's CSRF token first.
    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone();
        let mut fields: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post_raw(path, &fields).await
    }

    pub(crate) async fn post_raw(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.app.http.post(self.app.url(path)).form(form);
        self.send(HOST, req).await
    }

    /// Signs in on the client's host and keeps the session's CSRF token.
    pub(crate) async fn login(&mut self, host: &str, email: &str) -> Page {
        let req = self.app.http.get(self.app.url("/login"));
        let page = self.send(host, req).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = csrf_of(&page.body).unwrap();
        let req = self.app.http.post(self.app.url("/login")).form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/books"),
        ]);
        let signed_in = self.send(host, req).await;
        if signed_in.status == 303 {
            let req = self.app.http.get(self.app.url("/books"));
            let books = self.send(host, req).await;
            assert_eq!(books.status, 200, "{}", books.body);
            self.csrf = csrf_of(&books.body).unwrap();
        }
        signed_in
    }
}

/// A client with an admin, and a member of each other role; everyone's password is PASSWORD.
pub(crate) struct Client {
    pub(crate) tenant_id: tenantry_domain::TenantId,
    pub(crate) admin: String,
}

pub(crate) async fn client(app: &TestApp, name: &str, subdomain: &str) -> Client {
    let p = app.provision(name, subdomain).await.unwrap();
    let token = invitation_token(p.invitation_url.as_deref().unwrap());
    app.platform
        .identity()
        .accept_invitation(&token, PASSWORD)
        .await
        .unwrap();
    add_members(
        app,
        subdomain,
        &[
            TenantRole::Viewer,
            TenantRole::Employee,
            TenantRole::Manager,
        ],
        PASSWORD,
    )
    .await;
    Client {
        tenant_id: p.tenant_id,
        admin: format!("admin@{subdomain}.example.com"),
    }
}

pub(crate) async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    let page = b.login(HOST, email).await;
    assert_eq!(page.status, 303, "{}", page.body);
    b
}

pub(crate) async fn books_db(app: &TestApp, c: &Client) -> TenantDb {
    let tenant = app
        .platform
        .control()
        .tenant(c.tenant_id)
        .await
        .unwrap()
        .unwrap();
    app.platform.pools().get(&tenant).await.unwrap()
}

pub(crate) fn all() -> ListQuery {
    ListQuery {
        limit: 1_000,
        ..ListQuery::default()
    }
}

pub(crate) fn year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

/// Checks the numbers documents take, from the addresses of the pages they land on: per series
/// and year 00001, 00002, … The year is the server's (its today when the document was posted),
/// so it is read from the number and checked to lie between the test's start and now: midnight
/// on 31 December may fall in between, and a new year starts its series at 00001 again.
struct Numbered {
    since: i32,
    taken: HashMap<String, u32>,
}

impl Numbered {
    fn new() -> Self {
        Self {
            since: year(),
            taken: HashMap::new(),
        }
    }

    /// `path` is `dir`'s page of the next number of `prefix`'s series; returns that number.
    fn check(&mut self, path: &str, dir: &str, prefix: &str) -> String {
        let number = path
            .strip_prefix(&format!("{dir}/{prefix}-"))
            .unwrap_or_else(|| panic!("{path} is not a page of {dir}/{prefix}-…"));
        let (y, serial) = number.split_once('-').unwrap();
        let y: i32 = y.parse().unwrap();
        assert!(self.since <= y && y <= year(), "{path}: not this year's");
        let n = self.taken.entry(format!("{prefix}-{y}")).or_default();
        *n += 1;
        assert_eq!(serial, format!("{n:05}"), "{path}");
        format!("{prefix}-{number}")
    }
}

/// What `seed` made: the pages of the purchase, the submitted sale and the draft sale.
pub(crate) struct Seeded {
    pub(crate) purchase: String,
    pub(crate) sale: String,
    pub(crate) draft: String,
}

/// The masters and documents the role tests start from, made through the forms by the admin:
/// a customer, a supplier, a stocked item and a service, a submitted purchase of stock, a
/// submitted sale and a draft sale.
pub(crate) async fn seed(admin: &mut Browser<'_>) -> Seeded {
    let mut numbers = Numbered::new();
    let created = admin
        .post(
            "/books/customers",
            &[
                ("name", "Dickson Supplies"),
                ("email", "accounts@dickson.example"),
                ("city", "Leeds"),
                ("payment_terms_days", "30"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(created.location(), "/books/customers/Dickson%20Supplies");
    let created = admin
        .post(
            "/books/suppliers",
            &[("name", "Widget Wholesale"), ("payment_terms_days", "14")],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    for (code, name, stock, sell, buy) in [
        ("WIDGET", "Blue widget", true, "12.50", "5.00"),
        ("CONSULT", "Consulting hour", false, "100.00", "0"),
    ] {
        let mut form = vec![
            ("item_code", code),
            ("item_name", name),
            ("unit", "Nos"),
            ("selling_price", sell),
            ("buying_price", buy),
            ("vat_category", "standard"),
            ("barcodes", ""),
        ];
        if stock {
            form.push(("is_stock", "1"));
        }
        let created = admin.post("/books/items", &form).await;
        assert_eq!(created.status, 303, "{}", created.body);
    }
    // Ten widgets bought at £5.00: 50.00 + 10.00 VAT.
    let draft = admin
        .post(
            "/books/purchase-invoices",
            &[
                ("party", "Widget Wholesale"),
                ("posting_date", ""),
                ("due_date", ""),
                ("remarks", ""),
                ("line_item", "WIDGET"),
                ("line_description", ""),
                ("line_qty", "10"),
                ("line_rate", "5.00"),
                ("line_vat", ""),
                ("line_warehouse", ""),
            ],
        )
        .await;
    assert_eq!(draft.status, 303, "{}", draft.body);
    let submitted = admin
        .post(&format!("{}/submit", draft.location()), &[])
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    let purchase = submitted.location();
    numbers.check(&purchase, "/books/purchase-invoices", "PINV");
    // A sale of two widgets, submitted; and a draft.
    let mut names = Vec::new();
    for submit in [true, false] {
        let draft = admin
            .post(
                "/books/sales-invoices",
                &[
                    ("party", "Dickson Supplies"),
                    ("line_item", "WIDGET"),
                    ("line_description", ""),
                    ("line_qty", "2"),
                    ("line_rate", ""),
                    ("line_vat", ""),
                    ("line_warehouse", ""),
                ],
            )
            .await;
        assert_eq!(draft.status, 303, "{}", draft.body);
        if submit {
            let done = admin
                .post(&format!("{}/submit", draft.location()), &[])
                .await;
            assert_eq!(done.status, 303, "{}", done.body);
            numbers.check(&done.location(), "/books/sales-invoices", "SINV");
            names.push(done.location());
        } else {
            names.push(draft.location());
        }
    }
    Seeded {
        purchase,
        sale: names[0].clone(),
        draft: names[1].clone(),
    }
}

// The whole walk through the forms, checked to the penny: masters, a purchase of stock, a sale
// with two lines edited while a draft, a partial payment, a journal, a stock receipt, the
// reports and their CSV, the print page and the PDF, and a cancellation.
both_backends!(
    documents_through_the_forms_to_the_penny,
    |app: TestApp| async move {
        let c = client(&app, "ACME Corp", "acme-corp").await;
        let mut admin = signed_in(&app, &c.admin).await;
        let mut numbers = Numbered::new();

        let created = admin
            .post(
                "/books/customers",
                &[
                    ("name", "Dickson Supplies"),
                    ("email", "accounts@dickson.example"),
                    ("tax_id", "GB987654321"),
                    ("address_line1", "4 Mill Lane"),
                    ("city", "Leeds"),
                    ("postcode", "LS2 7EW"),
                    ("payment_terms_days", "30"),
                ],
            )
            .await;
        assert_eq!(created.status, 303, "{}", created.body);
        let page = admin.get("/books/customers/Dickson%20Supplies").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("GB987654321") && page.body.contains("30 days"));
        // Edited: the terms change.
        let edit = admin.get("/books/customers/Dickson%20Supplies/edit").await;
        assert_eq!(edit.status, 200);
        assert!(edit.body.contains("value=\"4 Mill Lane\""));
        let saved = admin
            .post(
                "/books/customers/Dickson%20Supplies",
                &[
                    ("name", "Dickson Supplies"),
                    ("email", "accounts@dickson.example"),
                    ("tax_id", "GB987654321"),
                    ("address_line1", "4 Mill Lane"),
                    ("city", "Leeds"),
                    ("postcode", "LS2 7EW"),
                    ("payment_terms_days", "14"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert!(admin
            .get("/books/customers/Dickson%20Supplies")
            .await
            .body
            .contains("14 days"));
        let created = admin
            .post("/books/suppliers", &[("name", "Widget Wholesale")])
            .await;
        assert_eq!(created.status, 303, "{}", created.body);
        for (code, stock, sell, buy) in [
            ("WIDGET", true, "12.50", "5.00"),
            ("CONSULT", false, "100.00", "0.00"),
        ] {
            let mut form = vec![
                ("item_code", code),
                ("item_name", ""),
                ("selling_price", sell),
                ("buying_price", buy),
                ("vat_category", "standard"),
                ("barcodes", ""),
            ];
            if stock {
                form.push(("is_stock", "1"));
            }
            let created = admin.post("/books/items", &form).await;
            assert_eq!(created.status, 303, "{}", created.body);
            assert_eq!(created.location(), format!("/books/items/{code}"));
        }
        let created = admin.post("/books/warehouses", &[("name", "Van")]).await;
        assert_eq!(created.status, 303, "{}", created.body);
        let edit = admin.get("/books/warehouses/Van/edit").await;
        assert_eq!(edit.status, 200);
        let renamed = admin
            .post(
                "/books/warehouses/Van",
                &[("name", "Van (old)"), ("disabled", "1")],
            )
            .await;
        assert_eq!(renamed.status, 303, "{}", renamed.body);
        let list = admin.get("/books/warehouses?status=disabled").await;
        assert!(list.body.contains("Van (old)") && !list.body.contains(">Stores<"));

        // Purchase: 10 × £5.00 = 50.00, VAT 10.00, total 60.00.
        let draft = admin
            .post(
                "/books/purchase-invoices",
                &[
                    ("party", "Widget Wholesale"),
                    ("posting_date", ""),
                    ("due_date", ""),
                    ("remarks", ""),
                    ("line_item", "WIDGET"),
                    ("line_description", ""),
                    ("line_qty", "10"),
                    ("line_rate", "5.00"),
                    ("line_vat", ""),
                    ("line_warehouse", "Stores"),
                ],
            )
            .await;
        assert_eq!(draft.status, 303, "{}", draft.body);
        assert_eq!(draft.location(), "/books/purchase-invoices/PINV-DRAFT-1");
        let page = admin.get(&draft.location()).await;
        assert!(page.body.contains("60.00"), "{}", page.body);
        // The confirmation page, then the submit it confirms.
        let confirm = admin.get(&format!("{}/submit", draft.location())).await;
        assert_eq!(confirm.status, 200);
        assert!(confirm.body.contains("It is numbered and posted"));
        let submitted = admin
            .post(&format!("{}/submit", draft.location()), &[])
            .await;
        assert_eq!(submitted.status, 303, "{}", submitted.body);
        let purchase_no = numbers.check(&submitted.location(), "/books/purchase-invoices", "PINV");

        // Sale, written as a draft with two lines, then edited before it is submitted:
        // 4 × 12.50 = 50.00 (+10.00 VAT) and 1.5 × 100.00 = 150.00 (+30.00 VAT) = 240.00.
        let sale_lines = |widgets: &'static str| {
            vec![
                ("party", "Dickson Supplies"),
                ("posting_date", ""),
                ("due_date", ""),
                ("remarks", "Thank you for your order"),
                ("line_item", "WIDGET"),
                ("line_description", ""),
                ("line_qty", widgets),
                ("line_rate", ""),
                ("line_vat", ""),
                ("line_warehouse", ""),
                ("line_item", "CONSULT"),
                ("line_description", "Fitting, on site"),
                ("line_qty", "1.5"),
                ("line_rate", "100.00"),
                ("line_vat", "standard"),
                ("line_warehouse", ""),
                ("line_item", ""),
                ("line_description", ""),
                ("line_qty", ""),
                ("line_rate", ""),
                ("line_vat", ""),
                ("line_warehouse", ""),
            ]
        };
        let draft = admin.post("/books/sales-invoices", &sale_lines("3")).await;
        assert_eq!(draft.status, 303, "{}", draft.body);
        let draft_path = draft.location();
        assert!(admin.get(&draft_path).await.body.contains("225.00"));
        let edit = admin.get(&format!("{draft_path}/edit")).await;
        assert_eq!(edit.status, 200);
        assert!(edit.body.contains("value=\"Fitting, on site\""));
        let edited = admin.post(&draft_path, &sale_lines("4")).await;
        assert_eq!(edited.status, 303, "{}", edited.body);
        let page = admin.get(&draft_path).await;
        for figure in ["200.00", "40.00", "240.00"] {
            assert!(page.body.contains(figure), "{figure}: {}", page.body);
        }
        assert!(page.body.contains("data-dialog=\"dlg-submit\""));
        let submitted = admin.post(&format!("{draft_path}/submit"), &[]).await;
        assert_eq!(submitted.status, 303, "{}", submitted.body);
        let sale = submitted.location();
        let number = numbers.check(&sale, "/books/sales-invoices", "SINV");
        let page = admin.get(&sale).await;
        assert!(page.body.contains("Unpaid") && page.body.contains("240.00"));
        // Submitting twice is refused, with the reason on the page.
        let again = admin.post(&format!("{sale}/submit"), &[]).await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert!(again.body.contains("already submitted"));

        // A payment of 100.00 against it, from the invoice's "Record payment".
        let new = admin
            .get(&format!("/books/payments/new?invoice={number}"))
            .await;
        assert_eq!(new.status, 200);
        assert!(new.body.contains("value=\"240.00\""), "{}", new.body);
        let draft = admin
            .post(
                "/books/payments",
                &[
                    ("payment_type", "receive"),
                    ("party_type", "customer"),
                    ("party", "Dickson Supplies"),
                    ("posting_date", ""),
                    ("amount", "100.00"),
                    ("account", "1200"),
                    ("reference", "BACS 0042"),
                    ("remarks", ""),
                    ("line_invoice", &number),
                    ("line_amount", "100.00"),
                ],
            )
            .await;
        assert_eq!(draft.status, 303, "{}", draft.body);
        let paid = admin
            .post(&format!("{}/submit", draft.location()), &[])
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        let payment = paid.location();
        let payment_no = numbers.check(&payment, "/books/payments", "PAY");
        let page = admin.get(&sale).await;
        assert!(page.body.contains("Partly Paid"), "{}", page.body);
        assert!(page.body.contains("140.00"));

        // A journal: bank charges of 20.00.
        let draft = admin
            .post(
                "/books/journal-entries",
                &[
                    ("posting_date", ""),
                    ("remarks", "Bank charges"),
                    ("line_account", "7900"),
                    ("line_party_type", ""),
                    ("line_party", ""),
                    ("line_debit", "20.00"),
                    ("line_credit", ""),
                    ("line_account", "1200"),
                    ("line_party_type", ""),
                    ("line_party", ""),
                    ("line_debit", ""),
                    ("line_credit", "20.00"),
                ],
            )
            .await;
        assert_eq!(draft.status, 303, "{}", draft.body);
        let posted = admin
            .post(&format!("{}/submit", draft.location()), &[])
            .await;
        assert_eq!(posted.status, 303, "{}", posted.body);
        let journal_no = numbers.check(&posted.location(), "/books/journal-entries", "JV");

        // A stock receipt: 5 widgets at £6.00 into Stores.
        let draft = admin
            .post(
                "/books/stock-entries",
                &[
                    ("purpose", "receipt"),
                    ("posting_date", ""),
                    ("remarks", ""),
                    ("line_item", "WIDGET"),
                    ("line_qty", "5"),
                    ("line_from", ""),
                    ("line_to", "Stores"),
                    ("line_rate", "6.00"),
                ],
            )
            .await;
        assert_eq!(draft.status, 303, "{}", draft.body);
        let posted = admin
            .post(&format!("{}/submit", draft.location()), &[])
            .await;
        assert_eq!(posted.status, 303, "{}", posted.body);
        // 10 − 4 + 5 = 11 on hand: 30.00 left of the first lot, 30.00 of the second.
        let stock = admin.get("/books/stock-balance?q=widget").await;
        assert_eq!(stock.status, 200);
        for figure in [">11<", "£5.45", "£60.00"] {
            assert!(stock.body.contains(figure), "{figure}: {}", stock.body);
        }

        // Reports: every one renders; the trial balance balances at 470.00.
        for slug in [
            "trial-balance",
            "profit-and-loss",
            "balance-sheet",
            "general-ledger",
            "receivables-ageing",
            "payables-ageing",
            "stock-balance",
            "sales-by-day",
            "sales-by-item",
            "vat-return",
        ] {
            let page = admin.get(&format!("/books/reports/{slug}")).await;
            assert_eq!(page.status, 200, "{slug}: {}", page.body);
            assert!(page.body.contains("Download CSV"), "{slug}");
        }
        let csv = admin.get("/books/reports/trial-balance/csv").await;
        assert_eq!(csv.status, 200);
        assert!(csv.header(CONTENT_TYPE).starts_with("text/csv"));
        assert!(csv.header(CONTENT_DISPOSITION).starts_with("attachment;"));
        assert!(csv
            .body
            .starts_with("Number,Account,Opening,Debit,Credit,Closing"));
        assert!(
            csv.body.contains(",Total,,470.00,470.00,0.00"),
            "{}",
            csv.body
        );
        let vat = admin.get("/books/reports/vat-return/csv").await;
        for line in [
            "1,VAT due on sales and other outputs,40.00",
            "4,VAT reclaimed on purchases and other inputs,10.00",
            "5,Net VAT to pay,30.00",
            "6,Total sales excluding VAT (whole pounds),200",
        ] {
            assert!(vat.body.contains(line), "{line}: {}", vat.body);
        }
        let ageing = admin.get("/books/reports/receivables-ageing/csv").await;
        assert!(
            ageing
                .body
                .contains("Dickson Supplies,140.00,0.00,0.00,0.00,0.00,140.00"),
            "{}",
            ageing.body
        );
        let ledger = admin
            .get("/books/reports/general-ledger?account=1200")
            .await;
        // The bank account's lines are the payment's and the journal's, shown by voucher number
        // (the ledger has no references: "BACS 0042" is the payment's, not the ledger's).
        assert_eq!(ledger.status, 200, "{}", ledger.body);
        for voucher in [&payment_no, &journal_no] {
            assert!(
                ledger.body.contains(voucher.as_str()),
                "{voucher}: {}",
                ledger.body
            );
        }
        // By party: the customer's lines only (its sale), not the supplier's purchase.
        let by_party = admin
            .get("/books/reports/general-ledger?party=Dickson+Supplies&party_type=customer")
            .await;
        assert_eq!(by_party.status, 200, "{}", by_party.body);
        assert!(by_party.body.contains(&number), "{}", by_party.body);
        assert!(!by_party.body.contains(&purchase_no));
        let by_party_csv = admin
            .get("/books/reports/general-ledger/csv?party=Widget+Wholesale")
            .await;
        assert!(by_party_csv.body.contains(&purchase_no));
        assert!(!by_party_csv.body.contains(&number));
        let unknown_party = admin
            .get("/books/reports/general-ledger?party=Nobody+Ltd")
            .await;
        assert_eq!(unknown_party.status, 404);
        assert!(unknown_party.body.contains("Nobody Ltd"));
        let bad_type = admin
            .get("/books/reports/general-ledger?party=Dickson+Supplies&party_type=employee")
            .await;
        assert_eq!(bad_type.status, 422);
        let bad = admin
            .get("/books/reports/trial-balance?from=2026-13-01")
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("is not a date"));

        // The invoice as people receive it.
        let print = admin.get(&format!("{sale}/print")).await;
        assert_eq!(print.status, 200);
        for text in [
            "ACME Corp",
            "Dickson Supplies",
            "4 Mill Lane",
            &number,
            "£240.00",
            "£140.00",
            "/books/brand.css",
        ] {
            assert!(print.body.contains(text), "{text}: {}", print.body);
        }
        let brand = admin.get("/books/brand.css").await;
        assert!(brand.body.contains("--brand: #"));
        let pdf = admin.get(&format!("{sale}/pdf")).await;
        assert_eq!(pdf.status, 200);
        assert_eq!(pdf.header(CONTENT_TYPE), "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        let raw = String::from_utf8_lossy(&pdf.bytes);
        assert!(
            raw.contains(&format!("({number})")),
            "the number is in the PDF's text"
        );
        assert!(raw.trim_end().ends_with("%%EOF"));
        let purchase_pdf = admin
            .get(&format!("/books/purchase-invoices/{purchase_no}/pdf"))
            .await;
        assert_eq!(purchase_pdf.status, 200);
        assert!(purchase_pdf.bytes.starts_with(b"%PDF-"));

        // Cancelling the invoice is refused while the payment stands; the payment can go.
        let refused = admin.post(&format!("{sale}/cancel"), &[]).await;
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert!(refused.body.contains("cancel those first"));
        let cancelled = admin.post(&format!("{payment}/cancel"), &[]).await;
        assert_eq!(cancelled.status, 303, "{}", cancelled.body);
        let page = admin.get(&payment).await;
        assert!(page.body.contains("Cancelled"));
        let page = admin.get(&sale).await;
        assert!(page.body.contains("Unpaid"), "{}", page.body);

        // The lists find what was made.
        let list = admin
            .get("/books/sales-invoices?status=unpaid&q=dickson")
            .await;
        assert!(list.body.contains(&number));
        let list = admin.get("/books/payments?status=cancelled").await;
        assert!(list.body.contains(&payment_no));
        let list = admin.get("/books/items?type=service").await;
        assert!(list.body.contains("CONSULT") && !list.body.contains("WIDGET"));

        // A credit note for one widget, from the invoice's "Credit note": 12.50 + 2.50 VAT off.
        assert!(admin.get(&sale).await.body.contains(">Credit note<"));
        let form = admin
            .get(&format!(
                "/books/sales-invoices/new?return_against={number}"
            ))
            .await;
        assert_eq!(form.status, 200);
        assert!(form
            .body
            .contains(&format!("New credit note against {number}")));
        assert!(form.body.contains("name=\"is_return\" value=\"1\""));
        let draft = admin
            .post(
                "/books/sales-invoices",
                &[
                    ("party", "Dickson Supplies"),
                    ("is_return", "1"),
                    ("return_against", &number),
                    ("line_item", "WIDGET"),
                    ("line_description", ""),
                    ("line_qty", "1"),
                    ("line_rate", "12.50"),
                    ("line_vat", "standard"),
                    ("line_warehouse", "Stores"),
                ],
            )
            .await;
        assert_eq!(draft.status, 303, "{}", draft.body);
        let credited = admin
            .post(&format!("{}/submit", draft.location()), &[])
            .await;
        assert_eq!(credited.status, 303, "{}", credited.body);
        numbers.check(&credited.location(), "/books/sales-invoices", "SINV");
        let note = admin.get(&credited.location()).await;
        assert!(note.body.contains("Credit note SINV-") && note.body.contains("-£15.00"));
        let page = admin.get(&sale).await;
        assert!(page.body.contains("225.00"), "{}", page.body);
        let pdf = admin.get(&format!("{}/pdf", credited.location())).await;
        assert!(String::from_utf8_lossy(&pdf.bytes).contains("(CREDIT NOTE)"));
    }
);

// A viewer reads every page and is shown no button to change anything; the reports are for
// managers up. What a viewer posts is refused and changes nothing.
both_backends!(
    every_page_renders_for_a_viewer_without_write_buttons,
    |app: TestApp| async move {
        let c = client(&app, "ACME Corp", "acme-corp").await;
        let mut admin = signed_in(&app, &c.admin).await;
        let Seeded {
            purchase,
            sale,
            draft,
        } = seed(&mut admin).await;
        let mut viewer = signed_in(&app, "viewer@acme-corp.example.com").await;
        let pages = [
            "/books".to_owned(),
            "/books/customers".into(),
            "/books/customers?status=active&q=dick".into(),
            "/books/customers/Dickson%20Supplies".into(),
            "/books/suppliers".into(),
            "/books/suppliers/Widget%20Wholesale".into(),
            "/books/items".into(),
            "/books/items/WIDGET".into(),
            "/books/warehouses".into(),
            "/books/accounts".into(),
            "/books/accounts?root=asset".into(),
            "/books/fiscal-years".into(),
            "/books/settings".into(),
            "/books/sales-invoices".into(),
            "/books/sales-invoices?status=draft&from=2000-01-01".into(),
            sale.clone(),
            draft.clone(),
            format!("{sale}/print"),
            "/books/purchase-invoices".into(),
            purchase,
            "/books/payments".into(),
            "/books/journal-entries".into(),
            "/books/stock-entries".into(),
            "/books/stock-balance".into(),
        ];
        for path in &pages {
            let page = viewer.get(path).await;
            assert_eq!(page.status, 200, "{path}: {}", page.body);
            for button in [
                "New customer",
                "New supplier",
                "New item",
                "New warehouse",
                "New account",
                "New fiscal year",
                "New sales invoice",
                "New purchase invoice",
                "New payment",
                "New journal entry",
                "New stock entry",
                ">Edit<",
                ">Submit<",
                "Cancel document",
                "Record payment",
                "Credit note<",
                "Save settings",
                "Download CSV",
            ] {
                assert!(!page.body.contains(button), "{path} shows {button:?}");
            }
        }
        assert!(viewer.get("/books").await.body.contains("Sales invoices"));
        // Lists come a page at a time.
        let db = books_db(&app, &c).await;
        for n in 1..=30 {
            db.insert_party(
                PartyKind::Customer,
                &tenantry_store::books::PartyFields {
                    name: format!("Bulk {n:02}"),
                    payment_terms_days: 30,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        let first = viewer.get("/books/customers").await;
        assert!(first.body.contains("Bulk 25") && !first.body.contains("Bulk 26"));
        assert!(first.body.contains("href=\"/books/customers?page=2\""));
        assert!(!first.body.contains("rel=\"prev\""));
        let second = viewer.get("/books/customers?page=2").await;
        assert!(second.body.contains("Bulk 26") && second.body.contains("Dickson Supplies"));
        assert!(!second.body.contains("Bulk 25<"));
        assert!(second.body.contains("rel=\"prev\"") && !second.body.contains("rel=\"next\""));
        let found = viewer.get("/books/customers?q=bulk%201").await;
        assert!(found.body.contains("Bulk 19") && !found.body.contains("Bulk 20"));
        // Two widgets at 12.50: 25.00 and 5.00 VAT.
        assert!(viewer.get(&sale).await.body.contains("30.00"));
        let pdf = viewer.get(&format!("{sale}/pdf")).await;
        assert_eq!(pdf.status, 200);
        for report in ["trial-balance", "vat-return", "stock-balance"] {
            let page = viewer.get(&format!("/books/reports/{report}")).await;
            assert_eq!(page.status, 403, "{report}");
            let csv = viewer.get(&format!("/books/reports/{report}/csv")).await;
            assert_eq!(csv.status, 403, "{report} csv");
        }
        for form in [
            "/books/customers/new",
            "/books/items/new",
            "/books/sales-invoices/new",
            "/books/payments/new",
            &format!("{draft}/edit"),
            &format!("{draft}/submit"),
            &format!("{sale}/cancel"),
        ] {
            assert_eq!(viewer.get(form).await.status, 403, "{form}");
        }

        // Every write a viewer tries is refused, with the CSRF token right, and nothing changes.
        let db = books_db(&app, &c).await;
        let writes: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                "/books/customers".into(),
                vec![("name", "Viewer's customer")],
            ),
            (
                "/books/customers/Dickson%20Supplies".into(),
                vec![("name", "Renamed")],
            ),
            (
                "/books/suppliers".into(),
                vec![("name", "Viewer's supplier")],
            ),
            (
                "/books/items".into(),
                vec![("item_code", "VIEWER"), ("vat_category", "standard")],
            ),
            ("/books/warehouses".into(), vec![("name", "Viewer's shed")]),
            (
                "/books/accounts".into(),
                vec![
                    ("number", "9999"),
                    ("name", "X"),
                    ("root_type", "asset"),
                    ("is_group", "1"),
                ],
            ),
            (
                "/books/fiscal-years".into(),
                vec![
                    ("name", "FY"),
                    ("start_date", "2040-01-01"),
                    ("end_date", "2040-12-31"),
                ],
            ),
            (
                "/books/settings".into(),
                vec![("tax_id", "GB000"), ("vat_rounding", "per_line")],
            ),
            (
                "/books/sales-invoices".into(),
                vec![
                    ("party", "Dickson Supplies"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "1"),
                ],
            ),
            (
                draft.clone(),
                vec![
                    ("party", "Dickson Supplies"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "9"),
                ],
            ),
            (format!("{draft}/submit"), vec![]),
            (format!("{sale}/cancel"), vec![]),
            (
                "/books/purchase-invoices".into(),
                vec![
                    ("party", "Widget Wholesale"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "1"),
                ],
            ),
            (
                "/books/payments".into(),
                vec![
                    ("payment_type", "receive"),
                    ("party_type", "customer"),
                    ("party", "Dickson Supplies"),
                    ("line_invoice", sale.rsplit('/').next().unwrap()),
                    ("line_amount", "1.00"),
                ],
            ),
            (
                "/books/journal-entries".into(),
                vec![
                    ("line_account", "7900"),
                    ("line_debit", "1.00"),
                    ("line_account", "1200"),
                    ("line_credit", "1.00"),
                ],
            ),
            (
                "/books/stock-entries".into(),
                vec![
                    ("purpose", "receipt"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "1"),
                    ("line_to", "Stores"),
                ],
            ),
        ];
        for (path, form) in &writes {
            let page = viewer.post(path, form).await;
            assert_eq!(page.status, 403, "POST {path}: {}", page.body);
        }
        assert_eq!(
            db.list_parties(PartyKind::Customer, &all())
                .await
                .unwrap()
                .len(),
            31
        );
        assert_eq!(
            db.list_parties(PartyKind::Supplier, &all())
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(db.list_items(&all()).await.unwrap().len(), 2);
        assert_eq!(db.list_warehouses(&all()).await.unwrap().len(), 1);
        assert_eq!(
            db.list_invoices(tenantry_domain::books::InvoiceKind::Sales, &all())
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(db.list_payments(&all()).await.unwrap().is_empty());
        assert!(db.list_journals(&all()).await.unwrap().is_empty());
        assert!(db.list_stock_entries(&all()).await.unwrap().is_empty());
        assert!(db.book_settings().await.unwrap().tax_id.is_empty());
        assert!(viewer.get(&draft).await.body.contains("Draft"));
    }
);

// Employees write customers and sales drafts and nothing else; managers also write the rest,
// submit, cancel and read reports, but change no settings; admins change settings, accounts
// and fiscal years. Buttons follow the same rights.
both_backends!(
    each_role_is_refused_what_it_may_not_do,
    |app: TestApp| async move {
        let c = client(&app, "ACME Corp", "acme-corp").await;
        let mut admin = signed_in(&app, &c.admin).await;
        let Seeded { sale, .. } = seed(&mut admin).await;
        let db = books_db(&app, &c).await;

        let mut employee = signed_in(&app, "employee@acme-corp.example.com").await;
        let made = employee
            .post("/books/customers", &[("name", "Walk-in Customer")])
            .await;
        assert_eq!(made.status, 303, "{}", made.body);
        let draft = employee
            .post(
                "/books/sales-invoices",
                &[
                    ("party", "Walk-in Customer"),
                    ("line_item", "CONSULT"),
                    ("line_qty", "1"),
                    ("line_rate", ""),
                ],
            )
            .await;
        assert_eq!(draft.status, 303, "{}", draft.body);
        let draft = draft.location();
        let page = employee.get(&draft).await;
        assert!(page.body.contains(">Edit<"));
        assert!(
            !page.body.contains(">Submit<"),
            "no submit button for an employee"
        );
        assert!(!employee.get(&sale).await.body.contains("Cancel document"));
        let home = employee.get("/books").await;
        assert!(
            home.body.contains("New sales invoice") && !home.body.contains("New purchase invoice")
        );
        for (path, form) in [
            ("/books/suppliers", vec![("name", "Employee's supplier")]),
            (
                "/books/items",
                vec![("item_code", "EMP"), ("vat_category", "standard")],
            ),
            ("/books/warehouses", vec![("name", "Employee's shed")]),
            (
                "/books/purchase-invoices",
                vec![
                    ("party", "Widget Wholesale"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "1"),
                ],
            ),
            (
                "/books/journal-entries",
                vec![
                    ("line_account", "7900"),
                    ("line_debit", "1.00"),
                    ("line_account", "1200"),
                    ("line_credit", "1.00"),
                ],
            ),
            (
                "/books/stock-entries",
                vec![
                    ("purpose", "receipt"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "1"),
                    ("line_to", "Stores"),
                ],
            ),
            (
                "/books/payments",
                vec![
                    ("payment_type", "receive"),
                    ("party_type", "customer"),
                    ("party", "Dickson Supplies"),
                ],
            ),
            ("/books/settings", vec![("vat_rounding", "per_invoice")]),
            (
                "/books/accounts",
                vec![
                    ("number", "9999"),
                    ("name", "X"),
                    ("root_type", "asset"),
                    ("is_group", "1"),
                ],
            ),
        ] {
            let page = employee.post(path, &form).await;
            assert_eq!(page.status, 403, "employee POST {path}: {}", page.body);
        }
        let refused = employee.post(&format!("{draft}/submit"), &[]).await;
        assert_eq!(refused.status, 403);
        let refused = employee.post(&format!("{sale}/cancel"), &[]).await;
        assert_eq!(refused.status, 403);
        assert_eq!(
            employee.get("/books/reports/trial-balance").await.status,
            403
        );
        assert_eq!(
            db.list_parties(PartyKind::Supplier, &all())
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(db.list_journals(&all()).await.unwrap().is_empty());

        let mut manager = signed_in(&app, "manager@acme-corp.example.com").await;
        let page = manager.get(&draft).await;
        assert!(page.body.contains(">Submit<"));
        let submitted = manager.post(&format!("{draft}/submit"), &[]).await;
        assert_eq!(submitted.status, 303, "{}", submitted.body);
        let made = manager
            .post("/books/suppliers", &[("name", "Manager's supplier")])
            .await;
        assert_eq!(made.status, 303, "{}", made.body);
        assert_eq!(
            manager.get("/books/reports/profit-and-loss").await.status,
            200
        );
        let settings = manager.get("/books/settings").await;
        assert!(!settings.body.contains("Save settings"));
        for (path, form) in [
            (
                "/books/settings",
                vec![("vat_rounding", "per_invoice"), ("tax_id", "GB1")],
            ),
            (
                "/books/accounts",
                vec![
                    ("number", "9999"),
                    ("name", "X"),
                    ("root_type", "asset"),
                    ("is_group", "1"),
                ],
            ),
            (
                "/books/fiscal-years",
                vec![
                    ("name", "FY"),
                    ("start_date", "2040-01-01"),
                    ("end_date", "2040-12-31"),
                ],
            ),
        ] {
            let page = manager.post(path, &form).await;
            assert_eq!(page.status, 403, "manager POST {path}: {}", page.body);
        }
        assert_eq!(manager.get("/books/accounts/new").await.status, 403);
        assert!(!manager
            .get("/books/accounts")
            .await
            .body
            .contains("New account"));

        // The admin changes the settings, adds an account and a fiscal year.
        let form = admin.get("/books/settings").await;
        assert!(form.body.contains("Save settings"));
        let saved = admin
            .post(
                "/books/settings",
                &[
                    ("address", "1 High Street\nLeeds"),
                    ("tax_id", "GB123456789"),
                    ("vat_rounding", "per_invoice"),
                    ("allow_negative_stock", "1"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let settings = db.book_settings().await.unwrap();
        assert_eq!(settings.tax_id, "GB123456789");
        assert_eq!(settings.vat_rounding.as_str(), "per_invoice");
        assert!(settings.allow_negative_stock);
        let print = admin.get(&format!("{sale}/print")).await;
        assert!(print.body.contains("VAT number GB123456789"));
        let made = admin
            .post(
                "/books/accounts",
                &[
                    ("number", "7950"),
                    ("name", "Card Fees"),
                    ("parent", "6000"),
                    ("root_type", ""),
                    ("account_type", ""),
                ],
            )
            .await;
        assert_eq!(made.status, 303, "{}", made.body);
        assert!(admin
            .get("/books/accounts?q=card")
            .await
            .body
            .contains("Card Fees"));
        assert_eq!(manager.get("/books/accounts/7950/edit").await.status, 403);
        let refused = manager
            .post(
                "/books/accounts/7950",
                &[("name", "Renamed"), ("account_type", "other")],
            )
            .await;
        assert_eq!(refused.status, 403);
        let renamed = admin
            .post(
                "/books/accounts/7950",
                &[("name", "Card Processing Fees"), ("account_type", "other")],
            )
            .await;
        assert_eq!(renamed.status, 303, "{}", renamed.body);
        assert!(admin
            .get("/books/accounts?q=card")
            .await
            .body
            .contains("Card Processing Fees"));
        let clash = admin
            .post(
                "/books/accounts/7950",
                &[("name", "Bank Charges"), ("account_type", "other")],
            )
            .await;
        assert_eq!(clash.status, 409, "{}", clash.body);
        assert!(clash.body.contains("role=\"alert\""));
        let made = admin
            .post(
                "/books/fiscal-years",
                &[
                    ("name", "FY 2040"),
                    ("start_date", "2040-01-01"),
                    ("end_date", "2040-12-31"),
                ],
            )
            .await;
        assert_eq!(made.status, 303, "{}", made.body);
        assert!(admin
            .get("/books/fiscal-years")
            .await
            .body
            .contains("FY 2040"));
    }
);

// A visitor without a session and another client's user are refused every page and see
// nothing of the client's; a form without the CSRF token, or with another's, is refused and
// stores nothing.
both_backends!(
    strangers_visitors_and_forged_forms_are_refused,
    |app: TestApp| async move {
        let c = client(&app, "ACME Corp", "acme-corp").await;
        let other = client(&app, "Globex", "globex").await;
        let mut admin = signed_in(&app, &c.admin).await;
        let Seeded { sale, draft, .. } = seed(&mut admin).await;
        let db = books_db(&app, &c).await;
        let gets = [
            "/books".to_owned(),
            "/books/customers".into(),
            "/books/customers/Dickson%20Supplies".into(),
            "/books/items/WIDGET".into(),
            "/books/accounts".into(),
            "/books/settings".into(),
            sale.clone(),
            format!("{sale}/print"),
            format!("{sale}/pdf"),
            "/books/reports/trial-balance".into(),
            "/books/reports/trial-balance/csv".into(),
            "/books/stock-balance".into(),
            "/books/brand.css".into(),
        ];
        let posts = [
            "/books/customers".to_owned(),
            "/books/items".into(),
            "/books/sales-invoices".into(),
            format!("{draft}/submit"),
            format!("{sale}/cancel"),
            "/books/settings".into(),
        ];

        // A visitor: sent to sign in, shown nothing.
        let mut visitor = Browser::new(&app);
        for path in gets.iter().chain(&posts) {
            let page = if posts.contains(path) {
                visitor
                    .post_raw(path, &[("csrf", "x"), ("name", "Intruder")])
                    .await
            } else {
                visitor.get(path).await
            };
            assert_eq!(page.status, 303, "{path}");
            assert!(page.location().starts_with("/login"), "{path}");
            assert!(
                !page.body.contains("Dickson") && !page.body.contains("%PDF"),
                "{path}"
            );
        }

        // Another client's admin: signed in on their own host, refused on this one, whether
        // they replay their cookie here or sign in here.
        let mut stranger = Browser::new(&app);
        let page = stranger.login("globex.localhost", &other.admin).await;
        assert_eq!(page.status, 303);
        let theirs = stranger.cookies["globex.localhost"].clone();
        stranger.cookies.insert(HOST.to_owned(), theirs);
        for path in &gets {
            let page = stranger.get(path).await;
            assert!(
                matches!(page.status, 303 | 401 | 403),
                "{path}: {}",
                page.status
            );
            assert!(
                !page.body.contains("Dickson") && !page.body.contains("%PDF"),
                "{path}"
            );
        }
        let page = stranger
            .post_raw(
                "/books/customers",
                &[("csrf", &stranger.csrf.clone()), ("name", "Globex's")],
            )
            .await;
        assert!(matches!(page.status, 303 | 403), "{}", page.status);
        let mut stranger = Browser::new(&app);
        let page = stranger.login(HOST, &other.admin).await;
        assert_eq!(page.status, 403, "{}", page.body);

        // Forged forms: no token, a wrong token, another session's token.
        let before = db
            .list_parties(PartyKind::Customer, &all())
            .await
            .unwrap()
            .len();
        let manager = signed_in(&app, "manager@acme-corp.example.com").await;
        for token in [None, Some("not-the-token"), Some(manager.csrf.as_str())] {
            let mut form = vec![("name", "Forged Ltd")];
            if let Some(t) = token {
                form.insert(0, ("csrf", t));
            }
            let page = admin.post_raw("/books/customers", &form).await;
            assert_eq!(page.status, 403, "{token:?}: {}", page.body);
            let page = admin.post_raw(&format!("{draft}/submit"), &form).await;
            assert_eq!(page.status, 403, "{token:?}");
            let page = admin.post_raw(&format!("{sale}/cancel"), &form).await;
            assert_eq!(page.status, 403, "{token:?}");
            let mut settings = vec![("vat_rounding", "per_invoice"), ("tax_id", "GB9")];
            if let Some(t) = token {
                settings.insert(0, ("csrf", t));
            }
            let page = admin.post_raw("/books/settings", &settings).await;
            assert_eq!(page.status, 403, "{token:?}");
        }
        assert_eq!(
            db.list_parties(PartyKind::Customer, &all())
                .await
                .unwrap()
                .len(),
            before
        );
        assert!(admin.get(&draft).await.body.contains("Draft"));
        assert!(admin.get(&sale).await.body.contains("Unpaid"));
        assert!(db.book_settings().await.unwrap().tax_id.is_empty());
        // Nothing of ACME's reached Globex's books either.
        let theirs = books_db(&app, &other).await;
        assert!(theirs
            .list_parties(PartyKind::Customer, &all())
            .await
            .unwrap()
            .is_empty());
    }
);

// Bad input comes back beside the form with a 4xx and what was typed, and nothing is stored;
// markup in a name is shown as text.
both_backends!(
    bad_input_and_markup_come_back_safely,
    |app: TestApp| async move {
        let c = client(&app, "ACME Corp", "acme-corp").await;
        let mut admin = signed_in(&app, &c.admin).await;
        let db = books_db(&app, &c).await;
        seed(&mut admin).await;
        let sales_before = db
            .list_invoices(tenantry_domain::books::InvoiceKind::Sales, &all())
            .await
            .unwrap()
            .len();

        let script = "<script>alert('x')</script> Ltd";
        let made = admin.post("/books/customers", &[("name", script)]).await;
        assert_eq!(made.status, 303, "{}", made.body);
        for path in ["/books/customers", &made.location()] {
            let page = admin.get(path).await;
            assert!(!page.body.contains("<script>alert"), "{path}");
            assert!(
                page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"),
                "{path}: {}",
                page.body
            );
        }

        let cases: [Case; 8] = [
            (
                "/books/customers",
                vec![("name", "Dickson Supplies")],
                409,
                "already exists",
            ),
            (
                "/books/customers",
                vec![("name", "Bad Terms"), ("payment_terms_days", "soon")],
                422,
                "is not a whole number",
            ),
            (
                "/books/items",
                vec![
                    ("item_code", "NEW"),
                    ("selling_price", "1.005"),
                    ("vat_category", "standard"),
                ],
                422,
                "more than 2 decimal places",
            ),
            (
                "/books/sales-invoices",
                vec![
                    ("party", "Dickson Supplies"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "two"),
                    ("line_rate", ""),
                ],
                422,
                "is not a decimal number",
            ),
            (
                "/books/sales-invoices",
                vec![
                    ("party", "Dickson Supplies"),
                    ("line_item", "NOPE"),
                    ("line_qty", "1"),
                    ("line_rate", ""),
                ],
                422,
                "does not exist",
            ),
            (
                "/books/sales-invoices",
                vec![
                    ("party", "Dickson Supplies"),
                    ("posting_date", "1999-01-01"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "1"),
                ],
                422,
                "not in any fiscal year",
            ),
            (
                "/books/journal-entries",
                vec![
                    ("line_account", "7900"),
                    ("line_debit", "10.00"),
                    ("line_credit", ""),
                    ("line_account", "1200"),
                    ("line_debit", ""),
                    ("line_credit", "9.99"),
                ],
                422,
                "do not balance",
            ),
            (
                "/books/payments",
                vec![
                    ("payment_type", "receive"),
                    ("party_type", "customer"),
                    ("party", "Dickson Supplies"),
                    ("amount", "5.00"),
                ],
                422,
                "at least one invoice",
            ),
        ];
        for (path, form, status, message) in cases {
            let page = admin.post(path, &form).await;
            assert_eq!(page.status, status, "POST {path} {form:?}: {}", page.body);
            assert!(
                page.body.contains(message),
                "POST {path}: {message:?} in {}",
                page.body
            );
            assert!(page.body.contains("role=\"alert\""), "{path}");
            // What was typed is kept.
            let typed = form[0].1;
            assert!(
                page.body.contains(&format!("value=\"{typed}\""))
                    || page.body.contains(&format!(">{typed}<"))
                    || path.contains("journal"),
                "{path}: {typed:?} kept"
            );
        }
        assert_eq!(
            db.list_invoices(tenantry_domain::books::InvoiceKind::Sales, &all())
                .await
                .unwrap()
                .len(),
            sales_before
        );
        assert!(db.list_journals(&all()).await.unwrap().is_empty());
        assert!(db.list_payments(&all()).await.unwrap().is_empty());
        assert_eq!(db.list_items(&all()).await.unwrap().len(), 2);
        assert_eq!(
            db.list_parties(PartyKind::Customer, &all())
                .await
                .unwrap()
                .len(),
            2
        );

        // Not enough stock: the submit is refused on the document's page, which stays a draft.
        let draft = admin
            .post(
                "/books/sales-invoices",
                &[
                    ("party", "Dickson Supplies"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "500"),
                ],
            )
            .await;
        assert_eq!(draft.status, 303, "{}", draft.body);
        let refused = admin
            .post(&format!("{}/submit", draft.location()), &[])
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(
            refused.body.contains("not enough stock"),
            "{}",
            refused.body
        );
        assert!(admin.get(&draft.location()).await.body.contains("Draft"));
        // Nothing at an unknown name.
        assert_eq!(
            admin
                .get("/books/sales-invoices/SINV-1999-00009")
                .await
                .status,
            404
        );
        assert_eq!(admin.get("/books/reports/no-such-report").await.status, 404);
    }
);

// Drafts of payments, journal entries and stock entries are changed through their forms, as
// invoices are: filled with what the draft holds, saved in place. Only those who may write
// them may, only while they are drafts.
both_backends!(
    drafts_of_every_document_are_changed_through_their_forms,
    |app: TestApp| async move {
        let c = client(&app, "ACME Corp", "acme-corp").await;
        let other = client(&app, "Globex", "globex").await;
        let mut admin = signed_in(&app, &c.admin).await;
        let Seeded { sale, .. } = seed(&mut admin).await;
        let sale_number = sale.rsplit('/').next().unwrap().to_owned();

        let payment = admin
            .post(
                "/books/payments",
                &[
                    ("payment_type", "receive"),
                    ("party_type", "customer"),
                    ("party", "Dickson Supplies"),
                    ("reference", "CHQ 100"),
                    ("line_invoice", &sale_number),
                    ("line_amount", "10.00"),
                ],
            )
            .await;
        assert_eq!(payment.status, 303, "{}", payment.body);
        let payment = payment.location().to_owned();
        let journal = admin
            .post(
                "/books/journal-entries",
                &[
                    ("remarks", "Bank charge"),
                    ("line_account", "7900"),
                    ("line_party_type", ""),
                    ("line_party", ""),
                    ("line_debit", "1.00"),
                    ("line_credit", ""),
                    ("line_account", "1200"),
                    ("line_party_type", ""),
                    ("line_party", ""),
                    ("line_debit", ""),
                    ("line_credit", "1.00"),
                ],
            )
            .await;
        assert_eq!(journal.status, 303, "{}", journal.body);
        let journal = journal.location().to_owned();
        let stock = admin
            .post(
                "/books/stock-entries",
                &[
                    ("purpose", "receipt"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "3"),
                    ("line_to", "Stores"),
                    ("line_rate", "5.00"),
                ],
            )
            .await;
        assert_eq!(stock.status, 303, "{}", stock.body);
        let stock = stock.location().to_owned();

        // Each draft's page offers "Edit", and its form holds what the draft holds.
        for (draft, held) in [
            (&payment, ["CHQ 100", "10.00", &sale_number]),
            (&journal, ["Bank charge", "7900", "1.00"]),
            (&stock, ["WIDGET", "Stores", "5.00"]),
        ] {
            assert!(admin.get(draft).await.body.contains(">Edit<"), "{draft}");
            let form = admin.get(&format!("{draft}/edit")).await;
            assert_eq!(form.status, 200, "{draft}: {}", form.body);
            for text in held {
                assert!(form.body.contains(text), "{draft}/edit lacks {text}");
            }
        }

        // A viewer and an employee (who may write sales invoices only) can neither open the
        // forms nor post them; another client's admin and a visitor see nothing.
        let mut viewer = signed_in(&app, "viewer@acme-corp.example.com").await;
        let mut employee = signed_in(&app, "employee@acme-corp.example.com").await;
        let mut stranger = Browser::new(&app);
        assert_eq!(
            stranger
                .login("globex.localhost", &other.admin)
                .await
                .status,
            303
        );
        let theirs = stranger.cookies["globex.localhost"].clone();
        stranger.cookies.insert(HOST.to_owned(), theirs);
        let mut visitor = Browser::new(&app);
        for draft in [&payment, &journal, &stock] {
            let edit = format!("{draft}/edit");
            for who in [&mut viewer, &mut employee] {
                assert_eq!(who.get(&edit).await.status, 403, "{edit}");
                let post = who.post(draft, &[("remarks", "Changed")]).await;
                assert_eq!(post.status, 403, "{draft}");
            }
            let page = stranger.get(&edit).await;
            assert!(
                matches!(page.status, 303 | 401 | 403),
                "{edit}: {}",
                page.status
            );
            assert!(!page.body.contains("Dickson") && !page.body.contains("WIDGET"));
            let page = visitor.get(&edit).await;
            assert_eq!(page.status, 303, "{edit}");
            assert!(page.location().starts_with("/login"));
        }

        // Saved in place.
        let saved = admin
            .post(
                &payment,
                &[
                    ("payment_type", "receive"),
                    ("party_type", "customer"),
                    ("party", "Dickson Supplies"),
                    ("reference", "CHQ 101"),
                    ("line_invoice", &sale_number),
                    ("line_amount", "12.00"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert_eq!(saved.location(), payment);
        let page = admin.get(&payment).await;
        assert!(page.body.contains("CHQ 101") && page.body.contains("12.00"));
        let saved = admin
            .post(
                &journal,
                &[
                    ("remarks", "Bank charges"),
                    ("line_account", "7900"),
                    ("line_party_type", ""),
                    ("line_party", ""),
                    ("line_debit", "2.50"),
                    ("line_credit", ""),
                    ("line_account", "1200"),
                    ("line_party_type", ""),
                    ("line_party", ""),
                    ("line_debit", ""),
                    ("line_credit", "2.50"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert!(admin.get(&journal).await.body.contains("2.50"));
        let saved = admin
            .post(
                &stock,
                &[
                    ("purpose", "receipt"),
                    ("line_item", "WIDGET"),
                    ("line_qty", "4"),
                    ("line_to", "Stores"),
                    ("line_rate", "5.00"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert!(admin.get(&stock).await.body.contains(">4<"));
        // Bad input shows the form again with the reason, and the draft keeps what it held.
        let bad = admin
            .post(
                &journal,
                &[
                    ("line_account", "7900"),
                    ("line_party_type", ""),
                    ("line_party", ""),
                    ("line_debit", "3.00"),
                    ("line_credit", ""),
                    ("line_account", "1200"),
                    ("line_party_type", ""),
                    ("line_party", ""),
                    ("line_debit", ""),
                    ("line_credit", "1.00"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(admin.get(&journal).await.body.contains("2.50"));

        // Once submitted, a document's form is refused.
        let submitted = admin.post(&format!("{payment}/submit"), &[]).await;
        assert_eq!(submitted.status, 303, "{}", submitted.body);
        let number = submitted.location().to_owned();
        assert!(!admin.get(&number).await.body.contains(">Edit<"));
        assert_eq!(admin.get(&format!("{number}/edit")).await.status, 409);
        let late = admin
            .post(
                &number,
                &[("payment_type", "receive"), ("party_type", "customer")],
            )
            .await;
        assert!(matches!(late.status, 409 | 422), "{}", late.status);
    }
);
