//! Staff access (issue 14, test 4): operator support staff entering a client's space is audited
//! and the client's admins are told; nobody else's entering is recorded as staff access, and
//! someone who is neither staff nor a member cannot enter at all.

use serde_json::{json, Value};
use tenantry_domain::TenantRole;

use crate::both_backends;
use crate::identity::{client_with_admin, now, totp_code, Browser, PASSWORD};
use crate::support::{add_members, invitation_token, stdout, TestApp};

const STAFF: &str = "help@byrne.example";
const PORTAL: &str = "portal.localhost";
const ACME_HOST: &str = "acme-corp.localhost";

/// Operator staff with `role`, signed in at the portal with the authenticator staff must enrol.
/// Returns the browser and the authenticator's secret.
async fn staff_signed_in<'a>(app: &'a TestApp, email: &str, role: &str) -> (Browser<'a>, String) {
    let made = app.cli(&["user", "staff", "--email", email, "--role", role]);
    assert!(made.status.success(), "{made:?}");
    let out = stdout(&made);
    let link = out.split("password link: ").nth(1).unwrap().trim();
    app.platform
        .identity()
        .accept_invitation(&invitation_token(link), PASSWORD)
        .await
        .unwrap();
    let mut b = Browser::new(app);
    let pw = b.login(PORTAL, email, PASSWORD).await;
    assert!(pw.location().starts_with("/mfa"), "{}", pw.location());
    let enrol = b.get(PORTAL, "/mfa").await;
    let marker = "Enter this key: <code>";
    let at = enrol.body.find(marker).unwrap() + marker.len();
    let secret = enrol.body[at..].split('<').next().unwrap().to_owned();
    let done = b
        .post(
            PORTAL,
            "/mfa",
            &[
                ("csrf", &enrol.csrf()),
                ("code", &totp_code(&secret, now())),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    (b, secret)
}

/// Signed in at the portal with a password (members who have no second factor).
async fn member_signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    let page = b.login(PORTAL, email, PASSWORD).await;
    assert_eq!(page.status, 303, "{email}: {}", page.body);
    b
}

/// The session's CSRF token, as the portal's scripts read it.
async fn csrf(b: &mut Browser<'_>) -> String {
    let profile = b.get(PORTAL, "/api/user/profile").await;
    assert_eq!(profile.status, 200, "{}", profile.body);
    let v: Value = serde_json::from_str(&profile.body).unwrap();
    v["csrf_token"].as_str().unwrap().to_owned()
}

/// What entering the client leaves behind: its `support.access` audit entries (actor, role) and
/// each of its admin's and its employee's notifications.
#[derive(Debug, PartialEq)]
struct Traces {
    audit: Vec<(String, String)>,
    admin_told: Vec<String>,
    employee_told: Vec<String>,
}

async fn traces(app: &TestApp) -> Traces {
    let control = app.platform.control();
    let acme = control
        .tenant_by_subdomain("acme-corp")
        .await
        .unwrap()
        .unwrap();
    let audit = control
        .audit_entries(Some(acme.id))
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "support.access")
        .map(|a| {
            let detail: Value = serde_json::from_str(&a.detail).unwrap();
            (
                a.actor,
                detail["role"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut told = Vec::new();
    for email in [
        "admin@acme-corp.example.com",
        "employee@acme-corp.example.com",
    ] {
        let user = control.user_by_email(email).await.unwrap().unwrap();
        told.push(
            control
                .notifications(user.id, Some(acme.id), 100)
                .await
                .unwrap()
                .into_iter()
                .map(|n| n.message)
                .collect::<Vec<_>>(),
        );
    }
    let employee_told = told.pop().unwrap();
    let admin_told = told.pop().unwrap();
    Traces {
        audit,
        admin_told,
        employee_told,
    }
}

/// Opens the client's space from the portal (`/open/…`, a hand-off to its host) and lands there.
async fn open_acme(b: &mut Browser<'_>) -> u16 {
    let token = csrf(b).await;
    let opened = b
        .get(PORTAL, &format!("/open/acme-corp?csrf={token}"))
        .await;
    if opened.status != 303 {
        return opened.status;
    }
    let target = opened.location();
    let path = &target[target.find("/auth/handoff").unwrap()..];
    assert!(target.starts_with("http://acme-corp.localhost"), "{target}");
    let landed = b.get(ACME_HOST, path).await;
    assert_eq!(landed.status, 303, "{}", landed.body);
    let space = b.get(ACME_HOST, "/").await;
    assert_eq!(space.status, 200, "{}", space.body);
    assert!(space.body.contains("ACME Corp"));
    303
}

both_backends!(
    staff_entering_a_space_is_audited_and_its_admins_told,
    |app: TestApp| async move {
        client_with_admin(&app, "ACME Corp", "acme-corp").await;
        add_members(&app, "acme-corp", &[TenantRole::Employee], PASSWORD).await;
        let outsider = client_with_admin(&app, "Dickson Supplies", "dickson").await;
        let nothing = Traces {
            audit: vec![],
            admin_told: vec![],
            employee_told: vec![],
        };
        assert_eq!(traces(&app).await, nothing);

        // Not staff: a member of another client cannot open this one; a member of this one
        // opens it as themselves. Neither is staff access.
        let mut other = member_signed_in(&app, &outsider).await;
        assert_eq!(open_acme(&mut other).await, 403);
        let token = csrf(&mut other).await;
        let refused = other
            .send(
                PORTAL,
                app.http
                    .post(app.url("/api/user/select-client"))
                    .header("x-csrf-token", token)
                    .json(&json!({"client": "acme-corp"})),
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        let mut employee = member_signed_in(&app, "employee@acme-corp.example.com").await;
        assert_eq!(open_acme(&mut employee).await, 303);
        assert_eq!(traces(&app).await, nothing);

        // Support staff open the space from the portal: one audit entry naming them and the
        // role they act with, and a notification to the client's admin (to its admins only).
        let told = format!("Operator staff {STAFF} opened this business's space");
        let (mut staff, secret) = staff_signed_in(&app, STAFF, "support").await;
        assert_eq!(open_acme(&mut staff).await, 303);
        assert_eq!(
            traces(&app).await,
            Traces {
                audit: vec![(STAFF.into(), "manager".into())],
                admin_told: vec![told.clone()],
                employee_told: vec![],
            }
        );

        // A client-scoped token for the space is entering it too (it works on the client's
        // API): audited and told the same way.
        let token = csrf(&mut staff).await;
        let selected = staff
            .send(
                PORTAL,
                app.http
                    .post(app.url("/api/user/select-client"))
                    .header("x-csrf-token", token)
                    .json(&json!({"client": "acme-corp"})),
            )
            .await;
        assert_eq!(selected.status, 200, "{}", selected.body);
        let selection: Value = serde_json::from_str(&selected.body).unwrap();
        assert_eq!(selection["role"], "manager", "{selection}");
        assert_eq!(
            traces(&app).await,
            Traces {
                audit: vec![(STAFF.into(), "manager".into()); 2],
                admin_told: vec![told.clone(); 2],
                employee_told: vec![],
            }
        );

        // Signing in on the client's own host is entering it too, once the second factor is
        // passed (the password alone enters nothing). The next step's code: the enrolment's
        // code cannot be used twice.
        let mut direct = Browser::new(&app);
        let pw = direct.login(ACME_HOST, STAFF, PASSWORD).await;
        assert!(pw.location().starts_with("/mfa"), "{}", pw.location());
        assert_eq!(traces(&app).await.audit.len(), 2);
        let mfa = direct.get(ACME_HOST, "/mfa").await;
        let passed = direct
            .post(
                ACME_HOST,
                "/mfa",
                &[
                    ("csrf", &mfa.csrf()),
                    ("code", &totp_code(&secret, now() + 30)),
                ],
            )
            .await;
        assert_eq!(passed.status, 303, "{}", passed.body);
        assert_eq!(direct.get(ACME_HOST, "/").await.status, 200);
        assert_eq!(
            traces(&app).await,
            Traces {
                audit: vec![(STAFF.into(), "manager".into()); 3],
                admin_told: vec![told.clone(); 3],
                employee_told: vec![],
            }
        );

        // The admin reads it where admins read their notifications.
        let mut admin = member_signed_in(&app, "admin@acme-corp.example.com").await;
        admin.get(PORTAL, "/").await;
        let list: Value =
            serde_json::from_str(&admin.get(PORTAL, "/api/dashboard/notifications").await.body)
                .unwrap();
        assert_eq!(list["unread"], 3, "{list}");
        assert_eq!(list["items"][0]["message"], told.as_str(), "{list}");

        // The entries are in the hash-chained log, which still verifies.
        assert!(app
            .platform
            .control()
            .verify_audit_chain()
            .await
            .unwrap()
            .is_ok());
    }
);
