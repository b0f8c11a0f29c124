package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/appintegration/appintegration/store"
)

func testListRoles(t *testing.T, s store.Store) {
	cn, up := store.AccessContentNetwork, store.AccessUserProvisioning
	want := []store.Role{
		{Value: store.RoleAdministrator, Display: "DW Administrator", Scopes: []string{up, cn}},
		{Value: store.RoleSpaceAdministrator, Display: "DW Space Administrator", Scopes: []string{cn}},
		{Value: store.RoleIntegrator, Display: "DW Integrator", Scopes: []string{cn}},
		{Value: store.RoleModeler, Display: "DW Modeler"},
		{Value: store.RoleViewer, Display: "DW Viewer"},
		{Value: store.RoleConsumer, Display: "DW Consumer"},
	}
	got, err := s.ListRoles(t.Context())
	must(t, "ListRoles", err)
	equalList(t, "ListRoles", got, want, normRole)
}

func testUserCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := newUser("u1", "Alice_1")
	in := want
	in.Version = 7 // a new user has Version 1 whatever the caller passed
	must(t, "CreateUser", s.CreateUser(ctx, in))

	got, err := s.GetUser(ctx, want.ID)
	must(t, "GetUser", err)
	equal(t, "GetUser", got, want, normUser)

	for _, name := range []string{"Alice_1", "alice_1", "ALICE_1"} {
		got, err = s.GetUserByName(ctx, name)
		must(t, "GetUserByName "+name, err)
		equal(t, "GetUserByName "+name, got, want, normUser)
	}
}

func testUserEmptyFields(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := store.User{ID: "u1", UserName: "BOB", CreatedAt: at(0), UpdatedAt: at(0)}
	must(t, "CreateUser", s.CreateUser(ctx, want))
	want.Version = 1 // whatever the caller passed
	got, err := s.GetUser(ctx, want.ID)
	must(t, "GetUser", err)
	equal(t, "GetUser", got, want, normUser)
}

func testUserList(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := listUsers(t, s)
	must(t, "ListUsers (empty)", err)
	if len(got) != 0 {
		t.Errorf("ListUsers of an empty store: got %d users", len(got))
	}

	want := []store.User{newUser("u2", "BOB"), newUser("u1", "alice"), newUser("u3", "Carol")}
	want[1].Roles = []string{store.RoleAdministrator}
	want[2].Roles, want[2].Emails, want[2].Active = nil, nil, false
	for _, u := range want {
		must(t, "CreateUser", s.CreateUser(ctx, u))
	}
	// Ordered by userName compared case-insensitively (bytewise, BOB would come first).
	want = []store.User{want[1], want[0], want[2]}
	got, err = listUsers(t, s)
	must(t, "ListUsers", err)
	equalList(t, "ListUsers (by userName)", got, want, normUser)
}

func testUserUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	old := newUser("u1", "alice")
	must(t, "CreateUser", s.CreateUser(ctx, old))

	want := old
	want.UserName = "ALICE_NEW"
	want.GivenName, want.FamilyName, want.DisplayName = "A", "B", "A B"
	want.Emails = []store.Email{{Value: "new@example.com", Primary: true}}
	want.Active = false
	want.PreferredLanguage = "en"
	want.Roles = []string{store.RoleConsumer, store.RoleAdministrator, store.RoleIntegrator}
	want.PasswordHash = []byte("new hash")
	want.ExternalID, want.IdpUserID, want.ClientID = "ext-new", "new@idp", ""
	want.UpdatedAt = at(7)
	want.Version = 2

	var seen store.User
	got, err := s.UpdateUser(ctx, old.ID, func(u store.User) (store.User, error) {
		seen = u
		u = want
		u.ID = "changed"       // kept as it was
		u.CreatedAt = at(-100) // kept as it was
		u.Version = 99         // the store increments the stored one
		return u, nil
	})
	must(t, "UpdateUser", err)
	equal(t, "UpdateUser: fn's argument", seen, old, normUser)
	equal(t, "UpdateUser: result", got, want, normUser)

	got, err = s.GetUser(ctx, old.ID)
	must(t, "GetUser", err)
	equal(t, "GetUser after update", got, want, normUser)
	got, err = s.GetUserByName(ctx, "alice_new")
	must(t, "GetUserByName new", err)
	equal(t, "GetUserByName new", got, want, normUser)
	_, err = s.GetUserByName(ctx, "alice")
	wantErr(t, "GetUserByName old", err, store.ErrNotFound)

	// A change of case only is no conflict with oneself; clearing the lists.
	want.UserName = "alice_new"
	want.Emails, want.Roles, want.PasswordHash = nil, nil, nil
	want.ExternalID, want.IdpUserID = "", ""
	want.Version = 3
	got, err = s.UpdateUser(ctx, old.ID, func(u store.User) (store.User, error) {
		if u.Version != 2 {
			t.Errorf("UpdateUser: fn saw Version %d, want 2", u.Version)
		}
		u.UserName = "alice_new"
		u.Emails, u.Roles, u.PasswordHash = nil, []string{}, nil
		u.ExternalID, u.IdpUserID = "", ""
		return u, nil
	})
	must(t, "UpdateUser clearing", err)
	equal(t, "UpdateUser clearing", got, want, normUser)
}

