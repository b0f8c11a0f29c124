package sqlstore

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

// RevokeToken records r. Revoking a token that is revoked already changes
// nothing and is not an error. It returns the driver's error, if any.
func (db *DB) RevokeToken(ctx context.Context, r store.Revocation) error {
	return db.write(ctx, "revoke token", func(tx querier) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO revocations (token_id, client_id, expires_at)
			VALUES ($1, $2, $3) ON CONFLICT (token_id) DO NOTHING`, r.TokenID, r.ClientID, ts(r.ExpiresAt))
		return err
	})
}

// IsRevoked reports whether the token with the given ID (a jti or a family
// ID) is revoked, or returns the driver's error.
func (db *DB) IsRevoked(ctx context.Context, tokenID string) (bool, error) {
	return db.exists(ctx, "is revoked", `SELECT EXISTS (SELECT 1 FROM revocations WHERE token_id = $1)`, tokenID)
}

// exists runs a SELECT EXISTS query for the store operation op.
func (db *DB) exists(ctx context.Context, op, query string, args ...any) (bool, error) {
	var found bool
	if err := db.q.QueryRowContext(ctx, query, args...).Scan(&found); err != nil {
		return false, db.wrap(op, err)
	}
	return found, nil
}

// CreateAuthCode inserts c. It returns an error wrapping store.ErrConflict
// when c.ID is taken.
func (db *DB) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	return db.write(ctx, "create auth code", func(tx querier) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_codes (`+authCodeColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.ID, c.ClientID, c.UserID, c.RedirectURI, c.Scope, c.CodeChallenge,
			c.FamilyID, ts(c.CreatedAt), ts(c.ExpiresAt), ts(c.UsedAt))
		return err
	})
}

// UseAuthCode marks the code with the given ID, issued to clientID, used at
// now, in one transaction, and returns it as saved. A code used before is left
// as it was and returned together with an error wrapping store.ErrConflict;
// an unknown code (or one of another client) gives the zero AuthCode and an
// error wrapping store.ErrNotFound, a zero now a plain error. Expiry is the
// caller's to check.
func (db *DB) UseAuthCode(ctx context.Context, id, clientID string, now time.Time) (store.AuthCode, error) {
	return use(ctx, db, "use auth code", "auth_codes", authCodeColumns, scanAuthCode, id, clientID, now)
}

// CreateRefreshToken inserts t. It returns an error wrapping
// store.ErrConflict when t.ID is taken.
func (db *DB) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	return db.write(ctx, "create refresh token", func(tx querier) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (`+refreshTokenColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			t.ID, t.FamilyID, t.ClientID, t.UserID, t.Scope, ts(t.CreatedAt), ts(t.ExpiresAt), ts(t.UsedAt))
		return err
	})
}

// UseRefreshToken is UseAuthCode for refresh tokens.
func (db *DB) UseRefreshToken(ctx context.Context, id, clientID string, now time.Time) (store.RefreshToken, error) {
	return use(ctx, db, "use refresh token", "refresh_tokens", refreshTokenColumns, scanRefreshToken, id, clientID, now)
}

// use sets used_at of row id of table (a constant, never input), issued to
// clientID, to now unless it is set already, and reads the row, all in one
// transaction. The conditional UPDATE is what makes a code single use: of
// concurrent callers, in any number of processes, exactly one changes the row
// (the others wait for its lock and then find used_at set). A missing row is
// the zero record and an error wrapping store.ErrNotFound; a row used before
// is returned with an error wrapping store.ErrConflict.
func use[T any](ctx context.Context, db *DB, op, table, columns string, scan func(scanner) (T, error),
	id, clientID string, now time.Time) (T, error) {
	var rec, zero T
	if now.IsZero() {
		return zero, db.wrap(op, errZeroNow)
	}
	err := db.write(ctx, op, func(tx querier) error {
		res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET used_at = $1
			WHERE id = $2 AND client_id = $3 AND used_at = $4`, ts(now), id, clientID, ts(time.Time{}))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if rec, err = scan(tx.QueryRowContext(ctx,
			`SELECT `+columns+` FROM `+table+` WHERE id = $1 AND client_id = $2`, id, clientID)); err != nil {
			return err
		}
		if n == 0 {
			// Commits nothing: the UPDATE changed no row.
			return fmt.Errorf("%w: used before", store.ErrConflict)
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		return rec, err
	case err != nil:
		return zero, err
	}
	return rec, nil
}

// UseAssertionID records the SAML assertion ID id of issuer until expiresAt.
// It returns an error wrapping store.ErrConflict when the pair is recorded
// already (a replay, RFC 7522 §3 item 8), or the driver's error.
func (db *DB) UseAssertionID(ctx context.Context, issuer, id string, expiresAt time.Time) error {
	return db.write(ctx, "use assertion ID", func(tx querier) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO used_assertions (issuer, id, expires_at)
			VALUES ($1, $2, $3)`, issuer, id, ts(expiresAt))
		return err
	})
}

// AssertionIDUsed reports whether issuer's assertion ID id is recorded, or
// returns the driver's error.
func (db *DB) AssertionIDUsed(ctx context.Context, issuer, id string) (bool, error) {
	return db.exists(ctx, "assertion ID used",
		`SELECT EXISTS (SELECT 1 FROM used_assertions WHERE issuer = $1 AND id = $2)`, issuer, id)
}

// PruneExpired deletes, in one transaction, the revocations, authorization
// codes, refresh tokens, used assertion IDs, sessions, SAML requests and client
// secrets that expired before now (a record expiring at now is kept; a secret
// without an expiry never goes). It returns the driver's error, if any.
func (db *DB) PruneExpired(ctx context.Context, now time.Time) error {
	return db.write(ctx, "prune expired", func(tx querier) error {
		for _, table := range []string{"revocations", "auth_codes", "refresh_tokens", "used_assertions",
			"sessions", "saml_requests"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_at < $1`, ts(now)); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return pruneSecrets(ctx, tx, now)
	})
}

func scanAuthCode(s scanner) (store.AuthCode, error) {
	var c store.AuthCode
	if err := s.Scan(&c.ID, &c.ClientID, &c.UserID, &c.RedirectURI, &c.Scope, &c.CodeChallenge,
		&c.FamilyID, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, timeCol{&c.UsedAt}); err != nil {
		return store.AuthCode{}, err
	}
	return c, nil
}

func scanRefreshToken(s scanner) (store.RefreshToken, error) {
	var t store.RefreshToken
	if err := s.Scan(&t.ID, &t.FamilyID, &t.ClientID, &t.UserID, &t.Scope,
		timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.UsedAt}); err != nil {
		return store.RefreshToken{}, err
	}
	return t, nil
}
