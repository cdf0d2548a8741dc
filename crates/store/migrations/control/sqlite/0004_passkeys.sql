-- Passkeys (WebAuthn credentials). The credential holds only public key material and a
-- signature counter, so it is stored as the webauthn-rs JSON, not encrypted.
CREATE TABLE passkeys (
    cred_id      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    passkey      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);
