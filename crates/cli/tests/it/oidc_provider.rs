//! A real OpenID Connect provider for the SSO tests: `oidc-provider-mock` from PyPI, installed on
//! first use into a virtualenv under the build's temporary directory (so `cargo test` needs no
//! set-up of its own), and run as a subprocess on a port it picks and reports.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::support::read_until_ready;

const PACKAGE: &str = "oidc-provider-mock==0.3.4";

static INSTALL: Mutex<()> = Mutex::new(());

fn executable() -> PathBuf {
    if let Ok(path) = std::env::var("TENANTRY_TEST_OIDC_MOCK") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("oidc-provider-mock-venv");
    let exe = venv.join("bin").join("oidc-provider-mock");
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !exe.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is needed for the SSO tests");
        assert!(made.success(), "python3 -m venv failed");
        let installed = Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", PACKAGE])
            .status()
            .unwrap();
        assert!(installed.success(), "pip install {PACKAGE} failed");
    }
    exe
}

pub struct OidcProvider {
    pub issuer: String,
    child: Child,
}

impl OidcProvider {
    pub async fn start() -> Self {
        let exe = executable();
        // Port 0: the provider (uvicorn) binds a port of the system's choosing and logs it, so no
        // port is picked here, released, and raced for.
        let mut child = Command::new(exe)
            .args(["--port", "0", "--require-nonce", "true"])
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        const MARK: &str = "Uvicorn running on ";
        let printed = read_until_ready(child.stderr.take().unwrap(), "the OIDC provider", |l| {
            l.contains(MARK)
        });
        let ready = printed.last().unwrap();
        let at = ready.find(MARK).unwrap() + MARK.len();
        let issuer = ready[at..].split_whitespace().next().unwrap().to_owned();
        assert!(
            issuer.starts_with("http://127.0.0.1:") && !issuer.ends_with(":0"),
            "{ready}"
        );
        let provider = Self { issuer, child };
        // Listening is not serving yet: wait for the discovery document.
        let discovery = format!("{}/.well-known/openid-configuration", provider.issuer);
        let started = Instant::now();
        loop {
            if let Ok(res) = reqwest::get(&discovery).await {
                if res.status().is_success() {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the OIDC provider did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        provider
    }

    /// Registers the claims the provider will give `subject`.
    pub async fn set_user(&self, subject: &str, claims: serde_json::Value) {
        let res = reqwest::Client::new()
            .put(format!("{}/users/{subject}", self.issuer))
            .json(&claims)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
    }

    /// Signs `subject` in at the provider's authorization page (as its login form does) and
    /// returns where the provider sends the browser back to.
    pub async fn authorize(&self, authorization_url: &str, subject: &str) -> String {
        let res = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(authorization_url)
            .form(&[("sub", subject)])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{}", res.status());
        res.headers()["location"].to_str().unwrap().to_owned()
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
