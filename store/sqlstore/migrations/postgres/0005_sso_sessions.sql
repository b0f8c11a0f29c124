-- 0005: single sign-on and server-side console sessions.
--
-- A client's Require PKCE setting (on for every client created before);
-- the SingleSignOnService of a trusted identity provider; console sessions
-- by the hash of the session ID the cookie holds; the AuthnRequests sent to
-- identity providers, until their Response comes back; and the one single
-- sign-on configuration with its last verification. Times are as in 0001;
-- compared text columns use the "C" collation, as in 0004.

ALTER TABLE clients ADD COLUMN require_pkce boolean NOT NULL DEFAULT true;

ALTER TABLE identity_providers
	ADD COLUMN sso_url text NOT NULL DEFAULT '',
	ADD COLUMN sso_binding text NOT NULL DEFAULT '';

CREATE TABLE sessions (
	id         text COLLATE "C" PRIMARY KEY, -- hex SHA-256 of the cookie's session ID
	user_id    text COLLATE "C" NOT NULL,
	method     text NOT NULL DEFAULT '',
	flash      text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);

CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE saml_requests (
	id             text COLLATE "C" PRIMARY KEY, -- the AuthnRequest ID
	browser        text COLLATE "C" NOT NULL,    -- hex SHA-256 of the browser binding cookie
	idp_id         text COLLATE "C" NOT NULL,
	purpose        text NOT NULL,
	user_attribute text NOT NULL DEFAULT '',
	saml_attribute text NOT NULL DEFAULT '',
	next           text NOT NULL DEFAULT '',
	started_by     text NOT NULL DEFAULT '',
	created_at     timestamptz NOT NULL,
	expires_at     timestamptz NOT NULL,
	used_at        timestamptz NOT NULL -- the zero time until answered
);

CREATE INDEX saml_requests_expires_at ON saml_requests (expires_at);

-- One row, written by every update.
CREATE TABLE sso_config (
	id                      integer PRIMARY KEY CHECK (id = 1),
	enabled                 boolean NOT NULL DEFAULT false,
	idp_id                  text NOT NULL DEFAULT '',
	user_attribute          text NOT NULL DEFAULT '',
	saml_attribute          text NOT NULL DEFAULT '',
	allow_idp_initiated     boolean NOT NULL DEFAULT false,
	updated_at              timestamptz NOT NULL,
	updated_by              text NOT NULL DEFAULT '',
	verified_idp_id         text NOT NULL DEFAULT '',
	verified_user_attribute text NOT NULL DEFAULT '',
	verified_saml_attribute text NOT NULL DEFAULT '',
	verified_user_id        text NOT NULL DEFAULT '',
	verified_failure        text NOT NULL DEFAULT '',
	verified_by             text NOT NULL DEFAULT '',
	verified_at             timestamptz NOT NULL
);

INSERT INTO sso_config (id, updated_at, verified_at) VALUES (1, '0001-01-01 00:00:00+00', '0001-01-01 00:00:00+00');
