package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/appintegration/appintegration/store"
)

const clientColumns = `id, name, purpose, grant_type, access, secret_hash,
	token_lifetime, refresh_token_lifetime, redirect_uris, user_id, expires_at,
	request_id, created_at, updated_at`

// CreateClient inserts c. It returns an error wrapping store.ErrConflict when
// c.ID, or a non-empty c.RequestID, is taken.
func (db *DB) CreateClient(ctx context.Context, c store.Client) error {
	if err := db.inTx(ctx, func(tx pgx.Tx) error { return insertClient(ctx, tx, c) }); err != nil {
		return wrap("create client", err)
	}
	return nil
}

// GetClient returns the client with the given ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) GetClient(ctx context.Context, id string) (store.Client, error) {
	c, err := getClient(ctx, db.pool, id, "")
	if err != nil {
		return store.Client{}, wrap("get client", err)
	}
	return c, nil
}

// GetClientByRequestID returns the client created with the given non-empty
// request ID, or an error wrapping store.ErrNotFound.
func (db *DB) GetClientByRequestID(ctx context.Context, requestID string) (store.Client, error) {
	c, err := scanClient(db.pool.QueryRow(ctx,
		`SELECT `+clientColumns+` FROM clients WHERE request_id = $1`, requestID))
	if err != nil {
		return store.Client{}, wrap("get client by request ID", err)
	}
	return c, nil
}

