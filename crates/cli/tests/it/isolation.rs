use crate::both_backends;
use crate::support::{Backend, TestApp};

// A row written through one client's pool cannot be reached through another's: the databases
// are separate, and on PostgreSQL a client's role cannot even connect to another's database.
both_backends!(tenant_databases_are_isolated, |app: TestApp| async move {
    app.provision("ACME Corp", "acme-corp").await.unwrap();
    app.provision("Jane's Bakery", "janes-bakery")
        .await
        .unwrap();
    let control = app.platform.control();
    let a = control
        .tenant_by_subdomain("acme-corp")
        .await
        .unwrap()
        .unwrap();
    let b = control
        .tenant_by_subdomain("janes-bakery")
        .await
        .unwrap()
        .unwrap();
    let db_a = app.platform.pools().get(&a).await.unwrap();
    let db_b = app.platform.pools().get(&b).await.unwrap();

    db_a.set_setting("bank_account", "ACME-ONLY-12345678")
        .await
        .unwrap();
    assert_eq!(
        db_a.setting("bank_account").await.unwrap().as_deref(),
        Some("ACME-ONLY-12345678")
    );
    assert_eq!(db_b.setting("bank_account").await.unwrap(), None);
    assert_eq!(db_a.company().await.unwrap().unwrap().name, "ACME Corp");
    assert_eq!(db_b.company().await.unwrap().unwrap().name, "Jane's Bakery");
    assert_ne!(a.db_name, b.db_name);

    if app.backend == Backend::Postgres {
        // B's own credentials, pointed at A's database: refused by the server.
        let admin = crate::support::postgres_admin_url();
        let key = app.platform.admin().key();
        let b_password = key
            .decrypt_string(
                b.db_password_enc.as_deref().unwrap(),
                &tenantry_store::tenant_admin::password_context(&b.id),
            )
            .unwrap();
        let options: sqlx::postgres::PgConnectOptions = admin.parse().unwrap();
        let cross = options
            .clone()
            .database(&a.db_name)
            .username(b.db_role.as_deref().unwrap())
            .password(b_password.expose());
        let err = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(cross)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("permission denied"), "{err}");
        // And B's role cannot change its own schema.
        let own = options
            .database(&b.db_name)
            .username(b.db_role.as_deref().unwrap())
            .password(b_password.expose());
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(own)
            .await
            .unwrap();
        let err = sqlx::query("CREATE TABLE intruder (x int)")
            .execute(&pool)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("permission denied"), "{err}");
        let err = sqlx::query("DROP TABLE company")
            .execute(&pool)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("must be owner"), "{err}");
        pool.close().await;
        // The stored password is encrypted, not the password itself.
        assert!(!b
            .db_password_enc
            .as_deref()
            .unwrap()
            .contains(b_password.expose().as_str()));
    } else {
        assert!(app.sqlite_file(&a.db_name).exists() && app.sqlite_file(&b.db_name).exists());
    }
});

// The pool cache is bounded: with more clients than its capacity, every client is still served
// and the number of open pools stays within the bound.
both_backends!(pool_cache_is_bounded, |app: TestApp| async move {
    let capacity = app.config.tenant_pool_capacity;
    let n = capacity + 10;
    for i in 0..n {
        app.provision(&format!("Client {i}"), &format!("c-{i}"))
            .await
            .unwrap();
    }
    for i in 0..n {
        let (status, body) = app.get(&format!("c-{i}.localhost"), "/").await;
        assert_eq!(status, 200);
        assert!(
            body.contains(&format!("Client {i}<")) || body.contains(&format!("Client {i} ")),
            "{body}"
        );
    }
    let open = app.platform.pools().open_count().await;
    assert!(open <= capacity, "{open} pools open, capacity {capacity}");
    if app.backend == Backend::Postgres {
        // More cached pools than the connection budget: quiet pools give their connections
        // back. A connection's return is a spawned task, so allow it a moment to land.
        let budget = u64::from(app.config.tenant_connection_budget);
        assert!(budget < capacity);
        let mut held = app.platform.pools().connections();
        for _ in 0..50 {
            if held <= budget {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            held = app.platform.pools().connections();
        }
        assert!(held <= budget, "{held} connections held, budget {budget}");
    }
});
