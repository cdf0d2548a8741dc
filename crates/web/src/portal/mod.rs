//! Signing in and the portal hub: login (portal and tenant hosts), the second factor, the
//! invitation page, client selection, the dashboard, hand-off to a tenant's host, the profile
//! (password, MFA, sessions, API keys) and the operator console. Handlers parse the form, call the
//! identity service and render; the rules live in `tenantry_auth`.
//!
//! `common` holds what the pages share; each page's file depends on it, never on another page.

mod clients;
mod common;
mod console;
mod invitations;
mod mfa;
mod password_reset;
mod profile;
mod services;
mod sign_in;
mod space_home;
mod team;

use axum::Router;

use crate::AppState;

/// Sign-in routes every host with people on it serves (portal and tenant hosts): sign-in, the
/// second factor, and asking for a password-reset link.
pub fn sign_in_router() -> Router<AppState> {
    sign_in::routes()
        .merge(mfa::routes())
        .merge(password_reset::routes())
}

pub fn portal_router() -> Router<AppState> {
    clients::portal_routes()
        .merge(sign_in::portal_routes())
        .merge(mfa::portal_routes())
        .merge(profile::portal_routes())
        .merge(console::portal_routes())
        .merge(team::portal_router())
        .merge(invitations::portal_router())
}

pub fn tenant_router() -> Router<AppState> {
    space_home::tenant_routes().merge(clients::tenant_routes())
}
