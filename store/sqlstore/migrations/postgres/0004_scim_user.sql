-- 0004: every attribute of the SCIM core User (RFC 7643 §4.1) and of the
-- enterprise extension (§4.3), and what SCIM filters, sorting and the
-- console's search need to be answered from indexes at any number of users.
--
-- The text columns that queries compare and sort use the "C" collation, so
-- that they order byte by byte and lower() folds A-Z only, as in SQLite; ids
-- keep the database's collation, so that their comparisons use the primary
-- key.
-- user_values holds the values of the multi-valued attributes (emails,
-- phoneNumbers, ims, photos, entitlements: attr is the attribute's name) and
-- a copy of the single-valued attributes searched by substring: userName,
-- displayName and fullName, the given and family names joined by a space
-- (what the console searches); it replaces
-- user_emails. A pg_trgm index on it answers co and ew filters, when the
-- extension is installed (or can be: the database owner may install it).
--
-- Sort indexes start with CAST((column = '') AS INTEGER), so that users without a value come
-- last, and end with lower(user_name), the order of ties.

ALTER TABLE users
	ALTER COLUMN user_name TYPE text COLLATE "C",
	ALTER COLUMN given_name TYPE text COLLATE "C",
	ALTER COLUMN family_name TYPE text COLLATE "C",
	ALTER COLUMN display_name TYPE text COLLATE "C",
	ALTER COLUMN preferred_language TYPE text COLLATE "C",
	ALTER COLUMN external_id TYPE text COLLATE "C",
	ALTER COLUMN idp_user_id TYPE text COLLATE "C",
	ALTER COLUMN client_id TYPE text COLLATE "C",
	ADD COLUMN middle_name text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN honorific_prefix text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN honorific_suffix text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN formatted_name text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN nick_name text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN profile_url text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN title text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN user_type text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN locale text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN timezone text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN phone_numbers text NOT NULL DEFAULT '[]',
	ADD COLUMN ims text NOT NULL DEFAULT '[]',
	ADD COLUMN photos text NOT NULL DEFAULT '[]',
	ADD COLUMN entitlements text NOT NULL DEFAULT '[]',
	ADD COLUMN x509_certificates text NOT NULL DEFAULT '[]',
	ADD COLUMN addresses text NOT NULL DEFAULT '[]',
	ADD COLUMN employee_number text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN cost_center text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN organization text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN division text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN department text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN manager_id text NOT NULL DEFAULT ''; -- an id, like users.id (which it is compared with)

ALTER TABLE user_roles ALTER COLUMN role TYPE text COLLATE "C";

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
	rid         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	attr        text COLLATE "C" NOT NULL,
	position    integer NOT NULL,
	value       text COLLATE "C" NOT NULL,
	value_lower text COLLATE "C" NOT NULL,
	type        text COLLATE "C" NOT NULL DEFAULT '',
	display     text COLLATE "C" NOT NULL DEFAULT '',
	is_primary  boolean NOT NULL DEFAULT false,
	UNIQUE (user_id, attr, position)
);

CREATE INDEX user_values_lookup ON user_values (attr, value_lower, user_id);

DO $$
DECLARE
	trgm text;
BEGIN
	SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname = 'pg_trgm';
	IF trgm IS NULL THEN
		BEGIN
			CREATE EXTENSION pg_trgm;
			SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
				WHERE e.extname = 'pg_trgm';
		EXCEPTION WHEN OTHERS THEN
			RAISE NOTICE 'pg_trgm cannot be installed (%): co and ew filters will scan', SQLERRM;
		END;
	END IF;
	IF trgm IS NOT NULL THEN
		EXECUTE format('CREATE INDEX user_values_trigram ON user_values USING gin (value_lower %I.gin_trgm_ops)', trgm);
	END IF;
END $$;

INSERT INTO user_values (user_id, attr, position, value, value_lower, type, is_primary)
	SELECT u.id, 'emails', e.i - 1, coalesce(e.v->>'value', ''), lower(coalesce(e.v->>'value', '') COLLATE "C"),
		coalesce(e.v->>'type', ''), coalesce((e.v->>'primary')::boolean, false)
	FROM users u, json_array_elements(u.emails::json) WITH ORDINALITY AS e(v, i);

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
	shard integer PRIMARY KEY,
	n     bigint NOT NULL
);

INSERT INTO user_counts (shard, n) SELECT 0, count(*) FROM users;
