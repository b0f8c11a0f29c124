-- 0003: one schema for SQLite and PostgreSQL, so that one set of queries
-- serves both.
--
-- Lists that are only ever read whole (a client's access and redirect URIs,
-- a role's scopes, an identity provider's certificates as base64, a user's
-- e-mails and roles) become JSON arrays in text columns. The lookups that
-- arrays with GIN indexes served are served, as in SQLite, by two child
-- tables: user_roles (the holders of a role) and user_emails (the lower-cased
-- addresses, as the application lower-cased them into emails_lower).

ALTER TABLE clients
	ALTER COLUMN access DROP DEFAULT,
	ALTER COLUMN access TYPE text USING array_to_json(access)::text,
	ALTER COLUMN access SET DEFAULT '[]',
	ALTER COLUMN redirect_uris DROP DEFAULT,
	ALTER COLUMN redirect_uris TYPE text USING array_to_json(redirect_uris)::text,
	ALTER COLUMN redirect_uris SET DEFAULT '[]';

ALTER TABLE roles
	ALTER COLUMN scopes DROP DEFAULT,
	ALTER COLUMN scopes TYPE text USING array_to_json(scopes)::text,
	ALTER COLUMN scopes SET DEFAULT '[]';

ALTER TABLE identity_providers ADD COLUMN certificates_json text NOT NULL DEFAULT '[]';
UPDATE identity_providers SET certificates_json = coalesce(
	(SELECT json_agg(translate(encode(t.der, 'base64'), E'\n', '') ORDER BY t.i)::text
	 FROM unnest(certificates) WITH ORDINALITY AS t(der, i)),
	'[]');
ALTER TABLE identity_providers DROP COLUMN certificates;
ALTER TABLE identity_providers RENAME COLUMN certificates_json TO certificates;

CREATE TABLE user_roles (
	user_id  text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	position integer NOT NULL,
	role     text NOT NULL,
	PRIMARY KEY (user_id, position)
);
CREATE INDEX user_roles_role ON user_roles (role, user_id);
INSERT INTO user_roles (user_id, position, role)
	SELECT u.id, t.i - 1, t.role FROM users u, unnest(u.roles) WITH ORDINALITY AS t(role, i);

-- Not unique: two users may share an address, and a lookup then reports the
-- ambiguity.
CREATE TABLE user_emails (
	user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	position    integer NOT NULL,
	value_lower text NOT NULL,
	PRIMARY KEY (user_id, position)
);
CREATE INDEX user_emails_value_lower ON user_emails (value_lower, user_id);
INSERT INTO user_emails (user_id, position, value_lower)
	SELECT u.id, t.i - 1, t.v FROM users u, unnest(u.emails_lower) WITH ORDINALITY AS t(v, i);

DROP INDEX users_roles;
DROP INDEX users_emails_lower;
ALTER TABLE users DROP COLUMN emails_lower;
ALTER TABLE users
	ALTER COLUMN emails DROP DEFAULT,
	ALTER COLUMN emails TYPE text USING emails::text,
	ALTER COLUMN emails SET DEFAULT '[]',
	ALTER COLUMN roles DROP DEFAULT,
	ALTER COLUMN roles TYPE text USING array_to_json(roles)::text,
	ALTER COLUMN roles SET DEFAULT '[]';
