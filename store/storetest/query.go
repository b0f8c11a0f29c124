package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
)

// queryUsers are the users of the QueryUsers tests; every test below names
// the expected users by userName, in userName order unless sorted.
func queryUsers() []store.User {
	mk := func(id, name string, n int) store.User {
		return store.User{ID: id, UserName: name, Active: true, CreatedAt: at(n), UpdatedAt: at(10 + n)}
	}
	alice, bob, carol := mk("q-alice", "ALICE", 0), mk("q-bob", "bob", 1), mk("q-carol", "CAROL_1", 2)
	dave, eve, frank := mk("q-dave", "DAVE", 3), mk("q-eve", "eve", 4), mk("q-frank", "frank", 5)

	alice.GivenName, alice.FamilyName, alice.DisplayName = "Alice", "Liddell", "Alice L"
	alice.Emails = []store.Email{{Value: "alice@wonder.example", Type: "work", Primary: true}, {Value: "a.l@home.example", Type: "home"}}
	alice.PhoneNumbers = []store.Value{{Value: "+1 555 0100", Type: "work"}}
	alice.Title, alice.ExternalID, alice.IdpUserID = "Engineer", "ext-A", "alice@idp"
	alice.Roles = []string{store.RoleAdministrator}
	alice.Enterprise = store.Enterprise{Department: "R&D", ManagerID: carol.ID}

	bob.GivenName, bob.FamilyName, bob.Active = "Bob", "Builder", false
	bob.Emails = []store.Email{{Value: "bob@site.example", Primary: true}}
	bob.Roles = []string{store.RoleViewer}

	carol.GivenName, carol.FamilyName, carol.DisplayName, carol.Locale = "Carol", "Danvers", "Captain", "en-US"
	carol.Emails = []store.Email{{Value: "carol@site.example", Type: "work"}, {Value: "carol@other.example", Type: "home", Primary: true}}
	carol.Roles = []string{store.RoleViewer, store.RoleModeler}

	dave.FamilyName, dave.NickName = "100% Smith", "D_ave"
	dave.Emails = []store.Email{{Value: "dave@other.example"}}

	eve.GivenName, eve.DisplayName, eve.Active = "Eve", "Moneypenny", false
	eve.Emails = []store.Email{{Value: "EVE@Site.Example", Type: "work", Primary: true}}
	eve.Entitlements = []store.Value{{Value: "Admin", Type: "app"}}

	return []store.User{alice, bob, carol, dave, eve, frank}
}

func createQueryUsers(t *testing.T, s store.Store) []store.User {
	t.Helper()
	users := queryUsers()
	for _, u := range users {
		must(t, "CreateUser "+u.UserName, s.CreateUser(t.Context(), u))
	}
	return users
}

// userNames runs q and returns the userNames of its page and its total.
func userNames(t *testing.T, s store.Store, q store.UserQuery) ([]string, int) {
	t.Helper()
	users, total, err := s.QueryUsers(t.Context(), q)
	must(t, "QueryUsers", err)
	var names []string
	for _, u := range users {
		names = append(names, u.UserName)
	}
	return names, total
}

func cmp(a store.Attr, op store.CompareOp, v any) store.Filter {
	return store.FilterCompare{Attr: a, Op: op, Value: v}
}

func and(l, r store.Filter) store.Filter { return store.FilterAnd{Left: l, Right: r} }
func or(l, r store.Filter) store.Filter  { return store.FilterOr{Left: l, Right: r} }
func not(x store.Filter) store.Filter    { return store.FilterNot{X: x} }
func present(a store.Attr) store.Filter  { return store.FilterPresent{Attr: a} }
func anyOf(m store.Attr, f store.Filter) store.Filter {
	return store.FilterAny{Multi: m, Filter: f}
}

