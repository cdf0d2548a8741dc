//! The one permission matrix. Every check in the product asks [`Actor::can`] (or
//! [`TenantRole::permissions`]); nothing compares role names anywhere else.
//!
//! | role     | portal                             | ERP                                | POS        | webmail |
//! | -------- | ---------------------------------- | ---------------------------------- | ---------- | ------- |
//! | admin    | full, manages users and settings   | everything                         | configure  | admin   |
//! | manager  | view and edit                      | accounts: submit, cancel, reports  | reports    | user    |
//! | employee | view                               | sales documents: create            | make sales | user    |
//! | viewer   | view                               | read                               | none       | none    |
//!
//! Rights accumulate upwards: a manager can do what an employee can, and so on, except where the
//! table says otherwise (a viewer has no POS or webmail at all).

use serde::Serialize;

use crate::plan::Feature;
use crate::tenant::TenantRole;

/// One thing a person may be allowed to do in a tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the tenant's portal dashboard, activity and notifications.
    PortalView,
    /// Edit shared portal content (notes, the tenant's own records shown in the portal).
    PortalEdit,
    /// Invite users, change their roles, deactivate them.
    PortalManageUsers,
    /// Change the tenant's settings (branding, MFA requirement, integrations).
    PortalManageSettings,
    /// Read ERP records and documents.
    ErpRead,
    /// Create and edit draft sales documents (quotations, sales invoices).
    ErpCreateSales,
    /// Create and edit any draft document (purchases, journals, payments).
    ErpCreateAny,
    /// Submit documents, which posts them to the ledger.
    ErpSubmit,
    /// Cancel submitted documents, which posts their reversal.
    ErpCancel,
    /// Read accounting reports.
    ErpReports,
    /// Change the books' settings: chart of accounts, fiscal years, number series.
    ErpConfigure,
    /// Ring up sales at a point of sale.
    PosSell,
    /// Read point-of-sale reports.
    PosReports,
    /// Configure tills, payment methods and receipts.
    PosConfigure,
    /// Use a mailbox.
    WebmailUser,
    /// Manage the tenant's mailboxes and aliases.
    WebmailAdmin,
}

impl Permission {
    pub const ALL: [Permission; 16] = [
        Permission::PortalView,
        Permission::PortalEdit,
        Permission::PortalManageUsers,
        Permission::PortalManageSettings,
        Permission::ErpRead,
        Permission::ErpCreateSales,
        Permission::ErpCreateAny,
        Permission::ErpSubmit,
        Permission::ErpCancel,
        Permission::ErpReports,
        Permission::ErpConfigure,
        Permission::PosSell,
        Permission::PosReports,
        Permission::PosConfigure,
        Permission::WebmailUser,
        Permission::WebmailAdmin,
    ];

    /// What it allows, in words that finish "does not let you …".
    pub fn in_words(self) -> &'static str {
        match self {
            Permission::PortalView => "see this business's dashboard",
            Permission::PortalEdit => "edit this business's shared records",
            Permission::PortalManageUsers => "manage this business's people",
            Permission::PortalManageSettings => "change this business's settings",
            Permission::ErpRead => "read the books",
            Permission::ErpCreateSales => "write sales invoices",
            Permission::ErpCreateAny => {
                "write purchases, payments, journal entries or stock entries"
            }
            Permission::ErpSubmit => "submit documents to the ledger",
            Permission::ErpCancel => "cancel submitted documents",
            Permission::ErpReports => "read the accounting reports",
            Permission::ErpConfigure => "change the books' settings, accounts or fiscal years",
            Permission::PosSell => "sell at the point of sale",
            Permission::PosReports => "read the point of sale's reports",
            Permission::PosConfigure => "set up the point of sale",
            Permission::WebmailUser => "use webmail",
            Permission::WebmailAdmin => "manage mailboxes",
        }
    }

    /// The least role that has it.
    pub fn least_role(self) -> TenantRole {
        TenantRole::ALL
            .into_iter()
            .find(|r| r.can(self))
            .unwrap_or(TenantRole::Admin)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::PortalView => "portal.view",
            Permission::PortalEdit => "portal.edit",
            Permission::PortalManageUsers => "portal.manage_users",
            Permission::PortalManageSettings => "portal.manage_settings",
            Permission::ErpRead => "erp.read",
            Permission::ErpCreateSales => "erp.create_sales",
            Permission::ErpCreateAny => "erp.create_any",
            Permission::ErpSubmit => "erp.submit",
            Permission::ErpCancel => "erp.cancel",
            Permission::ErpReports => "erp.reports",
            Permission::ErpConfigure => "erp.configure",
            Permission::PosSell => "pos.sell",
            Permission::PosReports => "pos.reports",
            Permission::PosConfigure => "pos.configure",
            Permission::WebmailUser => "webmail.user",
            Permission::WebmailAdmin => "webmail.admin",
        }
    }
}

/// The services a tenant's dashboard offers, each shown only to roles that may use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    Erp,
    Pos,
    Webmail,
    Reports,
}

impl Service {
    pub const ALL: [Service; 4] = [
        Service::Erp,
        Service::Pos,
        Service::Webmail,
        Service::Reports,
    ];

    /// The permission that makes the service's card appear.
    pub fn requires(self) -> Permission {
        match self {
            Service::Erp => Permission::ErpRead,
            Service::Pos => Permission::PosSell,
            Service::Webmail => Permission::WebmailUser,
            Service::Reports => Permission::ErpReports,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Erp => "erp",
            Service::Pos => "pos",
            Service::Webmail => "webmail",
            Service::Reports => "reports",
        }
    }

