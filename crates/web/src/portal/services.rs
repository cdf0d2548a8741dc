//! The service cards of a client's dashboard (portal) and of its own host's home: each service
//! the person's role may use, linked to where it opens, or saying why it does not open — not in
//! the client's plan (and which plan has it), or not served by this platform yet.

use tenantry_domain::{PlanCode, TenantRole};
use tenantry_platform::{Platform, PlatformError};
use tenantry_store::control::{PlanRecord, TenantRecord};

pub(crate) struct ServiceCard {
    pub title: &'static str,
    /// Where the card's link goes; `None` when the service cannot be opened.
    pub href: Option<String>,
    /// Why there is no link.
    pub note: Option<String>,
}

/// The cards for `role` in `tenant`; `link` turns a path on the client's host into the link to
/// follow from the page showing the cards.
pub(crate) async fn service_cards(
    platform: &Platform,
    tenant: &TenantRecord,
    role: TenantRole,
    link: impl Fn(&str) -> String,
) -> Result<Vec<ServiceCard>, PlatformError> {
    let plans = platform.control().plans().await?;
    Ok(cards(&plans, &tenant.plan, role, link))
}

fn cards(
    plans: &[PlanRecord],
    plan: &PlanCode,
    role: TenantRole,
    link: impl Fn(&str) -> String,
) -> Vec<ServiceCard> {
    let plan = plans.iter().find(|p| &p.code == plan);
    role.services()
        .into_iter()
        .map(|s| {
            let feature = s.feature();
            let (href, note) = if !plan.is_some_and(|p| p.features.contains(&feature)) {
                let current = plan.map_or("current", |p| p.name.as_str());
                let note = match plans.iter().find(|p| p.features.contains(&feature)) {
                    Some(other) => format!(
                        "Not in the {current} plan: the {} plan includes it.",
                        other.name
                    ),
                    None => format!("Not in the {current} plan."),
                };
                (None, Some(note))
            } else if let Some(path) = s.entry() {
                (Some(link(path)), None)
            } else {
                (None, Some("Coming soon to this platform.".to_owned()))
            };
            ServiceCard {
                title: s.title(),
                href,
                note,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use tenantry_domain::Feature;

    use super::*;

    fn plan(code: &str, name: &str, features: &[Feature]) -> PlanRecord {
        PlanRecord {
            code: PlanCode::parse(code).unwrap(),
            name: name.into(),
            price_minor: 100,
            currency: "GBP".into(),
            billing_period: "month".into(),
            max_users: None,
            storage_gb: 1,
            features: features.to_vec(),
        }
    }

    fn shown(
        plan_code: &str,
        role: TenantRole,
    ) -> Vec<(&'static str, Option<String>, Option<String>)> {
        let plans = [
            plan("basic", "Basic", &[Feature::Erp, Feature::Webmail]),
            plan(
                "pro",
                "Professional",
                &[Feature::Erp, Feature::Webmail, Feature::Pos],
            ),
        ];
        cards(&plans, &PlanCode::parse(plan_code).unwrap(), role, |p| {
            format!("https://x{p}")
        })
        .into_iter()
        .map(|c| (c.title, c.href, c.note))
        .collect()
    }

    #[test]
    fn each_card_links_where_its_service_opens_or_says_why_not() {
        let soon = Some("Coming soon to this platform.".to_owned());
        assert_eq!(
            shown("basic", TenantRole::Manager),
            vec![
                ("ERP", Some("https://x/books".into()), None),
                (
                    "Point of sale",
                    None,
                    Some("Not in the Basic plan: the Professional plan includes it.".into())
                ),
                ("Webmail", None, soon.clone()),
                ("Reports", Some("https://x/books#reports".into()), None),
            ]
        );
        assert_eq!(
            shown("pro", TenantRole::Employee),
            vec![
                ("ERP", Some("https://x/books".into()), None),
                ("Point of sale", None, soon.clone()),
                ("Webmail", None, soon),
            ]
        );
        // A plan no longer offered includes nothing, and the card says where the service is.
        assert_eq!(
            shown("retired", TenantRole::Viewer),
            vec![(
                "ERP",
                None,
                Some("Not in the current plan: the Basic plan includes it.".into())
            )]
        );
    }
}
