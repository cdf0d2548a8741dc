//! The books' native JSON API (`/api/v1` on a client's host) end to end: master data, documents
//! from draft to submitted to cancelled with their figures checked to the penny, the reports as
//! JSON and CSV, bad input refused with the books unchanged, and the permission matrix for every
//! endpoint (no credential, another client's credential, each role).

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{json, Value};
use tenantry_domain::{Permission, TenantRole};

use crate::both_backends;
use crate::support::{invitation_token, Backend, TestApp};

pub const PASSWORD: &str = "plum-Velvet-orbit-91";

pub const ROLES: [TenantRole; 4] = [
    TenantRole::Viewer,
    TenantRole::Employee,
    TenantRole::Manager,
    TenantRole::Admin,
];

/// A provisioned client: its host, its admin, and an API key for each role.
pub struct Client {
    pub host: String,
    pub admin: String,
    pub keys: HashMap<TenantRole, String>,
}

impl Client {
    pub fn key(&self, role: TenantRole) -> String {
        format!("token {}", self.keys[&role])
    }

    pub fn admin_key(&self) -> String {
        self.key(TenantRole::Admin)
    }
}

/// Provisions a client, sets its admin's password and makes an API key per role.
pub async fn client(app: &TestApp, name: &str, subdomain: &str) -> Client {
    let p = app.provision(name, subdomain).await.unwrap();
    let token = invitation_token(p.invitation_url.as_deref().unwrap());
    let identity = app.platform.identity();
    identity.accept_invitation(&token, PASSWORD).await.unwrap();
    let admin = format!("admin@{subdomain}.example.com");
    let user = app
        .platform
        .control()
        .user_by_email(&admin)
        .await
        .unwrap()
        .unwrap();
    let tenant = app
        .platform
        .control()
        .tenant_by_subdomain(subdomain)
        .await
        .unwrap()
        .unwrap();
    let mut keys = HashMap::new();
    for role in ROLES {
        let k = identity
            .create_api_key(&user, tenant.id, role, role.as_str())
            .await
            .unwrap();
        keys.insert(role, k.credential());
    }
    Client {
        host: format!("{subdomain}.localhost"),
        admin,
        keys,
    }
}

/// A response: status, body text, headers.
pub struct Res {
    pub status: u16,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// Sends a request to `host` with an optional `Authorization` and JSON body.
pub async fn send(
    app: &TestApp,
    host: &str,
    auth: Option<&str>,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Res {
    let mut req = app.http.request(method, app.url(path)).header("host", host);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    Res {
        status,
        text: res.text().await.unwrap(),
        headers,
    }
}

/// The native API as one caller.
pub struct Api<'a> {
    pub app: &'a TestApp,
    pub host: String,
    pub auth: String,
}

impl Api<'_> {
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = send(
            self.app,
            &self.host,
            Some(&self.auth),
            Method::GET,
            path,
            None,
        )
        .await;
        (r.status, r.json())
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = send(
            self.app,
            &self.host,
            Some(&self.auth),
            Method::POST,
            path,
            Some(&body),
        )
        .await;
        (r.status, r.json())
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        let r = send(
            self.app,
            &self.host,
            Some(&self.auth),
            Method::PUT,
            path,
            Some(&body),
        )
        .await;
        (r.status, r.json())
    }

    /// A 2xx answer's body, or a panic naming what went wrong.
    pub async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, v) = match method {
            "GET" => self.get(path).await,
            "POST" => self.post(path, body.unwrap_or(json!({}))).await,
            "PUT" => self.put(path, body.unwrap_or(json!({}))).await,
            _ => unreachable!(),
        };
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {v}"
        );
        v
    }
}

/// What the books hold, in figures that any write would move: ledger lines, documents of each
/// kind, masters, and the trial balance's totals.
pub async fn footprint(api: &Api<'_>) -> Value {
    let mut out = serde_json::Map::new();
    let (_, gl) = api.get("/api/v1/reports/general-ledger?limit=1").await;
    out.insert("ledger_lines".into(), gl["total_lines"].clone());
    for list in [
        "customers",
        "suppliers",
        "items",
        "warehouses",
        "accounts",
        "sales-invoices",
        "purchase-invoices",
        "payments",
        "journal-entries",
        "stock-entries",
    ] {
        let (status, v) = api.get(&format!("/api/v1/{list}?limit=1000")).await;
        assert_eq!(status, 200, "{list}: {v}");
        out.insert(list.into(), v["data"].clone());
    }
    let (_, years) = api.get("/api/v1/fiscal-years").await;
    out.insert("fiscal_years".into(), years["data"].clone());
    let (_, stock) = api.get("/api/v1/reports/stock-balance").await;
    out.insert("stock".into(), stock["data"].clone());
    let (_, settings) = api.get("/api/v1/settings").await;
    out.insert("settings".into(), settings);
    Value::Object(out)
}

/// Today in UTC, as the server posts documents by default.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// The numbers a test expects documents to take: per series and year 00001, 00002, … The year
/// is that of each document's own posting date, which the server chose (its today): a year the
/// test computed itself is the wrong one when midnight on 31 December falls in between, and a
/// new year starts its series at 00001 again.
pub struct Numbers {
    since: time::Date,
    taken: HashMap<String, u32>,
}

impl Default for Numbers {
    fn default() -> Self {
        Self::new()
    }
}

impl Numbers {
    /// Made before the documents are posted: their posting dates are from this day on.
    pub fn new() -> Self {
        Self {
            since: today(),
            taken: HashMap::new(),
        }
    }

    /// The number the next document of `prefix`'s series takes, given its posting date as the
    /// server answered it (`posting_date`), which must be a day between `new()` and now.
    pub fn next(&mut self, prefix: &str, doc: &Value) -> String {
        let date = doc["posting_date"]
            .as_str()
            .unwrap_or_else(|| panic!("no posting_date in {doc}"));
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(date, &format).unwrap();
        assert!(
            self.since <= date && date <= today(),
            "posted on {date}, not between {} and today: {doc}",
            self.since
        );
        let series = format!("{prefix}-{}", date.year());
        let n = self.taken.entry(series.clone()).or_default();
        *n += 1;
        format!("{series}-{n:05}")
    }
}

