package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/appintegration/appintegration/store"
)

const authCodeColumns = `id, client_id, user_id, redirect_uri, scope, code_challenge,
	family_id, created_at, expires_at, used_at`

const refreshTokenColumns = `id, family_id, client_id, user_id, scope, created_at,
	expires_at, used_at`

// errZeroNow refuses a zero use time: stored, it would read as "not used yet"
// and leave a code or token redeemable again.
var errZeroNow = errors.New("use time is the zero time")

// CreateAuthCode inserts c. It returns an error wrapping store.ErrConflict
// when c.ID is taken.
func (db *DB) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	err := db.inTx(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO auth_codes (`+authCodeColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.ClientID, c.UserID, c.RedirectURI, c.Scope, c.CodeChallenge,
			c.FamilyID, encodeTime(c.CreatedAt), encodeTime(c.ExpiresAt), encodeTime(c.UsedAt))
		return err
	})
	if err != nil {
		return wrap("create auth code", err)
	}
	return nil
}

// UseAuthCode marks the code with the given ID used at now, in one write
// transaction, and returns it as saved. A code used before is left as it was
// and returned together with an error wrapping store.ErrConflict; an unknown
// code gives an error wrapping store.ErrNotFound, a zero now a plain error.
// Expiry is the caller's to check.
func (db *DB) UseAuthCode(ctx context.Context, id, clientID string, now time.Time) (store.AuthCode, error) {
	var c store.AuthCode
	err := db.use(ctx, "auth_codes", id, clientID, now, func(q querier) (err error) {
		c, err = scanAuthCode(q.QueryRowContext(ctx,
			`SELECT `+authCodeColumns+` FROM auth_codes WHERE id = ? AND client_id = ?`, id, clientID))
		return err
	})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return store.AuthCode{}, wrap("use auth code", err)
	}
	if err != nil {
		return c, wrap("use auth code", err)
	}
	return c, nil
}

// CreateRefreshToken inserts t. It returns an error wrapping
// store.ErrConflict when t.ID is taken.
func (db *DB) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	err := db.inTx(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO refresh_tokens (`+refreshTokenColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.FamilyID, t.ClientID, t.UserID, t.Scope,
			encodeTime(t.CreatedAt), encodeTime(t.ExpiresAt), encodeTime(t.UsedAt))
		return err
	})
	if err != nil {
		return wrap("create refresh token", err)
	}
	return nil
}

// UseRefreshToken marks the token with the given ID used at now, in one write
// transaction, and returns it as saved. A token used before is left as it was
// and returned together with an error wrapping store.ErrConflict; an unknown
// token gives an error wrapping store.ErrNotFound, a zero now a plain error.
// Expiry is the caller's to check.
func (db *DB) UseRefreshToken(ctx context.Context, id, clientID string, now time.Time) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := db.use(ctx, "refresh_tokens", id, clientID, now, func(q querier) (err error) {
		t, err = scanRefreshToken(q.QueryRowContext(ctx,
			`SELECT `+refreshTokenColumns+` FROM refresh_tokens WHERE id = ? AND client_id = ?`, id, clientID))
		return err
	})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return store.RefreshToken{}, wrap("use refresh token", err)
	}
	if err != nil {
		return t, wrap("use refresh token", err)
	}
	return t, nil
}

// use sets used_at of row id of table (a constant, never input), issued to
// clientID, to now unless
// it is set already, then calls read to load the row, all in one write
// transaction. The conditional UPDATE is what makes a code single use: of
// concurrent callers exactly one changes the row. It returns sql.ErrNoRows
// (from read) for a missing row and store.ErrConflict after a successful read
// of a row used before.
func (db *DB) use(ctx context.Context, table, id, clientID string, now time.Time, read func(querier) error) error {
	if now.IsZero() {
		return errZeroNow
	}
	return db.inTx(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE `+table+` SET used_at = ?
			WHERE id = ? AND client_id = ? AND used_at = ?`, encodeTime(now), id, clientID, zeroMicros)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if err := read(q); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: used before", store.ErrConflict)
		}
		return nil
	})
}

// UseAssertionID records the SAML assertion ID id of issuer until expiresAt.
// It returns an error wrapping store.ErrConflict when the pair is recorded
// already (a replay, RFC 7522 §3 item 8), or the driver's error.
func (db *DB) UseAssertionID(ctx context.Context, issuer, id string, expiresAt time.Time) error {
	err := db.inTx(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx,
			`INSERT INTO used_assertions (issuer, id, expires_at) VALUES (?, ?, ?)`,
			issuer, id, encodeTime(expiresAt))
		return err
	})
	if err != nil {
		return wrap("use assertion ID", err)
	}
	return nil
}

// AssertionIDUsed reports whether issuer's assertion ID id is recorded, or
// returns the driver's error.
func (db *DB) AssertionIDUsed(ctx context.Context, issuer, id string) (bool, error) {
	var used bool
	err := db.db.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM used_assertions WHERE issuer = ? AND id = ?)`, issuer, id).Scan(&used)
	if err != nil {
		return false, wrap("assertion ID used", err)
	}
	return used, nil
}

// PruneExpired deletes, in one write transaction, the revocations,
// authorization codes, refresh tokens and used assertion IDs that expired
// before now (a record expiring at now is kept). It returns the driver's
// error, if any.
func (db *DB) PruneExpired(ctx context.Context, now time.Time) error {
	err := db.inTx(ctx, func(q querier) error {
		for _, table := range []string{"revocations", "auth_codes", "refresh_tokens", "used_assertions"} {
			if _, err := q.ExecContext(ctx,
				`DELETE FROM `+table+` WHERE expires_at < ?`, encodeTime(now)); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return nil
	})
	if err != nil {
		return wrap("prune expired", err)
	}
	return nil
}

// inTx runs fn in a write transaction and commits it when fn returns nil.
// It returns fn's error or the driver's, unwrapped.
func (db *DB) inTx(ctx context.Context, fn func(q querier) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func scanAuthCode(s scanner) (store.AuthCode, error) {
	var (
		c                      store.AuthCode
		created, expires, used int64
	)
	if err := s.Scan(&c.ID, &c.ClientID, &c.UserID, &c.RedirectURI, &c.Scope,
		&c.CodeChallenge, &c.FamilyID, &created, &expires, &used); err != nil {
		return store.AuthCode{}, err
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt = decodeTime(created), decodeTime(expires), decodeTime(used)
	return c, nil
}

func scanRefreshToken(s scanner) (store.RefreshToken, error) {
	var (
		t                      store.RefreshToken
		created, expires, used int64
	)
	if err := s.Scan(&t.ID, &t.FamilyID, &t.ClientID, &t.UserID, &t.Scope,
		&created, &expires, &used); err != nil {
		return store.RefreshToken{}, err
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = decodeTime(created), decodeTime(expires), decodeTime(used)
	return t, nil
}
