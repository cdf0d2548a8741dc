//! "Forgot your password?" (issue 11, defect 7): on the portal and on a client's host a person
//! asks for a link by email address; the answer never tells whether the address has an account;
//! the link lands in the outbox (read by operator staff until the platform sends mail), works
//! once, signs the account out everywhere, and is not sent again within the throttle window.

use crate::both_backends;
use crate::identity::{client_with_admin, Browser, PASSWORD};
use crate::support::{add_members, invitation_token, TestApp};

const NEW_PASSWORD: &str = "cobalt-Harbour-willow-47";

/// The link in a queued message's body.
fn link_in(body: &str) -> String {
    body.split_whitespace()
        .find(|w| w.contains("/invite/"))
        .unwrap_or_else(|| panic!("no link in {body}"))
        .to_owned()
}

both_backends!(
    a_forgotten_password_is_reset_through_a_link_in_the_outbox,
    |app: TestApp| async move {
        let admin = client_with_admin(&app, "ACME Corp", "acme-corp").await;
        let (portal, host) = ("portal.localhost", "acme-corp.localhost");
        let outbox = || async { app.platform.control().outbox(50).await.unwrap() };

        // Signed in elsewhere with the old password: the reset will end this session.
        let mut elsewhere = Browser::new(&app);
        let signed_in = elsewhere.login(portal, &admin, PASSWORD).await;
        assert_eq!(signed_in.status, 303, "{}", signed_in.body);
        assert_eq!(elsewhere.get(portal, "/select").await.status, 200);

        // Both hosts offer it from the sign-in form, each in its own brand.
        let mut b = Browser::new(&app);
        for h in [portal, host] {
            let login = b.get(h, "/login").await;
            assert!(login.body.contains("href=\"/forgot-password\""), "{h}");
        }
        let page = b.get(host, "/forgot-password").await;
        assert_eq!(page.status, 200);
        assert!(page
            .body
            .contains("<title>Forgot your password? · ACME Corp</title>"));
        let csrf = page.csrf();

        // A forged form, and text that is no email address, are refused; nothing is queued.
        let forged = b
            .post(
                host,
                "/forgot-password",
                &[("csrf", "x"), ("email", &admin)],
            )
            .await;
        assert_eq!(forged.status, 403);
        let bad = b
            .post(
                host,
                "/forgot-password",
                &[("csrf", &csrf), ("email", "not an address")],
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains("That is not an email address"));
        assert!(outbox().await.is_empty());

        // An unknown address and a known one get the same answer; only the known one is sent.
        let mut answers = Vec::new();
        for email in ["nobody@nowhere.example", admin.as_str()] {
            let asked = b
                .post(
                    host,
                    "/forgot-password",
                    &[("csrf", &csrf), ("email", email)],
                )
                .await;
            assert_eq!(asked.status, 303, "{}", asked.body);
            answers.push(asked.location());
        }
        assert_eq!(answers[0], answers[1]);
        assert_eq!(answers[0], "/login?notice=reset-requested");
        let notice = b.get(host, &answers[0]).await;
        assert!(notice.body.contains("If that address has an account here"));
        let queued = outbox().await;
        assert_eq!(queued.len(), 1, "{queued:?}");
        assert_eq!(queued[0].recipient, admin);
        assert_eq!(queued[0].subject, "Reset your password at ACME Corp");

        // Asking again at once sends nothing more (the answer is the same).
        let again = b
            .post(
                host,
                "/forgot-password",
                &[("csrf", &csrf), ("email", &admin)],
            )
            .await;
        assert_eq!(again.location(), "/login?notice=reset-requested");
        assert_eq!(outbox().await.len(), 1);

        // Someone invited who never set up their account is not sent a reset (their
        // invitation is their way in).
        let pending = app.provision("Globex", "globex").await.unwrap();
        assert!(pending.invitation_url.is_some());
        let portal_csrf = b.get(portal, "/forgot-password").await.csrf();
        let asked = b
            .post(
                portal,
                "/forgot-password",
                &[
                    ("csrf", &portal_csrf),
                    ("email", "admin@globex.example.com"),
                ],
            )
            .await;
        assert_eq!(asked.status, 303);
        assert_eq!(outbox().await.len(), 1);

        // The link sets a new password once; the old one no longer signs in, and the session
        // opened with it has ended.
        let token = invitation_token(&link_in(&queued[0].body));
        let form = b.get(portal, &format!("/invite/{token}")).await;
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(form.body.contains("Choose a new password"), "{}", form.body);
        let set = b
            .post(
                portal,
                &format!("/invite/{token}"),
                &[
                    ("csrf", &form.csrf()),
                    ("password", NEW_PASSWORD),
                    ("confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(set.status, 303, "{}", set.body);
        assert_ne!(elsewhere.get(portal, "/select").await.status, 200);
        assert_eq!(b.login(portal, &admin, PASSWORD).await.status, 401);
        assert_eq!(b.login(host, &admin, NEW_PASSWORD).await.status, 303);
        let reused = b.get(portal, &format!("/invite/{token}")).await;
        assert_ne!(reused.status, 200, "{}", reused.body);
    }
);

// A member of a client asks on the client's host: the message names that client, and only
// the operator's staff can read it (the console refuses everyone else).
both_backends!(
    only_operator_staff_read_the_outbox,
    |app: TestApp| async move {
        client_with_admin(&app, "ACME Corp", "acme-corp").await;
        add_members(
            &app,
            "acme-corp",
            &[tenantry_domain::TenantRole::Employee],
            PASSWORD,
        )
        .await;
        let mut b = Browser::new(&app);
        let page = b.get("acme-corp.localhost", "/forgot-password").await;
        let asked = b
            .post(
                "acme-corp.localhost",
                "/forgot-password",
                &[
                    ("csrf", &page.csrf()),
                    ("email", "employee@acme-corp.example.com"),
                ],
            )
            .await;
        assert_eq!(asked.status, 303);
        let queued = app.platform.control().outbox(10).await.unwrap();
        assert_eq!(queued.len(), 1);
        assert!(queued[0]
            .body
            .contains("employee@acme-corp.example.com at ACME Corp"));

        for email in [
            "admin@acme-corp.example.com",
            "employee@acme-corp.example.com",
        ] {
            let mut member = Browser::new(&app);
            assert_eq!(
                member
                    .login("portal.localhost", email, PASSWORD)
                    .await
                    .status,
                303
            );
            let console = member.get("portal.localhost", "/console").await;
            assert_eq!(console.status, 403, "{email}");
            assert!(!console.body.contains("/invite/"), "{email}");
        }
    }
);
