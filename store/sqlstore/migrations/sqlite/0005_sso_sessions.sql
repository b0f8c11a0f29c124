-- 0005: single sign-on and server-side console sessions.
--
-- A client's Require PKCE setting (on for every client created before);
-- the SingleSignOnService of a trusted identity provider; console sessions
-- by the hash of the session ID the cookie holds; the AuthnRequests sent to
-- identity providers, until their Response comes back; and the one single
-- sign-on configuration with its last verification. Times are as in 0001.

ALTER TABLE clients ADD COLUMN require_pkce INTEGER NOT NULL DEFAULT 1;

ALTER TABLE identity_providers ADD COLUMN sso_url TEXT NOT NULL DEFAULT '';
ALTER TABLE identity_providers ADD COLUMN sso_binding TEXT NOT NULL DEFAULT '';

CREATE TABLE sessions (
	id         TEXT PRIMARY KEY, -- hex SHA-256 of the cookie's session ID
	user_id    TEXT NOT NULL,
	method     TEXT NOT NULL DEFAULT '',
	flash      TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE saml_requests (
	id             TEXT PRIMARY KEY, -- the AuthnRequest ID
	browser        TEXT NOT NULL,    -- hex SHA-256 of the browser binding cookie
	idp_id         TEXT NOT NULL,
	purpose        TEXT NOT NULL,
	user_attribute TEXT NOT NULL DEFAULT '',
	saml_attribute TEXT NOT NULL DEFAULT '',
	next           TEXT NOT NULL DEFAULT '',
	started_by     TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	expires_at     INTEGER NOT NULL,
	used_at        INTEGER NOT NULL -- the zero time until answered
);

CREATE INDEX saml_requests_expires_at ON saml_requests (expires_at);

-- One row, written by every update.
CREATE TABLE sso_config (
	id                      INTEGER PRIMARY KEY CHECK (id = 1),
	enabled                 INTEGER NOT NULL DEFAULT 0,
	idp_id                  TEXT NOT NULL DEFAULT '',
	user_attribute          TEXT NOT NULL DEFAULT '',
	saml_attribute          TEXT NOT NULL DEFAULT '',
	allow_idp_initiated     INTEGER NOT NULL DEFAULT 0,
	updated_at              INTEGER NOT NULL,
	updated_by              TEXT NOT NULL DEFAULT '',
	verified_idp_id         TEXT NOT NULL DEFAULT '',
	verified_user_attribute TEXT NOT NULL DEFAULT '',
	verified_saml_attribute TEXT NOT NULL DEFAULT '',
	verified_user_id        TEXT NOT NULL DEFAULT '',
	verified_failure        TEXT NOT NULL DEFAULT '',
	verified_by             TEXT NOT NULL DEFAULT '',
	verified_at             INTEGER NOT NULL
);

INSERT INTO sso_config (id, updated_at, verified_at) VALUES (1, -62135596800000000, -62135596800000000);
