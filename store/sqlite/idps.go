package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/appintegration/appintegration/store"
)

const idpColumns = `id, name, provider_name, entity_id, certificates, created_at, updated_at`

// CreateIdentityProvider inserts p. It returns an error wrapping
// store.ErrConflict when p.ID, a non-empty p.EntityID, or p.Name or
// p.ProviderName (each compared case-insensitively) is taken.
func (db *DB) CreateIdentityProvider(ctx context.Context, p store.IdentityProvider) error {
	certs, err := encodeJSON(p.Certificates)
	if err != nil {
		return wrap("create identity provider", err)
	}
	err = db.inTx(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO identity_providers (`+idpColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Name, p.ProviderName, nullIfEmpty(p.EntityID), certs,
			encodeTime(p.CreatedAt), encodeTime(p.UpdatedAt))
		return err
	})
	if err != nil {
		return wrap("create identity provider", err)
	}
	return nil
}

// GetIdentityProvider returns the identity provider with the given ID, or an
// error wrapping store.ErrNotFound.
func (db *DB) GetIdentityProvider(ctx context.Context, id string) (store.IdentityProvider, error) {
	p, err := getIdentityProvider(ctx, db.db, id)
	if err != nil {
		return store.IdentityProvider{}, wrap("get identity provider", err)
	}
	return p, nil
}

// ListIdentityProviders returns every identity provider, oldest first, or an
// error.
func (db *DB) ListIdentityProviders(ctx context.Context) ([]store.IdentityProvider, error) {
	rows, err := db.db.QueryContext(ctx,
		`SELECT `+idpColumns+` FROM identity_providers ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list identity providers", err)
	}
	defer rows.Close()
	var list []store.IdentityProvider
	for rows.Next() {
		p, err := scanIdentityProvider(rows)
		if err != nil {
			return nil, wrap("list identity providers", err)
		}
		list = append(list, p)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list identity providers", err)
	}
	return list, nil
}

// UpdateIdentityProvider reads the identity provider, applies fn and saves its
// result, in one write transaction, and returns it as saved. The ID and
// CreatedAt of the old record are kept whatever fn returns. An error from fn
// is returned as is and nothing is written; a missing provider is an error
// wrapping store.ErrNotFound, a taken Name, ProviderName or EntityID one
// wrapping store.ErrConflict.
func (db *DB) UpdateIdentityProvider(ctx context.Context, id string, fn func(store.IdentityProvider) (store.IdentityProvider, error)) (store.IdentityProvider, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.IdentityProvider{}, wrap("update identity provider", err)
	}
	defer tx.Rollback()
	old, err := getIdentityProvider(ctx, tx, id)
	if err != nil {
		return store.IdentityProvider{}, wrap("update identity provider", err)
	}
	p, err := fn(old)
	if err != nil {
		return store.IdentityProvider{}, err
	}
	p.ID, p.CreatedAt = old.ID, old.CreatedAt
	certs, err := encodeJSON(p.Certificates)
	if err != nil {
		return store.IdentityProvider{}, wrap("update identity provider", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE identity_providers SET name = ?,
		provider_name = ?, entity_id = ?, certificates = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.ProviderName, nullIfEmpty(p.EntityID), certs, encodeTime(p.UpdatedAt), p.ID)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return store.IdentityProvider{}, wrap("update identity provider", err)
	}
	saved, err := getIdentityProvider(ctx, tx, id)
	if err != nil {
		return store.IdentityProvider{}, wrap("update identity provider", err)
	}
	if err := tx.Commit(); err != nil {
		return store.IdentityProvider{}, wrap("update identity provider", err)
	}
	return saved, nil
}

// DeleteIdentityProvider deletes the identity provider with the given ID. It
// returns an error wrapping store.ErrNotFound when there is none.
func (db *DB) DeleteIdentityProvider(ctx context.Context, id string) error {
	err := db.inTx(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM identity_providers WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return mustAffect(res)
	})
	if err != nil {
		return wrap("delete identity provider", err)
	}
	return nil
}

func getIdentityProvider(ctx context.Context, q querier, id string) (store.IdentityProvider, error) {
	return scanIdentityProvider(q.QueryRowContext(ctx,
		`SELECT `+idpColumns+` FROM identity_providers WHERE id = ?`, id))
}

func scanIdentityProvider(s scanner) (store.IdentityProvider, error) {
	var (
		p                store.IdentityProvider
		entityID         sql.NullString
		certs            string
		created, updated int64
		err              error
	)
	if err := s.Scan(&p.ID, &p.Name, &p.ProviderName, &entityID, &certs,
		&created, &updated); err != nil {
		return store.IdentityProvider{}, err
	}
	// encoding/json writes a []byte as a base64 string and reads it back.
	if p.Certificates, err = decodeJSON[[]byte](certs); err != nil {
		return store.IdentityProvider{}, fmt.Errorf("identity provider %q: certificates: %w", p.ID, err)
	}
	p.EntityID = entityID.String
	p.CreatedAt, p.UpdatedAt = decodeTime(created), decodeTime(updated)
	return p, nil
}
