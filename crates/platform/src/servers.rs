//! Registering the PostgreSQL servers that hold tenant databases.

use tenantry_store::control::ServerRecord;
use tenantry_store::db::{postgres_options, redact_url};
use tenantry_store::tenant_admin::{check_server, server_url_context};

use crate::error::{PlatformError, Result};
use crate::Platform;

/// Checks that the server answers and that its user may create databases and roles, then records
/// it with its URL encrypted under the master key.
pub async fn add(
    platform: &Platform,
    url: &str,
    name: Option<&str>,
    actor: &str,
) -> Result<ServerRecord> {
    let options =
        postgres_options(url).map_err(|e| PlatformError::Config(format!("--url: {e}")))?;
    let name = match name {
        Some(n) => n.trim().to_owned(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
        return Err(tenantry_domain::ValidationError::new(
            "name",
            "must be 1-100 printable characters",
        )
        .into());
    }
    check_server(options).await.map_err(|e| match e {
        tenantry_store::StoreError::Conflict(m) => PlatformError::Refused(m),
        tenantry_store::StoreError::Database(e) => {
            PlatformError::Refused(format!("cannot use the server at {}: {e}", redact_url(url)))
        }
        other => other.into(),
    })?;
    let id = uuid::Uuid::now_v7().to_string();
    let url_enc = platform
        .admin()
        .key()
        .encrypt(url.as_bytes(), &server_url_context(&id))?;
    let control = platform.control();
    control
        .insert_server(&id, &name, &url_enc, &redact_url(url))
        .await?;
    control
        .append_audit(
            actor,
            "server.add",
            None,
            &serde_json::json!({ "id": id, "name": name, "url": redact_url(url) }),
        )
        .await?;
    control
        .server(&id)
        .await?
        .ok_or_else(|| PlatformError::NotFound(format!("database server {id}")))
}

pub async fn list(platform: &Platform) -> Result<Vec<ServerRecord>> {
    Ok(platform.control().servers().await?)
}
