package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
	"github.com/appintegration/appintegration/store/sqlstore/pgtest"
)

// benchUsers is how many users BenchmarkQueryUsers loads:
// APPINT_BENCH_USERS, else 10,000.
func benchUsers(b *testing.B) int {
	if v := os.Getenv("APPINT_BENCH_USERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			b.Fatalf("APPINT_BENCH_USERS=%q: want a number of at least 100", v)
		}
		return n
	}
	return 10000
}

// benchUser is user i of a directory as connectors provision it.
func benchUser(i int, now time.Time) store.User {
	given := []string{"Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas"}[i%10]
	family := fmt.Sprintf("%s%05d", []string{"Smith", "Miller", "Schmidt", "Garcia", "Novak", "Rossi", "Dubois", "Kowalski"}[i%8], i%20011)
	name := fmt.Sprintf("U%07d", i)
	return store.User{
		ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), UserName: name,
		GivenName: given, FamilyName: family, DisplayName: given + " " + family,
		Emails: []store.Email{{Value: fmt.Sprintf("%s.%s@corp%d.example.com", given, family, i%7), Type: "work", Primary: true}},
		Active: i%50 != 0, Roles: []string{store.RoleViewer}, ExternalID: fmt.Sprintf("ext-%d", i),
		IdpUserID: fmt.Sprintf("%s@idp.example.com", name), Title: "Engineer",
		Enterprise: store.Enterprise{Department: fmt.Sprintf("Dept %d", i%40), EmployeeNumber: strconv.Itoa(i)},
		CreatedAt:  now.Add(time.Duration(i) * time.Second), UpdatedAt: now.Add(time.Duration(i) * time.Second),
	}
}

// loadUsers creates n users, 1,000 a transaction, and reports the rate.
func loadUsers(b *testing.B, db *sqlstore.DB, n int, now time.Time) {
	ctx := context.Background()
	start := time.Now()
	for from := 0; from < n; from += 1000 {
		var users []store.User
		for i := from; i < min(from+1000, n); i++ {
			users = append(users, benchUser(i, now))
		}
		if _, err := db.CreateUsers(ctx, users); err != nil {
			b.Fatalf("load users: %v", err)
		}
	}
	b.Logf("loaded %d users in %v (%.0f users/s)", n, time.Since(start), float64(n)/time.Since(start).Seconds())
}

// BenchmarkQueryUsers times the SCIM queries connectors send, on n users
// (APPINT_BENCH_USERS), for SQLite and, when configured, PostgreSQL.
func BenchmarkQueryUsers(b *testing.B) {
	n := benchUsers(b)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	engines := map[string]func(b *testing.B) string{
		"sqlite": func(b *testing.B) string { return filepath.Join(b.TempDir(), "bench.db") },
	}
	if os.Getenv(pgtest.EnvURL) != "" {
		engines["postgres"] = func(b *testing.B) string { return pgtest.URL(b) }
	}
	for engine, dsn := range engines {
		b.Run(engine, func(b *testing.B) {
			db, err := sqlstore.Open(context.Background(), dsn(b))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			loadUsers(b, db, n, now)
			if err := db.Optimize(context.Background()); err != nil {
				b.Fatal(err)
			}
			mid := benchUser(n/2, now)
			cmp := func(a store.Attr, op store.CompareOp, v any) store.Filter {
				return store.FilterCompare{Attr: a, Op: op, Value: v}
			}
			for _, c := range []struct {
				name string
				q    store.UserQuery
			}{
				{"userName_eq", store.UserQuery{Filter: cmp(store.AttrUserName, store.OpEq, mid.UserName), Limit: 100}},
				{"externalId_eq", store.UserQuery{Filter: cmp(store.AttrExternalID, store.OpEq, mid.ExternalID), Limit: 100}},
				{"emails.value_eq", store.UserQuery{Filter: cmp(store.AttrEmails.Sub("value"), store.OpEq, mid.Emails[0].Value), Limit: 100}},
				{"emails[type_eq_work].value_eq", store.UserQuery{Filter: store.FilterAny{Multi: store.AttrEmails, Filter: store.FilterAnd{
					Left: cmp(store.AttrEmails.Sub("type"), store.OpEq, "work"), Right: cmp(store.AttrEmails.Sub("value"), store.OpEq, mid.Emails[0].Value)}}, Limit: 100}},
				{"active_eq_false", store.UserQuery{Filter: cmp(store.AttrActive, store.OpEq, false), Limit: 100}},
				{"familyName_sw", store.UserQuery{Filter: cmp(store.AttrFamilyName, store.OpSw, "Smith001"), Limit: 100}},
				{"sortBy_familyName", store.UserQuery{SortBy: store.AttrFamilyName, Limit: 100}},
				{"lastModified_gt", store.UserQuery{Filter: cmp(store.AttrLastModified, store.OpGt, now.Add(time.Duration(n-500)*time.Second)), Limit: 100}},
				{"page_1", store.UserQuery{Limit: 100}},
				{"page_last", store.UserQuery{Offset: n - 100, Limit: 100}},
				{"userName_co", store.UserQuery{Filter: cmp(store.AttrUserName, store.OpCo, mid.UserName[2:7]), Limit: 100}},
				{"emails.value_co", store.UserQuery{Filter: cmp(store.AttrEmails.Sub("value"), store.OpCo, mid.FamilyName), Limit: 100}},
				{"search", store.UserQuery{Filter: store.UserSearch(mid.FamilyName), Limit: 50}},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						if _, _, err := db.QueryUsers(context.Background(), c.q); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
