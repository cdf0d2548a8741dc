//! Creating, migrating and dropping tenant databases, as the installation's administrator.
//!
//! SQLite: one file per tenant under `<data dir>/tenants/`. PostgreSQL: one database per tenant
//! on a registered server, copied from a template database that already holds the current tenant
//! schema (much faster than running the migrations each time), with a login role of its own that
//! may connect to that database only and may read and write rows but not change the schema.

use std::collections::HashSet;
use std::path::PathBuf;

use sqlx::postgres::PgConnectOptions;
use tokio::sync::Mutex;

use crate::control::{ControlStore, TenantRecord};
use crate::db::{postgres_options, quote_generated_ident, Db, KeepIdle, SqliteDurability};
use crate::error::{Result, StoreError};
use crate::migrate;
use crate::secrets::{random_hex, MasterKey, Secret};
use crate::tenant_db::TenantDb;

/// The group role whose members may read and write rows in tenant databases. A tenant's own role
/// is a member, and can only connect to its own database, so the group grants nothing across
/// tenants.
pub const TENANT_GROUP_ROLE: &str = "tenantry_tenant";

/// Connections per tenant pool: a small business's traffic rarely needs more, and a thousand
/// tenants times this must stay within a server's connection limit (the pool cache bounds it).
const TENANT_POOL_SIZE: u32 = 4;

pub struct TenantAdmin {
    data_dir: PathBuf,
    durability: SqliteDurability,
    key: MasterKey,
    control: ControlStore,
    /// Servers on which this process has checked that the current template exists.
    templates_ready: Mutex<HashSet<String>>,
}

/// Where a tenant's database is and how to reach it as the administrator.
enum Location {
    Sqlite(PathBuf),
    Postgres {
        admin: Box<PgConnectOptions>,
        db_name: String,
        role: String,
        password: Secret<String>,
        server_id: String,
    },
}

/// The context string that binds an encrypted tenant password to its tenant.
pub fn password_context(tenant: &tenantry_domain::TenantId) -> String {
    format!("tenant-db-password:{tenant}")
}

/// The context string that binds an encrypted server URL to its server.
pub fn server_url_context(server_id: &str) -> String {
    format!("db-server-url:{server_id}")
}

impl TenantAdmin {
    pub fn new(
        data_dir: PathBuf,
        durability: SqliteDurability,
        key: MasterKey,
        control: ControlStore,
    ) -> Self {
        Self {
            data_dir,
            durability,
            key,
            control,
            templates_ready: Mutex::new(HashSet::new()),
        }
    }

    pub fn tenants_dir(&self) -> PathBuf {
        self.data_dir.join("tenants")
    }

    pub fn key(&self) -> &MasterKey {
        &self.key
    }

    /// A new random password for a tenant role, and its encryption for the control plane.
    pub fn new_tenant_password(&self, tenant: &tenantry_domain::TenantId) -> Result<String> {
        self.key
            .encrypt(random_hex(24).as_bytes(), &password_context(tenant))
    }

