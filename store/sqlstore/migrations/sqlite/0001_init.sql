-- 0001: the tables of store.Store and the role catalog.
--
-- Times are INTEGER unix microseconds (UTC); the zero time.Time is stored as
-- its own value, -62135596800000000, so it sorts before every other time.
-- Durations are INTEGER nanoseconds. Lists of values are JSON arrays in TEXT
-- columns, except user roles, which are a child table so that "users with
-- role X" is one indexed query.

CREATE TABLE clients (
	id             TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	purpose        TEXT NOT NULL,
	grant_type     TEXT NOT NULL,
	access         TEXT NOT NULL DEFAULT '[]',
	secret_hash    BLOB,
	token_lifetime INTEGER NOT NULL DEFAULT 0,
	refresh_token_lifetime INTEGER NOT NULL DEFAULT 0,
	redirect_uris  TEXT NOT NULL DEFAULT '[]',
	user_id        TEXT NOT NULL DEFAULT '', -- a Technical User client's own user
	expires_at     INTEGER NOT NULL,
	request_id     TEXT UNIQUE, -- NULL when empty
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
);

CREATE TABLE roles (
	position INTEGER PRIMARY KEY,
	value    TEXT NOT NULL UNIQUE,
	display  TEXT NOT NULL,
	scopes   TEXT NOT NULL DEFAULT '[]'
);

INSERT INTO roles (position, value, display, scopes) VALUES
	(1, 'PROFILE:sap.dwc:DW_Administrator',       'DW Administrator',       '["user_provisioning","content_network"]'),
	(2, 'PROFILE:sap.dwc:DW_Space_Administrator', 'DW Space Administrator', '["content_network"]'),
	(3, 'PROFILE:sap.dwc:DW_Integrator',          'DW Integrator',          '["content_network"]'),
	(4, 'PROFILE:sap.dwc:DW_Modeler',             'DW Modeler',             '[]'),
	(5, 'PROFILE:sap.dwc:DW_Viewer',              'DW Viewer',              '[]'),
	(6, 'PROFILE:sap.dwc:DW_Consumer',            'DW Consumer',            '[]');

CREATE TABLE users (
	id                 TEXT PRIMARY KEY,
	user_name          TEXT NOT NULL,
	given_name         TEXT NOT NULL DEFAULT '',
	family_name        TEXT NOT NULL DEFAULT '',
	display_name       TEXT NOT NULL DEFAULT '',
	emails             TEXT NOT NULL DEFAULT '[]',
	active             INTEGER NOT NULL DEFAULT 0,
	preferred_language TEXT NOT NULL DEFAULT '',
	password_hash      BLOB,
	external_id        TEXT NOT NULL DEFAULT '',
	idp_user_id        TEXT NOT NULL DEFAULT '',
	client_id          TEXT NOT NULL DEFAULT '', -- set for a Technical User client's user
	version            INTEGER NOT NULL,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL
);

CREATE UNIQUE INDEX users_user_name ON users (user_name COLLATE NOCASE);

-- Not a foreign key to roles: which role values are valid is the callers' rule.
CREATE TABLE user_roles (
	user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	role     TEXT NOT NULL,
	PRIMARY KEY (user_id, position)
);

CREATE INDEX user_roles_role ON user_roles (role, user_id);

CREATE TABLE signing_keys (
	id          TEXT PRIMARY KEY,
	algorithm   TEXT NOT NULL,
	private_key BLOB,
	created_at  INTEGER NOT NULL,
	sign_at     INTEGER NOT NULL,
	retire_at   INTEGER NOT NULL,
	expire_at   INTEGER NOT NULL
);

-- Not a foreign key to clients: a revocation outlives its client.
CREATE TABLE revocations (
	token_id   TEXT PRIMARY KEY,
	client_id  TEXT NOT NULL DEFAULT '',
	expires_at INTEGER NOT NULL
);

CREATE INDEX revocations_expires_at ON revocations (expires_at);

CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB
);

CREATE TABLE audit (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	time   INTEGER NOT NULL,
	actor  TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL DEFAULT '',
	target TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);

CREATE INDEX audit_action ON audit (action, id);
