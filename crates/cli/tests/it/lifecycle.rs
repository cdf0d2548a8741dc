use crate::both_backends;
use crate::support::{stderr, stdout, Backend, TestApp};

both_backends!(suspended_clients_are_read_only, |app: TestApp| async move {
    app.provision("ACME Corp", "acme-corp").await.unwrap();
    app.provision("Jane's Bakery", "janes-bakery")
        .await
        .unwrap();

    let out = app.cli(&["client", "suspend", "acme-corp"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Reads still work, with a banner; writes are refused with a clear message.
    let (status, body) = app.get("acme-corp.localhost", "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("suspended"));
    let (status, body) = app.post("acme-corp.localhost", "/api/method/ping").await;
    assert_eq!(status, 423);
    assert!(body.contains("ACME Corp is suspended"), "{body}");
    let res = app
        .http
        .delete(app.url("/anything"))
        .header("host", "acme-corp.localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 423);
    // Other clients are unaffected.
    let (status, _) = app.post("janes-bakery.localhost", "/api/method/ping").await;
    assert_eq!(status, 200);

    // Suspending twice is refused, resuming restores writes.
    let again = app.cli(&["client", "suspend", "acme-corp"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("cannot be suspended"),
        "{}",
        stderr(&again)
    );
    assert!(app.cli(&["client", "resume", "acme-corp"]).status.success());
    let (status, body) = app.get("acme-corp.localhost", "/").await;
    assert_eq!(status, 200);
    assert!(!body.contains("suspended"));
    let (status, _) = app.post("acme-corp.localhost", "/api/method/ping").await;
    assert_eq!(status, 200);
    assert_eq!(
        app.cli(&["client", "resume", "acme-corp"]).status.code(),
        Some(2)
    );

    let actions: Vec<String> = app
        .platform
        .control()
        .audit_entries(None)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(
        actions.contains(&"tenant.suspend".to_owned())
            && actions.contains(&"tenant.resume".to_owned())
    );
    let missing = app.cli(&["client", "suspend", "nobody"]);
    assert_ne!(missing.status.code(), Some(0));
    assert!(stderr(&missing).contains("was not found"));
});

both_backends!(
    dropping_a_client_removes_its_database,
    |app: TestApp| async move {
        app.provision("ACME Corp", "acme-corp").await.unwrap();
        app.provision("Jane's Bakery", "janes-bakery")
            .await
            .unwrap();
        let t = app
            .platform
            .control()
            .tenant_by_subdomain("acme-corp")
            .await
            .unwrap()
            .unwrap();
        // Open its pool, as a request would.
        assert_eq!(app.get("acme-corp.localhost", "/").await.0, 200);

        // Without --yes and without a terminal to ask on, nothing happens.
        let refused = app.cli(&["client", "drop", "acme-corp"]);
        assert!(!refused.status.success());
        assert!(stderr(&refused).contains("--yes"));
        assert_eq!(app.get("acme-corp.localhost", "/").await.0, 200);

        let out = app.cli(&["client", "drop", "acme-corp", "--yes"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("dropped acme-corp"));
        assert_eq!(app.get("acme-corp.localhost", "/").await.0, 404);
        assert_eq!(app.get("janes-bakery.localhost", "/").await.0, 200);
        assert!(app.platform.control().tenant(t.id).await.unwrap().is_none());
        match app.backend {
            Backend::Sqlite => assert!(!app.sqlite_file(&t.db_name).exists()),
            Backend::Postgres => {
                let admin = sqlx::PgPool::connect(&crate::support::postgres_admin_url())
                    .await
                    .unwrap();
                let n: i64 =
                    sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
                        .bind(&t.db_name)
                        .fetch_one(&admin)
                        .await
                        .unwrap();
                assert_eq!(n, 0);
                let r: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_roles WHERE rolname = $1")
                    .bind(t.db_role.as_deref().unwrap())
                    .fetch_one(&admin)
                    .await
                    .unwrap();
                assert_eq!(r, 0);
            }
        }
        // The audit log keeps a record and still verifies.
        let audit = app
            .platform
            .control()
            .audit_entries(Some(t.id))
            .await
            .unwrap();
        assert!(audit
            .iter()
            .any(|a| a.action == "tenant.drop" && a.detail.contains("ACME Corp")));
        assert!(app.cli(&["audit", "verify"]).status.success());
        // The subdomain is free again.
        app.provision("ACME Corp", "acme-corp").await.unwrap();
        assert_eq!(app.get("acme-corp.localhost", "/").await.0, 200);
    }
);