func testQueryUsersFilters(t *testing.T, s store.Store) {
	createQueryUsers(t, s)
	email, role := store.AttrEmails, store.AttrRoles
	all := []string{"ALICE", "bob", "CAROL_1", "DAVE", "eve", "frank"}
	for _, tc := range []struct {
		name   string
		filter store.Filter
		want   []string
	}{
		{"none", nil, all},
		{"userName eq, other case", cmp(store.AttrUserName, store.OpEq, "alice"), []string{"ALICE"}},
		{"userName eq empty", cmp(store.AttrUserName, store.OpEq, ""), nil},
		{"userName ne", cmp(store.AttrUserName, store.OpNe, "BOB"), []string{"ALICE", "CAROL_1", "DAVE", "eve", "frank"}},
		{"userName sw", cmp(store.AttrUserName, store.OpSw, "c"), []string{"CAROL_1"}},
		{"userName co underscore", cmp(store.AttrUserName, store.OpCo, "_"), []string{"CAROL_1"}},
		{"userName co three letters", cmp(store.AttrUserName, store.OpCo, "ROL"), []string{"CAROL_1"}},
		{"userName ew", cmp(store.AttrUserName, store.OpEw, "E"), []string{"ALICE", "DAVE", "eve"}},
		{"userName gt", cmp(store.AttrUserName, store.OpGt, "c"), []string{"CAROL_1", "DAVE", "eve", "frank"}},
		{"userName le", cmp(store.AttrUserName, store.OpLe, "bob"), []string{"ALICE", "bob"}},
		{"familyName pr", present(store.AttrFamilyName), []string{"ALICE", "bob", "CAROL_1", "DAVE"}},
		{"familyName eq null", cmp(store.AttrFamilyName, store.OpEq, nil), []string{"eve", "frank"}},
		{"familyName ne null", cmp(store.AttrFamilyName, store.OpNe, nil), []string{"ALICE", "bob", "CAROL_1", "DAVE"}},
		{"familyName eq", cmp(store.AttrFamilyName, store.OpEq, "LIDDELL"), []string{"ALICE"}},
		{"familyName sw", cmp(store.AttrFamilyName, store.OpSw, "d"), []string{"CAROL_1"}},
		{"familyName sw empty", cmp(store.AttrFamilyName, store.OpSw, ""), []string{"ALICE", "bob", "CAROL_1", "DAVE"}},
		{"familyName co percent and space", cmp(store.AttrFamilyName, store.OpCo, "% s"), []string{"DAVE"}},
		{"familyName co percent", cmp(store.AttrFamilyName, store.OpCo, "0%"), []string{"DAVE"}},
		{"familyName lt", cmp(store.AttrFamilyName, store.OpLt, "c"), []string{"bob", "DAVE"}},
		{"givenName co", cmp(store.AttrGivenName, store.OpCo, "o"), []string{"bob", "CAROL_1"}},
		{"displayName co", cmp(store.AttrDisplayName, store.OpCo, "MONEY"), []string{"eve"}},
		{"formatted eq", cmp(store.AttrNameFormatted, store.OpEq, "carol danvers"), []string{"CAROL_1"}},
		{"formatted co", cmp(store.AttrNameFormatted, store.OpCo, "e l"), []string{"ALICE"}},
		{"formatted pr", present(store.AttrNameFormatted), []string{"ALICE", "bob", "CAROL_1", "DAVE", "eve"}},
		{"emails.value eq, other case", cmp(email.Sub("value"), store.OpEq, "BOB@site.example"), []string{"bob"}},
		{"emails.value co", cmp(email.Sub("value"), store.OpCo, "SITE.example"), []string{"bob", "CAROL_1", "eve"}},
		{"emails.value ew", cmp(email.Sub("value"), store.OpEw, ".example"), []string{"ALICE", "bob", "CAROL_1", "DAVE", "eve"}},
		{"emails.value sw", cmp(email.Sub("value"), store.OpSw, "CAROL@"), []string{"CAROL_1"}},
		{"emails pr", present(email), []string{"ALICE", "bob", "CAROL_1", "DAVE", "eve"}},
		{"not emails pr", not(present(email)), []string{"frank"}},
		{"emails.value eq null", cmp(email.Sub("value"), store.OpEq, nil), []string{"frank"}},
		{"emails.value ne", cmp(email.Sub("value"), store.OpNe, "bob@site.example"), []string{"ALICE", "CAROL_1", "DAVE", "eve", "frank"}},
		{"emails.type eq", cmp(email.Sub("type"), store.OpEq, "HOME"), []string{"ALICE", "CAROL_1"}},
		{"emails.primary eq false", cmp(email.Sub("primary"), store.OpEq, false), []string{"ALICE", "CAROL_1", "DAVE"}},
		{"emails[type and value co]", anyOf(email, and(cmp(email.Sub("type"), store.OpEq, "work"),
			cmp(email.Sub("value"), store.OpCo, "wonder"))), []string{"ALICE"}},
		{"emails[type eq]", anyOf(email, cmp(email.Sub("type"), store.OpEq, "work")), []string{"ALICE", "CAROL_1", "eve"}},
		{"emails[primary and value ew]", anyOf(email, and(cmp(email.Sub("primary"), store.OpEq, true),
			cmp(email.Sub("value"), store.OpEw, "other.example"))), []string{"CAROL_1"}},
		{"emails[not primary]", anyOf(email, not(cmp(email.Sub("primary"), store.OpEq, true))), []string{"ALICE", "CAROL_1", "DAVE"}},
		{"emails[type pr or value sw]", anyOf(email, or(present(email.Sub("type")),
			cmp(email.Sub("value"), store.OpSw, "dave"))), []string{"ALICE", "CAROL_1", "DAVE", "eve"}},
		{"emails[type ne]", anyOf(email, cmp(email.Sub("type"), store.OpNe, "work")), []string{"ALICE", "bob", "CAROL_1", "DAVE"}},
		{"phoneNumbers.value co", cmp(store.AttrPhoneNumbers.Sub("value"), store.OpCo, "555"), []string{"ALICE"}},
		{"entitlements[type eq]", anyOf(store.AttrEntitlements, cmp(store.AttrEntitlements.Sub("type"), store.OpEq, "APP")), []string{"eve"}},
		{"roles.value eq", cmp(role.Sub("value"), store.OpEq, store.RoleViewer), []string{"bob", "CAROL_1"}},
		{"roles.display eq", cmp(role.Sub("display"), store.OpEq, "dw modeler"), []string{"CAROL_1"}},
		{"roles pr", present(role), []string{"ALICE", "bob", "CAROL_1"}},
		{"roles[value or display co]", anyOf(role, or(cmp(role.Sub("value"), store.OpEq, "x"),
			cmp(role.Sub("display"), store.OpCo, "admin"))), []string{"ALICE"}},
		{"roles.type pr", present(role.Sub("type")), nil},
		{"roles.primary ne", cmp(role.Sub("primary"), store.OpNe, true), all},
		{"active eq false", cmp(store.AttrActive, store.OpEq, false), []string{"bob", "eve"}},
		{"active ne true", cmp(store.AttrActive, store.OpNe, true), []string{"bob", "eve"}},
		{"not active", not(cmp(store.AttrActive, store.OpEq, true)), []string{"bob", "eve"}},
		{"active and emails pr", and(cmp(store.AttrActive, store.OpEq, true), present(email)), []string{"ALICE", "CAROL_1", "DAVE"}},
		{"(or) and", and(or(cmp(store.AttrUserName, store.OpEq, "bob"), cmp(store.AttrUserName, store.OpEq, "eve")),
			cmp(store.AttrActive, store.OpEq, false)), []string{"bob", "eve"}},
		{"lastModified gt", cmp(store.AttrLastModified, store.OpGt, at(12)), []string{"DAVE", "eve", "frank"}},
		{"lastModified ge", cmp(store.AttrLastModified, store.OpGe, at(12)), []string{"CAROL_1", "DAVE", "eve", "frank"}},
		{"lastModified eq", cmp(store.AttrLastModified, store.OpEq, at(12)), []string{"CAROL_1"}},
		{"lastModified eq, a nanosecond off", cmp(store.AttrLastModified, store.OpEq, at(12).Add(time.Nanosecond)), nil},
		{"lastModified ge, a nanosecond on", cmp(store.AttrLastModified, store.OpGe, at(12).Add(time.Nanosecond)), []string{"DAVE", "eve", "frank"}},
		{"lastModified lt, half a microsecond on", cmp(store.AttrLastModified, store.OpLt, at(12).Add(500)), []string{"ALICE", "bob", "CAROL_1"}},
		{"created le", cmp(store.AttrCreated, store.OpLe, at(1)), []string{"ALICE", "bob"}},
		{"lastModified pr", present(store.AttrLastModified), all},
		{"externalId eq", cmp(store.AttrExternalID, store.OpEq, "ext-A"), []string{"ALICE"}},
		{"externalId eq, other case", cmp(store.AttrExternalID, store.OpEq, "EXT-A"), nil},
		{"externalId co", cmp(store.AttrExternalID, store.OpCo, "xt-"), []string{"ALICE"}},
		{"externalId ew", cmp(store.AttrExternalID, store.OpEw, "-A"), []string{"ALICE"}},
		{"externalId ew, other case", cmp(store.AttrExternalID, store.OpEw, "-a"), nil},
		{"externalId ew, longer than the value", cmp(store.AttrExternalID, store.OpEw, "xx-ext-A"), nil},
		{"externalId sw", cmp(store.AttrExternalID, store.OpSw, "ext"), []string{"ALICE"}},
		{"idpUserId eq", cmp(store.AttrIdpUserID, store.OpEq, "alice@idp"), []string{"ALICE"}},
		{"title eq", cmp(store.AttrTitle, store.OpEq, "engineer"), []string{"ALICE"}},
		{"department eq", cmp(store.AttrDepartment, store.OpEq, "r&d"), []string{"ALICE"}},
		{"manager.value eq", cmp(store.AttrManagerValue, store.OpEq, "q-carol"), []string{"ALICE"}},
		{"manager.displayName eq", cmp(store.AttrManagerDisplayName, store.OpEq, "captain"), []string{"ALICE"}},
		{"nickName co underscore", cmp(store.AttrNickName, store.OpCo, "_"), []string{"DAVE"}},
		{"locale eq", cmp(store.AttrLocale, store.OpEq, "en-us"), []string{"CAROL_1"}},
		{"id eq", cmp(store.AttrID, store.OpEq, "q-eve"), []string{"eve"}},
		{"true", store.FilterConst{Value: true}, all},
		{"false", store.FilterConst{Value: false}, nil},
		{"search", store.UserSearch("carol danv"), []string{"CAROL_1"}},
		{"search in e-mails", store.UserSearch("site.EXAMPLE"), []string{"bob", "CAROL_1", "eve"}},
	} {
		got, total := userNames(t, s, store.UserQuery{Filter: tc.filter, Limit: 100})
		if !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("%s: got %v (%d in all), want %v", tc.name, got, total, tc.want)
		}
	}
}

