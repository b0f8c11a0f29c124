-- 0006: client secrets in a table of their own, so that a client can have two
-- during a rotation, each with its creation time, expiry and last use.
--
-- A secret is deleted with its client. expires_at is the zero time for a
-- secret that works until it is revoked, last_used_at the zero time until a
-- use is recorded. A client's secret from before this migration gets a new
-- random ID and the client's creation time (its real one, when an expired
-- Technical User client was extended since, is not known), no expiry and no
-- recorded use.

CREATE TABLE client_secrets (
	id           TEXT PRIMARY KEY,
	client_id    TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	hash         BLOB NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL
);

CREATE INDEX client_secrets_client_id ON client_secrets (client_id, created_at);
CREATE INDEX client_secrets_expires_at ON client_secrets (expires_at);

INSERT INTO client_secrets (id, client_id, hash, created_at, expires_at, last_used_at)
	SELECT lower(hex(randomblob(16))), id, secret_hash, created_at, -62135596800000000, -62135596800000000
	FROM clients WHERE length(secret_hash) > 0;

ALTER TABLE clients DROP COLUMN secret_hash;
