use crate::both_backends;
use crate::support::{stderr, stdout, Backend, TestApp};

both_backends!(
    migrate_is_safe_to_rerun_and_reports_each_client,
    |app: TestApp| async move {
        app.provision("ACME Corp", "acme-corp").await.unwrap();
        app.provision("Jane's Bakery", "janes-bakery")
            .await
            .unwrap();
        let latest = tenantry_store::migrate::latest_version(tenantry_store::migrate::TENANT);
        for _ in 0..2 {
            let out = app.cli(&["migrate"]);
            assert!(out.status.success(), "{}", stderr(&out));
            assert!(
                stdout(&out).contains(&format!("2 client database(s) at v{latest}, 0 failed")),
                "{}",
                stdout(&out)
            );
            assert!(
                stderr(&out).contains("[1/2] acme-corp: up to date"),
                "{}",
                stderr(&out)
            );
        }

        // Migrating in-process leaves no administrator session behind on the client's database.
        let acme = app
            .platform
            .control()
            .tenant_by_subdomain("acme-corp")
            .await
            .unwrap()
            .unwrap();
        app.platform.admin().migrate(&acme).await.unwrap();
        if app.backend == Backend::Postgres {
            let admin = sqlx::PgPool::connect(&crate::support::postgres_admin_url())
                .await
                .unwrap();
            let mut sessions = -1;
            for _ in 0..40 {
                sessions = sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND usename = current_user",
            )
            .bind(&acme.db_name)
            .fetch_one(&admin)
            .await
            .unwrap();
                if sessions == 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert_eq!(
                sessions, 0,
                "administrator sessions left open on the client database"
            );
            admin.close().await;
        }

        // A client whose database is gone: reported, the others still migrated, non-zero exit.
        let broken = app
            .platform
            .control()
            .tenant_by_subdomain("acme-corp")
            .await
            .unwrap()
            .unwrap();
        app.platform.pools().evict(broken.id).await;
        app.platform.admin().drop_database(&broken).await.unwrap();
        let out = app.cli(&["migrate", "--json"]);
        assert_eq!(out.status.code(), Some(1));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let tenants = report["tenants"].as_array().unwrap();
        assert_eq!(tenants.len(), 2);
        let acme = tenants
            .iter()
            .find(|t| t["subdomain"] == "acme-corp")
            .unwrap();
        assert!(acme["result"]["Err"].is_string(), "{acme}");
        let janes = tenants
            .iter()
            .find(|t| t["subdomain"] == "janes-bakery")
            .unwrap();
        assert_eq!(
            janes["result"]["Ok"],
            tenantry_store::migrate::latest_version(tenantry_store::migrate::TENANT)
        );
        if app.backend == Backend::Sqlite {
            // Migrating never creates a missing database behind the operator's back.
            assert!(!app.sqlite_file(&broken.db_name).exists());
        }
    }
);
