-- 0002: authorization codes, refresh tokens, trusted identity providers, used
-- SAML assertion IDs, and the indexes that find a user by the attributes a SAML
-- assertion names (idpUserId, e-mail).
--
-- None of the new tables has a foreign key to clients or users: like a
-- revocation, a code or token outlives its client until it expires, and the
-- token service, not the schema, decides what a deleted client's token is worth.

CREATE TABLE auth_codes (
	id             TEXT PRIMARY KEY, -- hex SHA-256 of the code
	client_id      TEXT NOT NULL DEFAULT '',
	user_id        TEXT NOT NULL DEFAULT '',
	redirect_uri   TEXT NOT NULL DEFAULT '',
	scope          TEXT NOT NULL DEFAULT '',
	code_challenge TEXT NOT NULL DEFAULT '',
	family_id      TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	expires_at     INTEGER NOT NULL,
	used_at        INTEGER NOT NULL -- the zero time until redeemed
);

CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);

CREATE TABLE refresh_tokens (
	id         TEXT PRIMARY KEY, -- hex SHA-256 of the token
	family_id  TEXT NOT NULL DEFAULT '',
	client_id  TEXT NOT NULL DEFAULT '',
	user_id    TEXT NOT NULL DEFAULT '',
	scope      TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL -- the zero time until rotated
);

CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);

-- Certificates are a JSON array of base64 DER certificates.
CREATE TABLE identity_providers (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	provider_name TEXT NOT NULL,
	entity_id     TEXT UNIQUE, -- NULL when empty
	certificates  TEXT NOT NULL DEFAULT '[]',
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);

CREATE UNIQUE INDEX identity_providers_name ON identity_providers (name COLLATE NOCASE);
CREATE UNIQUE INDEX identity_providers_provider_name ON identity_providers (provider_name COLLATE NOCASE);

-- RFC 7522 §3 item 8 allows the server to refuse a replayed assertion; the ID
-- is kept until the assertion expires, after which the assertion is refused anyway.
CREATE TABLE used_assertions (
	issuer     TEXT NOT NULL,
	id         TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (issuer, id)
);

CREATE INDEX used_assertions_expires_at ON used_assertions (expires_at);

CREATE INDEX users_idp_user_id ON users (idp_user_id) WHERE idp_user_id <> '';

-- The e-mail addresses of users, lower-cased, for GetUserByEmail; users.emails
-- stays the record of the addresses as given. Not unique: two users may share
-- an address, and a lookup then reports the ambiguity.
CREATE TABLE user_emails (
	user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	position    INTEGER NOT NULL,
	value_lower TEXT NOT NULL,
	PRIMARY KEY (user_id, position)
);

CREATE INDEX user_emails_value_lower ON user_emails (value_lower, user_id);

-- Addresses stored before this migration. The application lower-cases with
-- Go's Unicode rules, SQLite's lower() only ASCII letters: an address stored
-- before this migration with a non-ASCII capital letter is not found by
-- e-mail until the user is next updated, which rewrites its rows here.
INSERT INTO user_emails (user_id, position, value_lower)
	SELECT u.id, CAST(e.key AS INTEGER), lower(json_extract(e.value, '$.value'))
	FROM users u, json_each(u.emails) e
	WHERE coalesce(json_extract(e.value, '$.value'), '') <> '';
