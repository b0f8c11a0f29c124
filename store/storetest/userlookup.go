package storetest

import (
	"testing"

	"github.com/appintegration/appintegration/store"
)

func testGetUserByIdpUserID(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := newUser("u1", "alice")
	alice.IdpUserID = "Alice@IdP.example.com"
	bob := newUser("u2", "bob")
	// Users without an IdP user ID: "" matches none of them.
	noIdp1, noIdp2 := newUser("u3", "carol"), newUser("u4", "dave")
	noIdp1.IdpUserID, noIdp2.IdpUserID = "", ""
	for _, u := range []store.User{alice, bob, noIdp1, noIdp2} {
		must(t, "CreateUser "+u.ID, s.CreateUser(ctx, u))
	}

	got, err := s.GetUserByIdpUserID(ctx, "Alice@IdP.example.com")
	must(t, "GetUserByIdpUserID", err)
	equal(t, "GetUserByIdpUserID", got, alice, normUser)
	got, err = s.GetUserByIdpUserID(ctx, bob.IdpUserID)
	must(t, "GetUserByIdpUserID", err)
	equal(t, "GetUserByIdpUserID", got, bob, normUser)

	for _, id := range []string{"alice@idp.example.com", "Alice@IdP.example", "alice", ""} {
		_, err = s.GetUserByIdpUserID(ctx, id)
		wantErr(t, "GetUserByIdpUserID("+id+") (exact match only)", err, store.ErrNotFound)
	}

	// A second user with the same IdP user ID makes the lookup ambiguous.
	_, err = s.UpdateUser(ctx, bob.ID, func(u store.User) (store.User, error) {
		u.IdpUserID = alice.IdpUserID
		return u, nil
	})
	must(t, "UpdateUser", err)
	_, err = s.GetUserByIdpUserID(ctx, alice.IdpUserID)
	wantErr(t, "GetUserByIdpUserID of two users", err, store.ErrConflict)
	_, err = s.GetUserByIdpUserID(ctx, "bob@idp.example.com")
	wantErr(t, "GetUserByIdpUserID of the old value", err, store.ErrNotFound)

	must(t, "DeleteUser", s.DeleteUser(ctx, alice.ID, nil))
	got, err = s.GetUserByIdpUserID(ctx, alice.IdpUserID)
	must(t, "GetUserByIdpUserID after deleting one of two", err)
	if got.ID != bob.ID {
		t.Errorf("GetUserByIdpUserID after deleting one of two: got user %q, want %q", got.ID, bob.ID)
	}
}

func testGetUserByEmail(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := newUser("u1", "alice") // alice@example.com, alice@example.org
	alice.Emails[1].Value = "Alice.Home@Example.ORG"
	bob := newUser("u2", "bob")
	// The same address twice on one user is not ambiguous.
	bob.Emails = append(bob.Emails, store.Email{Value: "BOB@example.com", Type: "other"})
	noMail := newUser("u3", "carol")
	noMail.Emails = nil
	for _, u := range []store.User{alice, bob, noMail} {
		must(t, "CreateUser "+u.ID, s.CreateUser(ctx, u))
	}

	for email, want := range map[string]store.User{
		"alice@example.com":      alice,
		"ALICE@EXAMPLE.COM":      alice,
		"Alice.Home@Example.ORG": alice,
		"alice.home@example.org": alice,
		"bob@example.com":        bob,
		"Bob@Example.Com":        bob,
	} {
		got, err := s.GetUserByEmail(ctx, email)
		must(t, "GetUserByEmail "+email, err)
		equal(t, "GetUserByEmail "+email, got, want, normUser)
	}
	for _, email := range []string{"", "alice", "alice@example", "lice@example.com", "alice@example.com.evil", "%@example.com", "_lice@example.com"} {
		_, err := s.GetUserByEmail(ctx, email)
		wantErr(t, "GetUserByEmail("+email+")", err, store.ErrNotFound)
	}

	// Another user with one of alice's addresses, in another case: ambiguous.
	dave := newUser("u4", "dave")
	dave.Emails = []store.Email{{Value: "Alice@Example.com"}}
	must(t, "CreateUser", s.CreateUser(ctx, dave))
	_, err := s.GetUserByEmail(ctx, "alice@example.com")
	wantErr(t, "GetUserByEmail of two users", err, store.ErrConflict)
	got, err := s.GetUserByEmail(ctx, "alice.home@example.org")
	must(t, "GetUserByEmail of alice's other address", err)
	equal(t, "GetUserByEmail of alice's other address", got, alice, normUser)

	// An update replaces the addresses looked up.
	_, err = s.UpdateUser(ctx, dave.ID, func(u store.User) (store.User, error) {
		u.Emails = []store.Email{{Value: "dave@example.net", Primary: true}}
		return u, nil
	})
	must(t, "UpdateUser", err)
	got, err = s.GetUserByEmail(ctx, "alice@example.com")
	must(t, "GetUserByEmail after the other user changed address", err)
	equal(t, "GetUserByEmail after the other user changed address", got, alice, normUser)
	got, err = s.GetUserByEmail(ctx, "DAVE@example.net")
	must(t, "GetUserByEmail of the new address", err)
	if got.ID != dave.ID {
		t.Errorf("GetUserByEmail of the new address: got user %q, want %q", got.ID, dave.ID)
	}

	// A deleted user is not found by address.
	must(t, "DeleteUser", s.DeleteUser(ctx, alice.ID, nil))
	_, err = s.GetUserByEmail(ctx, "alice@example.com")
	wantErr(t, "GetUserByEmail after delete", err, store.ErrNotFound)
}
