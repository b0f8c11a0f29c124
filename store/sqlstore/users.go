package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/appintegration/appintegration/store"
)

// userColumns are read in this order by scanUser. The manager's displayName is
// read from the manager's row.
const userColumns = `users.id, users.user_name, users.given_name, users.family_name,
	users.middle_name, users.honorific_prefix, users.honorific_suffix, users.formatted_name,
	users.display_name, users.nick_name, users.profile_url, users.title, users.user_type,
	users.preferred_language, users.locale, users.timezone, users.emails, users.phone_numbers,
	users.ims, users.photos, users.entitlements, users.x509_certificates, users.addresses,
	users.active, users.roles, users.password_hash, users.external_id, users.idp_user_id,
	users.employee_number, users.cost_center, users.organization, users.division,
	users.department, users.manager_id,
	coalesce((SELECT m.display_name FROM users m WHERE m.id = users.manager_id AND users.manager_id <> ''), ''),
	users.client_id, users.version, users.created_at, users.updated_at`

// valueJSON is the stored form of a store.Value.
type valueJSON struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// addressJSON is the stored form of a store.Address.
type addressJSON struct {
	Formatted     string `json:"formatted,omitempty"`
	StreetAddress string `json:"streetAddress,omitempty"`
	Locality      string `json:"locality,omitempty"`
	Region        string `json:"region,omitempty"`
	PostalCode    string `json:"postalCode,omitempty"`
	Country       string `json:"country,omitempty"`
	Type          string `json:"type,omitempty"`
	Primary       bool   `json:"primary,omitempty"`
}

// CreateUser inserts u with Version 1, whatever u.Version is. It returns an
// error wrapping store.ErrConflict when u.ID is taken or u.UserName is,
// compared case-insensitively.
func (db *DB) CreateUser(ctx context.Context, u store.User) error {
	return db.writeUsers(ctx, "create user", func(tx querier, p *txPending) error { return db.insertUser(ctx, tx, p, u) })
}

// CreateUsers creates, in one write, each of users whose ID and userName
// (case-insensitively) no stored user and no earlier one of users has;
// taken[i] reports that users[i] was not created because one had. The users
// go in with a few multi-row INSERTs rather than some for each user: this is
// what makes a SCIM bulk request of new users cheap.
func (db *DB) CreateUsers(ctx context.Context, users []store.User) (taken []bool, err error) {
	taken = make([]bool, len(users))
	err = db.writeUsers(ctx, "create users", func(tx querier, p *txPending) error {
		return db.insertUsers(ctx, tx, p, users, taken)
	})
	if err != nil {
		return nil, err
	}
	return taken, nil
}

// usersPerInsert keeps a multi-row INSERT of users well inside both engines'
// limits on the number of parameters (SQLite's is 32,766).
const usersPerInsert = 200

// GetUser returns the user with the given ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := db.getUser(ctx, db.q, id, "")
	if err != nil {
		return store.User{}, db.wrap("get user", err)
	}
	return u, nil
}