    /// The admin connection options of a registered server.
    pub async fn server_options(&self, server_id: &str) -> Result<PgConnectOptions> {
        let server = self
            .control
            .server(server_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("database server {server_id}")))?;
        let url = self
            .key
            .decrypt_string(&server.url_enc, &server_url_context(server_id))?;
        postgres_options(url.expose())
    }

    async fn location(&self, t: &TenantRecord) -> Result<Location> {
        match &t.db_server_id {
            None => Ok(Location::Sqlite(self.tenants_dir().join(&t.db_name))),
            Some(server_id) => {
                let admin = self.server_options(server_id).await?;
                let role = t.db_role.clone().ok_or_else(|| {
                    StoreError::Corrupt(format!("tenant {} has no database role", t.id))
                })?;
                let enc = t.db_password_enc.as_deref().ok_or_else(|| {
                    StoreError::Corrupt(format!("tenant {} has no database password", t.id))
                })?;
                let password = self.key.decrypt_string(enc, &password_context(&t.id))?;
                Ok(Location::Postgres {
                    admin: Box::new(admin),
                    db_name: t.db_name.clone(),
                    role,
                    password,
                    server_id: server_id.clone(),
                })
            }
        }
    }

    /// Opens the tenant's pool as the tenant itself (on PostgreSQL, as its own role).
    ///
    /// On PostgreSQL, `keep_idle` decides whether a connection coming back from a query stays
    /// open (see [`Db::open_postgres_budgeted`]); SQLite connections are file handles and are
    /// always kept.
    pub async fn open_as_tenant(&self, t: &TenantRecord, keep_idle: KeepIdle) -> Result<TenantDb> {
        let db = match self.location(t).await? {
            Location::Sqlite(path) => {
                Db::open_sqlite(&path, false, self.durability, TENANT_POOL_SIZE).await?
            }
            Location::Postgres {
                admin,
                db_name,
                role,
                password,
                ..
            } => {
                let options = admin
                    .database(&db_name)
                    .username(&role)
                    .password(password.expose());
                Db::open_postgres_budgeted(options, TENANT_POOL_SIZE, keep_idle).await?
            }
        };
        Ok(TenantDb::new(db))
    }

    /// Creates the tenant's database (and on PostgreSQL its role). Idempotent: what exists is
    /// kept, what is missing is made, and the role's password is reset to the stored one.
    pub async fn create_database(&self, t: &TenantRecord) -> Result<()> {
        match self.location(t).await? {
            Location::Sqlite(path) => {
                let dir = self.tenants_dir();
                std::fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
                let db = Db::open_sqlite(&path, true, self.durability, 1).await?;
                // Opening in WAL mode has written the header: the file is a database now.
                db.close().await;
                Ok(())
            }
            Location::Postgres {
                admin,
                db_name,
                role,
                password,
                server_id,
            } => {
                let template = self.ensure_template(&server_id, &admin).await?;
                let server = Db::open_postgres(*admin, 1).await?;
                let result =
                    create_pg_database(&server, &template, &db_name, &role, password.expose())
                        .await;
                server.close().await;
                result
            }
        }
    }

    /// Brings the tenant's database to the latest schema, as the administrator.
    pub async fn migrate(&self, t: &TenantRecord) -> Result<i64> {
        let db = self.open_as_admin(t).await?;
        let result = migrate_tenant_db(&db).await;
        db.close().await;
        result
    }

    async fn open_as_admin(&self, t: &TenantRecord) -> Result<Db> {
        match self.location(t).await? {
            Location::Sqlite(path) => {
                if !path.exists() {
                    return Err(StoreError::NotFound(format!(
                        "database file {}",
                        path.display()
                    )));
                }
                Db::open_sqlite(&path, false, self.durability, 1).await
            }
            Location::Postgres { admin, db_name, .. } => {
                Db::open_postgres(admin.database(&db_name), 1).await
            }
        }
    }

    /// Removes the tenant's database (and role). Idempotent. Connections still open to it from
    /// other nodes are ended (PostgreSQL's `WITH (FORCE)`).
    pub async fn drop_database(&self, t: &TenantRecord) -> Result<()> {
        match self.location(t).await? {
            Location::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let file = PathBuf::from(format!("{}{suffix}", path.display()));
                    match std::fs::remove_file(&file) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(StoreError::io(&file, e)),
                    }
                }
                Ok(())
            }
            Location::Postgres {
                admin,
                db_name,
                role,
                ..
            } => {
                let server = Db::open_postgres(*admin, 1).await?;
                let result = drop_pg_database(&server, &db_name, &role).await;
                server.close().await;
                result
            }
        }
    }

    /// Makes sure the server has a template database at the current tenant schema, and returns
    /// its name. Built once per schema version per server; concurrent builders (other nodes,
    /// other processes) race harmlessly: each builds under a private name and renames it, and the
    /// loser drops its copy.
    async fn ensure_template(&self, server_id: &str, admin: &PgConnectOptions) -> Result<String> {
        let name = format!(
            "tenantry_tpl_{}",
            migrate::fingerprint(migrate::TENANT, crate::db::Backend::Postgres)
        );
        let mut ready = self.templates_ready.lock().await;
        if ready.contains(server_id) {
            return Ok(name);
        }
        let server = Db::open_postgres(admin.clone(), 1).await?;
        let result = build_template(&server, admin, &name).await;
        server.close().await;
        result?;
        ready.insert(server_id.to_owned());
        Ok(name)
    }
}

async fn drop_pg_database(server: &Db, db_name: &str, role: &str) -> Result<()> {
    let Db::Postgres(p) = server else {
        return unreachable_backend();
    };
    sqlx::raw_sql(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_generated_ident(db_name)?
    ))
    .execute(p)
    .await?;
    sqlx::raw_sql(&format!(
        "DROP ROLE IF EXISTS {}",
        quote_generated_ident(role)?
    ))
    .execute(p)
    .await?;
    Ok(())
}

fn unreachable_backend<T>() -> Result<T> {
    Err(StoreError::Corrupt("expected a PostgreSQL pool".into()))
}

fn is_pg_code(e: &sqlx::Error, codes: &[&str]) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().is_some_and(|c| codes.contains(&c.as_ref())))
}

/// Creates the group role that tenant roles join, if missing. Concurrent creators may collide on
/// the catalogue's unique index; that counts as success.
pub async fn ensure_group_role(server: &Db) -> Result<()> {
    let Db::Postgres(p) = server else {
        return unreachable_backend();
    };
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(TENANT_GROUP_ROLE)
            .fetch_one(p)
            .await?;
    if !exists {
        if let Err(e) = sqlx::raw_sql(&format!("CREATE ROLE {TENANT_GROUP_ROLE} NOLOGIN"))
            .execute(p)
            .await
        {
            if !is_pg_code(&e, &["42710", "23505"]) {
                return Err(e.into());
            }
        }
    }
    Ok(())
}

