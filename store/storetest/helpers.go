package storetest

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
)

// errTest is what update functions and generators return to test that an
// error is passed through.
var errTest = errors.New("storetest: fn failed")

// zone is not UTC, to test that times keep their instant whatever the location.
var zone = time.FixedZone("UTC+2", 2*60*60)

// at returns a time with microsecond precision, n hours after a fixed instant.
func at(n int) time.Time {
	return time.Date(2025, time.March, 4, 5, 6, 7, 123456000, zone).Add(time.Duration(n) * time.Hour)
}

func newClient(id string) store.Client {
	return store.Client{
		ID:      id,
		Name:    "Client " + id,
		Purpose: store.PurposeAPIAccess,
		Grant:   store.GrantClientCredentials,
		Access:  []string{store.AccessUserProvisioning, store.AccessContentNetwork},
		Secrets: []store.ClientSecret{
			{ID: "s2-" + id, Hash: bytes.Repeat([]byte{0xCD, 0x00}, 16), CreatedAt: at(2)},
			{ID: "s1-" + id, Hash: bytes.Repeat([]byte{0xAB, 0x00}, 16), CreatedAt: at(0), ExpiresAt: at(7 * 24), LastUsedAt: at(1)},
		},
		TokenLifetime: time.Hour,
		// Not what a client of this purpose has, but every field is set to
		// catch one the backend forgets.
		RefreshTokenLifetime: 30 * 24 * time.Hour,
		RedirectURIs:         []string{"https://app.example.com/**", "http://localhost:8080/"},
		RequirePKCE:          true,
		UserID:               "TU_" + id,
		ExpiresAt:            at(90 * 24),
		RequestID:            "req-" + id,
		CreatedAt:            at(0),
		UpdatedAt:            at(1),
	}
}

func newUser(id, userName string) store.User {
	return store.User{
		ID:          id,
		UserName:    userName,
		GivenName:   "Given " + id,
		FamilyName:  "Family " + id,
		DisplayName: "Display " + id,
		Emails: []store.Email{
			{Value: strings.ToLower(userName) + "@example.com", Type: "work", Primary: true},
			{Value: strings.ToLower(userName) + "@example.org", Type: "home"},
		},
		Active:            true,
		PreferredLanguage: "de",
		Roles:             []string{store.RoleViewer, store.RoleModeler},
		PasswordHash:      []byte("$2a$10$abcdefghijklmnopqrstuv"),
		ExternalID:        "ext-" + id,
		IdpUserID:         strings.ToLower(userName) + "@idp.example.com",
		ClientID:          "client-" + id,
		Version:           1,
		CreatedAt:         at(0),
		UpdatedAt:         at(1),
		// Every other attribute of the SCIM core and enterprise User, to
		// catch one the backend forgets.
		MiddleName: "Middle " + id, HonorificPrefix: "Dr.", HonorificSuffix: "III",
		FormattedName: "Dr. Given " + id + " III", NickName: "Nick " + id, ProfileURL: "https://example.com/" + id,
		Title: "Title " + id, UserType: "Employee", Locale: "de-DE", Timezone: "Europe/Berlin",
		PhoneNumbers:     []store.Value{{Value: "+49 30 1234", Type: "work", Primary: true}, {Value: "+49 170 5678", Type: "mobile"}},
		IMs:              []store.Value{{Value: id + "@im.example", Type: "xmpp", Display: "IM " + id}},
		Photos:           []store.Value{{Value: "https://photos.example.com/" + id + ".jpg", Type: "photo"}},
		Entitlements:     []store.Value{{Value: "entitlement-" + id}},
		X509Certificates: []store.Value{{Value: "MIIBszCCAVmgAwIBAgIU" + id}},
		Addresses: []store.Address{{Formatted: "1 Main St\nBerlin", StreetAddress: "1 Main St", Locality: "Berlin",
			Region: "BE", PostalCode: "10115", Country: "DE", Type: "work", Primary: true}, {Locality: "Potsdam", Type: "home"}},
		Enterprise: store.Enterprise{EmployeeNumber: "E-" + id, CostCenter: "CC-1", Organization: "Org",
			Division: "Div", Department: "Dept", ManagerID: "manager-of-" + id},
	}
}

func newKey(id string) store.SigningKey {
	return store.SigningKey{
		ID:         id,
		Algorithm:  "RS256",
		PrivateKey: []byte{0x30, 0x82, 0x00, 0x01, 0xFF, 0x00},
		CreatedAt:  at(0),
		SignAt:     at(1),
	}
}

