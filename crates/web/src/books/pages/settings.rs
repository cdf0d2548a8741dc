//! The books' settings: a form for the client's admins (with the branding forms beside it,
//! which `branding.rs` handles), the settings as facts for everyone else.

use askama::Template;
use axum::extract::{Form, Query};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use tenantry_domain::books::VatRounding;
use tenantry_domain::Permission;
use tenantry_erp::branding::BrandingInfo;
use tenantry_erp::settings::SettingsInput;
use tenantry_store::books::BookSettings;

use super::form_data::FormData;
use super::frame::{check_csrf, fail, refused, see, Layout, Page};
use super::views::{options, DocPage, Field};
use crate::books::caller::BooksCaller;
use crate::pages::render;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/books/settings", get(settings_page).post(settings_save))
}

/// The books' settings as an admin sees them: the settings form and the branding forms.
#[derive(Template)]
#[template(path = "books/settings.html")]
pub(crate) struct SettingsPage {
    pub l: Layout,
    pub title: String,
    /// What the last save did, after its redirect.
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    pub fields: Vec<Field>,
    pub brand: BrandingInfo,
    pub brand_error: Option<String>,
}

/// What a save on the settings page says once it has redirected back (`?saved=<what>`): words
/// of our own, never text from the address.
fn saved_notice(what: &str) -> Option<&'static str> {
    match what {
        "settings" => Some("Settings saved."),
        "colour" => Some("Brand colour saved: invoices use it from now on."),
        "logo" => Some("Logo saved: invoices show it from now on."),
        "logo-removed" => Some("Logo removed: invoices show the company's name instead."),
        _ => None,
    }
}

fn rounding_options() -> Vec<(String, String)> {
    options(&[
        ("per_line", "Per line (each line's VAT rounded)"),
        (
            "per_invoice",
            "Per invoice (each rate's total rounded once)",
        ),
    ])
}

/// The settings as the form shows them.
pub(crate) fn settings_values(s: &BookSettings) -> FormData {
    let mut v = FormData::default();
    v.push("address", &s.address);
    v.push("tax_id", &s.tax_id);
    v.push("vat_rounding", s.vat_rounding.as_str());
    if s.allow_negative_stock {
        v.push("allow_negative_stock", "1");
    }
    v
}

/// The admin's settings page: the settings form with `v` in it (and `error` beside it), and the
/// branding forms.
pub(crate) async fn settings_page_of(
    c: &BooksCaller,
    v: &FormData,
    error: Option<String>,
) -> Result<SettingsPage, axum::response::Response> {
    let brand = c.books.branding_info().await.map_err(fail)?;
    Ok(SettingsPage {
        l: Layout::load(c, "accounts").await?,
        title: "Books settings".into(),
        notice: None,
        error,
        fields: vec![
            Field::new(
                "textarea",
                "address",
                "Address (on invoices)",
                v.get("address"),
            ),
            Field::text("tax_id", "VAT number", v.get("tax_id")),
            Field::select(
                "vat_rounding",
                "VAT rounding",
                v.get("vat_rounding"),
                rounding_options(),
            ),
            Field::checkbox(
                "allow_negative_stock",
                "Allow stock to go below zero",
                v.has("allow_negative_stock"),
            ),
        ],
        brand,
        brand_error: None,
    })
}

/// Admins see the settings as a form; everyone else reads them.
async fn settings_page(c: BooksCaller, Query(q): Query<Vec<(String, String)>>) -> Page {
    let s = c.books.settings().await.map_err(fail)?;
    if c.can(Permission::ErpConfigure) {
        let v = settings_values(&s);
        let mut page = settings_page_of(&c, &v, None).await?;
        page.notice = saved_notice(FormData(q).get("saved"));
        return Ok(render(StatusCode::OK, &page));
    }
    let brand = c.books.branding_info().await.map_err(fail)?;
    let l = Layout::load(&c, "accounts").await?;
    Ok(render(
        StatusCode::OK,
        &DocPage {
            l,
            title: "Books settings".into(),
            status: String::new(),
            status_class: "",
            notice: Some("Only this business's admins change these.".into()),
            error: None,
            facts: vec![
                ("Company".into(), s.name.clone()),
                ("Currency".into(), s.currency.clone()),
                ("Address".into(), s.address.clone()),
                ("VAT number".into(), s.tax_id.clone()),
                (
                    "VAT rounding".into(),
                    match s.vat_rounding {
                        VatRounding::PerLine => "Per line",
                        VatRounding::PerInvoice => "Per invoice",
                    }
                    .into(),
                ),
                (
                    "Negative stock".into(),
                    if s.allow_negative_stock {
                        "Allowed"
                    } else {
                        "Not allowed"
                    }
                    .into(),
                ),
                (
                    "Brand colour".into(),
                    match &brand.colour {
                        Some(colour) => colour.clone(),
                        None => format!("{} (the default)", brand.effective_colour),
                    },
                ),
                (
                    "Logo".into(),
                    if brand.has_logo { "Yes" } else { "None" }.into(),
                ),
            ],
            tables: Vec::new(),
            totals: Vec::new(),
            links: Vec::new(),
            confirms: Vec::new(),
        },
    ))
}

async fn settings_save(c: BooksCaller, Form(f): Form<Vec<(String, String)>>) -> Page {
    let f = FormData(f);
    check_csrf(&c, &f)?;
    c.require(Permission::ErpConfigure)?;
    let result = match VatRounding::parse(f.get("vat_rounding")) {
        Err(e) => Err((StatusCode::UNPROCESSABLE_ENTITY, e.message)),
        Ok(vat_rounding) => refused(
            c.books
                .update_settings(&SettingsInput {
                    address: f.get("address").into(),
                    tax_id: f.get("tax_id").into(),
                    vat_rounding,
                    allow_negative_stock: f.has("allow_negative_stock"),
                })
                .await,
        )?,
    };
    match result {
        Ok(_) => Ok(see("/books/settings?saved=settings")),
        Err((status, message)) => Ok(render(
            status,
            &settings_page_of(&c, &f, Some(message)).await?,
        )),
    }
}