/// A trial balance row's closing figure by account name.
fn closing(tb: &Value, account: &str) -> String {
    tb["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == account)
        .unwrap_or_else(|| panic!("{account} not in {tb}"))["closing"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Sets up the masters every flow uses: a customer on 14 days, a supplier, a stocked widget at
/// 12.50 (bought at 4.20, standard VAT) with a barcode, and a service at 10.00 with reduced VAT.
pub async fn masters(api: &Api<'_>) {
    api.ok(
        "POST",
        "/api/v1/customers",
        Some(json!({"name": "Acme Retail", "email": "buyer@acme.test", "payment_terms_days": 14})),
    )
    .await;
    api.ok(
        "POST",
        "/api/v1/suppliers",
        Some(json!({"name": "Widget Works"})),
    )
    .await;
    api.ok(
        "POST",
        "/api/v1/items",
        Some(json!({
            "item_code": "WID", "item_name": "Widget", "item_group": "Products",
            "selling_price": "12.50", "buying_price": "4.20", "barcodes": ["5012345678900"]
        })),
    )
    .await;
    api.ok(
        "POST",
        "/api/v1/items",
        Some(json!({
            "item_code": "SVC", "item_name": "Setup", "item_group": "Services", "is_stock": false,
            "selling_price": 10, "vat_category": "reduced"
        })),
    )
    .await;
}

both_backends!(
    books_api_masters_documents_and_reports,
    |app: TestApp| async move {
        let acme = client(&app, "ACME Corp", "acme-corp").await;
        let api = Api {
            app: &app,
            host: acme.host.clone(),
            auth: acme.admin_key(),
        };
        let mut numbers = Numbers::new();
        masters(&api).await;

        // Masters: lists with search, filters, order and pages; reads; updates.
        for name in ["Cedar Cafe", "Beta Foods"] {
            let (s, v) = api.post("/api/v1/customers", json!({ "name": name })).await;
            assert_eq!(s, 201, "{v}");
            assert_eq!(v["payment_terms_days"], 30);
        }
        let (s, dup) = api
            .post("/api/v1/customers", json!({"name": "Beta Foods"}))
            .await;
        assert_eq!(s, 409, "{dup}");
        let (_, page1) = api
            .get("/api/v1/customers?limit=2&order_by=name%20asc")
            .await;
        let names: Vec<&str> = page1["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Acme Retail", "Beta Foods"]);
        assert_eq!(page1["next_offset"], 2);
        let (_, page2) = api
            .get("/api/v1/customers?limit=2&offset=2&order_by=name")
            .await;
        assert_eq!(page2["data"][0]["name"], "Cedar Cafe");
        assert_eq!(page2["next_offset"], Value::Null);
        let (_, found) = api.get("/api/v1/customers?search=CEDAR").await;
        assert_eq!(found["data"].as_array().unwrap().len(), 1);
        let (_, desc) = api
        .get("/api/v1/customers?order_by=name%20desc&filters=%5B%5B%22name%22%2C%22like%22%2C%22%25e%25%22%5D%5D")
        .await;
        let names: Vec<&str> = desc["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Cedar Cafe", "Beta Foods", "Acme Retail"]);
        let (_, filtered) = api
            .get("/api/v1/customers?filters=%7B%22payment_terms_days%22%3A14%7D")
            .await;
        assert_eq!(filtered["data"].as_array().unwrap().len(), 1);
        let updated = api
        .ok(
            "PUT",
            "/api/v1/customers/Acme Retail",
            Some(json!({"name": "Acme Retail", "email": "buyer@acme.test", "city": "Leeds", "payment_terms_days": 14})),
        )
        .await;
        assert_eq!(updated["city"], "Leeds");
        let got = api.ok("GET", "/api/v1/customers/Acme Retail", None).await;
        assert_eq!(got["email"], "buyer@acme.test");
        let w = api
            .ok("GET", "/api/v1/items/barcode/5012345678900", None)
            .await;
        assert_eq!(w["item_code"], "WID");
        assert_eq!(w["selling_price"], "12.50");
        assert_eq!(w["barcodes"], json!(["5012345678900"]));
        let svc = api.ok("GET", "/api/v1/items/SVC", None).await;
        assert_eq!(svc["selling_price"], "10.00");
        assert_eq!(svc["vat_category"], "reduced");
        let (_, items) = api
            .get("/api/v1/items?filters=%5B%5B%22standard_rate%22%2C%22%3E%22%2C%2210.00%22%5D%5D")
            .await;
        assert_eq!(items["data"].as_array().unwrap().len(), 1);
        assert_eq!(items["data"][0]["item_code"], "WID");
        let van = api
            .ok("POST", "/api/v1/warehouses", Some(json!({"name": "Van"})))
            .await;
        assert_eq!(van["disabled"], false);
        let van = api
            .ok(
                "PUT",
                "/api/v1/warehouses/Van",
                Some(json!({"name": "Van 1", "disabled": false})),
            )
            .await;
        assert_eq!(van["name"], "Van 1");
        api.ok("GET", "/api/v1/warehouses/Van 1", None).await;
        let acct = api
            .ok(
                "POST",
                "/api/v1/accounts",
                Some(json!({"number": "7300", "name": "Software", "parent": "Overheads"})),
            )
            .await;
        assert_eq!(acct["root_type"], "expense");
        let acct = api
            .ok(
                "PUT",
                "/api/v1/accounts/7300",
                Some(json!({"name": "Software and Subscriptions", "account_type": "other"})),
            )
            .await;
        assert_eq!(acct["name"], "Software and Subscriptions");
        let (s, v) = api
            .put(
                "/api/v1/accounts/7300",
                json!({"name": "Rent and Rates", "account_type": "other"}),
            )
            .await;
        assert_eq!(s, 409, "{v}");
        let (_, years) = api.get("/api/v1/fiscal-years").await;
        let years = years["data"].as_array().unwrap().clone();
        assert_eq!(years.len(), 2);
        let first = years[0]["name"].as_str().unwrap();
        let fy = api
            .ok("GET", &format!("/api/v1/fiscal-years/{first}"), None)
            .await;
        assert_eq!(fy["start_date"], years[0]["start_date"]);
        let (s, v) = api
        .post(
            "/api/v1/fiscal-years",
            json!({"name": "Overlap", "start_date": years[0]["start_date"], "end_date": years[0]["end_date"]}),
        )
        .await;
        assert_eq!(s, 409, "{v}");

        // A purchase created and submitted in one call: 10 widgets at 4.20 + 20% VAT.
        let (s, pinv) = api
        .post(
            "/api/v1/purchase-invoices",
            json!({"party": "Widget Works", "items": [{"item_code": "WID", "qty": 10, "rate": "4.20"}], "submit": true}),
        )
        .await;
        assert_eq!(s, 201, "{pinv}");
        assert_eq!(pinv["name"], numbers.next("PINV", &pinv));
        assert_eq!(pinv["docstatus"], 1);
        assert_eq!(
            (&pinv["net_total"], &pinv["vat_total"], &pinv["grand_total"]),
            (&json!("42.00"), &json!("8.40"), &json!("50.40"))
        );

        // A sale as a draft, corrected, then submitted: 2 widgets at 12.50 (VAT 20%) and the service
        // at 10.00 (VAT 5%): 35.00 + 5.50 = 40.50.
        let (s, draft) = api
            .post(
                "/api/v1/sales-invoices",
                json!({"party": "Acme Retail", "items": [
                    {"item_code": "WID", "qty": "3", "rate": "12.50"},
                    {"item_code": "SVC", "qty": 1}
                ]}),
            )
            .await;
        assert_eq!(s, 201, "{draft}");
        let draft_name = draft["name"].as_str().unwrap().to_owned();
        assert!(draft_name.starts_with("SINV-DRAFT-"), "{draft_name}");
        assert_eq!(draft["status"], "Draft");
        assert_eq!(
            (
                &draft["net_total"],
                &draft["vat_total"],
                &draft["grand_total"]
            ),
            (&json!("47.50"), &json!("8.00"), &json!("55.50"))
        );
        let posting = time::Date::parse(
            draft["posting_date"].as_str().unwrap(),
            &time::format_description::well_known::Iso8601::DATE,
        )
        .unwrap();
        assert_eq!(
            draft["due_date"],
            (posting + time::Duration::days(14)).to_string()
        );
        let fixed = api
            .ok(
                "PUT",
                &format!("/api/v1/sales-invoices/{draft_name}"),
                Some(json!({"party": "Acme Retail", "items": [
                    {"item_code": "WID", "qty": 2, "rate": 12.5},
                    {"item_code": "SVC", "qty": "1.000"}
                ]})),
            )
            .await;
        assert_eq!(
            (
                &fixed["net_total"],
                &fixed["vat_total"],
                &fixed["grand_total"]
            ),
            (&json!("35.00"), &json!("5.50"), &json!("40.50"))
        );
        assert_eq!(fixed["lines"][0]["vat"], "5.00");
        assert_eq!(fixed["lines"][1]["vat"], "0.50");
        let sinv = api
            .ok(
                "POST",
                &format!("/api/v1/sales-invoices/{draft_name}/submit"),
                None,
            )
            .await;
        let number = sinv["name"].as_str().unwrap().to_owned();
        assert_eq!(number, numbers.next("SINV", &sinv));
        assert_eq!(sinv["status"], "Unpaid");
        assert_eq!(sinv["outstanding"], "40.50");
        let (s, v) = api
            .post(
                &format!("/api/v1/sales-invoices/{number}/submit"),
                json!({}),
            )
            .await;
        assert_eq!(s, 409, "submitting twice: {v}");
        let (s, v) = api
            .put(
                &format!("/api/v1/sales-invoices/{number}"),
                json!({"party": "Acme Retail", "items": [{"item_code": "SVC", "qty": 1}]}),
            )
            .await;
        assert_eq!(s, 409, "editing a submitted invoice: {v}");
        let (_, listed) = api
            .get("/api/v1/sales-invoices?filters=%5B%5B%22docstatus%22%2C%22%3D%22%2C1%5D%5D")
            .await;
        assert_eq!(listed["data"][0]["name"], number);
        assert_eq!(listed["data"][0]["grand_total"], "40.50");

        // A payment: a draft of 15.00, corrected to 20.00, submitted: 20.50 left.
        let (s, pay) = api
            .post(
                "/api/v1/payments",
                json!({"payment_type": "receive", "party_type": "customer", "party": "Acme Retail",
                   "amount": "15.00", "allocations": [{"invoice": number, "amount": "15.00"}]}),
            )
            .await;
        assert_eq!(s, 201, "{pay}");
        let pay_name = pay["name"].as_str().unwrap().to_owned();
        let pay = api
        .ok(
            "PUT",
            &format!("/api/v1/payments/{pay_name}"),
            Some(json!({"payment_type": "receive", "party_type": "Customer", "party": "Acme Retail",
                        "amount": 20, "reference": "BACS 1", "allocations": [{"invoice": number, "amount": "20.00"}]})),
        )
        .await;
        assert_eq!(pay["amount"], "20.00");
        assert_eq!(pay["reference"], "BACS 1");
        let pay = api
            .ok("POST", &format!("/api/v1/payments/{pay_name}/submit"), None)
            .await;
        let pay_number = pay["name"].as_str().unwrap().to_owned();
        assert_eq!(pay_number, numbers.next("PAY", &pay));
        let sinv = api
            .ok("GET", &format!("/api/v1/sales-invoices/{number}"), None)
            .await;
        assert_eq!(sinv["outstanding"], "20.50");
        assert_eq!(sinv["status"], "Partly Paid");

        // A journal (rent paid from the bank) and a stock receipt, drafted, corrected, submitted.
        let (s, jv) = api
            .post(
                "/api/v1/journal-entries",
                json!({"remarks": "March rent", "accounts": [
                {"account": "Rent and Rates", "debit": "100.00"},
                {"account": "1200", "credit": 100}
            ], "submit": true}),
            )
            .await;
        assert_eq!(s, 201, "{jv}");
        assert_eq!(jv["name"], numbers.next("JV", &jv));
        let (s, ste) = api
            .post(
                "/api/v1/stock-entries",
                json!({"purpose": "Material Receipt", "items": [
                    {"item_code": "WID", "qty": 5, "t_warehouse": "Stores", "basic_rate": "4.00"}
                ]}),
            )
            .await;
        assert_eq!(s, 201, "{ste}");
        let ste_name = ste["name"].as_str().unwrap().to_owned();
        api.ok(
            "PUT",
            &format!("/api/v1/stock-entries/{ste_name}"),
            Some(json!({"purpose": "Material Receipt", "items": [
                {"item_code": "WID", "qty": 4, "t_warehouse": "Stores", "basic_rate": "4.00"}
            ]})),
        )
        .await;
        api.ok(
            "POST",
            &format!("/api/v1/stock-entries/{ste_name}/submit"),
            None,
        )
        .await;
        // A journal left as a draft, corrected.
        let (_, jv2) = api
        .post(
            "/api/v1/journal-entries",
            json!({"accounts": [{"account": "Drawings", "debit": "1.00"}, {"account": "Petty Cash", "credit": "1.00"}]}),
        )
        .await;
        let jv2 = api
        .ok(
            "PUT",
            &format!("/api/v1/journal-entries/{}", jv2["name"].as_str().unwrap()),
            Some(json!({"remarks": "fixed", "accounts": [{"account": "Drawings", "debit": "2.00"}, {"account": "Petty Cash", "credit": "2.00"}]})),
        )
        .await;
        assert_eq!(jv2["total_debit"], "2.00");
        assert_eq!(jv2["docstatus"], 0);

        // The reports, to the penny. Stock: 10 bought at 4.20, 2 sold at that cost, 4 received at
        // 4.00: 12 on hand worth 33.60 + 16.00 = 49.60.
        let tb = api.ok("GET", "/api/v1/reports/trial-balance", None).await;
        assert_eq!(tb["total_debit"], tb["total_credit"], "{tb}");
        assert_eq!(tb["closing_sum"], "0.00");
        for (account, figure) in [
            ("Trade Debtors", "20.50"),
            ("Bank Current Account", "-80.00"),
            ("Stock", "49.60"),
            ("VAT on Sales", "-5.50"),
            ("VAT on Purchases", "8.40"),
            ("Trade Creditors", "-50.40"),
            ("Sales", "-35.00"),
            ("Rent and Rates", "100.00"),
        ] {
            assert_eq!(closing(&tb, account), figure, "{account}");
        }
        let pl = api.ok("GET", "/api/v1/reports/profit-and-loss", None).await;
        // 35.00 sales − 8.40 cost of goods − 100.00 rent + 16.00 stock counted in.
        assert_eq!(pl["result"][1], "-57.40", "{pl}");
        let bs = api.ok("GET", "/api/v1/reports/balance-sheet", None).await;
        assert_eq!(bs["result"][1], "0.00", "{bs}");
        // At a day, beside the same day a year earlier; `to` names the day too.
        for query in ["at=2027-02-28", "to=2027-02-28"] {
            let bs = api
                .ok(
                    "GET",
                    &format!("/api/v1/reports/balance-sheet?{query}"),
                    None,
                )
                .await;
            assert_eq!(bs["current"]["at"], "2027-02-28", "{bs}");
            assert_eq!(bs["comparison"]["at"], "2026-02-28", "{bs}");
        }
        assert_eq!(pl["comparison"]["period"]["to"].as_str().unwrap().len(), 10);
        let gl = api
            .ok(
                "GET",
                "/api/v1/reports/general-ledger?account=Trade%20Debtors&party=Acme%20Retail",
                None,
            )
            .await;
        let rows = gl["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows.last().unwrap()["balance"], "20.50");
        let gl = api
            .ok(
                "GET",
                &format!("/api/v1/reports/general-ledger?voucher_no={number}"),
                None,
            )
            .await;
        assert_eq!(gl["total_lines"], 5, "{gl}");
        let ageing = api
            .ok("GET", "/api/v1/reports/receivables-ageing", None)
            .await;
        assert_eq!(ageing["total"], "20.50");
        let ageing = api.ok("GET", "/api/v1/reports/payables-ageing", None).await;
        assert_eq!(ageing["total"], "50.40");
        let stock = api.ok("GET", "/api/v1/reports/stock-balance", None).await;
        assert_eq!(stock["data"][0]["qty"], "12.000");
        assert_eq!(stock["data"][0]["value"], "49.60");
        let by_day = api.ok("GET", "/api/v1/reports/sales-by-day", None).await;
        assert_eq!(by_day["data"][0]["gross"], "40.50");
        let by_item = api.ok("GET", "/api/v1/reports/sales-by-item", None).await;
        assert_eq!(by_item["data"][0]["item_code"], "WID");
        assert_eq!(by_item["data"][0]["net"], "25.00");
        let vat = api.ok("GET", "/api/v1/reports/vat-return", None).await;
        assert_eq!(vat["box1_vat_due_on_sales"], "5.50");
        assert_eq!(vat["box4_vat_reclaimed"], "8.40");
        assert_eq!(vat["box5_net_vat"], "2.90");
        assert_eq!(vat["box5_is_repayment"], true);
        assert_eq!(vat["box6_total_sales_ex_vat"], 35);
        assert_eq!(vat["box7_total_purchases_ex_vat"], 42);
        for (report, header) in [
            (
                "trial-balance",
                "Number,Account,Opening,Debit,Credit,Closing",
            ),
            ("profit-and-loss", "Section,Number,Account,"),
            ("balance-sheet", "Section,Number,Account,"),
            // Over every account: no running balance, which would mean nothing.
            (
                "general-ledger",
                "Date,Account,Party,Voucher type,Voucher,Debit,Credit\n",
            ),
            ("receivables-ageing", "Party,Current,"),
            ("payables-ageing", "Party,Current,"),
            ("stock-balance", "Item,Name,Warehouse,Quantity,Rate,Value"),
            ("sales-by-day", "Day,Invoices,Net,VAT,Gross"),
            ("sales-by-item", "Item,Name,Quantity,Net"),
            ("vat-return", "Box,Description,Value"),
        ] {
            let r = send(
                &app,
                &acme.host,
                Some(&acme.admin_key()),
                Method::GET,
                &format!("/api/v1/reports/{report}?format=csv"),
                None,
            )
            .await;
            assert_eq!(r.status, 200, "{report}: {}", r.text);
            assert!(
                r.headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv"),
                "{report}"
            );
            assert!(r.text.starts_with(header), "{report}: {}", r.text);
        }
        let csv = send(
            &app,
            &acme.host,
            Some(&acme.admin_key()),
            Method::GET,
            "/api/v1/reports/vat-return?format=csv",
            None,
        )
        .await;
        assert!(
            csv.text
                .contains("\n1,VAT due on sales and other outputs,5.50"),
            "{}",
            csv.text
        );

        // Cancelling: the invoice is refused while the payment stands; then the payment, then the
        // invoice; the books return to what they held before the sale.
        let (s, v) = api
            .post(
                &format!("/api/v1/sales-invoices/{number}/cancel"),
                json!({}),
            )
            .await;
        assert_eq!(s, 409, "{v}");
        api.ok(
            "POST",
            &format!("/api/v1/payments/{pay_number}/cancel"),
            None,
        )
        .await;
        let sinv = api
            .ok("GET", &format!("/api/v1/sales-invoices/{number}"), None)
            .await;
        assert_eq!(sinv["outstanding"], "40.50");
        let sinv = api
            .ok(
                "POST",
                &format!("/api/v1/sales-invoices/{number}/cancel"),
                None,
            )
            .await;
        assert_eq!(sinv["status"], "Cancelled");
        let (s, _) = api
            .post(
                &format!("/api/v1/sales-invoices/{number}/cancel"),
                json!({}),
            )
            .await;
        assert_eq!(s, 409, "cancelling twice");
        let tb = api.ok("GET", "/api/v1/reports/trial-balance", None).await;
        assert_eq!(tb["closing_sum"], "0.00");
        assert_eq!(closing(&tb, "Trade Debtors"), "0.00");
        assert_eq!(closing(&tb, "Stock"), "58.00");
        let stock = api.ok("GET", "/api/v1/reports/stock-balance", None).await;
        assert_eq!(stock["data"][0]["qty"], "14.000");

        // Settings: read by all, written by admins.
        let settings = api.ok("GET", "/api/v1/settings", None).await;
        assert_eq!(settings["currency"], "GBP");
        let settings = api
        .ok(
            "PUT",
            "/api/v1/settings",
            Some(json!({"address": "1 High Street, Leeds", "tax_id": "GB123456789", "vat_rounding": "per_invoice"})),
        )
        .await;
        assert_eq!(settings["address"], "1 High Street, Leeds");
        assert_eq!(settings["vat_rounding"], "per_invoice");
    }
);

both_backends!(books_api_refuses_bad_input, |app: TestApp| async move {
    let acme = client(&app, "ACME Corp", "acme-corp").await;
    let api = Api {
        app: &app,
        host: acme.host.clone(),
        auth: acme.admin_key(),
    };
    masters(&api).await;
    // One submitted sale, one draft, stock of 3.
    api.ok(
        "POST",
        "/api/v1/purchase-invoices",
        Some(json!({"party": "Widget Works", "items": [{"item_code": "WID", "qty": 3}], "submit": true})),
    )
    .await;
    let sinv = api
        .ok(
            "POST",
            "/api/v1/sales-invoices",
            Some(json!({"party": "Acme Retail", "items": [{"item_code": "WID", "qty": 1}], "submit": true})),
        )
        .await;
    let number = sinv["name"].as_str().unwrap().to_owned();
    let draft = api
        .ok(
            "POST",
            "/api/v1/sales-invoices",
            Some(json!({"party": "Acme Retail", "items": [{"item_code": "SVC", "qty": 1}]})),
        )
        .await;
    let draft = draft["name"].as_str().unwrap().to_owned();
    let before = footprint(&api).await;

    let sale = |items: Value| json!({"party": "Acme Retail", "items": items, "submit": true});
    let cases: Vec<(&str, &str, String, Value, u16)> = vec![
        (
            "unbalanced journal",
            "POST",
            "/api/v1/journal-entries".into(),
            json!({"accounts": [{"account": "Rent and Rates", "debit": "100.00"}, {"account": "1200", "credit": "99.99"}], "submit": true}),
            422,
        ),
        (
            "unbalanced draft journal",
            "POST",
            "/api/v1/journal-entries".into(),
            json!({"accounts": [{"account": "Rent and Rates", "debit": "100.00"}]}),
            422,
        ),
        (
            "unknown account",
            "POST",
            "/api/v1/journal-entries".into(),
            json!({"accounts": [{"account": "Nowhere", "debit": "1.00"}, {"account": "1200", "credit": "1.00"}], "submit": true}),
            422,
        ),
        (
            "group account",
            "POST",
            "/api/v1/journal-entries".into(),
            json!({"accounts": [{"account": "Overheads", "debit": "1.00"}, {"account": "1200", "credit": "1.00"}]}),
            422,
        ),
        (
            "negative quantity",
            "POST",
            "/api/v1/sales-invoices".into(),
            sale(json!([{"item_code": "WID", "qty": -1}])),
            422,
        ),
        (
            "zero quantity",
            "POST",
            "/api/v1/sales-invoices".into(),
            sale(json!([{"item_code": "WID", "qty": 0}])),
            422,
        ),
        (
            "negative stock-entry quantity",
            "POST",
            "/api/v1/stock-entries".into(),
            json!({"purpose": "Material Receipt", "items": [{"item_code": "WID", "qty": -5, "t_warehouse": "Stores"}]}),
            422,
        ),
        (
            "unknown item",
            "POST",
            "/api/v1/sales-invoices".into(),
            sale(json!([{"item_code": "NOPE", "qty": 1}])),
            422,
        ),
        (
            "unknown customer",
            "POST",
            "/api/v1/sales-invoices".into(),
            json!({"party": "Nobody", "items": [{"item_code": "SVC", "qty": 1}]}),
            422,
        ),
        (
            "date outside any fiscal year",
            "POST",
            "/api/v1/sales-invoices".into(),
            json!({"party": "Acme Retail", "posting_date": "2001-01-01", "items": [{"item_code": "SVC", "qty": 1}]}),
            422,
        ),
        (
            "journal outside any fiscal year",
            "POST",
            "/api/v1/journal-entries".into(),
            json!({"posting_date": "2001-01-01", "accounts": [{"account": "Drawings", "debit": "1.00"}, {"account": "1200", "credit": "1.00"}]}),
            422,
        ),
        (
            "too many decimals in a rate",
            "POST",
            "/api/v1/sales-invoices".into(),
            sale(json!([{"item_code": "SVC", "qty": 1, "rate": "10.005"}])),
            422,
        ),
        (
            "too many decimals as a number",
            "POST",
            "/api/v1/sales-invoices".into(),
            sale(json!([{"item_code": "SVC", "qty": 1, "rate": 10.005}])),
            422,
        ),
        (
            "too many decimals in a quantity",
            "POST",
            "/api/v1/sales-invoices".into(),
            sale(json!([{"item_code": "SVC", "qty": "1.0005"}])),
            422,
        ),
        (
            "too many decimals in a payment",
            "POST",
            "/api/v1/payments".into(),
            json!({"payment_type": "receive", "party_type": "customer", "party": "Acme Retail", "amount": "1.001",
                   "allocations": [{"invoice": number, "amount": "1.001"}], "submit": true}),
            422,
        ),
        (
            "a price with an exponent",
            "POST",
            "/api/v1/items".into(),
            json!({"item_code": "EXP", "selling_price": "1e3"}),
            422,
        ),
        (
            "more than is in stock",
            "POST",
            "/api/v1/sales-invoices".into(),
            sale(json!([{"item_code": "WID", "qty": 5}])),
            422,
        ),
        (
            "over-allocating a payment",
            "POST",
            "/api/v1/payments".into(),
            json!({"payment_type": "receive", "party_type": "customer", "party": "Acme Retail", "amount": "1000.00",
                   "allocations": [{"invoice": number, "amount": "1000.00"}], "submit": true}),
            422,
        ),
        (
            "allocations that do not add up",
            "POST",
            "/api/v1/payments".into(),
            json!({"payment_type": "receive", "party_type": "customer", "party": "Acme Retail", "amount": "5.00",
                   "allocations": [{"invoice": number, "amount": "4.00"}]}),
            422,
        ),
        (
            "submitting twice",
            "POST",
            format!("/api/v1/sales-invoices/{number}/submit"),
            json!({}),
            409,
        ),
        (
            "cancelling a draft",
            "POST",
            format!("/api/v1/sales-invoices/{draft}/cancel"),
            json!({}),
            409,
        ),
        (
            "editing a submitted invoice",
            "PUT",
            format!("/api/v1/sales-invoices/{number}"),
            json!({"party": "Acme Retail", "items": [{"item_code": "SVC", "qty": 1}]}),
            409,
        ),
        (
            "submit through an update",
            "PUT",
            format!("/api/v1/sales-invoices/{draft}"),
            json!({"party": "Acme Retail", "items": [{"item_code": "SVC", "qty": 1}], "submit": true}),
            422,
        ),
        (
            "a missing document",
            "POST",
            "/api/v1/sales-invoices/SINV-2000-00099/submit".into(),
            json!({}),
            404,
        ),
        (
            "a duplicate customer",
            "POST",
            "/api/v1/customers".into(),
            json!({"name": "Acme Retail"}),
            409,
        ),
        (
            "a duplicate barcode",
            "POST",
            "/api/v1/items".into(),
            json!({"item_code": "WID2", "barcodes": ["5012345678900"]}),
            409,
        ),
        (
            "an unknown field",
            "POST",
            "/api/v1/customers".into(),
            json!({"name": "New", "colour": "red"}),
            422,
        ),
        (
            "an unknown line field",
            "POST",
            "/api/v1/sales-invoices".into(),
            json!({"party": "Acme Retail", "items": [{"item_code": "SVC", "qty": 1, "discount": "5"}]}),
            422,
        ),
        (
            "an unknown VAT category",
            "POST",
            "/api/v1/items".into(),
            json!({"item_code": "X", "vat_category": "luxury"}),
            422,
        ),
        (
            "a fiscal year that ends before it starts",
            "POST",
            "/api/v1/fiscal-years".into(),
            json!({"name": "Odd", "start_date": "2040-04-01", "end_date": "2040-03-01"}),
            422,
        ),
        (
            "a settings body without its rounding",
            "PUT",
            "/api/v1/settings".into(),
            json!({"address": "x"}),
            422,
        ),
    ];
    for (what, method, path, body, expected) in &cases {
        let r = send(
            &app,
            &acme.host,
            Some(&acme.admin_key()),
            Method::from_bytes(method.as_bytes()).unwrap(),
            path,
            Some(body),
        )
        .await;
        assert_eq!(r.status, *expected, "{what}: {}", r.text);
        let v = r.json();
        assert_eq!(v["status"], *expected, "{what}: {v}");
        assert!(!v["error"].as_str().unwrap().is_empty(), "{what}");
    }
    // Bodies and parameters that are not what they should be.
    let raw = |method: Method, path: &str, content_type: &str, body: &str| {
        app.http
            .request(method, app.url(path))
            .header("host", &acme.host)
            .header("authorization", acme.admin_key())
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
    };
    for (path, content_type, body, expected) in [
        (
            "/api/v1/sales-invoices",
            "application/json",
            "{\"party\": ",
            400,
        ),
        (
            "/api/v1/journal-entries",
            "application/json",
            "{\"accounts\": [",
            400,
        ),
        ("/api/v1/customers", "application/json", "", 400),
        ("/api/v1/customers", "text/plain", "{\"name\": \"X\"}", 415),
        (
            "/api/v1/customers",
            "application/json",
            "{\"name\": 7}",
            422,
        ),
    ] {
        let res = raw(Method::POST, path, content_type, body).await.unwrap();
        assert_eq!(res.status().as_u16(), expected, "{path} {body:?}");
    }
    for path in [
        "/api/v1/sales-invoices?filters=%5B%5B%22colour%22%2C%22%3D%22%2C%22red%22%5D%5D",
        "/api/v1/sales-invoices?filters=%5B%5B%22docstatus%22%2C%22~%22%2C1%5D%5D",
        "/api/v1/sales-invoices?filters=%5B%5B%22posting_date%22%2C%22%3E%22%2C%22yesterday%22%5D%5D",
        "/api/v1/sales-invoices?filters=%5B",
        "/api/v1/sales-invoices?order_by=colour",
        "/api/v1/sales-invoices?order_by=name%20sideways",
        "/api/v1/sales-invoices?limit=0",
        "/api/v1/sales-invoices?limit=abc",
        "/api/v1/customers?offset=-1",
        "/api/v1/reports/trial-balance?format=pdf",
        "/api/v1/reports/trial-balance?from=2026-13-01",
        "/api/v1/reports/trial-balance?from=2030-01-01&to=2029-01-01",
        "/api/v1/reports/general-ledger?account=Nowhere",
        "/api/v1/reports/general-ledger?party=Nobody",
    ] {
        let (s, v) = api.get(path).await;
        assert_eq!(s, 422, "{path}: {v}");
    }
    let (s, _) = api.get("/api/v1/customers/Nobody").await;
    assert_eq!(s, 404);
    // Text no database can hold (a NUL) is bad input on both backends, never a server error.
    // In a search or a filter: refused as such before it reaches the database (SQLite would
    // otherwise cut the pattern short at the NUL and match every customer).
    let nul = json!({
        "error": "the text holds a character that cannot be stored (such as NUL)",
        "status": 422,
    });
    for path in [
        "/api/v1/customers?search=%00",
        "/api/v1/customers?filters=%5B%5B%22name%22%2C%22%3D%22%2C%22a%5Cu0000b%22%5D%5D",
    ] {
        let (s, v) = api.get(path).await;
        assert_eq!((s, &v), (422, &nul), "{path}");
    }
    // As a name looked up: PostgreSQL refuses the text; on SQLite it names nothing.
    let (s, v) = api.get("/api/v1/customers/Acme%00Retail").await;
    match app.backend {
        Backend::Postgres => assert_eq!((s, &v), (422, &nul)),
        Backend::Sqlite => assert_eq!(
            (s, &v),
            (
                404,
                &json!({"error": "customer \"Acme\\0Retail\" was not found", "status": 404})
            )
        ),
    }
    // As a report's account, and as a document's customer or item: bad input on both, each
    // answered with what the backend found wrong.
    let (s, v) = api
        .get("/api/v1/reports/general-ledger?account=a%00b")
        .await;
    assert_eq!((s, &v["status"]), (422, &json!(422)), "{v}");
    assert!(!v["error"].as_str().unwrap().is_empty(), "{v}");
    for body in [
        json!({"party": "Acme\u{0}Retail", "items": [{"item_code": "SVC", "qty": 1}]}),
        json!({"party": "Acme Retail", "items": [{"item_code": "S\u{0}VC", "qty": 1}]}),
    ] {
        let (s, v) = api.post("/api/v1/sales-invoices", body).await;
        assert_eq!((s, &v["status"]), (422, &json!(422)), "{v}");
        assert!(!v["error"].as_str().unwrap().is_empty(), "{v}");
    }
    let (s, _) = api.get("/api/v1/items/barcode/000").await;
    assert_eq!(s, 404);

    // Nothing of all that was written.
    assert_eq!(footprint(&api).await, before);
});

/// One document of each kind submitted, one of each left as a draft, and a name of each that
/// does not exist: what the permission matrix is tried on.
pub struct Documents {
    pub kinds: Vec<DocNames>,
}

pub struct DocNames {
    /// The native API's collection (`sales-invoices`) and Frappe's DocType (`Sales Invoice`).
    pub list: &'static str,
    pub doctype: &'static str,
    pub submitted: String,
    pub draft: String,
    pub missing: String,
}

impl Documents {
    pub fn of(&self, list: &str) -> &DocNames {
        self.kinds.iter().find(|k| k.list == list).unwrap()
    }
}

/// Makes the documents of [`Documents`] (after [`masters`]).
pub async fn documents(api: &Api<'_>) -> Documents {
    let make = |path: &'static str, body: Value| async move {
        let submitted = {
            let mut b = body.clone();
            b["submit"] = json!(true);
            api.ok("POST", path, Some(b)).await["name"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let draft = api.ok("POST", path, Some(body)).await["name"]
            .as_str()
            .unwrap()
            .to_owned();
        (submitted, draft)
    };
    let (pinv, pinv_draft) = make(
        "/api/v1/purchase-invoices",
        json!({"party": "Widget Works", "items": [{"item_code": "WID", "qty": 4}]}),
    )
    .await;
    let (sinv, sinv_draft) = make(
        "/api/v1/sales-invoices",
        json!({"party": "Acme Retail", "items": [{"item_code": "WID", "qty": 1}, {"item_code": "SVC", "qty": 1}]}),
    )
    .await;
    let (pay, pay_draft) = make(
        "/api/v1/payments",
        json!({"payment_type": "receive", "party_type": "customer", "party": "Acme Retail",
               "amount": "1.00", "allocations": [{"invoice": sinv, "amount": "1.00"}]}),
    )
    .await;
    let (jv, jv_draft) = make(
        "/api/v1/journal-entries",
        json!({"accounts": [{"account": "Drawings", "debit": "5.00"}, {"account": "1200", "credit": "5.00"}]}),
    )
    .await;
    let (ste, ste_draft) = make(
        "/api/v1/stock-entries",
        json!({"purpose": "Material Receipt", "items": [{"item_code": "WID", "qty": 2, "t_warehouse": "Stores", "basic_rate": "4.00"}]}),
    )
    .await;
    let names = |list, doctype, submitted: String, draft: String, prefix: &str| DocNames {
        list,
        doctype,
        submitted,
        draft,
        missing: format!("{prefix}-2000-00099"),
    };
    Documents {
        kinds: vec![
            names("sales-invoices", "Sales Invoice", sinv, sinv_draft, "SINV"),
            names(
                "purchase-invoices",
                "Purchase Invoice",
                pinv,
                pinv_draft,
                "PINV",
            ),
            names("payments", "Payment Entry", pay, pay_draft, "PAY"),
            names("journal-entries", "Journal Entry", jv, jv_draft, "JV"),
            names("stock-entries", "Stock Entry", ste, ste_draft, "STE"),
        ],
    }
}

/// Every endpoint of the native API with the permission it needs (None: reading, erp.read).
/// Submits and cancels name documents that do not exist, so that a caller who is let through
/// changes nothing either.
pub fn native_endpoints(docs: &Documents) -> Vec<(Method, String, Option<Permission>)> {
    use Permission::*;
    let mut v: Vec<(Method, String, Option<Permission>)> = vec![
        (Method::GET, "/api/v1/customers".into(), None),
        (
            Method::POST,
            "/api/v1/customers".into(),
            Some(ErpCreateSales),
        ),
        (Method::GET, "/api/v1/customers/Acme Retail".into(), None),
        (
            Method::PUT,
            "/api/v1/customers/Acme Retail".into(),
            Some(ErpCreateSales),
        ),
        (Method::GET, "/api/v1/suppliers".into(), None),
        (Method::POST, "/api/v1/suppliers".into(), Some(ErpCreateAny)),
        (Method::GET, "/api/v1/suppliers/Widget Works".into(), None),
        (
            Method::PUT,
            "/api/v1/suppliers/Widget Works".into(),
            Some(ErpCreateAny),
        ),
        (Method::GET, "/api/v1/items".into(), None),
        (Method::POST, "/api/v1/items".into(), Some(ErpCreateAny)),
        (Method::GET, "/api/v1/items/WID".into(), None),
        (Method::PUT, "/api/v1/items/WID".into(), Some(ErpCreateAny)),
        (
            Method::GET,
            "/api/v1/items/barcode/5012345678900".into(),
            None,
        ),
        (Method::GET, "/api/v1/warehouses".into(), None),
        (
            Method::POST,
            "/api/v1/warehouses".into(),
            Some(ErpCreateAny),
        ),
        (Method::GET, "/api/v1/warehouses/Stores".into(), None),
        (
            Method::PUT,
            "/api/v1/warehouses/Stores".into(),
            Some(ErpCreateAny),
        ),
        (Method::GET, "/api/v1/accounts".into(), None),
        (Method::POST, "/api/v1/accounts".into(), Some(ErpConfigure)),
        (Method::GET, "/api/v1/accounts/Trade Debtors".into(), None),
        (
            Method::PUT,
            "/api/v1/accounts/Trade Debtors".into(),
            Some(ErpConfigure),
        ),
        (Method::GET, "/api/v1/fiscal-years".into(), None),
        (
            Method::POST,
            "/api/v1/fiscal-years".into(),
            Some(ErpConfigure),
        ),
        (Method::GET, "/api/v1/settings".into(), None),
        (Method::PUT, "/api/v1/settings".into(), Some(ErpConfigure)),
    ];
    for d in &docs.kinds {
        let write = if d.list == "sales-invoices" {
            ErpCreateSales
        } else {
            ErpCreateAny
        };
        let list = d.list;
        v.push((Method::GET, format!("/api/v1/{list}"), None));
        v.push((Method::POST, format!("/api/v1/{list}"), Some(write)));
        v.push((Method::GET, format!("/api/v1/{list}/{}", d.submitted), None));
        v.push((Method::GET, format!("/api/v1/{list}/{}", d.draft), None));
        v.push((
            Method::PUT,
            format!("/api/v1/{list}/{}", d.draft),
            Some(write),
        ));
        v.push((
            Method::POST,
            format!("/api/v1/{list}/{}/submit", d.missing),
            Some(ErpSubmit),
        ));
        v.push((
            Method::POST,
            format!("/api/v1/{list}/{}/cancel", d.missing),
            Some(ErpCancel),
        ));
    }
    for report in [
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
        v.push((
            Method::GET,
            format!("/api/v1/reports/{report}"),
            Some(ErpReports),
        ));
    }
    v
}

/// An endpoint's path as the OpenAPI document writes it.
fn template(path: &str) -> String {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", "v1", "items", "barcode", _] => "/api/v1/items/barcode/{barcode}".into(),
        ["api", "v1", "items", _] => "/api/v1/items/{code}".into(),
        ["api", "v1", "reports", r] => format!("/api/v1/reports/{r}"),
        ["api", "v1", list, _] => format!("/api/v1/{list}/{{name}}"),
        ["api", "v1", list, _, action] => format!("/api/v1/{list}/{{name}}/{action}"),
        _ => path.to_owned(),
    }
}

both_backends!(books_api_authorisation_matrix, |app: TestApp| async move {
    let acme = client(&app, "ACME Corp", "acme-corp").await;
    let beta = client(&app, "Beta Ltd", "beta").await;
    let api = Api {
        app: &app,
        host: acme.host.clone(),
        auth: acme.admin_key(),
    };
    masters(&api).await;
    let docs = documents(&api).await;
    let number = docs.of("sales-invoices").submitted.clone();
    let draft = docs.of("sales-invoices").draft.clone();
    let before = footprint(&api).await;

    // Another client's admin, by API key and by token; and a key that is not valid.
    let beta_user = app
        .platform
        .control()
        .user_by_email(&beta.admin)
        .await
        .unwrap()
        .unwrap();
    let beta_tenant = app
        .platform
        .control()
        .tenant_by_subdomain("beta")
        .await
        .unwrap()
        .unwrap();
    let (beta_token, _) = app
        .platform
        .identity()
        .tokens()
        .issue(beta_user.id, beta_tenant.id, TenantRole::Admin)
        .await
        .unwrap();
    let strangers = [beta.admin_key(), format!("Bearer {beta_token}")];
    let endpoints = native_endpoints(&docs);
    assert!(endpoints.len() >= 60, "{}", endpoints.len());
    let invalid = json!({"not": "a valid body"});
    for (method, path, permission) in &endpoints {
        let body = (*method != Method::GET).then_some(&invalid);
        // No credential at all.
        let r = send(&app, &acme.host, None, method.clone(), path, body).await;
        assert_eq!(
            r.status, 401,
            "{method} {path} without a credential: {}",
            r.text
        );
        assert!(!r.text.contains("Acme Retail"), "{method} {path}");
        // A credential that is not valid.
        let r = send(
            &app,
            &acme.host,
            Some("token nokey:00ff"),
            method.clone(),
            path,
            body,
        )
        .await;
        assert_eq!(r.status, 401, "{method} {path} with a forged key");
        // Another client's admin: refused, and sees nothing of this client.
        for s in &strangers {
            let r = send(&app, &acme.host, Some(s), method.clone(), path, body).await;
            assert_eq!(
                r.status, 403,
                "{method} {path} as another client's admin: {}",
                r.text
            );
            assert!(
                !r.text.contains("Acme Retail")
                    && !r.text.contains("WID")
                    && !r.text.contains(&number),
                "{method} {path}: {}",
                r.text
            );
        }
        // Each role: refused (403) exactly when the matrix says so.
        for role in ROLES {
            let allowed = role.can(permission.unwrap_or(Permission::ErpRead));
            let r = send(
                &app,
                &acme.host,
                Some(&acme.key(role)),
                method.clone(),
                path,
                body,
            )
            .await;
            if allowed {
                assert!(
                    r.status != 401 && r.status != 403,
                    "{method} {path} as {}: {} {}",
                    role.as_str(),
                    r.status,
                    r.text
                );
                if *method == Method::GET {
                    assert_eq!(
                        r.status,
                        200,
                        "{method} {path} as {}: {}",
                        role.as_str(),
                        r.text
                    );
                }
            } else {
                assert_eq!(
                    r.status,
                    403,
                    "{method} {path} as {}: {}",
                    role.as_str(),
                    r.text
                );
                assert_eq!(r.json()["status"], 403);
            }
        }
    }
    // The same on the other client's host with this client's admin key, and on the portal.
    let r = send(
        &app,
        "beta.localhost",
        Some(&acme.admin_key()),
        Method::GET,
        "/api/v1/customers",
        None,
    )
    .await;
    assert_eq!(r.status, 403);
    let r = send(
        &app,
        "portal.localhost",
        Some(&acme.admin_key()),
        Method::GET,
        "/api/v1/customers",
        None,
    )
    .await;
    assert_eq!(r.status, 404);

    // Refused writes that would have succeeded: with valid bodies, as too small a role.
    let valid: Vec<(Method, String, Value, TenantRole)> = vec![
        (
            Method::POST,
            "/api/v1/customers".into(),
            json!({"name": "Sneaky"}),
            TenantRole::Viewer,
        ),
        (
            Method::POST,
            "/api/v1/suppliers".into(),
            json!({"name": "Sneaky"}),
            TenantRole::Employee,
        ),
        (
            Method::POST,
            "/api/v1/sales-invoices".into(),
            json!({"party": "Acme Retail", "items": [{"item_code": "SVC", "qty": 1}]}),
            TenantRole::Viewer,
        ),
        (
            Method::POST,
            "/api/v1/sales-invoices".into(),
            json!({"party": "Acme Retail", "items": [{"item_code": "SVC", "qty": 1}], "submit": true}),
            TenantRole::Employee,
        ),
        (
            Method::POST,
            format!("/api/v1/sales-invoices/{draft}/submit"),
            json!({}),
            TenantRole::Employee,
        ),
        (
            Method::POST,
            format!("/api/v1/sales-invoices/{number}/cancel"),
            json!({}),
            TenantRole::Employee,
        ),
        (
            Method::PUT,
            format!("/api/v1/sales-invoices/{draft}"),
            json!({"party": "Acme Retail", "items": [{"item_code": "SVC", "qty": 9}]}),
            TenantRole::Viewer,
        ),
        (
            Method::POST,
            "/api/v1/journal-entries".into(),
            json!({"accounts": [{"account": "Drawings", "debit": "1.00"}, {"account": "1200", "credit": "1.00"}], "submit": true}),
            TenantRole::Employee,
        ),
        (
            Method::POST,
            "/api/v1/accounts".into(),
            json!({"number": "7301", "name": "X", "parent": "Overheads"}),
            TenantRole::Manager,
        ),
        (
            Method::PUT,
            "/api/v1/settings".into(),
            json!({"vat_rounding": "per_invoice"}),
            TenantRole::Manager,
        ),
        (
            Method::POST,
            "/api/v1/fiscal-years".into(),
            json!({"name": "2040", "start_date": "2040-04-01", "end_date": "2041-03-31"}),
            TenantRole::Manager,
        ),
    ];
    for (method, path, body, role) in &valid {
        let r = send(
            &app,
            &acme.host,
            Some(&acme.key(*role)),
            method.clone(),
            path,
            Some(body),
        )
        .await;
        assert_eq!(
            r.status,
            403,
            "{method} {path} as {}: {}",
            role.as_str(),
            r.text
        );
        for s in &strangers {
            let r = send(&app, &acme.host, Some(s), method.clone(), path, Some(body)).await;
            assert_eq!(r.status, 403, "{method} {path} as a stranger");
        }
    }
    assert_eq!(
        footprint(&api).await,
        before,
        "a refused request wrote something"
    );
});

both_backends!(
    books_api_is_in_the_openapi_document,
    |app: TestApp| async move {
        let (status, body) = app.get("localhost", "/api/openapi.json").await;
        assert_eq!(status, 200);
        let doc: Value = serde_json::from_str(&body).unwrap();
        let app_docs = Documents {
            kinds: [
                "sales-invoices",
                "purchase-invoices",
                "payments",
                "journal-entries",
                "stock-entries",
            ]
            .into_iter()
            .map(|list| DocNames {
                list,
                doctype: "",
                submitted: "X-1".into(),
                draft: "X-DRAFT-1".into(),
                missing: "X-2".into(),
            })
            .collect(),
        };
        for (method, path, _) in native_endpoints(&app_docs) {
            let path = template(&path);
            let m = method.as_str().to_ascii_lowercase();
            assert!(
                doc["paths"][&path].get(&m).is_some(),
                "{method} {path} is not in the OpenAPI document"
            );
        }
        for (method, path) in [
            ("get", "/api/v1/fiscal-years/{name}"),
            ("get", "/api/resource/{doctype}"),
            ("post", "/api/resource/{doctype}"),
            ("get", "/api/resource/{doctype}/{name}"),
            ("put", "/api/resource/{doctype}/{name}"),
            ("post", "/api/method/login"),
            ("post", "/api/method/logout"),
        ] {
            assert!(doc["paths"][path].get(method).is_some(), "{method} {path}");
        }
        assert!(doc["components"]["schemas"].get("InvoiceBody").is_some());
    }
);
