package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/appintegration/appintegration/store"
)

// ListRoles returns the role catalog in catalog order, or an error.
func (db *DB) ListRoles(ctx context.Context) ([]store.Role, error) {
	rows, err := db.db.QueryContext(ctx,
		`SELECT value, display, scopes FROM roles ORDER BY position`)
	if err != nil {
		return nil, wrap("list roles", err)
	}
	defer rows.Close()
	var list []store.Role
	for rows.Next() {
		var (
			r      store.Role
			scopes string
		)
		if err := rows.Scan(&r.Value, &r.Display, &scopes); err != nil {
			return nil, wrap("list roles", err)
		}
		if r.Scopes, err = decodeJSON[string](scopes); err != nil {
			return nil, wrap("list roles", fmt.Errorf("role %q: scopes: %w", r.Value, err))
		}
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list roles", err)
	}
	return list, nil
}

// RevokeToken records r. Revoking a token that is revoked already changes
// nothing and is not an error. It returns the driver's error, if any.
func (db *DB) RevokeToken(ctx context.Context, r store.Revocation) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("revoke token", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO revocations (token_id, client_id, expires_at)
		VALUES (?, ?, ?) ON CONFLICT (token_id) DO NOTHING`,
		r.TokenID, r.ClientID, encodeTime(r.ExpiresAt)); err != nil {
		return wrap("revoke token", err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("revoke token", err)
	}
	return nil
}

// IsRevoked reports whether the token with the given ID (jti) is revoked, or
// returns the driver's error.
func (db *DB) IsRevoked(ctx context.Context, tokenID string) (bool, error) {
	var revoked bool
	if err := db.db.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM revocations WHERE token_id = ?)`, tokenID,
	).Scan(&revoked); err != nil {
		return false, wrap("is revoked", err)
	}
	return revoked, nil
}

// Secret returns the value kept under name. On first use it calls gen, outside
// any transaction, and keeps its result unless a concurrent caller (also in
// another process) kept one first; every caller gets the value kept. It returns
// gen's error wrapped, or the driver's.
func (db *DB) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	value, err := getSecret(ctx, db.db, name)
	if err == nil {
		return value, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, wrap("secret", err)
	}
	fresh, err := gen()
	if err != nil {
		return nil, fmt.Errorf("sqlite: secret: generate: %w", err)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrap("secret", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, wrap("secret", err)
	}
	if value, err = getSecret(ctx, tx, name); err != nil {
		return nil, wrap("secret", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, wrap("secret", err)
	}
	return value, nil
}

func getSecret(ctx context.Context, q querier, name string) ([]byte, error) {
	var value []byte
	if err := q.QueryRowContext(ctx,
		`SELECT value FROM secrets WHERE name = ?`, name).Scan(&value); err != nil {
		return nil, err
	}
	return nilIfEmpty(value), nil
}

// AppendAudit appends e to the audit log; e.ID is ignored and a new one
// assigned. It returns the driver's error, if any.
func (db *DB) AppendAudit(ctx context.Context, e store.AuditEvent) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("append audit", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit (time, actor, action, target, detail)
		VALUES (?, ?, ?, ?, ?)`,
		encodeTime(e.Time), e.Actor, e.Action, e.Target, e.Detail); err != nil {
		return wrap("append audit", err)
	}
	if err := tx.Commit(); err != nil {
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

// ListAudit returns audit events newest first: those with f.Action when it is
// set, at most f.Limit of them (100 when not positive, never more than 1000).
// It returns the driver's error, if any.
func (db *DB) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultAuditLimit
	}
	limit = min(limit, maxAuditLimit)
	rows, err := db.db.QueryContext(ctx, `SELECT id, time, actor, action, target, detail
		FROM audit WHERE ? = '' OR action = ? ORDER BY id DESC LIMIT ?`,
		f.Action, f.Action, limit)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	defer rows.Close()
	var list []store.AuditEvent
	for rows.Next() {
		var (
			e  store.AuditEvent
			at int64
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, wrap("list audit", err)
		}
		e.Time = decodeTime(at)
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list audit", err)
	}
	return list, nil
}
