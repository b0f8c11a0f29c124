package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/appintegration/appintegration/store"
)

// ListRoles returns the role catalog in catalog order, or an error.
func (db *DB) ListRoles(ctx context.Context) ([]store.Role, error) {
	list, err := queryList(ctx, db.q, func(s scanner) (store.Role, error) {
		var r store.Role
		return r, s.Scan(&r.Value, &r.Display, jsonCol[string]{&r.Scopes})
	}, `SELECT value, display, scopes FROM roles ORDER BY position`)
	if err != nil {
		return nil, db.wrap("list roles", err)
	}
	return list, nil
}

// Secret returns the value kept under name. On first use it calls gen, outside
// any transaction, and keeps its result unless a concurrent caller (also in
// another process) kept one first; every caller gets the value kept. It
// returns gen's error wrapped, or the driver's.
func (db *DB) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	value, err := getSecret(ctx, db.q, name)
	if err == nil {
		return value, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, db.wrap("secret", err)
	}
	fresh, err := gen()
	if err != nil {
		return nil, fmt.Errorf("%s: secret: generate: %w", db.d.name, err)
	}
	err = db.write(ctx, "secret", func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
			return err
		}
		value, err = getSecret(ctx, tx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return value, nil
}

// ListSecretNames returns the name of every kept value in byte order, or the
// driver's error.
func (db *DB) ListSecretNames(ctx context.Context) ([]string, error) {
	names, err := queryList(ctx, db.q, func(s scanner) (string, error) {
		var name string
		return name, s.Scan(&name)
	}, `SELECT name FROM secrets ORDER BY name`)
	if err != nil {
		return nil, db.wrap("list secret names", err)
	}
	// PostgreSQL's text order is the database's collation; byte order is
	// what the contract says, and names are few.
	slices.Sort(names)
	return names, nil
}

// UpdateSecret reads (and locks) the value kept under name, applies fn and
// keeps its result, in one transaction, and returns the value as kept. fn's
// error is returned as is and nothing is written; a missing name is an error
// wrapping store.ErrNotFound.
func (db *DB) UpdateSecret(ctx context.Context, name string, fn func([]byte) ([]byte, error)) ([]byte, error) {
	return update(ctx, db.write, db, "update secret",
		func(q querier, lock string) ([]byte, error) {
			var value []byte
			err := q.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = $1`+lock, name).Scan(&value)
			return nilIfEmpty(value), err
		},
		fn,
		func([]byte, *[]byte) {},
		func(tx querier, v []byte) error {
			return mustAffect(tx.ExecContext(ctx, `UPDATE secrets SET value = $1 WHERE name = $2`, v, name))
		})
}

func getSecret(ctx context.Context, q querier, name string) ([]byte, error) {
	var value []byte
	if err := q.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&value); err != nil {
		return nil, err
	}
	return nilIfEmpty(value), nil
}

// AppendAudit appends events to the audit log in one INSERT, in order; their
// IDs are ignored and new ones assigned. It returns the driver's error, if any.
func (db *DB) AppendAudit(ctx context.Context, events ...store.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	rows := db.rows()
	for _, e := range events {
		rows.add(ts(e.Time), e.Actor, e.Action, e.Target, e.Detail)
	}
	return db.write(ctx, "append audit", func(tx querier) error {
		return rows.exec(ctx, tx, `audit (time, actor, action, target, detail)`)
	})
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
	list, err := queryList(ctx, db.q, func(s scanner) (store.AuditEvent, error) {
		var e store.AuditEvent
		return e, s.Scan(&e.ID, timeCol{&e.Time}, &e.Actor, &e.Action, &e.Target, &e.Detail)
	}, `SELECT id, time, actor, action, target, detail FROM audit
		WHERE $1 = '' OR action = $1 ORDER BY id DESC LIMIT $2`, f.Action, min(limit, maxAuditLimit))
	if err != nil {
		return nil, db.wrap("list audit", err)
	}
	return list, nil
}
