//! The control plane: one database for the whole installation.

use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::FromRow;
use tenantry_domain::{
    ClientName, Email, Feature, PlanCode, Subdomain, TenantId, TenantRole, TenantStatus, UserId,
};
use time::OffsetDateTime;

use crate::db::{postgres_options, Db, SqliteDurability};
use crate::error::{Result, StoreError};
use crate::{migrate, on_db};

#[derive(Clone, Debug)]
pub struct ControlStore {
    db: Db,
}

/// Where the control plane lives.
pub enum ControlLocation<'a> {
    /// `control.db` in the data directory.
    Sqlite {
        data_dir: &'a Path,
        durability: SqliteDurability,
    },
    Postgres {
        url: &'a str,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanRecord {
    pub code: PlanCode,
    pub name: String,
    pub price_minor: i64,
    pub currency: String,
    pub billing_period: String,
    pub max_users: Option<i64>,
    pub storage_gb: i64,
    pub features: Vec<Feature>,
}

#[derive(FromRow)]
struct PlanRow {
    code: String,
    name: String,
    price_minor: i64,
    currency: String,
    billing_period: String,
    max_users: Option<i64>,
    storage_gb: i64,
    features: String,
}

impl TryFrom<PlanRow> for PlanRecord {
    type Error = StoreError;
    fn try_from(r: PlanRow) -> Result<Self> {
        let features = r
            .features
            .split(',')
            .filter(|f| !f.is_empty())
            .map(|f| {
                Feature::from_code(f).ok_or_else(|| {
                    StoreError::Corrupt(format!("plan {} has unknown feature {f:?}", r.code))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PlanRecord {
            code: PlanCode::parse(&r.code).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            name: r.name,
            price_minor: r.price_minor,
            currency: r.currency,
            billing_period: r.billing_period,
            max_users: r.max_users,
            storage_gb: r.storage_gb,
            features,
        })
    }
}

/// A registered PostgreSQL server that holds tenant databases.
#[derive(Clone, Debug, Serialize)]
pub struct ServerRecord {
    pub id: String,
    pub name: String,
    pub backend: String,
    /// The URL with its password replaced, safe to show.
    pub url_display: String,
    #[serde(skip)]
    pub url_enc: String,
    pub status: String,
    pub tenant_count: i64,
    pub created_at: OffsetDateTime,
}

#[derive(FromRow)]
struct ServerRow {
    id: String,
    name: String,
    backend: String,
    url_display: String,
    url_enc: String,
    status: String,
    tenant_count: i64,
    created_at: OffsetDateTime,
}

impl From<ServerRow> for ServerRecord {
    fn from(r: ServerRow) -> Self {
        ServerRecord {
            id: r.id,
            name: r.name,
            backend: r.backend,
            url_display: r.url_display,
            url_enc: r.url_enc,
            status: r.status,
            tenant_count: r.tenant_count,
            created_at: r.created_at,
        }
    }
}

/// A client business as the control plane knows it.
#[derive(Clone, Debug)]
pub struct TenantRecord {
    pub id: TenantId,
    pub name: ClientName,
    pub subdomain: Subdomain,
    pub status: TenantStatus,
    pub plan: PlanCode,
    pub admin_email: Email,
    /// `None`: a SQLite file in the data directory.
    pub db_server_id: Option<String>,
    pub db_name: String,
    pub db_role: Option<String>,
    pub db_password_enc: Option<String>,
    pub schema_version: i64,
    pub provision_step: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(FromRow)]
struct TenantRow {
    id: String,
    name: String,
    subdomain: String,
    status: String,
    plan_code: String,
    admin_email: String,
    db_server_id: Option<String>,
    db_name: String,
    db_role: Option<String>,
    db_password_enc: Option<String>,
    schema_version: i64,
    provision_step: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl TryFrom<TenantRow> for TenantRecord {
    type Error = StoreError;
    fn try_from(r: TenantRow) -> Result<Self> {
        Ok(TenantRecord {
            id: r.id.parse().map_err(corrupt)?,
            name: ClientName::parse(&r.name).map_err(corrupt)?,
            subdomain: Subdomain::parse(&r.subdomain).map_err(corrupt)?,
            status: TenantStatus::parse(&r.status)
                .ok_or_else(|| corrupt(format!("tenant status {:?}", r.status)))?,
            plan: PlanCode::parse(&r.plan_code).map_err(corrupt)?,
            admin_email: Email::parse(&r.admin_email).map_err(corrupt)?,
            db_server_id: r.db_server_id,
            db_name: r.db_name,
            db_role: r.db_role,
            db_password_enc: r.db_password_enc,
            schema_version: r.schema_version,
            provision_step: r.provision_step,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// One line of the operator's client list.
#[derive(Clone, Debug, Serialize)]
pub struct TenantSummary {
    pub id: TenantId,
    pub name: String,
    pub subdomain: String,
    pub status: TenantStatus,
    pub plan: String,
    pub admin_email: String,
    pub db_server: Option<String>,
    pub domains: Vec<String>,
    pub users: i64,
    pub schema_version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_activity_at: Option<OffsetDateTime>,
}

#[derive(FromRow)]
struct TenantSummaryRow {
    id: String,
    name: String,
    subdomain: String,
    status: String,
    plan_code: String,
    admin_email: String,
    db_server: Option<String>,
    users: i64,
    schema_version: i64,
    created_at: OffsetDateTime,
    last_activity_at: Option<OffsetDateTime>,
}

/// An invitation as its link's page shows it.
#[derive(Clone, Debug)]
pub struct InvitationRecord {
    pub user_id: UserId,
    pub email: String,
    /// Whether the account was set up before (then the invitation is accepted signed in).
    pub account_set_up: bool,
    pub tenant_id: Option<TenantId>,
    pub tenant_name: Option<String>,
    pub role: Option<String>,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
    /// Whether a newer invitation for the same person and place was issued after this one (which
    /// ended this one's validity then).
    pub replaced: bool,
}

#[derive(Clone, Debug, Serialize, FromRow)]
pub struct AuditRecord {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub tenant_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Clone, Debug, Serialize, FromRow)]
pub struct ActivityRecord {
    pub id: i64,
    pub tenant_id: Option<String>,
    pub kind: String,
    pub message: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

const TENANT_COLUMNS: &str =
    "id, name, subdomain, status, plan_code, admin_email, db_server_id, db_name, db_role, \
     db_password_enc, schema_version, provision_step, created_at, updated_at";

/// Current time at the precision both backends keep (microseconds), so a value read back equals
/// the value written — the audit chain hashes it.
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

impl ControlStore {
    pub async fn open(location: ControlLocation<'_>) -> Result<Self> {
        let db = match location {
            ControlLocation::Sqlite {
                data_dir,
                durability,
            } => {
                std::fs::create_dir_all(data_dir).map_err(|e| StoreError::io(data_dir, e))?;
                Db::open_sqlite(&data_dir.join("control.db"), true, durability, 8).await?
            }
            ControlLocation::Postgres { url } => {
                Db::open_postgres(postgres_options(url)?, 16).await?
            }
        };
        Ok(Self { db })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub async fn migrate(&self) -> Result<i64> {
        migrate::run(&self.db, migrate::CONTROL).await
    }

    /// Refuses to work on a control plane that is not at this build's schema.
    pub async fn check_schema(&self) -> Result<i64> {
        let version = migrate::current_version(&self.db).await?;
        let known = migrate::latest_version(migrate::CONTROL);
        if version > known {
            return Err(StoreError::SchemaTooNew {
                found: version,
                known,
            });
        }
        Ok(version)
    }

    // ---- settings ----

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            on_db!(&self.db, p => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(p)
            .await?),
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        on_db!(&self.db, p => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    // ---- plans ----

    pub async fn plan(&self, code: &PlanCode) -> Result<Option<PlanRecord>> {
        let row: Option<PlanRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT code, name, price_minor, currency, billing_period, max_users, storage_gb, features
             FROM plans WHERE code = $1 AND active = $2",
        )
        .bind(code.as_str())
        .bind(true)
        .fetch_optional(p)
        .await?);
        row.map(PlanRecord::try_from).transpose()
    }

    pub async fn plans(&self) -> Result<Vec<PlanRecord>> {
        let rows: Vec<PlanRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT code, name, price_minor, currency, billing_period, max_users, storage_gb, features
             FROM plans WHERE active = $1 ORDER BY sort_order, code",
        )
        .bind(true)
        .fetch_all(p)
        .await?);
        rows.into_iter().map(PlanRecord::try_from).collect()
    }

    // ---- database servers ----

    pub async fn insert_server(
        &self,
        id: &str,
        name: &str,
        url_enc: &str,
        url_display: &str,
    ) -> Result<()> {
        let result = on_db!(&self.db, p => sqlx::query(
            "INSERT INTO db_servers (id, name, backend, url_enc, url_display, status, created_at)
             VALUES ($1, $2, 'postgres', $3, $4, 'active', $5)",
        )
        .bind(id)
        .bind(name)
        .bind(url_enc)
        .bind(url_display)
        .bind(now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()));
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = StoreError::from(e);
                if e.is_unique_violation() {
                    Err(StoreError::Conflict(format!(
                        "a database server named {name:?} is already registered"
                    )))
                } else {
                    Err(e)
                }
            }
        }
    }

    pub async fn servers(&self) -> Result<Vec<ServerRecord>> {
        let rows: Vec<ServerRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT s.id, s.name, s.backend, s.url_display, s.url_enc, s.status, s.created_at,
                    (SELECT count(*) FROM tenants t WHERE t.db_server_id = s.id) AS tenant_count
             FROM db_servers s ORDER BY s.created_at, s.name",
        )
        .fetch_all(p)
        .await?);
        Ok(rows.into_iter().map(ServerRecord::from).collect())
    }

    pub async fn server(&self, id: &str) -> Result<Option<ServerRecord>> {
        Ok(self.servers().await?.into_iter().find(|s| s.id == id))
    }

    // ---- tenants ----

    /// Records a new tenant and its custom domains in one transaction. A subdomain or domain that
    /// is already taken is a [`StoreError::Conflict`] naming it; nothing is written then.
    pub async fn insert_tenant(&self, t: &TenantRecord, domains: &[String]) -> Result<()> {
        let result: Result<()> = on_db!(&self.db, p => {
            let mut tx = p.begin().await?;
            let inserted = sqlx::query(&format!(
                "INSERT INTO tenants ({TENANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            ))
            .bind(t.id.to_string())
            .bind(t.name.as_str())
            .bind(t.subdomain.as_str())
            .bind(t.status.as_str())
            .bind(t.plan.as_str())
            .bind(t.admin_email.as_str())
            .bind(&t.db_server_id)
            .bind(&t.db_name)
            .bind(&t.db_role)
            .bind(&t.db_password_enc)
            .bind(t.schema_version)
            .bind(&t.provision_step)
            .bind(t.created_at)
            .bind(t.updated_at)
            .execute(&mut *tx)
            .await;
            if let Err(e) = inserted {
                let e = StoreError::from(e);
                return Err(if e.is_unique_violation() {
                    StoreError::Conflict(format!("subdomain {:?} is already taken by another client", t.subdomain.as_str()))
                } else {
                    e
                });
            }
            for domain in domains {
                let added = sqlx::query("INSERT INTO tenant_domains (domain, tenant_id, created_at) VALUES ($1, $2, $3)")
                    .bind(domain)
                    .bind(t.id.to_string())
                    .bind(t.created_at)
                    .execute(&mut *tx)
                    .await;
                if let Err(e) = added {
                    let e = StoreError::from(e);
                    return Err(if e.is_unique_violation() {
                        StoreError::Conflict(format!("domain {domain:?} is already registered to another client"))
                    } else {
                        e
                    });
                }
            }
            tx.commit().await?;
            Ok(())
        });
        result
    }

    async fn tenant_where(&self, condition: &str, value: &str) -> Result<Option<TenantRecord>> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE {condition}");
        let row: Option<TenantRow> =
            on_db!(&self.db, p => sqlx::query_as(&sql).bind(value).fetch_optional(p).await?);
        row.map(TenantRecord::try_from).transpose()
    }

    pub async fn tenant(&self, id: TenantId) -> Result<Option<TenantRecord>> {
        self.tenant_where("id = $1", &id.to_string()).await
    }

    pub async fn tenant_by_subdomain(&self, subdomain: &str) -> Result<Option<TenantRecord>> {
        self.tenant_where("subdomain = $1", subdomain).await
    }

    pub async fn tenant_by_domain(&self, domain: &str) -> Result<Option<TenantRecord>> {
        self.tenant_where(
            "id = (SELECT tenant_id FROM tenant_domains WHERE domain = $1)",
            domain,
        )
        .await
    }

    pub async fn tenant_domains(&self, id: TenantId) -> Result<Vec<String>> {
        Ok(
            on_db!(&self.db, p => sqlx::query_scalar("SELECT domain FROM tenant_domains WHERE tenant_id = $1 ORDER BY domain")
            .bind(id.to_string())
            .fetch_all(p)
            .await?),
        )
    }

    /// The tenant that owns `domain`, if any.
    pub async fn domain_owner(&self, domain: &str) -> Result<Option<TenantId>> {
        let owner: Option<String> = on_db!(&self.db, p => sqlx::query_scalar("SELECT tenant_id FROM tenant_domains WHERE domain = $1")
            .bind(domain)
            .fetch_optional(p)
            .await?);
        owner.map(|o| o.parse().map_err(corrupt)).transpose()
    }

    pub async fn all_tenants(&self) -> Result<Vec<TenantRecord>> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants ORDER BY id");
        let rows: Vec<TenantRow> = on_db!(&self.db, p => sqlx::query_as(&sql).fetch_all(p).await?);
        rows.into_iter().map(TenantRecord::try_from).collect()
    }

    pub async fn tenant_summaries(&self) -> Result<Vec<TenantSummary>> {
        let rows: Vec<TenantSummaryRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT t.id, t.name, t.subdomain, t.status, t.plan_code, t.admin_email, s.name AS db_server,
                    (SELECT count(*) FROM memberships m WHERE m.tenant_id = t.id) AS users,
                    t.schema_version, t.created_at,
                    (SELECT max(a.created_at) FROM activity a WHERE a.tenant_id = t.id) AS last_activity_at
             FROM tenants t LEFT JOIN db_servers s ON s.id = t.db_server_id
             ORDER BY t.subdomain",
        )
        .fetch_all(p)
        .await?);
        let domains: Vec<(String, String)> = on_db!(&self.db, p => sqlx::query_as("SELECT tenant_id, domain FROM tenant_domains ORDER BY domain")
            .fetch_all(p)
            .await?);
        rows.into_iter()
            .map(|r| {
                Ok(TenantSummary {
                    domains: domains
                        .iter()
                        .filter(|(t, _)| *t == r.id)
                        .map(|(_, d)| d.clone())
                        .collect(),
                    id: r.id.parse().map_err(corrupt)?,
                    name: r.name,
                    subdomain: r.subdomain,
                    status: TenantStatus::parse(&r.status)
                        .ok_or_else(|| corrupt(format!("tenant status {:?}", r.status)))?,
                    plan: r.plan_code,
                    admin_email: r.admin_email,
                    db_server: r.db_server,
                    users: r.users,
                    schema_version: r.schema_version,
                    created_at: r.created_at,
                    last_activity_at: r.last_activity_at,
                })
            })
            .collect()
    }

