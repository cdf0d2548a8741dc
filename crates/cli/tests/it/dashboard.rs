//! What a person sees first: the landing page, and the service cards of a client's dashboard
//! (portal) and of its own host's home — each linking where the service opens, or saying why not.

use tenantry_platform::provisioning::{provision, ProvisionRequest};

use crate::both_backends;
use crate::identity::{field_value, Browser, PASSWORD};
use crate::support::{invitation_token, TestApp};

/// A client on `plan` with its admin signed in at the portal and the client selected.
async fn signed_in_admin<'a>(app: &'a TestApp, plan: &str) -> Browser<'a> {
    let req = ProvisionRequest::parse(
        "ACME Corp",
        "acme-corp",
        "admin@acme-corp.example.com",
        plan,
        &[],
    )
    .unwrap();
    let done = provision(&app.platform, &req, "test").await.unwrap();
    let token = invitation_token(done.invitation_url.as_deref().unwrap());
    app.platform
        .identity()
        .accept_invitation(&token, PASSWORD)
        .await
        .unwrap();
    let mut b = Browser::new(app);
    let login = b
        .login("portal.localhost", "admin@acme-corp.example.com", PASSWORD)
        .await;
    assert_eq!(login.status, 303, "{}", login.body);
    assert_eq!(
        b.get("portal.localhost", "/").await.location(),
        "/dashboard"
    );
    b
}

