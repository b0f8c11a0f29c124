package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/appintegration/appintegration/store"
)

const keyColumns = `id, algorithm, private_key, created_at, sign_at, retire_at, expire_at`

// CreateSigningKey inserts k. It returns an error wrapping store.ErrConflict
// when k.ID is taken.
func (db *DB) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO signing_keys (`+keyColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			k.ID, k.Algorithm, k.PrivateKey, encodeTime(k.CreatedAt), encodeTime(k.SignAt),
			encodeTime(k.RetireAt), encodeTime(k.ExpireAt))
		return err
	})
	if err != nil {
		return wrap("create signing key", err)
	}
	return nil
}

// CreateSigningKeyIfNoneCurrent creates k unless a current key of its algorithm
// exists, under an advisory lock so that instances starting together create one
// key. It returns whether k was created, or an error (ErrConflict for a taken ID).
func (db *DB) CreateSigningKeyIfNoneCurrent(ctx context.Context, k store.SigningKey) (bool, error) {
	created := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockSigningKey, k.Algorithm); err != nil {
			return err
		}
		var current bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM signing_keys WHERE algorithm = $1 AND retire_at = $2)`,
			k.Algorithm, encodeTime(time.Time{})).Scan(&current); err != nil {
			return err
		}
		if current {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO signing_keys (`+keyColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			k.ID, k.Algorithm, k.PrivateKey, encodeTime(k.CreatedAt), encodeTime(k.SignAt),
			encodeTime(k.RetireAt), encodeTime(k.ExpireAt)); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return false, wrap("create signing key if none current", err)
	}
	return created, nil
}

// ListSigningKeys returns every signing key, oldest first, or an error.
func (db *DB) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := db.pool.Query(ctx,
		`SELECT `+keyColumns+` FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	list, err := collect(rows, scanKey)
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	return list, nil
}

// UpdateSigningKey locks the key (SELECT … FOR UPDATE), applies fn and saves
// its result, in one transaction, and returns the key as saved. The ID and
// CreatedAt of the old record are kept whatever fn returns. An error from fn is
// returned as is and nothing is written; a missing key is an error wrapping
// store.ErrNotFound.
func (db *DB) UpdateSigningKey(ctx context.Context, id string, fn func(store.SigningKey) (store.SigningKey, error)) (store.SigningKey, error) {
	var saved store.SigningKey
	var fnErr error
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := scanKey(tx.QueryRow(ctx,
			`SELECT `+keyColumns+` FROM signing_keys WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		k, err := fn(old)
		if err != nil {
			fnErr = err
			return err
		}
		saved, err = scanKey(tx.QueryRow(ctx, `UPDATE signing_keys SET algorithm = $1,
			private_key = $2, sign_at = $3, retire_at = $4, expire_at = $5 WHERE id = $6
			RETURNING `+keyColumns,
			k.Algorithm, k.PrivateKey, encodeTime(k.SignAt), encodeTime(k.RetireAt),
			encodeTime(k.ExpireAt), old.ID))
		return err
	})
	if fnErr != nil {
		return store.SigningKey{}, fnErr
	}
	if err != nil {
		return store.SigningKey{}, wrap("update signing key", err)
	}
	return saved, nil
}

// DeleteSigningKey deletes the key with the given ID. It returns an error
// wrapping store.ErrNotFound when there is none.
func (db *DB) DeleteSigningKey(ctx context.Context, id string) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM signing_keys WHERE id = $1`, id)
		if err != nil {
			return err
		}
		return mustAffect(tag)
	})
	if err != nil {
		return wrap("delete signing key", err)
	}
	return nil
}

func scanKey(row pgx.Row) (store.SigningKey, error) {
	var (
		k                                 store.SigningKey
		created, signAt, retire, expireAt time.Time
	)
	if err := row.Scan(&k.ID, &k.Algorithm, &k.PrivateKey,
		&created, &signAt, &retire, &expireAt); err != nil {
		return store.SigningKey{}, err
	}
	k.PrivateKey = nilIfEmpty(k.PrivateKey)
	k.CreatedAt, k.SignAt = decodeTime(created), decodeTime(signAt)
	k.RetireAt, k.ExpireAt = decodeTime(retire), decodeTime(expireAt)
	return k, nil
}
