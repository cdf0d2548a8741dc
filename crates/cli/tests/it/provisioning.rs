use tenantry_platform::provisioning::{
    provision_with_faults, FaultInjection, ProvisionRequest, Step,
};

use crate::both_backends;
use crate::support::{invitation_token, stderr, stdout, Backend, TestApp};

both_backends!(
    provision_command_creates_a_served_client,
    |app: TestApp| async move {
        let out = app.cli(&[
            "client",
            "provision",
            "--name",
            "ACME Corp",
            "--subdomain",
            "acme-corp",
            "--admin-email",
            "Admin@AcmeCorp.com",
            "--plan",
            "professional",
            "--domain",
            "erp.acme.com",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("provisioned acme-corp"), "{text}");
        let link = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("invitation"))
            .unwrap()
            .trim()
            .to_owned();
        assert!(
            link.starts_with("http://portal.localhost:8080/invite/"),
            "{link}"
        );

        // The client's space answers on its subdomain and on its custom domain, with its name.
        let (status, body) = app.get("acme-corp.localhost:8080", "/").await;
        assert_eq!(status, 200);
        assert!(body.contains("ACME Corp"), "{body}");
        let (status, body) = app.get("erp.acme.com", "/").await;
        assert_eq!(status, 200);
        assert!(body.contains("ACME Corp"));

        // The admin's invitation link works once it is looked up by the portal.
        let token = invitation_token(&link);
        let (status, body) = app
            .get("portal.localhost", &format!("/invite/{token}"))
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body.contains("admin@acmecorp.com") && body.contains("ACME Corp as admin"),
            "{body}"
        );
        let (status, _) = app
            .get("portal.localhost", &format!("/invite/{}", "0".repeat(64)))
            .await;
        assert_eq!(status, 404);

        // The record, the membership, the company row and the audit trail exist.
        let list = app.cli(&["client", "list", "--json"]);
        let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
        let clients = list.as_array().unwrap();
        assert_eq!(clients.len(), 1);
        assert_eq!(clients[0]["subdomain"], "acme-corp");
        assert_eq!(clients[0]["status"], "active");
        assert_eq!(clients[0]["plan"], "professional");
        assert_eq!(clients[0]["users"], 1);
        assert_eq!(clients[0]["domains"][0], "erp.acme.com");
        let t = app
            .platform
            .control()
            .tenant_by_subdomain("acme-corp")
            .await
            .unwrap()
            .unwrap();
        let company = app
            .platform
            .pools()
            .get(&t)
            .await
            .unwrap()
            .company()
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (company.name.as_str(), company.currency.as_str()),
            ("ACME Corp", "GBP")
        );
        let audit = app
            .platform
            .control()
            .audit_entries(Some(t.id))
            .await
            .unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|a| a.action == "tenant.provision")
                .count(),
            1
        );
        assert!(app.cli(&["audit", "verify"]).status.success());

        // The same command again is a resume of nothing: no duplicate.
        let again = app.cli(&[
            "client",
            "provision",
            "--name",
            "ACME Corp",
            "--subdomain",
            "acme-corp",
            "--admin-email",
            "admin@acmecorp.com",
            "--plan",
            "professional",
            "--domain",
            "erp.acme.com",
        ]);
        assert!(again.status.success(), "{}", stderr(&again));
        assert!(stdout(&again).contains("already provisioned"));
        assert_eq!(app.platform.control().all_tenants().await.unwrap().len(), 1);

        let show = app.cli(&["client", "show", "acme-corp"]);
        assert!(show.status.success());
        assert!(stdout(&show).contains("erp.acme.com"));
    }
);

// Every way a provisioning request can be wrong: a clear error naming the problem, exit code 2,
// and nothing stored.
both_backends!(
    bad_input_is_refused_and_changes_nothing,
    |app: TestApp| async move {
        app.provision("ACME Corp", "acme-corp").await.unwrap();
        let add_domain = ProvisionRequest::parse(
            "Dickson",
            "dickson",
            "a@dickson.com",
            "basic",
            &["erp.dickson.com".into()],
        )
        .unwrap();
        tenantry_platform::provisioning::provision(&app.platform, &add_domain, "test")
            .await
            .unwrap();
        let before = app.platform.control().tenant_summaries().await.unwrap();
        // What holds tenant data, counted: files on SQLite, databases and roles on PostgreSQL.
        let storage_before = app.tenant_storage().await;
        // The two clients above are there, so that the count can tell.
        match app.backend {
            Backend::Sqlite => assert!(storage_before.0 >= 2, "{storage_before:?}"),
            Backend::Postgres => assert_eq!(storage_before, (3, 2)),
        }

        let long = "a".repeat(64);
        let cases: Vec<(Vec<&str>, &str)> = vec![
            (vec!["--subdomain", "Acme"], "only lowercase"),
            (vec!["--subdomain", "acme_corp"], "only lowercase"),
            (vec!["--subdomain", "acme.corp"], "only lowercase"),
            (vec!["--subdomain", &long], "at most 63"),
            (vec!["--subdomain", "-acme"], "start or end"),
            (vec!["--subdomain", "acme-"], "start or end"),
            (vec!["--subdomain", "portal"], "reserved"),
            (vec!["--subdomain", "www"], "reserved"),
            (vec!["--subdomain", "api"], "reserved"),
            (vec!["--subdomain", "admin"], "reserved"),
            (vec!["--subdomain", "mail"], "reserved"),
            (vec!["--subdomain", "auth"], "reserved"),
            (vec!["--subdomain", "acme-corp"], "already taken"),
            (vec!["--domain", "erp.dickson.com"], "already registered"),
            (vec!["--domain", "shop.localhost"], "platform's own domain"),
            (vec!["--domain", "not valid.example.com"], "invalid label"),
            (vec!["--admin-email", "not-an-email"], "not a valid email"),
            (vec!["--admin-email", "a@b"], "not a valid email"),
            (vec!["--plan", "gold"], "not a plan"),
            (vec!["--name", "   "], "must not be empty"),
        ];
        for (override_args, expected) in cases {
            let mut args = vec![
                ("--name", "New Client"),
                ("--subdomain", "new-client"),
                ("--admin-email", "owner@new-client.com"),
                ("--plan", "basic"),
            ];
            let mut extra = Vec::new();
            for pair in override_args.chunks(2) {
                match args.iter_mut().find(|(k, _)| *k == pair[0]) {
                    Some(slot) => slot.1 = pair[1],
                    None => extra.push((pair[0], pair[1])),
                }
            }
            args.extend(extra);
            // `--key=value`, so that values starting with '-' reach the validation.
            let pairs: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let mut argv = vec!["client", "provision"];
            argv.extend(pairs.iter().map(String::as_str));
            let out = app.cli(&argv);
            assert_eq!(out.status.code(), Some(2), "{argv:?}: {}", stderr(&out));
            assert!(
                stderr(&out).contains(expected),
                "{argv:?}: expected {expected:?} in {}",
                stderr(&out)
            );
        }

        let after = app.platform.control().tenant_summaries().await.unwrap();
        assert_eq!(
            before
                .iter()
                .map(|t| (&t.subdomain, &t.name, &t.domains))
                .collect::<Vec<_>>(),
            after
                .iter()
                .map(|t| (&t.subdomain, &t.name, &t.domains))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            app.tenant_storage().await,
            storage_before,
            "no tenant database left behind"
        );
    }
);

