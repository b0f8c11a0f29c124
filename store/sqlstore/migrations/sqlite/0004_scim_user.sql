-- 0004: every attribute of the SCIM core User (RFC 7643 §4.1) and of the
-- enterprise extension (§4.3), and what SCIM filters, sorting and the
-- console's search need to be answered from indexes at any number of users.
--
-- user_values holds the values of the multi-valued attributes (emails,
-- phoneNumbers, ims, photos, entitlements: attr is the attribute's name) and
-- a copy of the single-valued attributes searched by substring: userName,
-- displayName and fullName, the given and family names joined by a space
-- (what the console searches). value_lower
-- is value with A-Z lower-cased, as SQL lower() does. It replaces
-- user_emails. user_search is a trigram index of those values for co and ew
-- filters (external content: triggers keep it in step with user_values).
--
-- Sort indexes start with CAST((column = '') AS INTEGER), so that users without a value come
-- last, and end with lower(user_name), the order of ties.

ALTER TABLE users ADD COLUMN middle_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN honorific_prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN honorific_suffix TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN formatted_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN nick_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN profile_url TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN user_type TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone_numbers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN ims TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN entitlements TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN x509_certificates TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN addresses TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN employee_number TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN cost_center TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN organization TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN division TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN manager_id TEXT NOT NULL DEFAULT '';

CREATE INDEX users_external_id ON users (external_id) WHERE external_id <> '';
CREATE INDEX users_display_name ON users (CAST((display_name = '') AS INTEGER), lower(display_name), lower(user_name));
CREATE INDEX users_family_name ON users (CAST((family_name = '') AS INTEGER), lower(family_name), lower(user_name));
CREATE INDEX users_given_name ON users (CAST((given_name = '') AS INTEGER), lower(given_name), lower(user_name));
CREATE INDEX users_active ON users (active, lower(user_name));
CREATE INDEX users_updated_at ON users (updated_at, lower(user_name));
CREATE INDEX users_created_at ON users (created_at, lower(user_name));
-- Filters on roles (and on Groups' members) compare lower(role).
DROP INDEX user_roles_role;
CREATE INDEX user_roles_role ON user_roles (lower(role), user_id);
CREATE INDEX users_manager_id ON users (manager_id) WHERE manager_id <> '';

CREATE TABLE user_values (
	rid         INTEGER PRIMARY KEY,
	user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	attr        TEXT NOT NULL,
	position    INTEGER NOT NULL,
	value       TEXT NOT NULL,
	value_lower TEXT NOT NULL,
	type        TEXT NOT NULL DEFAULT '',
	display     TEXT NOT NULL DEFAULT '',
	is_primary  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (user_id, attr, position)
);

CREATE INDEX user_values_lookup ON user_values (attr, value_lower, user_id);

CREATE VIRTUAL TABLE user_search USING fts5 (
	value, content = 'user_values', content_rowid = 'rid', tokenize = 'trigram');

-- The triggers queue the changes of user_values, and a transaction that
-- changed users applies the queue to user_search in one statement before it
-- commits: FTS5 writes what it holds to disk at every savepoint, which a
-- bulk request's transaction takes for each of its writes.
CREATE TABLE user_search_pending (
	seq     INTEGER PRIMARY KEY,
	rid     INTEGER NOT NULL,
	value   TEXT NOT NULL,
	deleted INTEGER NOT NULL
);

CREATE TRIGGER user_values_insert AFTER INSERT ON user_values BEGIN
	INSERT INTO user_search_pending (rid, value, deleted) VALUES (new.rid, new.value, 0);
END;

CREATE TRIGGER user_values_delete AFTER DELETE ON user_values BEGIN
	INSERT INTO user_search_pending (rid, value, deleted) VALUES (old.rid, old.value, 1);
END;

INSERT INTO user_values (user_id, attr, position, value, value_lower, type, is_primary)
	SELECT u.id, 'emails', CAST(e.key AS INTEGER),
		coalesce(json_extract(e.value, '$.value'), ''), lower(coalesce(json_extract(e.value, '$.value'), '')),
		coalesce(json_extract(e.value, '$.type'), ''), coalesce(json_extract(e.value, '$.primary'), 0)
	FROM users u, json_each(u.emails) e;

INSERT INTO user_values (user_id, attr, position, value, value_lower)
	SELECT id, 'userName', 0, user_name, lower(user_name) FROM users;
INSERT INTO user_values (user_id, attr, position, value, value_lower)
	SELECT id, 'fullName', 0, trim(given_name || ' ' || family_name), lower(trim(given_name || ' ' || family_name))
	FROM users WHERE trim(given_name || ' ' || family_name) <> '';
INSERT INTO user_values (user_id, attr, position, value, value_lower)
	SELECT id, 'displayName', 0, display_name, lower(display_name) FROM users WHERE display_name <> '';

DROP TABLE user_emails;

-- The number of users, for the total of an unfiltered list: count(*) reads
-- every row. Shards spread the writes of concurrent creators.
CREATE TABLE user_counts (
	shard INTEGER PRIMARY KEY,
	n     INTEGER NOT NULL
);

INSERT INTO user_counts (shard, n) SELECT 0, count(*) FROM users;

INSERT INTO user_search (user_search, rowid, value)
	SELECT CASE WHEN deleted THEN 'delete' END, rid, value FROM user_search_pending ORDER BY seq;
DELETE FROM user_search_pending;
