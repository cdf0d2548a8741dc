//! The route matrix generated from the document kinds' declarations (`tenantry_web::kinds`):
//! every declared kind is served on all three surfaces (native API, ERPNext-compatible surface,
//! pages) and described in the OpenAPI document with its request schemas; every one of its
//! native endpoints refuses a visitor, another client's admin (API key, token and session
//! cookie) and each role too small for it, and lets the others through to exactly the answer
//! they are owed. A kind added to the catalogue is in this matrix without anyone writing it in.

use reqwest::Method;
use serde_json::{json, Value};
use tenantry_domain::TenantRole;
use tenantry_web::kinds::{self, Lifecycle, Verb};

use crate::books_api::{client, documents, masters, send, Api, Client, PASSWORD, ROLES};
use crate::both_backends;
use crate::support::TestApp;

/// A session cookie for `email` on `host`, through the sign-in form.
async fn session(app: &TestApp, host: &str, email: &str) -> String {
    let page = app
        .http
        .get(app.url("/login"))
        .header("host", host)
        .send()
        .await
        .unwrap();
    let cookies = cookie_pairs(&page);
    let body = page.text().await.unwrap();
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    let signed_in = app
        .http
        .post(app.url("/login"))
        .header("host", host)
        .header("cookie", cookies.join("; "))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303, "sign-in of {email} on {host}");
    cookie_pairs(&signed_in)
        .into_iter()
        .find(|c| c.starts_with("tenantry_session="))
        .unwrap()
}

fn cookie_pairs(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect()
}