func testUserUpdateFnError(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := newUser("u1", "alice")
	must(t, "CreateUser", s.CreateUser(ctx, want))
	_, err := s.UpdateUser(ctx, want.ID, func(u store.User) (store.User, error) {
		u.UserName = "not_saved"
		u.Roles = nil
		return u, fmt.Errorf("wrapped: %w", errTest)
	})
	wantErr(t, "UpdateUser with failing fn", err, errTest)
	got, err := s.GetUser(ctx, want.ID)
	must(t, "GetUser", err)
	equal(t, "user after failed update", got, want, normUser)
}

func testUserConcurrentUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	const goroutines, updates = 8, 10
	u := newUser("u1", "alice")
	u.GivenName = ""
	must(t, "CreateUser", s.CreateUser(ctx, u))

	var wg sync.WaitGroup
	errs := make(chan error, goroutines*updates)
	for range goroutines {
		wg.Go(func() {
			for range updates {
				_, err := s.UpdateUser(ctx, u.ID, func(u store.User) (store.User, error) {
					u.GivenName += "x"
					return u, nil
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent UpdateUser: %v", err)
	}
	got, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	if n := goroutines * updates; len(got.GivenName) != n || got.Version != int64(n+1) {
		t.Errorf("after %d concurrent updates: %d updates landed, Version %d; want %d, %d",
			n, len(got.GivenName), got.Version, n, n+1)
	}
}

func testUserNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateUser", s.CreateUser(ctx, newUser("other", "other")))
	_, err := s.GetUser(ctx, "missing")
	wantErr(t, "GetUser", err, store.ErrNotFound)
	_, err = s.GetUserByName(ctx, "missing")
	wantErr(t, "GetUserByName", err, store.ErrNotFound)
	called := false
	_, err = s.UpdateUser(ctx, "missing", func(u store.User) (store.User, error) {
		called = true
		return u, nil
	})
	wantErr(t, "UpdateUser", err, store.ErrNotFound)
	if called {
		t.Error("UpdateUser of a missing user called fn")
	}
	wantErr(t, "DeleteUser", s.DeleteUser(ctx, "missing", nil), store.ErrNotFound)
}

func testCreateUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateUser", s.CreateUser(ctx, newUser("stored", "Stored")))
	taken, err := s.CreateUsers(ctx, nil)
	must(t, "CreateUsers of none", err)
	if len(taken) != 0 {
		t.Errorf("CreateUsers of none: taken %v", taken)
	}

	batch := []store.User{
		newUser("b1", "First"),
		newUser("b2", "STORED"),  // the stored user's userName
		newUser("b3", "first"),   // an earlier one's, in another case
		newUser("b1", "Another"), // an earlier one's ID
		newUser("stored", "Yet another"),
		newUser("b4", "Second"),
	}
	batch[5].Roles = []string{store.RoleAdministrator}
	batch[5].Version = 7 // ignored: created users have version 1
	taken, err = s.CreateUsers(ctx, batch)
	must(t, "CreateUsers", err)
	equal(t, "taken", taken, []bool{false, true, true, true, true, false}, func(b []bool) []bool { return b })
	for _, i := range []int{0, 5} {
		got, err := s.GetUser(ctx, batch[i].ID)
		must(t, "GetUser", err)
		want := batch[i]
		want.Version = 1
		equal(t, "created user", got, want, normUser)
		// The child rows are written too: lookups, filters and search find it.
		byEmail, err := s.GetUserByEmail(ctx, batch[i].Emails[1].Value)
		must(t, "GetUserByEmail", err)
		if byEmail.ID != batch[i].ID {
			t.Errorf("GetUserByEmail(%q) = %q, want %q", batch[i].Emails[1].Value, byEmail.ID, batch[i].ID)
		}
		found, n, err := s.QueryUsers(ctx, store.UserQuery{Filter: store.FilterCompare{
			Attr: store.AttrRoles.Sub("value"), Op: store.OpEq, Value: batch[i].Roles[0]}, Limit: 10})
		must(t, "QueryUsers by role", err)
		if !slices.ContainsFunc(found, func(u store.User) bool { return u.ID == batch[i].ID }) {
			t.Errorf("QueryUsers roles eq %q (%d users) does not find %s", batch[i].Roles[0], n, batch[i].ID)
		}
		hits, _, err := s.SearchUsers(ctx, store.PageQuery{Search: strings.ToUpper(batch[i].UserName[1:4]), Limit: 10})
		must(t, "SearchUsers", err)
		if len(hits) != 1 || hits[0].ID != batch[i].ID {
			t.Errorf("SearchUsers(%q) = %v, want %s", batch[i].UserName[1:4], hits, batch[i].ID)
		}
	}
	_, total, err := s.QueryUsers(ctx, store.UserQuery{Limit: 1})
	must(t, "QueryUsers", err)
	if total != 3 {
		t.Errorf("QueryUsers total = %d, want 3", total)
	}
	stored, err := s.GetUser(ctx, "stored")
	must(t, "GetUser", err)
	if stored.UserName != "Stored" {
		t.Errorf("the stored user became %q", stored.UserName)
	}
}

func testUserConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := newUser("u1", "Alice")
	must(t, "CreateUser", s.CreateUser(ctx, alice))

	wantErr(t, "CreateUser with a taken ID", s.CreateUser(ctx, newUser("u1", "other")), store.ErrConflict)
	wantErr(t, "CreateUser with a taken userName", s.CreateUser(ctx, newUser("u2", "Alice")), store.ErrConflict)
	wantErr(t, "CreateUser with a userName differing in case",
		s.CreateUser(ctx, newUser("u3", "aLICE")), store.ErrConflict)

	bob := newUser("u4", "bob")
	must(t, "CreateUser", s.CreateUser(ctx, bob))
	_, err := s.UpdateUser(ctx, bob.ID, func(u store.User) (store.User, error) {
		u.UserName = "ALICE"
		return u, nil
	})
	wantErr(t, "UpdateUser to a taken userName", err, store.ErrConflict)
	got, err := s.GetUser(ctx, bob.ID)
	must(t, "GetUser", err)
	equal(t, "user after conflicting update", got, bob, normUser)

	list, err := listUsers(t, s)
	must(t, "ListUsers", err)
	if len(list) != 2 {
		t.Errorf("ListUsers: got %d users, want 2", len(list))
	}
}

func testUserDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	keep, gone := newUser("keep", "keep"), newUser("gone", "gone")
	must(t, "CreateUser", s.CreateUser(ctx, keep))
	must(t, "CreateUser", s.CreateUser(ctx, gone))
	must(t, "DeleteUser", s.DeleteUser(ctx, gone.ID, nil))

	_, err := s.GetUser(ctx, gone.ID)
	wantErr(t, "GetUser after delete", err, store.ErrNotFound)
	_, err = s.GetUserByName(ctx, gone.UserName)
	wantErr(t, "GetUserByName after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteUser twice", s.DeleteUser(ctx, gone.ID, nil), store.ErrNotFound)
	wantErr(t, "DeleteUser with a check of a missing user", s.DeleteUser(ctx, gone.ID, func(store.User) error { return nil }), store.ErrNotFound)

	// The check sees the stored user; its error aborts the delete unchanged.
	refuse := errors.New("refused by check")
	err = s.DeleteUser(ctx, keep.ID, func(u store.User) error {
		equal(t, "DeleteUser: check's argument", u, keep, normUser)
		return refuse
	})
	if !errors.Is(err, refuse) {
		t.Errorf("DeleteUser with a refusing check = %v, want the check's error", err)
	}
	_, err = s.GetUser(ctx, keep.ID)
	must(t, "GetUser after a refused delete", err)
	list, err := listUsers(t, s)
	must(t, "ListUsers", err)
	equalList(t, "ListUsers after delete", list, []store.User{keep}, normUser)

	// The ID and userName are free again, and the old roles are gone with the user.
	gone.Roles = []string{store.RoleConsumer}
	must(t, "CreateUser again", s.CreateUser(ctx, gone))
	got, err := s.GetUser(ctx, gone.ID)
	must(t, "GetUser", err)
	equal(t, "GetUser of a re-created user", got, gone, normUser)
}

