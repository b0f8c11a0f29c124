package oauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"

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
	id, err := newID()
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
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
