//! The client's branding on its documents: the brand colour and the logo that its invoices'
//! print page and PDF carry. Input is checked by the domain's rules
//! ([`tenantry_domain::books::branding`]) and refused as [`ErpError::Invalid`]; nothing stored
//! is the default (the company's name as the letterhead, [`Rgb::DEFAULT`]).

use serde::Serialize;
use tenantry_domain::books::branding::{inspect_logo, parse_brand_colour};
use tenantry_store::books::BrandSummary;

use crate::error::Result;
use crate::invoice_pdf::{Branding, Logo, Rgb};
use crate::Books;

/// The branding as the API and the settings page show it (no logo bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrandingInfo {
    /// The chosen colour, `#rrggbb`; `null` when the default is used.
    pub colour: Option<String>,
    /// The colour documents use: the chosen one or the default.
    pub effective_colour: String,
    pub has_logo: bool,
    pub logo_width: Option<u32>,
    pub logo_height: Option<u32>,
    /// Seconds since the Unix epoch of the last change; `null` when nothing was ever set.
    pub updated_at: Option<i64>,
}

impl From<BrandSummary> for BrandingInfo {
    fn from(s: BrandSummary) -> Self {
        let effective = s
            .colour
            .as_deref()
            .and_then(Rgb::parse_hex)
            .unwrap_or_default();
        let size = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
        BrandingInfo {
            effective_colour: effective.hex(),
            has_logo: s.has_logo,
            logo_width: size(s.logo_width).filter(|_| s.has_logo),
            logo_height: size(s.logo_height).filter(|_| s.has_logo),
            colour: s.colour,
            updated_at: s.updated_at,
        }
    }
}

impl Books {
    /// The branding for documents: the colour and the logo with its bytes.
    pub async fn branding(&self) -> Result<Branding> {
        let stored = self.db.branding().await?;
        Ok(Branding {
            colour: stored
                .colour
                .as_deref()
                .and_then(Rgb::parse_hex)
                .unwrap_or_default(),
            logo: stored.logo.map(|l| Logo {
                jpeg: l.jpeg,
                width_px: l.width,
                height_px: l.height,
                grey: l.components == 1,
            }),
        })
    }

    /// The branding without the logo's bytes.
    pub async fn branding_info(&self) -> Result<BrandingInfo> {
        Ok(self.db.brand_summary().await?.into())
    }

    /// The colour documents use (the chosen one or the default), without reading the logo.
    pub async fn brand_colour(&self) -> Result<Rgb> {
        Ok(self
            .db
            .brand_summary()
            .await?
            .colour
            .as_deref()
            .and_then(Rgb::parse_hex)
            .unwrap_or_default())
    }

    /// Sets the brand colour (`#rrggbb`); `None` or blank goes back to the default.
    pub async fn set_brand_colour(&self, colour: Option<&str>) -> Result<BrandingInfo> {
        let colour = match colour.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(parse_brand_colour(c)?),
            None => None,
        };
        self.db.set_brand_colour(colour.as_deref()).await?;
        self.branding_info().await
    }

    /// Replaces the logo with `jpeg` once it passes the domain's checks (a whole baseline or
    /// progressive JPEG, greyscale or colour, at most 512 KiB and 4000 px a side).
    pub async fn set_logo(&self, jpeg: &[u8]) -> Result<BrandingInfo> {
        let info = inspect_logo(jpeg)?;
        self.db
            .set_logo(jpeg, info.width, info.height, info.components)
            .await?;
        self.branding_info().await
    }

    /// Removes the logo; documents show the company's name instead.
    pub async fn remove_logo(&self) -> Result<BrandingInfo> {
        self.db.remove_logo().await?;
        self.branding_info().await
    }
}