// GetUserByName returns the user whose userName equals userName compared
// case-insensitively, or an error wrapping store.ErrNotFound.
func (db *DB) GetUserByName(ctx context.Context, userName string) (store.User, error) {
	u, err := scanUser(db.q.QueryRowContext(ctx,
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
// compared case-insensitively. It returns an error wrapping store.ErrNotFound
// when none does (an empty email matches no user), or one wrapping
// store.ErrConflict when several users do.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := db.getOneUser(ctx, email, ` WHERE id IN (SELECT v.user_id FROM user_values v
		WHERE v.attr = 'emails' AND v.value_lower = $1) LIMIT 2`, store.Fold(email))
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
	found, err := queryList(ctx, db.q, scanUser, `SELECT `+userColumns+` FROM users`+where, args...)
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

// SearchUsers returns one page of the users that store.UserSearch(q.Search)
// matches, ordered by userName, and how many match in all, or an error.
func (db *DB) SearchUsers(ctx context.Context, q store.PageQuery) ([]store.User, int, error) {
	offset, limit := q.Bounds()
	return db.QueryUsers(ctx, store.UserQuery{Filter: store.UserSearch(q.Search), Offset: offset, Limit: limit})
}

// UpdateUser reads (and locks) the user, applies fn and saves its result with
// Version one above the stored one, in one transaction, and returns the user as
// saved. The ID and CreatedAt of the old record are kept whatever fn returns.
// An error from fn is returned as is and nothing is written; a missing user is
// an error wrapping store.ErrNotFound, a taken userName one wrapping
// store.ErrConflict.
func (db *DB) UpdateUser(ctx context.Context, id string, fn func(store.User) (store.User, error)) (store.User, error) {
	return update(ctx, db.updateUsers, db, "update user",
		func(q querier, lock string) (store.User, error) { return db.getUser(ctx, q, id, lock) },
		fn,
		func(old store.User, u *store.User) {
			u.ID, u.CreatedAt, u.Version = old.ID, old.CreatedAt, old.Version+1
		},
		func(tx querier, u store.User) error { return db.updateUser(ctx, tx, u) })
}

// DeleteUser deletes the user with the given ID and its roles and values,
// after check (when not nil) has accepted the user inside the same
// transaction. It returns check's error as is, or an error wrapping
// store.ErrNotFound when there is no such user.
func (db *DB) DeleteUser(ctx context.Context, id string, check func(store.User) error) error {
	return db.writeUsers(ctx, "delete user", func(tx querier, p *txPending) error {
		if check != nil {
			u, err := db.getUser(ctx, tx, id, db.d.forUpdate)
			if err != nil {
				return err
			}
			if err := check(u); err != nil {
				return errFn{err}
			}
		}
		return deleteUsers(ctx, tx, p, true, `DELETE FROM users WHERE id = $1`, id)
	})
}

// deleteUsers runs a DELETE of users and counts them off in p; with must, a
// DELETE that removes nobody is sql.ErrNoRows.
func deleteUsers(ctx context.Context, tx querier, p *txPending, must bool, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return err
	case n == 0 && must:
		return sql.ErrNoRows
	}
	p.userCount -= n
	return nil
}

// countUsers adds n to the number of users, in a shard chosen at random so
// that concurrent transactions seldom wait for each other's row lock.
func countUsers(ctx context.Context, q querier, n int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO user_counts (shard, n) VALUES ($1, $2)
		ON CONFLICT (shard) DO UPDATE SET n = user_counts.n + excluded.n`, rand.IntN(16), n)
	return err
}

// CreateUserIfNoneHasRole inserts u with Version 1, in one transaction,
// unless an active user holds role; it reports whether u was inserted. Of
// callers in any number of processes at most one creates a user. It
// returns false and an error wrapping store.ErrConflict when u's ID or
// userName is taken, or false and the driver's error.
func (db *DB) CreateUserIfNoneHasRole(ctx context.Context, u store.User, role string) (bool, error) {
	var tp *txPending // the count insertUser adds to, set before it runs
	write := func(ctx context.Context, op string, fn func(querier) error) error {
		return db.writeUsers(ctx, op, func(tx querier, p *txPending) error { tp = p; return fn(tx) })
	}
	return db.createUnless(ctx, write, "create user if none has role", lockRoleHolder, role,
		`SELECT EXISTS (SELECT 1 FROM user_roles r JOIN users u ON u.id = r.user_id WHERE lower(r.role) = lower($1) AND u.active)`,
		[]any{role}, func(tx querier) error { return db.insertUser(ctx, tx, tp, u) })
}

