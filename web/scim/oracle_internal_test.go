package scim

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
	"github.com/appintegration/appintegration/store/sqlstore/pgtest"
)

// oracleUsers are users with every kind of attribute the filters below test,
// in several cases, some unset, some not ASCII.
func oracleUsers() []store.User {
	base := time.Date(2026, 3, 1, 8, 0, 0, 123456000, time.UTC)
	given := []string{"Anna", "ben", "Chloé", "DAVID", "", "Émile", "Greta", "hugo"}
	family := []string{"Smith", "smithson", "Ärger", "Miller", "O'Neil", "", "van Dijk", "100% Real"}
	titles := []string{"Engineer", "", "Vice President", "engineer"}
	roles := []string{store.RoleViewer, store.RoleModeler, store.RoleIntegrator, store.RoleAdministrator}
	var users []store.User
	for i := range 40 {
		u := store.User{
			ID:        fmt.Sprintf("0000%04d-0000-4000-8000-000000000000", i),
			UserName:  fmt.Sprintf("%s_%02d", []string{"alice", "Bob", "CAROL", "dave", "Eve"}[i%5], i),
			GivenName: given[i%len(given)], FamilyName: family[(i/2)%len(family)],
			Active:    i%3 != 0,
			Title:     titles[i%len(titles)],
			CreatedAt: base.Add(time.Duration(i) * time.Hour), UpdatedAt: base.Add(time.Duration(40-i) * time.Minute),
		}
		if i%4 != 0 {
			u.DisplayName = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
		}
		if i%7 == 1 {
			u.FormattedName = "Dr. " + u.GivenName
		}
		if i%5 != 4 {
			u.Emails = append(u.Emails, store.Email{Value: fmt.Sprintf("%s%d@Corp.example.com", strings.ToLower(u.GivenName), i), Type: "work", Primary: i%2 == 0})
		}
		if i%3 == 1 {
			u.Emails = append(u.Emails, store.Email{Value: fmt.Sprintf("home%d@mail.example.org", i), Type: "home"})
		}
		if i%6 == 2 {
			u.Emails = append(u.Emails, store.Email{Value: fmt.Sprintf("x%d@other.example", i), Primary: true})
		}
		if i%4 == 3 {
			u.PhoneNumbers = []store.Value{{Value: fmt.Sprintf("+49 30 %04d", i), Type: "work"}, {Value: "+1 555 0100", Type: "mobile", Primary: true}}
		}
		if i%8 == 5 {
			u.Entitlements = []store.Value{{Value: "Premium", Type: "license", Display: "Premium plan"}}
		}
		for j, r := range roles {
			if i%(j+2) == 0 {
				u.Roles = append(u.Roles, r)
			}
		}
		if i%3 == 2 {
			u.ExternalID = fmt.Sprintf("Ext-%d", i)
			u.IdpUserID = fmt.Sprintf("user%d@IdP.example", i)
		}
		if i%5 == 1 {
			u.Enterprise = store.Enterprise{Department: []string{"R&D", "Sales"}[i%2], EmployeeNumber: fmt.Sprint(1000 + i),
				ManagerID: fmt.Sprintf("0000%04d-0000-4000-8000-000000000000", i-1)}
		}
		if i%9 == 4 {
			u.Locale, u.Timezone, u.NickName = "de-DE", "Europe/Berlin", "Nick_"+u.GivenName
		}
		users = append(users, u)
	}
	return users
}

