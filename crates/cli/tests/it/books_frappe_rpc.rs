//! Frappe's client API as integrations call it: `cmd=<method>` on the client host's `/` (GET and
//! form POST) and `/api/method/<method>`, every `frappe.client` method with ERPNext's shapes and
//! statuses, the refusals (no credential, another client's credential, too small a role), and
//! the type checks the REST surface shares with it (a number where text is expected, text that
//! is not UTF-8).

use reqwest::Method;
use serde_json::{json, Value};
use tenantry_domain::{Permission, TenantRole};

use crate::books_api::{
    client, documents, footprint, masters, send, Api, Client, Numbers, Res, PASSWORD, ROLES,
};
use crate::both_backends;
use crate::support::TestApp;

/// Frappe's error body: `exc_type` and the first message of `_server_messages`; `exc` is there,
/// so that Frappe's Python client raises.
pub fn frappe_error(r: &Res) -> (String, String) {
    let v = r.json();
    let exc = v["exc_type"]
        .as_str()
        .unwrap_or_else(|| panic!("no exc_type: {}", r.text))
        .to_owned();
    assert!(v["exc"].as_str().is_some(), "no exc: {}", r.text);
    let list: Vec<String> = serde_json::from_str(v["_server_messages"].as_str().unwrap()).unwrap();
    let first: Value = serde_json::from_str(&list[0]).unwrap();
    (exc, first["message"].as_str().unwrap().to_owned())
}

/// Percent-encodes a form value.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn form(args: &[(&str, String)]) -> String {
    args.iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One caller of the RPC.
pub struct Rpc<'a> {
    pub app: &'a TestApp,
    pub host: String,
    pub auth: Option<String>,
}

impl Rpc<'_> {
    async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Res {
        let mut req = self
            .app
            .http
            .request(method, self.app.url(path))
            .header("host", &self.host);
        if let Some(a) = &self.auth {
            req = req.header("authorization", a);
        }
        if let Some(t) = content_type {
            req = req.header("content-type", t).body(body);
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

    /// POST `/` with `cmd` and the arguments as a form, as Frappe's Python client sends them.
    pub async fn post(&self, cmd: &str, args: &[(&str, String)]) -> Res {
        let mut all = vec![("cmd", cmd.to_owned())];
        all.extend(args.iter().cloned());
        self.raw(
            Method::POST,
            "/",
            Some("application/x-www-form-urlencoded"),
            form(&all).into_bytes(),
        )
        .await
    }

    /// GET `/?cmd=…&…`.
    pub async fn get(&self, cmd: &str, args: &[(&str, String)]) -> Res {
        let mut all = vec![("cmd", cmd.to_owned())];
        all.extend(args.iter().cloned());
        self.raw(Method::GET, &format!("/?{}", form(&all)), None, Vec::new())
            .await
    }

    /// `/api/method/<cmd>` with a JSON body.
    pub async fn method(&self, http: Method, cmd: &str, body: Value) -> Res {
        let (ct, bytes) = if http == Method::GET {
            (None, Vec::new())
        } else {
            (Some("application/json"), body.to_string().into_bytes())
        };
        self.raw(http, &format!("/api/method/{cmd}"), ct, bytes)
            .await
    }

    /// `message` of a 200.
    pub async fn ok(&self, cmd: &str, args: &[(&str, String)]) -> Value {
        let r = self.post(cmd, args).await;
        assert_eq!(r.status, 200, "{cmd} {args:?}: {}", r.text);
        r.json()["message"].clone()
    }
}

fn rpc_of<'a>(app: &'a TestApp, c: &Client) -> Rpc<'a> {
    Rpc {
        app,
        host: c.host.clone(),
        auth: Some(c.admin_key()),
    }
}

fn native_of<'a>(app: &'a TestApp, c: &Client) -> Api<'a> {
    Api {
        app,
        host: c.host.clone(),
        auth: c.admin_key(),
    }
}

fn doc(v: Value) -> String {
    v.to_string()
}

