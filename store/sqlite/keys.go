package sqlite

import (
	"context"
	"time"

	"github.com/appintegration/appintegration/store"
)

const keyColumns = `id, algorithm, private_key, created_at, sign_at, retire_at, expire_at`

// CreateSigningKey inserts k. It returns an error wrapping store.ErrConflict
// when k.ID is taken.
func (db *DB) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("create signing key", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO signing_keys (`+keyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Algorithm, k.PrivateKey, encodeTime(k.CreatedAt), encodeTime(k.SignAt),
		encodeTime(k.RetireAt), encodeTime(k.ExpireAt),
	); err != nil {
		return wrap("create signing key", err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("create signing key", err)
	}
	return nil
}

// CreateSigningKeyIfNoneCurrent creates k unless a current key of its algorithm
// exists; the immediate write transaction serialises concurrent callers. It
// returns whether k was created, or an error (ErrConflict for a taken ID).
func (db *DB) CreateSigningKeyIfNoneCurrent(ctx context.Context, k store.SigningKey) (bool, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, wrap("create signing key if none current", err)
	}
	defer tx.Rollback()
	var current bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM signing_keys WHERE algorithm = ? AND retire_at = ?)`,
		k.Algorithm, encodeTime(time.Time{})).Scan(&current); err != nil {
		return false, wrap("create signing key if none current", err)
	}
	if current {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO signing_keys (`+keyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Algorithm, k.PrivateKey, encodeTime(k.CreatedAt), encodeTime(k.SignAt),
		encodeTime(k.RetireAt), encodeTime(k.ExpireAt),
	); err != nil {
		return false, wrap("create signing key if none current", err)
	}
	if err := tx.Commit(); err != nil {
		return false, wrap("create signing key if none current", err)
	}
	return true, nil
}

// ListSigningKeys returns every signing key, oldest first, or an error.
func (db *DB) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := db.db.QueryContext(ctx,
		`SELECT `+keyColumns+` FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	defer rows.Close()
	var list []store.SigningKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, wrap("list signing keys", err)
		}
		list = append(list, k)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list signing keys", err)
	}
	return list, nil
}

// UpdateSigningKey reads the key, applies fn and saves its result, in one write
// transaction, and returns the key as saved. The ID and CreatedAt of the old
// record are kept whatever fn returns. An error from fn is returned as is and
// nothing is written; a missing key is an error wrapping store.ErrNotFound.
func (db *DB) UpdateSigningKey(ctx context.Context, id string, fn func(store.SigningKey) (store.SigningKey, error)) (store.SigningKey, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.SigningKey{}, wrap("update signing key", err)
	}
	defer tx.Rollback()
	old, err := getKey(ctx, tx, id)
	if err != nil {
		return store.SigningKey{}, wrap("update signing key", err)
	}
	k, err := fn(old)
	if err != nil {
		return store.SigningKey{}, err
	}
	k.ID, k.CreatedAt = old.ID, old.CreatedAt
	res, err := tx.ExecContext(ctx, `UPDATE signing_keys SET algorithm = ?,
		private_key = ?, sign_at = ?, retire_at = ?, expire_at = ? WHERE id = ?`,
		k.Algorithm, k.PrivateKey, encodeTime(k.SignAt), encodeTime(k.RetireAt),
		encodeTime(k.ExpireAt), k.ID)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return store.SigningKey{}, wrap("update signing key", err)
	}
	saved, err := getKey(ctx, tx, id)
	if err != nil {
		return store.SigningKey{}, wrap("update signing key", err)
	}
	if err := tx.Commit(); err != nil {
		return store.SigningKey{}, wrap("update signing key", err)
	}
	return saved, nil
}

// DeleteSigningKey deletes the key with the given ID. It returns an error
// wrapping store.ErrNotFound when there is none.
func (db *DB) DeleteSigningKey(ctx context.Context, id string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("delete signing key", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM signing_keys WHERE id = ?`, id)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return wrap("delete signing key", err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("delete signing key", err)
	}
	return nil
}

func getKey(ctx context.Context, q querier, id string) (store.SigningKey, error) {
	return scanKey(q.QueryRowContext(ctx,
		`SELECT `+keyColumns+` FROM signing_keys WHERE id = ?`, id))
}

func scanKey(s scanner) (store.SigningKey, error) {
	var (
		k                                 store.SigningKey
		created, signAt, retire, expireAt int64
	)
	if err := s.Scan(&k.ID, &k.Algorithm, &k.PrivateKey,
		&created, &signAt, &retire, &expireAt); err != nil {
		return store.SigningKey{}, err
	}
	k.PrivateKey = nilIfEmpty(k.PrivateKey)
	k.CreatedAt, k.SignAt = decodeTime(created), decodeTime(signAt)
	k.RetireAt, k.ExpireAt = decodeTime(retire), decodeTime(expireAt)
	return k, nil
}
