package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/appintegration/appintegration/store"
)

// userColumns are read and written in this order by scanUser and insertUser.
const userColumns = `id, user_name, given_name, family_name, display_name, emails,
	active, preferred_language, roles, password_hash, external_id, idp_user_id,
	client_id, version, created_at, updated_at`

// userOrder is the order of user lists: userName, case-insensitively.
const userOrder = ` ORDER BY lower(user_name), id`

// emailJSON is the stored form of a store.Email.
type emailJSON struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// CreateUser inserts u with Version 1, whatever u.Version is. It returns an
// error wrapping store.ErrConflict when u.ID is taken or u.UserName is,
// compared case-insensitively.
func (db *DB) CreateUser(ctx context.Context, u store.User) error {
	return db.write(ctx, "create user", func(tx *sql.Tx) error { return insertUser(ctx, tx, u) })
}

// GetUser returns the user with the given ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := db.getUser(ctx, db.db, id, "")
	if err != nil {
		return store.User{}, db.wrap("get user", err)
	}
	return u, nil
}

// GetUserByName returns the user whose userName equals userName compared
// case-insensitively, or an error wrapping store.ErrNotFound.
func (db *DB) GetUserByName(ctx context.Context, userName string) (store.User, error) {
	u, err := scanUser(db.db.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE lower(user_name) = lower($1)`, userName))
	if err != nil {
		return store.User{}, db.wrap("get user by name", err)
	}
	return u, nil
}

// GetUserByIdpUserID returns the user whose IdpUserID equals idpUserID
// exactly. It returns an error wrapping store.ErrNotFound when none does (an
// empty idpUserID matches no user), or one wrapping store.ErrConflict when
// several do.
func (db *DB) GetUserByIdpUserID(ctx context.Context, idpUserID string) (store.User, error) {
	// The second condition, always true here, lets SQLite use the partial index.
	u, err := db.getOneUser(ctx, idpUserID,
		` WHERE idp_user_id = $1 AND idp_user_id <> '' LIMIT 2`, idpUserID)
	if err != nil {
		return store.User{}, db.wrap("get user by IdP user ID", err)
	}
	return u, nil
}

// GetUserByEmail returns the user one of whose e-mail addresses equals email
// compared case-insensitively (lower-cased with Go's Unicode rules). It returns
// an error wrapping store.ErrNotFound when none does (an empty email matches no
// user), or one wrapping store.ErrConflict when several users do.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := db.getOneUser(ctx, email, ` WHERE id IN (
		SELECT e.user_id FROM user_emails e WHERE e.value_lower = $1) LIMIT 2`, strings.ToLower(email))
	if err != nil {
		return store.User{}, db.wrap("get user by e-mail", err)
	}
	return u, nil
}

// getOneUser runs the user query with where, which selects at most two users,
// and returns the one it found: sql.ErrNoRows when it found none (or key is
// empty), store.ErrConflict when it found two.
func (db *DB) getOneUser(ctx context.Context, key, where string, args ...any) (store.User, error) {
	if key == "" {
		return store.User{}, sql.ErrNoRows
	}
	found, err := queryList(ctx, db.db, scanUser, `SELECT `+userColumns+` FROM users`+where, args...)
	switch {
	case err != nil:
		return store.User{}, err
	case len(found) == 0:
		return store.User{}, sql.ErrNoRows
	case len(found) > 1:
		return store.User{}, fmt.Errorf("%w: several users match", store.ErrConflict)
	}
	return found[0], nil
}

// ListUsers returns every user ordered by userName (case-insensitively), or an
// error.
func (db *DB) ListUsers(ctx context.Context) ([]store.User, error) {
	list, err := queryList(ctx, db.db, scanUser, `SELECT `+userColumns+` FROM users`+userOrder)
	if err != nil {
		return nil, db.wrap("list users", err)
	}
	return list, nil
}

// SearchUsers returns one page of the users whose userName, given and family
// name, display name or an e-mail address contains q.Search (ASCII
// case-insensitively), ordered by userName, and how many match in all, or an
// error.
func (db *DB) SearchUsers(ctx context.Context, q store.PageQuery) ([]store.User, int, error) {
	const where = ` WHERE lower(user_name) LIKE $1 ESCAPE '\'
		OR lower(given_name || ' ' || family_name) LIKE $1 ESCAPE '\'
		OR lower(display_name) LIKE $1 ESCAPE '\'
		OR EXISTS (SELECT 1 FROM user_emails e WHERE e.user_id = users.id AND e.value_lower LIKE $1 ESCAPE '\')`
	offset, limit := q.Bounds()
	pattern := store.LikePattern(q.Search)
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM users`+where, pattern).Scan(&total); err != nil {
		return nil, 0, db.wrap("search users", err)
	}
	list, err := queryList(ctx, db.db, scanUser, `SELECT `+userColumns+` FROM users`+where+userOrder+
		` LIMIT $2 OFFSET $3`, pattern, limit, offset)
	if err != nil {
		return nil, 0, db.wrap("search users", err)
	}
	return list, total, nil
}

// UpdateUser reads (and locks) the user, applies fn and saves its result with
// Version one above the stored one, in one transaction, and returns the user as
// saved. The ID and CreatedAt of the old record are kept whatever fn returns.
// An error from fn is returned as is and nothing is written; a missing user is
// an error wrapping store.ErrNotFound, a taken userName one wrapping
// store.ErrConflict.
func (db *DB) UpdateUser(ctx context.Context, id string, fn func(store.User) (store.User, error)) (store.User, error) {
	return update(ctx, db, "update user",
		func(q querier, lock string) (store.User, error) { return db.getUser(ctx, q, id, lock) },
		fn,
		func(old store.User, u *store.User) {
			u.ID, u.CreatedAt, u.Version = old.ID, old.CreatedAt, old.Version+1
		},
		func(tx *sql.Tx, u store.User) error { return updateUser(ctx, tx, u) })
}

// DeleteUser deletes the user with the given ID, its roles and its indexed
// e-mail addresses, after check (when not nil) has accepted the user inside
// the same transaction. It returns check's error as is, or an error wrapping
// store.ErrNotFound when there is no such user.
func (db *DB) DeleteUser(ctx context.Context, id string, check func(store.User) error) error {
	return db.write(ctx, "delete user", func(tx *sql.Tx) error {
		if check != nil {
			u, err := db.getUser(ctx, tx, id, db.d.forUpdate)
			if err != nil {
				return err
			}
			if err := check(u); err != nil {
				return errFn{err}
			}
		}
		return mustAffect(tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, id))
	})
}

// CreateUserIfNoneHasRole inserts u with Version 1, in one transaction, unless
// an active user holds role; it reports whether u was inserted. The
// transaction takes the dialect's lock for the role first, so that callers in
// any number of processes are serialised and at most one creates a user. It
// returns false and an error wrapping store.ErrConflict when u's ID or
// userName is taken, or false and the driver's error.
func (db *DB) CreateUserIfNoneHasRole(ctx context.Context, u store.User, role string) (bool, error) {
	return db.createUnless(ctx, "create user if none has role", lockRoleHolder, role,
		`SELECT EXISTS (SELECT 1 FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.role = $1 AND u.active)`,
		[]any{role}, func(tx *sql.Tx) error { return insertUser(ctx, tx, u) })
}

// getUser reads one user; lock is "" or the dialect's forUpdate.
func (db *DB) getUser(ctx context.Context, q querier, id, lock string) (store.User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`+lock, id))
}

