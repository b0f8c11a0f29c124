package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/appintegration/appintegration/store"
)

// userSelect reads users (aliased u) with their roles, in order, as a JSON array.
const userSelect = `SELECT u.id, u.user_name, u.given_name, u.family_name,
	u.display_name, u.emails, u.active, u.preferred_language, u.password_hash,
	u.external_id, u.idp_user_id, u.client_id, u.version, u.created_at, u.updated_at,
	(SELECT json_group_array(r.role ORDER BY r.position) FROM user_roles r WHERE r.user_id = u.id)
	FROM users u`

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
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("create user", err)
	}
	defer tx.Rollback()
	if err := insertUser(ctx, tx, u); err != nil {
		return wrap("create user", err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("create user", err)
	}
	return nil
}

// GetUser returns the user with the given ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := getUser(ctx, db.db, id)
	if err != nil {
		return store.User{}, wrap("get user", err)
	}
	return u, nil
}

// GetUserByName returns the user whose userName equals userName compared
// case-insensitively, or an error wrapping store.ErrNotFound.
func (db *DB) GetUserByName(ctx context.Context, userName string) (store.User, error) {
	u, err := scanUser(db.db.QueryRowContext(ctx,
		userSelect+` WHERE u.user_name = ? COLLATE NOCASE`, userName))
	if err != nil {
		return store.User{}, wrap("get user by name", err)
	}
	return u, nil
}

// GetUserByIdpUserID returns the user whose IdpUserID equals idpUserID
// exactly. It returns an error wrapping store.ErrNotFound when none does (an
// empty idpUserID matches no user), or one wrapping store.ErrConflict when
// several do.
func (db *DB) GetUserByIdpUserID(ctx context.Context, idpUserID string) (store.User, error) {
	if idpUserID == "" {
		return store.User{}, wrap("get user by IdP user ID", sql.ErrNoRows)
	}
	// The second condition, always true here, lets SQLite use the partial index.
	u, err := getOneUser(ctx, db.db, userSelect+` WHERE u.idp_user_id = ? AND u.idp_user_id <> '' LIMIT 2`, idpUserID)
	if err != nil {
		return store.User{}, wrap("get user by IdP user ID", err)
	}
	return u, nil
}

// GetUserByEmail returns the user one of whose e-mail addresses equals email
// compared case-insensitively. It returns an error wrapping store.ErrNotFound
// when none does (an empty email matches no user), or one wrapping
// store.ErrConflict when several users do.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	if email == "" {
		return store.User{}, wrap("get user by e-mail", sql.ErrNoRows)
	}
	u, err := getOneUser(ctx, db.db, userSelect+` WHERE u.id IN (
		SELECT e.user_id FROM user_emails e WHERE e.value_lower = ?) LIMIT 2`,
		strings.ToLower(email))
	if err != nil {
		return store.User{}, wrap("get user by e-mail", err)
	}
	return u, nil
}

// getOneUser runs query, which selects at most two users, and returns the one
// it found, sql.ErrNoRows when it found none, or store.ErrConflict when it
// found two.
func getOneUser(ctx context.Context, q querier, query string, args ...any) (store.User, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return store.User{}, err
	}
	defer rows.Close()
	var found []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return store.User{}, err
		}
		found = append(found, u)
	}
	if err := rows.Err(); err != nil {
		return store.User{}, err
	}
	switch len(found) {
	case 0:
		return store.User{}, sql.ErrNoRows
	case 1:
		return found[0], nil
	default:
		return store.User{}, fmt.Errorf("%w: several users match", store.ErrConflict)
	}
}

// ListUsers returns every user ordered by userName (case-insensitively), or an
// error.
func (db *DB) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := db.db.QueryContext(ctx,
		userSelect+` ORDER BY u.user_name COLLATE NOCASE, u.id`)
	if err != nil {
		return nil, wrap("list users", err)
	}
	defer rows.Close()
	var list []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap("list users", err)
		}
		list = append(list, u)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list users", err)
	}
	return list, nil
}

// UpdateUser reads the user, applies fn and saves its result with Version one
// above the stored one, in one write transaction, and returns the user as
// saved. The ID and CreatedAt of the old record are kept whatever fn returns. An error from fn is returned as is and
// nothing is written; a missing user is an error wrapping store.ErrNotFound, a
// taken userName one wrapping store.ErrConflict.
func (db *DB) UpdateUser(ctx context.Context, id string, fn func(store.User) (store.User, error)) (store.User, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.User{}, wrap("update user", err)
	}
	defer tx.Rollback()
	old, err := getUser(ctx, tx, id)
	if err != nil {
		return store.User{}, wrap("update user", err)
	}
	u, err := fn(old)
	if err != nil {
		return store.User{}, err
	}
	u.ID, u.CreatedAt, u.Version = old.ID, old.CreatedAt, old.Version+1
	if err := updateUser(ctx, tx, u); err != nil {
		return store.User{}, wrap("update user", err)
	}
	saved, err := getUser(ctx, tx, id)
	if err != nil {
		return store.User{}, wrap("update user", err)
	}
	if err := tx.Commit(); err != nil {
		return store.User{}, wrap("update user", err)
	}
	return saved, nil
}

