//! The second factor: owed at sign-in, a step-up into a client that requires it, and
//! enrolling an authenticator.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form, Router};
use serde::Deserialize;
use tenantry_auth::AuthError;
use tenantry_store::identity::SessionStage;

use super::common::{auth_error_page, brand, mfa_path, signed_in, NextQuery, RecoveryCodesPage};
use crate::auth::{csrf_refusal, safe_next, session_cookie, AnySession, PortalUser};
use crate::host::CurrentTenant;
use crate::pages::{platform_error_page, render};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/mfa", get(mfa_page).post(mfa_submit))
}

pub(super) fn portal_routes() -> Router<AppState> {
    Router::new().route("/mfa/setup", get(mfa_setup_page).post(mfa_setup_submit))
}

// ---- second factor ----

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    brand: String,
    /// The user has a passkey to use instead of a code (at sign-in, not when enrolling).
    has_passkey: bool,
    has_totp: bool,
    enrol: bool,
    qr_svg: String,
    secret: String,
    action: String,
    csrf: String,
    error: Option<String>,
}

/// The second-factor form, in the brand of the host it is asked on: the client's on its own
/// host, the operator's on the portal.
async fn mfa_form(
    state: &AppState,
    tenant: Option<&CurrentTenant>,
    s: &AnySession,
    action: &str,
    error: Option<String>,
) -> Response {
    let identity = state.platform.identity();
    let brand = match brand(state, tenant).await {
        Ok(b) => b,
        Err(e) => return platform_error_page(e),
    };
    // At sign-in (not when enrolling from the profile), a passkey can be the second step.
    let has_passkey = action.starts_with("/mfa?")
        && match identity.has_passkey(s.user.id).await {
            Ok(v) => v,
            Err(e) => return auth_error_page(e),
        };
    // Someone with a passkey but no authenticator app is not pushed into enrolling one.
    let passkey_only = has_passkey && !s.user.has_totp();
    let (enrol, qr_svg, secret) = if s.user.has_totp() || passkey_only {
        (false, String::new(), String::new())
    } else {
        let pending = match identity.pending_totp(&s.user).await {
            Ok(Some(t)) => Ok(t),
            Ok(None) => identity.begin_totp(&s.user).await,
            Err(e) => Err(e),
        };
        match pending.and_then(|t| Ok((t.qr_svg()?, t.secret_base32()))) {
            Ok((qr, secret)) => (true, qr, secret),
            Err(e) => return auth_error_page(e),
        }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    render(
        status,
        &MfaPage {
            brand,
            has_passkey,
            has_totp: s.user.has_totp(),
            enrol,
            qr_svg,
            secret,
            action: action.into(),
            csrf: s.session.csrf_token.clone(),
            error,
        },
    )
}
/// The second step: owed at sign-in, or asked for (a step-up) by a client that requires it
/// when a signed-in session that has not proven one enters it.
async fn mfa_page(
    State(state): State<AppState>,
    tenant: Option<Extension<CurrentTenant>>,
    s: AnySession,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if s.session.second_factor || (s.session.stage == SessionStage::Active && q.next.is_none()) {
        return Redirect::to(&next).into_response();
    }
    mfa_form(&state, tenant.as_deref(), &s, &mfa_path(&next), None).await
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

async fn mfa_submit(
    State(state): State<AppState>,
    tenant: Option<Extension<CurrentTenant>>,
    s: AnySession,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&s.session, &form.csrf) {
        return r;
    }
    let next = safe_next(q.next.as_deref());
    if s.session.second_factor {
        return Redirect::to(&next).into_response();
    }
    let action = mfa_path(&next);
    let identity = state.platform.identity();
    if s.user.has_totp() {
        return match identity.pass_second_factor(&s.session, &form.code).await {
            Ok(new) => signed_in(&state, &headers, &new, &next).await,
            Err(AuthError::InvalidCode) => {
                mfa_form(
                    &state,
                    tenant.as_deref(),
                    &s,
                    &action,
                    Some(SIGN_IN_CODE_REFUSED.into()),
                )
                .await
            }
            Err(e) => auth_error_page(e),
        };
    }
    // Enrolment at sign-in: confirming the authenticator is the second factor.
    match identity.confirm_totp(&s.user, &form.code).await {
        Ok(codes) => match identity.complete_enrolment_login(&s.session).await {
            Ok(new) => {
                let brand = brand(&state, tenant.as_deref()).await.unwrap_or_default();
                let mut res = render(
                    StatusCode::OK,
                    &RecoveryCodesPage {
                        brand,
                        codes,
                        continue_to: next,
                    },
                );
                res.headers_mut().append(
                    header::SET_COOKIE,
                    session_cookie(state.platform.config(), &new),
                );
                res
            }
            Err(e) => auth_error_page(e),
        },
        Err(AuthError::InvalidCode) => {
            mfa_form(
                &state,
                tenant.as_deref(),
                &s,
                &action,
                Some(SET_UP_CODE_REFUSED.into()),
            )
            .await
        }
        Err(e) => auth_error_page(e),
    }
}

/// A code refused at sign-in: what to try, since a bare "not valid" leaves a person guessing.
const SIGN_IN_CODE_REFUSED: &str = "That code is not valid. Type the six digits your authenticator app shows now (they change every 30 seconds), or a recovery code.";

/// A code refused while setting up: most often the app was set up from an older QR code, or the
/// phone's clock is off.
const SET_UP_CODE_REFUSED: &str = "That code is not valid. Type the six digits your authenticator app shows now for this account (they change every 30 seconds); if it still fails, scan the QR code on this page again and check that your phone sets its clock automatically.";

async fn mfa_setup_page(State(state): State<AppState>, u: PortalUser) -> Response {
    if u.user.has_totp() {
        return Redirect::to("/profile").into_response();
    }
    let s = AnySession {
        user: u.user,
        session: u.session,
    };
    mfa_form(&state, None, &s, "/mfa/setup", None).await
}

async fn mfa_setup_submit(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<CodeForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let identity = state.platform.identity();
    match identity.confirm_totp(&u.user, &form.code).await {
        Ok(codes) => {
            // A privilege change (enrolment proves the second factor): new session id.
            let new = match identity.rotate_verified(&u.session).await {
                Ok(n) => n,
                Err(e) => return auth_error_page(e),
            };
            let brand = state.platform.operator_name().await.unwrap_or_default();
            let mut res = render(
                StatusCode::OK,
                &RecoveryCodesPage {
                    brand,
                    codes,
                    continue_to: "/profile".into(),
                },
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                session_cookie(state.platform.config(), &new),
            );
            res
        }
        Err(AuthError::InvalidCode) => {
            let s = AnySession {
                user: u.user,
                session: u.session,
            };
            mfa_form(
                &state,
                None,
                &s,
                "/mfa/setup",
                Some(SET_UP_CODE_REFUSED.into()),
            )
            .await
        }
        Err(e) => auth_error_page(e),
    }
}
