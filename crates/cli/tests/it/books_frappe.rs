//! The ERPNext-compatible surface end to end: `/api/resource/<DocType>` with Frappe's parameters
//! and shapes, documents from draft to submitted to cancelled through `docstatus`, exact numbers,
//! Frappe's error statuses and bodies, `/api/method/login`, and the permission matrix for every
//! DocType and method.

use reqwest::Method;
use serde_json::{json, Value};
use tenantry_domain::{Permission, TenantRole};

use crate::books_api::{
    client, documents, footprint, masters, send, today, Api, Client, Numbers, Res, PASSWORD, ROLES,
};
use crate::both_backends;
use crate::support::{Backend, TestApp};

/// The raw text of the first `"field":` value in a JSON body: how a number was written.
fn raw(text: &str, field: &str) -> String {
    let marker = format!("\"{field}\":");
    let start = text
        .find(&marker)
        .unwrap_or_else(|| panic!("no {field} in {text}"))
        + marker.len();
    text[start..]
        .chars()
        .take_while(|c| !matches!(c, ',' | '}' | ']'))
        .collect()
}

/// A JSON number (as serde_json read it) in pence, exactly: its shortest text is the decimal
/// that was written.
fn pence(v: &Value) -> i64 {
    let t = v.to_string();
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    let negative = whole.starts_with('-');
    let whole: i64 = whole.trim_start_matches('-').parse().unwrap();
    let frac = format!("{frac:0<2}");
    assert!(frac.len() == 2, "{t} has more than two decimals");
    let p = whole * 100 + frac.parse::<i64>().unwrap();
    if negative {
        -p
    } else {
        p
    }
}

/// Frappe's error body: `exc_type`, and the message inside `_server_messages` (a JSON string
/// holding a list of JSON strings, each an object with `message`).
fn frappe_error(r: &Res) -> (String, String) {
    let v = r.json();
    let exc = v["exc_type"]
        .as_str()
        .unwrap_or_else(|| panic!("no exc_type: {}", r.text))
        .to_owned();
    assert!(
        v["exception"]
            .as_str()
            .unwrap()
            .starts_with(&format!("frappe.exceptions.{exc}")),
        "{}",
        r.text
    );
    let list: Vec<String> = serde_json::from_str(v["_server_messages"].as_str().unwrap()).unwrap();
    let first: Value = serde_json::from_str(&list[0]).unwrap();
    (exc, first["message"].as_str().unwrap().to_owned())
}

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

/// The Frappe surface as one caller.
struct Frappe<'a> {
    app: &'a TestApp,
    host: String,
    auth: String,
}

impl Frappe<'_> {
    async fn req(&self, method: Method, path: &str, body: Option<&Value>) -> Res {
        send(self.app, &self.host, Some(&self.auth), method, path, body).await
    }

    async fn get(&self, path: &str) -> Res {
        self.req(Method::GET, path, None).await
    }

    /// `{"data": …}` of a 200.
    async fn data(&self, method: Method, path: &str, body: Option<Value>) -> (Value, String) {
        let r = self.req(method.clone(), path, body.as_ref()).await;
        assert_eq!(r.status, 200, "{method} {path}: {}", r.text);
        (r.json()["data"].clone(), r.text)
    }

    async fn list(&self, doctype: &str, query: &str) -> Vec<Value> {
        let (v, _) = self
            .data(
                Method::GET,
                &format!("/api/resource/{}?{query}", enc(doctype)),
                None,
            )
            .await;
        v.as_array().unwrap().clone()
    }

    async fn gl_lines(&self) -> usize {
        self.list("GL Entry", "limit_page_length=0").await.len()
    }
}

fn frappe_of<'a>(app: &'a TestApp, c: &Client) -> Frappe<'a> {
    Frappe {
        app,
        host: c.host.clone(),
        auth: c.admin_key(),
    }
}

fn native_of<'a>(app: &'a TestApp, c: &Client) -> Api<'a> {
    Api {
        app,
        host: c.host.clone(),
        auth: c.admin_key(),
    }
}

