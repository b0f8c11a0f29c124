package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO auth_codes (`+authCodeColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.ID, c.ClientID, c.UserID, c.RedirectURI, c.Scope, c.CodeChallenge,
			c.FamilyID, encodeTime(c.CreatedAt), encodeTime(c.ExpiresAt), encodeTime(c.UsedAt))
		return err
	})
	if err != nil {
		return wrap("create auth code", err)
	}
	return nil
}

// UseAuthCode marks the code with the given ID used at now, in one
// transaction, and returns it as saved. A code used before is left as it was
// and returned together with an error wrapping store.ErrConflict; an unknown
// code gives an error wrapping store.ErrNotFound, a zero now a plain error.
// Expiry is the caller's to check.
func (db *DB) UseAuthCode(ctx context.Context, id, clientID string, now time.Time) (store.AuthCode, error) {
	var c store.AuthCode
	err := db.use(ctx, "auth_codes", id, clientID, now, func(q querier) (err error) {
		c, err = scanAuthCode(q.QueryRow(ctx,
			`SELECT `+authCodeColumns+` FROM auth_codes WHERE id = $1 AND client_id = $2`, id, clientID))
		return err
	})
	if err != nil {
		return c, wrap("use auth code", err)
	}
	return c, nil
}

// CreateRefreshToken inserts t. It returns an error wrapping
// store.ErrConflict when t.ID is taken.
func (db *DB) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO refresh_tokens (`+refreshTokenColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			t.ID, t.FamilyID, t.ClientID, t.UserID, t.Scope,
			encodeTime(t.CreatedAt), encodeTime(t.ExpiresAt), encodeTime(t.UsedAt))
		return err
	})
	if err != nil {
		return wrap("create refresh token", err)
	}
	return nil
}

// UseRefreshToken marks the token with the given ID used at now, in one
// transaction, and returns it as saved. A token used before is left as it was
// and returned together with an error wrapping store.ErrConflict; an unknown
// token gives an error wrapping store.ErrNotFound, a zero now a plain error.
// Expiry is the caller's to check.
func (db *DB) UseRefreshToken(ctx context.Context, id, clientID string, now time.Time) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := db.use(ctx, "refresh_tokens", id, clientID, now, func(q querier) (err error) {
		t, err = scanRefreshToken(q.QueryRow(ctx,
			`SELECT `+refreshTokenColumns+` FROM refresh_tokens WHERE id = $1 AND client_id = $2`, id, clientID))
		return err
	})
	if err != nil {
		return t, wrap("use refresh token", err)
	}
	return t, nil
}

// use sets used_at of row id of table (a constant, never input), issued to
// clientID, to now unless
// it is set already, then calls read to load the row, all in one transaction.
// The conditional UPDATE is what makes a code single use: of concurrent
// callers, in any number of processes, exactly one changes the row (the others
// wait for its row lock and then find used_at set). It returns pgx.ErrNoRows
// (from read) for a missing row and store.ErrConflict after a successful read
// of a row used before.
func (db *DB) use(ctx context.Context, table, id, clientID string, now time.Time, read func(querier) error) error {
	if now.IsZero() {
		return errZeroNow
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE `+table+` SET used_at = $1
			WHERE id = $2 AND client_id = $3 AND used_at = $4`, encodeTime(now), id, clientID, zeroTime)
		if err != nil {
			return err
		}
		if err := read(tx); err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: used before", store.ErrConflict)
		}
		return nil
	})
}

// UseAssertionID records the SAML assertion ID id of issuer until expiresAt.
// It returns an error wrapping store.ErrConflict when the pair is recorded
// already (a replay, RFC 7522 §3 item 8), or the driver's error.
func (db *DB) UseAssertionID(ctx context.Context, issuer, id string, expiresAt time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx,
			`INSERT INTO used_assertions (issuer, id, expires_at) VALUES ($1, $2, $3)`,
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
	err := db.pool.QueryRow(ctx,
		`SELECT EXISTS (SELECT 1 FROM used_assertions WHERE issuer = $1 AND id = $2)`, issuer, id).Scan(&used)
	if err != nil {
		return false, wrap("assertion ID used", err)
	}
	return used, nil
}

// PruneExpired deletes, in one transaction, the revocations, authorization
// codes, refresh tokens and used assertion IDs that expired before now (a
// record expiring at now is kept). It returns the driver's error, if any.
func (db *DB) PruneExpired(ctx context.Context, now time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		for _, table := range []string{"revocations", "auth_codes", "refresh_tokens", "used_assertions"} {
			if _, err := tx.Exec(ctx,
				`DELETE FROM `+table+` WHERE expires_at < $1`, encodeTime(now)); err != nil {
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

func scanAuthCode(row pgx.Row) (store.AuthCode, error) {
	var (
		c                      store.AuthCode
		created, expires, used time.Time
	)
	if err := row.Scan(&c.ID, &c.ClientID, &c.UserID, &c.RedirectURI, &c.Scope,
		&c.CodeChallenge, &c.FamilyID, &created, &expires, &used); err != nil {
		return store.AuthCode{}, err
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt = decodeTime(created), decodeTime(expires), decodeTime(used)
	return c, nil
}

func scanRefreshToken(row pgx.Row) (store.RefreshToken, error) {
	var (
		t                      store.RefreshToken
		created, expires, used time.Time
	)
	if err := row.Scan(&t.ID, &t.FamilyID, &t.ClientID, &t.UserID, &t.Scope,
		&created, &expires, &used); err != nil {
		return store.RefreshToken{}, err
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = decodeTime(created), decodeTime(expires), decodeTime(used)
	return t, nil
}