func testCreateUserIfNoneHasRole(t *testing.T, s store.Store) {
	ctx := t.Context()
	// A user with another role does not count.
	must(t, "CreateUser", s.CreateUser(ctx, newUser("viewer", "viewer")))

	admin := newUser("admin", "ADMIN")
	admin.Roles = []string{store.RoleAdministrator}
	created, err := s.CreateUserIfNoneHasRole(ctx, admin, store.RoleAdministrator)
	must(t, "CreateUserIfNoneHasRole", err)
	if !created {
		t.Fatal("CreateUserIfNoneHasRole with no administrator: created = false")
	}
	got, err := s.GetUser(ctx, admin.ID)
	must(t, "GetUser", err)
	equal(t, "created user", got, admin, normUser)

	second := newUser("admin2", "ADMIN2")
	second.Roles = []string{store.RoleAdministrator}
	created, err = s.CreateUserIfNoneHasRole(ctx, second, store.RoleAdministrator)
	must(t, "CreateUserIfNoneHasRole again", err)
	if created {
		t.Error("CreateUserIfNoneHasRole with an administrator: created = true")
	}
	_, err = s.GetUser(ctx, second.ID)
	wantErr(t, "GetUser of the user not created", err, store.ErrNotFound)
}

func testCreateUserIfNoneHasRoleInactive(t *testing.T, s store.Store) {
	ctx := t.Context()
	inactive := newUser("old", "OLD_ADMIN")
	inactive.Roles = []string{store.RoleViewer, store.RoleAdministrator}
	inactive.Active = false
	must(t, "CreateUser", s.CreateUser(ctx, inactive))

	admin := newUser("admin", "ADMIN")
	admin.Roles = []string{store.RoleAdministrator}
	created, err := s.CreateUserIfNoneHasRole(ctx, admin, store.RoleAdministrator)
	must(t, "CreateUserIfNoneHasRole", err)
	if !created {
		t.Error("CreateUserIfNoneHasRole with only an inactive administrator: created = false")
	}

	// Deactivating the only active holder frees the role again.
	_, err = s.UpdateUser(ctx, admin.ID, func(u store.User) (store.User, error) {
		u.Active = false
		return u, nil
	})
	must(t, "UpdateUser", err)
	next := newUser("admin2", "ADMIN2")
	next.Roles = []string{store.RoleAdministrator}
	created, err = s.CreateUserIfNoneHasRole(ctx, next, store.RoleAdministrator)
	must(t, "CreateUserIfNoneHasRole after deactivation", err)
	if !created {
		t.Error("CreateUserIfNoneHasRole after deactivating the administrator: created = false")
	}

	// A taken userName is a conflict, not a silent false.
	clash := newUser("admin3", "admin")
	clash.Roles = []string{store.RoleIntegrator}
	_, err = s.CreateUserIfNoneHasRole(ctx, clash, store.RoleIntegrator)
	wantErr(t, "CreateUserIfNoneHasRole with a taken userName", err, store.ErrConflict)
}

func testCreateUserIfNoneHasRoleConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const callers = 8
	var (
		wg      sync.WaitGroup
		created atomic.Int32
	)
	for i := range callers {
		wg.Go(func() {
			u := newUser(fmt.Sprintf("admin%d", i), fmt.Sprintf("ADMIN%d", i))
			u.Roles = []string{store.RoleAdministrator}
			ok, err := s.CreateUserIfNoneHasRole(ctx, u, store.RoleAdministrator)
			if err != nil {
				t.Errorf("CreateUserIfNoneHasRole %s: %v", u.ID, err)
			}
			if ok {
				created.Add(1)
			}
		})
	}
	wg.Wait()
	if n := created.Load(); n != 1 {
		t.Errorf("%d concurrent callers: %d created a user, want 1", callers, n)
	}
	list, err := listUsers(t, s)
	must(t, "ListUsers", err)
	if len(list) != 1 || !strings.HasPrefix(list[0].ID, "admin") {
		t.Errorf("ListUsers after concurrent creation: got %d users, want 1", len(list))
	}
}

// testUserUpdateUnchanged checks that an update function returning
// ErrUnchanged writes nothing: the user keeps its Version and UpdatedAt.
func testUserUpdateUnchanged(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("u1", "alice")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	got, err := s.UpdateUser(ctx, u.ID, func(old store.User) (store.User, error) {
		old.DisplayName = "not saved"
		return old, store.ErrUnchanged
	})
	must(t, "UpdateUser returning ErrUnchanged", err)
	equal(t, "UpdateUser returning ErrUnchanged", got, u, normUser)
	stored, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	equal(t, "GetUser after an unchanged update", stored, u, normUser)
}
