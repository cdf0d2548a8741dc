//! Frappe's own Python client against a running server: `frappe-client` from PyPI, installed on
//! first use into a virtualenv under the build's temporary directory (as the SSO tests install
//! their OpenID provider; `python3` is needed), drives `frappe_client.py`. That library ignores
//! HTTP statuses, so the script records every response's status and checks each; this test then
//! checks the books through the native API: the ledger balances, the cancelled invoices are
//! cancelled, the deleted drafts are gone.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;

use crate::books_api::{client, masters, Api, PASSWORD};
use crate::both_backends;
use crate::support::TestApp;

const PACKAGE: &str = "frappe-client==0.1.0.dev0";

static INSTALL: Mutex<()> = Mutex::new(());

/// The virtualenv's Python, with the package installed.
fn python() -> PathBuf {
    if let Ok(path) = std::env::var("TENANTRY_TEST_FRAPPE_CLIENT_PYTHON") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("frappe-client-venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join("frappe-client-installed");
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !marker.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is needed for the Frappe client test");
        assert!(made.success(), "python3 -m venv failed");
        let installed = Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", PACKAGE])
            .status()
            .unwrap();
        assert!(installed.success(), "pip install {PACKAGE} failed");
        std::fs::write(&marker, PACKAGE).unwrap();
    }
    python
}

both_backends!(
    frappe_client_package_end_to_end,
    |app: TestApp| async move {
        let acme = client(&app, "ACME Corp", "acme-corp").await;
        let api = Api {
            app: &app,
            host: acme.host.clone(),
            auth: acme.admin_key(),
        };
        masters(&api).await;
        let script = app.dir.path().join("frappe_client.py");
        std::fs::write(&script, include_str!("frappe_client.py")).unwrap();
        let python = python();
        let url = app.url("");
        let host = acme.host.clone();
        let auth = acme.admin_key();
        let admin = acme.admin.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new(python)
                .arg(&script)
                .env("FRAPPE_URL", url)
                .env("FRAPPE_HOST", host)
                .env("FRAPPE_AUTH", auth)
                .env("FRAPPE_USR", admin)
                .env("FRAPPE_PWD", PASSWORD)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "the Frappe client script failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
        let calls = summary["calls"].as_array().unwrap();
        // Each call's status was checked by the script as it went; here, the whole run at once:
        // as many calls as the script makes, each answered 200 but for the refusals it provokes,
        // in order: a deleted draft read (404), a REST delete (202), then deleting a submitted
        // invoice (417), a customer (403), inserting a bad customer (417), submitting a customer
        // (417), and a write without the session's CSRF token (403).
        assert_eq!(calls.len(), 32, "{calls:?}");
        let not_ok: Vec<u64> = calls
            .iter()
            .map(|c| c[2].as_u64().unwrap())
            .filter(|s| *s != 200)
            .collect();
        assert_eq!(not_ok, [404, 202, 417, 403, 417, 417, 403], "{calls:?}");
        assert!(
            calls.iter().any(|c| c[0] == "POST" && c[1] == "/"),
            "no RPC on /: {calls:?}"
        );
        assert!(
            calls
                .iter()
                .any(|c| c[0] == "GET" && c[1].as_str().unwrap().starts_with("/?cmd=")),
            "{calls:?}"
        );

        // The books, read back through the native API.
        for name in summary["cancelled"].as_array().unwrap() {
            let (status, inv) = api
                .get(&format!(
                    "/api/v1/sales-invoices/{}",
                    name.as_str().unwrap()
                ))
                .await;
            assert_eq!(status, 200, "{inv}");
            assert_eq!(inv["docstatus"], 2, "{inv}");
        }
        for name in summary["deleted"].as_array().unwrap() {
            let (status, _) = api
                .get(&format!(
                    "/api/v1/sales-invoices/{}",
                    name.as_str().unwrap()
                ))
                .await;
            assert_eq!(status, 404, "{name} was not deleted");
        }
        let (_, customer) = api.get("/api/v1/customers/Py%20Retail").await;
        assert_eq!(customer["city"], "Whitby", "{customer}");
        let tb = api.ok("GET", "/api/v1/reports/trial-balance", None).await;
        assert_eq!(tb["total_debit"], tb["total_credit"], "{tb}");
        assert_eq!(tb["closing_sum"], "0.00", "{tb}");
        // Every invoice was cancelled: what customers owe is back to nothing.
        let debtors = tb["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "Trade Debtors")
            .map_or("0.00".to_owned(), |r| {
                r["closing"].as_str().unwrap().to_owned()
            });
        assert_eq!(debtors, "0.00", "{tb}");
    }
);
