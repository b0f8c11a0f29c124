package storetest

import (
	"testing"

	"github.com/appintegration/appintegration/store"
)

// newTechnicalUser returns a Technical User client and its user, pointing at
// each other.
func newTechnicalUser(id, userName string) (store.Client, store.User) {
	c := newClient(id)
	c.Purpose, c.Grant = store.PurposeTechnicalUser, store.GrantClientCredentials
	u := newUser("user-"+id, userName)
	u.Roles = []string{store.RoleIntegrator}
	u.PasswordHash = nil
	c.UserID, u.ClientID = u.ID, c.ID
	return c, u
}

func testCreateClientWithUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	c, u := newTechnicalUser("c1", "TU_ONE")
	u.Version = 5 // a new user has Version 1 whatever the caller passed
	must(t, "CreateClientWithUser", s.CreateClientWithUser(ctx, c, u))
	u.Version = 1

	gotC, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	equal(t, "GetClient", gotC, c, normClient)
	gotU, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	equal(t, "GetUser", gotU, u, normUser)
	gotU, err = s.GetUserByName(ctx, "tu_one")
	must(t, "GetUserByName", err)
	equal(t, "GetUserByName", gotU, u, normUser)
}

// testCreateClientWithUserConflict checks that a conflict of either record
// creates neither.
func testCreateClientWithUserConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	c1, u1 := newTechnicalUser("c1", "TU_ONE")
	must(t, "CreateClientWithUser", s.CreateClientWithUser(ctx, c1, u1))
	human := newUser("human", "alice")
	must(t, "CreateUser", s.CreateUser(ctx, human))

	for _, tt := range []struct {
		name   string
		change func(c *store.Client, u *store.User)
	}{
		{"userName of a human user, in another case", func(c *store.Client, u *store.User) { u.UserName = "ALICE" }},
		{"userName of a technical user, in another case", func(c *store.Client, u *store.User) { u.UserName = "tu_one" }},
		{"user ID", func(c *store.Client, u *store.User) { u.ID = human.ID }},
		{"client ID", func(c *store.Client, u *store.User) { c.ID = c1.ID }},
		{"client RequestID", func(c *store.Client, u *store.User) { c.RequestID = c1.RequestID }},
	} {
		c, u := newTechnicalUser("c2", "TU_TWO")
		tt.change(&c, &u)
		wantErr(t, "CreateClientWithUser with a taken "+tt.name,
			s.CreateClientWithUser(ctx, c, u), store.ErrConflict)
		if c.ID != c1.ID {
			_, err := s.GetClient(ctx, c.ID)
			wantErr(t, "GetClient after a conflict on the "+tt.name, err, store.ErrNotFound)
		}
		if u.ID != human.ID {
			_, err := s.GetUser(ctx, u.ID)
			wantErr(t, "GetUser after a conflict on the "+tt.name, err, store.ErrNotFound)
		}
	}
	clients, err := s.ListClients(ctx)
	must(t, "ListClients", err)
	equalList(t, "ListClients after conflicts", clients, []store.Client{c1}, normClient)
	users, err := listUsers(t, s)
	must(t, "ListUsers", err)
	equalList(t, "ListUsers after conflicts", users, []store.User{human, u1}, normUser)
}

func testDeleteClientDeletesUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	gone, goneUser := newTechnicalUser("gone", "TU_GONE")
	keep, keepUser := newTechnicalUser("keep", "TU_KEEP")
	must(t, "CreateClientWithUser", s.CreateClientWithUser(ctx, gone, goneUser))
	must(t, "CreateClientWithUser", s.CreateClientWithUser(ctx, keep, keepUser))
	human := newUser("human", "alice")
	must(t, "CreateUser", s.CreateUser(ctx, human))

	must(t, "DeleteClient", s.DeleteClient(ctx, gone.ID))
	_, err := s.GetClient(ctx, gone.ID)
	wantErr(t, "GetClient after delete", err, store.ErrNotFound)
	_, err = s.GetUser(ctx, goneUser.ID)
	wantErr(t, "GetUser of the deleted client's user", err, store.ErrNotFound)
	_, err = s.GetUserByName(ctx, goneUser.UserName)
	wantErr(t, "GetUserByName of the deleted client's user", err, store.ErrNotFound)
	users, err := listUsers(t, s)
	must(t, "ListUsers", err)
	equalList(t, "ListUsers after DeleteClient", users, []store.User{human, keepUser}, normUser)

	// The client and its user can be created again.
	must(t, "CreateClientWithUser again", s.CreateClientWithUser(ctx, gone, goneUser))

	// A client whose user is gone already is deleted without error.
	must(t, "DeleteUser", s.DeleteUser(ctx, keepUser.ID, nil))
	must(t, "DeleteClient of a client without its user", s.DeleteClient(ctx, keep.ID))
	_, err = s.GetClient(ctx, keep.ID)
	wantErr(t, "GetClient after delete", err, store.ErrNotFound)

	// A client without a user leaves every user alone.
	plain := newClient("plain")
	plain.UserID = ""
	must(t, "CreateClient", s.CreateClient(ctx, plain))
	must(t, "DeleteClient of a client without a user", s.DeleteClient(ctx, plain.ID))
	users, err = listUsers(t, s)
	must(t, "ListUsers", err)
	equalList(t, "ListUsers after deleting clients", users, []store.User{human, goneUser}, normUser)

	// Only the client's own user goes: a UserID that names a user of
	// another client, or of none, leaves that user alone.
	stray := newClient("stray")
	stray.UserID = human.ID
	must(t, "CreateClient", s.CreateClient(ctx, stray))
	must(t, "DeleteClient of a client naming another's user", s.DeleteClient(ctx, stray.ID))
	users, err = listUsers(t, s)
	must(t, "ListUsers", err)
	equalList(t, "ListUsers after deleting a client naming a user not its own", users, []store.User{human, goneUser}, normUser)
	wantErr(t, "DeleteClient of a deleted client", s.DeleteClient(ctx, stray.ID), store.ErrNotFound)
}

func testUpdateClientWithUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	c, u := newTechnicalUser("c1", "TU_ONE")
	must(t, "CreateClientWithUser", s.CreateClientWithUser(ctx, c, u))

	gotC, gotU, err := s.UpdateClientWithUser(ctx, c.ID, func(oc store.Client, ou store.User) (store.Client, store.User, error) {
		equal(t, "client passed to fn", oc, c, normClient)
		u.Version = 1
		equal(t, "user passed to fn", ou, u, normUser)
		oc.ID, oc.CreatedAt, oc.Name = "other", at(50), "Renamed"
		ou.ID, ou.CreatedAt, ou.ClientID = "other", at(50), "other"
		ou.Roles, ou.DisplayName, ou.Version = []string{store.RoleAdministrator, store.RoleViewer}, "Renamed", 40
		return oc, ou, nil
	})
	must(t, "UpdateClientWithUser", err)
	wantC, wantU := c, u
	wantC.Name = "Renamed"
	wantU.Roles, wantU.DisplayName, wantU.Version = []string{store.RoleAdministrator, store.RoleViewer}, "Renamed", 2
	equal(t, "UpdateClientWithUser client", gotC, wantC, normClient)
	equal(t, "UpdateClientWithUser user", gotU, wantU, normUser)
	stored, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	equal(t, "GetClient after update", stored, wantC, normClient)
	storedU, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	equal(t, "GetUser after update", storedU, wantU, normUser)

	// An error from fn writes neither record.
	_, _, err = s.UpdateClientWithUser(ctx, c.ID, func(oc store.Client, ou store.User) (store.Client, store.User, error) {
		oc.Name, ou.DisplayName = "lost", "lost"
		return oc, ou, errTest
	})
	wantErr(t, "UpdateClientWithUser with failing fn", err, errTest)
	stored, err = s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	equal(t, "GetClient after failed update", stored, wantC, normClient)
	storedU, err = s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	equal(t, "GetUser after failed update", storedU, wantU, normUser)

	// A missing client, or a client without its user, is ErrNotFound.
	called := false
	fn := func(oc store.Client, ou store.User) (store.Client, store.User, error) {
		called = true
		return oc, ou, nil
	}
	_, _, err = s.UpdateClientWithUser(ctx, "missing", fn)
	wantErr(t, "UpdateClientWithUser of a missing client", err, store.ErrNotFound)
	plain := newClient("plain")
	plain.UserID = ""
	must(t, "CreateClient", s.CreateClient(ctx, plain))
	_, _, err = s.UpdateClientWithUser(ctx, plain.ID, fn)
	wantErr(t, "UpdateClientWithUser of a client without a user", err, store.ErrNotFound)
	if called {
		t.Error("UpdateClientWithUser called fn without a client and its user")
	}
}
