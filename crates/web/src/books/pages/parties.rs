//! The pages of customers and suppliers, who share their fields.

use axum::response::Response;
use tenantry_store::books::{Filter, Party};

use super::declaration::{EditablePage, FormParts, KindPage, Listed, Viewed};
use super::form_data::{seg, FormData};
use super::frame::Layout;
use super::listing::{enabled_text, search_field, status_filter};
use super::views::{Cell, DocPage, Field, Link, Row};
use crate::books::caller::BooksCaller;
use crate::books::kinds::declaration::Kind;
use crate::books::kinds::invoices::{PurchaseInvoices, SalesInvoices};
use crate::books::kinds::parties::{Customers, PartyBody, Suppliers};

fn row<K: KindPage>(p: &Party) -> Row {
    Row::from(vec![
        Cell::link(&p.name, K::href(&p.name)),
        Cell::text(&p.email),
        Cell::text(&p.city),
        Cell::text(&p.tax_id),
        Cell::num(p.payment_terms_days),
        Cell::text(enabled_text(p.disabled)),
    ])
}

/// One's page; `invoices` lists the invoices it is party to.
fn page(p: Party, singular: &str, invoices: String, l: Layout) -> DocPage {
    let address = [
        p.address_line1.as_str(),
        p.address_line2.as_str(),
        &format!("{} {}", p.city, p.postcode),
        p.country.as_str(),
    ]
    .iter()
    .map(|s| s.trim())
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join("\n");
    DocPage {
        l,
        title: p.name.clone(),
        status: enabled_text(p.disabled).into(),
        status_class: if p.disabled { "cancelled" } else { "submitted" },
        notice: None,
        error: None,
        facts: vec![
            ("Kind".into(), singular.into()),
            ("Email".into(), p.email.clone()),
            ("Phone".into(), p.phone.clone()),
            ("VAT number".into(), p.tax_id.clone()),
            ("Address".into(), address),
            (
                "Payment terms".into(),
                format!("{} days", p.payment_terms_days),
            ),
        ],
        tables: Vec::new(),
        totals: Vec::new(),
        links: vec![Link::secondary(
            "Invoices",
            format!("{invoices}?q={}", seg(&p.name)),
        )],
        confirms: Vec::new(),
    }
}

fn values(p: &Party) -> FormData {
    let mut f = FormData::default();
    for (k, v) in [
        ("name", p.name.as_str()),
        ("email", &p.email),
        ("phone", &p.phone),
        ("tax_id", &p.tax_id),
        ("address_line1", &p.address_line1),
        ("address_line2", &p.address_line2),
        ("city", &p.city),
        ("postcode", &p.postcode),
        ("country", &p.country),
    ] {
        f.push(k, v);
    }
    f.push("payment_terms_days", p.payment_terms_days.to_string());
    if p.disabled {
        f.push("disabled", "1");
    }
    f
}

fn form(v: &FormData) -> FormParts {
    FormParts::fields(vec![
        Field::text("name", "Name", v.get("name")).required(),
        Field::new("email", "email", "Email", v.get("email")),
        Field::text("phone", "Phone", v.get("phone")),
        Field::text("tax_id", "VAT number", v.get("tax_id")),
        Field::text("address_line1", "Address", v.get("address_line1")),
        Field::text("address_line2", "Address (line 2)", v.get("address_line2")),
        Field::text("city", "Town or city", v.get("city")),
        Field::text("postcode", "Postcode", v.get("postcode")),
        Field::text("country", "Country", v.get("country")),
        Field::text(
            "payment_terms_days",
            "Payment terms (days)",
            v.get("payment_terms_days"),
        )
        .hint("Invoices fall due this many days after their date; 30 when blank."),
        Field::checkbox("disabled", "Disabled (no new documents)", v.has("disabled")),
    ])
}

fn body(f: &FormData) -> Result<PartyBody, String> {
    let terms = f.get("payment_terms_days").trim();
    let payment_terms_days = if terms.is_empty() {
        None
    } else {
        Some(
            terms
                .parse::<i64>()
                .map_err(|_| format!("Payment terms: {terms:?} is not a whole number of days"))?,
        )
    };
    Ok(PartyBody {
        name: f.get("name").into(),
        email: f.get("email").into(),
        phone: f.get("phone").into(),
        tax_id: f.get("tax_id").into(),
        address_line1: f.get("address_line1").into(),
        address_line2: f.get("address_line2").into(),
        city: f.get("city").into(),
        postcode: f.get("postcode").into(),
        country: f.get("country").into(),
        payment_terms_days,
        disabled: f.has("disabled"),
    })
}

macro_rules! party_pages {
    ($kind:ty, $section:expr, $plural:expr, $invoices:ty) => {
        impl KindPage for $kind {
            const SECTION: &'static str = $section;
            const PLURAL: &'static str = $plural;

            fn key(p: &Party) -> String {
                p.name.clone()
            }

            async fn filters(
                _c: &BooksCaller,
                q: &FormData,
                filters: &mut Vec<Filter>,
                _errors: &mut Vec<String>,
            ) -> Result<Vec<Field>, Response> {
                Ok(vec![search_field(q, "Search"), status_filter(q, filters)])
            }

            fn columns(_c: &BooksCaller) -> (&'static [&'static str], &'static [usize]) {
                (
                    &[
                        "Name",
                        "Email",
                        "City",
                        "VAT number",
                        "Terms (days)",
                        "Status",
                    ],
                    &[4],
                )
            }

            async fn rows(
                c: &BooksCaller,
                q: &FormData,
                filters: Vec<Filter>,
            ) -> Result<Listed, Response> {
                Listed::page::<Self>(c, q, filters, row::<Self>).await
            }

            async fn blank(_c: &BooksCaller, _q: &FormData) -> Result<FormData, Response> {
                let mut v = FormData::default();
                v.push("payment_terms_days", "30");
                Ok(v)
            }

            async fn form(
                _c: &BooksCaller,
                _existing: Option<&str>,
                v: &FormData,
            ) -> Result<FormParts, Response> {
                Ok(form(v))
            }

            fn body(f: &FormData) -> Result<PartyBody, String> {
                body(f)
            }
        }

        impl EditablePage for $kind {
            async fn values(_c: &BooksCaller, p: &Party) -> Result<FormData, Response> {
                Ok(values(p))
            }

            fn change(f: &FormData) -> Result<PartyBody, String> {
                body(f)
            }
        }

        impl Viewed for $kind {
            async fn page(_c: &BooksCaller, p: Party, l: Layout) -> Result<DocPage, Response> {
                Ok(page(p, Self::INFO.singular, <$invoices>::base(), l))
            }
        }
    };
}

party_pages!(Customers, "customers", "Customers", SalesInvoices);
party_pages!(Suppliers, "suppliers", "Suppliers", PurchaseInvoices);
