//! A client's brand colour and logo on its invoices, end to end: set through the native API and
//! through the settings page (a multipart upload), shown by the print page, `/books/brand.css`,
//! the logo route and the PDF; bad colours, files that are not whole JPEGs, oversized uploads and
//! forged forms refused with a 4xx and the stored branding unchanged; every new endpoint refused
//! to a visitor, another client's user and every role below admin.

use std::collections::HashMap;

use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::Method;
use serde_json::{json, Value};
use tenantry_domain::TenantRole;

use crate::books_api::{client, send, Client, PASSWORD};
use crate::both_backends;
use crate::support::{add_members, TestApp};

const LOGO: &[u8] = include_bytes!("../../../domain/testdata/branding/logo.jpg");
const GREY: &[u8] = include_bytes!("../../../domain/testdata/branding/logo-grey.jpg");
const CMYK: &[u8] = include_bytes!("../../../domain/testdata/branding/logo-cmyk.jpg");
const PNG: &[u8] = include_bytes!("../../../domain/testdata/branding/logo.png");

/// A request body and its content type.
type Body<'a> = (&'a str, Vec<u8>);

const BELOW_ADMIN: [TenantRole; 3] = [
    TenantRole::Viewer,
    TenantRole::Employee,
    TenantRole::Manager,
];