/// Sends with a session cookie instead of an `Authorization` header.
async fn send_cookie(
    app: &TestApp,
    host: &str,
    cookie: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, String) {
    let mut req = app
        .http
        .request(method, app.url(path))
        .header("host", host)
        .header("cookie", cookie)
        .header("accept", "application/json");
    if let Some(b) = body {
        req = req.json(b);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// What this client's data looks like in an answer: none of it may reach a stranger.
fn leaks(text: &str, names: &[String]) -> bool {
    names.iter().any(|n| text.contains(n.as_str()))
}

/// An existing record of every master kind, by its key: the first row its list answers.
async fn some_record(api: &Api<'_>, path: &str) -> String {
    let (status, list) = api.get(&format!("/api/v1/{path}?limit=1")).await;
    assert_eq!(status, 200, "{path}: {list}");
    let row = &list["data"][0];
    row["name"]
        .as_str()
        .or(row["item_code"].as_str())
        .unwrap_or_else(|| panic!("{path} has no record: {list}"))
        .to_owned()
}

both_backends!(
    every_declared_kind_is_served_described_and_guarded,
    |app: TestApp| async move {
        let declared = kinds::declared();
        assert!(declared.len() >= 11, "{} kinds", declared.len());

        let acme = client(&app, "ACME Corp", "acme-corp").await;
        let beta = client(&app, "Beta Ltd", "beta").await;
        let api = Api {
            app: &app,
            host: acme.host.clone(),
            auth: acme.admin_key(),
        };
        masters(&api).await;
        let docs = documents(&api).await;
        let mut secrets = vec!["Acme Retail".to_owned(), "Widget Works".to_owned()];
        for d in &docs.kinds {
            secrets.push(d.submitted.clone());
            secrets.push(d.draft.clone());
        }
        let strangers = strangers(&app, &beta).await;
        let beta_session = session(&app, &beta.host, &beta.admin).await;
        let acme_session = session(&app, &acme.host, &acme.admin).await;

        let (status, openapi) = app.get(&acme.host, "/api/openapi.json").await;
        assert_eq!(status, 200);
        let openapi: Value = serde_json::from_str(&openapi).unwrap();

        let invalid = json!({"not": "a valid body"});
        let mut endpoints = 0;
        for kind in declared {
            let info = kind.info;
            let verbs: Vec<Verb> = kind.actions.iter().map(|a| a.verb).collect();
            let expected: &[Verb] = match kind.lifecycle {
                Lifecycle::Fixed => &[Verb::List, Verb::Create, Verb::Read],
                Lifecycle::Master => &[Verb::List, Verb::Create, Verb::Read, Verb::Update],
                Lifecycle::Document => &[
                    Verb::List,
                    Verb::Create,
                    Verb::Read,
                    Verb::Update,
                    Verb::Submit,
                    Verb::Cancel,
                ],
            };
            assert_eq!(
                verbs, expected,
                "{}: its actions follow its life cycle",
                info.path
            );

            // The records the endpoints name: a real one to read; for documents a draft to change,
            // and, for submit and cancel, one that does not exist, so that a caller let through
            // changes nothing either.
            let (real, missing) = match kind.lifecycle {
                Lifecycle::Document => {
                    let d = docs.of(info.path);
                    (d.submitted.clone(), d.missing.clone())
                }
                _ => (
                    some_record(&api, info.path).await,
                    "no-such-record".to_owned(),
                ),
            };

            for action in &kind.actions {
                endpoints += 1;
                let (method, template) = (action.method.clone(), action.path.as_str());
                let key = format!("{{{}}}", info.key);

                // Described in the OpenAPI document, with its request schema where it takes a body.
                let op = &openapi["paths"][template][method.as_str().to_lowercase()];
                assert!(
                    op.is_object(),
                    "{method} {template} is not in the OpenAPI document"
                );
                if matches!(action.verb, Verb::Create | Verb::Update) {
                    let schema = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{method} {template}: no request schema"));
                    let name = schema.trim_start_matches("#/components/schemas/");
                    let body = &openapi["components"]["schemas"][name];
                    assert!(
                        body["properties"]
                            .as_object()
                            .is_some_and(|p| !p.is_empty())
                            && body["required"].as_array().is_some_and(|r| !r.is_empty()),
                        "{method} {template}: request schema {name} is not precise: {body}"
                    );
                }
                let answer = op["responses"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .find(|(s, _)| s.starts_with('2'))
                    .unwrap()
                    .1;
                assert!(
                    answer["content"]["application/json"]["schema"]["$ref"].is_string(),
                    "{method} {template}: no response schema"
                );

                let name = match action.verb {
                    Verb::Submit | Verb::Cancel => &missing,
                    _ => &real,
                };
                let path = template.replace(&key, name);
                let body = matches!(action.verb, Verb::Create | Verb::Update).then_some(&invalid);

                // A visitor.
                let r = send(&app, &acme.host, None, method.clone(), &path, body).await;
                assert_eq!(
                    r.status, 401,
                    "{method} {path} without a credential: {}",
                    r.text
                );
                assert!(!leaks(&r.text, &secrets), "{method} {path}: {}", r.text);

                // Another client's admin: API key, token, and session cookie.
                for s in &strangers {
                    let r = send(&app, &acme.host, Some(s), method.clone(), &path, body).await;
                    assert_eq!(
                        r.status, 403,
                        "{method} {path} as another client's admin: {}",
                        r.text
                    );
                    assert!(!leaks(&r.text, &secrets), "{method} {path}: {}", r.text);
                }
                let (status, text) =
                    send_cookie(&app, &acme.host, &beta_session, method.clone(), &path, body).await;
                assert_eq!(
                    status, 401,
                    "{method} {path} with another client's session cookie: {text}"
                );
                assert!(!leaks(&text, &secrets), "{method} {path}: {text}");

                // Each role: refused exactly when too small, else the answer it is owed.
                for role in ROLES {
                    let allowed = action.needs.is_none_or(|p| role.can(p));
                    let r = send(
                        &app,
                        &acme.host,
                        Some(&acme.key(role)),
                        method.clone(),
                        &path,
                        body,
                    )
                    .await;
                    let owed = match (allowed, action.verb) {
                        (false, _) => 403,
                        (true, Verb::List | Verb::Read) => 200,
                        (true, Verb::Create | Verb::Update) => 422,
                        (true, Verb::Submit | Verb::Cancel) => 404,
                    };
                    assert_eq!(
                        r.status,
                        owed,
                        "{method} {path} as {}: {}",
                        role.as_str(),
                        r.text
                    );
                }
            }

            // The ERPNext-compatible surface serves it under its DocType, guarded the same way.
            let doctype = info.doctype.replace(' ', "%20");
            for path in [
                format!("/api/resource/{doctype}"),
                format!("/api/resource/{doctype}/{}", real.replace(' ', "%20")),
            ] {
                let r = send(
                    &app,
                    &acme.host,
                    Some(&acme.admin_key()),
                    Method::GET,
                    &path,
                    None,
                )
                .await;
                assert_eq!(r.status, 200, "GET {path}: {}", r.text);
                let r = send(&app, &acme.host, None, Method::GET, &path, None).await;
                assert_eq!(r.status, 401, "GET {path} without a credential");
                for s in &strangers {
                    let r = send(&app, &acme.host, Some(s), Method::GET, &path, None).await;
                    assert_eq!(r.status, 403, "GET {path} as another client's admin");
                    assert!(!leaks(&r.text, &secrets), "GET {path}: {}", r.text);
                }
            }
            let r = send(
                &app,
                &acme.host,
                Some(&acme.key(TenantRole::Viewer)),
                Method::POST,
                &format!("/api/resource/{doctype}"),
                Some(&json!({})),
            )
            .await;
            assert_eq!(
                r.status, 403,
                "a viewer creating a {}: {}",
                info.doctype, r.text
            );

            // And its pages: the list opens for the client's admin, not for a visitor or a stranger.
            let list = format!("/books/{}", info.path);
            let (status, text) =
                send_cookie(&app, &acme.host, &acme_session, Method::GET, &list, None).await;
            assert_eq!(status, 200, "GET {list} as the admin: {text}");
            let r = send(&app, &acme.host, None, Method::GET, &list, None).await;
            assert_eq!(r.status, 303, "GET {list} without a session");
            let (status, text) =
                send_cookie(&app, &acme.host, &beta_session, Method::GET, &list, None).await;
            assert_eq!(
                status, 401,
                "GET {list} with another client's session: {text}"
            );
            assert!(!leaks(&text, &secrets), "GET {list}: {text}");
        }
        assert!(endpoints >= 50, "{endpoints} endpoints");

        // The other way: every path the OpenAPI document gives a kind's collection is declared.
        let declared_paths: Vec<&str> = declared
            .iter()
            .flat_map(|k| k.actions.iter().map(|a| a.path.as_str()))
            .collect();
        let undeclared: Vec<&String> = openapi["paths"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|p| {
                declared.iter().any(|k| {
                    p.starts_with(&format!("/api/v1/{}", k.info.path))
                        && !p.starts_with("/api/v1/items/barcode/")
                }) && !declared_paths.contains(&p.as_str())
            })
            .collect();
        assert!(
            undeclared.is_empty(),
            "described but not declared: {undeclared:?}"
        );
    }
);

/// Another client's admin, by API key and by token.
async fn strangers(app: &TestApp, beta: &Client) -> Vec<String> {
    let user = app
        .platform
        .control()
        .user_by_email(&beta.admin)
        .await
        .unwrap()
        .unwrap();
    let tenant = app
        .platform
        .control()
        .tenant_by_subdomain("beta")
        .await
        .unwrap()
        .unwrap();
    let (token, _) = app
        .platform
        .identity()
        .tokens()
        .issue(user.id, tenant.id, TenantRole::Admin)
        .await
        .unwrap();
    vec![beta.admin_key(), format!("Bearer {token}")]
}
