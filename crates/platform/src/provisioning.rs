//! Provisioning a client: a fixed sequence of idempotent steps, each recorded in the control plane
//! when done. A run that stops at any point (a crash, a lost database connection, an injected
//! fault) leaves the client in `provisioning`, which nothing serves; running the same request
//! again resumes after the last recorded step and finishes it.

use std::sync::Arc;

use serde::Serialize;
use tenantry_domain::{
    ClientName, CustomDomain, Email, PlanCode, Subdomain, TenantId, TenantRole, TenantStatus,
    ValidationError,
};
use tenantry_store::control::{now, TenantRecord};
use tenantry_store::tenant_admin::sqlite_file_name;

use crate::error::{PlatformError, Result};
use crate::Platform;

/// A provisioning request, every field already validated.
#[derive(Debug, Clone)]
pub struct ProvisionRequest {
    pub name: ClientName,
    pub subdomain: Subdomain,
    pub admin_email: Email,
    pub plan: PlanCode,
    pub domains: Vec<CustomDomain>,
}

impl ProvisionRequest {
    /// Parses raw input (CLI arguments, a form, a JSON body); the error names the bad field.
    pub fn parse(
        name: &str,
        subdomain: &str,
        admin_email: &str,
        plan: &str,
        domains: &[String],
    ) -> Result<Self> {
        let mut parsed = Vec::new();
        for d in domains {
            let d = CustomDomain::parse(d)?;
            if !parsed.contains(&d) {
                parsed.push(d);
            }
        }
        Ok(Self {
            name: ClientName::parse(name)?,
            subdomain: Subdomain::parse(subdomain)?,
            admin_email: Email::parse(admin_email)?,
            plan: PlanCode::parse(plan)?,
            domains: parsed,
        })
    }
}

/// The steps, in order. Their names are what the control plane records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Record,
    Database,
    Schema,
    Seed,
    AdminUser,
    Audit,
    Activate,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Record,
        Step::Database,
        Step::Schema,
        Step::Seed,
        Step::AdminUser,
        Step::Audit,
        Step::Activate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Record => "record",
            Step::Database => "database",
            Step::Schema => "schema",
            Step::Seed => "seed",
            Step::AdminUser => "admin_user",
            Step::Audit => "audit",
            Step::Activate => "activate",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.as_str() == s)
    }
}

/// What a provisioning run did.
#[derive(Debug, Clone, Serialize)]
pub struct Provisioned {
    pub tenant_id: TenantId,
    pub subdomain: String,
    pub url: String,
    /// The admin's one-time link to set a password; `None` when the client was already active
    /// (nothing was done, and an earlier link stays valid).
    pub invitation_url: Option<String>,
    /// The steps this run performed (empty if the client was already provisioned).
    pub steps: Vec<Step>,
    /// True when this run continued an earlier, interrupted one.
    pub resumed: bool,
}

/// Test hook: stop before a given step, as a crash there would.
#[derive(Debug, Clone, Copy, Default)]
pub struct FaultInjection {
    pub fail_before: Option<Step>,
}

pub async fn provision(
    platform: &Platform,
    req: &ProvisionRequest,
    actor: &str,
) -> Result<Provisioned> {
    provision_with_faults(platform, req, actor, FaultInjection::default()).await
}