// ListClients returns every client, oldest first, or an error.
func (db *DB) ListClients(ctx context.Context) ([]store.Client, error) {
	rows, err := db.pool.Query(ctx,
		`SELECT `+clientColumns+` FROM clients ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list clients", err)
	}
	list, err := collect(rows, scanClient)
	if err != nil {
		return nil, wrap("list clients", err)
	}
	return list, nil
}

// UpdateClient locks the client (SELECT … FOR UPDATE), applies fn and saves its
// result, in one transaction, and returns the client as saved. The ID and
// CreatedAt of the old record are kept whatever fn returns. An error from fn is
// returned as is and nothing is written; a missing client is an error wrapping
// store.ErrNotFound, a taken RequestID one wrapping store.ErrConflict.
func (db *DB) UpdateClient(ctx context.Context, id string, fn func(store.Client) (store.Client, error)) (store.Client, error) {
	var saved store.Client
	var fnErr error
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := getClient(ctx, tx, id, " FOR UPDATE")
		if err != nil {
			return err
		}
		c, err := fn(old)
		if err != nil {
			fnErr = err
			return err
		}
		c.ID, c.CreatedAt = old.ID, old.CreatedAt
		if err := updateClient(ctx, tx, c); err != nil {
			return err
		}
		saved, err = getClient(ctx, tx, id, "")
		return err
	})
	if fnErr != nil {
		return store.Client{}, fnErr
	}
	if err != nil {
		return store.Client{}, wrap("update client", err)
	}
	return saved, nil
}

// CreateClientWithUser inserts c and u (u with Version 1) in one transaction.
// It returns an error wrapping store.ErrConflict, and inserts neither, when
// c.ID, a non-empty c.RequestID, u.ID or u.UserName (compared
// case-insensitively) is taken.
func (db *DB) CreateClientWithUser(ctx context.Context, c store.Client, u store.User) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if err := insertClient(ctx, tx, c); err != nil {
			return err
		}
		return insertUser(ctx, tx, u)
	})
	if err != nil {
		return wrap("create client with user", err)
	}
	return nil
}

// DeleteClient deletes the client with the given ID and, in the same
// transaction, the user its UserID names (a Technical User client's own user;
// a UserID naming no user is no error). It returns an error wrapping
// store.ErrNotFound when there is no such client.
func (db *DB) DeleteClient(ctx context.Context, id string) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var userID string
		if err := tx.QueryRow(ctx,
			`DELETE FROM clients WHERE id = $1 RETURNING user_id`, id).Scan(&userID); err != nil {
			return err
		}
		if userID == "" {
			return nil
		}
		_, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, userID)
		return err
	})
	if err != nil {
		return wrap("delete client", err)
	}
	return nil
}

// getClient reads one client; lock is "" or " FOR UPDATE".
func getClient(ctx context.Context, q querier, id, lock string) (store.Client, error) {
	return scanClient(q.QueryRow(ctx,
		`SELECT `+clientColumns+` FROM clients WHERE id = $1`+lock, id))
}

func insertClient(ctx context.Context, q querier, c store.Client) error {
	_, err := q.Exec(ctx, `INSERT INTO clients (`+clientColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		c.ID, c.Name, string(c.Purpose), string(c.Grant), nonNil(c.Access), c.SecretHash,
		int64(c.TokenLifetime), int64(c.RefreshTokenLifetime), nonNil(c.RedirectURIs), c.UserID,
		encodeTime(c.ExpiresAt), nullIfEmpty(c.RequestID),
		encodeTime(c.CreatedAt), encodeTime(c.UpdatedAt))
	return err
}

func updateClient(ctx context.Context, q querier, c store.Client) error {
	tag, err := q.Exec(ctx, `UPDATE clients SET name = $1, purpose = $2,
		grant_type = $3, access = $4, secret_hash = $5, token_lifetime = $6,
		refresh_token_lifetime = $7, redirect_uris = $8, user_id = $9, expires_at = $10,
		request_id = $11, updated_at = $12 WHERE id = $13`,
		c.Name, string(c.Purpose), string(c.Grant), nonNil(c.Access), c.SecretHash,
		int64(c.TokenLifetime), int64(c.RefreshTokenLifetime), nonNil(c.RedirectURIs), c.UserID,
		encodeTime(c.ExpiresAt), nullIfEmpty(c.RequestID), encodeTime(c.UpdatedAt), c.ID)
	if err != nil {
		return err
	}
	return mustAffect(tag)
}

func scanClient(row pgx.Row) (store.Client, error) {
	var (
		c                         store.Client
		purpose, grant            string
		lifetime, refreshLifetime int64
		requestID                 *string
		expires, created, updated time.Time
	)
	if err := row.Scan(&c.ID, &c.Name, &purpose, &grant, &c.Access, &c.SecretHash,
		&lifetime, &refreshLifetime, &c.RedirectURIs, &c.UserID, &expires,
		&requestID, &created, &updated); err != nil {
		return store.Client{}, err
	}
	c.Purpose, c.Grant = store.Purpose(purpose), store.Grant(grant)
	c.Access, c.RedirectURIs = nilIfEmpty(c.Access), nilIfEmpty(c.RedirectURIs)
	c.SecretHash = nilIfEmpty(c.SecretHash)
	c.TokenLifetime = time.Duration(lifetime)
	c.RefreshTokenLifetime = time.Duration(refreshLifetime)
	if requestID != nil {
		c.RequestID = *requestID
	}
	c.ExpiresAt = decodeTime(expires)
	c.CreatedAt, c.UpdatedAt = decodeTime(created), decodeTime(updated)
	return c, nil
}

// UpdateClientWithUser locks the client and the user its UserID names, applies
// fn and saves both results, in one transaction. It returns an error wrapping
// store.ErrNotFound when either is missing.
func (db *DB) UpdateClientWithUser(ctx context.Context, id string, fn func(store.Client, store.User) (store.Client, store.User, error)) (store.Client, store.User, error) {
	var (
		savedC store.Client
		savedU store.User
		fnErr  error
	)
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		oldC, err := getClient(ctx, tx, id, " FOR UPDATE")
		if err != nil {
			return err
		}
		oldU, err := getUser(ctx, tx, oldC.UserID, " FOR UPDATE")
		if err != nil {
			return err
		}
		c, u, err := fn(oldC, oldU)
		if err != nil {
			fnErr = err
			return err
		}
		c.ID, c.CreatedAt = oldC.ID, oldC.CreatedAt
		u.ID, u.CreatedAt, u.ClientID, u.Version = oldU.ID, oldU.CreatedAt, oldU.ClientID, oldU.Version+1
		if err := updateClient(ctx, tx, c); err != nil {
			return err
		}
		if err := updateUser(ctx, tx, u); err != nil {
			return err
		}
		if savedC, err = getClient(ctx, tx, id, ""); err != nil {
			return err
		}
		savedU, err = getUser(ctx, tx, u.ID, "")
		return err
	})
	if fnErr != nil {
		return store.Client{}, store.User{}, fnErr
	}
	if err != nil {
		return store.Client{}, store.User{}, wrap("update client with user", err)
	}
	return savedC, savedU, nil
}
