//! The outbox: mail the platform has to send, kept in the control plane. Until the platform
//! delivers mail itself, operator staff read it on the console. Times are Unix seconds.

use sqlx::FromRow;

use crate::control::ControlStore;
use crate::error::Result;
use crate::identity::unix_now;
use crate::on_db;

/// One message waiting in (or sent from) the outbox.
#[derive(Clone, Debug, FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// A message to queue.
pub struct NewMail<'a> {
    /// What it is, for throttling (`password_reset`).
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

impl ControlStore {
    pub async fn queue_mail(&self, m: &NewMail<'_>) -> Result<()> {
        on_db!(self.db(), p => sqlx::query(
            "INSERT INTO outbox (kind, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(m.kind)
        .bind(m.recipient)
        .bind(m.subject)
        .bind(m.body)
        .bind(unix_now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Whether a message of `kind` was queued for `recipient` at or after `since`.
    pub async fn mail_queued_since(&self, kind: &str, recipient: &str, since: i64) -> Result<bool> {
        let n: i64 = on_db!(self.db(), p => sqlx::query_scalar(
            "SELECT count(*) FROM outbox WHERE recipient = $1 AND kind = $2 AND created_at >= $3",
        )
        .bind(recipient)
        .bind(kind)
        .bind(since)
        .fetch_one(p)
        .await?);
        Ok(n > 0)
    }

    /// The `limit` newest messages, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxMessage>> {
        Ok(on_db!(self.db(), p => sqlx::query_as(
            "SELECT id, kind, recipient, subject, body, created_at, sent_at FROM outbox
             ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(p)
        .await?))
    }
}