both_backends!(
    frappe_resources_from_draft_to_cancelled,
    |app: TestApp| async move {
        let acme = client(&app, "ACME Corp", "acme-corp").await;
        let f = frappe_of(&app, &acme);
        let mut numbers = Numbers::new();
        // The first day any line below can be posted on.
        let since = today();

        // Masters, as ERPNext clients write them: JSON, `{"data": …}`, and Frappe's own client's
        // form with a `data` field.
        let (c, _) = f
        .data(
            Method::POST,
            "/api/resource/Customer",
            Some(json!({"doctype": "Customer", "customer_name": "Acme Retail", "customer_type": "Company",
                        "customer_group": "Commercial", "territory": "United Kingdom",
                        "email_id": "buyer@acme.test", "payment_terms_days": 14})),
        )
        .await;
        assert_eq!(c["name"], "Acme Retail");
        assert_eq!(c["doctype"], "Customer");
        assert_eq!(c["disabled"], 0);
        let form = app
            .http
            .post(app.url("/api/resource/Customer"))
            .header("host", &acme.host)
            .header("authorization", acme.admin_key())
            .form(&[(
                "data",
                r#"{"customer_name": "Beta Foods", "tax_id": "GB1"}"#,
            )])
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 200);
        let (s, _) = f
        .data(
            Method::POST,
            "/api/resource/Supplier",
            Some(json!({"data": {"supplier_name": "Widget Works", "supplier_group": "Hardware"}})),
        )
        .await;
        assert_eq!(s["supplier_name"], "Widget Works");
        let (item, text) = f
        .data(
            Method::POST,
            "/api/resource/Item",
            Some(json!({"item_code": "WID", "item_name": "Widget", "item_group": "Products",
                        "stock_uom": "Nos", "is_stock_item": 1, "standard_rate": 12.5,
                        "buying_price": "4.20", "barcodes": [{"barcode": "5012345678900", "barcode_type": "EAN"}]})),
        )
        .await;
        assert_eq!(raw(&text, "standard_rate"), "12.50");
        assert_eq!(raw(&text, "buying_price"), "4.20");
        assert_eq!(item["barcodes"][0]["barcode"], "5012345678900");
        assert_eq!(item["barcodes"][0]["parenttype"], "Item");
        f.data(
            Method::POST,
            "/api/resource/Item",
            Some(
                json!({"item_code": "SVC", "item_name": "Setup", "item_group": "Services",
                    "is_stock_item": 0, "standard_rate": 10, "vat_category": "reduced"}),
            ),
        )
        .await;

        // Lists: `["name"]` by default, `fields`, every filter form, order and paging.
        let names = f.list("Customer", "").await;
        assert_eq!(
            names,
            [
                json!({"name": "Acme Retail"}),
                json!({"name": "Beta Foods"})
            ]
        );
        let one = f
            .list(
                "Customer",
                &format!(
                    "fields={}&filters={}",
                    enc(r#"["name","email_id","payment_terms_days"]"#),
                    enc(r#"{"customer_name": "Acme Retail"}"#)
                ),
            )
            .await;
        assert_eq!(
            one,
            [
                json!({"name": "Acme Retail", "email_id": "buyer@acme.test", "payment_terms_days": 14})
            ]
        );
        let paged = f
            .list(
                "Customer",
                &format!(
                    "order_by={}&limit_start=1&limit_page_length=1",
                    enc("name desc")
                ),
            )
            .await;
        assert_eq!(paged, [json!({"name": "Acme Retail"})]);
        let liked = f
            .list(
                "Customer",
                &format!(
                    "filters={}",
                    enc(r#"[["Customer","customer_name","like","%Foods%"]]"#)
                ),
            )
            .await;
        assert_eq!(liked, [json!({"name": "Beta Foods"})]);
        let within = f
            .list(
                "Customer",
                &format!(
                    "filters={}",
                    enc(r#"[["name","in",["Beta Foods","Nobody"]]]"#)
                ),
            )
            .await;
        assert_eq!(within.len(), 1);
        let csv_in = f
            .list(
                "Customer",
                &format!(
                    "filters={}",
                    enc(r#"[["name","in","Acme Retail,Beta Foods"]]"#)
                ),
            )
            .await;
        assert_eq!(csv_in.len(), 2);
        let items = f
            .list(
                "Item",
                &format!(
                    "fields={}&filters={}",
                    enc(r#"["item_code","standard_rate"]"#),
                    enc(r#"[["standard_rate",">",10.5]]"#)
                ),
            )
            .await;
        assert_eq!(items, [json!({"item_code": "WID", "standard_rate": 12.5})]);
        let stocked = f
            .list(
                "Item",
                &format!("filters={}", enc(r#"{"is_stock_item": 0}"#)),
            )
            .await;
        assert_eq!(stocked, [json!({"name": "SVC"})]);

        // A partial update changes only what is sent.
        let (c, _) = f
            .data(
                Method::PUT,
                "/api/resource/Customer/Acme%20Retail",
                Some(json!({"mobile_no": "0113 496 0000"})),
            )
            .await;
        assert_eq!(c["mobile_no"], "0113 496 0000");
        assert_eq!(c["email_id"], "buyer@acme.test");
        assert_eq!(c["payment_terms_days"], 14);
        let (item, _) = f
            .data(
                Method::PUT,
                "/api/resource/Item/WID",
                Some(json!({"barcodes": [{"barcode": "5012345678900"}, {"barcode": "WID-2"}]})),
            )
            .await;
        assert_eq!(item["barcodes"].as_array().unwrap().len(), 2);
        assert_eq!(item["standard_rate"], 12.5);

        // Warehouses and accounts.
        let (w, _) = f
            .data(
                Method::POST,
                "/api/resource/Warehouse",
                Some(json!({"warehouse_name": "Van"})),
            )
            .await;
        assert_eq!(w["name"], "Van");
        let (w, _) = f
            .data(
                Method::PUT,
                "/api/resource/Warehouse/Van",
                Some(json!({"disabled": 1})),
            )
            .await;
        assert_eq!(w["disabled"], 1);
        let (a, _) = f
        .data(
            Method::POST,
            "/api/resource/Account",
            Some(json!({"account_name": "Software", "account_number": "7300", "parent_account": "Overheads",
                        "account_type": "", "is_group": 0, "company": "ACME Corp"})),
        )
        .await;
        assert_eq!(
            (&a["root_type"], &a["report_type"], &a["parent_account"]),
            (
                &json!("Expense"),
                &json!("Profit and Loss"),
                &json!("Overheads")
            )
        );
        let (a, _) = f
            .data(
                Method::POST,
                "/api/resource/Account",
                Some(
                    json!({"account_name": "VAT Suspense", "account_number": "2202",
                        "parent_account": "Current Liabilities", "account_type": "Tax"}),
                ),
            )
            .await;
        assert_eq!(
            (&a["account_type"], &a["root_type"]),
            (&json!("Tax"), &json!("Liability"))
        );
        let (a, _) = f
            .data(
                Method::PUT,
                "/api/resource/Account/7300",
                Some(json!({"account_name": "Software Subscriptions"})),
            )
            .await;
        assert_eq!(a["name"], "Software Subscriptions");
        let taxes = f
            .list(
                "Account",
                &format!("filters={}", enc(r#"[["account_type","=","tax_output"]]"#)),
            )
            .await;
        assert_eq!(taxes.len(), 2);
        let roots = f
            .list(
                "Account",
                &format!(
                    "filters={}",
                    enc(r#"{"root_type": "Equity", "is_group": 1}"#)
                ),
            )
            .await;
        assert_eq!(roots, [json!({"name": "Equity"})]);

        // A purchase created and submitted in one call: numbers written exactly.
        let (pinv, text) = f
            .data(
                Method::POST,
                "/api/resource/Purchase%20Invoice",
                Some(
                    json!({"supplier": "Widget Works", "docstatus": 1, "currency": "GBP",
                        "items": [{"item_code": "WID", "qty": 10, "rate": 4.2, "uom": "Nos"}]}),
                ),
            )
            .await;
        assert_eq!(pinv["name"], numbers.next("PINV", &pinv));
        assert_eq!(pinv["docstatus"], 1);
        assert_eq!(pinv["status"], "Unpaid");
        assert_eq!(raw(&text, "grand_total"), "50.40");
        assert_eq!(raw(&text, "total_taxes_and_charges"), "8.40");
        assert_eq!(raw(&text, "qty"), "10.000");

        // A sale: drafted, partly updated, submitted through docstatus.
        let (sinv, text) = f
            .data(
                Method::POST,
                "/api/resource/Sales%20Invoice",
                Some(json!({"customer": "Acme Retail", "items": [
                    {"item_code": "WID", "qty": 3, "rate": 12.5},
                    {"item_code": "SVC", "qty": 1}
                ]})),
            )
            .await;
        let draft = sinv["name"].as_str().unwrap().to_owned();
        assert!(draft.starts_with("SINV-DRAFT-"), "{draft}");
        assert_eq!(
            (&sinv["docstatus"], &sinv["status"]),
            (&json!(0), &json!("Draft"))
        );
        assert_eq!(raw(&text, "grand_total"), "55.50");
        assert_eq!(raw(&text, "net_total"), "47.50");
        assert_eq!(sinv["items"][0]["doctype"], "Sales Invoice Item");
        assert_eq!(sinv["items"][0]["warehouse"], "Stores");
        assert_eq!(pence(&sinv["items"][0]["amount"]), 3750);
        assert_eq!(sinv["taxes"].as_array().unwrap().len(), 2);
        assert_eq!(sinv["taxes"][0]["account_head"], "VAT on Sales");
        assert_eq!(pence(&sinv["taxes"][0]["tax_amount"]), 750);
        assert_eq!(pence(&sinv["taxes"][1]["tax_amount"]), 50);
        let due = (today() + time::Duration::days(40)).to_string();
        let (sinv, _) = f
            .data(
                Method::PUT,
                &format!("/api/resource/Sales%20Invoice/{draft}"),
                Some(json!({"due_date": due})),
            )
            .await;
        assert_eq!(sinv["due_date"], due);
        assert_eq!(pence(&sinv["grand_total"]), 5550);
        let (sinv, _) = f
        .data(
            Method::PUT,
            &format!("/api/resource/Sales%20Invoice/{draft}"),
            Some(json!({"items": [{"item_code": "WID", "qty": 2, "rate": 12.5}, {"item_code": "SVC", "qty": 1}]})),
        )
        .await;
        assert_eq!(pence(&sinv["grand_total"]), 4050);
        assert_eq!(sinv["due_date"], due);
        // An edit sent with docstatus 1 is saved and submitted together: when the submit is
        // refused (not that many widgets in stock), the edit is not kept either.
        let lines = f.gl_lines().await;
        let refused = f
            .req(
                Method::PUT,
                &format!("/api/resource/Sales%20Invoice/{draft}"),
                Some(&json!({"docstatus": 1, "items": [{"item_code": "WID", "qty": 1000000, "rate": 12.5}]})),
            )
            .await;
        assert_eq!(refused.status, 417, "{}", refused.text);
        assert!(
            refused.text.contains("not enough stock"),
            "{}",
            refused.text
        );
        let (kept, _) = f
            .data(
                Method::GET,
                &format!("/api/resource/Sales%20Invoice/{draft}"),
                None,
            )
            .await;
        assert_eq!(
            (pence(&kept["grand_total"]), &kept["docstatus"]),
            (4050, &json!(0))
        );
        assert_eq!(f.gl_lines().await, lines);
        let (sinv, text) = f
            .data(
                Method::PUT,
                &format!("/api/resource/Sales%20Invoice/{draft}"),
                Some(json!({"docstatus": 1})),
            )
            .await;
        let number = sinv["name"].as_str().unwrap().to_owned();
        assert_eq!(number, numbers.next("SINV", &sinv));
        assert_eq!(
            (&sinv["docstatus"], &sinv["status"]),
            (&json!(1), &json!("Unpaid"))
        );
        assert_eq!(raw(&text, "outstanding_amount"), "40.50");
        // Sending it back as read (docstatus 1, nothing changed) changes nothing.
        let lines = f.gl_lines().await;
        let (same, _) = f
            .data(
                Method::PUT,
                &format!("/api/resource/Sales%20Invoice/{number}"),
                Some(sinv.clone()),
            )
            .await;
        assert_eq!(same["docstatus"], 1);
        assert_eq!(f.gl_lines().await, lines);

        // A payment received, created and submitted at once.
        let (pe, text) = f
        .data(
            Method::POST,
            "/api/resource/Payment%20Entry",
            Some(json!({"payment_type": "Receive", "party_type": "Customer", "party": "Acme Retail",
                        "paid_amount": 20, "received_amount": 20, "paid_to": "Bank Current Account",
                        "paid_from": "Debtors - AC", "mode_of_payment": "Bank Transfer", "reference_no": "BACS 1",
                        "references": [{"reference_doctype": "Sales Invoice", "reference_name": number,
                                        "allocated_amount": 20, "outstanding_amount": 40.5}],
                        "docstatus": 1})),
        )
        .await;
        let pe_name = pe["name"].as_str().unwrap().to_owned();
        assert_eq!(pe_name, numbers.next("PAY", &pe));
        assert_eq!(raw(&text, "paid_amount"), "20.00");
        assert_eq!(
            (&pe["paid_from"], &pe["paid_to"]),
            (&json!("Trade Debtors"), &json!("Bank Current Account"))
        );
        assert_eq!(pe["references"][0]["reference_name"], number);
        let (sinv, _) = f
            .data(
                Method::GET,
                &format!("/api/resource/Sales%20Invoice/{number}"),
                None,
            )
            .await;
        assert_eq!(pence(&sinv["outstanding_amount"]), 2050);
        assert_eq!(sinv["status"], "Partly Paid");

        // A journal, and a stock receipt with the warehouse given once for the document.
        let (je, text) = f
        .data(
            Method::POST,
            "/api/resource/Journal%20Entry",
            Some(json!({"voucher_type": "Journal Entry", "user_remark": "rent", "docstatus": 1, "accounts": [
                {"account": "Rent and Rates", "debit_in_account_currency": 100, "cost_center": "Main"},
                {"account": "Bank Current Account", "credit_in_account_currency": 100}
            ]})),
        )
        .await;
        assert_eq!(je["name"], numbers.next("JV", &je));
        assert_eq!(raw(&text, "total_debit"), "100.00");
        assert_eq!(je["accounts"][0]["party_type"], Value::Null);
        let (je2, _) = f
        .data(
            Method::POST,
            "/api/resource/Journal%20Entry",
            Some(json!({"accounts": [
                {"account": "Trade Debtors", "party_type": "Customer", "party": "Beta Foods", "debit": 1},
                {"account": "Other Income", "credit": 1}
            ]})),
        )
        .await;
        assert_eq!(je2["accounts"][0]["party_type"], "Customer");
        assert_eq!(je2["docstatus"], 0);
        let (je2, _) = f
            .data(
                Method::PUT,
                &format!(
                    "/api/resource/Journal%20Entry/{}",
                    je2["name"].as_str().unwrap()
                ),
                Some(json!({"user_remark": "corrected"})),
            )
            .await;
        assert_eq!(je2["user_remark"], "corrected");
        assert_eq!(pence(&je2["accounts"][0]["debit"]), 100);
        let (ste, text) = f
        .data(
            Method::POST,
            "/api/resource/Stock%20Entry",
            Some(json!({"stock_entry_type": "Material Receipt", "to_warehouse": "Stores", "docstatus": 1,
                        "items": [{"item_code": "WID", "qty": 5, "basic_rate": 4}]})),
        )
        .await;
        assert_eq!(ste["items"][0]["t_warehouse"], "Stores");
        assert_eq!(raw(&text, "amount"), "20.00");

        // The ledger as GL Entry: read-only, each voucher balanced to the penny.
        let gl = f
            .list(
                "GL Entry",
                &format!(
                    "fields={}&filters={}",
                    enc(r#"["*"]"#),
                    enc(&format!(r#"[["voucher_no","=","{number}"]]"#))
                ),
            )
            .await;
        assert_eq!(gl.len(), 5);
        let debit: i64 = gl.iter().map(|e| pence(&e["debit"])).sum();
        let credit: i64 = gl.iter().map(|e| pence(&e["credit"])).sum();
        assert_eq!((debit, credit), (4050 + 840, 4050 + 840));
        let debtors = gl.iter().find(|e| e["account"] == "Trade Debtors").unwrap();
        assert_eq!(
            (&debtors["party_type"], &debtors["party"]),
            (&json!("Customer"), &json!("Acme Retail"))
        );
        assert_eq!(debtors["voucher_type"], "Sales Invoice");
        assert_eq!(debtors["is_cancelled"], 0);
        let entry_name = debtors["name"].as_str().unwrap().to_owned();
        let (entry, _) = f
            .data(
                Method::GET,
                &format!("/api/resource/GL%20Entry/{entry_name}"),
                None,
            )
            .await;
        assert_eq!(entry["doctype"], "GL Entry");
        assert_eq!(pence(&entry["debit"]), 4050);
        let by_party = f
        .list(
            "GL Entry",
            &format!(
                "fields={}&filters={}",
                enc(r#"["debit","credit"]"#),
                enc(r#"{"account": "Trade Debtors", "party": "Acme Retail", "party_type": "Customer"}"#)
            ),
        )
        .await;
        assert_eq!(by_party.len(), 2);
        let dated = f
            .list(
                "GL Entry",
                &format!(
                    "limit_page_length=0&filters={}",
                    enc(&format!(
                        r#"[["posting_date","between",["{}","{}"]]]"#,
                        since,
                        today()
                    ))
                ),
            )
            .await;
        assert_eq!(dated.len(), f.gl_lines().await);
        for (method, path) in [
            (Method::POST, "/api/resource/GL%20Entry".to_owned()),
            (
                Method::PUT,
                format!("/api/resource/GL%20Entry/{entry_name}"),
            ),
        ] {
            let r = f
                .req(method.clone(), &path, Some(&json!({"debit": 1})))
                .await;
            assert_eq!(r.status, 403, "{method} {path}");
            assert_eq!(frappe_error(&r).0, "PermissionError");
        }

        // Lists of documents with Frappe's filters: docstatus, status, dates, timestamps.
        let submitted = f
            .list(
                "Sales Invoice",
                &format!(
                    "fields={}&filters={}",
                    enc(r#"["name","grand_total","outstanding_amount","status"]"#),
                    enc(r#"[["Sales Invoice","docstatus","=",1],["outstanding_amount",">",0]]"#)
                ),
            )
            .await;
        assert_eq!(submitted.len(), 1);
        assert_eq!(submitted[0]["status"], "Partly Paid");
        let drafts = f
            .list(
                "Sales Invoice",
                &format!("filters={}", enc(r#"[["status","=","Draft"]]"#)),
            )
            .await;
        assert!(drafts.is_empty());
        let recent = f
            .list(
                "Sales Invoice",
                &format!(
                    "filters={}",
                    enc(r#"[["modified",">","2000-01-01 00:00:00"]]"#)
                ),
            )
            .await;
        assert_eq!(recent.len(), 1);
        for doctype in [
            "Customer",
            "Supplier",
            "Item",
            "Warehouse",
            "Account",
            "Sales Invoice",
            "Purchase Invoice",
            "Payment Entry",
            "Journal Entry",
            "Stock Entry",
            "GL Entry",
        ] {
            let all = f
                .list(
                    doctype,
                    &format!("fields={}&limit_page_length=0", enc(r#"["*"]"#)),
                )
                .await;
            assert!(!all.is_empty(), "{doctype}");
            assert!(all[0].get("name").is_some(), "{doctype}: {}", all[0]);
            let (one, _) = f
                .data(
                    Method::GET,
                    &format!(
                        "/api/resource/{}/{}",
                        enc(doctype),
                        enc(all[0]["name"].as_str().unwrap())
                    ),
                    None,
                )
                .await;
            assert_eq!(one["doctype"], doctype);
        }

        // Cancelling through docstatus: the payment, then the invoice; every entry of the invoice
        // is then marked cancelled, its reversal included.
        let (pe, _) = f
            .data(
                Method::PUT,
                &format!("/api/resource/Payment%20Entry/{pe_name}"),
                Some(json!({"docstatus": 2})),
            )
            .await;
        assert_eq!(
            (&pe["docstatus"], &pe["status"]),
            (&json!(2), &json!("Cancelled"))
        );
        let (sinv, _) = f
            .data(
                Method::PUT,
                &format!("/api/resource/Sales%20Invoice/{number}"),
                Some(json!({"docstatus": 2})),
            )
            .await;
        assert_eq!(
            (&sinv["docstatus"], &sinv["status"]),
            (&json!(2), &json!("Cancelled"))
        );
        let gl = f
            .list(
                "GL Entry",
                &format!(
                    "fields={}&filters={}",
                    enc(r#"["debit","credit","is_cancelled"]"#),
                    enc(&format!(r#"{{"voucher_no": "{number}"}}"#))
                ),
            )
            .await;
        assert_eq!(gl.len(), 10);
        assert!(gl.iter().all(|e| e["is_cancelled"] == 1));
        let net: i64 = gl
            .iter()
            .map(|e| pence(&e["debit"]) - pence(&e["credit"]))
            .sum();
        assert_eq!(net, 0);
        // The native trial balance still sums to zero.
        let tb = native_of(&app, &acme)
            .ok("GET", "/api/v1/reports/trial-balance", None)
            .await;
        assert_eq!(tb["closing_sum"], "0.00");
    }
);

both_backends!(
    frappe_errors_have_frappe_shapes,
    |app: TestApp| async move {
        let acme = client(&app, "ACME Corp", "acme-corp").await;
        let f = frappe_of(&app, &acme);
        let api = native_of(&app, &acme);
        masters(&api).await;
        let docs = documents(&api).await;
        let number = docs.of("sales-invoices").submitted.clone();
        let draft = docs.of("sales-invoices").draft.clone();
        let cancelled = {
            let j = docs.of("journal-entries").submitted.clone();
            api.ok("POST", &format!("/api/v1/journal-entries/{j}/cancel"), None)
                .await;
            j
        };
        let before = footprint(&api).await;

        // 404 DoesNotExistError.
        for path in [
            "/api/resource/Customer/Nobody",
            "/api/resource/Sales%20Invoice/SINV-2000-00099",
            "/api/resource/GL%20Entry/GLE-999999",
            "/api/resource/GL%20Entry/nonsense",
            "/api/resource/Sales%20Order",
            "/api/resource/Sales%20Order/SO-1",
        ] {
            let r = f.get(path).await;
            assert_eq!(r.status, 404, "{path}: {}", r.text);
            assert_eq!(frappe_error(&r).0, "DoesNotExistError", "{path}");
        }
        let (_, message) = frappe_error(&f.get("/api/resource/Customer/Nobody").await);
        assert!(message.contains("Nobody"), "{message}");

        // 409 DuplicateEntryError.
        let r = f
            .req(
                Method::POST,
                "/api/resource/Customer",
                Some(&json!({"customer_name": "Acme Retail"})),
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(frappe_error(&r).0, "DuplicateEntryError");

        // 417 ValidationError and its kin, the books unchanged.
        let si = |items: Value| json!({"customer": "Acme Retail", "docstatus": 1, "items": items});
        let cases: Vec<(&str, Method, String, Value, &str)> = vec![
            (
                "unbalanced journal",
                Method::POST,
                "/api/resource/Journal%20Entry".into(),
                json!({"docstatus": 1, "accounts": [{"account": "Rent and Rates", "debit_in_account_currency": 100},
                                                 {"account": "Bank Current Account", "credit_in_account_currency": 99.99}]}),
                "ValidationError",
            ),
            (
                "debits that disagree",
                Method::POST,
                "/api/resource/Journal%20Entry".into(),
                json!({"accounts": [{"account": "Rent and Rates", "debit_in_account_currency": 1, "debit": 2},
                                {"account": "Bank Current Account", "credit": 1}]}),
                "ValidationError",
            ),
            (
                "negative quantity",
                Method::POST,
                "/api/resource/Sales%20Invoice".into(),
                si(json!([{"item_code": "WID", "qty": -1}])),
                "ValidationError",
            ),
            (
                "unknown account",
                Method::POST,
                "/api/resource/Journal%20Entry".into(),
                json!({"accounts": [{"account": "Nowhere", "debit": 1}, {"account": "Bank Current Account", "credit": 1}]}),
                "ValidationError",
            ),
            (
                "unknown item",
                Method::POST,
                "/api/resource/Sales%20Invoice".into(),
                si(json!([{"item_code": "NOPE", "qty": 1}])),
                "ValidationError",
            ),
            (
                "date outside any fiscal year",
                Method::POST,
                "/api/resource/Sales%20Invoice".into(),
                json!({"customer": "Acme Retail", "posting_date": "2001-01-01", "items": [{"item_code": "SVC", "qty": 1}]}),
                "ValidationError",
            ),
            (
                "too many decimals",
                Method::POST,
                "/api/resource/Sales%20Invoice".into(),
                si(json!([{"item_code": "SVC", "qty": 1, "rate": 10.005}])),
                "ValidationError",
            ),
            (
                "too many decimals as text",
                Method::POST,
                "/api/resource/Sales%20Invoice".into(),
                si(json!([{"item_code": "SVC", "qty": 1, "rate": "10.005"}])),
                "ValidationError",
            ),
            (
                "a quantity with too many decimals",
                Method::POST,
                "/api/resource/Sales%20Invoice".into(),
                si(json!([{"item_code": "SVC", "qty": 1.0005}])),
                "ValidationError",
            ),
            (
                "more than is in stock",
                Method::POST,
                "/api/resource/Sales%20Invoice".into(),
                si(json!([{"item_code": "WID", "qty": 500}])),
                "ValidationError",
            ),
            (
                "an unknown field",
                Method::POST,
                "/api/resource/Customer".into(),
                json!({"customer_name": "New", "colour": "red"}),
                "ValidationError",
            ),
            (
                "an unknown line field",
                Method::POST,
                "/api/resource/Sales%20Invoice".into(),
                si(json!([{"item_code": "SVC", "qty": 1, "discount_percentage": 5}])),
                "ValidationError",
            ),
            (
                "a reference to the wrong DocType",
                Method::POST,
                "/api/resource/Payment%20Entry".into(),
                json!({"payment_type": "Receive", "party_type": "Customer", "party": "Acme Retail", "paid_amount": 1,
                   "references": [{"reference_doctype": "Purchase Invoice", "reference_name": number, "allocated_amount": 1}]}),
                "ValidationError",
            ),
            (
                "a body that is not an object",
                Method::POST,
                "/api/resource/Customer".into(),
                json!([1, 2]),
                "ValidationError",
            ),
            (
                "an update after submit",
                Method::PUT,
                format!("/api/resource/Sales%20Invoice/{number}"),
                json!({"remarks": "changed"}),
                "UpdateAfterSubmitError",
            ),
            (
                "cancelling a draft",
                Method::PUT,
                format!("/api/resource/Sales%20Invoice/{draft}"),
                json!({"docstatus": 2}),
                "DocstatusTransitionError",
            ),
            (
                "un-submitting",
                Method::PUT,
                format!("/api/resource/Sales%20Invoice/{number}"),
                json!({"docstatus": 0}),
                "DocstatusTransitionError",
            ),
            (
                "editing a cancelled document",
                Method::PUT,
                format!("/api/resource/Journal%20Entry/{cancelled}"),
                json!({"docstatus": 2}),
                "ValidationError",
            ),
            (
                "creating a cancelled document",
                Method::POST,
                "/api/resource/Sales%20Invoice".into(),
                json!({"customer": "Acme Retail", "docstatus": 2, "items": [{"item_code": "SVC", "qty": 1}]}),
                "DocstatusTransitionError",
            ),
            (
                "submitting master data",
                Method::PUT,
                "/api/resource/Customer/Acme%20Retail".into(),
                json!({"docstatus": 1}),
                "DocstatusTransitionError",
            ),
            (
                "changing an account's number",
                Method::PUT,
                "/api/resource/Account/Trade%20Debtors".into(),
                json!({"account_number": "9999"}),
                "ValidationError",
            ),
        ];
        for (what, method, path, body, exc) in &cases {
            let r = f.req(method.clone(), path, Some(body)).await;
            assert_eq!(r.status, 417, "{what}: {}", r.text);
            assert_eq!(frappe_error(&r).0, *exc, "{what}");
        }
        // Bodies that are not JSON, as JSON and as a form.
        let exponent = format!(
            r#"{{"payment_type": "Receive", "party_type": "Customer", "party": "Acme Retail", "paid_amount": 1e1,
            "references": [{{"reference_doctype": "Sales Invoice", "reference_name": "{number}", "allocated_amount": 10}}]}}"#
        );
        for (path, content_type, body) in [
            (
                "/api/resource/Customer",
                "application/json",
                "{\"customer_name\": ".to_owned(),
            ),
            ("/api/resource/Customer", "application/json", String::new()),
            (
                "/api/resource/Customer",
                "application/x-www-form-urlencoded",
                "data=%7Bnot-json".to_owned(),
            ),
            (
                "/api/resource/Payment%20Entry",
                "application/json",
                exponent,
            ),
        ] {
            let r = app
                .http
                .post(app.url(path))
                .header("host", &acme.host)
                .header("authorization", acme.admin_key())
                .header("content-type", content_type)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 417, "{body:?}");
        }
        // Parameters that cannot be read.
        for query in [
            format!("filters={}", enc(r#"[["colour","=","red"]]"#)),
            format!("filters={}", enc(r#"[["docstatus","~",1]]"#)),
            format!("filters={}", enc(r#"[["status","=","Unpaid"]]"#)),
            format!(
                "filters={}",
                enc(r#"[["posting_date","between","2026-01-01"]]"#)
            ),
            format!("filters={}", enc(r#"[["grand_total","like","1%"]]"#)),
            format!("filters={}", enc("[[")),
            format!("fields={}", enc(r#"["name","colour"]"#)),
            format!("fields={}", enc(r#"["count(name)"]"#)),
            format!("order_by={}", enc("colour desc")),
            format!("or_filters={}", enc(r#"[["docstatus","=",1]]"#)),
            "group_by=customer".to_owned(),
            "limit_start=x".to_owned(),
            "limit_page_length=-1".to_owned(),
        ] {
            let r = f
                .get(&format!("/api/resource/Sales%20Invoice?{query}"))
                .await;
            assert_eq!(r.status, 417, "{query}: {}", r.text);
            assert_eq!(frappe_error(&r).0, "ValidationError", "{query}");
        }
        for query in [
            format!("filters={}", enc(r#"[["debit",">",0]]"#)),
            format!("filters={}", enc(r#"{"account": "Nowhere"}"#)),
            format!("filters={}", enc(r#"{"party": "Nobody"}"#)),
        ] {
            let r = f.get(&format!("/api/resource/GL%20Entry?{query}")).await;
            assert_eq!(r.status, 417, "{query}: {}", r.text);
        }
        // Text no database can hold (a NUL) is bad input on both backends, never a server error.
        // In a filter: refused as such before it reaches the database.
        let nul = "the text holds a character that cannot be stored (such as NUL)";
        let r = f
            .get(&format!(
                "/api/resource/Customer?filters={}",
                enc(r#"[["name","=","a\u0000b"]]"#)
            ))
            .await;
        assert_eq!(r.status, 417, "{}", r.text);
        assert_eq!(frappe_error(&r), ("ValidationError".into(), nul.into()));
        // As a ledger filter's account: bad input on both, with what the backend found wrong.
        let r = f
            .get(&format!(
                "/api/resource/GL%20Entry?filters={}",
                enc(r#"{"account": "a\u0000b"}"#)
            ))
            .await;
        assert_eq!(r.status, 417, "{}", r.text);
        assert_eq!(frappe_error(&r).0, "ValidationError");
        // As a name looked up: PostgreSQL refuses the text; on SQLite it names nothing.
        let r = f.get("/api/resource/Customer/Acme%00Retail").await;
        match app.backend {
            Backend::Postgres => {
                assert_eq!(r.status, 417, "{}", r.text);
                assert_eq!(frappe_error(&r), ("ValidationError".into(), nul.into()));
            }
            Backend::Sqlite => {
                assert_eq!(r.status, 404, "{}", r.text);
                assert_eq!(frappe_error(&r).0, "DoesNotExistError");
            }
        }
        let r = f
        .req(
            Method::POST,
            "/api/resource/Sales%20Invoice",
            Some(&json!({"customer": "Acme\u{0}Retail", "items": [{"item_code": "SVC", "qty": 1}]})),
        )
        .await;
        assert_eq!(r.status, 417, "{}", r.text);
        // Re-submitting a submitted document is a no-op, as ERPNext's update after submit is.
        let r = f
            .req(
                Method::PUT,
                &format!("/api/resource/Sales%20Invoice/{number}"),
                Some(&json!({"docstatus": 1})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);

        // 401: no credential, or one that is not valid.
        for auth in [None, Some("token nokey:00ff"), Some("Bearer not-a-jwt")] {
            let r = send(
                &app,
                &acme.host,
                auth,
                Method::GET,
                "/api/resource/Customer",
                None,
            )
            .await;
            assert_eq!(r.status, 401, "{auth:?}: {}", r.text);
            if auth.is_none() {
                assert_eq!(frappe_error(&r).0, "AuthenticationError");
            }
        }
        // 403 PermissionError: too small a role.
        let r = send(
            &app,
            &acme.host,
            Some(&acme.key(TenantRole::Viewer)),
            Method::POST,
            "/api/resource/Customer",
            Some(&json!({"customer_name": "Sneaky"})),
        )
        .await;
        assert_eq!(r.status, 403);
        let (exc, message) = frappe_error(&r);
        assert_eq!(exc, "PermissionError");
        assert!(message.contains("viewer"), "{message}");

        assert_eq!(footprint(&api).await, before);
    }
);

both_backends!(frappe_login_and_sessions, |app: TestApp| async move {
    let acme = client(&app, "ACME Corp", "acme-corp").await;
    client(&app, "Beta Ltd", "beta").await;
    let host = acme.host.clone();
    let login = |body: Value, host: String| {
        app.http
            .post(app.url("/api/method/login"))
            .header("host", host)
            .json(&body)
            .send()
    };
    let res = login(json!({"usr": acme.admin, "pwd": PASSWORD}), host.clone())
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("tenantry_session="), "{cookie}");
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "Logged In");
    assert_eq!(body["home_page"], "/app");
    assert!(body["full_name"].is_string());
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();

    let with_cookie = |method: Method, path: &str| {
        app.http
            .request(method, app.url(path))
            .header("host", &host)
            .header("cookie", &cookie)
    };
    let me: Value = with_cookie(Method::GET, "/api/method/frappe.auth.get_logged_user")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["message"], acme.admin.as_str());
    let r = with_cookie(Method::GET, "/api/resource/Account?limit_page_length=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A write with the session cookie needs the session's CSRF token.
    let r = with_cookie(Method::POST, "/api/resource/Customer")
        .json(&json!({"customer_name": "Cookie Co"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["exc_type"], "PermissionError");
    let r = with_cookie(Method::POST, "/api/resource/Customer")
        .header("x-frappe-csrf-token", &csrf)
        .json(&json!({"customer_name": "Cookie Co"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The cookie is this host's: another client's host does not take it.
    let r = app
        .http
        .get(app.url("/api/resource/Customer"))
        .header("host", "beta.localhost")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // A form sign-in, as Frappe's own client sends it.
    let r = app
        .http
        .post(app.url("/api/method/login"))
        .header("host", &host)
        .form(&[("usr", acme.admin.as_str()), ("pwd", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Wrong credentials, unknown accounts: Frappe's 401, and no cookie.
    for (usr, pwd) in [
        (acme.admin.as_str(), "wrong-password-xyz1"),
        ("nobody@acme.test", PASSWORD),
    ] {
        let r = login(json!({"usr": usr, "pwd": pwd}), host.clone())
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert!(r.headers().get("set-cookie").is_none());
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["message"], "Invalid login credentials");
        assert_eq!(v["exc_type"], "AuthenticationError");
    }
    let r = login(json!({"usr": acme.admin}), host.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 417);
    // Another client's host: the account has no access there.
    let r = login(
        json!({"usr": acme.admin, "pwd": PASSWORD}),
        "beta.localhost".into(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());
    // A browser posting from another site.
    let r = app
        .http
        .post(app.url("/api/method/login"))
        .header("host", &host)
        .header("origin", "https://evil.example")
        .form(&[("usr", acme.admin.as_str()), ("pwd", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());
    // Throttled after too many failures.
    for _ in 0..app.config.login_throttle_account_max {
        app.platform
            .control()
            .add_login_failure(
                &["account:ghost@acme.test"],
                time::OffsetDateTime::now_utc().unix_timestamp(),
            )
            .await
            .unwrap();
    }
    let r = login(
        json!({"usr": "ghost@acme.test", "pwd": PASSWORD}),
        host.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 429);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["exc_type"], "TooManyRequestsError");

    // With MFA required, the password alone is refused, and no half-made session is left.
    let user = app
        .platform
        .control()
        .user_by_email(&acme.admin)
        .await
        .unwrap()
        .unwrap();
    let tenant = app
        .platform
        .control()
        .tenant_by_subdomain("acme-corp")
        .await
        .unwrap()
        .unwrap();
    app.platform
        .control()
        .set_tenant_mfa_required(tenant.id, true)
        .await
        .unwrap();
    app.platform.changed();
    let sessions = app
        .platform
        .identity()
        .sessions_of(user.id)
        .await
        .unwrap()
        .len();
    let r = login(json!({"usr": acme.admin, "pwd": PASSWORD}), host.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("set-cookie").is_none());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["exc_type"], "AuthenticationError");
    assert_eq!(
        app.platform
            .identity()
            .sessions_of(user.id)
            .await
            .unwrap()
            .len(),
        sessions
    );
    app.platform
        .control()
        .set_tenant_mfa_required(tenant.id, false)
        .await
        .unwrap();
    app.platform.changed();

    // Signing out ends the session.
    let r = with_cookie(Method::POST, "/api/method/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let r = with_cookie(Method::GET, "/api/resource/Customer")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .http
        .post(app.url("/api/method/logout"))
        .header("host", &host)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
});

/// Every DocType with what writing it takes (None: read-only).
const DOCTYPES: [(&str, Option<Permission>); 11] = [
    ("Customer", Some(Permission::ErpCreateSales)),
    ("Supplier", Some(Permission::ErpCreateAny)),
    ("Item", Some(Permission::ErpCreateAny)),
    ("Warehouse", Some(Permission::ErpCreateAny)),
    ("Account", Some(Permission::ErpConfigure)),
    ("Sales Invoice", Some(Permission::ErpCreateSales)),
    ("Purchase Invoice", Some(Permission::ErpCreateAny)),
    ("Payment Entry", Some(Permission::ErpCreateAny)),
    ("Journal Entry", Some(Permission::ErpCreateAny)),
    ("Stock Entry", Some(Permission::ErpCreateAny)),
    ("GL Entry", None),
];

both_backends!(frappe_authorisation_matrix, |app: TestApp| async move {
    let acme = client(&app, "ACME Corp", "acme-corp").await;
    let beta = client(&app, "Beta Ltd", "beta").await;
    let api = native_of(&app, &acme);
    masters(&api).await;
    let docs = documents(&api).await;
    let f = frappe_of(&app, &acme);
    let gl_name = f.list("GL Entry", "").await[0]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = footprint(&api).await;
    let existing = |doctype: &str| -> String {
        match doctype {
            "Customer" => "Acme Retail".into(),
            "Supplier" => "Widget Works".into(),
            "Item" => "WID".into(),
            "Warehouse" => "Stores".into(),
            "Account" => "Trade Debtors".into(),
            "GL Entry" => gl_name.clone(),
            d => docs
                .kinds
                .iter()
                .find(|k| k.doctype == d)
                .unwrap()
                .draft
                .clone(),
        }
    };
    // (method, path, body, permission it needs; None for "nobody may").
    let mut endpoints: Vec<(Method, String, Value, Option<Permission>)> = Vec::new();
    for (doctype, write) in DOCTYPES {
        let read = if doctype == "GL Entry" {
            Permission::ErpReports
        } else {
            Permission::ErpRead
        };
        let list = format!("/api/resource/{}", enc(doctype));
        let one = format!("{list}/{}", enc(&existing(doctype)));
        endpoints.push((
            Method::GET,
            format!("{list}?fields=%5B%22*%22%5D"),
            Value::Null,
            Some(read),
        ));
        endpoints.push((Method::GET, one.clone(), Value::Null, Some(read)));
        // Bodies that cannot succeed: a caller let through writes nothing either.
        endpoints.push((Method::POST, list.clone(), json!({"colour": "red"}), write));
        endpoints.push((Method::PUT, one.clone(), json!({"colour": "red"}), write));
    }
    // Submitting and cancelling through docstatus, on documents that do not exist.
    for k in &docs.kinds {
        let path = format!("/api/resource/{}/{}", enc(k.doctype), k.missing);
        endpoints.push((
            Method::PUT,
            path.clone(),
            json!({"docstatus": 1}),
            Some(Permission::ErpSubmit),
        ));
        endpoints.push((
            Method::PUT,
            path,
            json!({"docstatus": 2}),
            Some(Permission::ErpCancel),
        ));
    }
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
    for (method, path, body, permission) in &endpoints {
        let body = (*method != Method::GET).then_some(body);
        let r = send(&app, &acme.host, None, method.clone(), path, body).await;
        assert_eq!(
            r.status, 401,
            "{method} {path} without a credential: {}",
            r.text
        );
        assert_eq!(frappe_error(&r).0, "AuthenticationError", "{method} {path}");
        assert!(!r.text.contains("Acme Retail"));
        for s in &strangers {
            let r = send(&app, &acme.host, Some(s), method.clone(), path, body).await;
            assert_eq!(
                r.status, 403,
                "{method} {path} as another client's admin: {}",
                r.text
            );
            assert_eq!(frappe_error(&r).0, "PermissionError");
            assert!(
                !r.text.contains("Acme Retail") && !r.text.contains("WID"),
                "{}",
                r.text
            );
        }
        for role in ROLES {
            let allowed = permission.is_some_and(|p| role.can(p));
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
                    assert_eq!(r.status, 200, "{method} {path} as {}", role.as_str());
                } else {
                    assert!(
                        r.status >= 400,
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
                assert_eq!(frappe_error(&r).0, "PermissionError");
            }
        }
    }
    // Writes that would succeed, refused for too small a role.
    let sinv_draft = docs.of("sales-invoices").draft.clone();
    let sinv = docs.of("sales-invoices").submitted.clone();
    let valid: Vec<(Method, String, Value, TenantRole)> = vec![
        (
            Method::POST,
            "/api/resource/Customer".into(),
            json!({"customer_name": "Sneaky"}),
            TenantRole::Viewer,
        ),
        (
            Method::PUT,
            "/api/resource/Customer/Acme%20Retail".into(),
            json!({"city": "York"}),
            TenantRole::Viewer,
        ),
        (
            Method::POST,
            "/api/resource/Supplier".into(),
            json!({"supplier_name": "Sneaky"}),
            TenantRole::Employee,
        ),
        (
            Method::POST,
            "/api/resource/Item".into(),
            json!({"item_code": "SNEAK"}),
            TenantRole::Employee,
        ),
        (
            Method::POST,
            "/api/resource/Account".into(),
            json!({"account_name": "Sneaky", "account_number": "7999", "parent_account": "Overheads"}),
            TenantRole::Manager,
        ),
        (
            Method::POST,
            "/api/resource/Sales%20Invoice".into(),
            json!({"customer": "Acme Retail", "items": [{"item_code": "SVC", "qty": 1}]}),
            TenantRole::Viewer,
        ),
        (
            Method::POST,
            "/api/resource/Sales%20Invoice".into(),
            json!({"customer": "Acme Retail", "docstatus": 1, "items": [{"item_code": "SVC", "qty": 1}]}),
            TenantRole::Employee,
        ),
        (
            Method::PUT,
            format!("/api/resource/Sales%20Invoice/{sinv_draft}"),
            json!({"docstatus": 1}),
            TenantRole::Employee,
        ),
        (
            Method::PUT,
            format!("/api/resource/Sales%20Invoice/{sinv_draft}"),
            json!({"remarks": "x"}),
            TenantRole::Viewer,
        ),
        (
            Method::PUT,
            format!("/api/resource/Sales%20Invoice/{sinv}"),
            json!({"docstatus": 2}),
            TenantRole::Employee,
        ),
        (
            Method::POST,
            "/api/resource/Journal%20Entry".into(),
            json!({"accounts": [{"account": "Drawings", "debit": 1}, {"account": "Petty Cash", "credit": 1}]}),
            TenantRole::Employee,
        ),
        (
            Method::POST,
            "/api/resource/GL%20Entry".into(),
            json!({"account": "Drawings", "debit": 1}),
            TenantRole::Admin,
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
    }
    assert_eq!(
        footprint(&api).await,
        before,
        "a refused request wrote something"
    );
});
