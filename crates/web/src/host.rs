//! Dispatch by host: which surface (landing, portal, a client's space) a request addresses.
//!
//! Tenant resolution, first match wins: the `X-Tenant-Id` header (which must agree with the host
//! when the host is itself a client's); the host (a subdomain of the base domain or a registered
//! custom domain); `?tenant=` in development mode only. A resolved tenant is only an address,
//! never an authorisation.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tenantry_platform::tenancy::{resolve_host, resolve_tenant_header, HostTarget};
use tenantry_store::control::TenantRecord;
use tower::ServiceExt;
use tracing::Span;

use crate::error::AppError;
use crate::pages;
use crate::AppState;

/// The client a request on a tenant surface addresses, for handlers and middleware.
#[derive(Clone, Debug)]
pub struct CurrentTenant(pub TenantRecord);

/// Which surface served a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    Landing,
    Portal,
    Tenant,
}

#[derive(Clone)]
pub struct Surfaces {
    pub landing: axum::Router,
    pub portal: axum::Router,
    pub tenant: axum::Router,
}

pub const TENANT_HEADER: &str = "x-tenant-id";

pub fn span_for_request(req: &Request) -> Span {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        id = %request_id,
        method = %req.method(),
        path = %req.uri().path(),
        host = tracing::field::Empty,
        tenant = tracing::field::Empty,
    )
}

fn request_host(req: &Request) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().host().map(str::to_owned))
}

fn query_tenant(req: &Request) -> Option<String> {
    req.uri().query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "tenant" && !v.is_empty()).then(|| v.to_owned())
    })
}

pub async fn dispatch(
    State((state, surfaces)): State<(AppState, Surfaces)>,
    mut req: Request,
) -> Response {
    let platform = &state.platform;
    let host = request_host(&req).unwrap_or_default();
    Span::current().record("host", host.as_str());
    let by_host = match resolve_host(platform, &host).await {
        Ok(t) => t,
        Err(e) => return AppError::from(e).into_response(),
    };

    let header_value = req
        .headers()
        .get(TENANT_HEADER)
        .map(|v| v.to_str().map(str::to_owned));
    let target = match header_value {
        Some(Err(_)) => {
            return AppError::new(
                StatusCode::BAD_REQUEST,
                "X-Tenant-Id must be a tenant id or subdomain",
            )
            .into_response()
        }
        Some(Ok(value)) => match resolve_tenant_header(platform, &value).await {
            Ok(HostTarget::Tenant(t)) => {
                if let HostTarget::Tenant(h) = &by_host {
                    if h.id != t.id {
                        return AppError::new(
                            StatusCode::BAD_REQUEST,
                            "X-Tenant-Id names a different client than the host",
                        )
                        .into_response();
                    }
                }
                HostTarget::Tenant(t)
            }
            Ok(_) => return AppError::new(StatusCode::NOT_FOUND, "no such client").into_response(),
            Err(e) => return AppError::from(e).into_response(),
        },
        None => match (&by_host, query_tenant(&req)) {
            (HostTarget::Tenant(_), _) | (_, None) => by_host,
            (_, Some(value)) if platform.config().dev_mode => {
                match resolve_tenant_header(platform, &value).await {
                    Ok(t) => t,
                    Err(e) => return AppError::from(e).into_response(),
                }
            }
            (_, Some(_)) => by_host,
        },
    };

    let router = match target {
        HostTarget::Landing => {
            req.extensions_mut().insert(Surface::Landing);
            surfaces.landing
        }
        HostTarget::Portal => {
            req.extensions_mut().insert(Surface::Portal);
            surfaces.portal
        }
        HostTarget::Tenant(t) => {
            Span::current().record("tenant", t.subdomain.as_str());
            req.extensions_mut().insert(Surface::Tenant);
            req.extensions_mut().insert(CurrentTenant(*t));
            surfaces.tenant
        }
        HostTarget::Unknown => return pages::unknown_host(req.uri().path()),
    };
    match router.oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}
