//! One client's admin cannot reach another client's people: joining a client takes the person's
//! consent, a client's MFA rule is a step-up into that client only, and the answers give away
//! nothing about accounts elsewhere. Also: `next` after sign-in never leaves the origin, and
//! signing in ends the session the browser held before.

use tenantry_domain::TenantRole;

use crate::both_backends;
use crate::identity::{client_with_admin, field_value, Browser, PASSWORD};
use crate::support::{invitation_token, stderr, stdout, TestApp};

const PORTAL: &str = "portal.localhost";

async fn tenant_id(app: &TestApp, subdomain: &str) -> tenantry_domain::TenantId {
    app.platform
        .control()
        .tenant_by_subdomain(subdomain)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn user_id(app: &TestApp, email: &str) -> tenantry_domain::UserId {
    app.platform
        .control()
        .user_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The team page's answer to an invitation: its notice and the link it shows.
fn invitation_answer(body: &str) -> (String, String) {
    let notice = field_value(body, "class=\"banner\" role=\"status\">")
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let link = field_value(body, "it is shown only now): <code>")
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    (notice, link)
}

both_backends!(
    another_clients_user_joins_only_by_consent,
    |app: TestApp| async move {
        let alpha_admin = client_with_admin(&app, "Alpha", "alpha").await;
        let beta_admin = client_with_admin(&app, "Beta", "beta").await;
        let alpha = tenant_id(&app, "alpha").await;
        let beta_user = user_id(&app, &beta_admin).await;

        let mut a = Browser::new(&app);
        assert_eq!(a.login(PORTAL, &alpha_admin, PASSWORD).await.status, 303);
        a.get(PORTAL, "/").await;
        let csrf = a.get(PORTAL, "/team").await.csrf();
        let invite = |email: &'static str| [("email", email), ("role", "viewer")];
        let existing = a
            .post(
                PORTAL,
                "/team/invite",
                &[
                    [("csrf", csrf.as_str())].as_slice(),
                    &invite("admin@beta.example.com"),
                ]
                .concat(),
            )
            .await;
        assert_eq!(existing.status, 200, "{}", existing.body);
        let fresh = a
            .post(
                PORTAL,
                "/team/invite",
                &[
                    [("csrf", csrf.as_str())].as_slice(),
                    &invite("new@elsewhere.example"),
                ]
                .concat(),
            )
            .await;
        assert_eq!(fresh.status, 200, "{}", fresh.body);
        // The same answer whether or not the email had an account.
        let (existing_notice, existing_link) = invitation_answer(&existing.body);
        let (fresh_notice, _) = invitation_answer(&fresh.body);
        assert_eq!(
            existing_notice.replace("admin@beta.example.com", "X"),
            fresh_notice.replace("new@elsewhere.example", "X")
        );
        assert!(
            existing_notice.contains("once they accept"),
            "{existing_notice}"
        );
        // Beta's admin is not a member of Alpha, and does not see it among their clients.
        let control = app.platform.control();
        assert_eq!(control.role_in(beta_user, alpha).await.unwrap(), None);
        assert!(control
            .memberships_of(beta_user)
            .await
            .unwrap()
            .iter()
            .all(|m| m.tenant_id != alpha));

        // Alpha requires MFA: Beta's admin still signs in at the portal and on Beta's host
        // with a password alone (Frappe's password login included).
        let mfa = a
            .post(PORTAL, "/team/mfa", &[("csrf", &csrf), ("required", "1")])
            .await;
        assert_eq!(mfa.status, 303, "{}", mfa.body);
        let mut b = Browser::new(&app);
        let signed = b.login(PORTAL, &beta_admin, PASSWORD).await;
        assert_eq!(signed.location(), "/", "{}", signed.body);
        let home = b.get(PORTAL, "/").await;
        assert_eq!(home.location(), "/dashboard");
        let frappe = app
            .http
            .post(app.url("/api/method/login"))
            .header("host", "beta.localhost")
            .json(&serde_json::json!({ "usr": beta_admin, "pwd": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(frappe.status(), 200);

        // Alpha's link cannot set the password of Beta's admin: it asks them to sign in.
        let token = invitation_token(&existing_link);
        let mut stranger = Browser::new(&app);
        let page = stranger.get(PORTAL, &format!("/invite/{token}")).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("Sign in as admin@beta.example.com"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("Choose a password <input"));
        // The pre-session form token, as the login page hands it out.
        let csrf_pre = stranger.get(PORTAL, "/login").await.csrf();
        let takeover = stranger
            .post(
                PORTAL,
                &format!("/invite/{token}"),
                &[
                    ("csrf", &csrf_pre),
                    ("password", "another-Secret-pass-77"),
                    ("confirm", "another-Secret-pass-77"),
                ],
            )
            .await;
        assert_ne!(takeover.status, 303, "{}", takeover.body);
        assert_eq!(
            Browser::new(&app)
                .login(PORTAL, &beta_admin, "another-Secret-pass-77")
                .await
                .status,
            401
        );

        // Beta's admin sees the offer on the portal and accepts it; entering Alpha then asks
        // for the second step Alpha requires, while Beta opens as before.
        let select = b.get(PORTAL, "/select").await;
        assert!(
            select.body.contains("Invitations waiting for you"),
            "{}",
            select.body
        );
        let b_csrf = select.csrf();
        let accepted = b
            .post(
                PORTAL,
                "/invitations/accept",
                &[("csrf", &b_csrf), ("client", &alpha.to_string())],
            )
            .await;
        assert_eq!(accepted.status, 303, "{}", accepted.body);
        assert_eq!(
            control.role_in(beta_user, alpha).await.unwrap(),
            Some(TenantRole::Viewer)
        );
        let enter_alpha = b
            .post(
                PORTAL,
                "/select",
                &[("csrf", &b_csrf), ("client", &alpha.to_string())],
            )
            .await;
        assert_eq!(enter_alpha.status, 403, "{}", enter_alpha.body);
        assert!(
            enter_alpha.body.contains("two steps"),
            "{}",
            enter_alpha.body
        );
        let beta = tenant_id(&app, "beta").await;
        let enter_beta = b
            .post(
                PORTAL,
                "/select",
                &[("csrf", &b_csrf), ("client", &beta.to_string())],
            )
            .await;
        assert_eq!(enter_beta.location(), "/dashboard");
        // The accepted link is spent.
        assert_eq!(
            stranger
                .get(PORTAL, &format!("/invite/{token}"))
                .await
                .status,
            410
        );
    }
);

both_backends!(
    a_declined_invitation_leaves_nothing,
    |app: TestApp| async move {
        client_with_admin(&app, "Alpha", "alpha").await;
        let beta_admin = client_with_admin(&app, "Beta", "beta").await;
        let alpha = tenant_id(&app, "alpha").await;
        let invited = tenantry_platform::accounts::invite_member(
            &app.platform,
            alpha,
            &beta_admin,
            TenantRole::Manager,
            "test",
        )
        .await
        .unwrap();
        let mut b = Browser::new(&app);
        b.login(PORTAL, &beta_admin, PASSWORD).await;
        let select = b.get(PORTAL, "/select").await;
        let declined = b
            .post(
                PORTAL,
                "/invitations/decline",
                &[("csrf", &select.csrf()), ("client", &alpha.to_string())],
            )
            .await;
        assert_eq!(declined.status, 303, "{}", declined.body);
        let beta_user = user_id(&app, &beta_admin).await;
        assert!(app
            .platform
            .control()
            .member(alpha, beta_user)
            .await
            .unwrap()
            .is_none());
        let token = invitation_token(&invited.invitation_url);
        let dead = b.get(PORTAL, &format!("/invite/{token}")).await;
        assert_eq!(dead.status, 404, "{}", dead.body);
        // Answering an offer that does not exist is a 404, not a membership.
        let again = b
            .post(
                PORTAL,
                "/invitations/accept",
                &[("csrf", &select.csrf()), ("client", &alpha.to_string())],
            )
            .await;
        assert_eq!(again.status, 404);
    }
);

both_backends!(
    an_existing_account_accepts_through_the_link_signed_in,
    |app: TestApp| async move {
        let alpha_admin = client_with_admin(&app, "Alpha", "alpha").await;
        let beta_admin = client_with_admin(&app, "Beta", "beta").await;
        let alpha = tenant_id(&app, "alpha").await;
        let invited = tenantry_platform::accounts::invite_member(
            &app.platform,
            alpha,
            &beta_admin,
            TenantRole::Employee,
            "test",
        )
        .await
        .unwrap();
        let token = invitation_token(&invited.invitation_url);
        // Someone else, signed in, can neither use the link nor answer the offer.
        let mut other = Browser::new(&app);
        other.login(PORTAL, &alpha_admin, PASSWORD).await;
        let other_csrf = other.get(PORTAL, "/profile").await.csrf();
        let used = other
            .post(
                PORTAL,
                &format!("/invite/{token}/accept"),
                &[("csrf", &other_csrf)],
            )
            .await;
        assert_eq!(used.status, 410, "{}", used.body);
        let answered = other
            .post(
                PORTAL,
                "/invitations/decline",
                &[("csrf", &other_csrf), ("client", &alpha.to_string())],
            )
            .await;
        assert_eq!(answered.status, 404, "{}", answered.body);
        let beta_user = user_id(&app, &beta_admin).await;
        assert!(
            app.platform
                .control()
                .member(alpha, beta_user)
                .await
                .unwrap()
                .unwrap()
                .pending
        );
        let mut b = Browser::new(&app);
        let signed = b
            .send(PORTAL, app.http.get(app.url(&format!("/invite/{token}"))))
            .await;
        let sign_in = field_value(&signed.body, "class=\"button\" href=\"");
        assert!(
            sign_in.starts_with("/login?next=%2Finvite%2F")
                || sign_in.starts_with("/login?next=/invite/"),
            "{sign_in}"
        );
        b.login(PORTAL, &beta_admin, PASSWORD).await;
        let page = b.get(PORTAL, &format!("/invite/{token}")).await;
        assert!(page.body.contains("Accept the invitation"), "{}", page.body);
        let accepted = b
            .post(
                PORTAL,
                &format!("/invite/{token}/accept"),
                &[("csrf", &page.csrf())],
            )
            .await;
        assert_eq!(accepted.status, 303, "{}", accepted.body);
        assert_eq!(
            app.platform
                .control()
                .role_in(beta_user, alpha)
                .await
                .unwrap(),
            Some(TenantRole::Employee)
        );
    }
);

// `next` after sign-in is a path on this origin or `/`: a tab or newline (which browsers strip,
// making `/\t/evil.com` into `//evil.com`), a backslash or a second slash is not taken, and a
// CR or LF never reaches a header.
both_backends!(
    sign_in_never_redirects_off_the_origin,
    |app: TestApp| async move {
        let admin = client_with_admin(&app, "Alpha", "alpha").await;
        for host in [PORTAL, "alpha.localhost"] {
            let mut b = Browser::new(&app);
            let page = b.get(host, "/login?next=%2F%09%2Fevil.com").await;
            assert_eq!(page.status, 200);
            assert!(
                page.body.contains("name=\"next\" value=\"/\""),
                "{}",
                page.body
            );
            for next in [
                "/\t/evil.com",
                "/\n/evil.com",
                "/\\evil.com",
                "//evil.com",
                "/x\r\nSet-Cookie: a=b",
                "https://evil.com/",
            ] {
                let mut b = Browser::new(&app);
                let csrf = b.get(host, "/login").await.csrf();
                let res = b
                    .post(
                        host,
                        "/login",
                        &[
                            ("csrf", &csrf),
                            ("email", &admin),
                            ("password", PASSWORD),
                            ("next", next),
                        ],
                    )
                    .await;
                assert_eq!(res.status, 303, "{host} {next:?}: {}", res.body);
                assert_eq!(res.location(), "/", "{host} {next:?}");
            }
            let mut b = Browser::new(&app);
            let csrf = b.get(host, "/login").await.csrf();
            let ok = b
                .post(
                    host,
                    "/login",
                    &[
                        ("csrf", &csrf),
                        ("email", &admin),
                        ("password", PASSWORD),
                        ("next", "/profile?tab=1"),
                    ],
                )
                .await;
            assert_eq!(ok.location(), "/profile?tab=1");
        }
    }
);

// Signing in as someone else in the same browser ends the previous person's session.
both_backends!(
    signing_in_again_ends_the_previous_session,
    |app: TestApp| async move {
        let alpha_admin = client_with_admin(&app, "Alpha", "alpha").await;
        let beta_admin = client_with_admin(&app, "Beta", "beta").await;
        for host in [PORTAL, "alpha.localhost"] {
            let mut b = Browser::new(&app);
            assert_eq!(b.login(host, &alpha_admin, PASSWORD).await.status, 303);
            let first = b.clone_cookies(host);
            let second_user = if host == PORTAL {
                &beta_admin
            } else {
                &alpha_admin
            };
            assert_eq!(b.login(host, second_user, PASSWORD).await.status, 303);
            let mut old = Browser::new(&app);
            old.set_cookies(host, first);
            let probe = if host == PORTAL { "/profile" } else { "/books" };
            let res = old.get(host, probe).await;
            assert_eq!(res.status, 303, "{host}: the old session still answers");
            assert!(res.location().starts_with("/login"), "{}", res.location());
            // The new one works.
            assert_eq!(b.get(host, probe).await.status, 200, "{host}");
        }
    }
);

// An API key for a member who has not chosen a password yet works (the operator often sets up
// a new client's integration first); one for someone who has not accepted an invitation is
// refused with the reason; the published key set is never empty.
both_backends!(
    api_keys_for_new_members_and_a_full_key_set,
    |app: TestApp| async move {
        let jwks: serde_json::Value = app
            .http
            .get(app.url("/.well-known/jwks.json"))
            .header("host", PORTAL)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 1, "{jwks}");

        app.provision("Alpha", "alpha").await.unwrap();
        let made = app.cli(&[
            "apikey",
            "create",
            "--tenant",
            "alpha",
            "--user",
            "admin@alpha.example.com",
            "--role",
            "admin",
        ]);
        assert!(made.status.success(), "{}", stderr(&made));
        let credential = stdout(&made).lines().last().unwrap().trim().to_owned();
        let res = app
            .http
            .get(app.url("/api/method/frappe.auth.get_logged_user"))
            .header("host", "alpha.localhost")
            .header("authorization", format!("token {credential}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);

        let beta_admin = client_with_admin(&app, "Beta", "beta").await;
        let alpha = tenant_id(&app, "alpha").await;
        tenantry_platform::accounts::invite_member(
            &app.platform,
            alpha,
            &beta_admin,
            TenantRole::Viewer,
            "test",
        )
        .await
        .unwrap();
        let refused = app.cli(&[
            "apikey",
            "create",
            "--tenant",
            "alpha",
            "--user",
            &beta_admin,
            "--role",
            "viewer",
        ]);
        assert!(!refused.status.success());
        assert!(
            stderr(&refused).contains("has not yet accepted the invitation"),
            "{}",
            stderr(&refused)
        );
    }
);