func testQueryUsersSortAndPage(t *testing.T, s store.Store) {
	createQueryUsers(t, s)
	for _, tc := range []struct {
		name  string
		q     store.UserQuery
		want  []string
		total int
	}{
		{"familyName", store.UserQuery{SortBy: store.AttrFamilyName, Limit: 10},
			[]string{"DAVE", "bob", "CAROL_1", "ALICE", "eve", "frank"}, 6},
		{"familyName descending", store.UserQuery{SortBy: store.AttrFamilyName, Descending: true, Limit: 10},
			[]string{"frank", "eve", "ALICE", "CAROL_1", "bob", "DAVE"}, 6},
		{"displayName", store.UserQuery{SortBy: store.AttrDisplayName, Limit: 10},
			[]string{"ALICE", "CAROL_1", "eve", "bob", "DAVE", "frank"}, 6},
		{"lastModified descending", store.UserQuery{SortBy: store.AttrLastModified, Descending: true, Limit: 10},
			[]string{"frank", "eve", "DAVE", "CAROL_1", "bob", "ALICE"}, 6},
		{"emails.value (primary, else first)", store.UserQuery{SortBy: store.AttrEmails.Sub("value"), Limit: 10},
			[]string{"ALICE", "bob", "CAROL_1", "DAVE", "eve", "frank"}, 6},
		{"emails.type", store.UserQuery{SortBy: store.AttrEmails.Sub("type"), Limit: 10},
			[]string{"CAROL_1", "ALICE", "eve", "bob", "DAVE", "frank"}, 6},
		{"active", store.UserQuery{SortBy: store.AttrActive, Limit: 10},
			[]string{"bob", "eve", "ALICE", "CAROL_1", "DAVE", "frank"}, 6},
		{"userName descending", store.UserQuery{Descending: true, Limit: 10},
			[]string{"frank", "eve", "DAVE", "CAROL_1", "bob", "ALICE"}, 6},
		{"first page", store.UserQuery{Limit: 2}, []string{"ALICE", "bob"}, 6},
		{"middle page", store.UserQuery{Offset: 2, Limit: 2}, []string{"CAROL_1", "DAVE"}, 6},
		{"last page, read backwards", store.UserQuery{Offset: 4, Limit: 2}, []string{"eve", "frank"}, 6},
		{"last page, short", store.UserQuery{Offset: 5, Limit: 10}, []string{"frank"}, 6},
		{"past the end", store.UserQuery{Offset: 6, Limit: 10}, nil, 6},
		{"count only", store.UserQuery{Limit: 0}, nil, 6},
		{"negative offset and limit", store.UserQuery{Offset: -3, Limit: -1}, nil, 6},
		{"sorted last page", store.UserQuery{SortBy: store.AttrFamilyName, Offset: 4, Limit: 2}, []string{"eve", "frank"}, 6},
		{"sorted descending last page", store.UserQuery{SortBy: store.AttrFamilyName, Descending: true, Offset: 3, Limit: 3},
			[]string{"CAROL_1", "bob", "DAVE"}, 6},
		{"filtered page", store.UserQuery{Filter: cmp(store.AttrActive, store.OpEq, true), Offset: 1, Limit: 2},
			[]string{"CAROL_1", "DAVE"}, 4},
		{"filtered last page", store.UserQuery{Filter: cmp(store.AttrActive, store.OpEq, true), Offset: 3, Limit: 2},
			[]string{"frank"}, 4},
	} {
		got, total := userNames(t, s, tc.q)
		if !slices.Equal(got, tc.want) || total != tc.total {
			t.Errorf("%s: got %v (%d in all), want %v (%d)", tc.name, got, total, tc.want, tc.total)
		}
	}
}

