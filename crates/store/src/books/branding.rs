//! The client's branding on its documents: one row of `branding` (migration 0003), absent until
//! an admin sets a colour or a logo. Values are checked by the domain
//! ([`tenantry_domain::books::branding`]) before they reach here; the table's checks refuse
//! anything else.

use sqlx::FromRow;

use super::stamp;
use crate::error::Result;
use crate::on_db;
use crate::tenant_db::TenantDb;

/// The colour, without the logo's bytes: what a stylesheet or a page needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, FromRow)]
pub struct BrandSummary {
    /// `#rrggbb`; `None` is the default colour.
    pub colour: Option<String>,
    pub has_logo: bool,
    pub logo_width: Option<i32>,
    pub logo_height: Option<i32>,
    /// Seconds since the Unix epoch of the last change; `None` when nothing was ever set.
    pub updated_at: Option<i64>,
}

/// A stored logo: JPEG bytes with the size and components read from its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLogo {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub components: u8,
}

/// Everything stored: the colour and the logo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredBranding {
    pub colour: Option<String>,
    pub logo: Option<StoredLogo>,
    pub updated_at: Option<i64>,
}

#[derive(FromRow)]
struct Row {
    colour: Option<String>,
    logo: Option<Vec<u8>>,
    logo_width: Option<i32>,
    logo_height: Option<i32>,
    logo_components: Option<i32>,
    updated_at: i64,
}

const SUMMARY: &str = "SELECT colour, logo IS NOT NULL AS has_logo, logo_width, logo_height,
    updated_at FROM branding WHERE id = 1";

const FULL: &str = "SELECT colour, logo, logo_width, logo_height, logo_components, updated_at
    FROM branding WHERE id = 1";

impl TenantDb {
    /// The colour and whether there is a logo (the logo's bytes are not read).
    pub async fn brand_summary(&self) -> Result<BrandSummary> {
        let row: Option<BrandSummary> =
            on_db!(self.db(), p => sqlx::query_as(SUMMARY).fetch_optional(p).await?);
        Ok(row.unwrap_or_default())
    }

    /// The colour and the logo with its bytes.
    pub async fn branding(&self) -> Result<StoredBranding> {
        let row: Option<Row> =
            on_db!(self.db(), p => sqlx::query_as(FULL).fetch_optional(p).await?);
        let Some(r) = row else {
            return Ok(StoredBranding::default());
        };
        let logo = match (r.logo, r.logo_width, r.logo_height, r.logo_components) {
            (Some(jpeg), Some(w), Some(h), Some(c)) => Some(StoredLogo {
                jpeg,
                width: u32::try_from(w).unwrap_or(0),
                height: u32::try_from(h).unwrap_or(0),
                components: u8::try_from(c).unwrap_or(0),
            }),
            _ => None,
        };
        Ok(StoredBranding {
            colour: r.colour,
            logo,
            updated_at: Some(r.updated_at),
        })
    }

    /// Sets the colour (`#rrggbb`, already checked) or, with `None`, goes back to the default.
    pub async fn set_brand_colour(&self, colour: Option<&str>) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "INSERT INTO branding (id, colour, updated_at) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET colour = excluded.colour, updated_at = excluded.updated_at",
        )
        .bind(colour)
        .bind(stamp())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Replaces the logo (a JPEG already checked, with the size and components its header gives).
    pub async fn set_logo(
        &self,
        jpeg: &[u8],
        width: u32,
        height: u32,
        components: u8,
    ) -> Result<()> {
        let width = i32::try_from(width).unwrap_or(i32::MAX);
        let height = i32::try_from(height).unwrap_or(i32::MAX);
        on_db!(self.db(), p => sqlx::query(
            "INSERT INTO branding (id, logo, logo_width, logo_height, logo_components, updated_at)
             VALUES (1, $1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET logo = excluded.logo, logo_width = excluded.logo_width,
               logo_height = excluded.logo_height, logo_components = excluded.logo_components,
               updated_at = excluded.updated_at",
        )
        .bind(jpeg)
        .bind(width)
        .bind(height)
        .bind(i32::from(components))
        .bind(stamp())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Removes the logo (the letterhead goes back to the company's name); the colour stays.
    pub async fn remove_logo(&self) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "UPDATE branding SET logo = NULL, logo_width = NULL, logo_height = NULL,
             logo_components = NULL, updated_at = $1 WHERE id = 1",
        )
        .bind(stamp())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }
}
