package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/appintegration/appintegration/store"
)

const clientColumns = `id, name, purpose, grant_type, access, secret_hash,
	token_lifetime, refresh_token_lifetime, redirect_uris, user_id, expires_at,
	request_id, created_at, updated_at`

// CreateClient inserts c. It returns an error wrapping store.ErrConflict when
// c.ID, or a non-empty c.RequestID, is taken.
func (db *DB) CreateClient(ctx context.Context, c store.Client) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("create client", err)
	}
	defer tx.Rollback()
	if err := insertClient(ctx, tx, c); err != nil {
		return wrap("create client", err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("create client", err)
	}
	return nil
}

// GetClient returns the client with the given ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) GetClient(ctx context.Context, id string) (store.Client, error) {
	c, err := getClient(ctx, db.db, id)
	if err != nil {
		return store.Client{}, wrap("get client", err)
	}
	return c, nil
}

// GetClientByRequestID returns the client created with the given non-empty
// request ID, or an error wrapping store.ErrNotFound.
func (db *DB) GetClientByRequestID(ctx context.Context, requestID string) (store.Client, error) {
	row := db.db.QueryRowContext(ctx,
		`SELECT `+clientColumns+` FROM clients WHERE request_id = ?`, requestID)
	c, err := scanClient(row)
	if err != nil {
		return store.Client{}, wrap("get client by request ID", err)
	}
	return c, nil
}

// ListClients returns every client, oldest first, or an error.
func (db *DB) ListClients(ctx context.Context) ([]store.Client, error) {
	rows, err := db.db.QueryContext(ctx,
		`SELECT `+clientColumns+` FROM clients ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list clients", err)
	}
	defer rows.Close()
	var list []store.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, wrap("list clients", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list clients", err)
	}
	return list, nil
}

// UpdateClient reads the client, applies fn and saves its result, in one write
// transaction, and returns the client as saved. The ID and CreatedAt of the old
// record are kept whatever fn returns. An error from fn is returned as is and
// nothing is written; a missing client is an error wrapping store.ErrNotFound,
// a taken RequestID one wrapping store.ErrConflict.
func (db *DB) UpdateClient(ctx context.Context, id string, fn func(store.Client) (store.Client, error)) (store.Client, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Client{}, wrap("update client", err)
	}
	defer tx.Rollback()
	old, err := getClient(ctx, tx, id)
	if err != nil {
		return store.Client{}, wrap("update client", err)
	}
	c, err := fn(old)
	if err != nil {
		return store.Client{}, err
	}
	c.ID, c.CreatedAt = old.ID, old.CreatedAt
	if err := updateClient(ctx, tx, c); err != nil {
		return store.Client{}, wrap("update client", err)
	}
	saved, err := getClient(ctx, tx, id)
	if err != nil {
		return store.Client{}, wrap("update client", err)
	}
	if err := tx.Commit(); err != nil {
		return store.Client{}, wrap("update client", err)
	}
	return saved, nil
}

// CreateClientWithUser inserts c and u (u with Version 1) in one write
// transaction. It returns an error wrapping store.ErrConflict, and inserts
// neither, when c.ID, a non-empty c.RequestID, u.ID or u.UserName (compared
// case-insensitively) is taken.
func (db *DB) CreateClientWithUser(ctx context.Context, c store.Client, u store.User) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("create client with user", err)
	}
	defer tx.Rollback()
	if err := insertClient(ctx, tx, c); err != nil {
		return wrap("create client with user", err)
	}
	if err := insertUser(ctx, tx, u); err != nil {
		return wrap("create client with user", err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("create client with user", err)
	}
	return nil
}

// DeleteClient deletes the client with the given ID and, in the same
// transaction, the user its UserID names (a Technical User client's own user;
// a UserID naming no user is no error). It returns an error wrapping
// store.ErrNotFound when there is no such client.
func (db *DB) DeleteClient(ctx context.Context, id string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("delete client", err)
	}
	defer tx.Rollback()
	var userID string
	if err := tx.QueryRowContext(ctx,
		`SELECT user_id FROM clients WHERE id = ?`, id).Scan(&userID); err != nil {
		return wrap("delete client", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM clients WHERE id = ?`, id); err != nil {
		return wrap("delete client", err)
	}
	if userID != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, userID); err != nil {
			return wrap("delete client", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return wrap("delete client", err)
	}
	return nil
}

func getClient(ctx context.Context, q querier, id string) (store.Client, error) {
	return scanClient(q.QueryRowContext(ctx,
		`SELECT `+clientColumns+` FROM clients WHERE id = ?`, id))
}