func testQueryUsersBadQuery(t *testing.T, s store.Store) {
	createQueryUsers(t, s)
	for _, tc := range []struct {
		name string
		q    store.UserQuery
	}{
		{"unknown attribute", store.UserQuery{Filter: cmp("shoeSize", store.OpEq, "42")}},
		{"unknown sub-attribute", store.UserQuery{Filter: cmp(store.AttrEmails.Sub("size"), store.OpEq, "x")}},
		{"boolean gt", store.UserQuery{Filter: cmp(store.AttrActive, store.OpGt, true)}},
		{"boolean compared with a string", store.UserQuery{Filter: cmp(store.AttrActive, store.OpEq, "true")}},
		{"string compared with a boolean", store.UserQuery{Filter: cmp(store.AttrUserName, store.OpEq, true)}},
		{"dateTime co", store.UserQuery{Filter: cmp(store.AttrLastModified, store.OpCo, at(1))}},
		{"null gt", store.UserQuery{Filter: cmp(store.AttrUserName, store.OpGt, nil)}},
		{"value filter of a single-valued attribute", store.UserQuery{Filter: anyOf(store.AttrTitle, present(store.AttrTitle))}},
		{"value filter naming another attribute", store.UserQuery{Filter: anyOf(store.AttrEmails, present(store.AttrTitle))}},
		{"nested value filter", store.UserQuery{Filter: anyOf(store.AttrEmails, anyOf(store.AttrEmails, present(store.AttrEmails.Sub("type"))))}},
		{"sort by a boolean sub-attribute", store.UserQuery{SortBy: store.AttrEmails.Sub("primary")}},
		{"sort by an unknown attribute", store.UserQuery{SortBy: "shoeSize"}},
	} {
		_, _, err := s.QueryUsers(t.Context(), tc.q)
		if !errors.Is(err, store.ErrBadQuery) {
			t.Errorf("%s: got error %v, want ErrBadQuery", tc.name, err)
		}
	}
}

