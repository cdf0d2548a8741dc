//! Finding the master key: `master_key`, else `master_key_file`, else `<data_dir>/master.key`,
//! which is generated (mode 0600) on first run. The control plane keeps a check value encrypted
//! under the key, so a node started with the wrong key refuses to run instead of failing later on
//! every tenant.

use std::io::Write;
use std::path::PathBuf;

use tenantry_store::{ControlStore, MasterKey};

use crate::config::Config;
use crate::error::{PlatformError, Result};

/// Where the key came from, so the CLI can tell the operator about a newly generated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Environment,
    File(PathBuf),
    Generated(PathBuf),
}

pub fn load(config: &Config) -> Result<(MasterKey, KeySource)> {
    if let Some(key) = &config.master_key {
        let key = MasterKey::parse(key.expose())
            .map_err(|why| PlatformError::Config(format!("master_key: {why}")))?;
        return Ok((key, KeySource::Environment));
    }
    let (path, may_generate) = match &config.master_key_file {
        Some(path) => (path.clone(), false),
        None => (config.data_dir.join("master.key"), true),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = MasterKey::parse(&text).map_err(|why| {
                PlatformError::Config(format!("master key file {}: {why}", path.display()))
            })?;
            Ok((key, KeySource::File(path)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && may_generate => {
            let key = MasterKey::generate();
            write_new_key(&path, &key)?;
            Ok((key, KeySource::Generated(path)))
        }
        Err(e) => Err(PlatformError::Config(format!(
            "master key file {}: {e}",
            path.display()
        ))),
    }
}

fn write_new_key(path: &std::path::Path, key: &MasterKey) -> Result<()> {
    let fail = |e: std::io::Error| {
        PlatformError::Config(format!("cannot write master key {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    file.write_all(format!("{}\n", key.to_hex()).as_bytes())
        .map_err(fail)?;
    file.sync_all().map_err(fail)
}

const CHECK_SETTING: &str = "master_key_check";
const CHECK_CONTEXT: &str = "master-key-check";

/// Records a check value on first use; afterwards, refuses a key that cannot read it.
pub async fn verify_against(control: &ControlStore, key: &MasterKey) -> Result<()> {
    match control.setting(CHECK_SETTING).await? {
        Some(check) => key.decrypt(&check, CHECK_CONTEXT).map(|_| ()).map_err(|_| {
            PlatformError::Config(
                "the master key does not match the one this control plane was set up with; \
                 give every node the same key (master_key_file or TENANTRY_MASTER_KEY)"
                    .into(),
            )
        }),
        None => {
            let check = key.encrypt(b"tenantry", CHECK_CONTEXT)?;
            control.set_setting(CHECK_SETTING, &check).await?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_owned(),
            ..Config::default()
        };
        let (key, source) = load(&config).unwrap();
        assert!(matches!(source, KeySource::Generated(_)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("master.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, source) = load(&config).unwrap();
        assert!(matches!(source, KeySource::File(_)));
        assert_eq!(again.to_hex(), key.to_hex());
    }

    #[test]
    fn a_named_key_file_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_owned(),
            master_key_file: Some(dir.path().join("missing.key")),
            ..Config::default()
        };
        assert!(load(&config).is_err());
    }
}
