package samltest_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	dsig "github.com/russellhaering/goxmldsig"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
)

// The fuzz target lives here rather than in package oauth's tests so that its
// test binary does not link the SQLite driver: the fuzzer instruments every
// linked package, and the driver's size would slow each run a thousandfold.

// memStore is the part of store.Store the assertion checker reads, in memory.
// Any other method panics (through the nil embedded interface), which the fuzz
// target would report.
type memStore struct {
	store.Store
	mu    sync.Mutex
	idps  []store.IdentityProvider
	users []store.User
	used  map[string]bool
}

func (m *memStore) ListIdentityProviders(context.Context) ([]store.IdentityProvider, error) {
	return m.idps, nil
}

func (m *memStore) find(match func(store.User) bool) (store.User, error) {
	for _, u := range m.users {
		if match(u) {
			return u, nil
		}
	}
	return store.User{}, store.ErrNotFound
}

func (m *memStore) GetUserByIdpUserID(_ context.Context, id string) (store.User, error) {
	return m.find(func(u store.User) bool { return u.IdpUserID != "" && u.IdpUserID == id })
}

func (m *memStore) GetUserByName(_ context.Context, name string) (store.User, error) {
	return m.find(func(u store.User) bool { return strings.EqualFold(u.UserName, name) })
}

func (m *memStore) GetUserByEmail(_ context.Context, email string) (store.User, error) {
	return m.find(func(u store.User) bool {
		for _, e := range u.Emails {
			if strings.EqualFold(e.Value, email) {
				return true
			}
		}
		return false
	})
}

func (m *memStore) UseAssertionID(_ context.Context, issuer, id string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.used[issuer+"\x00"+id] {
		return store.ErrConflict
	}
	m.used[issuer+"\x00"+id] = true
	return nil
}

func (m *memStore) AssertionIDUsed(_ context.Context, issuer, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used[issuer+"\x00"+id], nil
}

func (m *memStore) AppendAudit(context.Context, ...store.AuditEvent) error { return nil }

// FuzzCheckAssertion feeds the assertion parser and validator mutations of
// assertions minted by a real IdP (make fuzz; make test fuzzes it briefly). Large
// seeds make the fuzzer minimise for long, so short runs pass -fuzzminimizetime 0.
// Whatever the input, the checker must not fail or panic, must report every
// check, and must never pass an assertion whose signature did not verify.
func FuzzCheckAssertion(f *testing.F) {
	idp := samltest.NewIdP(f, "https://idp.example.test/metadata", 24*time.Hour)
	st := &memStore{
		idps: []store.IdentityProvider{{ID: "idp-1", Name: "Test IdP", ProviderName: "test-idp",
			EntityID: idp.EntityID, Certificates: [][]byte{idp.Cert.Raw}}},
		users: []store.User{{ID: "u-alice", UserName: "ALICE", Active: true,
			Emails: []store.Email{{Value: "alice@example.com", Primary: true}}}},
		used: map[string]bool{},
	}
	svc, err := oauth.New(oauth.Config{Store: st, BaseURL: "https://auth.example.com"})
	if err != nil {
		f.Fatal(err)
	}
	u := svc.URLs()
	target := samltest.Target{Audience: u.SAML2Audience, TokenURL: u.SAML2TokenURL}
	good := idp.Assertion(f, target, samltest.Options{NameID: "alice@example.com"})
	body := string(good[strings.Index(string(good), "<saml:Assertion"):])
	f.Add(good)
	f.Add([]byte(samltest.Encode(good)))
	f.Add(idp.Assertion(f, target, samltest.Options{NameID: "alice@example.com", Unsigned: true}))
	f.Add(idp.Assertion(f, target, samltest.Options{NameID: "alice@example.com", SignatureMethod: dsig.RSASHA1SignatureMethod}))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]>` + body))
	f.Add([]byte(`<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="x" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Advice>` + body + `</saml:Advice></saml:Assertion>`))
	f.Add([]byte(strings.Replace(body, "alice@example.com<", "alice@example.com<!---->.evil<", 1)))

	rep, err := svc.CheckAssertion(context.Background(), string(good))
	if err != nil || !rep.Passed() {
		f.Fatalf("the seed assertion does not pass: %v %+v", err, rep)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := svc.CheckAssertion(context.Background(), string(data))
		if err != nil {
			t.Fatalf("error on fuzz input: %v", err)
		}
		if len(rep.Checks) != 10 {
			t.Fatalf("%d checks reported", len(rep.Checks))
		}
		sig := rep.Checks[4]
		if sig.ID != oauth.CheckSignature {
			t.Fatalf("check 5 is %q", sig.ID)
		}
		if rep.Passed() && sig.Status != oauth.CheckPassed {
			t.Fatalf("passed without a verified signature: %+v", rep.Checks)
		}
	})
}
