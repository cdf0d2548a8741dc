//! Single sign-on against a real OpenID Connect provider (oidc-provider-mock): the code flow with
//! PKCE, state and nonce; groups mapped to roles; and the refusals (wrong state, replayed code,
//! unmapped group, unverified email).

use tenantry_platform::config::OidcConfig;

use crate::identity::Browser;
use crate::oidc_provider::OidcProvider;
use crate::support::{Backend, TestApp};

async fn app_with_provider(
    backend: Backend,
    provider: &OidcProvider,
    secrets: &tempfile::TempDir,
) -> TestApp {
    let secret_file = secrets.path().join("client-secret");
    std::fs::write(&secret_file, "not-so-secret\n").unwrap();
    let issuer = provider.issuer.clone();
    TestApp::spawn_with(backend, move |config| {
        config.oidc = vec![OidcConfig {
            name: "corp".into(),
            display_name: Some("Corp SSO".into()),
            issuer,
            client_id: "tenantry".into(),
            client_secret_file: Some(secret_file),
            client_secret_env: None,
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            group_claim: "groups".into(),
            group_roles: Default::default(),
            group_convention: true,
        }];
    })
    .await
}

/// Starts a login on the portal; returns the provider URL the browser is sent to.
async fn start(b: &mut Browser<'_>) -> String {
    let page = b.get("portal.localhost", "/sso/corp?next=/dashboard").await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location()
}

fn callback_path(location: &str) -> String {
    let at = location.find("/api/sso/callback").expect(location);
    location[at..].to_owned()
}

async fn single_sign_on(backend: Backend) {
    let provider = OidcProvider::start().await;
    let secrets = tempfile::tempdir().unwrap();
    let app = app_with_provider(backend, &provider, &secrets).await;
    app.provision("ACME Corp", "acme-corp").await.unwrap();
    provider
        .set_user(
            "alice",
            serde_json::json!({
                "email": "alice@acme.example", "email_verified": true, "name": "Alice",
                "groups": ["acme-corp-admins", "staff"],
            }),
        )
        .await;
    provider
        .set_user("mallory", serde_json::json!({
            "email": "mallory@elsewhere.example", "email_verified": true, "groups": ["unrelated"],
        }))
        .await;
    provider
        .set_user("eve", serde_json::json!({
            "email": "eve@acme.example", "email_verified": false, "groups": ["acme-corp-admins"],
        }))
        .await;

    let mut b = Browser::new(&app);
    let login = b.get("portal.localhost", "/login").await;
    assert!(
        login.body.contains("Sign in with Corp SSO"),
        "{}",
        login.body
    );

    // The happy path: a new user, created and made admin of acme-corp by their group.
    let to_provider = start(&mut b).await;
    assert!(to_provider.starts_with(&provider.issuer), "{to_provider}");
    assert!(to_provider.contains("code_challenge=") && to_provider.contains("nonce="));
    let back = provider.authorize(&to_provider, "alice").await;
    let first_code_callback = callback_path(&back);
    let done = b.get("portal.localhost", &first_code_callback).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location(), "/dashboard");
    assert_eq!(
        b.get("portal.localhost", "/").await.location(),
        "/dashboard"
    );
    let dash = b.get("portal.localhost", "/dashboard").await;
    assert!(
        dash.body.contains("ACME Corp") && dash.body.contains("You are admin"),
        "{}",
        dash.body
    );
    let alice = app
        .platform
        .control()
        .user_by_email("alice@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice.display_name.as_deref(), Some("Alice"));
    assert!(alice.password_hash.is_none());

    // A wrong state: refused before the code is even used.
    let mut other = Browser::new(&app);
    let to_provider = start(&mut other).await;
    let back = provider.authorize(&to_provider, "alice").await;
    let tampered = callback_path(&back).replace("state=", "state=x");
    let refused = other.get("portal.localhost", &tampered).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(
        other.get("portal.localhost", "/dashboard").await.status,
        303
    );

    // A replayed code: the provider refuses it, so do we.
    let to_provider = start(&mut other).await;
    let fresh_state = to_provider
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let old_code = first_code_callback
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let replay = other
        .get(
            "portal.localhost",
            &format!("/api/sso/callback?code={old_code}&state={fresh_state}"),
        )
        .await;
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert_eq!(
        other.get("portal.localhost", "/dashboard").await.status,
        303
    );

    // A group that maps to nothing: no account, no session.
    let to_provider = start(&mut other).await;
    let back = provider.authorize(&to_provider, "mallory").await;
    let res = other.get("portal.localhost", &callback_path(&back)).await;
    assert_eq!(res.status, 401);
    assert!(res.body.contains("no access"), "{}", res.body);
    assert!(app
        .platform
        .control()
        .user_by_email("mallory@elsewhere.example")
        .await
        .unwrap()
        .is_none());

    // An address the provider has not verified is not trusted for linking.
    let to_provider = start(&mut other).await;
    let back = provider.authorize(&to_provider, "eve").await;
    let res = other.get("portal.localhost", &callback_path(&back)).await;
    assert_eq!(res.status, 401);
    assert!(res.body.contains("not verified"), "{}", res.body);

    // A callback without a started sign-in.
    let mut stranger = Browser::new(&app);
    let res = stranger
        .get("portal.localhost", "/api/sso/callback?code=abc&state=def")
        .await;
    assert_eq!(res.status, 401);

    // API start and logout.
    let res = app
        .http
        .post(app.url("/api/sso/login"))
        .header("host", "portal.localhost")
        .json(&serde_json::json!({ "provider": "corp" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let started: serde_json::Value = res.json().await.unwrap();
    assert!(started["authorization_url"]
        .as_str()
        .unwrap()
        .starts_with(&provider.issuer));
    let unknown = app
        .http
        .post(app.url("/api/sso/login"))
        .header("host", "portal.localhost")
        .json(&serde_json::json!({ "provider": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let profile: serde_json::Value =
        serde_json::from_str(&b.get("portal.localhost", "/api/user/profile").await.body).unwrap();
    let csrf = profile["csrf_token"].as_str().unwrap().to_owned();
    let no_csrf = b
        .send(
            "portal.localhost",
            app.http.post(app.url("/api/sso/logout")),
        )
        .await;
    assert_eq!(no_csrf.status, 403);
    let out = b
        .send(
            "portal.localhost",
            app.http
                .post(app.url("/api/sso/logout"))
                .header("x-csrf-token", csrf),
        )
        .await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(b.get("portal.localhost", "/dashboard").await.status, 303);

    let audit = app.platform.control().audit_entries(None).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "login.sso"));
    assert!(audit.iter().any(|a| a.action == "login.sso_refused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_sign_on_sqlite() {
    single_sign_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL suite: set TENANTRY_TEST_POSTGRES_URL and run with --include-ignored"]
async fn single_sign_on_postgres() {
    single_sign_on(Backend::Postgres).await;
}
