//! The demo installation that `serve --demo` creates: the operator Byrne Accounts and three of
//! its clients. Idempotent: run it again and it finds them there.

use crate::error::Result;
use crate::provisioning::{provision, ProvisionRequest, Provisioned};
use crate::Platform;

pub const DEMO_CLIENTS: &[(&str, &str, &str, &str)] = &[
    (
        "Dickinson Supplies",
        "dickinson",
        "admin@dickinson-supplies.com",
        "professional",
    ),
    (
        "ACME Corp",
        "acme-corp",
        "admin@acmecorp.com",
        "professional",
    ),
    (
        "Jane's Bakery",
        "janes-bakery",
        "jane@janes-bakery.co.uk",
        "basic",
    ),
];

pub async fn seed(platform: &Platform) -> Result<Vec<Provisioned>> {
    platform.set_operator_name("Byrne Accounts").await?;
    let mut done = Vec::new();
    for (name, subdomain, email, plan) in DEMO_CLIENTS {
        let req = ProvisionRequest::parse(name, subdomain, email, plan, &[])?;
        done.push(provision(platform, &req, "demo").await?);
    }
    Ok(done)
}