// DeleteUser deletes the user with the given ID, its roles and its indexed
// e-mail addresses. It returns an error wrapping store.ErrNotFound when there
// is none.
func (db *DB) DeleteUser(ctx context.Context, id string, check func(store.User) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("delete user", err)
	}
	defer tx.Rollback()
	if check != nil {
		u, err := getUser(ctx, tx, id)
		if err != nil {
			return wrap("delete user", err)
		}
		if err := check(u); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err != nil {
		return wrap("delete user", err)
	}
	if err := mustAffect(res); err != nil {
		return wrap("delete user", err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("delete user", err)
	}
	return nil
}

// CreateUserIfNoneHasRole inserts u with Version 1, in one write transaction,
// unless an active user holds role; it reports whether u was inserted. It returns false and an
// error wrapping store.ErrConflict when u's ID or userName is taken, or false
// and the driver's error.
func (db *DB) CreateUserIfNoneHasRole(ctx context.Context, u store.User, role string) (bool, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, wrap("create user if none has role", err)
	}
	defer tx.Rollback()
	var held bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (
		SELECT 1 FROM user_roles r JOIN users u ON u.id = r.user_id
		WHERE r.role = ? AND u.active)`, role).Scan(&held); err != nil {
		return false, wrap("create user if none has role", err)
	}
	if held {
		return false, nil
	}
	if err := insertUser(ctx, tx, u); err != nil {
		return false, wrap("create user if none has role", err)
	}
	if err := tx.Commit(); err != nil {
		return false, wrap("create user if none has role", err)
	}
	return true, nil
}

func getUser(ctx context.Context, q querier, id string) (store.User, error) {
	return scanUser(q.QueryRowContext(ctx, userSelect+` WHERE u.id = ?`, id))
}

func insertUser(ctx context.Context, q querier, u store.User) error {
	emails, err := encodeEmails(u.Emails)
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO users (id, user_name, given_name,
		family_name, display_name, emails, active, preferred_language, password_hash,
		external_id, idp_user_id, client_id, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		u.ID, u.UserName, u.GivenName, u.FamilyName, u.DisplayName, emails, u.Active,
		u.PreferredLanguage, u.PasswordHash, u.ExternalID, u.IdpUserID, u.ClientID,
		encodeTime(u.CreatedAt), encodeTime(u.UpdatedAt),
	); err != nil {
		return err
	}
	if err := insertUserEmails(ctx, q, u.ID, u.Emails); err != nil {
		return err
	}
	return insertUserRoles(ctx, q, u.ID, u.Roles)
}

func updateUser(ctx context.Context, q querier, u store.User) error {
	emails, err := encodeEmails(u.Emails)
	if err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE users SET user_name = ?, given_name = ?,
		family_name = ?, display_name = ?, emails = ?, active = ?,
		preferred_language = ?, password_hash = ?, external_id = ?, idp_user_id = ?,
		client_id = ?, version = ?, updated_at = ? WHERE id = ?`,
		u.UserName, u.GivenName, u.FamilyName, u.DisplayName, emails, u.Active,
		u.PreferredLanguage, u.PasswordHash, u.ExternalID, u.IdpUserID, u.ClientID,
		u.Version, encodeTime(u.UpdatedAt), u.ID)
	if err != nil {
		return err
	}
	if err := mustAffect(res); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = ?`, u.ID); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM user_emails WHERE user_id = ?`, u.ID); err != nil {
		return err
	}
	if err := insertUserEmails(ctx, q, u.ID, u.Emails); err != nil {
		return err
	}
	return insertUserRoles(ctx, q, u.ID, u.Roles)
}

// insertUserEmails indexes the user's non-empty e-mail addresses, lower-cased,
// for GetUserByEmail.
func insertUserEmails(ctx context.Context, q querier, userID string, emails []store.Email) error {
	for i, e := range emails {
		if e.Value == "" {
			continue
		}
		if _, err := q.ExecContext(ctx,
			`INSERT INTO user_emails (user_id, position, value_lower) VALUES (?, ?, ?)`,
			userID, i, strings.ToLower(e.Value)); err != nil {
			return err
		}
	}
	return nil
}

func insertUserRoles(ctx context.Context, q querier, userID string, roles []string) error {
	for i, role := range roles {
		if _, err := q.ExecContext(ctx,
			`INSERT INTO user_roles (user_id, position, role) VALUES (?, ?, ?)`,
			userID, i, role); err != nil {
			return err
		}
	}
	return nil
}

func scanUser(s scanner) (store.User, error) {
	var (
		u                store.User
		emails, roles    string
		created, updated int64
	)
	if err := s.Scan(&u.ID, &u.UserName, &u.GivenName, &u.FamilyName, &u.DisplayName,
		&emails, &u.Active, &u.PreferredLanguage, &u.PasswordHash,
		&u.ExternalID, &u.IdpUserID, &u.ClientID, &u.Version,
		&created, &updated, &roles); err != nil {
		return store.User{}, err
	}
	var err error
	if u.Emails, err = decodeEmails(emails); err != nil {
		return store.User{}, fmt.Errorf("user %q: emails: %w", u.ID, err)
	}
	if u.Roles, err = decodeJSON[string](roles); err != nil {
		return store.User{}, fmt.Errorf("user %q: roles: %w", u.ID, err)
	}
	u.PasswordHash = nilIfEmpty(u.PasswordHash)
	u.CreatedAt, u.UpdatedAt = decodeTime(created), decodeTime(updated)
	return u, nil
}

func encodeEmails(emails []store.Email) (string, error) {
	list := make([]emailJSON, len(emails))
	for i, e := range emails {
		list[i] = emailJSON(e)
	}
	return encodeJSON(list)
}

func decodeEmails(text string) ([]store.Email, error) {
	list, err := decodeJSON[emailJSON](text)
	if err != nil || list == nil {
		return nil, err
	}
	emails := make([]store.Email, len(list))
	for i, e := range list {
		emails[i] = store.Email(e)
	}
	return emails, nil
}
