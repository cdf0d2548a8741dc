-- Control plane: everything about the installation and its clients, nothing of a client's own
-- business data (that lives in the client's own database).

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE plans (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    price_minor    INTEGER NOT NULL CHECK (price_minor >= 0),
    currency       TEXT NOT NULL,
    billing_period TEXT NOT NULL DEFAULT 'month',
    max_users      INTEGER CHECK (max_users IS NULL OR max_users > 0),
    storage_gb     INTEGER NOT NULL CHECK (storage_gb > 0),
    features       TEXT NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    sort_order     INTEGER NOT NULL DEFAULT 0
);

INSERT INTO plans (code, name, price_minor, currency, max_users, storage_gb, features, sort_order) VALUES
    ('basic',        'Basic',        4900,  'GBP', 5,    10,  'erp,webmail',                    1),
    ('professional', 'Professional', 9900,  'GBP', 20,   50,  'erp,webmail,pos,custom_reports', 2),
    ('enterprise',   'Enterprise',   24900, 'GBP', NULL, 200, 'erp,webmail,pos,custom_reports', 3);

CREATE TABLE db_servers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    backend     TEXT NOT NULL CHECK (backend IN ('postgres')),
    url_enc     TEXT NOT NULL,
    url_display TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'draining')),
    created_at  TEXT NOT NULL
);

CREATE TABLE tenants (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    subdomain       TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('provisioning', 'active', 'suspended')),
    plan_code       TEXT NOT NULL REFERENCES plans (code),
    admin_email     TEXT NOT NULL,
    db_server_id    TEXT REFERENCES db_servers (id),
    db_name         TEXT NOT NULL,
    db_role         TEXT,
    db_password_enc TEXT,
    schema_version  INTEGER NOT NULL DEFAULT 0,
    provision_step  TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX tenants_db_server ON tenants (db_server_id);

CREATE TABLE tenant_domains (
    domain     TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX tenant_domains_tenant ON tenant_domains (tenant_id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT,
    password_hash TEXT,
    status        TEXT NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    platform_role TEXT CHECK (platform_role IS NULL OR platform_role IN ('support', 'superadmin')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE memberships (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'employee', 'viewer')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, tenant_id)
);
CREATE INDEX memberships_tenant ON memberships (tenant_id);

CREATE TABLE invitations (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    role       TEXT CHECK (role IS NULL OR role IN ('admin', 'manager', 'employee', 'viewer')),
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX invitations_user ON invitations (user_id);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id    TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    remember     INTEGER NOT NULL DEFAULT 0,
    ip           TEXT,
    user_agent   TEXT,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE activity (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    kind       TEXT NOT NULL,
    message    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX activity_tenant ON activity (tenant_id, id);

-- Append-only and hash-chained: each row's hash covers the previous row's hash, so removing or
-- editing a row breaks the chain. audit_head serialises appends.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    tenant_id TEXT,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
