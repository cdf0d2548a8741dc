//! The invoice as people receive it: a print page (HTML with print CSS) and a PDF, both drawn
//! from [`InvoiceView`] with the client's letterhead and colour.

use askama::Template;
use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tenantry_domain::books::InvoiceKind;
use tenantry_erp::invoice_pdf::{self, Branding, InvoiceView, Rgb};
use tenantry_erp::Books;
use tenantry_store::books::PartyKind;

use super::form_data::seg;
use super::frame::{fail, Page};
use crate::books::caller::{today, BooksCaller};
use crate::pages::{error_response, render};
use crate::AppState;

pub fn router() -> Router<AppState> {
    let mut r = Router::new();
    for kind in [InvoiceKind::Sales, InvoiceKind::Purchase] {
        let base = base(kind);
        r = r
            .route(
                &format!("{base}/{{name}}/print"),
                get(move |c: BooksCaller, Path(name): Path<String>| print(kind, c, name)),
            )
            .route(
                &format!("{base}/{{name}}/pdf"),
                get(move |c: BooksCaller, Path(name): Path<String>| pdf(kind, c, name)),
            );
    }
    r
}

fn base(kind: InvoiceKind) -> &'static str {
    match kind {
        InvoiceKind::Sales => "/books/sales-invoices",
        InvoiceKind::Purchase => "/books/purchase-invoices",
    }
}

/// The client's branding for its documents, as its admins stored it in its own database (the
/// default colour and the company's name as the letterhead when nothing is stored), logo bytes
/// included: the PDF and the logo route take it from here. The print page reads only the summary
/// ([`Books::branding_info`]) and the print CSS only the colour ([`Books::brand_colour`]).
pub(crate) async fn branding(books: &Books) -> Result<Branding, Response> {
    books.branding().await.map_err(fail)
}

async fn view(
    kind: InvoiceKind,
    c: &BooksCaller,
    name: &str,
    branding: Branding,
) -> Result<InvoiceView, Response> {
    let doc = c
        .books
        .invoice_doc(kind, name, today())
        .await
        .map_err(fail)?;
    let party_kind = match kind {
        InvoiceKind::Sales => PartyKind::Customer,
        InvoiceKind::Purchase => PartyKind::Supplier,
    };
    let party = c
        .books
        .party(party_kind, &doc.invoice.party_name)
        .await
        .map_err(fail)?;
    let settings = c.books.settings().await.map_err(fail)?;
    Ok(InvoiceView::new(&doc, &party, &settings, branding))
}

#[derive(Template)]
#[template(path = "books/print.html")]
struct PrintPage {
    v: InvoiceView,
    has_logo: bool,
    /// Changes with the branding, so that a new colour or logo is not hidden by a cached one.
    brand_version: i64,
    back: String,
    pdf: String,
}

async fn print(kind: InvoiceKind, c: BooksCaller, name: String) -> Page {
    // The page links the logo and the colour's stylesheet: the summary is enough, the logo's
    // bytes are not read here.
    let info = c.books.branding_info().await.map_err(fail)?;
    let branding = Branding {
        colour: Rgb::parse_hex(&info.effective_colour).unwrap_or_default(),
        logo: None,
    };
    let v = view(kind, &c, &name, branding).await?;
    let back = format!("{}/{}", base(kind), seg(&v.number));
    Ok(render(
        StatusCode::OK,
        &PrintPage {
            has_logo: info.has_logo,
            brand_version: info.updated_at.unwrap_or(0),
            pdf: format!("{back}/pdf"),
            back,
            v,
        },
    ))
}

async fn pdf(kind: InvoiceKind, c: BooksCaller, name: String) -> Page {
    let v = view(kind, &c, &name, branding(&c.books).await?).await?;
    let bytes = invoice_pdf::render(&v);
    let disposition =
        HeaderValue::from_str(&format!("inline; filename=\"{}.pdf\"", seg(&v.number)))
            .unwrap_or(HeaderValue::from_static("inline"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The client's colour for the print page, as a stylesheet (the CSP allows no inline style).
pub async fn brand_css(c: BooksCaller) -> Response {
    let colour = match c.books.brand_colour().await {
        Ok(colour) => colour.hex(),
        Err(e) => return fail(e),
    };
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        format!(":root {{ --brand: {colour}; }}\n"),
    )
        .into_response()
}

/// The client's logo, when it has one.
pub async fn brand_logo(c: BooksCaller) -> Response {
    let branding = match branding(&c.books).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    match branding.logo {
        Some(logo) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            logo.jpeg,
        )
            .into_response(),
        None => error_response(
            StatusCode::NOT_FOUND,
            "No logo",
            "This business has no logo.",
        ),
    }
}
