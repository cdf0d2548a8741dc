use crate::both_backends;
use crate::support::TestApp;

both_backends!(hosts_route_to_their_surface, |app: TestApp| async move {
    app.platform
        .set_operator_name("Byrne Accounts")
        .await
        .unwrap();
    app.provision("ACME Corp", "acme-corp").await.unwrap();
    app.provision("Jane's Bakery", "janes-bakery")
        .await
        .unwrap();

    // The base domain: the operator's landing page with the plans as data.
    let (status, body) = app.get("localhost:8080", "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("Byrne Accounts"));
    assert!(
        body.contains("£49.00") && body.contains("£99.00") && body.contains("£249.00"),
        "{body}"
    );
    assert!(body.contains("http://portal.localhost:8080"));

    // The portal sends visitors to its sign-in page.
    let (status, _) = app.get("portal.localhost:8080", "/").await;
    assert_eq!(status, 303);
    let (status, body) = app.get("portal.localhost:8080", "/login").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sign in to Byrne Accounts"), "{body}");

    // Each client on its own host, escaped.
    let (status, body) = app.get("janes-bakery.localhost:8080", "/").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Jane&#39;s Bakery") || body.contains("Jane&#x27;s Bakery"),
        "{body}"
    );
    assert!(!body.contains("ACME Corp"));
    let (status, body) = app.get("ACME-CORP.localhost.", "/").await;
    assert_eq!(status, 200, "hosts are case-insensitive");
    assert!(body.contains("ACME Corp"));

    // Unknown hosts get a 404 page, and no API.
    for host in [
        "nobody.localhost",
        "erp.unknown.com",
        "a.b.localhost",
        "10.0.0.1",
        "bad_host",
    ] {
        let (status, body) = app.get(host, "/").await;
        assert_eq!(status, 404, "{host}");
        assert!(body.contains("No such site"), "{host}: {body}");
        let (status, _) = app.get(host, "/api/method/ping").await;
        assert_eq!(status, 404, "{host}");
    }

    // Unknown paths on known hosts.
    let (status, _) = app.get("acme-corp.localhost", "/no/such/page").await;
    assert_eq!(status, 404);
    let (status, body) = app
        .get("acme-corp.localhost", "/api/no-such-endpoint")
        .await;
    assert_eq!(status, 404);
    assert!(body.contains("\"error\""));
});

both_backends!(
    ping_answers_on_every_known_host,
    |app: TestApp| async move {
        app.provision("ACME Corp", "acme-corp").await.unwrap();
        for host in ["localhost", "portal.localhost", "acme-corp.localhost:8080"] {
            for post in [false, true] {
                let (status, body) = if post {
                    app.post(host, "/api/method/ping").await
                } else {
                    app.get(host, "/api/method/ping").await
                };
                assert_eq!(status, 200, "{host}");
                let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(json, serde_json::json!({"message": "pong"}));
            }
        }
    }
);

both_backends!(
    health_endpoints_answer_on_any_host,
    |app: TestApp| async move {
        for host in ["localhost", "10.1.2.3", "whatever.example.com"] {
            let (status, body) = app.get(host, "/healthz").await;
            assert_eq!(status, 200);
            assert!(body.contains("ok"));
            let (status, body) = app.get(host, "/readyz").await;
            assert_eq!(status, 200);
            assert!(body.contains("ready"));
        }
        // Security headers on every response.
        let res = app
            .http
            .get(app.url("/"))
            .header("host", "localhost")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["x-frame-options"], "DENY");
        assert!(res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'"));
        assert!(res.headers().contains_key("x-request-id"));
    }
);

both_backends!(tenant_header_resolution, |app: TestApp| async move {
    let acme = app.provision("ACME Corp", "acme-corp").await.unwrap();
    app.provision("Jane's Bakery", "janes-bakery")
        .await
        .unwrap();

    let send = |host: &'static str, header: String| {
        let req = app
            .http
            .get(app.url("/"))
            .header("host", host)
            .header("x-tenant-id", header);
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    // By id or by subdomain, on a non-tenant host.
    let (status, body) = send("portal.localhost", acme.tenant_id.to_string()).await;
    assert_eq!(status, 200);
    assert!(body.contains("ACME Corp"));
    let (status, body) = send("10.0.0.1", "acme-corp".into()).await;
    assert_eq!(status, 200);
    assert!(body.contains("ACME Corp"));
    // Agreeing with the host is fine; contradicting it is refused.
    let (status, _) = send("acme-corp.localhost", "acme-corp".into()).await;
    assert_eq!(status, 200);
    let (status, body) = send("acme-corp.localhost", "janes-bakery".into()).await;
    assert_eq!(status, 400);
    assert!(!body.contains("Bakery") && !body.contains("ACME"));
    // Unknown tenants.
    let (status, _) = send("portal.localhost", "nobody".into()).await;
    assert_eq!(status, 404);
    let (status, _) = send("portal.localhost", uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(status, 404);

    // `?tenant=` is ignored outside development mode.
    let (status, body) = app.get("portal.localhost", "/login?tenant=acme-corp").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sign in to") && !body.contains("ACME Corp"));
});
