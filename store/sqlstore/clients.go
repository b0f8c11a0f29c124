package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/appintegration/appintegration/store"
)

const clientColumns = `id, name, purpose, grant_type, access,
	token_lifetime, refresh_token_lifetime, redirect_uris, user_id, expires_at,
	request_id, created_at, updated_at, require_pkce`

// CreateClient inserts c. It returns an error wrapping store.ErrConflict when
// c.ID, or a non-empty c.RequestID, is taken.
func (db *DB) CreateClient(ctx context.Context, c store.Client) error {
	return db.write(ctx, "create client", func(tx querier) error { return insertClient(ctx, tx, c) })
}

// GetClient returns the client with the given ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) GetClient(ctx context.Context, id string) (store.Client, error) {
	c, err := db.getClient(ctx, db.q, id, "")
	if err != nil {
		return store.Client{}, db.wrap("get client", err)
	}
	return c, nil
}

// GetClientByRequestID returns the client created with the given non-empty
// request ID, or an error wrapping store.ErrNotFound.
func (db *DB) GetClientByRequestID(ctx context.Context, requestID string) (store.Client, error) {
	c, err := scanClient(db.q.QueryRowContext(ctx,
		`SELECT `+clientColumns+` FROM clients WHERE request_id = $1`, requestID))
	if err == nil {
		c, err = withSecretsOf(ctx, db.q, c)
	}
	if err != nil {
		return store.Client{}, db.wrap("get client by request ID", err)
	}
	return c, nil
}

// ListClients returns every client, oldest first, or an error.
func (db *DB) ListClients(ctx context.Context) ([]store.Client, error) {
	list, err := queryList(ctx, db.q, scanClient, `SELECT `+clientColumns+` FROM clients ORDER BY created_at, id`)
	if err == nil {
		err = withSecrets(ctx, db.q, list, true)
	}
	if err != nil {
		return nil, db.wrap("list clients", err)
	}
	return list, nil
}

// SearchClients returns one page of the clients whose name or ID contains
// q.Search (ASCII case-insensitively), oldest first, and how many match in
// all, or an error.
func (db *DB) SearchClients(ctx context.Context, q store.PageQuery) ([]store.Client, int, error) {
	const where = ` WHERE lower(name) LIKE $1 ESCAPE '\' OR lower(id) LIKE $1 ESCAPE '\'`
	offset, limit := q.Bounds()
	pattern := store.LikePattern(q.Search)
	var total int
	if err := db.q.QueryRowContext(ctx, `SELECT count(*) FROM clients`+where, pattern).Scan(&total); err != nil {
		return nil, 0, db.wrap("search clients", err)
	}
	list, err := queryList(ctx, db.q, scanClient, `SELECT `+clientColumns+` FROM clients`+where+
		` ORDER BY created_at, id LIMIT $2 OFFSET $3`, pattern, limit, offset)
	if err == nil {
		err = withSecrets(ctx, db.q, list, false)
	}
	if err != nil {
		return nil, 0, db.wrap("search clients", err)
	}
	return list, total, nil
}

// UpdateClient reads (and locks) the client, applies fn and saves its result,
// in one transaction, and returns the client as saved. The ID and CreatedAt
// of the old record are kept whatever fn returns. An error from fn is
// returned as is and nothing is written; a missing client is an error
// wrapping store.ErrNotFound, a taken RequestID one wrapping store.ErrConflict.
func (db *DB) UpdateClient(ctx context.Context, id string, fn func(store.Client) (store.Client, error)) (store.Client, error) {
	return update(ctx, db.write, db, "update client",
		func(q querier, lock string) (store.Client, error) { return db.getClient(ctx, q, id, lock) },
		fn,
		func(old store.Client, c *store.Client) { c.ID, c.CreatedAt = old.ID, old.CreatedAt },
		func(tx querier, c store.Client) error { return updateClient(ctx, tx, c) })
}

// UpdateClientWithUser reads (and locks) the client and the user its UserID
// names, applies fn and saves both results, in one transaction, and returns
// them as saved. It returns an error wrapping store.ErrNotFound when either
// is missing, fn's error as is, or one wrapping store.ErrConflict when the
// user's new userName is taken.
func (db *DB) UpdateClientWithUser(ctx context.Context, id string, fn func(store.Client, store.User) (store.Client, store.User, error)) (store.Client, store.User, error) {
	var (
		savedC store.Client
		savedU store.User
	)
	err := db.updateUsers(ctx, "update client with user", func(tx querier) error {
		oldC, err := db.getClient(ctx, tx, id, db.d.forUpdate)
		if err != nil {
			return err
		}
		oldU, err := db.getUser(ctx, tx, oldC.UserID, db.d.forUpdate)
		if err != nil {
			return err
		}
		c, u, err := fn(oldC, oldU)
		if err != nil {
			return errFn{err}
		}
		c.ID, c.CreatedAt = oldC.ID, oldC.CreatedAt
		u.ID, u.CreatedAt, u.ClientID, u.Version = oldU.ID, oldU.CreatedAt, oldU.ClientID, oldU.Version+1
		if err := updateClient(ctx, tx, c); err != nil {
			return err
		}
		if err := db.updateUser(ctx, tx, u); err != nil {
			return err
		}
		if savedC, err = db.getClient(ctx, tx, id, ""); err != nil {
			return err
		}
		savedU, err = db.getUser(ctx, tx, u.ID, "")
		return err
	})
	if err != nil {
		return store.Client{}, store.User{}, err
	}
	return savedC, savedU, nil
}

