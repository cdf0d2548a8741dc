-- Identity: credentials, MFA, sessions, hand-off codes, API keys, signing keys, throttling,
-- notifications and the landing page's contact form.
--
-- Times that SQL compares (expiry, throttling windows) are Unix seconds in BIGINT columns, so
-- that the same comparison runs on both backends (SQLite stores timestamps as text whose
-- fractional part varies in length, which does not sort).

ALTER TABLE users ADD COLUMN totp_secret_enc TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at BIGINT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN default_tenant_id TEXT REFERENCES tenants (id) ON DELETE SET NULL;
ALTER TABLE users ADD COLUMN last_login_at BIGINT;

ALTER TABLE tenants ADD COLUMN mfa_required BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE memberships ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Nothing ever created a session before this migration, so the table is replaced rather than
-- altered. The id is the SHA-256 of the cookie's value: a leaked table holds no usable cookie.
DROP TABLE sessions;
CREATE TABLE sessions (
    id_hash            TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- NULL: a portal session. Set: a host-only session on that tenant's own host.
    tenant_id          TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    -- The portal session a tenant-host session was handed off from; ending one ends the other.
    origin_hash        TEXT,
    selected_tenant_id TEXT REFERENCES tenants (id) ON DELETE SET NULL,
    stage              TEXT NOT NULL CHECK (stage IN ('mfa', 'active')),
    csrf_token         TEXT NOT NULL,
    remember           BOOLEAN NOT NULL DEFAULT FALSE,
    ip                 TEXT,
    user_agent         TEXT,
    created_at         BIGINT NOT NULL,
    last_seen_at       BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_origin ON sessions (origin_hash);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE handoff_codes (
    code_hash   TEXT PRIMARY KEY,
    origin_hash TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

CREATE TABLE api_keys (
    key_id       TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'employee', 'viewer')),
    label        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_user ON api_keys (user_id, tenant_id);

CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    algorithm       TEXT NOT NULL CHECK (algorithm IN ('EdDSA')),
    private_key_enc TEXT NOT NULL,
    public_key      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    -- Set when a newer key takes over signing; the key stays published until its tokens expire.
    retired_at      BIGINT
);

CREATE TABLE login_failures (
    id        BIGSERIAL PRIMARY KEY,
    scope_key TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX login_failures_scope ON login_failures (scope_key, at);

CREATE TABLE notifications (
    id         BIGSERIAL PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    message    TEXT NOT NULL,
    link       TEXT,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, id);

CREATE TABLE contact_messages (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    company    TEXT,
    message    TEXT NOT NULL,
    ip         TEXT,
    created_at BIGINT NOT NULL
);