async fn build_template(server: &Db, admin: &PgConnectOptions, name: &str) -> Result<()> {
    let Db::Postgres(p) = server else {
        return unreachable_backend();
    };
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(p)
            .await?;
    if exists {
        return Ok(());
    }
    ensure_group_role(server).await?;
    let building = format!("tenantry_build_{}", random_hex(8));
    sqlx::raw_sql(&format!(
        "CREATE DATABASE {}",
        quote_generated_ident(&building)?
    ))
    .execute(p)
    .await?;
    let built = migrate_and_rename_template(p, admin, &building, name).await;
    match built {
        Ok(()) => Ok(()),
        Err(StoreError::Database(e)) if is_pg_code(&e, &["42P04", "23505"]) => {
            // Another builder won the rename; ours is surplus.
            sqlx::raw_sql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_generated_ident(&building)?
            ))
            .execute(p)
            .await?;
            Ok(())
        }
        Err(e) => {
            let _ = sqlx::raw_sql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_generated_ident(&building)?
            ))
            .execute(p)
            .await;
            Err(e)
        }
    }
}

/// Migrates the freshly created `building` database and renames it to the template's name.
async fn migrate_and_rename_template(
    p: &sqlx::PgPool,
    admin: &PgConnectOptions,
    building: &str,
    name: &str,
) -> Result<()> {
    let db = Db::open_postgres(admin.clone().database(building), 1).await?;
    let migrated = migrate_tenant_db(&db).await;
    db.close().await;
    migrated?;
    let rename = format!(
        "ALTER DATABASE {} RENAME TO {}",
        quote_generated_ident(building)?,
        quote_generated_ident(name)?
    );
    // The server ends the closed connection's backend asynchronously; until it has, the rename
    // fails with "being accessed by other users" (55006). Wait for it, briefly.
    let mut attempts = 0;
    loop {
        match sqlx::raw_sql(&rename).execute(p).await {
            Ok(_) => break,
            Err(e) if is_pg_code(&e, &["55006"]) && attempts < 100 => {
                attempts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    sqlx::raw_sql(&format!(
        "ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
        quote_generated_ident(name)?
    ))
    .execute(p)
    .await?;
    Ok(())
}

async fn create_pg_database(
    server: &Db,
    template: &str,
    db_name: &str,
    role: &str,
    password: &str,
) -> Result<()> {
    let Db::Postgres(p) = server else {
        return unreachable_backend();
    };
    // Generated passwords are hex; refuse anything that would need quoting.
    if !password.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(StoreError::Corrupt(
            "unexpected tenant password format".into(),
        ));
    }
    let (db_q, role_q) = (
        quote_generated_ident(db_name)?,
        quote_generated_ident(role)?,
    );
    let role_exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(role)
            .fetch_one(p)
            .await?;
    if role_exists {
        sqlx::raw_sql(&format!(
            "ALTER ROLE {role_q} WITH LOGIN PASSWORD '{password}'"
        ))
        .execute(p)
        .await?;
    } else {
        sqlx::raw_sql(&format!(
            "CREATE ROLE {role_q} LOGIN PASSWORD '{password}' NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE {TENANT_GROUP_ROLE}"
        ))
        .execute(p)
        .await?;
    }
    let db_exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(db_name)
            .fetch_one(p)
            .await?;
    if !db_exists {
        sqlx::raw_sql(&format!(
            "CREATE DATABASE {db_q} TEMPLATE {}",
            quote_generated_ident(template)?
        ))
        .execute(p)
        .await?;
    }
    sqlx::raw_sql(&format!(
        "REVOKE ALL ON DATABASE {db_q} FROM PUBLIC; GRANT CONNECT, TEMPORARY ON DATABASE {db_q} TO {role_q}"
    ))
    .execute(p)
    .await?;
    Ok(())
}

/// Runs the tenant migrations and, on PostgreSQL, grants row access on every table to the tenant
/// group (the tenant roles own nothing and cannot change the schema).
async fn migrate_tenant_db(db: &Db) -> Result<i64> {
    let version = migrate::run(db, migrate::TENANT).await?;
    if let Db::Postgres(p) = db {
        sqlx::raw_sql(&format!(
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC;
             GRANT USAGE ON SCHEMA public TO {TENANT_GROUP_ROLE};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {TENANT_GROUP_ROLE};
             REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM {TENANT_GROUP_ROLE};
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {TENANT_GROUP_ROLE};"
        ))
        .execute(p)
        .await?;
    }
    Ok(version)
}

/// Checks that a PostgreSQL server can hold tenants: it answers, and the URL's user may create
/// databases and roles. Also creates the tenant group role.
pub async fn check_server(options: PgConnectOptions) -> Result<()> {
    let server = Db::open_postgres(options, 1).await?;
    let result = check_privileges(&server).await;
    server.close().await;
    result
}

async fn check_privileges(server: &Db) -> Result<()> {
    let Db::Postgres(p) = server else {
        return unreachable_backend();
    };
    let (superuser, createdb, createrole): (bool, bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(p)
    .await?;
    if !(superuser || (createdb && createrole)) {
        return Err(StoreError::Conflict(
            "the server's user must be allowed to create databases and roles (CREATEDB and CREATEROLE)".into(),
        ));
    }
    ensure_group_role(server).await
}

/// The tenant database file a SQLite tenant would use, for callers that name it.
pub fn sqlite_file_name(tenant: &tenantry_domain::TenantId) -> String {
    format!("{tenant}.db")
}