both_backends!(frappe_rpc_methods, |app: TestApp| async move {
    let acme = client(&app, "ACME Corp", "acme-corp").await;
    let api = native_of(&app, &acme);
    masters(&api).await;
    let rpc = rpc_of(&app, &acme);
    let mut numbers = Numbers::new();

    // insert: a customer, an item and a draft invoice; `{"message": the document}`.
    let c = rpc
        .ok(
            "frappe.client.insert",
            &[(
                "doc",
                doc(json!({"doctype": "Customer", "customer_name": "Rpc Retail", "city": "Leeds"})),
            )],
        )
        .await;
    assert_eq!(c["name"], "Rpc Retail");
    assert_eq!(c["doctype"], "Customer");
    let item = rpc
        .ok(
            "frappe.client.insert",
            &[(
                "doc",
                doc(
                    json!({"doctype": "Item", "item_code": "RPC", "item_name": "Rpc thing",
                            "is_stock_item": 0, "standard_rate": "8.00"}),
                ),
            )],
        )
        .await;
    assert_eq!(item["standard_rate"], 8.0);
    let inv = rpc
        .ok(
            "frappe.client.insert",
            &[(
                "doc",
                doc(json!({"doctype": "Sales Invoice", "customer": "Rpc Retail",
                            "items": [{"item_code": "RPC", "qty": 2}]})),
            )],
        )
        .await;
    assert_eq!(inv["docstatus"], 0);
    let draft = inv["name"].as_str().unwrap().to_owned();
    assert!(draft.starts_with("SINV-DRAFT-"), "{draft}");

    // get_list through GET /?cmd=, POST /, and /api/method; filters, fields, as_dict=0.
    let r = rpc
        .get(
            "frappe.client.get_list",
            &[
                ("doctype", "Sales Invoice".into()),
                ("fields", r#"["name", "grand_total", "docstatus"]"#.into()),
                ("filters", r#"{"customer": "Rpc Retail"}"#.into()),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.json()["message"].clone();
    assert_eq!(
        rows,
        json!([{"name": draft, "grand_total": 19.2, "docstatus": 0}])
    );
    assert!(r.text.contains("\"grand_total\":19.20"), "{}", r.text);
    let r = rpc
        .method(
            Method::GET,
            "frappe.client.get_list?doctype=Customer&fields=%5B%22name%22%2C%22city%22%5D&filters=%5B%5B%22city%22%2C%22%3D%22%2C%22Leeds%22%5D%5D&as_dict=0",
            Value::Null,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), json!({"message": [["Rpc Retail", "Leeds"]]}));
    let r = rpc
        .method(
            Method::POST,
            "frappe.client.get_list",
            json!({"doctype": "Item", "fields": ["item_code"], "order_by": "item_code asc", "limit_page_length": 0}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json()["message"],
        json!([{"item_code": "RPC"}, {"item_code": "SVC"}, {"item_code": "WID"}])
    );
    // The trailing slash Frappe's Python client adds.
    let r = rpc
        .raw(
            Method::GET,
            "/api/method/frappe.client.get_count/?doctype=Customer",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(r.text, r#"{"message":2}"#);
    assert_eq!(
        rpc.ok(
            "frappe.client.get_count",
            &[
                ("doctype", "Sales Invoice".into()),
                ("filters", r#"[["docstatus", "=", 0]]"#.into())
            ]
        )
        .await,
        json!(1)
    );

    // get: by name, and by filters; a missing one is 404 DoesNotExistError.
    let got = rpc
        .ok(
            "frappe.client.get",
            &[("doctype", "Sales Invoice".into()), ("name", draft.clone())],
        )
        .await;
    assert_eq!(got["items"][0]["item_code"], "RPC");
    let got = rpc
        .ok(
            "frappe.client.get",
            &[
                ("doctype", "Customer".into()),
                ("filters", r#"{"city": "Leeds"}"#.into()),
            ],
        )
        .await;
    assert_eq!(got["name"], "Rpc Retail");
    let r = rpc
        .get(
            "frappe.client.get",
            &[("doctype", "Customer".into()), ("name", "Nobody".into())],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(frappe_error(&r).0, "DoesNotExistError");

    // get_value: a name or filters; one field or a list; as_dict=0 gives the bare value.
    let v = rpc
        .get(
            "frappe.client.get_value",
            &[
                ("doctype", "Sales Invoice".into()),
                ("fieldname", "grand_total".into()),
                ("filters", draft.clone()),
            ],
        )
        .await;
    assert_eq!(v.text, r#"{"message":{"grand_total":19.20}}"#);
    let v = rpc
        .get(
            "frappe.client.get_value",
            &[
                ("doctype", "Customer".into()),
                ("fieldname", r#"["city", "customer_name"]"#.into()),
                ("filters", r#"{"name": "Rpc Retail"}"#.into()),
                ("as_dict", "0".into()),
            ],
        )
        .await;
    assert_eq!(v.json(), json!({"message": ["Leeds", "Rpc Retail"]}));
    let v = rpc
        .get(
            "frappe.client.get_value",
            &[
                ("doctype", "Customer".into()),
                ("fieldname", "city".into()),
                ("filters", "null".into()),
                ("as_dict", "0".into()),
            ],
        )
        .await;
    assert_eq!(v.status, 200, "{}", v.text);
    let v = rpc
        .get(
            "frappe.client.get_value",
            &[
                ("doctype", "Customer".into()),
                ("fieldname", "city".into()),
                ("filters", "Nobody".into()),
            ],
        )
        .await;
    assert_eq!(v.json(), json!({"message": {}}));

    // set_value: one field, or a JSON object of them; standard fields are refused.
    let s = rpc
        .ok(
            "frappe.client.set_value",
            &[
                ("doctype", "Sales Invoice".into()),
                ("name", draft.clone()),
                ("fieldname", "remarks".into()),
                ("value", "by rpc".into()),
            ],
        )
        .await;
    assert_eq!(s["remarks"], "by rpc");
    let s = rpc
        .ok(
            "frappe.client.set_value",
            &[
                ("doctype", "Customer".into()),
                ("name", "Rpc Retail".into()),
                (
                    "fieldname",
                    r#"{"city": "York", "payment_terms_days": 7}"#.into(),
                ),
            ],
        )
        .await;
    assert_eq!(
        (s["city"].clone(), s["payment_terms_days"].clone()),
        (json!("York"), json!(7))
    );
    let r = rpc
        .post(
            "frappe.client.set_value",
            &[
                ("doctype", "Sales Invoice".into()),
                ("name", draft.clone()),
                ("fieldname", "docstatus".into()),
                ("value", "1".into()),
            ],
        )
        .await;
    assert_eq!(r.status, 417, "{}", r.text);
    assert_eq!(
        frappe_error(&r),
        (
            "ValidationError".into(),
            "Cannot edit standard fields".into()
        )
    );

    // save: the document as read, changed.
    let mut cust = rpc
        .ok(
            "frappe.client.get",
            &[
                ("doctype", "Customer".into()),
                ("name", "Rpc Retail".into()),
            ],
        )
        .await;
    cust["mobile_no"] = json!("0113 496 0000");
    let saved = rpc.ok("frappe.client.save", &[("doc", doc(cust))]).await;
    assert_eq!(saved["mobile_no"], "0113 496 0000");
    assert_eq!(saved["city"], "York");

    // Writes are refused through GET, whatever the caller may do: a link cannot write.
    let r = rpc
        .get(
            "frappe.client.submit",
            &[(
                "doc",
                doc(json!({"doctype": "Sales Invoice", "name": draft})),
            )],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        frappe_error(&r),
        ("PermissionError".into(), "Not permitted".into())
    );

    // submit: the whole document as read, sent back as `doclist` (Frappe's Python client) or
    // `doc`; the number comes from the series.
    let whole = rpc
        .ok(
            "frappe.client.get",
            &[("doctype", "Sales Invoice".into()), ("name", draft.clone())],
        )
        .await;
    let submitted = rpc
        .ok("frappe.client.submit", &[("doclist", doc(whole))])
        .await;
    assert_eq!(submitted["docstatus"], 1);
    let number = submitted["name"].as_str().unwrap().to_owned();
    assert_eq!(number, numbers.next("SINV", &submitted));
    assert_eq!(submitted["remarks"], "by rpc");
    // Changing a submitted document is refused as ERPNext refuses it.
    let r = rpc
        .post(
            "frappe.client.set_value",
            &[
                ("doctype", "Sales Invoice".into()),
                ("name", number.clone()),
                ("fieldname", "remarks".into()),
                ("value", "late".into()),
            ],
        )
        .await;
    assert_eq!(r.status, 417, "{}", r.text);
    assert_eq!(frappe_error(&r).0, "UpdateAfterSubmitError");
    // A new document sent to submit is created submitted.
    let direct = rpc
        .method(
            Method::POST,
            "frappe.client.submit",
            json!({"doc": {"doctype": "Sales Invoice", "customer": "Rpc Retail",
                           "items": [{"item_code": "RPC", "qty": 1}]}}),
        )
        .await;
    assert_eq!(direct.status, 200, "{}", direct.text);
    let direct = direct.json()["message"].clone();
    assert_eq!(direct["name"], numbers.next("SINV", &direct));

    // delete: drafts go; submitted and cancelled documents and master data stay.
    let r = rpc
        .post(
            "frappe.client.delete",
            &[
                ("doctype", "Sales Invoice".into()),
                ("name", number.clone()),
            ],
        )
        .await;
    assert_eq!(r.status, 417, "{}", r.text);
    assert_eq!(frappe_error(&r).0, "ValidationError");
    let cancelled = rpc
        .ok(
            "frappe.client.cancel",
            &[
                ("doctype", "Sales Invoice".into()),
                ("name", number.clone()),
            ],
        )
        .await;
    assert_eq!(cancelled["docstatus"], 2);
    let r = rpc
        .method(
            Method::DELETE,
            "frappe.client.delete",
            json!({"doctype": "Sales Invoice", "name": number}),
        )
        .await;
    assert_eq!(r.status, 417, "{}", r.text);
    assert!(frappe_error(&r).1.contains("cancelled"), "{}", r.text);
    let r = rpc
        .post(
            "frappe.client.delete",
            &[
                ("doctype", "Customer".into()),
                ("name", "Rpc Retail".into()),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(frappe_error(&r).0, "PermissionError");
    let spare = rpc
        .ok(
            "frappe.client.insert",
            &[(
                "doc",
                doc(json!({"doctype": "Journal Entry", "accounts": [
                    {"account": "Drawings", "debit": 3}, {"account": "Petty Cash", "credit": 3}]})),
            )],
        )
        .await;
    let spare = spare["name"].as_str().unwrap().to_owned();
    let r = rpc
        .post(
            "frappe.client.delete",
            &[("doctype", "Journal Entry".into()), ("name", spare.clone())],
        )
        .await;
    assert_eq!((r.status, r.text.as_str()), (200, "{}"));
    let r = rpc
        .get(
            "frappe.client.get",
            &[("doctype", "Journal Entry".into()), ("name", spare.clone())],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    // The REST form: DELETE /api/resource answers 202 {"message": "ok"}.
    let gone = rpc
        .ok(
            "frappe.client.insert",
            &[(
                "doc",
                doc(json!({"doctype": "Sales Invoice", "customer": "Rpc Retail",
                            "items": [{"item_code": "RPC", "qty": 1}]})),
            )],
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = rpc
        .raw(
            Method::DELETE,
            &format!("/api/resource/Sales%20Invoice/{gone}"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!((r.status, r.text.as_str()), (202, r#"{"message":"ok"}"#));
    let r = rpc
        .raw(
            Method::DELETE,
            &format!("/api/resource/Sales%20Invoice/{gone}"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);

    // insert_many: the names; a refusal part way says what was inserted before it.
    let names = rpc
        .ok(
            "frappe.client.insert_many",
            &[(
                "docs",
                doc(json!([{"doctype": "Customer", "customer_name": "Many One"},
                           {"doctype": "Supplier", "supplier_name": "Many Two"}])),
            )],
        )
        .await;
    assert_eq!(names, json!(["Many One", "Many Two"]));
    let r = rpc
        .post(
            "frappe.client.insert_many",
            &[(
                "docs",
                doc(
                    json!([{"doctype": "Customer", "customer_name": "Many Three"},
                           {"doctype": "Customer", "customer_name": 3}]),
                ),
            )],
        )
        .await;
    assert_eq!(r.status, 417, "{}", r.text);
    let (exc, m) = frappe_error(&r);
    assert_eq!(exc, "ValidationError");
    assert!(
        m.contains("Many Three") && m.contains("customer_name"),
        "{m}"
    );

    // What the RPC does not know, and what it needs.
    let r = rpc.post("frappe.client.rename_doc", &[]).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(frappe_error(&r).0, "DoesNotExistError");
    let r = rpc
        .raw(
            Method::POST,
            "/",
            Some("application/x-www-form-urlencoded"),
            b"doctype=Customer".to_vec(),
        )
        .await;
    assert_eq!(r.status, 417, "{}", r.text);
    let r = rpc.post("frappe.client.insert", &[]).await;
    assert_eq!(r.status, 417, "{}", r.text);

    // `/` without cmd is still the space's home page; the RPC is the client host's only.
    let home = send(&app, &acme.host, None, Method::GET, "/", None).await;
    assert_eq!(home.status, 200);
    assert!(home.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let portal = Rpc {
        app: &app,
        host: "portal.localhost".into(),
        auth: Some(acme.admin_key()),
    };
    let r = portal
        .post("frappe.client.get_list", &[("doctype", "Customer".into())])
        .await;
    assert!(!r.text.contains("Rpc Retail"), "{} {}", r.status, r.text);
    assert_ne!(r.status, 200);

    // The ledger balances: one invoice submitted and cancelled, one submitted.
    let tb = api.ok("GET", "/api/v1/reports/trial-balance", None).await;
    assert_eq!(tb["total_debit"], tb["total_credit"], "{tb}");
    assert_eq!(tb["closing_sum"], "0.00", "{tb}");
});

both_backends!(frappe_rpc_with_a_session, |app: TestApp| async move {
    let acme = client(&app, "ACME Corp", "acme-corp").await;
    let api = native_of(&app, &acme);
    masters(&api).await;
    // Signing in on `/` with cmd=login, as Frappe's Python client does.
    let res = app
        .http
        .post(app.url("/"))
        .header("host", &acme.host)
        .form(&[
            ("cmd", "login"),
            ("usr", acme.admin.as_str()),
            ("pwd", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "Logged In");
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let call = |method: Method, query: String, csrf: Option<String>| {
        let app = &app;
        let host = acme.host.clone();
        let cookie = cookie.clone();
        async move {
            let mut req = app
                .http
                .request(method, app.url(&format!("/?{query}")))
                .header("host", host)
                .header("cookie", cookie);
            if let Some(t) = csrf {
                req = req.header("x-frappe-csrf-token", t);
            }
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, text) = call(
        Method::GET,
        "cmd=frappe.client.get_count&doctype=Customer".into(),
        None,
    )
    .await;
    assert_eq!((status, text.as_str()), (200, r#"{"message":1}"#));
    // A write with the cookie alone (what another site could make a browser send) is refused.
    let set =
        "cmd=frappe.client.set_value&doctype=Customer&name=Acme%20Retail&fieldname=city&value=Hull";
    let (status, text) = call(Method::POST, set.into(), None).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("PermissionError"), "{text}");
    let (status, text) = call(Method::POST, set.into(), Some("wrong".into())).await;
    assert_eq!(status, 403, "{text}");
    let (_, v) = api.get("/api/v1/customers/Acme%20Retail").await;
    assert_ne!(v["city"], "Hull");
    let (status, text) = call(Method::POST, set.into(), Some(csrf.clone())).await;
    assert_eq!(status, 200, "{text}");
    // Signing out with GET /?cmd=logout ends the session.
    let (status, _) = call(Method::GET, "cmd=logout".into(), None).await;
    assert_eq!(status, 200);
    let (status, text) = call(
        Method::GET,
        "cmd=frappe.client.get_count&doctype=Customer".into(),
        None,
    )
    .await;
    assert_eq!(status, 401, "{text}");
});

/// A valid document of each DocType, and the text fields it (or its rows) carries, as
/// (path into the document, where a row's field is `items.0.item_code`).
fn text_fields() -> Vec<(&'static str, Value, Vec<&'static str>)> {
    let party = vec![
        "email_id",
        "mobile_no",
        "tax_id",
        "address_line1",
        "address_line2",
        "city",
        "pincode",
        "country",
    ];
    let mut customer = party.clone();
    customer.extend(["customer_name", "name"]);
    let mut supplier = party;
    supplier.extend(["supplier_name", "name"]);
    vec![
        ("Customer", json!({"customer_name": "Typed Ltd"}), customer),
        ("Supplier", json!({"supplier_name": "Typed Ltd"}), supplier),
        (
            "Item",
            json!({"item_code": "TYPED", "item_name": "Typed", "barcodes": [{"barcode": "123"}]}),
            vec![
                "item_code",
                "name",
                "item_name",
                "item_group",
                "stock_uom",
                "vat_category",
                "barcodes.0.barcode",
            ],
        ),
        (
            "Warehouse",
            json!({"warehouse_name": "Typed"}),
            vec!["warehouse_name", "name"],
        ),
        (
            "Account",
            json!({"account_name": "Typed", "account_number": "7990", "parent_account": "Overheads"}),
            vec![
                "account_name",
                "account_number",
                "parent_account",
                "root_type",
                "account_type",
            ],
        ),
        (
            "Sales Invoice",
            json!({"customer": "Acme Retail", "items": [{"item_code": "WID", "qty": 1}]}),
            vec![
                "customer",
                "posting_date",
                "due_date",
                "return_against",
                "remarks",
                "set_warehouse",
                "items.0.item_code",
                "items.0.description",
                "items.0.warehouse",
                "items.0.vat_category",
            ],
        ),
        (
            "Purchase Invoice",
            json!({"supplier": "Widget Works", "items": [{"item_code": "WID", "qty": 1}]}),
            vec!["supplier", "posting_date", "remarks", "items.0.item_code"],
        ),
        (
            "Payment Entry",
            json!({"payment_type": "Receive", "party_type": "Customer", "party": "Acme Retail",
                   "paid_amount": 1}),
            vec![
                "payment_type",
                "party_type",
                "party",
                "posting_date",
                "paid_to",
                "reference_no",
                "remarks",
            ],
        ),
        (
            "Journal Entry",
            json!({"accounts": [{"account": "Drawings", "debit": 1},
                                {"account": "Petty Cash", "credit": 1}]}),
            vec![
                "posting_date",
                "user_remark",
                "accounts.0.account",
                "accounts.0.party_type",
                "accounts.0.party",
            ],
        ),
        (
            "Stock Entry",
            json!({"stock_entry_type": "Material Receipt",
                   "items": [{"item_code": "WID", "qty": 1, "t_warehouse": "Stores"}]}),
            vec![
                "stock_entry_type",
                "purpose",
                "posting_date",
                "remarks",
                "from_warehouse",
                "to_warehouse",
                "items.0.item_code",
                "items.0.s_warehouse",
                "items.0.t_warehouse",
            ],
        ),
    ]
}

fn set_path(doc: &mut Value, path: &str, v: Value) {
    let mut at = doc;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        at = match p.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[*p],
        };
    }
    at[parts[parts.len() - 1]] = v;
}

both_backends!(
    frappe_refuses_what_the_native_api_refuses,
    |app: TestApp| async move {
        let acme = client(&app, "ACME Corp", "acme-corp").await;
        let api = native_of(&app, &acme);
        masters(&api).await;
        let before = footprint(&api).await;
        let rpc = rpc_of(&app, &acme);
        let post = |path: &str, ct: &str, body: Vec<u8>| {
            let app = &app;
            let host = acme.host.clone();
            let key = acme.admin_key();
            let path = path.to_owned();
            let ct = ct.to_owned();
            async move {
                let res = app
                    .http
                    .post(app.url(&path))
                    .header("host", host)
                    .header("authorization", key)
                    .header("content-type", ct)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let headers = res.headers().clone();
                Res {
                    status,
                    text: res.text().await.unwrap(),
                    headers,
                }
            }
        };
        let form = "application/x-www-form-urlencoded";
        // Text that is not UTF-8: escaped in a form's `data`, raw in a form, raw in JSON.
        for (ct, body) in [
            (form, b"data=%7B%22customer_name%22%3A%22%FF%22%7D".to_vec()),
            (form, b"data={\"customer_name\":\"\xff\"}".to_vec()),
            (form, b"customer_name=Bad%C3".to_vec()),
            (
                "application/json",
                b"{\"customer_name\":\"\xff\xfe\"}".to_vec(),
            ),
        ] {
            let r = post("/api/resource/Customer", ct, body.clone()).await;
            assert_eq!(r.status, 417, "{}", r.text);
            let (exc, m) = frappe_error(&r);
            assert_eq!(exc, "ValidationError");
            assert!(m.contains("UTF-8"), "{m}");
            let mut rpc_body = b"cmd=frappe.client.insert&doc=".to_vec();
            rpc_body
                .extend(b"%7B%22doctype%22%3A%22Customer%22%2C%22customer_name%22%3A%22%FF%22%7D");
            let r = post("/", form, rpc_body).await;
            assert_eq!(r.status, 417, "{}", r.text);
        }
        // In a query string too.
        let r = rpc
            .raw(
                Method::GET,
                "/api/resource/Customer?filters=%5B%5B%22name%22%2C%22%3D%22%2C%22%FF%22%5D%5D",
                None,
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, 417, "{}", r.text);
        let r = rpc
            .raw(
                Method::GET,
                "/?cmd=frappe.client.get_list&doctype=Customer&filters=%FF",
                None,
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, 417, "{}", r.text);

        // A number, a boolean or an object where text is expected, in every text field of every
        // DocType, through POST /api/resource and frappe.client.insert.
        for (doctype, base, fields) in text_fields() {
            let path = format!("/api/resource/{}", doctype.replace(' ', "%20"));
            for field in fields {
                for bad in [json!(5), json!(true), json!({"a": "b"})] {
                    let mut body = base.clone();
                    set_path(&mut body, field, bad.clone());
                    let r = post(&path, "application/json", body.to_string().into_bytes()).await;
                    assert_eq!(r.status, 417, "{doctype}.{field} = {bad}: {}", r.text);
                    let (exc, m) = frappe_error(&r);
                    assert_eq!(exc, "ValidationError");
                    let last = field.rsplit('.').next().unwrap();
                    assert!(m.contains(last), "{doctype}.{field} = {bad}: {m}");
                }
                let mut body = base.clone();
                set_path(&mut body, field, json!(5));
                body["doctype"] = json!(doctype);
                let r = rpc
                    .post("frappe.client.insert", &[("doc", body.to_string())])
                    .await;
                assert_eq!(r.status, 417, "insert {doctype}.{field}: {}", r.text);
            }
        }
        // The same through PUT on a stored document and set_value.
        let r = send(
            &app,
            &acme.host,
            Some(&acme.admin_key()),
            Method::PUT,
            "/api/resource/Customer/Acme%20Retail",
            Some(&json!({"city": 5})),
        )
        .await;
        assert_eq!(r.status, 417, "{}", r.text);
        let r = rpc
        .method(
            Method::POST,
            "frappe.client.set_value",
            json!({"doctype": "Customer", "name": "Acme Retail", "fieldname": "city", "value": 5}),
        )
        .await;
        assert_eq!(r.status, 417, "{}", r.text);
        assert_eq!(
            footprint(&api).await,
            before,
            "a refused request wrote something"
        );
        // The documents themselves are good: the same bodies with text are accepted.
        let r = post(
            "/api/resource/Customer",
            "application/json",
            json!({"customer_name": "5"}).to_string().into_bytes(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
);

/// A method's arguments, as a form carries them.
type Args = Vec<(&'static str, String)>;

/// (method, arguments, the permission it needs; None: nobody may). Writes name documents that
/// do not exist or carry bodies that cannot succeed, so that a caller let through changes
/// nothing either.
fn rpc_calls(draft: &str) -> Vec<(&'static str, Args, Option<Permission>)> {
    use Permission::*;
    let s = |v: &str| v.to_owned();
    vec![
        (
            "frappe.client.get_list",
            vec![("doctype", s("Customer"))],
            Some(ErpRead),
        ),
        (
            "frappe.client.get_list",
            vec![("doctype", s("GL Entry"))],
            Some(ErpReports),
        ),
        (
            "frappe.client.get_count",
            vec![("doctype", s("Sales Invoice"))],
            Some(ErpRead),
        ),
        (
            "frappe.client.get",
            vec![("doctype", s("Sales Invoice")), ("name", s(draft))],
            Some(ErpRead),
        ),
        (
            "frappe.client.get_value",
            vec![
                ("doctype", s("Customer")),
                ("fieldname", s("city")),
                ("filters", s("Acme Retail")),
            ],
            Some(ErpRead),
        ),
        (
            "frappe.client.set_value",
            vec![
                ("doctype", s("Customer")),
                ("name", s("Acme Retail")),
                ("fieldname", s("colour")),
                ("value", s("red")),
            ],
            Some(ErpCreateSales),
        ),
        (
            "frappe.client.set_value",
            vec![
                ("doctype", s("Account")),
                ("name", s("Drawings")),
                ("fieldname", s("colour")),
                ("value", s("red")),
            ],
            Some(ErpConfigure),
        ),
        (
            "frappe.client.insert",
            vec![("doc", s(r#"{"doctype": "Customer", "colour": "red"}"#))],
            Some(ErpCreateSales),
        ),
        (
            "frappe.client.insert",
            vec![("doc", s(r#"{"doctype": "Supplier", "colour": "red"}"#))],
            Some(ErpCreateAny),
        ),
        (
            "frappe.client.insert",
            vec![(
                "doc",
                s(r#"{"doctype": "GL Entry", "account": "Drawings"}"#),
            )],
            None,
        ),
        (
            "frappe.client.insert_many",
            vec![("docs", s(r#"[{"doctype": "Item", "colour": "red"}]"#))],
            Some(ErpCreateAny),
        ),
        (
            "frappe.client.save",
            vec![(
                "doc",
                s(r#"{"doctype": "Customer", "name": "Acme Retail", "colour": "red"}"#),
            )],
            Some(ErpCreateSales),
        ),
        (
            "frappe.client.submit",
            vec![(
                "doc",
                s(r#"{"doctype": "Sales Invoice", "name": "SINV-2000-00099"}"#),
            )],
            Some(ErpSubmit),
        ),
        (
            "frappe.client.cancel",
            vec![
                ("doctype", s("Sales Invoice")),
                ("name", s("SINV-2000-00099")),
            ],
            Some(ErpCancel),
        ),
        (
            "frappe.client.delete",
            vec![
                ("doctype", s("Sales Invoice")),
                ("name", s("SINV-DRAFT-99999")),
            ],
            Some(ErpCreateSales),
        ),
        (
            "frappe.client.delete",
            vec![
                ("doctype", s("Journal Entry")),
                ("name", s("JV-DRAFT-99999")),
            ],
            Some(ErpCreateAny),
        ),
    ]
}

/// A call through POST `/` (`via_root`) or POST `/api/method/<cmd>`, the arguments as a form.
async fn call_as(who: &Rpc<'_>, via_root: bool, cmd: &str, args: &[(&str, String)]) -> Res {
    if via_root {
        who.post(cmd, args).await
    } else {
        who.raw(
            Method::POST,
            &format!("/api/method/{cmd}"),
            Some("application/x-www-form-urlencoded"),
            form(args).into_bytes(),
        )
        .await
    }
}

both_backends!(frappe_rpc_authorisation_matrix, |app: TestApp| async move {
    let acme = client(&app, "ACME Corp", "acme-corp").await;
    let beta = client(&app, "Beta Ltd", "beta").await;
    let api = native_of(&app, &acme);
    masters(&api).await;
    let docs = documents(&api).await;
    let draft = docs.of("sales-invoices").draft.clone();
    let before = footprint(&api).await;
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
    let as_ = |auth: Option<String>| Rpc {
        app: &app,
        host: acme.host.clone(),
        auth,
    };
    for (cmd, args, permission) in rpc_calls(&draft) {
        // Through POST / and POST /api/method/<cmd> (a form on both).
        for via_root in [true, false] {
            let r = call_as(&as_(None), via_root, cmd, &args).await;
            assert_eq!(r.status, 401, "{cmd} without a credential: {}", r.text);
            assert_eq!(frappe_error(&r).0, "AuthenticationError");
            assert!(!r.text.contains("Acme Retail"), "{}", r.text);
            for s in &strangers {
                let r = call_as(&as_(Some(s.clone())), via_root, cmd, &args).await;
                assert_eq!(r.status, 403, "{cmd} as another client's admin: {}", r.text);
                assert_eq!(frappe_error(&r).0, "PermissionError");
                assert!(
                    !r.text.contains("Acme Retail") && !r.text.contains("WID"),
                    "{}",
                    r.text
                );
            }
            for role in ROLES {
                let allowed = permission.is_some_and(|p| role.can(p));
                let r = call_as(&as_(Some(acme.key(role))), via_root, cmd, &args).await;
                if allowed {
                    assert!(
                        r.status != 401 && r.status != 403,
                        "{cmd} as {}: {} {}",
                        role.as_str(),
                        r.status,
                        r.text
                    );
                    if !cmd.contains("get") {
                        assert!(r.status >= 400, "{cmd} as {}: {}", role.as_str(), r.text);
                    } else {
                        assert_eq!(r.status, 200, "{cmd} as {}: {}", role.as_str(), r.text);
                    }
                } else {
                    assert_eq!(r.status, 403, "{cmd} as {}: {}", role.as_str(), r.text);
                    assert_eq!(frappe_error(&r).0, "PermissionError");
                    assert!(!r.text.contains("Acme Retail"), "{}", r.text);
                }
            }
        }
    }
    // Writes that would succeed, refused for too small a role.
    let sinv = docs.of("sales-invoices").submitted.clone();
    let valid: Vec<(&str, Args, TenantRole)> = vec![
        (
            "frappe.client.insert",
            vec![("doc", r#"{"doctype": "Customer", "customer_name": "Sneaky"}"#.into())],
            TenantRole::Viewer,
        ),
        (
            "frappe.client.set_value",
            vec![
                ("doctype", "Customer".into()),
                ("name", "Acme Retail".into()),
                ("fieldname", "city".into()),
                ("value", "York".into()),
            ],
            TenantRole::Viewer,
        ),
        (
            "frappe.client.submit",
            vec![("doc", format!(r#"{{"doctype": "Sales Invoice", "name": "{draft}"}}"#))],
            TenantRole::Employee,
        ),
        (
            "frappe.client.cancel",
            vec![("doctype", "Sales Invoice".into()), ("name", sinv.clone())],
            TenantRole::Employee,
        ),
        (
            "frappe.client.delete",
            vec![("doctype", "Sales Invoice".into()), ("name", draft.clone())],
            TenantRole::Viewer,
        ),
        (
            "frappe.client.insert_many",
            vec![(
                "docs",
                r#"[{"doctype": "Customer", "customer_name": "Ok"}, {"doctype": "Item", "item_code": "NO"}]"#.into(),
            )],
            TenantRole::Employee,
        ),
    ];
    for (cmd, args, role) in &valid {
        let r = as_(Some(acme.key(*role))).post(cmd, args).await;
        assert_eq!(r.status, 403, "{cmd} as {}: {}", role.as_str(), r.text);
        assert_eq!(frappe_error(&r).0, "PermissionError");
    }
    assert_eq!(
        footprint(&api).await,
        before,
        "a refused request wrote something"
    );
});
