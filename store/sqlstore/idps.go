package sqlstore

import (
	"context"
	"database/sql"

	"github.com/appintegration/appintegration/store"
)

const idpColumns = `id, name, provider_name, entity_id, certificates, created_at, updated_at, sso_url, sso_binding`

// CreateIdentityProvider inserts p. It returns an error wrapping
// store.ErrConflict when p.ID, a non-empty p.EntityID, or p.Name or
// p.ProviderName (each compared case-insensitively) is taken.
func (db *DB) CreateIdentityProvider(ctx context.Context, p store.IdentityProvider) error {
	// encoding/json writes a []byte as a base64 string and reads it back.
	certs, err := encodeJSON(p.Certificates)
	if err != nil {
		return db.wrap("create identity provider", err)
	}
	return db.write(ctx, "create identity provider", func(tx querier) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO identity_providers (`+idpColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.ID, p.Name, p.ProviderName, nullIfEmpty(p.EntityID), certs, ts(p.CreatedAt), ts(p.UpdatedAt),
			p.SSOURL, p.SSOBinding)
		return err
	})
}

// GetIdentityProvider returns the identity provider with the given ID, or an
// error wrapping store.ErrNotFound.
func (db *DB) GetIdentityProvider(ctx context.Context, id string) (store.IdentityProvider, error) {
	p, err := getIdentityProvider(ctx, db.q, id, "")
	if err != nil {
		return store.IdentityProvider{}, db.wrap("get identity provider", err)
	}
	return p, nil
}

// ListIdentityProviders returns every identity provider, oldest first, or an
// error.
func (db *DB) ListIdentityProviders(ctx context.Context) ([]store.IdentityProvider, error) {
	list, err := queryList(ctx, db.q, scanIdentityProvider,
		`SELECT `+idpColumns+` FROM identity_providers ORDER BY created_at, id`)
	if err != nil {
		return nil, db.wrap("list identity providers", err)
	}
	return list, nil
}

// UpdateIdentityProvider reads (and locks) the identity provider, applies fn
// and saves its result, in one transaction, and returns it as saved. The ID
// and CreatedAt of the old record are kept whatever fn returns. An error from
// fn is returned as is and nothing is written; a missing provider is an error
// wrapping store.ErrNotFound, a taken Name, ProviderName or EntityID one
// wrapping store.ErrConflict.
func (db *DB) UpdateIdentityProvider(ctx context.Context, id string, fn func(store.IdentityProvider) (store.IdentityProvider, error)) (store.IdentityProvider, error) {
	return update(ctx, db.write, db, "update identity provider",
		func(q querier, lock string) (store.IdentityProvider, error) {
			return getIdentityProvider(ctx, q, id, lock)
		},
		fn,
		func(old store.IdentityProvider, p *store.IdentityProvider) { p.ID, p.CreatedAt = old.ID, old.CreatedAt },
		func(tx querier, p store.IdentityProvider) error {
			certs, err := encodeJSON(p.Certificates)
			if err != nil {
				return err
			}
			return mustAffect(tx.ExecContext(ctx, `UPDATE identity_providers SET name = $1,
				provider_name = $2, entity_id = $3, certificates = $4, updated_at = $5, sso_url = $6,
				sso_binding = $7 WHERE id = $8`,
				p.Name, p.ProviderName, nullIfEmpty(p.EntityID), certs, ts(p.UpdatedAt), p.SSOURL, p.SSOBinding, p.ID))
		})
}

// DeleteIdentityProvider deletes the identity provider with the given ID. It
// returns an error wrapping store.ErrNotFound when there is none.
func (db *DB) DeleteIdentityProvider(ctx context.Context, id string) error {
	return db.write(ctx, "delete identity provider", func(tx querier) error {
		return mustAffect(tx.ExecContext(ctx, `DELETE FROM identity_providers WHERE id = $1`, id))
	})
}

// getIdentityProvider reads one provider; lock is "" or the dialect's forUpdate.
func getIdentityProvider(ctx context.Context, q querier, id, lock string) (store.IdentityProvider, error) {
	return scanIdentityProvider(q.QueryRowContext(ctx,
		`SELECT `+idpColumns+` FROM identity_providers WHERE id = $1`+lock, id))
}

func scanIdentityProvider(s scanner) (store.IdentityProvider, error) {
	var (
		p        store.IdentityProvider
		entityID sql.NullString
	)
	if err := s.Scan(&p.ID, &p.Name, &p.ProviderName, &entityID, jsonCol[[]byte]{&p.Certificates},
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt}, &p.SSOURL, &p.SSOBinding); err != nil {
		return store.IdentityProvider{}, err
	}
	p.EntityID = entityID.String
	return p, nil
}