pub async fn provision_with_faults(
    platform: &Platform,
    req: &ProvisionRequest,
    actor: &str,
    faults: FaultInjection,
) -> Result<Provisioned> {
    let control = platform.control();
    let base = &platform.config().base_domain;
    for d in &req.domains {
        if d.is_within(base) {
            return Err(ValidationError::new(
                "domain",
                format!(
                    "{d} lies under the platform's own domain {base}; use the subdomain instead"
                ),
            )
            .into());
        }
    }
    if control.plan(&req.plan).await?.is_none() {
        let known: Vec<String> = control
            .plans()
            .await?
            .into_iter()
            .map(|p| p.code.to_string())
            .collect();
        return Err(ValidationError::new(
            "plan",
            format!(
                "{:?} is not a plan; choose one of {}",
                req.plan.as_str(),
                known.join(", ")
            ),
        )
        .into());
    }

    let (mut tenant, resumed) = match control.tenant_by_subdomain(req.subdomain.as_str()).await? {
        Some(existing) => {
            same_request(&existing, req, &control.tenant_domains(existing.id).await?)?;
            if existing.status != TenantStatus::Provisioning {
                return Ok(Provisioned {
                    tenant_id: existing.id,
                    subdomain: existing.subdomain.to_string(),
                    url: platform.config().url_for(Some(existing.subdomain.as_str())),
                    invitation_url: None,
                    steps: Vec::new(),
                    resumed: false,
                });
            }
            (existing, true)
        }
        None => {
            for d in &req.domains {
                if control.domain_owner(d.as_str()).await?.is_some() {
                    return Err(PlatformError::Conflict(format!(
                        "domain {d:?} is already registered to another client"
                    )));
                }
            }
            let tenant = new_record(platform, req).await?;
            check_fault(faults, Step::Record)?;
            control
                .insert_tenant(
                    &tenant,
                    &req.domains
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>(),
                )
                .await?;
            (tenant, false)
        }
    };

    let done = Step::parse(&tenant.provision_step).ok_or_else(|| {
        PlatformError::Store(tenantry_store::StoreError::Corrupt(format!(
            "unknown provisioning step {:?}",
            tenant.provision_step
        )))
    })?;
    let mut steps = if resumed {
        Vec::new()
    } else {
        vec![Step::Record]
    };
    let mut invitation_url = None;
    let remaining: Vec<Step> = Step::ALL.into_iter().filter(|s| *s > done).collect();
    for step in remaining {
        check_fault(faults, step)?;
        match step {
            Step::Record => {}
            Step::Database => platform.admin().create_database(&tenant).await?,
            Step::Schema => {
                let version = platform.admin().migrate(&tenant).await?;
                control.set_schema_version(tenant.id, version).await?;
                tenant.schema_version = version;
            }
            Step::Seed => {
                // As the tenant's own role (which proves its credentials work), on a connection
                // of its own: provisioning must not fill the pool cache with idle connections.
                let db = platform
                    .admin()
                    .open_as_tenant(&tenant, Arc::new(|| false))
                    .await?;
                // A UK practice's clients: pounds, and the fiscal year the tax year suggests.
                let seeded = seed_tenant(&db, tenant.name.as_str()).await;
                db.close().await;
                seeded?;
            }
            Step::AdminUser => {
                let user = control.ensure_user(&tenant.admin_email).await?;
                control
                    .set_membership(user, tenant.id, TenantRole::Admin)
                    .await?;
            }
            Step::Audit => {
                control
                    .append_audit(
                        actor,
                        "tenant.provision",
                        Some(tenant.id),
                        &serde_json::json!({
                            "name": tenant.name.as_str(),
                            "subdomain": tenant.subdomain.as_str(),
                            "plan": tenant.plan.as_str(),
                            "admin_email": tenant.admin_email.as_str(),
                            "domains": req.domains.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
                        }),
                    )
                    .await?;
                control
                    .add_activity(
                        Some(tenant.id),
                        None,
                        "tenant.provisioned",
                        &format!("{} was set up", tenant.name),
                    )
                    .await?;
            }
            Step::Activate => {
                // The link is issued on the run that finishes, so whoever runs it gets a working
                // one even if an earlier run was interrupted after the admin user was made.
                invitation_url = Some(issue_invitation(platform, &tenant).await?);
                control
                    .transition_status(tenant.id, TenantStatus::Provisioning, TenantStatus::Active)
                    .await?;
            }
        }
        control.set_provision_step(tenant.id, step.as_str()).await?;
        steps.push(step);
    }
    // A host looked up while this client was not yet served is now stale.
    platform.changed();
    Ok(Provisioned {
        tenant_id: tenant.id,
        subdomain: tenant.subdomain.to_string(),
        url: platform.config().url_for(Some(tenant.subdomain.as_str())),
        invitation_url,
        steps,
        resumed,
    })
}

