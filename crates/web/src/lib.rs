//! HTTP: routing by host, the pages and the JSON API. Handlers are thin: they parse, call a
//! platform service and render.

mod activity;
mod api;
mod api_user;
mod auth;
mod books;
mod error;
mod health;
mod host;
mod landing;
mod openapi;
mod pages;
mod passkeys;
mod portal;
mod security;
mod sso;
mod suspension;

use axum::routing::get;
use axum::Router;
use tenantry_platform::Platform;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use books::kinds;
pub use error::{status_for, AppError};
pub use host::{CurrentTenant, Surface};

#[derive(Clone)]
pub struct AppState {
    pub platform: Platform,
}

/// Routes every known host answers.
fn common_router() -> Router<AppState> {
    Router::new()
        .route("/api/method/ping", get(api::ping).post(api::ping))
        .route("/api/openapi.json", get(openapi::document))
}

/// The whole application. Requests first meet the health endpoints (answered on any host, for
/// load balancers), then are dispatched by host to the landing, portal or tenant router.
pub fn app(platform: Platform) -> Router {
    let tls = platform.config().is_tls();
    let state = AppState { platform };
    let surfaces = host::Surfaces {
        landing: landing::router()
            .merge(common_router())
            .fallback(pages::not_found)
            .with_state(state.clone()),
        portal: portal::sign_in_router()
            .merge(portal::portal_router())
            .merge(api_user::portal_router())
            .merge(sso::portal_router())
            .merge(passkeys::portal_router())
            .merge(common_router())
            .fallback(pages::not_found)
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::authenticate,
            ))
            .with_state(state.clone()),
        tenant: portal::sign_in_router()
            .merge(portal::tenant_router())
            .merge(api_user::tenant_router())
            .merge(books::router())
            .merge(common_router())
            .fallback(pages::not_found)
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                books::frappe::rpc::root,
            ))
            .layer(axum::middleware::from_fn(
                suspension::refuse_writes_when_suspended,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::authenticate,
            ))
            .with_state(state.clone()),
    };
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/assets/app.css", get(pages::stylesheet))
        .route("/assets/icon.svg", get(pages::icon))
        .route("/favicon.ico", get(pages::icon))
        .route("/assets/passkeys.js", get(pages::passkeys_script))
        .route("/assets/books.css", get(books::pages::stylesheet))
        .route("/assets/books.js", get(books::pages::script))
        .fallback(host::dispatch)
        .with_state((state, surfaces))
        .layer(axum::middleware::from_fn_with_state(tls, security::headers))
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(host::span_for_request))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Serves the application on `listener` until `shutdown` resolves; requests in flight then
/// finish before this returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    platform: Platform,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let housekeeping = tokio::spawn(prune_expired_periodically(platform.clone()));
    let served = axum::serve(
        listener,
        app(platform).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    housekeeping.abort();
    served
}

/// Every ten minutes, removes expired sessions, hand-off codes and old login failures. Several
/// nodes doing it at once is harmless: each delete is idempotent.
async fn prune_expired_periodically(platform: Platform) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match platform.identity().prune_expired().await {
            Ok(n) => tracing::debug!(rows = n, "pruned expired identity rows"),
            Err(e) => tracing::warn!(error = %e, "pruning expired identity rows failed"),
        }
    }
}