/// A raw request with an optional `Authorization`, body and content type.
async fn raw(
    app: &TestApp,
    host: &str,
    auth: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Body<'_>>,
) -> (u16, Vec<u8>, reqwest::header::HeaderMap) {
    let mut req = app.http.request(method, app.url(path)).header("host", host);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if let Some((ct, b)) = body {
        if b.len() > 512 * 1024 {
            // The server refuses the body unread and drops the connection: not one to reuse.
            req = req.header("connection", "close");
        }
        req = req.header(CONTENT_TYPE, ct).body(b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, res.bytes().await.unwrap().to_vec(), headers)
}

/// The branding as the admin reads it.
async fn branding(app: &TestApp, c: &Client) -> Value {
    let r = send(
        app,
        &c.host,
        Some(&c.admin_key()),
        Method::GET,
        "/api/v1/settings/branding",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

/// A customer, a service and a draft invoice; returns the invoice's name.
async fn invoice(app: &TestApp, c: &Client) -> String {
    let key = c.admin_key();
    for (path, body) in [
        ("/api/v1/customers", json!({"name": "Dickson Supplies"})),
        (
            "/api/v1/items",
            json!({"item_code": "SVC", "item_name": "Setup", "item_group": "Services",
                   "is_stock": false, "selling_price": "100.00"}),
        ),
    ] {
        let r = send(app, &c.host, Some(&key), Method::POST, path, Some(&body)).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = send(
        app,
        &c.host,
        Some(&key),
        Method::POST,
        "/api/v1/sales-invoices",
        Some(&json!({"party": "Dickson Supplies", "items": [{"item_code": "SVC", "qty": 1}]})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["name"].as_str().unwrap().to_owned()
}

/// The PDF of an invoice, as the admin downloads it.
async fn pdf(app: &TestApp, c: &Client, name: &str) -> String {
    let (s, bytes, headers) = raw(
        app,
        &c.host,
        Some(&c.admin_key()),
        Method::GET,
        &format!("/books/sales-invoices/{name}/pdf"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(headers[CONTENT_TYPE], "application/pdf");
    String::from_utf8_lossy(&bytes).into_owned()
}

both_backends!(books_branding_through_the_api, |app: TestApp| async move {
    let acme = client(&app, "ACME Corp", "acme-corp").await;
    let janes = client(&app, "Jane's Bakery", "janes-bakery").await;
    let admin = acme.admin_key();
    let name = invoice(&app, &acme).await;

    // Nothing stored: the default colour and the company's name as the letterhead.
    let b = branding(&app, &acme).await;
    assert_eq!(b["colour"], Value::Null);
    assert_eq!(b["effective_colour"], "#1f6feb");
    assert_eq!(b["has_logo"], false);
    let (s, _, _) = raw(
        &app,
        &acme.host,
        Some(&admin),
        Method::GET,
        "/books/brand/logo",
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert!(!pdf(&app, &acme, &name).await.contains("/Subtype /Image"));

    // The colour: set, normalised, and on the stylesheet and the PDF.
    let put = |body: Value| {
        let key = admin.clone();
        let host = acme.host.clone();
        let app = &app;
        async move {
            send(
                app,
                &host,
                Some(&key),
                Method::PUT,
                "/api/v1/settings/branding",
                Some(&body),
            )
            .await
        }
    };
    let r = put(json!({"colour": "#FF0000"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["colour"], "#ff0000");
    for bad in [
        json!({"colour": "red"}),
        json!({"colour": "#12345"}),
        json!({"colour": "#1234567"}),
        json!({"colour": "#gg0000"}),
        json!({"colour": 255}),
        json!({"colour": "#00ff00", "logo": "x"}),
    ] {
        let r = put(bad.clone()).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
        assert!(r.json()["error"].is_string(), "{}", r.text);
    }
    let r = put(json!({"colour": "red"})).await;
    assert!(r.text.contains("#rrggbb"), "{}", r.text);
    assert_eq!(branding(&app, &acme).await["colour"], "#ff0000");
    let (s, css, _) = raw(
        &app,
        &acme.host,
        Some(&admin),
        Method::GET,
        "/books/brand.css",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(String::from_utf8_lossy(&css).contains("--brand: #ff0000;"));
    assert!(pdf(&app, &acme, &name).await.contains("1 0 0 rg"));

    // The logo: anything but a whole JPEG of an accepted kind is refused, nothing stored.
    let logo = |ct: &'static str, bytes: Vec<u8>| {
        let key = admin.clone();
        let host = acme.host.clone();
        let app = &app;
        async move {
            raw(
                app,
                &host,
                Some(&key),
                Method::PUT,
                "/api/v1/settings/branding/logo",
                Some((ct, bytes)),
            )
            .await
        }
    };
    let (s, body, _) = logo("application/octet-stream", LOGO.to_vec()).await;
    assert_eq!(s, 415, "{}", String::from_utf8_lossy(&body));
    for (bytes, says) in [
        (PNG.to_vec(), "not a JPEG"),
        (LOGO[..LOGO.len() / 2].to_vec(), "cut short"),
        (CMYK.to_vec(), "CMYK"),
        (Vec::new(), "empty"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            "not a JPEG",
        ),
    ] {
        let (s, body, _) = logo("image/jpeg", bytes).await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(s, 422, "{says}: {body}");
        assert!(body.contains(says), "{says}: {body}");
    }
    let mut big = LOGO.to_vec();
    big.resize(600 * 1024, 0);
    let (s, body, _) = logo("image/jpeg", big).await;
    assert_eq!(s, 413, "{}", String::from_utf8_lossy(&body));
    let (s, _, _) = logo("image/jpeg", vec![0; 2 * 1024 * 1024]).await;
    assert_eq!(s, 413);
    let b = branding(&app, &acme).await;
    assert_eq!(b["has_logo"], false, "{b}");
    assert_eq!(b["colour"], "#ff0000");

    // A good logo: stored with its size, served as it is, placed in the PDF.
    let (s, body, _) = logo("image/jpeg", LOGO.to_vec()).await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["has_logo"].clone(),
            v["logo_width"].clone(),
            v["logo_height"].clone()
        ),
        (json!(true), json!(24), json!(12))
    );
    let (s, served, headers) = raw(
        &app,
        &acme.host,
        Some(&admin),
        Method::GET,
        "/books/brand/logo",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(headers[CONTENT_TYPE], "image/jpeg");
    assert_eq!(served, LOGO);
    let doc = pdf(&app, &acme, &name).await;
    assert!(doc.contains("/Subtype /Image"), "no image in the PDF");
    assert!(doc.contains("/Filter /DCTDecode"));
    assert!(doc.contains("/Width 24") && doc.contains("/Height 12"));
    assert!(doc.contains("/ColorSpace /DeviceRGB"));
    assert!(doc.contains("1 0 0 rg"));
    // The JPEG is embedded byte for byte.
    let raw_pdf = doc.as_bytes();
    let lossy_logo = String::from_utf8_lossy(LOGO).into_owned();
    assert!(String::from_utf8_lossy(raw_pdf).contains(&lossy_logo));
    // A greyscale logo is placed as greyscale.
    let (s, _, _) = logo("image/jpeg", GREY.to_vec()).await;
    assert_eq!(s, 200);
    assert!(pdf(&app, &acme, &name)
        .await
        .contains("/ColorSpace /DeviceGray"));
    let (s, _, _) = logo("image/jpeg", LOGO.to_vec()).await;
    assert_eq!(s, 200);

    // Who may not: no credential, another client's admin, every role below admin. They see
    // nothing and change nothing.
    let before = branding(&app, &acme).await;
    let endpoints: Vec<(Method, &str, Option<Body>)> = vec![
        (Method::GET, "/api/v1/settings/branding", None),
        (
            Method::PUT,
            "/api/v1/settings/branding",
            Some(("application/json", br##"{"colour":"#00ff00"}"##.to_vec())),
        ),
        (
            Method::PUT,
            "/api/v1/settings/branding/logo",
            Some(("image/jpeg", GREY.to_vec())),
        ),
        (Method::DELETE, "/api/v1/settings/branding/logo", None),
    ];
    let mut callers: Vec<(String, Option<String>, u16)> = vec![
        ("no credential".into(), None, 401),
        (
            "another client's admin".into(),
            Some(janes.admin_key()),
            403,
        ),
    ];
    for role in BELOW_ADMIN {
        callers.push((role.as_str().into(), Some(acme.key(role)), 403));
    }
    for (method, path, body) in &endpoints {
        for (who, auth, expected) in &callers {
            let (s, body, _) = raw(
                &app,
                &acme.host,
                auth.as_deref(),
                method.clone(),
                path,
                body.clone(),
            )
            .await;
            let text = String::from_utf8_lossy(&body);
            assert_eq!(s, *expected, "{who} {method} {path}: {text}");
            assert!(
                !text.contains("colour") && !text.contains("logo_width"),
                "{who} {method} {path}: {text}"
            );
        }
    }
    assert_eq!(branding(&app, &acme).await, before);
    // The other client's branding is its own.
    let theirs = branding(&app, &janes).await;
    assert_eq!(
        (theirs["colour"].clone(), theirs["has_logo"].clone()),
        (Value::Null, json!(false))
    );

    // Removing the logo and the colour: back to the defaults.
    let (s, body, _) = raw(
        &app,
        &acme.host,
        Some(&admin),
        Method::DELETE,
        "/api/v1/settings/branding/logo",
        None,
    )
    .await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
    let r = put(json!({"colour": null})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = branding(&app, &acme).await;
    assert_eq!(
        (
            b["colour"].clone(),
            b["has_logo"].clone(),
            b["effective_colour"].clone()
        ),
        (Value::Null, json!(false), json!("#1f6feb"))
    );
    let (s, _, _) = raw(
        &app,
        &acme.host,
        Some(&admin),
        Method::GET,
        "/books/brand/logo",
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert!(!pdf(&app, &acme, &name).await.contains("/Subtype /Image"));

    // The OpenAPI document lists the four endpoints.
    let (s, doc, _) = raw(
        &app,
        &acme.host,
        None,
        Method::GET,
        "/api/openapi.json",
        None,
    )
    .await;
    assert_eq!(s, 200);
    let doc: Value = serde_json::from_slice(&doc).unwrap();
    let paths = &doc["paths"];
    assert!(paths["/api/v1/settings/branding"]["get"].is_object());
    assert!(paths["/api/v1/settings/branding"]["put"].is_object());
    assert!(
        paths["/api/v1/settings/branding/logo"]["put"]["requestBody"]["content"]["image/jpeg"]
            .is_object()
    );
    assert!(paths["/api/v1/settings/branding/logo"]["delete"].is_object());
});

// ---- the settings page ----

/// A browser on one host: cookies kept, redirects not followed.
struct Browser<'a> {
    app: &'a TestApp,
    host: String,
    cookies: HashMap<String, String>,
    csrf: String,
}

struct Page {
    status: u16,
    body: String,
    location: String,
}

fn csrf_of(body: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker)? + marker.len();
    Some(body[start..].split('"').next().unwrap().to_owned())
}

impl<'a> Browser<'a> {
    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let res = req
            .header("host", &self.host)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        for v in res.headers().get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (name, value) = v.split(';').next().unwrap().split_once('=').unwrap();
            if value.is_empty() || v.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let location = res
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        Page {
            status,
            body: res.text().await.unwrap(),
            location,
        }
    }

    async fn signed_in(app: &'a TestApp, host: &str, email: &str) -> Browser<'a> {
        let mut b = Browser {
            app,
            host: host.to_owned(),
            cookies: HashMap::new(),
            csrf: String::new(),
        };
        let page = b.get("/login").await;
        let csrf = csrf_of(&page.body).unwrap();
        let req = app.http.post(app.url("/login")).form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/books"),
        ]);
        let page = b.send(req).await;
        assert_eq!(page.status, 303, "{}", page.body);
        let books = b.get("/books").await;
        assert_eq!(books.status, 200, "{}", books.body);
        b.csrf = csrf_of(&books.body).unwrap();
        b
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.app.http.get(self.app.url(path));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.app.http.post(self.app.url(path)).form(form);
        self.send(req).await
    }

    /// Posts the upload form: the CSRF field (when given) and the file.
    async fn upload(&mut self, csrf: Option<&str>, file: &[u8]) -> Page {
        let boundary = "----tenantry-test-boundary-7c1f";
        let mut body = Vec::new();
        if let Some(csrf) = csrf {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
                    .as_bytes(),
            );
        }
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
                .as_bytes(),
        );
        body.extend(file);
        body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut req = self.app.http.post(self.app.url("/books/settings/logo"));
        if body.len() > 1024 * 1024 {
            // The server refuses the body unread and drops the connection: not one to reuse.
            req = req.header("connection", "close");
        }
        let req = req
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.send(req).await
    }
}

/// Members of each role below admin, with PASSWORD.
async fn members(app: &TestApp, subdomain: &str) {
    add_members(app, subdomain, &BELOW_ADMIN, PASSWORD).await;
}

both_backends!(
    books_branding_through_the_settings_page,
    |app: TestApp| async move {
        let acme = client(&app, "ACME Corp", "acme-corp").await;
        let janes = client(&app, "Jane's Bakery", "janes-bakery").await;
        members(&app, "acme-corp").await;
        let name = invoice(&app, &acme).await;
        let mut admin = Browser::signed_in(&app, &acme.host, &acme.admin).await;
        let csrf = admin.csrf.clone();

        let page = admin.get("/books/settings").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Branding on invoices"));
        assert!(page.body.contains("enctype=\"multipart/form-data\""));
        assert!(page.body.contains("No logo"));

        // The colour through the form; a bad one comes back beside the form.
        let saved = admin
            .post(
                "/books/settings/colour",
                &[("csrf", &csrf), ("colour", "#00AA00")],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert_eq!(saved.location, "/books/settings?saved=colour#branding");
        // Where it leads says the colour was saved (reloading it resubmits nothing).
        let after = admin.get("/books/settings?saved=colour").await;
        assert!(after.body.contains("Brand colour saved"), "{}", after.body);
        // The notice is our own words: whatever else the address says is not shown.
        let other = admin.get("/books/settings?saved=%3Cb%3Ehello").await;
        assert!(!other.body.contains("hello"), "{}", other.body);
        assert!(!other.body.contains("role=\"status\""), "{}", other.body);
        for (form, status) in [
            (vec![("csrf", csrf.as_str()), ("colour", "#zzzzzz")], 422),
            (vec![("csrf", csrf.as_str()), ("colour", "")], 422),
            (vec![("colour", "#123456")], 403),
            (vec![("csrf", "forged"), ("colour", "#123456")], 403),
        ] {
            let refused = admin.post("/books/settings/colour", &form).await;
            assert_eq!(refused.status, status, "{form:?}: {}", refused.body);
        }
        let refused = admin
            .post(
                "/books/settings/colour",
                &[("csrf", &csrf), ("colour", "#zzzzzz")],
            )
            .await;
        assert!(
            refused.body.contains("id=\"brand-error\""),
            "{}",
            refused.body
        );
        assert!(refused.body.contains("#rrggbb"));
        assert_eq!(branding(&app, &acme).await["colour"], "#00aa00");
        let page = admin.get("/books/settings").await;
        assert!(page.body.contains("value=\"#00aa00\""), "{}", page.body);

        // Uploads that are refused leave no logo.
        for (csrf_field, file, status, says) in [
            (None, LOGO.to_vec(), 403, "Form expired"),
            (Some("forged"), LOGO.to_vec(), 403, "Form expired"),
            (Some(csrf.as_str()), PNG.to_vec(), 422, "not a JPEG"),
            (
                Some(csrf.as_str()),
                LOGO[..LOGO.len() - 40].to_vec(),
                422,
                "cut short",
            ),
            (Some(csrf.as_str()), CMYK.to_vec(), 422, "CMYK"),
            (Some(csrf.as_str()), Vec::new(), 422, "Choose a JPEG file"),
            (
                Some(csrf.as_str()),
                vec![0xFF; 700 * 1024],
                413,
                "at most 512 KiB",
            ),
            (
                Some(csrf.as_str()),
                vec![0xFF; 3 * 1024 * 1024 / 2],
                413,
                "too large",
            ),
        ] {
            let refused = admin.upload(csrf_field, &file).await;
            assert_eq!(refused.status, status, "{says}: {}", refused.body);
            assert!(refused.body.contains(says), "{says}: {}", refused.body);
        }
        assert_eq!(branding(&app, &acme).await["has_logo"], false);

        // A good upload: on the settings page, the logo route, the print page and the PDF.
        let saved = admin.upload(Some(&csrf), LOGO).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let page = admin.get("/books/settings").await;
        assert!(
            page.body.contains("src=\"/books/brand/logo?v="),
            "{}",
            page.body
        );
        assert!(page.body.contains("24 × 12 pixels"));
        let print = admin
            .get(&format!("/books/sales-invoices/{name}/print"))
            .await;
        assert_eq!(print.status, 200);
        assert!(
            print
                .body
                .contains("<img class=\"logo\" src=\"/books/brand/logo?v="),
            "{}",
            print.body
        );
        assert!(print.body.contains("href=\"/books/brand.css?v="));
        let css = admin.get("/books/brand.css").await;
        assert!(css.body.contains("--brand: #00aa00;"), "{}", css.body);
        let (s, served, _) = raw(
            &app,
            &acme.host,
            Some(&acme.admin_key()),
            Method::GET,
            "/books/brand/logo",
            None,
        )
        .await;
        assert_eq!((s, served.as_slice()), (200, LOGO));
        let doc = pdf(&app, &acme, &name).await;
        assert!(doc.contains("/Subtype /Image") && doc.contains("/Width 24"));
        // #00aa00 as the PDF's fill colour.
        assert!(doc.contains("0 0.6666667 0 rg"), "colour not in the PDF");

        // Every role below admin is refused every branding form and shown none of them.
        for role in BELOW_ADMIN {
            let mut b = Browser::signed_in(
                &app,
                &acme.host,
                &format!("{}@acme-corp.example.com", role.as_str()),
            )
            .await;
            let their_csrf = b.csrf.clone();
            let page = b.get("/books/settings").await;
            assert_eq!(page.status, 200, "{}", page.body);
            assert!(
                !page.body.contains("/books/settings/logo"),
                "{role:?} sees the upload"
            );
            assert!(page.body.contains("#00aa00"));
            let r = b
                .post(
                    "/books/settings/colour",
                    &[("csrf", &their_csrf), ("colour", "#123456")],
                )
                .await;
            assert_eq!(r.status, 403, "{role:?}");
            let r = b.upload(Some(&their_csrf), GREY).await;
            assert_eq!(r.status, 403, "{role:?}");
            let r = b
                .post("/books/settings/logo/remove", &[("csrf", &their_csrf)])
                .await;
            assert_eq!(r.status, 403, "{role:?}");
        }
        // A visitor and another client's user: sent to sign in, nothing changed.
        let mut visitor = Browser {
            app: &app,
            host: acme.host.clone(),
            cookies: HashMap::new(),
            csrf: String::new(),
        };
        let mut stranger = Browser::signed_in(&app, &janes.host, &janes.admin).await;
        stranger.host = acme.host.clone();
        let stranger_csrf = stranger.csrf.clone();
        for b in [&mut visitor, &mut stranger] {
            let r = b
                .post(
                    "/books/settings/colour",
                    &[("csrf", &stranger_csrf), ("colour", "#123456")],
                )
                .await;
            assert_eq!(r.status, 303);
            assert!(r.location.starts_with("/login"), "{}", r.location);
            let r = b.upload(Some(&stranger_csrf), GREY).await;
            assert!(
                r.status == 303 && r.location.starts_with("/login"),
                "{} {}",
                r.status,
                r.location
            );
            let r = b
                .post("/books/settings/logo/remove", &[("csrf", &stranger_csrf)])
                .await;
            assert!(
                r.status == 303 && r.location.starts_with("/login"),
                "{} {}",
                r.status,
                r.location
            );
            let r = b.get("/books/settings").await;
            assert!(!r.body.contains("#00aa00"));
        }
        let b = branding(&app, &acme).await;
        assert_eq!(
            (
                b["colour"].clone(),
                b["has_logo"].clone(),
                b["logo_width"].clone()
            ),
            (json!("#00aa00"), json!(true), json!(24))
        );

        // Removing the logo and going back to the default colour.
        let r = admin
            .post("/books/settings/logo/remove", &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = admin
            .post(
                "/books/settings/colour",
                &[("csrf", &csrf), ("colour", "#00aa00"), ("reset", "1")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let b = branding(&app, &acme).await;
        assert_eq!(
            (b["colour"].clone(), b["has_logo"].clone()),
            (Value::Null, json!(false))
        );
        let css = admin.get("/books/brand.css").await;
        assert!(css.body.contains("--brand: #1f6feb;"));
        let print = admin
            .get(&format!("/books/sales-invoices/{name}/print"))
            .await;
        assert!(!print.body.contains("<img class=\"logo\""));
    }
);
