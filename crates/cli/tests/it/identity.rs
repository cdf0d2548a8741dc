//! Identity end to end over HTTP: invitation, password, TOTP, sessions, hand-off to a client's
//! host, client-scoped tokens, API keys, throttling, CSRF; and who is refused.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::both_backends;
use crate::support::{invitation_token, stdout, TestApp};

pub const PASSWORD: &str = "plum-Velvet-orbit-91";

/// A browser: cookies kept per host, redirects not followed.
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, HashMap<String, String>>,
}

pub struct Page {
    pub status: u16,
    pub body: String,
    pub headers: HeaderMap,
}

impl Page {
    pub fn location(&self) -> String {
        self.headers
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The first hidden `csrf` field of the page.
    pub fn csrf(&self) -> String {
        field_value(&self.body, "name=\"csrf\" value=\"")
    }
}

pub fn field_value(body: &str, marker: &str) -> String {
    let start = body
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {body}"))
        + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self, host: &str) -> String {
        self.cookies
            .get(host)
            .map(|c| {
                c.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }

    fn keep(&mut self, host: &str, headers: &HeaderMap) {
        for v in headers.get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            assert!(
                !v.to_ascii_lowercase().contains("domain="),
                "cookie scoped beyond its host: {v}"
            );
            let pair = v.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let jar = self.cookies.entry(host.to_owned()).or_default();
            if value.is_empty() || v.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub async fn send(&mut self, host: &str, req: reqwest::RequestBuilder) -> Page {
        let res = req
            .header("host", host)
            .header("cookie", self.cookie_header(host))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        self.keep(host, &headers);
        Page {
            status,
            body: res.text().await.unwrap(),
            headers,
        }
    }

    /// The cookies this browser holds for `host`.
    pub fn clone_cookies(&self, host: &str) -> HashMap<String, String> {
        self.cookies.get(host).cloned().unwrap_or_default()
    }

    pub fn set_cookies(&mut self, host: &str, cookies: HashMap<String, String>) {
        self.cookies.insert(host.to_owned(), cookies);
    }

    pub async fn get(&mut self, host: &str, path: &str) -> Page {
        let req = self.app.http.get(self.app.url(path));
        self.send(host, req).await
    }

    pub async fn post(&mut self, host: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.app.http.post(self.app.url(path)).form(form);
        self.send(host, req).await
    }

    /// Signs in on `host` with the login form.
    pub async fn login(&mut self, host: &str, email: &str, password: &str) -> Page {
        let page = self.get(host, "/login").await;
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = page.csrf();
        self.post(
            host,
            "/login",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }
}

pub fn totp_code(secret_base32: &str, at: u64) -> String {
    let secret = totp_rs::Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    )
    .generate(at)
}

/// A code the server certainly refuses at `at`: the valid one plus one, moved on until it is none
/// of the codes of the two steps either side (the server allows one step of skew, and the
/// request may cross a step boundary). A fixed code such as "000000" is sometimes valid.
fn wrong_totp_code(secret_base32: &str, at: u64) -> String {
    let near: Vec<String> = (0..5)
        .map(|i| totp_code(secret_base32, (at + i * 30).saturating_sub(60)))
        .collect();
    let mut n: u32 = near[2].parse().unwrap();
    loop {
        n = (n + 1) % 1_000_000;
        let code = format!("{n:06}");
        if !near.contains(&code) {
            return code;
        }
    }
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Provisions a client and sets its admin's password through the identity service.
pub async fn client_with_admin(app: &TestApp, name: &str, subdomain: &str) -> String {
    let p = app.provision(name, subdomain).await.unwrap();
    let token = invitation_token(p.invitation_url.as_deref().unwrap());
    app.platform
        .identity()
        .accept_invitation(&token, PASSWORD)
        .await
        .unwrap();
    format!("admin@{subdomain}.example.com")
}

// The whole walk a person makes: invitation → password → TOTP → sign out → sign in with TOTP →
// dashboard → the client's own host → sign out everywhere.
both_backends!(
    invitation_mfa_handoff_and_logout_everywhere,
    |app: TestApp| async move {
        let provisioned = app.provision("ACME Corp", "acme-corp").await.unwrap();
        let link = provisioned.invitation_url.unwrap();
        let token = invitation_token(&link);
        let portal = "portal.localhost";
        let tenant_host = "acme-corp.localhost";
        let mut b = Browser::new(&app);

        // Invitation: a weak password is refused, a strong one accepted once.
        let page = b.get(portal, &format!("/invite/{token}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("admin@acme-corp.example.com"));
        let csrf = page.csrf();
        let weak = b
            .post(
                portal,
                &format!("/invite/{token}"),
                &[
                    ("csrf", &csrf),
                    ("password", "password1"),
                    ("confirm", "password1"),
                ],
            )
            .await;
        assert_eq!(weak.status, 422, "{}", weak.body);
        let no_csrf = b
            .post(
                portal,
                &format!("/invite/{token}"),
                &[("csrf", "x"), ("password", PASSWORD), ("confirm", PASSWORD)],
            )
            .await;
        assert_eq!(no_csrf.status, 403);
        let set = b
            .post(
                portal,
                &format!("/invite/{token}"),
                &[
                    ("csrf", &csrf),
                    ("password", PASSWORD),
                    ("confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(set.status, 303, "{}", set.body);
        // The sign-in form comes filled in with the account's email; what is not an email
        // address is never put back in the form.
        assert_eq!(
            set.location(),
            "/login?notice=password-set&email=admin%40acme-corp.example.com"
        );
        let form = b.get(portal, &set.location()).await;
        assert!(
            form.body
                .contains("name=\"email\" value=\"admin@acme-corp.example.com\""),
            "{}",
            form.body
        );
        let odd = b.get(portal, "/login?email=%22%3E%3Cscript%3E").await;
        assert!(
            odd.body.contains("name=\"email\" value=\"\""),
            "{}",
            odd.body
        );
        let again = b.get(portal, &format!("/invite/{token}")).await;
        assert_eq!(again.status, 410);

        // Wrong password and unknown account: the same answer.
        let wrong = b
            .login(portal, "admin@acme-corp.example.com", "not-the-password-1")
            .await;
        let unknown = b
            .login(portal, "nobody@acme-corp.example.com", "not-the-password-1")
            .await;
        assert_eq!((wrong.status, unknown.status), (401, 401));
        assert!(wrong.body.contains("Email or password is wrong."));
        assert!(unknown.body.contains("Email or password is wrong."));

        // Sign in (no MFA yet): one client, so the dashboard directly.
        let ok = b
            .login(portal, "admin@acme-corp.example.com", PASSWORD)
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let first_cookie = b.cookie_header(portal);
        let home = b.get(portal, "/").await;
        assert_eq!(home.location(), "/dashboard");
        let dash = b.get(portal, "/dashboard").await;
        assert_eq!(dash.status, 200, "{}", dash.body);
        assert!(dash.body.contains("ACME Corp") && dash.body.contains("You are admin"));

        // Enrol TOTP from the profile.
        let setup = b.get(portal, "/mfa/setup").await;
        assert_eq!(setup.status, 200, "{}", setup.body);
        let marker = "Enter this key: <code>";
        let at = setup.body.find(marker).unwrap() + marker.len();
        let secret = setup.body[at..].split('<').next().unwrap().to_owned();
        let csrf = setup.csrf();
        let wrong = wrong_totp_code(&secret, now());
        let bad = b
            .post(portal, "/mfa/setup", &[("csrf", &csrf), ("code", &wrong)])
            .await;
        assert_eq!(bad.status, 401);
        let code = totp_code(&secret, now());
        let enrolled = b
            .post(portal, "/mfa/setup", &[("csrf", &csrf), ("code", &code)])
            .await;
        assert_eq!(enrolled.status, 200, "{}", enrolled.body);
        assert!(enrolled.body.contains("recovery codes"));
        // Enrolment is a privilege change: the session id rotated.
        assert_ne!(b.cookie_header(portal), first_cookie);

        // Sign out, then in again: now the second factor is owed.
        let csrf = b.get(portal, "/profile").await.csrf();
        let out = b.post(portal, "/logout", &[("csrf", &csrf)]).await;
        assert_eq!(out.status, 303);
        assert_eq!(b.get(portal, "/dashboard").await.status, 303);
        let pw = b
            .login(portal, "admin@acme-corp.example.com", PASSWORD)
            .await;
        assert!(pw.location().starts_with("/mfa"), "{}", pw.location());
        assert!(b
            .get(portal, "/dashboard")
            .await
            .location()
            .starts_with("/mfa"));
        let mfa = b.get(portal, "/mfa").await;
        let csrf = mfa.csrf();
        // The code used at enrolment does not work twice.
        let replay = b
            .post(portal, "/mfa", &[("csrf", &csrf), ("code", &code)])
            .await;
        assert_eq!(replay.status, 401);
        let next = totp_code(&secret, now() + 30);
        let passed = b
            .post(portal, "/mfa", &[("csrf", &csrf), ("code", &next)])
            .await;
        assert_eq!(passed.status, 303, "{}", passed.body);

        // Open the client's space: a one-time code moves us to its host.
        assert_eq!(b.get(portal, "/").await.location(), "/dashboard");
        let dash = b.get(portal, "/dashboard").await;
        let open = field_value(&dash.body, "class=\"button\" href=\"").replace("&amp;", "&");
        assert!(open.starts_with("/open/acme-corp?csrf="), "{open}");
        let moved = b.get(portal, &open).await;
        assert_eq!(moved.status, 303);
        let target = moved.location();
        let path = &target[target.find("/auth/handoff").unwrap()..];
        assert!(target.starts_with("http://acme-corp.localhost"), "{target}");
        let landed = b.get(tenant_host, path).await;
        assert_eq!(landed.status, 303, "{}", landed.body);
        let space = b.get(tenant_host, "/").await;
        assert!(
            space.body.contains("admin@acme-corp.example.com") && space.body.contains("Sign out"),
            "{}",
            space.body
        );
        // The code worked once.
        let mut other = Browser::new(&app);
        assert_eq!(other.get(tenant_host, path).await.status, 401);

        // Sign out everywhere from the portal ends the tenant host's session too.
        let csrf = b.get(portal, "/profile").await.csrf();
        let all = b
            .post(portal, "/logout-everywhere", &[("csrf", &csrf)])
            .await;
        assert_eq!(all.status, 303);
        let space = b.get(tenant_host, "/").await;
        assert_eq!(space.status, 200);
        assert!(!space.body.contains("Sign out"), "{}", space.body);
    }
);

// Client-scoped tokens: issued on selection, accepted on the client's host only, and every
// forgery refused. API keys from the CLI: accepted, bound to their client, revocable.
both_backends!(tokens_and_api_keys, |app: TestApp| async move {
    let admin = client_with_admin(&app, "ACME Corp", "acme-corp").await;
    let other_admin = client_with_admin(&app, "Beta Ltd", "beta").await;
    let mut b = Browser::new(&app);
    assert_eq!(
        b.login("portal.localhost", &admin, PASSWORD).await.status,
        303
    );
    let profile = b.get("portal.localhost", "/api/user/profile").await;
    assert_eq!(profile.status, 200, "{}", profile.body);
    let profile: serde_json::Value = serde_json::from_str(&profile.body).unwrap();
    let csrf = profile["csrf_token"].as_str().unwrap().to_owned();

    let select = |csrf: Option<&str>, client: &str| {
        let mut req = app
            .http
            .post(app.url("/api/user/select-client"))
            .json(&serde_json::json!({ "client": client }));
        if let Some(c) = csrf {
            req = req.header("x-csrf-token", c);
        }
        req
    };
    let no_csrf = b.send("portal.localhost", select(None, "acme-corp")).await;
    assert_eq!(no_csrf.status, 403);
    let not_mine = b
        .send("portal.localhost", select(Some(&csrf), "beta"))
        .await;
    assert_eq!(not_mine.status, 403);
    let unknown = b
        .send("portal.localhost", select(Some(&csrf), "no-such-client"))
        .await;
    assert_eq!(unknown.status, 403);
    let selected = b
        .send("portal.localhost", select(Some(&csrf), "acme-corp"))
        .await;
    assert_eq!(selected.status, 200, "{}", selected.body);
    let selected: serde_json::Value = serde_json::from_str(&selected.body).unwrap();
    let token = selected["access_token"].as_str().unwrap().to_owned();
    assert_eq!(selected["role"], "admin");

    let whoami = |host: &str, auth: &str| {
        app.http
            .get(app.url("/api/method/frappe.auth.get_logged_user"))
            .header("host", host)
            .header("authorization", auth)
            .send()
    };
    let res = whoami("acme-corp.localhost", &format!("Bearer {token}"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["message"],
        admin.as_str()
    );
    // Another client's host, or naming another client in X-Tenant-Id: refused.
    let res = whoami("beta.localhost", &format!("Bearer {token}"))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // The claims verify against the published JWKS.
    let jwks = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .header("host", "portal.localhost")
        .send()
        .await
        .unwrap();
    let jwks: serde_json::Value = jwks.json().await.unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kid"] == header["kid"] && k["crv"] == "Ed25519"));

    // Forgeries: a tampered claim, alg none, a key nobody published, a token signed by the right
    // key but expired.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["role"] = "admin".into();
    claims["tenant"] = app
        .platform
        .control()
        .tenant_by_subdomain("beta")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
        .into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    assert_eq!(
        whoami("beta.localhost", &format!("Bearer {tampered}"))
            .await
            .unwrap()
            .status(),
        401
    );
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let none = format!("{none_header}.{}.", parts[1]);
    assert_eq!(
        whoami("acme-corp.localhost", &format!("Bearer {none}"))
            .await
            .unwrap()
            .status(),
        401
    );
    let stranger = jsonwebtoken::EncodingKey::from_ed_der(&pkcs8(&[7u8; 32]));
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    h.kid = header["kid"].as_str().map(str::to_owned);
    let original: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let forged = jsonwebtoken::encode(&h, &original, &stranger).unwrap();
    assert_eq!(
        whoami("acme-corp.localhost", &format!("Bearer {forged}"))
            .await
            .unwrap()
            .status(),
        401
    );
    let real_key = signing_key(&app, h.kid.as_deref().unwrap()).await;
    let mut expired = original.clone();
    expired["iat"] = (now() as i64 - 3600).into();
    expired["exp"] = (now() as i64 - 3000).into();
    let expired = jsonwebtoken::encode(&h, &expired, &real_key).unwrap();
    assert_eq!(
        whoami("acme-corp.localhost", &format!("Bearer {expired}"))
            .await
            .unwrap()
            .status(),
        401
    );
    // The same key with fresh claims works: the refusals above were for the reasons tested.
    let mut fresh = original.clone();
    fresh["iat"] = (now() as i64).into();
    fresh["exp"] = (now() as i64 + 600).into();
    let fresh = jsonwebtoken::encode(&h, &fresh, &real_key).unwrap();
    assert_eq!(
        whoami("acme-corp.localhost", &format!("Bearer {fresh}"))
            .await
            .unwrap()
            .status(),
        200
    );

    // Rotation: new tokens use the new key, old tokens keep working until they expire.
    let rotated = app.cli(&["keys", "rotate"]);
    assert!(rotated.status.success(), "{rotated:?}");
    assert_eq!(
        whoami("acme-corp.localhost", &format!("Bearer {token}"))
            .await
            .unwrap()
            .status(),
        200
    );

    // API keys.
    let made = app.cli(&[
        "apikey",
        "create",
        "--tenant",
        "acme-corp",
        "--user",
        &admin,
        "--role",
        "viewer",
    ]);
    assert!(made.status.success(), "{made:?}");
    let credential = stdout(&made).lines().last().unwrap().trim().to_owned();
    let (key_id, _) = credential.split_once(':').unwrap();
    let res = whoami("acme-corp.localhost", &format!("token {credential}"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        whoami("beta.localhost", &format!("token {credential}"))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        whoami("acme-corp.localhost", &format!("token {key_id}:00ff"))
            .await
            .unwrap()
            .status(),
        401
    );
    let bad_role = app.cli(&[
        "apikey",
        "create",
        "--tenant",
        "acme-corp",
        "--user",
        &admin,
        "--role",
        "owner",
    ]);
    assert_eq!(bad_role.status.code(), Some(2));
    let not_member = app.cli(&[
        "apikey",
        "create",
        "--tenant",
        "acme-corp",
        "--user",
        &other_admin,
        "--role",
        "viewer",
    ]);
    assert_eq!(not_member.status.code(), Some(2));
    let revoked = app.cli(&["apikey", "revoke", "--user", &admin, key_id]);
    assert!(revoked.status.success(), "{revoked:?}");
    assert_eq!(
        whoami("acme-corp.localhost", &format!("token {credential}"))
            .await
            .unwrap()
            .status(),
        401
    );
});

fn pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(seed);
    der
}

/// The installation's real signing key (read as an attacker with the database and the master
/// key would), to make tokens that are well signed but wrong in one claim.
async fn signing_key(app: &TestApp, kid: &str) -> jsonwebtoken::EncodingKey {
    let record = app
        .platform
        .control()
        .signing_keys(0)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.kid == kid)
        .unwrap();
    let key =
        tenantry_store::MasterKey::parse(app.config.master_key.as_ref().unwrap().expose()).unwrap();
    let seed = key
        .decrypt(&record.private_key_enc, &format!("jwt-signing-key:{kid}"))
        .unwrap();
    jsonwebtoken::EncodingKey::from_ed_der(&pkcs8(&seed.try_into().unwrap()))
}

// Without a session nothing is shown; another client's member and a too-small role are refused.
both_backends!(
    identity_endpoints_refuse_outsiders,
    |app: TestApp| async move {
        let admin = client_with_admin(&app, "ACME Corp", "acme-corp").await;
        let beta_admin = client_with_admin(&app, "Beta Ltd", "beta").await;
        let anonymous = Browser::new(&app);
        let mut anonymous = anonymous;
        for path in [
            "/api/user/profile",
            "/api/user/clients",
            "/api/dashboard/summary",
            "/api/dashboard/activity",
            "/api/dashboard/notifications",
        ] {
            let page = anonymous.get("portal.localhost", path).await;
            assert_eq!(page.status, 401, "{path}");
            assert!(!page.body.contains("acme"), "{path}: {}", page.body);
        }
        for path in ["/dashboard", "/select", "/profile", "/console"] {
            let page = anonymous.get("portal.localhost", path).await;
            assert_eq!(page.status, 303, "{path}");
            assert!(page.location().starts_with("/login"), "{path}");
        }
        let page = anonymous
            .get(
                "acme-corp.localhost",
                "/api/method/frappe.auth.get_logged_user",
            )
            .await;
        assert_eq!(page.status, 401);

        // Beta's admin signs in on beta's host; that cookie replayed on ACME's host gets nothing.
        let mut beta = Browser::new(&app);
        assert_eq!(
            beta.login("beta.localhost", &beta_admin, PASSWORD)
                .await
                .status,
            303
        );
        let beta_cookie = beta.cookie_header("beta.localhost");
        let res = app
            .http
            .get(app.url("/api/method/frappe.auth.get_logged_user"))
            .header("host", "acme-corp.localhost")
            .header("cookie", &beta_cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        // And beta's admin cannot sign in on ACME's host at all.
        assert_eq!(
            beta.login("acme-corp.localhost", &beta_admin, PASSWORD)
                .await
                .status,
            403
        );

        // A client admin is not operator staff.
        let mut b = Browser::new(&app);
        assert_eq!(
            b.login("portal.localhost", &admin, PASSWORD).await.status,
            303
        );
        assert_eq!(b.get("portal.localhost", "/console").await.status, 403);
        // A viewer-role API key cannot be made into more by its holder's higher role.
        let made = app.cli(&[
            "apikey",
            "create",
            "--tenant",
            "acme-corp",
            "--user",
            &admin,
            "--role",
            "viewer",
        ]);
        let credential = stdout(&made).lines().last().unwrap().trim().to_owned();
        let (key, _) = credential.split_once(':').unwrap();
        let keys = app.platform.control().api_key(key).await.unwrap().unwrap();
        assert_eq!(keys.role.as_str(), "viewer");

        // Names are escaped wherever they are shown.
        let p = app
            .provision("<script>alert(1)</script> Ltd", "xss")
            .await
            .unwrap();
        let token = invitation_token(p.invitation_url.as_deref().unwrap());
        let page = anonymous
            .get("portal.localhost", &format!("/invite/{token}"))
            .await;
        assert!(!page.body.contains("<script>alert(1)</script>"));
        assert!(page.body.contains("&#60;script&#62;"), "{}", page.body);
    }
);

// Throttling: after the limit even the right password is refused, for known and unknown accounts
// alike, and the refusal lifts when the window passes.
both_backends!(
    login_throttling_engages_and_lifts,
    |app: TestApp| async move {
        let admin = client_with_admin(&app, "ACME Corp", "acme-corp").await;
        app.platform
            .control()
            .add_login_failure(&[&format!("account:{admin}")], now() as i64 - 10_000)
            .await
            .unwrap();
        let mut b = Browser::new(&app);
        let max = app.config.login_throttle_account_max;
        for _ in 0..max {
            assert_eq!(
                b.login("portal.localhost", &admin, "wrong-password-xyz1")
                    .await
                    .status,
                401
            );
        }
        let refused = b.login("portal.localhost", &admin, PASSWORD).await;
        assert_eq!(refused.status, 429, "{}", refused.body);
        for _ in 0..max {
            b.login(
                "portal.localhost",
                "ghost@example.com",
                "wrong-password-xyz1",
            )
            .await;
        }
        assert_eq!(
            b.login("portal.localhost", "ghost@example.com", PASSWORD)
                .await
                .status,
            429
        );
        tokio::time::sleep(std::time::Duration::from_secs(
            app.config.login_throttle_window_secs + 1,
        ))
        .await;
        assert_eq!(
            b.login("portal.localhost", &admin, PASSWORD).await.status,
            303
        );
    }
);

// State-changing forms without their CSRF token are refused.
both_backends!(forms_without_csrf_are_refused, |app: TestApp| async move {
    let admin = client_with_admin(&app, "ACME Corp", "acme-corp").await;
    let mut b = Browser::new(&app);
    let no_cookie = b
        .post(
            "portal.localhost",
            "/login",
            &[("csrf", "abc"), ("email", &admin), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(no_cookie.status, 403);
    assert_eq!(
        b.login("portal.localhost", &admin, PASSWORD).await.status,
        303
    );
    for path in [
        "/logout",
        "/logout-everywhere",
        "/profile/password",
        "/select",
        "/notifications/read",
    ] {
        let res = b.post("portal.localhost", path, &[("csrf", "wrong")]).await;
        assert_eq!(res.status, 403, "{path}");
    }
    // Still signed in: none of those went through.
    assert_eq!(b.get("portal.localhost", "/profile").await.status, 200);
});

// The OpenAPI document is served on every host and describes every JSON endpoint.
both_backends!(openapi_document_lists_the_api, |app: TestApp| async move {
    app.provision("ACME Corp", "acme-corp").await.unwrap();
    for host in ["portal.localhost", "acme-corp.localhost", "localhost"] {
        let (status, body) = app.get(host, "/api/openapi.json").await;
        assert_eq!(status, 200, "{host}");
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/method/ping",
            "/api/user/profile",
            "/api/user/clients",
            "/api/user/select-client",
            "/api/dashboard/summary",
            "/api/dashboard/activity",
            "/api/dashboard/notifications",
            "/api/dashboard/notifications/read",
            "/api/sso/login",
            "/api/sso/callback",
            "/api/sso/logout",
            "/api/method/frappe.auth.get_logged_user",
            "/.well-known/jwks.json",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
    }
});

// A client's admin manages its people; nobody else does; the last admin stays; plan limits hold.
both_backends!(team_management, |app: TestApp| async move {
    let admin = client_with_admin(&app, "ACME Corp", "acme-corp").await;
    let mut b = Browser::new(&app);
    assert_eq!(
        b.login("portal.localhost", &admin, PASSWORD).await.status,
        303
    );
    b.get("portal.localhost", "/").await;
    let team = b.get("portal.localhost", "/team").await;
    assert_eq!(team.status, 200, "{}", team.body);
    let csrf = team.csrf();
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
    let link = field_value(&invited.body, "it is shown only now): <code>")
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let token = invitation_token(&link);
    app.platform
        .identity()
        .accept_invitation(&token, PASSWORD)
        .await
        .unwrap();

    // The employee signs in and cannot manage people.
    let mut emma = Browser::new(&app);
    assert_eq!(
        emma.login("portal.localhost", "emma@acme.example", PASSWORD)
            .await
            .status,
        303
    );
    emma.get("portal.localhost", "/").await;
    assert_eq!(emma.get("portal.localhost", "/team").await.status, 403);
    let emma_csrf = emma.get("portal.localhost", "/profile").await.csrf();
    let tenant = app
        .platform
        .control()
        .tenant_by_subdomain("acme-corp")
        .await
        .unwrap()
        .unwrap();
    let admin_id = app
        .platform
        .control()
        .user_by_email(&admin)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let sneaky = emma
        .post(
            "portal.localhost",
            "/team/role",
            &[
                ("csrf", &emma_csrf),
                ("user", &admin_id),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(sneaky.status, 403);

    // The last admin cannot demote or deactivate themselves.
    let demote = b
        .post(
            "portal.localhost",
            "/team/role",
            &[("csrf", &csrf), ("user", &admin_id), ("role", "viewer")],
        )
        .await;
    assert_eq!(demote.status, 409, "{}", demote.body);
    let leave = b
        .post(
            "portal.localhost",
            "/team/active",
            &[("csrf", &csrf), ("user", &admin_id), ("active", "false")],
        )
        .await;
    assert_eq!(leave.status, 409);

    // Deactivating someone shuts their access at once, keys included.
    let made = app.cli(&[
        "apikey",
        "create",
        "--tenant",
        "acme-corp",
        "--user",
        "emma@acme.example",
        "--role",
        "employee",
    ]);
    let credential = stdout(&made).lines().last().unwrap().trim().to_owned();
    let emma_id = app
        .platform
        .control()
        .user_by_email("emma@acme.example")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let off = b
        .post(
            "portal.localhost",
            "/team/active",
            &[("csrf", &csrf), ("user", &emma_id), ("active", "false")],
        )
        .await;
    // Done, back to the page, which says so (a reload changes nothing again).
    assert_eq!(off.status, 303, "{}", off.body);
    assert_eq!(off.location(), "/team?done=access");
    let back = b.get("portal.localhost", &off.location()).await;
    assert!(back.body.contains("Access changed."), "{}", back.body);
    assert!(!b
        .get("portal.localhost", "/team?done=%3Cb%3E")
        .await
        .body
        .contains("role=\"status\""));
    let res = app
        .http
        .get(app.url("/api/method/frappe.auth.get_logged_user"))
        .header("host", "acme-corp.localhost")
        .header("authorization", format!("token {credential}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        app.platform
            .control()
            .role_in(emma_id.parse().unwrap(), tenant.id)
            .await
            .unwrap(),
        None
    );

    // MFA required for the client: an admin's setting.
    let saved = b
        .post(
            "portal.localhost",
            "/team/mfa",
            &[("csrf", &csrf), ("required", "1")],
        )
        .await;
    assert_eq!(saved.status, 303);
    assert_eq!(saved.location(), "/team?done=security");
    assert!(app
        .platform
        .control()
        .tenant_mfa_required(tenant.id)
        .await
        .unwrap());
    // From now on its members owe a second step when they enter it (not to sign in).
    let mut again = Browser::new(&app);
    let pw = again.login("portal.localhost", &admin, PASSWORD).await;
    assert_eq!(pw.location(), "/");
    let enter = again.get("portal.localhost", "/").await;
    assert!(enter.location().starts_with("/mfa"), "{}", enter.location());

    // Plan limits: basic allows 5 users.
    let basic = tenantry_platform::provisioning::ProvisionRequest::parse(
        "Small Co",
        "small",
        "boss@small.example",
        "basic",
        &[],
    )
    .unwrap();
    let small = tenantry_platform::provisioning::provision(&app.platform, &basic, "test")
        .await
        .unwrap();
    for i in 0..4 {
        tenantry_platform::accounts::invite_member(
            &app.platform,
            small.tenant_id,
            &format!("p{i}@small.example"),
            tenantry_domain::TenantRole::Viewer,
            "test",
        )
        .await
        .unwrap();
    }
    let over = tenantry_platform::accounts::invite_member(
        &app.platform,
        small.tenant_id,
        "p5@small.example",
        tenantry_domain::TenantRole::Viewer,
        "test",
    )
    .await;
    assert!(
        matches!(over, Err(tenantry_platform::PlatformError::Refused(_))),
        "{over:?}"
    );
});

// The landing page's contact form: stored, acknowledged, validated.
both_backends!(contact_form, |app: TestApp| async move {
    let mut b = Browser::new(&app);
    let landing = b.get("localhost", "/").await;
    let csrf = landing.csrf();
    let bad = b
        .post(
            "localhost",
            "/contact",
            &[
                ("csrf", &csrf),
                ("name", "Ann"),
                ("email", "not-an-email"),
                ("message", "Hi"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    let forged = b
        .post(
            "localhost",
            "/contact",
            &[
                ("csrf", "nope"),
                ("name", "Ann"),
                ("email", "ann@shop.example"),
                ("message", "Hi"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(
        app.platform
            .control()
            .contact_message_count()
            .await
            .unwrap(),
        0
    );
    let ok = b
        .post(
            "localhost",
            "/contact",
            &[
                ("csrf", &csrf),
                ("name", "Ann <b>"),
                ("email", "ann@shop.example"),
                ("company", "Ann's Shop"),
                ("message", "Do you do payroll?"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.body.contains("Thank you, Ann &#60;b&#62;"),
        "{}",
        ok.body
    );
    assert_eq!(
        app.platform
            .control()
            .contact_message_count()
            .await
            .unwrap(),
        1
    );
});

// Operator staff: MFA is enrolled at first sign-in; the console lists clients and provisions.
both_backends!(operator_console, |app: TestApp| async move {
    client_with_admin(&app, "ACME Corp", "acme-corp").await;
    let made = app.cli(&[
        "user",
        "staff",
        "--email",
        "ops@byrne.example",
        "--role",
        "superadmin",
    ]);
    assert!(made.status.success(), "{made:?}");
    let out = stdout(&made);
    let link = out
        .split("password link: ")
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    app.platform
        .identity()
        .accept_invitation(&invitation_token(&link), PASSWORD)
        .await
        .unwrap();

    let mut b = Browser::new(&app);
    let pw = b
        .login("portal.localhost", "ops@byrne.example", PASSWORD)
        .await;
    assert!(
        pw.location().starts_with("/mfa"),
        "staff must pass MFA: {}",
        pw.location()
    );
    assert!(b
        .get("portal.localhost", "/console")
        .await
        .location()
        .starts_with("/mfa"));
    let enrol = b.get("portal.localhost", "/mfa").await;
    assert!(enrol.body.contains("Set up your authenticator"));
    let marker = "Enter this key: <code>";
    let at = enrol.body.find(marker).unwrap() + marker.len();
    let secret = enrol.body[at..].split('<').next().unwrap().to_owned();
    let code = totp_code(&secret, now());
    let done = b
        .post(
            "portal.localhost",
            "/mfa",
            &[("csrf", &enrol.csrf()), ("code", &code)],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("recovery codes"));

    let console = b.get("portal.localhost", "/console").await;
    assert_eq!(console.status, 200, "{}", console.body);
    // Its title and header are words, not the provisioning form (which the template once put
    // in both).
    let title = console.body.split("<title>").nth(1).unwrap();
    let title = title.split("</title>").next().unwrap();
    assert!(
        title.starts_with("Console · ") && !title.contains('<'),
        "{title}"
    );
    assert_eq!(
        console
            .body
            .matches("action=\"/console/provision\"")
            .count(),
        1
    );
    assert!(console.body.contains("Nothing waiting."));
    // A password reset asked for on a client's host waits in the outbox, which staff read here.
    let mut asker = Browser::new(&app);
    let form = asker.get("acme-corp.localhost", "/forgot-password").await;
    let asked = asker
        .post(
            "acme-corp.localhost",
            "/forgot-password",
            &[
                ("csrf", &form.csrf()),
                ("email", "admin@acme-corp.example.com"),
            ],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let with_mail = b.get("portal.localhost", "/console").await;
    assert!(
        with_mail.body.contains("Reset your password at ACME Corp")
            && with_mail.body.contains("admin@acme-corp.example.com")
            && with_mail.body.contains("/invite/"),
        "{}",
        with_mail.body
    );
    assert!(console.body.contains("ACME Corp") && console.body.contains("acme-corp.localhost"));
    let csrf = console.csrf();
    let bad = b
        .post(
            "portal.localhost",
            "/console/provision",
            &[
                ("csrf", &csrf),
                ("name", "New Co"),
                ("subdomain", "Bad_Sub"),
                ("admin_email", "a@new.example"),
                ("plan", "basic"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let ok = b
        .post(
            "portal.localhost",
            "/console/provision",
            &[
                ("csrf", &csrf),
                ("name", "New Co"),
                ("subdomain", "new-co"),
                ("admin_email", "a@new.example"),
                ("plan", "basic"),
                ("domain", ""),
            ],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("Provisioned New Co") && ok.body.contains("/invite/"));
    assert!(app
        .platform
        .control()
        .tenant_by_subdomain("new-co")
        .await
        .unwrap()
        .is_some());

    // Staff may open a client's space; its admins are told.
    let opened = b
        .get("portal.localhost", &format!("/open/acme-corp?csrf={csrf}"))
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let mut admin = Browser::new(&app);
    assert_eq!(
        admin
            .login("portal.localhost", "admin@acme-corp.example.com", PASSWORD)
            .await
            .status,
        303
    );
    admin.get("portal.localhost", "/").await;
    let list: serde_json::Value = serde_json::from_str(
        &admin
            .get("portal.localhost", "/api/dashboard/notifications")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(list["unread"], 1, "{list}");
    assert!(list["items"][0]["message"]
        .as_str()
        .unwrap()
        .contains("ops@byrne.example"));
    let profile: serde_json::Value = serde_json::from_str(
        &admin
            .get("portal.localhost", "/api/user/profile")
            .await
            .body,
    )
    .unwrap();
    let admin_csrf = profile["csrf_token"].as_str().unwrap().to_owned();
    let read = admin
        .send(
            "portal.localhost",
            app.http
                .post(app.url("/api/dashboard/notifications/read"))
                .header("x-csrf-token", admin_csrf)
                .json(&serde_json::json!({})),
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    let list: serde_json::Value = serde_json::from_str(
        &admin
            .get("portal.localhost", "/api/dashboard/notifications")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(list["unread"], 0);
});

// Behind TLS the session cookie is `__Host-`, Secure, HttpOnly, SameSite=Lax, host-only; HSTS is
// sent. Without TLS neither Secure nor HSTS (browsers would drop a Secure cookie over http).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_and_hsts_follow_tls() {
    for tls in [true, false] {
        let app = TestApp::spawn_with(crate::support::Backend::Sqlite, |c| {
            c.public_scheme = if tls { "https" } else { "http" }.into();
        })
        .await;
        let admin = client_with_admin(&app, "ACME Corp", "acme-corp").await;
        let mut b = Browser::new(&app);
        let res = b.login("portal.localhost", &admin, PASSWORD).await;
        assert_eq!(res.status, 303);
        let cookie = res
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.contains("_session="))
            .unwrap();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
        assert_eq!(
            cookie.starts_with("__Host-tenantry_session="),
            tls,
            "{cookie}"
        );
        assert_eq!(cookie.contains("Secure"), tls, "{cookie}");
        assert_eq!(res.headers.contains_key("strict-transport-security"), tls);
        // The cookie works under its name.
        assert_eq!(b.get("portal.localhost", "/profile").await.status, 200);
    }
}

// Passkey endpoints refuse what they must (the ceremonies themselves run in a real browser with
// a virtual authenticator: e2e/passkeys.mjs).
both_backends!(
    passkey_endpoints_refuse_outsiders,
    |app: TestApp| async move {
        let admin = client_with_admin(&app, "ACME Corp", "acme-corp").await;
        let post = |path: &str| {
            app.http
                .post(app.url(path))
                .header("host", "portal.localhost")
                .json(&serde_json::json!({}))
        };
        // No session.
        for path in [
            "/api/passkeys/register/begin",
            "/api/passkeys/register/finish",
            "/api/passkeys/mfa/begin",
        ] {
            assert_eq!(post(path).send().await.unwrap().status(), 401, "{path}");
        }
        // No pre-session CSRF token for passwordless sign-in.
        assert_eq!(
            post("/api/passkeys/login/begin")
                .send()
                .await
                .unwrap()
                .status(),
            403
        );

        let mut b = Browser::new(&app);
        assert_eq!(
            b.login("portal.localhost", &admin, PASSWORD).await.status,
            303
        );
        let profile = b.get("portal.localhost", "/profile").await;
        assert!(profile.body.contains("id=\"passkey-add\""));
        let csrf = profile.csrf();
        // A session without its CSRF header.
        let res = b
            .send("portal.localhost", post("/api/passkeys/register/begin"))
            .await;
        assert_eq!(res.status, 403);
        // With it: the browser gets creation options naming this site and user, and a state cookie.
        let res = b
            .send(
                "portal.localhost",
                post("/api/passkeys/register/begin").header("x-csrf-token", &csrf),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let options: serde_json::Value = serde_json::from_str(&res.body).unwrap();
        assert_eq!(options["publicKey"]["rp"]["id"], "portal.localhost");
        assert_eq!(
            options["publicKey"]["authenticatorSelection"]["residentKey"],
            "required"
        );
        assert_eq!(options["publicKey"]["user"]["name"], admin.as_str());
        assert!(res
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("tenantry_webauthn=")));
        // A malformed credential is a 422; a well-formed but forged one is refused and stores nothing.
        let res = b
            .send(
                "portal.localhost",
                app.http
                    .post(app.url("/api/passkeys/register/finish"))
                    .header("x-csrf-token", &csrf)
                    .json(&serde_json::json!({ "name": "x", "credential": { "id": 5 } })),
            )
            .await;
        assert_eq!(res.status, 422);
        let forged = serde_json::json!({
            "name": "forged",
            "credential": {
                "id": "AAAA", "rawId": "AAAA", "type": "public-key", "extensions": {},
                "response": { "attestationObject": "AAAA", "clientDataJSON": "AAAA" }
            }
        });
        let res = b
            .send(
                "portal.localhost",
                app.http
                    .post(app.url("/api/passkeys/register/finish"))
                    .header("x-csrf-token", &csrf)
                    .json(&forged),
            )
            .await;
        assert_eq!(res.status, 400, "{}", res.body);
        let user = app
            .platform
            .control()
            .user_by_email(&admin)
            .await
            .unwrap()
            .unwrap();
        assert!(app
            .platform
            .control()
            .passkeys_of(user.id)
            .await
            .unwrap()
            .is_empty());
        // A session that has not proven a second factor may step up with a passkey, but this
        // person has none.
        let res = b
            .send(
                "portal.localhost",
                post("/api/passkeys/mfa/begin").header("x-csrf-token", &csrf),
            )
            .await;
        assert_eq!(res.status, 400, "{}", res.body);
        // Removing someone else's (or no) passkey changes nothing.
        let res = b
            .post(
                "portal.localhost",
                "/profile/passkeys/remove",
                &[("csrf", &csrf), ("passkey", "AAAA")],
            )
            .await;
        assert_eq!(res.status, 404);
    }
);

// A client with its own domain is opened there, through the same one-time code; the session is
// that host's alone.
both_backends!(handoff_to_a_custom_domain, |app: TestApp| async move {
    let req = tenantry_platform::provisioning::ProvisionRequest::parse(
        "ACME Corp",
        "acme-corp",
        "admin@acme-corp.example.com",
        "professional",
        &["erp.acme.example".to_owned()],
    )
    .unwrap();
    let done = tenantry_platform::provisioning::provision(&app.platform, &req, "test")
        .await
        .unwrap();
    let token = invitation_token(done.invitation_url.as_deref().unwrap());
    app.platform
        .identity()
        .accept_invitation(&token, PASSWORD)
        .await
        .unwrap();
    let mut b = Browser::new(&app);
    assert_eq!(
        b.login("portal.localhost", "admin@acme-corp.example.com", PASSWORD)
            .await
            .status,
        303
    );
    b.get("portal.localhost", "/").await;
    let csrf = b.get("portal.localhost", "/profile").await.csrf();
    let moved = b
        .get("portal.localhost", &format!("/open/acme-corp?csrf={csrf}"))
        .await;
    assert_eq!(moved.status, 303);
    let target = moved.location();
    assert!(target.starts_with("http://erp.acme.example"), "{target}");
    let path = &target[target.find("/auth/handoff").unwrap()..];
    let landed = b.get("erp.acme.example", path).await;
    assert_eq!(landed.status, 303, "{}", landed.body);
    let space = b.get("erp.acme.example", "/").await;
    assert!(space.body.contains("Sign out"), "{}", space.body);
    // The subdomain host has no session: cookies never cross hosts.
    assert!(!b
        .get("acme-corp.localhost", "/")
        .await
        .body
        .contains("Sign out"));
});

// Every page and endpoint that needs a signed-in person refuses a visitor without a session:
// pages send them to sign in, the API answers 401, and nothing of a client shows.
both_backends!(
    every_protected_route_refuses_a_visitor,
    |app: TestApp| async move {
        client_with_admin(&app, "ACME Corp", "acme-corp").await;
        let portal_gets = [
            "/dashboard",
            "/select",
            "/profile",
            "/team",
            "/console",
            "/mfa/setup",
            "/mfa",
            "/open/acme-corp?csrf=x",
        ];
        let portal_posts = [
            "/select",
            "/logout",
            "/logout-everywhere",
            "/notifications/read",
            "/profile/password",
            "/profile/sessions/revoke",
            "/profile/api-keys",
            "/profile/api-keys/revoke",
            "/profile/mfa/disable",
            "/profile/mfa/recovery-codes",
            "/profile/passkeys/remove",
            "/mfa/setup",
            "/mfa",
            "/team/invite",
            "/team/role",
            "/team/active",
            "/team/mfa",
            "/console/provision",
            "/invitations/accept",
            "/invitations/decline",
            "/invite/0000000000000000000000000000000000000000000000000000000000000000/accept",
        ];
        let api_gets = [
            "/api/user/profile",
            "/api/user/clients",
            "/api/dashboard/summary",
            "/api/dashboard/activity",
            "/api/dashboard/notifications",
        ];
        let api_posts = [
            "/api/user/select-client",
            "/api/dashboard/notifications/read",
            "/api/sso/logout",
            "/api/passkeys/register/begin",
            "/api/passkeys/register/finish",
            "/api/passkeys/mfa/begin",
            "/api/passkeys/mfa/finish",
        ];
        for path in portal_gets {
            let res = app
                .http
                .get(app.url(path))
                .header("host", "portal.localhost")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 303, "GET {path}");
            assert!(
                res.headers()["location"]
                    .to_str()
                    .unwrap()
                    .starts_with("/login"),
                "GET {path}"
            );
        }
        for path in portal_posts {
            let res = app
                .http
                .post(app.url(path))
                .header("host", "portal.localhost")
                .form(&[("csrf", "x")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 303, "POST {path}");
            assert!(
                res.headers()["location"]
                    .to_str()
                    .unwrap()
                    .starts_with("/login"),
                "POST {path}"
            );
        }
        for path in api_gets {
            let res = app
                .http
                .get(app.url(path))
                .header("host", "portal.localhost")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "GET {path}");
            assert!(!res.text().await.unwrap().contains("ACME"), "GET {path}");
        }
        for path in api_posts {
            let res = app
                .http
                .post(app.url(path))
                .header("host", "portal.localhost")
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "POST {path}");
        }
        // The client's host: its front door is public, its API is not, and sign-out needs a session.
        let res = app
            .http
            .get(app.url("/api/method/frappe.auth.get_logged_user"))
            .header("host", "acme-corp.localhost")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        let res = app
            .http
            .post(app.url("/logout"))
            .header("host", "acme-corp.localhost")
            .form(&[("csrf", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let (status, body) = app.get("acme-corp.localhost", "/").await;
        assert_eq!(status, 200);
        assert!(!body.contains("Sign out"));
    }
);

// Expired sessions, hand-off codes and old login failures are pruned; live ones stay.
both_backends!(
    expired_identity_rows_are_pruned,
    |app: TestApp| async move {
        let admin = client_with_admin(&app, "ACME Corp", "acme-corp").await;
        let mut b = Browser::new(&app);
        assert_eq!(
            b.login("portal.localhost", &admin, PASSWORD).await.status,
            303
        );
        let user = app
            .platform
            .control()
            .user_by_email(&admin)
            .await
            .unwrap()
            .unwrap();
        let mut stale = app.platform.identity().sessions_of(user.id).await.unwrap()[0].clone();
        stale.id_hash = "0".repeat(64);
        stale.expires_at = 1;
        app.platform.control().insert_session(&stale).await.unwrap();
        app.platform
            .control()
            .add_login_failure(&["account:old@example.com"], 1)
            .await
            .unwrap();
        assert_eq!(
            app.platform
                .identity()
                .sessions_of(user.id)
                .await
                .unwrap()
                .len(),
            2
        );
        let pruned = app.platform.identity().prune_expired().await.unwrap();
        assert_eq!(pruned, 2);
        assert_eq!(
            app.platform
                .identity()
                .sessions_of(user.id)
                .await
                .unwrap()
                .len(),
            1
        );
        // The live session still works.
        assert_eq!(b.get("portal.localhost", "/profile").await.status, 200);
    }
);

// A session ended on one node stops working on another within the lookup cache's time, even
// while requests keep coming there (each use of a cached session must not restart its time).
async fn a_session_ended_elsewhere_ends_here_within_the_cache_time(
    backend: crate::support::Backend,
) {
    let app = TestApp::spawn_with(backend, |c| c.lookup_cache_secs = 1).await;
    let done = app.provision("Node Co", "node-co").await.unwrap();
    let identity = app.platform.identity();
    identity
        .accept_invitation(
            &invitation_token(done.invitation_url.as_deref().unwrap()),
            "a long and careful passphrase 7",
        )
        .await
        .unwrap();
    let tenantry_auth::LoginOutcome::Done(session) = identity
        .login(tenantry_auth::LoginRequest {
            email: "admin@node-co.example.com",
            password: "a long and careful passphrase 7",
            remember: false,
            ip: None,
            user_agent: None,
            tenant: None,
        })
        .await
        .unwrap()
    else {
        panic!("no second factor is required here");
    };
    // A second node: the same control plane, its own caches.
    let other = tenantry_platform::Platform::open(app.config.clone())
        .await
        .unwrap();
    let there = other.identity();
    assert!(there.session(&session.token).await.unwrap().is_some());
    identity.logout(&session.record).await.unwrap();
    let ended = std::time::Instant::now();
    loop {
        if there.session(&session.token).await.unwrap().is_none() {
            break;
        }
        assert!(
            ended.elapsed() < std::time::Duration::from_secs(10),
            "the other node still accepts the ended session"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_elsewhere_ends_here_sqlite() {
    a_session_ended_elsewhere_ends_here_within_the_cache_time(crate::support::Backend::Sqlite)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL suite: set TENANTRY_TEST_POSTGRES_URL and run with --include-ignored"]
async fn a_session_ended_elsewhere_ends_here_postgres() {
    a_session_ended_elsewhere_ends_here_within_the_cache_time(crate::support::Backend::Postgres)
        .await;
}
