//! Invitations to join a client. The link's page lets a new account choose its password (which
//! accepts), and lets an existing account accept signed in as the person it is for; the portal
//! lists the offers waiting for a signed-in person, to accept or decline.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use tenantry_auth::AuthError;
use tenantry_domain::TenantId;
use tenantry_platform::PlatformError;
use tenantry_store::identity::SessionStage;

use super::common::{auth_error_page, csrf_forbidden};
use crate::auth::{
    csrf_refusal, form_token, percent_encode, pre_session_csrf_ok, with_cookie, Caller, Credential,
    PortalUser,
};
use crate::pages::{error_response, platform_error_page, render};
use crate::AppState;

pub fn portal_router() -> Router<AppState> {
    Router::new()
        .route(
            "/invite/{token}",
            get(invitation_page).post(invitation_submit),
        )
        .route("/invite/{token}/accept", post(accept_signed_in))
        .route("/invitations/accept", post(accept_offer))
        .route("/invitations/decline", post(decline_offer))
}

/// What the link's page offers its holder.
enum Offer {
    Nothing,
    /// Choose a password (a new account, or a password reset).
    Password,
    /// Accept, signed in as the person invited (with the session's CSRF token).
    Accept(String),
    /// Sign in as the person invited first (where to).
    SignIn(String),
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitationPage {
    operator: String,
    heading: String,
    message: String,
    token: String,
    csrf: String,
    offer: Offer,
    error: Option<String>,
}

fn token_shape_ok(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The signed-in session (past its second step) behind the request, if any.
fn signed_in(caller: Option<&Caller>) -> Option<(&Caller, &str)> {
    caller.and_then(|c| match &c.credential {
        Credential::Session(s) if s.stage == SessionStage::Active && s.tenant_id.is_none() => {
            Some((c, s.csrf_token.as_str()))
        }
        _ => None,
    })
}

/// What an invitation link's holder sees while it is valid: the form to choose a password, or
/// the button to accept signed in.
async fn invitation_view(
    state: &AppState,
    token: &str,
    csrf: String,
    caller: Option<&Caller>,
    error: Option<String>,
) -> Response {
    let p = &state.platform;
    let looked_up = async {
        let operator = p.operator_name().await?;
        let found = if token_shape_ok(token) {
            p.control()
                .invitation(&tenantry_auth::sha256_hex(token))
                .await?
        } else {
            None
        };
        Ok::<_, PlatformError>((operator, found))
    }
    .await;
    let (operator, found) = match looked_up {
        Ok(v) => v,
        Err(e) => return platform_error_page(e),
    };
    let now = time::OffsetDateTime::now_utc();
    let (status, heading, message, offer) = match found {
        None => (
            StatusCode::NOT_FOUND,
            "Invitation not found".to_owned(),
            "This invitation link is not valid. Ask whoever invited you to send a new one."
                .to_owned(),
            Offer::Nothing,
        ),
        Some(inv) if inv.used_at.is_some() => (
            StatusCode::GONE,
            "Invitation already used".to_owned(),
            "This invitation has already been accepted. Sign in with your password.".to_owned(),
            Offer::Nothing,
        ),
        Some(inv) if inv.replaced => (
            StatusCode::GONE,
            "Invitation replaced".to_owned(),
            format!(
                "A newer invitation was sent to {} after this one: use the link in that one.",
                inv.email
            ),
            Offer::Nothing,
        ),
        Some(inv) if inv.expires_at <= now => (
            StatusCode::GONE,
            "Invitation expired".to_owned(),
            "This invitation has expired. Ask whoever invited you to send a new one.".to_owned(),
            Offer::Nothing,
        ),
        Some(inv) => {
            let expires = crate::pages::display_time(inv.expires_at);
            let place = match (&inv.tenant_name, &inv.role) {
                (Some(t), Some(r)) => format!("{t} as {r}"),
                (Some(t), None) => t.clone(),
                _ => operator.clone(),
            };
            let status = if error.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let heading = format!("You are invited to {place}");
            if inv.tenant_id.is_none() && inv.account_set_up {
                // A portal link to an account in use: a password reset.
                let message = format!(
                    "This link for {} is valid until {expires}. The new password replaces the old one and signs you out everywhere.",
                    inv.email
                );
                (
                    status,
                    "Choose a new password".to_owned(),
                    message,
                    Offer::Password,
                )
            } else if inv.tenant_id.is_none() || !inv.account_set_up {
                let message = format!(
                    "This invitation for {} is valid until {expires}. Choose a password to accept it.",
                    inv.email
                );
                (status, heading, message, Offer::Password)
            } else {
                match signed_in(caller) {
                    Some((c, csrf)) if c.user.id == inv.user_id => (
                        status,
                        heading,
                        format!(
                            "This invitation for {} is valid until {expires}.",
                            inv.email
                        ),
                        Offer::Accept(csrf.to_owned()),
                    ),
                    other => {
                        let mut message = format!(
                            "This invitation is for {}, who already has an account. Sign in as {} to accept it (valid until {expires}).",
                            inv.email, inv.email
                        );
                        if let Some((c, _)) = other {
                            message.push_str(&format!(
                                " You are signed in as {}: sign out first.",
                                c.user.email
                            ));
                        }
                        let to = format!("/invite/{token}");
                        (
                            status,
                            heading,
                            message,
                            Offer::SignIn(format!("/login?next={}", percent_encode(&to))),
                        )
                    }
                }
            }
        }
    };
    render(
        status,
        &InvitationPage {
            operator,
            heading,
            message,
            token: token.to_owned(),
            csrf,
            offer,
            error,
        },
    )
}

async fn invitation_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
) -> Response {
    let (csrf, cookie) = form_token(&state, &headers);
    let view = invitation_view(&state, &token, csrf, caller.as_deref(), None).await;
    with_cookie(view, cookie)
}

#[derive(Deserialize)]
struct InvitationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn invitation_submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    Form(form): Form<InvitationForm>,
) -> Response {
    if !pre_session_csrf_ok(&headers, &form.csrf) {
        return csrf_forbidden();
    }
    let caller = caller.as_deref();
    if form.password != form.confirm {
        let error = Some("The two passwords differ.".into());
        return invitation_view(&state, &token, form.csrf, caller, error).await;
    }
    if !token_shape_ok(&token) {
        return invitation_view(&state, &token, form.csrf, caller, None).await;
    }
    match state
        .platform
        .identity()
        .accept_invitation(&token, &form.password)
        .await
    {
        Ok(accepted) => {
            // The sign-in form comes filled in with the account's email.
            let email = match state.platform.control().user(accepted.user_id).await {
                Ok(u) => u.map(|u| u.email).unwrap_or_default(),
                Err(e) => return platform_error_page(e.into()),
            };
            let email: String = form_urlencoded::byte_serialize(email.as_bytes()).collect();
            Redirect::to(&format!("/login?notice=password-set&email={email}")).into_response()
        }
        Err(AuthError::WeakPassword(m)) => {
            let error = Some(format!("Choose a stronger password: {m}."));
            invitation_view(&state, &token, form.csrf, caller, error).await
        }
        Err(AuthError::InvitationInvalid) => {
            invitation_view(&state, &token, form.csrf, caller, None).await
        }
        Err(e) => auth_error_page(e),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Accepts the link's invitation as the signed-in person it is for.
async fn accept_signed_in(
    State(state): State<AppState>,
    Path(token): Path<String>,
    u: PortalUser,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    if !token_shape_ok(&token) {
        return gone();
    }
    match state
        .platform
        .identity()
        .accept_invitation_signed_in(&token, &u.user)
        .await
    {
        Ok(_) => Redirect::to("/select").into_response(),
        Err(AuthError::InvitationInvalid) => gone(),
        Err(e) => auth_error_page(e),
    }
}

fn gone() -> Response {
    error_response(
        StatusCode::GONE,
        "Invitation not valid",
        "This invitation is unknown, used, expired or for someone else.",
    )
}

#[derive(Deserialize)]
struct OfferForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client: String,
}

async fn accept_offer(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<OfferForm>,
) -> Response {
    answer_offer(&state, &u, &form, true).await
}

async fn decline_offer(
    State(state): State<AppState>,
    u: PortalUser,
    Form(form): Form<OfferForm>,
) -> Response {
    answer_offer(&state, &u, &form, false).await
}

async fn answer_offer(
    state: &AppState,
    u: &PortalUser,
    form: &OfferForm,
    accept: bool,
) -> Response {
    if let Some(r) = csrf_refusal(&u.session, &form.csrf) {
        return r;
    }
    let Ok(tenant) = form.client.parse::<TenantId>() else {
        return error_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unknown business",
            "Choose an invitation from the list.",
        );
    };
    let identity = state.platform.identity();
    let answered = if accept {
        identity.accept_membership(&u.user, tenant).await
    } else {
        identity.decline_membership(&u.user, tenant).await
    };
    match answered {
        Ok(()) => Redirect::to("/select").into_response(),
        Err(AuthError::NotFound(_)) => error_response(
            StatusCode::NOT_FOUND,
            "No such invitation",
            "It may have been withdrawn or answered already.",
        ),
        Err(e) => auth_error_page(e),
    }
}