    pub async fn set_provision_step(&self, id: TenantId, step: &str) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("UPDATE tenants SET provision_step = $1, updated_at = $2 WHERE id = $3")
            .bind(step)
            .bind(now())
            .bind(id.to_string())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn set_schema_version(&self, id: TenantId, version: i64) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("UPDATE tenants SET schema_version = $1, updated_at = $2 WHERE id = $3")
            .bind(version)
            .bind(now())
            .bind(id.to_string())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Moves a tenant from `from` to `to`; false when it was not in `from` (someone else changed
    /// it first), so two operators cannot both apply a transition.
    pub async fn transition_status(
        &self,
        id: TenantId,
        from: TenantStatus,
        to: TenantStatus,
    ) -> Result<bool> {
        let n = on_db!(&self.db, p => sqlx::query("UPDATE tenants SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(to.as_str())
            .bind(now())
            .bind(id.to_string())
            .bind(from.as_str())
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// Removes a tenant's record with its domains, memberships, invitations and activity.
    pub async fn delete_tenant(&self, id: TenantId) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("DELETE FROM tenants WHERE id = $1").bind(id.to_string()).execute(p).await?.rows_affected());
        Ok(())
    }

    // ---- users, memberships, invitations ----

    /// The user with this email, created as `invited` if there is none.
    pub async fn ensure_user(&self, email: &Email) -> Result<UserId> {
        let id = UserId::new();
        let t = now();
        on_db!(&self.db, p => sqlx::query(
            "INSERT INTO users (id, email, status, created_at, updated_at) VALUES ($1, $2, 'invited', $3, $3)
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(email.as_str())
        .bind(t)
        .execute(p)
        .await?
        .rows_affected());
        let stored: String = on_db!(&self.db, p => sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_one(p)
            .await?);
        stored.parse().map_err(corrupt)
    }

    pub async fn set_membership(
        &self,
        user: UserId,
        tenant: TenantId,
        role: TenantRole,
    ) -> Result<()> {
        on_db!(&self.db, p => sqlx::query(
            "INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = excluded.role",
        )
        .bind(user.to_string())
        .bind(tenant.to_string())
        .bind(role.as_str())
        .bind(now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn membership_count(&self, tenant: TenantId) -> Result<i64> {
        Ok(
            on_db!(&self.db, p => sqlx::query_scalar("SELECT count(*) FROM memberships WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_one(p)
            .await?),
        )
    }

    /// Stores a new invitation (by the hash of its token) and retires the user's earlier unused
    /// invitations to the same tenant, so only the newest link works.
    pub async fn replace_invitation(
        &self,
        user: UserId,
        tenant: Option<TenantId>,
        role: Option<TenantRole>,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let t = now();
        let tenant = tenant.map(|t| t.to_string());
        on_db!(&self.db, p => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "UPDATE invitations SET expires_at = $1
                 WHERE user_id = $2 AND tenant_id IS NOT DISTINCT FROM $3 AND used_at IS NULL AND expires_at > $1",
            )
            .bind(t)
            .bind(user.to_string())
            .bind(&tenant)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO invitations (id, token_hash, user_id, tenant_id, role, expires_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(token_hash)
            .bind(user.to_string())
            .bind(&tenant)
            .bind(role.map(|r| r.as_str()))
            .bind(expires_at)
            .bind(t)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn invitation(&self, token_hash: &str) -> Result<Option<InvitationRecord>> {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            OffsetDateTime,
            Option<OffsetDateTime>,
            bool,
        );
        // Ids are UUIDv7, ordered by creation: a larger id for the same person and place is a
        // newer invitation.
        let row: Option<Row> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT u.id, u.email, u.status, i.tenant_id, t.name, i.role, i.expires_at, i.used_at,
                    EXISTS (SELECT 1 FROM invitations n WHERE n.user_id = i.user_id
                            AND n.tenant_id IS NOT DISTINCT FROM i.tenant_id AND n.id > i.id)
             FROM invitations i JOIN users u ON u.id = i.user_id LEFT JOIN tenants t ON t.id = i.tenant_id
             WHERE i.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await?);
        row.map(
            |(
                user_id,
                email,
                status,
                tenant_id,
                tenant_name,
                role,
                expires_at,
                used_at,
                replaced,
            )| {
                Ok(InvitationRecord {
                    user_id: user_id.parse().map_err(corrupt)?,
                    email,
                    account_set_up: status != "invited",
                    tenant_id: tenant_id.map(|t| t.parse()).transpose().map_err(corrupt)?,
                    tenant_name,
                    role,
                    expires_at,
                    used_at,
                    replaced,
                })
            },
        )
        .transpose()
    }

    // ---- activity and audit ----

    pub async fn add_activity(
        &self,
        tenant: Option<TenantId>,
        user: Option<UserId>,
        kind: &str,
        message: &str,
    ) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("INSERT INTO activity (tenant_id, user_id, kind, message, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(tenant.map(|t| t.to_string()))
            .bind(user.map(|u| u.to_string()))
            .bind(kind)
            .bind(message)
            .bind(now())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn activity(&self, tenant: TenantId, limit: i64) -> Result<Vec<ActivityRecord>> {
        Ok(on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, tenant_id, kind, message, created_at FROM activity WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant.to_string())
        .bind(limit)
        .fetch_all(p)
        .await?))
    }

    /// Appends to the hash-chained audit log. The head row is updated first, which takes the
    /// write lock (SQLite) or the row lock (PostgreSQL), so concurrent appends form one chain.
    pub async fn append_audit(
        &self,
        actor: &str,
        action: &str,
        tenant: Option<TenantId>,
        detail: &serde_json::Value,
    ) -> Result<()> {
        let at = now();
        let tenant = tenant.map(|t| t.to_string());
        let detail = detail.to_string();
        on_db!(&self.db, p => {
            let mut tx = p.begin().await?;
            let (seq, prev_hash): (i64, String) =
                sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                    .fetch_one(&mut *tx)
                    .await?;
            let hash = audit_hash(&prev_hash, seq, at, actor, action, tenant.as_deref(), &detail);
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor, action, tenant_id, detail, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(seq)
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(&tenant)
            .bind(&detail)
            .bind(&prev_hash)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn audit_entries(&self, tenant: Option<TenantId>) -> Result<Vec<AuditRecord>> {
        let tenant = tenant.map(|t| t.to_string());
        Ok(on_db!(&self.db, p => sqlx::query_as(
            "SELECT seq, at, actor, action, tenant_id, detail, prev_hash, hash FROM audit_log
             WHERE $1 IS NULL OR tenant_id = $1 ORDER BY seq",
        )
        .bind(&tenant)
        .fetch_all(p)
        .await?))
    }

    /// Recomputes the audit chain; returns the number of entries, or the first sequence number
    /// whose entry does not match its hash or its predecessor.
    pub async fn verify_audit_chain(&self) -> Result<std::result::Result<u64, i64>> {
        let entries = self.audit_entries(None).await?;
        let mut prev = "0".repeat(64);
        for (i, e) in entries.iter().enumerate() {
            let expected = audit_hash(
                &prev,
                e.seq,
                e.at,
                &e.actor,
                &e.action,
                e.tenant_id.as_deref(),
                &e.detail,
            );
            if e.seq != i as i64 + 1 || e.prev_hash != prev || e.hash != expected {
                return Ok(Err(e.seq));
            }
            prev = expected;
        }
        let head: String = on_db!(&self.db, p => sqlx::query_scalar("SELECT hash FROM audit_head WHERE id = 1").fetch_one(p).await?);
        if head != prev {
            return Ok(Err(entries.len() as i64));
        }
        Ok(Ok(entries.len() as u64))
    }
}

fn audit_hash(
    prev: &str,
    seq: i64,
    at: OffsetDateTime,
    actor: &str,
    action: &str,
    tenant: Option<&str>,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        &at.unix_timestamp_nanos().to_string(),
        actor,
        action,
        tenant.unwrap_or(""),
        detail,
    ] {
        // Length-prefixed, so that moving text between fields changes the hash.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}