// The landing page's title and header carry the operator's name only (a form once rendered
// inside both), and every page names its icon, which is served.
both_backends!(landing_page_head, |app: TestApp| async move {
    let mut b = Browser::new(&app);
    let landing = b.get("localhost", "/").await;
    assert_eq!(landing.status, 200);
    let operator = app.platform.operator_name().await.unwrap();
    let title = &landing.body[landing.body.find("<title>").unwrap() + 7..];
    assert!(title.starts_with(&format!("{operator}</title>")), "{title}");
    let brand = &landing.body[landing.body.find("<span class=\"brand\">").unwrap() + 20..];
    assert!(brand.starts_with(&format!("{operator}</span>")), "{brand}");
    assert_eq!(landing.body.matches("action=\"/contact\"").count(), 1);
    assert!(landing
        .body
        .contains("<link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">"));
    for path in ["/assets/icon.svg", "/favicon.ico"] {
        for host in ["localhost", "portal.localhost"] {
            let icon = b.get(host, path).await;
            assert_eq!(icon.status, 200, "{host}{path}");
            assert_eq!(icon.headers["content-type"], "image/svg+xml");
            assert!(icon.body.starts_with("<svg"), "{}", icon.body);
        }
    }
});

/// The `href` of the link whose text is `text`.
fn link_to(body: &str, text: &str) -> String {
    let end = body
        .find(&format!("\">{text}</a>"))
        .unwrap_or_else(|| panic!("no link {text:?} in {body}"));
    let start = body[..end].rfind("href=\"").unwrap() + 6;
    body[start..end].replace("&#38;", "&")
}

/// The note on the card titled `title`.
fn card_note(body: &str, title: &str) -> String {
    let card = &body[body
        .find(&format!("<h3>{title}</h3>"))
        .unwrap_or_else(|| panic!("no card {title:?} in {body}"))..];
    let card = &card[..card.find("</div>").unwrap()];
    assert!(!card.contains("<a "), "{card}");
    field_value(card, "<p class=\"note\">")
        .split('<')
        .next()
        .unwrap()
        .to_owned()
}

// Each card opens its own service on the client's host, through the hand-off, and lands on it.
both_backends!(
    service_cards_open_their_service,
    |app: TestApp| async move {
        let mut b = signed_in_admin(&app, "professional").await;
        let dash = b.get("portal.localhost", "/dashboard").await;
        let csrf = dash.csrf();
        let open = |next: &str| format!("/open/acme-corp?csrf={csrf}&next={next}");
        assert_eq!(link_to(&dash.body, "Open ERP"), open("%2Fbooks"));
        assert_eq!(
            link_to(&dash.body, "Open Reports"),
            open("%2Fbooks%23reports")
        );
        // Services this platform does not serve yet say so; nothing links to a missing page.
        assert_eq!(
            card_note(&dash.body, "Point of sale"),
            "Coming soon to this platform."
        );
        assert_eq!(
            card_note(&dash.body, "Webmail"),
            "Coming soon to this platform."
        );

        for (next, lands) in [
            ("%2Fbooks%23reports", "/books#reports"),
            ("%2Fbooks", "/books"),
            // Anything but a path on the client's host lands on its home.
            ("%2F%2Fevil.example", "/"),
            ("https%3A%2F%2Fevil.example", "/"),
            ("%2F%09%2Fevil.example", "/"),
        ] {
            let moved = b.get("portal.localhost", &open(next)).await;
            assert_eq!(moved.status, 303, "{}", moved.body);
            let target = moved.location();
            let path = &target[target.find("/auth/handoff").unwrap()..];
            let landed = b.get("acme-corp.localhost", path).await;
            assert_eq!(landed.status, 303, "{}", landed.body);
            assert_eq!(landed.location(), lands, "{next}");
        }
        // A hand-off link edited to point elsewhere lands home too.
        let moved = b.get("portal.localhost", &open("%2Fbooks")).await;
        let target = moved.location();
        let path = &target[target.find("/auth/handoff").unwrap()..];
        let edited = format!(
            "{}%2F%2Fevil.example",
            &path[..path.find("&next=").unwrap() + 6]
        );
        let landed = b.get("acme-corp.localhost", &edited).await;
        assert_eq!(landed.status, 303, "{}", landed.body);
        assert_eq!(landed.location(), "/");
        let books = b.get("acme-corp.localhost", "/books").await;
        assert_eq!(books.status, 200);

        // The client's own home shows the same cards, linked on its own host.
        let home = b.get("acme-corp.localhost", "/").await;
        assert_eq!(link_to(&home.body, "Open ERP"), "/books");
        assert_eq!(link_to(&home.body, "Open Reports"), "/books#reports");
        assert_eq!(
            card_note(&home.body, "Point of sale"),
            "Coming soon to this platform."
        );
    }
);

// A service outside the client's plan says which plan has it.
both_backends!(
    service_outside_the_plan_names_the_plan,
    |app: TestApp| async move {
        let mut b = signed_in_admin(&app, "basic").await;
        let dash = b.get("portal.localhost", "/dashboard").await;
        assert_eq!(
            card_note(&dash.body, "Point of sale"),
            "Not in the Basic plan: the Professional plan includes it."
        );
        assert_eq!(
            card_note(&dash.body, "Webmail"),
            "Coming soon to this platform."
        );
        assert!(link_to(&dash.body, "Open ERP").ends_with("&next=%2Fbooks"));
    }
);

/// The link an invitation answer on the team page shows.
fn invitation_link(body: &str) -> String {
    field_value(body, "it is shown only now): <code>")
        .split('<')
        .next()
        .unwrap()
        .to_owned()
}

// The People link shows only to those who manage people (an employee would meet a 403), and an
// invitation sent again says, on the first link, that it was replaced — not that it expired.
both_backends!(
    people_link_and_replaced_invitation,
    |app: TestApp| async move {
        let mut b = signed_in_admin(&app, "professional").await;
        let dash = b.get("portal.localhost", "/dashboard").await;
        assert!(
            dash.body.contains("<a href=\"/team\">People</a>"),
            "{}",
            dash.body
        );
        let csrf = dash.csrf();
        let invite = [
            ("csrf", csrf.as_str()),
            ("email", "emma@acme.example"),
            ("role", "employee"),
        ];
        let first = b.post("portal.localhost", "/team/invite", &invite).await;
        assert_eq!(first.status, 200, "{}", first.body);
        let first = invitation_link(&first.body);
        let second = b.post("portal.localhost", "/team/invite", &invite).await;
        assert_eq!(second.status, 200, "{}", second.body);
        let second = invitation_link(&second.body);
        assert_ne!(first, second);

        let mut emma = Browser::new(&app);
        let path = |link: &str| link[link.find("/invite/").unwrap()..].to_owned();
        let old = emma.get("portal.localhost", &path(&first)).await;
        assert_eq!(old.status, 410, "{}", old.body);
        assert!(
            old.body
                .contains("A newer invitation was sent to emma@acme.example after this one"),
            "{}",
            old.body
        );
        assert!(!old.body.contains("expired"), "{}", old.body);
        let new = emma.get("portal.localhost", &path(&second)).await;
        assert_eq!(new.status, 200, "{}", new.body);
        app.platform
            .identity()
            .accept_invitation(&invitation_token(&second), PASSWORD)
            .await
            .unwrap();

        assert_eq!(
            emma.login("portal.localhost", "emma@acme.example", PASSWORD)
                .await
                .status,
            303
        );
        emma.get("portal.localhost", "/").await;
        for page in ["/dashboard", "/profile", "/select"] {
            let shown = emma.get("portal.localhost", page).await;
            assert_eq!(shown.status, 200, "{page}");
            assert!(
                shown.body.contains("<a href=\"/profile\">Profile</a>"),
                "{page}"
            );
            assert!(
                !shown.body.contains("href=\"/team\""),
                "{page}: {}",
                shown.body
            );
        }
        assert_eq!(emma.get("portal.localhost", "/team").await.status, 403);
    }
);

/// The dashboard's activity entries, in order: (text, link).
fn activity(body: &str) -> Vec<(String, Option<String>)> {
    let section = &body[body.find("<h2>Activity</h2>").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    section
        .split("<li>")
        .skip(1)
        .map(|li| {
            let li = &li[..li.find(" <span class=\"note\">").unwrap()];
            match li.strip_prefix("<a href=\"") {
                Some(rest) => {
                    let (href, text) = rest.split_once("\">").unwrap();
                    (
                        text.trim_end_matches("</a>").replace("&#38;", "&"),
                        Some(href.replace("&#38;", "&")),
                    )
                }
                None => (li.replace("&#38;", "&"), None),
            }
        })
        .collect()
}

// The dashboard's activity shows what really happened — documents submitted and cancelled,
// people invited and changed — newest first, each linked to its subject for those who may open
// it; an employee sees the same events, without links to the team page.
both_backends!(
    activity_feed_shows_what_happened,
    |app: TestApp| async move {
        use reqwest::Method;
        use serde_json::json;

        use crate::books_api::{client, masters, send, Api};

        let acme = client(&app, "ACME Corp", "acme-corp").await;
        let api = Api {
            app: &app,
            host: acme.host.clone(),
            auth: acme.admin_key(),
        };
        masters(&api).await;
        // The books record changes to the second: let one pass after the set-up, so the order of
        // events does not rest on what happened within one second.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let invoice = api
            .ok(
                "POST",
                "/api/v1/sales-invoices",
                Some(json!({"party": "Acme Retail", "submit": true,
                        "items": [{"item_code": "SVC", "qty": 2}]})),
            )
            .await;
        let (sinv, total) = (
            invoice["name"].as_str().unwrap().to_owned(),
            invoice["grand_total"].as_str().unwrap().to_owned(),
        );
        let payment = api
        .ok(
            "POST",
            "/api/v1/payments",
            Some(json!({"payment_type": "receive", "party_type": "customer", "party": "Acme Retail",
                        "amount": "1.00", "submit": true,
                        "allocations": [{"invoice": sinv, "amount": "1.00"}]})),
        )
        .await;
        let pay = payment["name"].as_str().unwrap().to_owned();
        // A draft is not news.
        api.ok(
            "POST",
            "/api/v1/sales-invoices",
            Some(json!({"party": "Acme Retail", "items": [{"item_code": "SVC", "qty": 1}]})),
        )
        .await;

        let mut b = Browser::new(&app);
        assert_eq!(
            b.login("portal.localhost", &acme.admin, PASSWORD)
                .await
                .status,
            303
        );
        b.get("portal.localhost", "/").await;
        let csrf = b.get("portal.localhost", "/team").await.csrf();
        let invited = b
            .post(
                "portal.localhost",
                "/team/invite",
                &[
                    ("csrf", &csrf),
                    ("email", "emma@acme.example"),
                    ("role", "employee"),
                ],
            )
            .await;
        assert_eq!(invited.status, 200, "{}", invited.body);
        // The payment is cancelled last, a second later.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let cancelled = send(
            &app,
            &acme.host,
            Some(&acme.admin_key()),
            Method::POST,
            &format!("/api/v1/payments/{pay}/cancel"),
            None,
        )
        .await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text);

        let dash = b.get("portal.localhost", "/dashboard").await;
        let open = format!("/open/acme-corp?csrf={}&next=", dash.csrf());
        let shown = activity(&dash.body);
        let events: Vec<_> = shown.iter().map(|(t, _)| t.as_str()).collect();
        let at = |text: &str| {
            events
                .iter()
                .position(|e| *e == text)
                .unwrap_or_else(|| panic!("{text:?} not in {events:#?}"))
        };
        let invite = "admin@acme-corp.example.com invited emma@acme.example as employee";
        let paid = format!("Payment {pay} cancelled: Acme Retail, 1.00");
        let sold = format!("Sales invoice {sinv} submitted: Acme Retail, {total}");
        assert_eq!(at(&paid), 0, "{events:#?}");
        assert!(at(invite) < at(&sold), "{events:#?}");
        assert!(at(&sold) < at("ACME Corp was set up"), "{events:#?}");
        assert_eq!(events.len(), 4, "{events:#?}");
        // The JSON lists the same activity, the books' documents with their page's address.
        let json = b.get("portal.localhost", "/api/dashboard/activity").await;
        assert_eq!(json.status, 200, "{}", json.body);
        let items: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        let items = items["items"].as_array().unwrap();
        let document = items
            .iter()
            .find(|i| i["message"] == sold.as_str())
            .unwrap_or_else(|| panic!("{sold:?} not in {items:#?}"));
        assert_eq!(document["kind"], "books.document");
        assert!(document["id"].is_null());
        let link = document["link"].as_str().unwrap();
        assert!(
            link.starts_with("http://acme-corp.")
                && link.ends_with(&format!("/books/sales-invoices/{sinv}")),
            "{link}"
        );
        assert!(items
            .iter()
            .any(|i| i["message"] == invite && i["id"].is_i64()));
        // The business's figures are money in its currency (the JSON keeps plain decimals).
        assert!(
            dash.body
                .contains(&format!("<td class=\"num\">£{total}</td>")),
            "{}",
            dash.body
        );
        let link = |text: &str| shown[at(text)].1.clone();
        assert_eq!(link(invite).as_deref(), Some("/team"));
        assert_eq!(
            link(&paid),
            Some(format!("{open}%2Fbooks%2Fpayments%2F{pay}"))
        );
        assert_eq!(
            link(&sold),
            Some(format!("{open}%2Fbooks%2Fsales-invoices%2F{sinv}"))
        );
        // The link opens the document's page on the client's host.
        let moved = b.get("portal.localhost", &link(&sold).unwrap()).await;
        let target = moved.location();
        let landed = b
            .get(&acme.host, &target[target.find("/auth/handoff").unwrap()..])
            .await;
        assert_eq!(landed.location(), format!("/books/sales-invoices/{sinv}"));
        let page = b.get(&acme.host, &landed.location()).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&sinv));

        // The invited employee sees the same events; the team page is not theirs to open.
        let token = invitation_token(&invitation_link(&invited.body));
        app.platform
            .identity()
            .accept_invitation(&token, PASSWORD)
            .await
            .unwrap();
        let mut emma = Browser::new(&app);
        assert_eq!(
            emma.login("portal.localhost", "emma@acme.example", PASSWORD)
                .await
                .status,
            303
        );
        emma.get("portal.localhost", "/").await;
        let theirs = activity(&emma.get("portal.localhost", "/dashboard").await.body);
        assert_eq!(
            theirs.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
            events
        );
        assert_eq!(theirs[at(invite)].1, None);
        assert!(theirs[at(&sold)]
            .1
            .as_deref()
            .unwrap()
            .ends_with(&format!("%2Fbooks%2Fsales-invoices%2F{sinv}")));
    }
);

