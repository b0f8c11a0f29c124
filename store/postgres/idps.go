package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/appintegration/appintegration/store"
)

const idpColumns = `id, name, provider_name, entity_id, certificates, created_at, updated_at`

// CreateIdentityProvider inserts p. It returns an error wrapping
// store.ErrConflict when p.ID, a non-empty p.EntityID, or p.Name or
// p.ProviderName (each compared case-insensitively) is taken.
func (db *DB) CreateIdentityProvider(ctx context.Context, p store.IdentityProvider) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO identity_providers (`+idpColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.ID, p.Name, p.ProviderName, nullIfEmpty(p.EntityID), nonNil(p.Certificates),
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
	p, err := getIdentityProvider(ctx, db.pool, id, "")
	if err != nil {
		return store.IdentityProvider{}, wrap("get identity provider", err)
	}
	return p, nil
}

// ListIdentityProviders returns every identity provider, oldest first, or an
// error.
func (db *DB) ListIdentityProviders(ctx context.Context) ([]store.IdentityProvider, error) {
	rows, err := db.pool.Query(ctx,
		`SELECT `+idpColumns+` FROM identity_providers ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list identity providers", err)
	}
	list, err := collect(rows, scanIdentityProvider)
	if err != nil {
		return nil, wrap("list identity providers", err)
	}
	return list, nil
}

// UpdateIdentityProvider locks the identity provider (SELECT … FOR UPDATE),
// applies fn and saves its result, in one transaction, and returns it as
// saved. The ID and CreatedAt of the old record are kept whatever fn returns.
// An error from fn is returned as is and nothing is written; a missing provider
// is an error wrapping store.ErrNotFound, a taken Name, ProviderName or
// EntityID one wrapping store.ErrConflict.
func (db *DB) UpdateIdentityProvider(ctx context.Context, id string, fn func(store.IdentityProvider) (store.IdentityProvider, error)) (store.IdentityProvider, error) {
	var saved store.IdentityProvider
	var fnErr error
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := getIdentityProvider(ctx, tx, id, " FOR UPDATE")
		if err != nil {
			return err
		}
		p, err := fn(old)
		if err != nil {
			fnErr = err
			return err
		}
		saved, err = scanIdentityProvider(tx.QueryRow(ctx, `UPDATE identity_providers
			SET name = $1, provider_name = $2, entity_id = $3, certificates = $4,
			updated_at = $5 WHERE id = $6 RETURNING `+idpColumns,
			p.Name, p.ProviderName, nullIfEmpty(p.EntityID), nonNil(p.Certificates),
			encodeTime(p.UpdatedAt), old.ID))
		return err
	})
	if fnErr != nil {
		return store.IdentityProvider{}, fnErr
	}
	if err != nil {
		return store.IdentityProvider{}, wrap("update identity provider", err)
	}
	return saved, nil
}

// DeleteIdentityProvider deletes the identity provider with the given ID. It
// returns an error wrapping store.ErrNotFound when there is none.
func (db *DB) DeleteIdentityProvider(ctx context.Context, id string) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM identity_providers WHERE id = $1`, id)
		if err != nil {
			return err
		}
		return mustAffect(tag)
	})
	if err != nil {
		return wrap("delete identity provider", err)
	}
	return nil
}

// getIdentityProvider reads one identity provider; lock is "" or " FOR UPDATE".
func getIdentityProvider(ctx context.Context, q querier, id, lock string) (store.IdentityProvider, error) {
	return scanIdentityProvider(q.QueryRow(ctx,
		`SELECT `+idpColumns+` FROM identity_providers WHERE id = $1`+lock, id))
}

func scanIdentityProvider(row pgx.Row) (store.IdentityProvider, error) {
	var (
		p                store.IdentityProvider
		entityID         *string
		created, updated time.Time
	)
	if err := row.Scan(&p.ID, &p.Name, &p.ProviderName, &entityID, &p.Certificates,
		&created, &updated); err != nil {
		return store.IdentityProvider{}, err
	}
	if entityID != nil {
		p.EntityID = *entityID
	}
	p.Certificates = nilIfEmpty(p.Certificates)
	p.CreatedAt, p.UpdatedAt = decodeTime(created), decodeTime(updated)
	return p, nil
}
