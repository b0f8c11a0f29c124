package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/appintegration/appintegration/store"
)

const userColumns = `id, user_name, given_name, family_name, display_name, emails,
	active, preferred_language, roles, password_hash, external_id, idp_user_id,
	client_id, version, created_at, updated_at`

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
	if err := db.inTx(ctx, func(tx pgx.Tx) error { return insertUser(ctx, tx, u) }); err != nil {
		return wrap("create user", err)
	}
	return nil
}

// GetUser returns the user with the given ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := getUser(ctx, db.pool, id, "")
	if err != nil {
		return store.User{}, wrap("get user", err)
	}
	return u, nil
}

// GetUserByName returns the user whose userName equals userName compared
// case-insensitively, or an error wrapping store.ErrNotFound.
func (db *DB) GetUserByName(ctx context.Context, userName string) (store.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE lower(user_name) = lower($1)`, userName))
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
		return store.User{}, wrap("get user by IdP user ID", pgx.ErrNoRows)
	}
	u, err := getOneUser(ctx, db.pool,
		`SELECT `+userColumns+` FROM users WHERE idp_user_id = $1 LIMIT 2`, idpUserID)
	if err != nil {
		return store.User{}, wrap("get user by IdP user ID", err)
	}
	return u, nil
}

// GetUserByEmail returns the user one of whose e-mail addresses equals email
// compared case-insensitively (lower-cased with Go's Unicode rules). It returns
// an error wrapping store.ErrNotFound when none does (an empty email matches no
// user), or one wrapping store.ErrConflict when several users do.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	if email == "" {
		return store.User{}, wrap("get user by e-mail", pgx.ErrNoRows)
	}
	u, err := getOneUser(ctx, db.pool, `SELECT `+userColumns+` FROM users
		WHERE emails_lower @> ARRAY[$1::text] LIMIT 2`, strings.ToLower(email))
	if err != nil {
		return store.User{}, wrap("get user by e-mail", err)
	}
	return u, nil
}

// getOneUser runs query, which selects at most two users, and returns the one
// it found, pgx.ErrNoRows when it found none, or store.ErrConflict when it
// found two.
func getOneUser(ctx context.Context, q querier, query string, args ...any) (store.User, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return store.User{}, err
	}
	found, err := collect(rows, scanUser)
	if err != nil {
		return store.User{}, err
	}
	switch len(found) {
	case 0:
		return store.User{}, pgx.ErrNoRows
	case 1:
		return found[0], nil
	default:
		return store.User{}, fmt.Errorf("%w: several users match", store.ErrConflict)
	}
}

// ListUsers returns every user ordered by userName (case-insensitively), or an
// error.
func (db *DB) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := db.pool.Query(ctx,
		`SELECT `+userColumns+` FROM users ORDER BY lower(user_name), id`)
	if err != nil {
		return nil, wrap("list users", err)
	}
	list, err := collect(rows, scanUser)
	if err != nil {
		return nil, wrap("list users", err)
	}
	return list, nil
}

// UpdateUser locks the user (SELECT … FOR UPDATE), applies fn and saves its
// result with Version one above the stored one, in one transaction, and returns
// the user as saved. The ID and CreatedAt of the old record are kept whatever
// fn returns. An error from fn is returned as is and nothing is written; a
// missing user is an error wrapping store.ErrNotFound, a taken userName one
// wrapping store.ErrConflict.
func (db *DB) UpdateUser(ctx context.Context, id string, fn func(store.User) (store.User, error)) (store.User, error) {
	var saved store.User
	var fnErr error
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := getUser(ctx, tx, id, " FOR UPDATE")
		if err != nil {
			return err
		}
		u, err := fn(old)
		if err != nil {
			fnErr = err
			return err
		}
		u.ID, u.CreatedAt, u.Version = old.ID, old.CreatedAt, old.Version+1
		if err := updateUser(ctx, tx, u); err != nil {
			return err
		}
		saved, err = getUser(ctx, tx, id, "")
		return err
	})
	if fnErr != nil {
		return store.User{}, fnErr
	}
	if err != nil {
		return store.User{}, wrap("update user", err)
	}
	return saved, nil
}

// DeleteUser deletes the user with the given ID. It returns an error wrapping
// store.ErrNotFound when there is none.
func (db *DB) DeleteUser(ctx context.Context, id string, check func(store.User) error) error {
	var checkErr error
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if check != nil {
			u, err := getUser(ctx, tx, id, " FOR UPDATE")
			if err != nil {
				return err
			}
			if checkErr = check(u); checkErr != nil {
				return checkErr
			}
		}
		tag, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		if err != nil {
			return err
		}
		return mustAffect(tag)
	})
	if checkErr != nil {
		return checkErr
	}
	if err != nil {
		return wrap("delete user", err)
	}
	return nil
}

// CreateUserIfNoneHasRole inserts u with Version 1, in one transaction, unless
// an active user holds role; it reports whether u was inserted. The
// transaction first takes an advisory lock for the role, held until it ends,
// so that callers in any number of processes are serialized and at most one
// creates a user (under READ COMMITTED the check after the lock sees what the
// previous holder committed). It returns false and an error wrapping
// store.ErrConflict when u's ID or userName is taken, or false and the
// driver's error.
func (db *DB) CreateUserIfNoneHasRole(ctx context.Context, u store.User, role string) (bool, error) {
	created := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`,
			lockRoleHolder, role); err != nil {
			return err
		}
		var held bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (
			SELECT 1 FROM users WHERE roles @> ARRAY[$1::text] AND active)`, role,
		).Scan(&held); err != nil {
			return err
		}
		if held {
			return nil
		}
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return false, wrap("create user if none has role", err)
	}
	return created, nil
}

// getUser reads one user; lock is "" or " FOR UPDATE".
func getUser(ctx context.Context, q querier, id, lock string) (store.User, error) {
	return scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`+lock, id))
}