// CreateClientWithUser inserts c and u (u with Version 1) in one transaction.
// It returns an error wrapping store.ErrConflict, and inserts neither, when
// c.ID, a non-empty c.RequestID, u.ID or u.UserName (compared
// case-insensitively) is taken.
func (db *DB) CreateClientWithUser(ctx context.Context, c store.Client, u store.User) error {
	return db.writeUsers(ctx, "create client with user", func(tx querier, p *txPending) error {
		if err := insertClient(ctx, tx, c); err != nil {
			return err
		}
		return db.insertUser(ctx, tx, p, u)
	})
}

// DeleteClient deletes the client with the given ID and, in the same
// transaction, its own user: the user its UserID names, if that user's
// ClientID names the client back (a Technical User client's user; any other
// user is left alone). It returns an error wrapping store.ErrNotFound when
// there is no such client.
func (db *DB) DeleteClient(ctx context.Context, id string) error {
	return db.writeUsers(ctx, "delete client", func(tx querier, p *txPending) error {
		var userID string
		if err := tx.QueryRowContext(ctx,
			`DELETE FROM clients WHERE id = $1 RETURNING user_id`, id).Scan(&userID); err != nil {
			return err
		}
		if userID == "" {
			return nil
		}
		return deleteUsers(ctx, tx, p, false, `DELETE FROM users WHERE id = $1 AND client_id = $2`, userID, id)
	})
}

// getClient reads one client with its secrets; lock is "" or the dialect's
// forUpdate.
func (db *DB) getClient(ctx context.Context, q querier, id, lock string) (store.Client, error) {
	c, err := scanClient(q.QueryRowContext(ctx,
		`SELECT `+clientColumns+` FROM clients WHERE id = $1`+lock, id))
	if err != nil {
		return store.Client{}, err
	}
	return withSecretsOf(ctx, q, c)
}

func insertClient(ctx context.Context, q querier, c store.Client) error {
	access, redirects, err := encodeClientLists(c)
	if err != nil {
		return err
	}
	if _, err = q.ExecContext(ctx, `INSERT INTO clients (`+clientColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		c.ID, c.Name, string(c.Purpose), string(c.Grant), access,
		int64(c.TokenLifetime), int64(c.RefreshTokenLifetime), redirects, c.UserID,
		ts(c.ExpiresAt), nullIfEmpty(c.RequestID), ts(c.CreatedAt), ts(c.UpdatedAt), c.RequirePKCE); err != nil {
		return err
	}
	return insertSecrets(ctx, q, c)
}

func updateClient(ctx context.Context, q querier, c store.Client) error {
	access, redirects, err := encodeClientLists(c)
	if err != nil {
		return err
	}
	if err := mustAffect(q.ExecContext(ctx, `UPDATE clients SET name = $1, purpose = $2,
		grant_type = $3, access = $4, token_lifetime = $5,
		refresh_token_lifetime = $6, redirect_uris = $7, user_id = $8, expires_at = $9,
		request_id = $10, updated_at = $11, require_pkce = $12 WHERE id = $13`,
		c.Name, string(c.Purpose), string(c.Grant), access,
		int64(c.TokenLifetime), int64(c.RefreshTokenLifetime), redirects, c.UserID,
		ts(c.ExpiresAt), nullIfEmpty(c.RequestID), ts(c.UpdatedAt), c.RequirePKCE, c.ID)); err != nil {
		return err
	}
	return saveSecrets(ctx, q, c)
}

func encodeClientLists(c store.Client) (access, redirects string, err error) {
	if access, err = encodeJSON(c.Access); err != nil {
		return "", "", err
	}
	redirects, err = encodeJSON(c.RedirectURIs)
	return access, redirects, err
}

func scanClient(s scanner) (store.Client, error) {
	var (
		c                         store.Client
		purpose, grant            string
		lifetime, refreshLifetime int64
		requestID                 sql.NullString
	)
	if err := s.Scan(&c.ID, &c.Name, &purpose, &grant, jsonCol[string]{&c.Access},
		&lifetime, &refreshLifetime, jsonCol[string]{&c.RedirectURIs}, &c.UserID, timeCol{&c.ExpiresAt},
		&requestID, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, &c.RequirePKCE); err != nil {
		return store.Client{}, err
	}
	c.Purpose, c.Grant = store.Purpose(purpose), store.Grant(grant)
	c.TokenLifetime = time.Duration(lifetime)
	c.RefreshTokenLifetime = time.Duration(refreshLifetime)
	c.RequestID = requestID.String
	return c, nil
}