    /// The plan feature that includes the service (the standard reports come with the books).
    pub fn feature(self) -> Feature {
        match self {
            Service::Erp | Service::Reports => Feature::Erp,
            Service::Pos => Feature::Pos,
            Service::Webmail => Feature::Webmail,
        }
    }

    /// Where the service opens on the client's host; `None` for a service this build does not
    /// serve yet, whose card says so instead of linking to a page that is not there.
    pub fn entry(self) -> Option<&'static str> {
        match self {
            Service::Erp => Some("/books"),
            Service::Reports => Some("/books#reports"),
            Service::Pos | Service::Webmail => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Service::Erp => "ERP",
            Service::Pos => "Point of sale",
            Service::Webmail => "Webmail",
            Service::Reports => "Reports",
        }
    }
}

impl TenantRole {
    /// What this role may do: the table at the top of this module.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            TenantRole::Viewer => &[PortalView, ErpRead],
            TenantRole::Employee => &[PortalView, ErpRead, ErpCreateSales, PosSell, WebmailUser],
            TenantRole::Manager => &[
                PortalView,
                PortalEdit,
                ErpRead,
                ErpCreateSales,
                ErpCreateAny,
                ErpSubmit,
                ErpCancel,
                ErpReports,
                PosSell,
                PosReports,
                WebmailUser,
            ],
            TenantRole::Admin => &Permission::ALL,
        }
    }

    pub fn can(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }

    pub fn services(self) -> Vec<Service> {
        Service::ALL
            .into_iter()
            .filter(|s| self.can(s.requires()))
            .collect()
    }
}

/// A role on the platform itself, held by the operator's staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformRole {
    /// Reads every tenant's space to help its users; every access is audited and shown to that
    /// tenant's admins.
    Support,
    /// Runs the installation: provisions, suspends and drops clients, manages staff.
    Superadmin,
}

impl PlatformRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformRole::Support => "support",
            PlatformRole::Superadmin => "superadmin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, crate::ValidationError> {
        match s.trim() {
            "support" => Ok(PlatformRole::Support),
            "superadmin" => Ok(PlatformRole::Superadmin),
            other => Err(crate::ValidationError::new(
                "platform_role",
                format!("{other:?} is not a platform role (support, superadmin)"),
            )),
        }
    }

    /// The tenant role staff act with inside a tenant: support reads and helps as a manager
    /// would, without touching users or settings; a superadmin acts as the tenant's admin.
    pub fn tenant_role(self) -> TenantRole {
        match self {
            PlatformRole::Support => TenantRole::Manager,
            PlatformRole::Superadmin => TenantRole::Admin,
        }
    }

    /// Whether this role may use the operator console (list, provision, suspend clients).
    pub fn can_operate(self) -> bool {
        self == PlatformRole::Superadmin
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn the_table() {
        let admin = TenantRole::Admin;
        let manager = TenantRole::Manager;
        let employee = TenantRole::Employee;
        let viewer = TenantRole::Viewer;

        // portal
        assert!(admin.can(PortalManageUsers) && admin.can(PortalManageSettings));
        assert!(manager.can(PortalEdit) && !manager.can(PortalManageUsers));
        assert!(employee.can(PortalView) && !employee.can(PortalEdit));
        assert!(viewer.can(PortalView) && !viewer.can(PortalEdit));
        // ERP
        assert!(admin.can(ErpConfigure));
        assert!(manager.can(ErpSubmit) && manager.can(ErpCancel) && manager.can(ErpReports));
        assert!(!manager.can(ErpConfigure));
        assert!(employee.can(ErpCreateSales) && !employee.can(ErpSubmit));
        assert!(!employee.can(ErpCreateAny) && !employee.can(ErpReports));
        assert!(viewer.can(ErpRead) && !viewer.can(ErpCreateSales));
        // POS
        assert!(admin.can(PosConfigure));
        assert!(manager.can(PosReports) && !manager.can(PosConfigure));
        assert!(employee.can(PosSell) && !employee.can(PosReports));
        assert!(!viewer.can(PosSell) && !viewer.can(PosReports));
        // webmail
        assert!(admin.can(WebmailAdmin));
        assert!(manager.can(WebmailUser) && !manager.can(WebmailAdmin));
        assert!(employee.can(WebmailUser));
        assert!(!viewer.can(WebmailUser));
    }

    #[test]
    fn higher_roles_hold_everything_lower_roles_hold() {
        let order = [
            TenantRole::Viewer,
            TenantRole::Employee,
            TenantRole::Manager,
            TenantRole::Admin,
        ];
        for pair in order.windows(2) {
            for p in pair[0].permissions() {
                assert!(pair[1].can(*p), "{:?} lacks {p:?}", pair[1]);
            }
        }
    }

    #[test]
    fn every_permission_has_words_and_a_least_role() {
        assert_eq!(Permission::ErpRead.least_role(), TenantRole::Viewer);
        assert_eq!(
            Permission::ErpCreateSales.least_role(),
            TenantRole::Employee
        );
        assert_eq!(Permission::ErpReports.least_role(), TenantRole::Manager);
        assert_eq!(
            Permission::PortalManageUsers.least_role(),
            TenantRole::Admin
        );
        for p in Permission::ALL {
            assert!(p.least_role().can(p), "{p:?}");
            assert!(!p.in_words().is_empty());
        }
    }

    #[test]
    fn services_by_role() {
        assert_eq!(TenantRole::Viewer.services(), vec![Service::Erp]);
        assert_eq!(
            TenantRole::Employee.services(),
            vec![Service::Erp, Service::Pos, Service::Webmail]
        );
        assert_eq!(TenantRole::Manager.services().len(), 4);
    }

    #[test]
    fn permission_names_are_unique() {
        let mut names: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
    }
}
