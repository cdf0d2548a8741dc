use std::process::{Command, Stdio};
use std::time::Duration;

use crate::both_backends;
use crate::support::{read_until_ready, stderr, stdout, Backend, TestApp};

fn tenantry() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantry"));
    cmd.env_remove("TENANTRY_DATABASE_URL")
        .env_remove("TENANTRY_CONFIG")
        .stdin(Stdio::null());
    cmd
}

#[test]
fn config_check_prints_redacted_config_and_names_bad_keys() {
    let dir = tempfile::tempdir().unwrap();
    let out = tenantry()
        .current_dir(dir.path())
        .args(["config", "check"])
        .env(
            "TENANTRY_DATABASE_URL",
            "postgres://app:hunter2@db.internal:5432/control",
        )
        .env("TENANTRY_MASTER_KEY", "ab".repeat(32))
        .env("TENANTRY_BASE_DOMAIN", "byrne-accounts.org")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("base_domain = \"byrne-accounts.org\""),
        "{text}"
    );
    assert!(
        text.contains("postgres://app:***@db.internal:5432/control"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2") && !text.contains(&"ab".repeat(32)),
        "{text}"
    );

    for (key, value, expected) in [
        ("TENANTRY_LISTEN", "not-an-address", "listen"),
        ("TENANTRY_BASE_DOMAIN", "Not A Domain", "base_domain"),
        ("TENANTRY_DATABASE_URL", "mysql://x", "database_url"),
        ("TENANTRY_TENANT_POOL_CAPACITY", "0", "tenant_pool_capacity"),
        (
            "TENANTRY_TENANT_POOL_CAPACITY",
            "lots",
            "tenant_pool_capacity",
        ),
        ("TENANTRY_PUBLIC_SCHEME", "ftp", "public_scheme"),
        ("TENANTRY_NO_SUCH_SETTING", "1", "no_such_setting"),
    ] {
        let out = tenantry()
            .current_dir(dir.path())
            .args(["config", "check"])
            .env(key, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}={value}");
        assert!(
            stderr(&out).contains(expected),
            "{key}={value}: {}",
            stderr(&out)
        );
    }

    // A TOML file, overridden by the environment.
    std::fs::write(
        dir.path().join("custom.toml"),
        "listen = \"127.0.0.1:9999\"\nbase_domain = \"example.org\"\n",
    )
    .unwrap();
    let out = tenantry()
        .current_dir(dir.path())
        .args(["--config", "custom.toml", "config", "check"])
        .env("TENANTRY_BASE_DOMAIN", "override.org")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("127.0.0.1:9999") && stdout(&out).contains("override.org"));
    let out = tenantry()
        .current_dir(dir.path())
        .args(["--config", "missing.toml", "config", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn first_run_generates_a_private_master_key_and_tells_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let out = tenantry()
        .current_dir(dir.path())
        .args(["client", "list"])
        .env("TENANTRY_DATA_DIR", dir.path().join("data"))
        .env_remove("TENANTRY_MASTER_KEY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("generated a new master key"));
    let key = dir.path().join("data/master.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // A different key on the same control plane is refused.
    let out = tenantry()
        .current_dir(dir.path())
        .args(["client", "list"])
        .env("TENANTRY_DATA_DIR", dir.path().join("data"))
        .env("TENANTRY_MASTER_KEY", "cd".repeat(32))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("master key does not match"),
        "{}",
        stderr(&out)
    );
}

// `serve --demo` creates the demo installation (twice: idempotent), serves it, and stops
// cleanly on SIGTERM.
both_backends!(
    serve_demo_and_graceful_shutdown,
    |app: TestApp| async move {
        for round in 0..2 {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantry"));
            cmd.args(["serve", "--demo"])
                .current_dir(app.dir.path())
                .env("TENANTRY_DATA_DIR", &app.config.data_dir)
                .env(
                    "TENANTRY_MASTER_KEY",
                    app.config.master_key.as_ref().unwrap().expose(),
                )
                .env(
                    "TENANTRY_POSTGRES_TENANT_PREFIX",
                    &app.config.postgres_tenant_prefix,
                )
                // Port 0: the server binds a port of the system's choosing and says which, so
                // no port is picked here, released, and raced for.
                .env("TENANTRY_LISTEN", "127.0.0.1:0")
                .env_remove("TENANTRY_CONFIG")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null());
            match &app.config.database_url {
                Some(url) => cmd.env("TENANTRY_DATABASE_URL", url.expose()),
                None => cmd.env_remove("TENANTRY_DATABASE_URL"),
            };
            let mut child = cmd.spawn().unwrap();
            let printed = read_until_ready(child.stdout.take().unwrap(), "tenantry serve", |l| {
                l.starts_with("listening on")
            });
            let port: u16 = printed
                .last()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert_ne!(port, 0);
            let printed = printed.join("\n");
            for sub in ["dickinson", "acme-corp", "janes-bakery"] {
                assert!(
                    printed.contains(&format!("http://{sub}.localhost:{port}")),
                    "{printed}"
                );
            }
            assert_eq!(
                printed.contains("admin invitation"),
                round == 0,
                "{printed}"
            );

            let base = format!("http://127.0.0.1:{port}");
            let http = reqwest::Client::new();
            let landing = http
                .get(&base)
                .header("host", "localhost")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(landing.contains("Byrne Accounts"));
            for (sub, name) in [
                ("dickinson", "Dickinson Supplies"),
                ("acme-corp", "ACME Corp"),
                ("janes-bakery", "Jane"),
            ] {
                let res = http
                    .get(&base)
                    .header("host", format!("{sub}.localhost:{port}"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
                assert!(res.text().await.unwrap().contains(name));
            }
            // Development mode: ?tenant= resolves on the portal host.
            let res = http
                .get(format!("{base}/?tenant=acme-corp"))
                .header("host", "portal.localhost")
                .send()
                .await
                .unwrap();
            assert!(res.text().await.unwrap().contains("ACME Corp"));

            // SIGTERM: the server stops accepting and exits cleanly.
            let pid = child.id().to_string();
            assert!(Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success());
            let status = tokio::time::timeout(
                Duration::from_secs(10),
                tokio::task::spawn_blocking(move || child.wait()),
            )
            .await
            .expect("server did not stop within 10 s of SIGTERM")
            .unwrap()
            .unwrap();
            assert!(status.success(), "{status}");
        }
        assert_eq!(app.platform.control().all_tenants().await.unwrap().len(), 3);
    }
);

both_backends!(
    database_servers_are_registered_with_encrypted_urls,
    |app: TestApp| async move {
        let bad = app.cli(&["server", "add", "--url", "mysql://nope"]);
        assert_eq!(bad.status.code(), Some(2));
        assert!(stderr(&bad).contains("postgres://"), "{}", stderr(&bad));
        let unreachable = app.cli(&[
            "server",
            "add",
            "--url",
            "postgres://u:secret-pw@127.0.0.1:1/db",
            "--name",
            "nowhere",
        ]);
        assert_ne!(unreachable.status.code(), Some(0));
        assert!(
            !stderr(&unreachable).contains("secret-pw"),
            "{}",
            stderr(&unreachable)
        );

        if app.backend == Backend::Postgres {
            let list = app.cli(&["server", "list", "--json"]);
            let servers: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
            assert_eq!(servers.as_array().unwrap().len(), 1);
            assert!(servers[0].get("url_enc").is_none());
            app.provision("ACME Corp", "acme-corp").await.unwrap();
            let list = app.cli(&["server", "list"]);
            assert!(stdout(&list).contains("test"), "{}", stdout(&list));
            // The same name twice is refused.
            let dup = app.cli(&[
                "server",
                "add",
                "--url",
                &crate::support::postgres_admin_url(),
                "--name",
                "test",
            ]);
            assert_eq!(dup.status.code(), Some(2), "{}", stderr(&dup));
            assert!(stderr(&dup).contains("already registered"));
        } else {
            let list = app.cli(&["server", "list"]);
            assert!(list.status.success());
        }
    }
);