func insertUser(ctx context.Context, q querier, u store.User) error {
	emails, roles, err := encodeUserLists(u)
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15)`,
		u.ID, u.UserName, u.GivenName, u.FamilyName, u.DisplayName, emails, u.Active,
		u.PreferredLanguage, roles, u.PasswordHash, u.ExternalID, u.IdpUserID, u.ClientID,
		ts(u.CreatedAt), ts(u.UpdatedAt),
	); err != nil {
		return err
	}
	return indexUser(ctx, q, u)
}

func updateUser(ctx context.Context, q querier, u store.User) error {
	emails, roles, err := encodeUserLists(u)
	if err != nil {
		return err
	}
	if err := mustAffect(q.ExecContext(ctx, `UPDATE users SET user_name = $1, given_name = $2,
		family_name = $3, display_name = $4, emails = $5, active = $6,
		preferred_language = $7, roles = $8, password_hash = $9, external_id = $10,
		idp_user_id = $11, client_id = $12, version = $13, updated_at = $14 WHERE id = $15`,
		u.UserName, u.GivenName, u.FamilyName, u.DisplayName, emails, u.Active,
		u.PreferredLanguage, roles, u.PasswordHash, u.ExternalID, u.IdpUserID, u.ClientID,
		u.Version, ts(u.UpdatedAt), u.ID)); err != nil {
		return err
	}
	for _, table := range []string{"user_roles", "user_emails"} {
		if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
	}
	return indexUser(ctx, q, u)
}

// indexUser writes the child rows that lookups use: the user's roles, and its
// non-empty e-mail addresses lower-cased (for GetUserByEmail).
func indexUser(ctx context.Context, q querier, u store.User) error {
	for i, role := range u.Roles {
		if _, err := q.ExecContext(ctx,
			`INSERT INTO user_roles (user_id, position, role) VALUES ($1, $2, $3)`, u.ID, i, role); err != nil {
			return err
		}
	}
	for i, e := range u.Emails {
		if e.Value == "" {
			continue
		}
		if _, err := q.ExecContext(ctx,
			`INSERT INTO user_emails (user_id, position, value_lower) VALUES ($1, $2, $3)`,
			u.ID, i, strings.ToLower(e.Value)); err != nil {
			return err
		}
	}
	return nil
}

func encodeUserLists(u store.User) (emails, roles string, err error) {
	list := make([]emailJSON, len(u.Emails))
	for i, e := range u.Emails {
		list[i] = emailJSON(e)
	}
	if emails, err = encodeJSON(list); err != nil {
		return "", "", err
	}
	roles, err = encodeJSON(u.Roles)
	return emails, roles, err
}

func scanUser(s scanner) (store.User, error) {
	var (
		u      store.User
		emails []emailJSON
	)
	if err := s.Scan(&u.ID, &u.UserName, &u.GivenName, &u.FamilyName, &u.DisplayName,
		jsonCol[emailJSON]{&emails}, &u.Active, &u.PreferredLanguage, jsonCol[string]{&u.Roles},
		&u.PasswordHash, &u.ExternalID, &u.IdpUserID, &u.ClientID, &u.Version,
		timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}); err != nil {
		return store.User{}, err
	}
	for _, e := range emails {
		u.Emails = append(u.Emails, store.Email(e))
	}
	u.PasswordHash = nilIfEmpty(u.PasswordHash)
	return u, nil
}
