-- 0006: client secrets in a table of their own, so that a client can have two
-- during a rotation, each with its creation time, expiry and last use.
--
-- A secret is deleted with its client. expires_at is the zero time
-- (0001-01-01 UTC) for a secret that works until it is revoked, last_used_at
-- the zero time until a use is recorded. A client's secret from before this
-- migration gets a new random ID and the client's creation time (its real one,
-- when an expired Technical User client was extended since, is not known), no
-- expiry and no recorded use.

CREATE TABLE client_secrets (
	id           text COLLATE "C" PRIMARY KEY,
	client_id    text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	hash         bytea NOT NULL,
	created_at   timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL,
	last_used_at timestamptz NOT NULL
);

CREATE INDEX client_secrets_client_id ON client_secrets (client_id, created_at);
CREATE INDEX client_secrets_expires_at ON client_secrets (expires_at);

INSERT INTO client_secrets (id, client_id, hash, created_at, expires_at, last_used_at)
	SELECT replace(gen_random_uuid()::text, '-', ''), id, secret_hash, created_at,
		'0001-01-01 00:00:00+00', '0001-01-01 00:00:00+00'
	FROM clients WHERE length(secret_hash) > 0;

ALTER TABLE clients DROP COLUMN secret_hash;
