//! Self-service password reset: a person who forgot their password asks for a link by email
//! address, on the portal or on a client's host. The answer never says whether the address has
//! an account; the link (a one-time password-setting link, as the CLI's reset issues) goes to
//! the outbox, which operator staff read on the console until the platform delivers mail.

use tenantry_domain::Email;
use tenantry_store::identity::unix_now;
use tenantry_store::outbox::NewMail;

use crate::accounts::issue_invitation;
use crate::error::Result;
use crate::Platform;

/// The outbox's name for these messages.
pub const KIND: &str = "password_reset";

/// At most one link per account in this many seconds: asking again sooner sends nothing, so that
/// nobody can flood a person's mailbox (or the outbox) with links.
pub const THROTTLE_SECS: i64 = 5 * 60;

/// Asks for a password-reset link for `email`, where `brand` is the name of the place it was
/// asked on (the operator, or a client). Queues the link when the address belongs to an
/// account that is set up (an invited person uses their invitation) and none was sent in the
/// last [`THROTTLE_SECS`]; says nothing either way. Text that is not an email address is the
/// only refusal.
pub async fn request(platform: &Platform, email: &str, brand: &str) -> Result<()> {
    let email = Email::parse(email)?;
    let control = platform.control();
    let Some(user) = control.user_by_email(email.as_str()).await? else {
        return Ok(());
    };
    if user.status != "active"
        || control
            .mail_queued_since(KIND, email.as_str(), unix_now() - THROTTLE_SECS)
            .await?
    {
        return Ok(());
    }
    let link = issue_invitation(platform, user.id, None, None).await?;
    let hours = platform.config().invitation_ttl_hours;
    let body = format!(
        "Someone (we hope you) asked to reset the password of your account {email} at {brand}.\n\n\
         Choose a new password here (the link works once, for {hours} hours):\n{link}\n\n\
         Setting it signs you out everywhere; your second factor, if you have one, is still \
         asked for when you sign in again.\n\n\
         If you did not ask, ignore this message: your password stays as it is."
    );
    control
        .queue_mail(&NewMail {
            kind: KIND,
            recipient: email.as_str(),
            subject: &format!("Reset your password at {brand}"),
            body: &body,
        })
        .await?;
    control
        .append_audit(
            email.as_str(),
            "user.password_reset_requested",
            None,
            &serde_json::json!({ "email": email.as_str() }),
        )
        .await?;
    Ok(())
}