// getUser reads one user; lock is "" or the dialect's forUpdate.
func (db *DB) getUser(ctx context.Context, q querier, id, lock string) (store.User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`+lock, id))
}

func (db *DB) insertUser(ctx context.Context, q querier, p *txPending, u store.User) error {
	var taken [1]bool
	if err := db.insertUsers(ctx, q, p, []store.User{u}, taken[:]); err != nil {
		return err
	}
	if taken[0] {
		return store.ErrConflict
	}
	return nil
}

// insertUsers inserts users, skipping each whose ID or userName is taken
// (taken[i] is set for those), and their child rows.
func (db *DB) insertUsers(ctx context.Context, q querier, p *txPending, users []store.User, taken []bool) error {
	rows := db.rows()
	var cols []string
	for _, u := range users {
		c, vals, err := userFields(u)
		if err != nil {
			return err
		}
		cols = c
		rows.add(append(vals, u.ID, 1)...)
	}
	type key struct{ id, userName string }
	inserted := map[key]bool{}
	err := rows.each(func(values string, args []any) error {
		rs, err := q.QueryContext(ctx, `INSERT INTO users (`+strings.Join(cols, ", ")+`, id, version)
			VALUES `+values+` ON CONFLICT DO NOTHING RETURNING id, user_name`, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var k key
			if err := rs.Scan(&k.id, &k.userName); err != nil {
				return err
			}
			inserted[k] = true
		}
		return rs.Err()
	})
	if err != nil {
		return err
	}
	created := make([]store.User, 0, len(inserted))
	for i, u := range users {
		k := key{u.ID, u.UserName}
		if !inserted[k] {
			taken[i] = true
			continue
		}
		delete(inserted, k) // a later copy of u was skipped
		created = append(created, u)
	}
	p.userCount += int64(len(created))
	return db.indexUsers(ctx, q, created)
}

func (db *DB) updateUser(ctx context.Context, q querier, u store.User) error {
	cols, vals, err := userFields(u)
	if err != nil {
		return err
	}
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = fmt.Sprintf("%s = $%d", c, i+1)
	}
	n := len(vals)
	if err := mustAffect(q.ExecContext(ctx, `UPDATE users SET `+strings.Join(set, ", ")+
		fmt.Sprintf(`, version = $%d WHERE id = $%d`, n+1, n+2), append(vals, u.Version, u.ID)...)); err != nil {
		return err
	}
	for _, table := range []string{"user_roles", "user_values"} {
		if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
	}
	return db.indexUsers(ctx, q, []store.User{u})
}

// userFields returns the columns a write sets and their values, in one order.
func userFields(u store.User) ([]string, []any, error) {
	var (
		cols []string
		vals []any
		errs []error
	)
	add := func(col string, v any) { cols, vals = append(cols, col), append(vals, v) }
	values := func(col string, list []store.Value) {
		out := make([]valueJSON, len(list))
		for i, v := range list {
			out[i] = valueJSON(v)
		}
		s, err := encodeJSON(out)
		errs = append(errs, err)
		add(col, s)
	}
	add("user_name", u.UserName)
	add("given_name", u.GivenName)
	add("family_name", u.FamilyName)
	add("middle_name", u.MiddleName)
	add("honorific_prefix", u.HonorificPrefix)
	add("honorific_suffix", u.HonorificSuffix)
	add("formatted_name", u.FormattedName)
	add("display_name", u.DisplayName)
	add("nick_name", u.NickName)
	add("profile_url", u.ProfileURL)
	add("title", u.Title)
	add("user_type", u.UserType)
	add("preferred_language", u.PreferredLanguage)
	add("locale", u.Locale)
	add("timezone", u.Timezone)
	values("emails", u.Emails)
	values("phone_numbers", u.PhoneNumbers)
	values("ims", u.IMs)
	values("photos", u.Photos)
	values("entitlements", u.Entitlements)
	values("x509_certificates", u.X509Certificates)
	addresses := make([]addressJSON, len(u.Addresses))
	for i, a := range u.Addresses {
		addresses[i] = addressJSON(a)
	}
	s, err := encodeJSON(addresses)
	errs = append(errs, err)
	add("addresses", s)
	add("active", u.Active)
	roles, err := encodeJSON(u.Roles)
	errs = append(errs, err)
	add("roles", roles)
	add("password_hash", u.PasswordHash)
	add("external_id", u.ExternalID)
	add("idp_user_id", u.IdpUserID)
	add("employee_number", u.Enterprise.EmployeeNumber)
	add("cost_center", u.Enterprise.CostCenter)
	add("organization", u.Enterprise.Organization)
	add("division", u.Enterprise.Division)
	add("department", u.Enterprise.Department)
	add("manager_id", u.Enterprise.ManagerID)
	add("client_id", u.ClientID)
	add("created_at", ts(u.CreatedAt))
	add("updated_at", ts(u.UpdatedAt))
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return cols, vals, nil
}

// indexUsers writes the child rows that lookups and filters use: the users'
// roles, the values of their multi-valued attributes, and the single-valued
// attributes searched by substring; one INSERT for each table (and each
// rowsPerInsert rows).
func (db *DB) indexUsers(ctx context.Context, q querier, users []store.User) error {
	roles, values := db.rows(), db.rows()
	for _, u := range users {
		for i, role := range u.Roles {
			roles.add(u.ID, i, role)
		}
		for _, m := range []struct {
			attr   store.Attr
			values []store.Value
		}{
			{store.AttrEmails, u.Emails},
			{store.AttrPhoneNumbers, u.PhoneNumbers},
			{store.AttrIMs, u.IMs},
			{store.AttrPhotos, u.Photos},
			{store.AttrEntitlements, u.Entitlements},
		} {
			for i, v := range m.values {
				values.add(u.ID, string(m.attr), i, v.Value, store.Fold(v.Value), v.Type, v.Display, v.Primary)
			}
		}
		for _, s := range searched(u) {
			if s.value != "" {
				values.add(u.ID, string(s.attr), 0, s.value, store.Fold(s.value), "", "", false)
			}
		}
	}
	if err := roles.exec(ctx, q, `user_roles (user_id, position, role)`); err != nil {
		return err
	}
	return values.exec(ctx, q, `user_values (user_id, attr, position, value, value_lower, type, display, is_primary)`)
}

// rowsInsert collects the rows of multi-row INSERTs.
type rowsInsert struct {
	rows       [][]any
	positional bool // plain ? parameters, not numbered ones
}

// rows returns an empty rowsInsert for the engine.
func (db *DB) rows() *rowsInsert { return &rowsInsert{positional: db.d.positionalParams} }

func (r *rowsInsert) add(values ...any) { r.rows = append(r.rows, values) }

// maxParams keeps a statement inside both engines' limits on parameters
// (SQLite's 32,766, PostgreSQL's 65,535).
const maxParams = 30000

// each calls fn with the rows as VALUES lists, "($1, $2), ($3, $4)" or
// "(?, ?), (?, ?)", of at most maxParams parameters, and their arguments; it
// stops at fn's error.
func (r *rowsInsert) each(fn func(values string, args []any) error) error {
	var b strings.Builder
	var args []any
	for i, row := range r.rows {
		if len(args) > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			args = append(args, v)
			if r.positional {
				b.WriteByte('?')
			} else {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(len(args)))
			}
		}
		b.WriteByte(')')
		if i == len(r.rows)-1 || len(args)+len(r.rows[i+1]) > maxParams {
			if err := fn(b.String(), args); err != nil {
				return err
			}
			b.Reset()
			args = nil
		}
	}
	return nil
}

// exec inserts the rows into into (a table and its columns).
func (r *rowsInsert) exec(ctx context.Context, q querier, into string) error {
	return r.each(func(values string, args []any) error {
		_, err := q.ExecContext(ctx, `INSERT INTO `+into+` VALUES `+values, args...)
		return err
	})
}

// searched returns u's values of the single-valued attributes copied into
// user_values, so that substring filters on them use its trigram index.
func searched(u store.User) []struct {
	attr  store.Attr
	value string
} {
	return []struct {
		attr  store.Attr
		value string
	}{
		{store.AttrUserName, u.UserName},
		{store.AttrFullName, strings.Trim(u.GivenName+" "+u.FamilyName, " ")},
		{store.AttrDisplayName, u.DisplayName},
	}
}

func scanUser(s scanner) (store.User, error) {
	var (
		u                                        store.User
		emails, phones, ims, photos, ents, x509s []valueJSON
		addresses                                []addressJSON
	)
	if err := s.Scan(&u.ID, &u.UserName, &u.GivenName, &u.FamilyName, &u.MiddleName,
		&u.HonorificPrefix, &u.HonorificSuffix, &u.FormattedName, &u.DisplayName, &u.NickName,
		&u.ProfileURL, &u.Title, &u.UserType, &u.PreferredLanguage, &u.Locale, &u.Timezone,
		jsonCol[valueJSON]{&emails}, jsonCol[valueJSON]{&phones}, jsonCol[valueJSON]{&ims},
		jsonCol[valueJSON]{&photos}, jsonCol[valueJSON]{&ents}, jsonCol[valueJSON]{&x509s},
		jsonCol[addressJSON]{&addresses}, &u.Active, jsonCol[string]{&u.Roles}, &u.PasswordHash,
		&u.ExternalID, &u.IdpUserID, &u.Enterprise.EmployeeNumber, &u.Enterprise.CostCenter,
		&u.Enterprise.Organization, &u.Enterprise.Division, &u.Enterprise.Department,
		&u.Enterprise.ManagerID, &u.Enterprise.ManagerDisplayName, &u.ClientID, &u.Version,
		timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}); err != nil {
		return store.User{}, err
	}
	u.Emails, u.PhoneNumbers, u.IMs = fromJSON(emails), fromJSON(phones), fromJSON(ims)
	u.Photos, u.Entitlements, u.X509Certificates = fromJSON(photos), fromJSON(ents), fromJSON(x509s)
	for _, a := range addresses {
		u.Addresses = append(u.Addresses, store.Address(a))
	}
	u.PasswordHash = nilIfEmpty(u.PasswordHash)
	return u, nil
}

func fromJSON(list []valueJSON) []store.Value {
	var out []store.Value
	for _, v := range list {
		out = append(out, store.Value(v))
	}
	return out
}