// A provisioning interrupted before each step in turn is invisible until a rerun of the same
// command finishes it, and the rerun leaves exactly one of everything.
both_backends!(
    interrupted_provisioning_resumes,
    |app: TestApp| async move {
        for (i, step) in Step::ALL.into_iter().enumerate() {
            let subdomain = format!("retry-{i}");
            let email = format!("owner@retry-{i}.com");
            let req =
                ProvisionRequest::parse(&format!("Retry {i}"), &subdomain, &email, "basic", &[])
                    .unwrap();
            let err = provision_with_faults(
                &app.platform,
                &req,
                "test",
                FaultInjection {
                    fail_before: Some(step),
                },
            )
            .await
            .unwrap_err();
            assert!(err.to_string().contains(step.as_str()), "{err}");

            let host = format!("{subdomain}.localhost");
            let (status, _) = app.get(&host, "/").await;
            assert_eq!(
                status, 404,
                "a half-made client must not be served (failed before {step:?})"
            );
            let (status, _) = app.get(&host, "/api/method/ping").await;
            assert_eq!(status, 404);

            let out = app.cli(&[
                "client",
                "provision",
                "--name",
                &format!("Retry {i}"),
                "--subdomain",
                &subdomain,
                "--admin-email",
                &email,
                "--plan",
                "basic",
            ]);
            assert!(
                out.status.success(),
                "rerun after failure before {step:?}: {}",
                stderr(&out)
            );
            assert!(stdout(&out).contains("invitation"), "{}", stdout(&out));

            let (status, body) = app.get(&host, "/").await;
            assert_eq!(status, 200, "after resuming from {step:?}");
            assert!(body.contains(&format!("Retry {i}")));
            let t = app
                .platform
                .control()
                .tenant_by_subdomain(&subdomain)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(t.status, tenantry_domain::TenantStatus::Active);
            assert_eq!(
                t.schema_version,
                tenantry_store::migrate::latest_version(tenantry_store::migrate::TENANT)
            );
            assert_eq!(
                app.platform.control().membership_count(t.id).await.unwrap(),
                1
            );
            let audits = app
                .platform
                .control()
                .audit_entries(Some(t.id))
                .await
                .unwrap();
            assert_eq!(
                audits.len(),
                1,
                "one audit entry after resuming from {step:?}"
            );
        }
        assert_eq!(
            app.platform.control().all_tenants().await.unwrap().len(),
            Step::ALL.len()
        );
        assert!(app
            .platform
            .control()
            .verify_audit_chain()
            .await
            .unwrap()
            .is_ok());
    }
);

both_backends!(
    twenty_clients_provision_concurrently,
    |app: TestApp| async move {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..20 {
            let platform = app.platform.clone();
            tasks.spawn(async move {
                let req = ProvisionRequest::parse(
                    &format!("Client {i}"),
                    &format!("client-{i}"),
                    &format!("admin@client-{i}.com"),
                    "basic",
                    &[],
                )
                .unwrap();
                tenantry_platform::provisioning::provision(&platform, &req, "test").await
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap().unwrap();
        }
        let tenants = app.platform.control().all_tenants().await.unwrap();
        assert_eq!(tenants.len(), 20);
        for i in 0..20 {
            let (status, body) = app.get(&format!("client-{i}.localhost"), "/").await;
            assert_eq!(status, 200);
            assert!(body.contains(&format!("Client {i}")));
        }
        assert!(app
            .platform
            .control()
            .verify_audit_chain()
            .await
            .unwrap()
            .is_ok());
        if app.backend == Backend::Sqlite {
            assert_eq!(
                std::fs::read_dir(app.config.data_dir.join("tenants"))
                    .unwrap()
                    .filter(|e| {
                        e.as_ref()
                            .unwrap()
                            .path()
                            .extension()
                            .is_some_and(|x| x == "db")
                    })
                    .count(),
                20
            );
        }
    }
);