// A refusal says, in words, what the role does not allow and which role does, and leads home;
// no internal permission code shows.
both_backends!(
    refusal_pages_explain_and_lead_home,
    |app: TestApp| async move {
        use tenantry_domain::TenantRole;

        crate::books_api::client(&app, "ACME Corp", "acme-corp").await;
        crate::support::add_members(&app, "acme-corp", &[TenantRole::Employee], PASSWORD).await;
        let mut b = Browser::new(&app);
        let host = "acme-corp.localhost";
        assert_eq!(
            b.login(host, "employee@acme-corp.example.com", PASSWORD)
                .await
                .status,
            303
        );
        let refused = b.get(host, "/books/reports/trial-balance").await;
        assert_eq!(refused.status, 403);
        assert!(
        refused.body.contains(
            "Your role here, employee, does not let you read the accounting reports: that takes a manager or above. An admin of this business can change your role."
        ),
        "{}",
        refused.body
    );
        assert!(!refused.body.contains("erp.reports"), "{}", refused.body);
        assert!(refused
            .body
            .contains("<a class=\"button\" href=\"/\">Home</a>"));
        let missing = b.get(host, "/books/sales-invoices/SINV-2000-00099").await;
        assert_eq!(missing.status, 404);
        assert!(missing
            .body
            .contains("<a class=\"button\" href=\"/\">Home</a>"));
    }
);