func insertClient(ctx context.Context, q querier, c store.Client) error {
	access, err := encodeJSON(c.Access)
	if err != nil {
		return err
	}
	redirects, err := encodeJSON(c.RedirectURIs)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO clients (`+clientColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, string(c.Purpose), string(c.Grant), access, c.SecretHash,
		int64(c.TokenLifetime), int64(c.RefreshTokenLifetime), redirects, c.UserID,
		encodeTime(c.ExpiresAt), nullIfEmpty(c.RequestID),
		encodeTime(c.CreatedAt), encodeTime(c.UpdatedAt))
	return err
}

func updateClient(ctx context.Context, q querier, c store.Client) error {
	access, err := encodeJSON(c.Access)
	if err != nil {
		return err
	}
	redirects, err := encodeJSON(c.RedirectURIs)
	if err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE clients SET name = ?, purpose = ?,
		grant_type = ?, access = ?, secret_hash = ?, token_lifetime = ?,
		refresh_token_lifetime = ?, redirect_uris = ?, user_id = ?, expires_at = ?,
		request_id = ?, updated_at = ? WHERE id = ?`,
		c.Name, string(c.Purpose), string(c.Grant), access, c.SecretHash,
		int64(c.TokenLifetime), int64(c.RefreshTokenLifetime), redirects, c.UserID,
		encodeTime(c.ExpiresAt), nullIfEmpty(c.RequestID), encodeTime(c.UpdatedAt), c.ID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

func scanClient(s scanner) (store.Client, error) {
	var (
		c                         store.Client
		purpose, grant            string
		access, redirects         string
		lifetime, refreshLifetime int64
		requestID                 sql.NullString
		expires, created, updated int64
		err                       error
	)
	if err := s.Scan(&c.ID, &c.Name, &purpose, &grant, &access, &c.SecretHash,
		&lifetime, &refreshLifetime, &redirects, &c.UserID, &expires,
		&requestID, &created, &updated); err != nil {
		return store.Client{}, err
	}
	if c.Access, err = decodeJSON[string](access); err != nil {
		return store.Client{}, fmt.Errorf("client %q: access: %w", c.ID, err)
	}
	if c.RedirectURIs, err = decodeJSON[string](redirects); err != nil {
		return store.Client{}, fmt.Errorf("client %q: redirect URIs: %w", c.ID, err)
	}
	c.Purpose, c.Grant = store.Purpose(purpose), store.Grant(grant)
	c.SecretHash = nilIfEmpty(c.SecretHash)
	c.TokenLifetime = time.Duration(lifetime)
	c.RefreshTokenLifetime = time.Duration(refreshLifetime)
	c.RequestID = requestID.String
	c.ExpiresAt = decodeTime(expires)
	c.CreatedAt, c.UpdatedAt = decodeTime(created), decodeTime(updated)
	return c, nil
}

// UpdateClientWithUser reads the client and the user its UserID names, applies
// fn and saves both results, in one write transaction. It returns an error
// wrapping store.ErrNotFound when either is missing.
func (db *DB) UpdateClientWithUser(ctx context.Context, id string, fn func(store.Client, store.User) (store.Client, store.User, error)) (store.Client, store.User, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Client{}, store.User{}, wrap("update client with user", err)
	}
	defer tx.Rollback()
	oldC, err := getClient(ctx, tx, id)
	if err != nil {
		return store.Client{}, store.User{}, wrap("update client with user", err)
	}
	oldU, err := getUser(ctx, tx, oldC.UserID)
	if err != nil {
		return store.Client{}, store.User{}, wrap("update client with user", err)
	}
	c, u, err := fn(oldC, oldU)
	if err != nil {
		return store.Client{}, store.User{}, err
	}
	c.ID, c.CreatedAt = oldC.ID, oldC.CreatedAt
	u.ID, u.CreatedAt, u.ClientID, u.Version = oldU.ID, oldU.CreatedAt, oldU.ClientID, oldU.Version+1
	if err := updateClient(ctx, tx, c); err != nil {
		return store.Client{}, store.User{}, wrap("update client with user", err)
	}
	if err := updateUser(ctx, tx, u); err != nil {
		return store.Client{}, store.User{}, wrap("update client with user", err)
	}
	if c, err = getClient(ctx, tx, id); err != nil {
		return store.Client{}, store.User{}, wrap("update client with user", err)
	}
	if u, err = getUser(ctx, tx, u.ID); err != nil {
		return store.Client{}, store.User{}, wrap("update client with user", err)
	}
	if err := tx.Commit(); err != nil {
		return store.Client{}, store.User{}, wrap("update client with user", err)
	}
	return c, u, nil
}
