package sqlstore

import (
	"context"
	"time"

	"github.com/appintegration/appintegration/store"
)

const keyColumns = `id, algorithm, private_key, created_at, sign_at, retire_at, expire_at`

// CreateSigningKey inserts k. It returns an error wrapping store.ErrConflict
// when k.ID is taken.
func (db *DB) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	return db.write(ctx, "create signing key", func(tx querier) error { return insertKey(ctx, tx, k) })
}

// CreateSigningKeyIfNoneCurrent creates k unless a current (not retired) key
// of its algorithm exists; the dialect's lock serialises concurrent callers,
// also in other processes. It returns whether k was created, or an error
// (wrapping store.ErrConflict for a taken ID).
func (db *DB) CreateSigningKeyIfNoneCurrent(ctx context.Context, k store.SigningKey) (bool, error) {
	return db.createUnless(ctx, db.write, "create signing key if none current", lockSigningKey, k.Algorithm,
		`SELECT EXISTS (SELECT 1 FROM signing_keys WHERE algorithm = $1 AND retire_at = $2)`,
		[]any{k.Algorithm, ts(time.Time{})}, func(tx querier) error { return insertKey(ctx, tx, k) })
}

// ListSigningKeys returns every signing key, oldest first, or an error.
func (db *DB) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	list, err := queryList(ctx, db.q, scanKey, `SELECT `+keyColumns+` FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, db.wrap("list signing keys", err)
	}
	return list, nil
}

// UpdateSigningKey reads (and locks) the key, applies fn and saves its
// result, in one transaction, and returns the key as saved. The ID and
// CreatedAt of the old record are kept whatever fn returns. An error from fn
// is returned as is and nothing is written; a missing key is an error
// wrapping store.ErrNotFound.
func (db *DB) UpdateSigningKey(ctx context.Context, id string, fn func(store.SigningKey) (store.SigningKey, error)) (store.SigningKey, error) {
	return update(ctx, db.write, db, "update signing key",
		func(q querier, lock string) (store.SigningKey, error) { return getKey(ctx, q, id, lock) },
		fn,
		func(old store.SigningKey, k *store.SigningKey) { k.ID, k.CreatedAt = old.ID, old.CreatedAt },
		func(tx querier, k store.SigningKey) error {
			return mustAffect(tx.ExecContext(ctx, `UPDATE signing_keys SET algorithm = $1,
				private_key = $2, sign_at = $3, retire_at = $4, expire_at = $5 WHERE id = $6`,
				k.Algorithm, k.PrivateKey, ts(k.SignAt), ts(k.RetireAt), ts(k.ExpireAt), k.ID))
		})
}

// DeleteSigningKey deletes the key with the given ID. It returns an error
// wrapping store.ErrNotFound when there is none.
func (db *DB) DeleteSigningKey(ctx context.Context, id string) error {
	return db.write(ctx, "delete signing key", func(tx querier) error {
		return mustAffect(tx.ExecContext(ctx, `DELETE FROM signing_keys WHERE id = $1`, id))
	})
}

func insertKey(ctx context.Context, q querier, k store.SigningKey) error {
	_, err := q.ExecContext(ctx, `INSERT INTO signing_keys (`+keyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.ID, k.Algorithm, k.PrivateKey, ts(k.CreatedAt), ts(k.SignAt), ts(k.RetireAt), ts(k.ExpireAt))
	return err
}

// getKey reads one key; lock is "" or the dialect's forUpdate.
func getKey(ctx context.Context, q querier, id, lock string) (store.SigningKey, error) {
	return scanKey(q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM signing_keys WHERE id = $1`+lock, id))
}

func scanKey(s scanner) (store.SigningKey, error) {
	var k store.SigningKey
	if err := s.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, timeCol{&k.CreatedAt},
		timeCol{&k.SignAt}, timeCol{&k.RetireAt}, timeCol{&k.ExpireAt}); err != nil {
		return store.SigningKey{}, err
	}
	k.PrivateKey = nilIfEmpty(k.PrivateKey)
	return k, nil
}