// oracleFilters are every kind of filter the API accepts.
var oracleFilters = []string{
	`userName eq "alice_00"`, `userName eq "ALICE_00"`, `userName ne "Bob_01"`, `userName sw "c"`, `userName co "_1"`,
	`userName ew "5"`, `userName gt "d"`, `userName le "bob_11"`, `userName pr`,
	`name.familyName eq "smith"`, `name.familyName sw "Smi"`, `name.familyName co "% r"`, `name.familyName ew "ER"`,
	`name.familyName pr`, `name.familyName eq null`, `name.givenName co "é"`, `name.givenName eq "chloé"`,
	`name.familyName co "ärg"`, `name.familyName co "Ärg"`, `name.givenName lt "c"`, `name.givenName ge "Greta"`,
	`name.formatted sw "dr."`, `name.formatted co "smith"`, `name pr`, `not (name.givenName pr)`,
	`displayName co "an"`, `displayName pr`, `displayName eq null`, `displayName ew "dijk"`,
	`title eq "ENGINEER"`, `title co "pres"`, `title pr`, `title ne "engineer"`,
	`emails.value eq "anna0@corp.example.com"`, `emails co "mail.example"`, `emails.value ew ".example"`,
	`emails[type eq "work"]`, `emails[type eq "work" and primary eq true]`, `emails[type eq "home"].value co "1"`,
	`emails[type eq "work"].value eq "Ben1@corp.example.com"`, `emails[not (type pr)]`, `emails[primary eq false]`,
	`emails pr`, `not (emails pr)`, `emails.type eq "home"`, `emails.primary eq true`, `emails.value ne "anna0@corp.example.com"`,
	`emails.value eq null`, `emails[value sw "x" or type eq "home"]`,
	`phoneNumbers.value co "555"`, `phoneNumbers[type eq "work"]`, `phoneNumbers pr`,
	`entitlements[type eq "license" and display co "plan"]`, `entitlements.value eq "premium"`,
	`roles.value eq "PROFILE:sap.dwc:DW_Viewer"`, `roles.display eq "dw modeler"`, `roles pr`, `not (roles pr)`,
	`roles[value eq "PROFILE:sap.dwc:DW_Integrator" or display co "admin"]`, `roles.type pr`,
	`groups.value eq "DW_Viewer"`, `groups.value eq "DW_Nothing"`, `groups.value ne "DW_Viewer"`, `groups.display co "model"`,
	`groups pr`, `groups[value eq "DW_Modeler"]`, `groups.value sw "DW_Ad"`, `groups.type eq "direct"`,
	`active eq true`, `active eq false`, `active ne true`, `not (active eq true)`,
	`active eq true and emails pr`, `(userName sw "a" or userName sw "b") and active eq false`,
	`userName sw "a" or userName sw "b" and active eq false`,
	`externalId eq "Ext-2"`, `externalId eq "ext-2"`, `externalId co "xt-1"`, `externalId sw "Ext"`, `externalId pr`,
	`urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters:idpUserId eq "user2@IdP.example"`,
	`urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters.idpUserId eq "user5@IdP.example"`,
	`urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters:idpUserId pr`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "00000010-0000-4000-8000-000000000000"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt "1020"`,
	`meta.created gt "2026-03-02T00:00:00Z"`, `meta.created le "2026-03-01T10:00:00.123456Z"`,
	`meta.lastModified lt "2026-03-01T08:20:00Z"`, `meta.lastModified eq "2026-03-01T08:30:00.123456Z"`,
	`meta.lastModified ge "2026-03-01T08:30:00.1234565Z"`, `meta.resourceType eq "User"`, `meta.resourceType ne "User"`,
	`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, `schemas co "Group"`,
	`id eq "00000003-0000-4000-8000-000000000000"`, `id sw "0000001"`,
	`locale eq "de-de"`, `timezone co "berlin"`, `nickName co "_"`,
	`meta.location eq "http://scim.test/api/v1/scim2/Users/00000007-0000-4000-8000-000000000000"`,
	`meta.location ne "http://scim.test/api/v1/scim2/Users/00000007-0000-4000-8000-000000000000"`,
}

// oracleSorts are the sorts the API accepts, each tried both ways.
var oracleSorts = []string{"userName", "name.familyName", "name.givenName", "displayName", "title",
	"meta.lastModified", "meta.created", "emails.value", "emails.type", "externalId", "active",
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}

