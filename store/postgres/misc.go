package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/appintegration/appintegration/store"
)

// ListRoles returns the role catalog in catalog order, or an error.
func (db *DB) ListRoles(ctx context.Context) ([]store.Role, error) {
	rows, err := db.pool.Query(ctx,
		`SELECT value, display, scopes FROM roles ORDER BY position`)
	if err != nil {
		return nil, wrap("list roles", err)
	}
	list, err := collect(rows, func(row pgx.Row) (store.Role, error) {
		var r store.Role
		err := row.Scan(&r.Value, &r.Display, &r.Scopes)
		r.Scopes = nilIfEmpty(r.Scopes)
		return r, err
	})
	if err != nil {
		return nil, wrap("list roles", err)
	}
	return list, nil
}

// RevokeToken records r. Revoking a token that is revoked already changes
// nothing and is not an error. It returns the driver's error, if any.
func (db *DB) RevokeToken(ctx context.Context, r store.Revocation) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO revocations (token_id, client_id, expires_at)
			VALUES ($1, $2, $3) ON CONFLICT (token_id) DO NOTHING`,
			r.TokenID, r.ClientID, encodeTime(r.ExpiresAt))
		return err
	})
	if err != nil {
		return wrap("revoke token", err)
	}
	return nil
}

// IsRevoked reports whether the token with the given ID (jti) is revoked, or
// returns the driver's error.
func (db *DB) IsRevoked(ctx context.Context, tokenID string) (bool, error) {
	var revoked bool
	if err := db.pool.QueryRow(ctx,
		`SELECT EXISTS (SELECT 1 FROM revocations WHERE token_id = $1)`, tokenID,
	).Scan(&revoked); err != nil {
		return false, wrap("is revoked", err)
	}
	return revoked, nil
}

// Secret returns the value kept under name. On first use it calls gen, outside
// any transaction, and keeps its result unless a concurrent caller (also in
// another process) kept one first (INSERT … ON CONFLICT DO NOTHING, then
// SELECT); every caller gets the value kept. It returns gen's error wrapped, or
// the driver's.
func (db *DB) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	value, err := getSecret(ctx, db.pool, name)
	if err == nil {
		return value, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, wrap("secret", err)
	}
	fresh, err := gen()
	if err != nil {
		return nil, fmt.Errorf("postgres: secret: generate: %w", err)
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
			return err
		}
		value, err = getSecret(ctx, tx, name)
		return err
	})
	if err != nil {
		return nil, wrap("secret", err)
	}
	return value, nil
}

func getSecret(ctx context.Context, q querier, name string) ([]byte, error) {
	var value []byte
	if err := q.QueryRow(ctx,
		`SELECT value FROM secrets WHERE name = $1`, name).Scan(&value); err != nil {
		return nil, err
	}
	return nilIfEmpty(value), nil
}

// AppendAudit appends e to the audit log; e.ID is ignored and a new one
// assigned. It returns the driver's error, if any.
func (db *DB) AppendAudit(ctx context.Context, e store.AuditEvent) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO audit (time, actor, action, target, detail)
			VALUES ($1, $2, $3, $4, $5)`,
			encodeTime(e.Time), e.Actor, e.Action, e.Target, e.Detail)
		return err
	})
	if err != nil {
		return wrap("append audit", err)
	}
	return nil
}

// Audit list limits: the default when AuditFilter.Limit is not positive, and
// the most ListAudit returns.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// ListAudit returns audit events newest first (by ID, the order appended):
// those with f.Action when it is set, at most f.Limit of them (100 when not
// positive, never more than 1000). It returns the driver's error, if any.
func (db *DB) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultAuditLimit
	}
	limit = min(limit, maxAuditLimit)
	rows, err := db.pool.Query(ctx, `SELECT id, time, actor, action, target, detail
		FROM audit WHERE $1 = '' OR action = $1 ORDER BY id DESC LIMIT $2`,
		f.Action, limit)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	list, err := collect(rows, func(row pgx.Row) (store.AuditEvent, error) {
		var (
			e  store.AuditEvent
			at time.Time
		)
		err := row.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail)
		e.Time = decodeTime(at)
		return e, err
	})
	if err != nil {
		return nil, wrap("list audit", err)
	}
	return list, nil
}
