-- 0001: the tables of store.Store and the role catalog.
--
-- Times are timestamptz (microsecond precision). A time that is not set (the
-- zero time.Time) is stored as its own instant, 0001-01-01 00:00:00 UTC, as
-- the SQLite backend does, so that both sort, compare and prune alike.
-- Durations are bigint nanoseconds. Lists of values are arrays; e-mail
-- addresses are jsonb, with their lower-cased values in an indexed array for
-- lookups. userName and the names of identity providers are unique
-- case-insensitively (unique indexes on lower(...)).

CREATE TABLE clients (
	id                     text PRIMARY KEY,
	name                   text NOT NULL,
	purpose                text NOT NULL,
	grant_type             text NOT NULL,
	access                 text[] NOT NULL DEFAULT '{}',
	secret_hash            bytea,
	token_lifetime         bigint NOT NULL DEFAULT 0,
	refresh_token_lifetime bigint NOT NULL DEFAULT 0,
	redirect_uris          text[] NOT NULL DEFAULT '{}',
	user_id                text NOT NULL DEFAULT '', -- a Technical User client's own user
	expires_at             timestamptz NOT NULL,
	request_id             text UNIQUE, -- NULL when empty
	created_at             timestamptz NOT NULL,
	updated_at             timestamptz NOT NULL
);

CREATE TABLE roles (
	position integer PRIMARY KEY,
	value    text NOT NULL UNIQUE,
	display  text NOT NULL,
	scopes   text[] NOT NULL DEFAULT '{}'
);

INSERT INTO roles (position, value, display, scopes) VALUES
	(1, 'PROFILE:sap.dwc:DW_Administrator',       'DW Administrator',       '{user_provisioning,content_network}'),
	(2, 'PROFILE:sap.dwc:DW_Space_Administrator', 'DW Space Administrator', '{content_network}'),
	(3, 'PROFILE:sap.dwc:DW_Integrator',          'DW Integrator',          '{content_network}'),
	(4, 'PROFILE:sap.dwc:DW_Modeler',             'DW Modeler',             '{}'),
	(5, 'PROFILE:sap.dwc:DW_Viewer',              'DW Viewer',              '{}'),
	(6, 'PROFILE:sap.dwc:DW_Consumer',            'DW Consumer',            '{}');

-- roles holds role values in order (not a foreign key to the catalog: which
-- values are valid is the callers' rule); emails_lower holds the lower-cased
-- non-empty addresses of emails, written by the application.
CREATE TABLE users (
	id                 text PRIMARY KEY,
	user_name          text NOT NULL,
	given_name         text NOT NULL DEFAULT '',
	family_name        text NOT NULL DEFAULT '',
	display_name       text NOT NULL DEFAULT '',
	emails             jsonb NOT NULL DEFAULT '[]',
	emails_lower       text[] NOT NULL DEFAULT '{}',
	active             boolean NOT NULL DEFAULT false,
	preferred_language text NOT NULL DEFAULT '',
	roles              text[] NOT NULL DEFAULT '{}',
	password_hash      bytea,
	external_id        text NOT NULL DEFAULT '',
	idp_user_id        text NOT NULL DEFAULT '',
	client_id          text NOT NULL DEFAULT '', -- set for a Technical User client's user
	version            bigint NOT NULL,
	created_at         timestamptz NOT NULL,
	updated_at         timestamptz NOT NULL
);

CREATE UNIQUE INDEX users_user_name ON users (lower(user_name));
CREATE INDEX users_roles ON users USING gin (roles);
CREATE INDEX users_emails_lower ON users USING gin (emails_lower);
CREATE INDEX users_idp_user_id ON users (idp_user_id) WHERE idp_user_id <> '';

CREATE TABLE signing_keys (
	id          text PRIMARY KEY,
	algorithm   text NOT NULL,
	private_key bytea,
	created_at  timestamptz NOT NULL,
	sign_at     timestamptz NOT NULL,
	retire_at   timestamptz NOT NULL,
	expire_at   timestamptz NOT NULL
);

-- Not a foreign key to clients: a revocation outlives its client.
CREATE TABLE revocations (
	token_id   text PRIMARY KEY,
	client_id  text NOT NULL DEFAULT '',
	expires_at timestamptz NOT NULL
);

CREATE INDEX revocations_expires_at ON revocations (expires_at);

CREATE TABLE secrets (
	name  text PRIMARY KEY,
	value bytea
);

CREATE TABLE audit (
	id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time   timestamptz NOT NULL,
	actor  text NOT NULL DEFAULT '',
	action text NOT NULL DEFAULT '',
	target text NOT NULL DEFAULT '',
	detail text NOT NULL DEFAULT ''
);

CREATE INDEX audit_action ON audit (action, id);

-- Like a revocation, a code or refresh token outlives its client until it
-- expires: the token service, not the schema, decides what it is worth.
CREATE TABLE auth_codes (
	id             text PRIMARY KEY, -- hex SHA-256 of the code
	client_id      text NOT NULL DEFAULT '',
	user_id        text NOT NULL DEFAULT '',
	redirect_uri   text NOT NULL DEFAULT '',
	scope          text NOT NULL DEFAULT '',
	code_challenge text NOT NULL DEFAULT '',
	family_id      text NOT NULL DEFAULT '',
	created_at     timestamptz NOT NULL,
	expires_at     timestamptz NOT NULL,
	used_at        timestamptz NOT NULL -- the zero time until redeemed
);

CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);

CREATE TABLE refresh_tokens (
	id         text PRIMARY KEY, -- hex SHA-256 of the token
	family_id  text NOT NULL DEFAULT '',
	client_id  text NOT NULL DEFAULT '',
	user_id    text NOT NULL DEFAULT '',
	scope      text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at    timestamptz NOT NULL -- the zero time until rotated
);

CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);

CREATE TABLE identity_providers (
	id            text PRIMARY KEY,
	name          text NOT NULL,
	provider_name text NOT NULL,
	entity_id     text UNIQUE, -- NULL when empty
	certificates  bytea[] NOT NULL DEFAULT '{}', -- DER X.509
	created_at    timestamptz NOT NULL,
	updated_at    timestamptz NOT NULL
);

CREATE UNIQUE INDEX identity_providers_name ON identity_providers (lower(name));
CREATE UNIQUE INDEX identity_providers_provider_name ON identity_providers (lower(provider_name));

-- RFC 7522 §3 item 8 allows the server to refuse a replayed assertion; the ID
-- is kept until the assertion expires, after which it is refused anyway.
CREATE TABLE used_assertions (
	issuer     text NOT NULL,
	id         text NOT NULL,
	expires_at timestamptz NOT NULL,
	PRIMARY KEY (issuer, id)
);

CREATE INDEX used_assertions_expires_at ON used_assertions (expires_at);