// TestFiltersInSQLMatchTheEvaluator runs every filter and sort the API
// accepts through the store, on each engine, and compares the users it
// selects, and their order, with what the in-memory evaluator says of the
// same users.
func TestFiltersInSQLMatchTheEvaluator(t *testing.T) {
	engines := map[string]func(t *testing.T) string{
		"SQLite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "oracle.db") },
	}
	if pgtest.Available(t) {
		engines["PostgreSQL"] = func(t *testing.T) string { return pgtest.URL(t) }
	}
	for name, dsn := range engines {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := sqlstore.Open(ctx, dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for _, u := range oracleUsers() {
				if err := st.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			roles, err := st.ListRoles(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cat := newRoleCatalog(roles)
			const base = "http://scim.test" + BasePath
			all, _, err := st.QueryUsers(ctx, store.UserQuery{Limit: 1000})
			if err != nil || len(all) != 40 {
				t.Fatalf("QueryUsers: %d, %v", len(all), err)
			}
			resources := make([]resource, len(all))
			for i, u := range all {
				resources[i] = toResource(u, cat, base)
			}
			tr := translator{cat: cat, base: base}
			ids := func(list []store.User) []string {
				var out []string
				for _, u := range list {
					out = append(out, u.ID)
				}
				return out
			}
			for _, src := range oracleFilters {
				f, err := parseFilter(src)
				if err == nil {
					err = bindFilter(f)
				}
				if err != nil {
					t.Errorf("%s: %v", src, err)
					continue
				}
				sf, err := tr.storeFilter(f)
				if err != nil {
					t.Errorf("%s: translate: %v", src, err)
					continue
				}
				got, total, err := st.QueryUsers(ctx, store.UserQuery{Filter: sf, Limit: 1000})
				if err != nil {
					t.Errorf("%s: QueryUsers: %v", src, err)
					continue
				}
				var want []string
				for _, r := range resources {
					if matches(f, r) {
						want = append(want, r["id"].(string))
					}
				}
				if !slices.Equal(ids(got), want) || total != len(want) {
					t.Errorf("%s: store %v (%d), evaluator %v", src, names(got), total, namesOf(want, all))
				}
			}
			for _, sortBy := range oracleSorts {
				for _, desc := range []bool{false, true} {
					p, err := parseAttrPath(sortBy)
					if err == nil {
						err = userBinder.bindPath(&p, nil, true)
					}
					if err != nil {
						t.Fatalf("sortBy %s: %v", sortBy, err)
					}
					attr, err := storeSort(p)
					if err != nil {
						t.Errorf("sortBy %s: %v", sortBy, err)
						continue
					}
					want := slices.Clone(resources)
					sortResources(want, p, desc)
					var wantIDs []string
					for _, r := range want {
						wantIDs = append(wantIDs, r["id"].(string))
					}
					// Every page, forwards and (past the middle) backwards.
					var gotIDs []string
					for offset := 0; offset < len(all); offset += 7 {
						page, _, err := st.QueryUsers(ctx, store.UserQuery{SortBy: attr, Descending: desc, Offset: offset, Limit: 7})
						if err != nil {
							t.Fatalf("sortBy %s: %v", sortBy, err)
						}
						gotIDs = append(gotIDs, ids(page)...)
					}
					if !slices.Equal(gotIDs, wantIDs) {
						t.Errorf("sortBy %s descending=%v:\n store     %v\n evaluator %v", sortBy, desc,
							namesOf(gotIDs, all), namesOf(wantIDs, all))
					}
				}
			}
		})
	}
}

func names(list []store.User) []string {
	var out []string
	for _, u := range list {
		out = append(out, u.UserName)
	}
	return out
}

func namesOf(ids []string, all []store.User) []string {
	var out []string
	for _, id := range ids {
		for _, u := range all {
			if u.ID == id {
				out = append(out, u.UserName)
			}
		}
	}
	return out
}
