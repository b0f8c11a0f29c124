-- 0003: one schema for SQLite and PostgreSQL, so that one set of queries
-- serves both.
--
-- A user's roles are kept as a JSON array in users.roles, which is the record
-- (in order); user_roles stays the index that finds the holders of a role, as
-- user_emails is for users.emails. Case-insensitive unique names use lower(),
-- as the queries do (SQLite's lower() folds ASCII letters, as NOCASE did).

ALTER TABLE users ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';

UPDATE users SET roles = coalesce(
	(SELECT json_group_array(r.role ORDER BY r.position) FROM user_roles r WHERE r.user_id = users.id),
	'[]');

DROP INDEX users_user_name;
CREATE UNIQUE INDEX users_user_name ON users (lower(user_name));

DROP INDEX identity_providers_name;
CREATE UNIQUE INDEX identity_providers_name ON identity_providers (lower(name));
DROP INDEX identity_providers_provider_name;
CREATE UNIQUE INDEX identity_providers_provider_name ON identity_providers (lower(provider_name));
