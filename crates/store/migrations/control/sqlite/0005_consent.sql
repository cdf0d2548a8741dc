-- Joining a client takes the person's consent, and a client's MFA rule is a step-up when
-- entering that client rather than a condition of signing in anywhere.
--
-- A membership a client's admin offered stays pending until the person accepts it: 'portal'
-- when they already had an account (they accept from the portal, signed in), 'link' when the
-- account was new (only the invitation link accepts it, so whoever set that account's password
-- through another client's link cannot accept this one). NULL: a member.
ALTER TABLE memberships ADD COLUMN pending TEXT CHECK (pending IS NULL OR pending IN ('portal', 'link'));

-- Whether the session has proven a second factor (a TOTP or recovery code, a passkey, or an
-- authenticator's enrolment).
ALTER TABLE sessions ADD COLUMN second_factor INTEGER NOT NULL DEFAULT 0;