fn check_fault(faults: FaultInjection, step: Step) -> Result<()> {
    if faults.fail_before == Some(step) {
        return Err(PlatformError::InjectedFailure(step.as_str()));
    }
    Ok(())
}

/// A rerun must be the same request: same name, admin, plan and domains. Anything else on a taken
/// subdomain is another client's.
fn same_request(existing: &TenantRecord, req: &ProvisionRequest, domains: &[String]) -> Result<()> {
    let mut wanted: Vec<String> = req.domains.iter().map(|d| d.to_string()).collect();
    wanted.sort();
    if existing.name != req.name
        || existing.admin_email != req.admin_email
        || existing.plan != req.plan
        || wanted != domains
    {
        return Err(PlatformError::Conflict(format!(
            "subdomain {:?} is already taken by another client ({}); rerunning a provisioning needs the same name, admin email, plan and domains",
            req.subdomain.as_str(),
            existing.name
        )));
    }
    Ok(())
}

/// A new tenant's record, with its placement: the PostgreSQL server holding the fewest tenants,
/// or a SQLite file when no server is registered (only allowed with a SQLite control plane).
async fn new_record(platform: &Platform, req: &ProvisionRequest) -> Result<TenantRecord> {
    let id = TenantId::new();
    let servers = platform.control().servers().await?;
    let server = servers
        .into_iter()
        .filter(|s| s.status == "active")
        .min_by_key(|s| s.tenant_count);
    let (db_server_id, db_name, db_role, db_password_enc) = match server {
        Some(server) => {
            let name = format!("{}{}", platform.config().postgres_tenant_prefix, id.simple());
            let password = platform.admin().new_tenant_password(&id)?;
            (Some(server.id), name.clone(), Some(name), Some(password))
        }
        None if platform.config().database_url.is_some() => {
            return Err(PlatformError::Refused(
                "the control plane is on PostgreSQL but no database server is registered for tenant databases; \
                 run `tenantry server add --url postgres://…` first"
                    .into(),
            ))
        }
        None => (None, sqlite_file_name(&id), None, None),
    };
    let t = now();
    Ok(TenantRecord {
        id,
        name: req.name.clone(),
        subdomain: req.subdomain.clone(),
        status: TenantStatus::Provisioning,
        plan: req.plan.clone(),
        admin_email: req.admin_email.clone(),
        db_server_id,
        db_name,
        db_role,
        db_password_enc,
        schema_version: 0,
        provision_step: Step::Record.as_str().to_owned(),
        created_at: t,
        updated_at: t,
    })
}

/// Issues the admin's one-time invitation and returns its link. Only the token's hash is stored.
async fn issue_invitation(platform: &Platform, tenant: &TenantRecord) -> Result<String> {
    let user = platform.control().ensure_user(&tenant.admin_email).await?;
    crate::accounts::issue_invitation(platform, user, Some(tenant.id), Some(TenantRole::Admin))
        .await
}

/// A new client's company row and books: pounds, the fiscal year the UK tax year suggests
/// (April), and the UK small-business chart. Each part is written only if absent.
pub(crate) async fn seed_tenant(db: &tenantry_store::TenantDb, name: &str) -> Result<()> {
    db.seed_company(name, "GBP", "GB", 4).await?;
    let today = time::OffsetDateTime::now_utc().date();
    tenantry_erp::seed::seed_books(
        db,
        tenantry_domain::books::ChartTemplate::UkSmallBusiness,
        today,
    )
    .await?;
    Ok(())
}