// Signing in on a client's host lands on the page that asked for it.
both_backends!(
    sign_in_on_a_client_host_keeps_the_page_asked_for,
    |app: TestApp| async move {
        let acme = crate::books_api::client(&app, "ACME Corp", "acme-corp").await;
        let mut b = Browser::new(&app);
        let host = acme.host.as_str();
        let asked = b.get(host, "/books/sales-invoices?q=x").await;
        assert_eq!(asked.status, 303);
        assert_eq!(
            asked.location(),
            "/login?next=/books/sales-invoices%3Fq%3Dx"
        );
        let form = b.get(host, &asked.location()).await;
        assert_eq!(form.status, 200);
        let next = field_value(&form.body, "name=\"next\" value=\"");
        assert_eq!(next, "/books/sales-invoices?q=x");
        let signed_in = b
            .post(
                host,
                "/login",
                &[
                    ("csrf", &form.csrf()),
                    ("email", &acme.admin),
                    ("password", PASSWORD),
                    ("next", &next),
                ],
            )
            .await;
        assert_eq!(signed_in.status, 303, "{}", signed_in.body);
        assert_eq!(signed_in.location(), "/books/sales-invoices?q=x");
        assert_eq!(b.get(host, "/books/sales-invoices?q=x").await.status, 200);
    }
);
