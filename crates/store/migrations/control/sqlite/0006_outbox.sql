-- Mail the platform has to send (a password-reset link, to begin with). Until the platform
-- delivers mail itself, operator staff read it on the console and pass it on; `sent_at` is
-- set once a message has been delivered.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- What the message is, for throttling: 'password_reset'.
    kind       TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at    BIGINT
);
CREATE INDEX outbox_by_recipient ON outbox (recipient, kind, created_at);
CREATE INDEX outbox_by_time ON outbox (created_at);