func insertUser(ctx context.Context, q querier, u store.User) error {
	emails, err := encodeEmails(u.Emails)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO users (`+userColumns+`, emails_lower)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15, $16)`,
		u.ID, u.UserName, u.GivenName, u.FamilyName, u.DisplayName, emails, u.Active,
		u.PreferredLanguage, nonNil(u.Roles), u.PasswordHash, u.ExternalID, u.IdpUserID,
		u.ClientID, encodeTime(u.CreatedAt), encodeTime(u.UpdatedAt), emailsLower(u.Emails))
	return err
}

func updateUser(ctx context.Context, q querier, u store.User) error {
	emails, err := encodeEmails(u.Emails)
	if err != nil {
		return err
	}
	tag, err := q.Exec(ctx, `UPDATE users SET user_name = $1, given_name = $2,
		family_name = $3, display_name = $4, emails = $5, emails_lower = $6, active = $7,
		preferred_language = $8, roles = $9, password_hash = $10, external_id = $11,
		idp_user_id = $12, client_id = $13, version = $14, updated_at = $15 WHERE id = $16`,
		u.UserName, u.GivenName, u.FamilyName, u.DisplayName, emails, emailsLower(u.Emails),
		u.Active, u.PreferredLanguage, nonNil(u.Roles), u.PasswordHash, u.ExternalID,
		u.IdpUserID, u.ClientID, u.Version, encodeTime(u.UpdatedAt), u.ID)
	if err != nil {
		return err
	}
	return mustAffect(tag)
}

// emailsLower returns the non-empty addresses of emails, lower-cased, for
// GetUserByEmail.
func emailsLower(emails []store.Email) []string {
	out := []string{}
	for _, e := range emails {
		if e.Value != "" {
			out = append(out, strings.ToLower(e.Value))
		}
	}
	return out
}

func scanUser(row pgx.Row) (store.User, error) {
	var (
		u                store.User
		emails           []byte
		created, updated time.Time
	)
	if err := row.Scan(&u.ID, &u.UserName, &u.GivenName, &u.FamilyName, &u.DisplayName,
		&emails, &u.Active, &u.PreferredLanguage, &u.Roles, &u.PasswordHash,
		&u.ExternalID, &u.IdpUserID, &u.ClientID, &u.Version,
		&created, &updated); err != nil {
		return store.User{}, err
	}
	var err error
	if u.Emails, err = decodeEmails(emails); err != nil {
		return store.User{}, fmt.Errorf("user %q: emails: %w", u.ID, err)
	}
	u.Roles = nilIfEmpty(u.Roles)
	u.PasswordHash = nilIfEmpty(u.PasswordHash)
	u.CreatedAt, u.UpdatedAt = decodeTime(created), decodeTime(updated)
	return u, nil
}

// encodeEmails returns emails as a JSON array ("[]" for none), passed to
// PostgreSQL as text and cast to jsonb.
func encodeEmails(emails []store.Email) (string, error) {
	list := make([]emailJSON, len(emails))
	for i, e := range emails {
		list[i] = emailJSON(e)
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func decodeEmails(text []byte) ([]store.Email, error) {
	var list []emailJSON
	if err := json.Unmarshal(text, &list); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	emails := make([]store.Email, len(list))
	for i, e := range list {
		emails[i] = store.Email(e)
	}
	return emails, nil
}