// normTime returns t in UTC, cut to microseconds.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// normSlice returns nil for an empty slice.
func normSlice[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func normClient(c store.Client) store.Client {
	c.Access = normSlice(c.Access)
	c.RedirectURIs = normSlice(c.RedirectURIs)
	c.ExpiresAt = normTime(c.ExpiresAt)
	c.Secrets = mapSlice(c.Secrets, normSecret)
	c.CreatedAt, c.UpdatedAt = normTime(c.CreatedAt), normTime(c.UpdatedAt)
	return c
}

func normSecret(s store.ClientSecret) store.ClientSecret {
	s.Hash = normSlice(s.Hash)
	s.CreatedAt, s.ExpiresAt, s.LastUsedAt = normTime(s.CreatedAt), normTime(s.ExpiresAt), normTime(s.LastUsedAt)
	return s
}

func normUser(u store.User) store.User {
	u.Emails = normSlice(u.Emails)
	u.PhoneNumbers, u.IMs, u.Photos = normSlice(u.PhoneNumbers), normSlice(u.IMs), normSlice(u.Photos)
	u.Entitlements, u.X509Certificates = normSlice(u.Entitlements), normSlice(u.X509Certificates)
	u.Addresses = normSlice(u.Addresses)
	u.Roles = normSlice(u.Roles)
	u.PasswordHash = normSlice(u.PasswordHash)
	u.CreatedAt, u.UpdatedAt = normTime(u.CreatedAt), normTime(u.UpdatedAt)
	return u
}

func normKey(k store.SigningKey) store.SigningKey {
	k.PrivateKey = normSlice(k.PrivateKey)
	k.CreatedAt, k.SignAt = normTime(k.CreatedAt), normTime(k.SignAt)
	k.RetireAt, k.ExpireAt = normTime(k.RetireAt), normTime(k.ExpireAt)
	return k
}

func normRole(r store.Role) store.Role {
	r.Scopes = normSlice(r.Scopes)
	return r
}

func normAudit(e store.AuditEvent) store.AuditEvent {
	e.Time = normTime(e.Time)
	return e
}

// mapSlice applies f to every element of s.
func mapSlice[T any](s []T, f func(T) T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return normSlice(out)
}

// equal fails t unless got and want, normalised by norm, are deeply equal.
func equal[T any](t *testing.T, what string, got, want T, norm func(T) T) {
	t.Helper()
	if g, w := norm(got), norm(want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got  %+v\n want %+v", what, g, w)
	}
}

// equalList is equal for lists compared in order.
func equalList[T any](t *testing.T, what string, got, want []T, norm func(T) T) {
	t.Helper()
	equal(t, what, got, want, func(s []T) []T { return mapSlice(s, norm) })
}

// wantErr fails t unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// must fails t now when err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// sortedBy returns s sorted by key.
func sortedBy[T any](s []T, key func(T) string) []T {
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return s
}

func newAuthCode(id string) store.AuthCode {
	return store.AuthCode{
		ID:            id,
		ClientID:      "client-" + id,
		UserID:        "user-" + id,
		RedirectURI:   "https://app.example.com/callback?x=" + id,
		Scope:         "openid user_provisioning",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		FamilyID:      "family-" + id,
		CreatedAt:     at(0),
		ExpiresAt:     at(1),
	}
}

func newRefreshToken(id string) store.RefreshToken {
	return store.RefreshToken{
		ID:        id,
		FamilyID:  "family-" + id,
		ClientID:  "client-" + id,
		UserID:    "user-" + id,
		Scope:     "content_network",
		CreatedAt: at(0),
		ExpiresAt: at(30 * 24),
	}
}

func newIdentityProvider(id string) store.IdentityProvider {
	return store.IdentityProvider{
		ID:           id,
		Name:         "IdP " + id,
		ProviderName: "idp-" + id + ".example.com",
		EntityID:     "https://idp.example.com/" + id + "/metadata",
		Certificates: [][]byte{{0x30, 0x82, 0x00, 0xFF, 0x01}, {0x30, 0x00, 0x00, 0x0A}},
		SSOURL:       "https://idp.example.com/" + id + "/sso",
		SSOBinding:   "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
		CreatedAt:    at(0),
		UpdatedAt:    at(1),
	}
}

func normAuthCode(c store.AuthCode) store.AuthCode {
	c.CreatedAt, c.ExpiresAt, c.UsedAt = normTime(c.CreatedAt), normTime(c.ExpiresAt), normTime(c.UsedAt)
	return c
}

func normRefreshToken(r store.RefreshToken) store.RefreshToken {
	r.CreatedAt, r.ExpiresAt, r.UsedAt = normTime(r.CreatedAt), normTime(r.ExpiresAt), normTime(r.UsedAt)
	return r
}

func normIdentityProvider(p store.IdentityProvider) store.IdentityProvider {
	p.Certificates = mapSlice(p.Certificates, normSlice)
	p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
	return p
}

// listUsers returns every user (of the few a test creates) in userName order,
// through QueryUsers.
func listUsers(t *testing.T, s store.Store) ([]store.User, error) {
	t.Helper()
	users, _, err := s.QueryUsers(t.Context(), store.UserQuery{Limit: store.MaxPageLimit})
	return users, err
}