// testQueryUsersTotal checks the total of an unfiltered query, which the
// store keeps as a count, through creates, deletes of users and of clients
// with their users, and failed creates.
func testQueryUsersTotal(t *testing.T, s store.Store) {
	ctx := t.Context()
	total := func(want int) {
		t.Helper()
		if _, got := userNames(t, s, store.UserQuery{}); got != want {
			t.Errorf("total = %d, want %d", got, want)
		}
	}
	total(0)
	users := createQueryUsers(t, s)
	total(len(users))
	wantErr(t, "CreateUser with a taken userName", s.CreateUser(ctx, newUser("x", "Alice")), store.ErrConflict)
	total(len(users))
	must(t, "DeleteUser", s.DeleteUser(ctx, users[0].ID, nil))
	total(len(users) - 1)
	wantErr(t, "DeleteUser again", s.DeleteUser(ctx, users[0].ID, nil), store.ErrNotFound)
	total(len(users) - 1)
	c, u := newTechnicalUser("tc", "TU_Q")
	must(t, "CreateClientWithUser", s.CreateClientWithUser(ctx, c, u))
	total(len(users))
	must(t, "DeleteClient", s.DeleteClient(ctx, c.ID))
	total(len(users) - 1)
	created, err := s.CreateUserIfNoneHasRole(ctx, newUser("y", "ADMIN_Q"), store.RoleSpaceAdministrator)
	must(t, "CreateUserIfNoneHasRole", err)
	if !created {
		t.Fatal("CreateUserIfNoneHasRole: not created")
	}
	total(len(users))
}

