package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/appintegration/appintegration/store"
)

// ErrBadLogin is returned by Authenticate for a wrong user name or password, or a
// user who may not sign in (inactive, no password).
var ErrBadLogin = errors.New("oauth: wrong user name or password")

// bcryptCost is the work factor of password hashes (bcrypt's default, ~50 ms).
const bcryptCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash of password, or an error when it is longer
// than bcrypt accepts (72 bytes).
func HashPassword(password string) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return nil, fmt.Errorf("oauth: hash password: %w", err)
	}
	return h, nil
}

// dummyHash is compared against when the user does not exist, so that a failed
// sign-in takes as long for an unknown user as for a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), bcryptCost)

// Authenticate checks a user's password. It returns the user, ErrBadLogin, or an
// internal error.
func (s *Service) Authenticate(ctx context.Context, userName, password string) (store.User, error) {
	u, err := s.store.GetUserByName(ctx, userName)
	if errors.Is(err, store.ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return store.User{}, ErrBadLogin
	}
	if err != nil {
		return store.User{}, fmt.Errorf("oauth: authenticate: %w", err)
	}
	hash := u.PasswordHash
	if len(hash) == 0 {
		hash = dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || len(u.PasswordHash) == 0 || !u.Active {
		return store.User{}, ErrBadLogin
	}
	return u, nil
}

// IsAdministrator reports whether u holds the DW Administrator role.
func IsAdministrator(u store.User) bool {
	return u.Active && slices.Contains(u.Roles, store.RoleAdministrator)
}

// BootstrapAdmin creates the user ADMIN with the DW Administrator role when no
// active administrator exists. The password is the given one, or a generated one
// when empty. It reports the password it set ("" when nothing was created).
func (s *Service) BootstrapAdmin(ctx context.Context, password string) (string, error) {
	if password == "" {
		password = rand.Text() // 26 base32 characters, 128 random bits
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	id, err := newUserID(now)
	if err != nil {
		return "", err
	}
	u := store.User{
		ID: id, UserName: "ADMIN", GivenName: "App Integration", FamilyName: "Administrator",
		DisplayName: "Administrator", Active: true, PreferredLanguage: "en",
		Roles: []string{store.RoleAdministrator}, PasswordHash: hash,
		CreatedAt: now, UpdatedAt: now,
	}
	created, err := s.store.CreateUserIfNoneHasRole(ctx, u, store.RoleAdministrator)
	if err != nil {
		return "", fmt.Errorf("oauth: bootstrap administrator: %w", err)
	}
	if !created {
		return "", nil
	}
	s.audit(ctx, "system", "user.created", "ADMIN", "bootstrap administrator")
	return password, nil
}

// Errors of the user rules; compare with errors.Is.
var (
	// ErrUserNameTaken: another user has the userName (case-insensitively).
	ErrUserNameTaken = errors.New("oauth: userName is taken")
	// ErrTechnicalUser: the user is a Technical User client's own user, which
	// is changed and deleted only through its client.
	ErrTechnicalUser = errors.New("oauth: the user of a Technical User client changes only through its client")
	// ErrPreconditionFailed: the stored version is not the one the caller's
	// Precondition asked for (an If-Match).
	ErrPreconditionFailed = errors.New("oauth: the user's version does not match")
)

// Precondition is a condition on the stored version of a user that a change
// or a delete needs, checked inside the same transaction (so that no other
// write slips in between); nil accepts every version.
type Precondition func(version int64) bool

// VersionIs is the Precondition that the stored version is v.
func VersionIs(v int64) Precondition { return func(version int64) bool { return version == v } }

// NewUser is a user's input checked against the user rules, with its
// password (if any) hashed: what CreateUsers creates. CheckNewUser makes one.
type NewUser struct {
	in      UserInput
	hash    []byte
	checked bool
}

// UserName is the userName the user will have.
func (n NewUser) UserName() string { return n.in.UserName }

// CheckNewUser checks in against the user rules and hashes its password (slow
// on purpose), so that a caller creating users in a transaction can do both
// before it. It returns a *ValidationError listing every broken rule, or an
// internal error.
func (s *Service) CheckNewUser(ctx context.Context, in UserInput) (NewUser, error) {
	in, hash, err := s.checkUserInput(ctx, in)
	if err != nil {
		return NewUser{}, err
	}
	return NewUser{in: in, hash: hash, checked: true}, nil
}

// CreateUser checks in against the user rules and creates the user: a new
// ID, version 1, its password (if any) hashed, and an audit entry naming
// actor. It returns the stored user, a *ValidationError listing every broken
// rule, ErrUserNameTaken (wrapped), or an internal error.
func (s *Service) CreateUser(ctx context.Context, actor Actor, in UserInput) (store.User, error) {
	if actor.name == "" {
		return store.User{}, errNoActor
	}
	n, err := s.CheckNewUser(ctx, in)
	if err != nil {
		return store.User{}, err
	}
	created, errs, err := s.CreateUsers(ctx, actor, []NewUser{n})
	if err != nil {
		return store.User{}, err
	}
	return created[0], errs[0]
}

// CreateUsers creates users, each made by CheckNewUser, in one write of the
// store: each gets a new ID, version 1 and an audit entry naming actor.
// created[i] is users[i] as stored, unless errs[i] is ErrUserNameTaken
// (wrapped): a stored user or an earlier one of users has its userName. An
// internal error err creates none of them.
func (s *Service) CreateUsers(ctx context.Context, actor Actor, users []NewUser) (created []store.User, errs []error, err error) {
	if actor.name == "" {
		return nil, nil, errNoActor
	}
	now := s.now().UTC().Truncate(time.Microsecond) // as the store keeps it
	created = make([]store.User, len(users))
	for i, n := range users {
		if !n.checked {
			return nil, nil, errors.New("oauth: create users: a user not checked by CheckNewUser")
		}
		id, err := newUserID(now)
		if err != nil {
			return nil, nil, err
		}
		created[i] = n.in.applyTo(store.User{ID: id, Version: 1, CreatedAt: now, UpdatedAt: now}, n.hash)
	}
	taken, err := s.store.CreateUsers(ctx, created)
	if err != nil {
		return nil, nil, fmt.Errorf("oauth: create users: %w", err)
	}
	errs = make([]error, len(users))
	var events []store.AuditEvent
	for i, u := range created {
		if taken[i] {
			created[i], errs[i] = store.User{}, fmt.Errorf("%w: %q", ErrUserNameTaken, u.UserName)
			continue
		}
		events = append(events, store.AuditEvent{Time: now, Actor: actor.name, Action: "user.created",
			Target: u.UserName, Detail: auditVia(actor, "roles: "+strings.Join(u.Roles, " "))})
	}
	s.auditEvents(ctx, events...)
	for i, u := range created {
		if errs[i] != nil || u.Enterprise.ManagerID == "" {
			continue // as stored: nothing of it is read from elsewhere
		}
		if created[i], err = s.store.GetUser(ctx, u.ID); err != nil { // with the manager's displayName
			return nil, nil, fmt.Errorf("oauth: read created user: %w", err)
		}
	}
	return created, errs, nil
}

// ReplaceUser sets every attribute of user id to in (a password not given
// stays as it is), when pre accepts the stored version. It returns the saved
// user; a *ValidationError; store.ErrNotFound, ErrTechnicalUser,
// ErrPreconditionFailed or ErrUserNameTaken (each wrapped); or an internal
// error.
func (s *Service) ReplaceUser(ctx context.Context, actor Actor, id string, pre Precondition, in UserInput) (store.User, error) {
	if actor.name == "" {
		return store.User{}, errNoActor
	}
	// Checked and hashed (slow on purpose) before the transaction.
	in, hash, err := s.checkUserInput(ctx, in)
	if err != nil {
		return store.User{}, err
	}
	return s.updateUser(ctx, actor, id, pre, func(old store.User) (store.User, error) {
		return in.applyTo(old, hash), nil
	})
}

// UpdateUser changes user id to what change makes of the stored user, inside
// one transaction, when the user is not a Technical User client's own and pre
// accepts its version; change's input is checked like CreateUser's (a
// password not given stays as it is). An error from change aborts it:
// nothing is saved and the error is returned wrapped (errors.Is and errors.As
// find it). It returns the saved user, or the errors of ReplaceUser.
func (s *Service) UpdateUser(ctx context.Context, actor Actor, id string, pre Precondition, change func(old store.User) (UserInput, error)) (store.User, error) {
	if actor.name == "" {
		return store.User{}, errNoActor
	}
	catalog, err := s.Roles(ctx)
	if err != nil {
		return store.User{}, fmt.Errorf("oauth: update user: %w", err)
	}
	return s.updateUser(ctx, actor, id, pre, func(old store.User) (store.User, error) {
		in, err := change(old)
		if err != nil {
			return store.User{}, err
		}
		in, hash, err := checkAndHash(catalog, in)
		if err != nil {
			return store.User{}, err
		}
		return in.applyTo(old, hash), nil
	})
}

// SetUserRole gives user id the catalog role (a value or display name), or
// takes it away, in one transaction, under the rules of every change of a
// user (not a Technical User client's own; audited; losing DW Administrator
// ends the user's sessions) but without checking the attributes it does not
// change: a SCIM Group's members are changed so, and the bootstrap ADMIN,
// which has no e-mail address, can lose a role. A change that changes nothing
// leaves the user as it is. It returns the saved user, a *ValidationError for
// a role not in the catalog, store.ErrNotFound or ErrTechnicalUser (wrapped),
// or an internal error.
func (s *Service) SetUserRole(ctx context.Context, actor Actor, id, role string, hold bool) (store.User, error) {
	if actor.name == "" {
		return store.User{}, errNoActor
	}
	catalog, err := s.Roles(ctx)
	if err != nil {
		return store.User{}, fmt.Errorf("oauth: set user role: %w", err)
	}
	p := problems{}
	values := resolveRoles(p, catalog, []string{role})
	if len(p) > 0 {
		return store.User{}, p.err()
	}
	value := values[0]
	return s.updateUser(ctx, actor, id, nil, func(old store.User) (store.User, error) {
		u := old
		has := slices.Contains(old.Roles, value)
		switch {
		case hold && !has:
			u.Roles = append(slices.Clone(old.Roles), value)
		case !hold && has:
			u.Roles = slices.DeleteFunc(slices.Clone(old.Roles), func(v string) bool { return v == value })
		}
		return u, nil
	})
}

// updateUser runs apply on the stored user inside store.UpdateUser, after the
// checks every change needs: the technical-user guard and pre. Checking pre
// inside the update's transaction is what makes two concurrent writes with
// the same version end with exactly one success.
func (s *Service) updateUser(ctx context.Context, actor Actor, id string, pre Precondition, apply func(store.User) (store.User, error)) (store.User, error) {
	var before, after store.User
	u, err := s.store.UpdateUser(ctx, id, func(old store.User) (store.User, error) {
		if err := checkUserChange(old, pre); err != nil {
			return store.User{}, err
		}
		u, err := apply(old)
		if err != nil {
			return store.User{}, err
		}
		before, after = old, u
		if changedFields(old, u) == "" {
			// RFC 7644 §3.5.2: a change that changes nothing leaves the
			// version and meta.lastModified as they are.
			return store.User{}, store.ErrUnchanged
		}
		u.UpdatedAt = s.now().UTC()
		return u, nil
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		return store.User{}, fmt.Errorf("%w: %q", ErrUserNameTaken, after.UserName)
	case err != nil:
		return store.User{}, fmt.Errorf("oauth: update user: %w", err)
	case u.Version == before.Version:
		return u, nil // unchanged: nothing to audit
	}
	s.audit(ctx, actor.name, "user.updated", u.UserName, auditVia(actor, "changed: "+changedFields(before, u)))
	s.endSessionsAfterChange(ctx, actor.name, before, u)
	return u, nil
}

// DeleteUser deletes user id, with its roles and e-mail addresses, unless it
// is a Technical User client's own user or pre refuses its version, both
// checked inside the delete's transaction. It returns store.ErrNotFound,
// ErrTechnicalUser or ErrPreconditionFailed (each wrapped), or an internal
// error.
func (s *Service) DeleteUser(ctx context.Context, actor Actor, id string, pre Precondition) error {
	if actor.name == "" {
		return errNoActor
	}
	var deleted store.User
	err := s.store.DeleteUser(ctx, id, func(u store.User) error {
		if err := checkUserChange(u, pre); err != nil {
			return err
		}
		deleted = u
		return nil
	})
	if err != nil {
		return fmt.Errorf("oauth: delete user: %w", err)
	}
	s.audit(ctx, actor.name, "user.deleted", deleted.UserName, auditVia(actor, ""))
	// A deleted user signs in nowhere (SessionUser finds no user); their
	// sessions are removed rather than left to expire.
	if _, err := s.EndUserSessions(ctx, actor.name, deleted, "deleted"); err != nil {
		s.log.ErrorContext(ctx, "ending the sessions of a deleted user failed", "user", deleted.UserName, "err", err)
	}
	return nil
}

// checkUserChange is what every change and delete of a stored user needs.
func checkUserChange(u store.User, pre Precondition) error {
	if u.ClientID != "" {
		return ErrTechnicalUser
	}
	if pre != nil && !pre(u.Version) {
		return ErrPreconditionFailed
	}
	return nil
}

// checkUserInput checks in against the catalog in the store and hashes its
// password.
func (s *Service) checkUserInput(ctx context.Context, in UserInput) (UserInput, []byte, error) {
	catalog, err := s.Roles(ctx)
	if err != nil {
		return in, nil, fmt.Errorf("oauth: check user: %w", err)
	}
	return checkAndHash(catalog, in)
}

// checkAndHash applies CheckUserInput and hashes the password, if in has one
// (nil otherwise).
func checkAndHash(catalog []store.Role, in UserInput) (UserInput, []byte, error) {
	in, err := CheckUserInput(catalog, in)
	if err != nil {
		return in, nil, err
	}
	if in.Password == nil {
		return in, nil, nil
	}
	hash, err := HashPassword(*in.Password)
	return in, hash, err
}

// auditVia is an audit detail: the actor's channel, then what.
func auditVia(a Actor, what string) string {
	switch {
	case a.via == "":
		return what
	case what == "":
		return a.via
	}
	return a.via + "; " + what
}

// changedFields names the attributes that differ between a and b, for the
// audit log (never their values: one of them is the password hash); "" when
// none does.
func changedFields(a, b store.User) string {
	var out []string
	add := func(changed bool, name string) {
		if changed {
			out = append(out, name)
		}
	}
	add(a.UserName != b.UserName, "userName")
	add(a.GivenName != b.GivenName || a.FamilyName != b.FamilyName || a.MiddleName != b.MiddleName ||
		a.HonorificPrefix != b.HonorificPrefix || a.HonorificSuffix != b.HonorificSuffix ||
		a.FormattedName != b.FormattedName, "name")
	add(a.DisplayName != b.DisplayName, "displayName")
	add(a.NickName != b.NickName, "nickName")
	add(a.ProfileURL != b.ProfileURL, "profileUrl")
	add(a.Title != b.Title, "title")
	add(a.UserType != b.UserType, "userType")
	add(!slices.Equal(a.Emails, b.Emails), "emails")
	add(!slices.Equal(a.PhoneNumbers, b.PhoneNumbers), "phoneNumbers")
	add(!slices.Equal(a.IMs, b.IMs), "ims")
	add(!slices.Equal(a.Photos, b.Photos), "photos")
	add(!slices.Equal(a.Entitlements, b.Entitlements), "entitlements")
	add(!slices.Equal(a.X509Certificates, b.X509Certificates), "x509Certificates")
	add(!slices.Equal(a.Addresses, b.Addresses), "addresses")
	add(a.Active != b.Active, "active")
	add(a.PreferredLanguage != b.PreferredLanguage, "preferredLanguage")
	add(a.Locale != b.Locale, "locale")
	add(a.Timezone != b.Timezone, "timezone")
	add(!slices.Equal(a.Roles, b.Roles), "roles")
	add(!bytes.Equal(a.PasswordHash, b.PasswordHash), "password")
	add(a.ExternalID != b.ExternalID, "externalId")
	add(a.IdpUserID != b.IdpUserID, "idpUserId")
	ea, eb := a.Enterprise, b.Enterprise
	ea.ManagerDisplayName, eb.ManagerDisplayName = "", ""
	add(ea != eb, "enterprise")
	return strings.Join(out, ", ")
}

// InTransaction calls fn with a Service whose every change, audit entries
// included, is made in one store transaction, and with that transaction's
// store, for reads that must see those changes. The transaction commits when
// fn returns nil; an error from fn rolls back everything and is returned as
// is. A change of fn's Service that fails changes nothing and leaves the
// transaction usable (SCIM bulk requests run so). Neither may be used after
// fn returns.
func (s *Service) InTransaction(ctx context.Context, fn func(tx *Service, st store.Store) error) error {
	return s.store.InTransaction(ctx, func(st store.Store) error {
		tx := *s
		tx.store = st
		return fn(&tx, st)
	})
}