// testUserManager checks that a user's manager's displayName is read from
// the manager, and is empty when the manager is gone.
func testUserManager(t *testing.T, s store.Store) {
	ctx := t.Context()
	boss := newUser("boss", "BOSS")
	boss.DisplayName = "The Boss"
	must(t, "CreateUser", s.CreateUser(ctx, boss))
	u := newUser("worker", "WORKER")
	u.Enterprise.ManagerID, u.Enterprise.ManagerDisplayName = boss.ID, "ignored when written"
	must(t, "CreateUser", s.CreateUser(ctx, u))
	got, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	if got.Enterprise.ManagerID != boss.ID || got.Enterprise.ManagerDisplayName != "The Boss" {
		t.Errorf("manager = %q %q, want %q %q", got.Enterprise.ManagerID, got.Enterprise.ManagerDisplayName, boss.ID, "The Boss")
	}
	must(t, "DeleteUser", s.DeleteUser(ctx, boss.ID, nil))
	got, err = s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	if got.Enterprise.ManagerID != boss.ID || got.Enterprise.ManagerDisplayName != "" {
		t.Errorf("manager after the manager's deletion = %q %q, want %q and no name", got.Enterprise.ManagerID,
			got.Enterprise.ManagerDisplayName, boss.ID)
	}
}
