package sqlstore

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore/pgtest"
)

// planCase is a query of the SCIM API's hot paths and what its plan must
// not contain.
type planCase struct {
	name   string
	filter store.Filter
	sortBy store.Attr
	found  bool // the filter selects few users (see sortFoundLimit)
}

var planCases = []planCase{
	{"userName eq", store.FilterCompare{Attr: store.AttrUserName, Op: store.OpEq, Value: "jdoe"}, "", false},
	{"externalId eq", store.FilterCompare{Attr: store.AttrExternalID, Op: store.OpEq, Value: "x"}, "", false},
	{"idpUserId eq", store.FilterCompare{Attr: store.AttrIdpUserID, Op: store.OpEq, Value: "x"}, "", false},
	{"emails.value eq", store.FilterCompare{Attr: store.AttrEmails.Sub("value"), Op: store.OpEq, Value: "a@b.example"}, "", false},
	{"emails[type eq].value eq", store.FilterAny{Multi: store.AttrEmails, Filter: store.FilterAnd{
		Left:  store.FilterCompare{Attr: store.AttrEmails.Sub("type"), Op: store.OpEq, Value: "work"},
		Right: store.FilterCompare{Attr: store.AttrEmails.Sub("value"), Op: store.OpEq, Value: "a@b.example"},
	}}, "", false},
	{"active eq false", store.FilterCompare{Attr: store.AttrActive, Op: store.OpEq, Value: false}, "", false},
	{"familyName sw", store.FilterCompare{Attr: store.AttrFamilyName, Op: store.OpSw, Value: "Smi"}, "", false},
	{"familyName eq", store.FilterCompare{Attr: store.AttrFamilyName, Op: store.OpEq, Value: "Smith"}, "", false},
	{"lastModified gt", store.FilterCompare{Attr: store.AttrLastModified, Op: store.OpGt, Value: time.Now()}, "", false},
	{"userName co", store.FilterCompare{Attr: store.AttrUserName, Op: store.OpCo, Value: "doe"}, "", false},
	{"emails.value co", store.FilterCompare{Attr: store.AttrEmails.Sub("value"), Op: store.OpCo, Value: "example"}, "", false},
	{"displayName ew", store.FilterCompare{Attr: store.AttrDisplayName, Op: store.OpEw, Value: "son"}, "", false},
	{"search", store.UserSearch("smith"), "", false},
	{"roles.value eq", store.FilterCompare{Attr: store.AttrRoles.Sub("value"), Op: store.OpEq, Value: "PROFILE:sap.dwc:DW_Viewer"}, "", false},
	{"unfiltered page", nil, "", false},
	{"sortBy familyName", nil, store.AttrFamilyName, false},
	{"sortBy givenName", nil, store.AttrGivenName, false},
	{"sortBy displayName", nil, store.AttrDisplayName, false},
	{"sortBy lastModified", nil, store.AttrLastModified, false},
	{"sortBy created", nil, store.AttrCreated, false},
	// Filters that select few users: answered from their index, what they
	// found sorted (not by reading every user in the sort order).
	{"lastModified gt, few", store.FilterCompare{Attr: store.AttrLastModified, Op: store.OpGt, Value: time.Now()}, "", true},
	{"active eq false, few", store.FilterCompare{Attr: store.AttrActive, Op: store.OpEq, Value: false}, store.AttrFamilyName, true},
}

// planSQL returns the page query QueryUsers runs for c, and its arguments.
func planSQL(t *testing.T, d *dialect, c planCase) (string, []any) {
	t.Helper()
	b := &builder{d: d}
	where := ""
	if c.filter != nil {
		cond, err := b.filter(c.filter)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		where = " WHERE " + cond
	}
	order, err := b.order(c.sortBy, false)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	from := " FROM users" + where
	if c.found && d.fence != nil {
		from = d.fence(where)
	}
	return "SELECT users.id" + from + b.orderBy(order, c.found) + " LIMIT 100", b.args
}

// TestQueryPlansUseIndexes checks that SQLite answers every hot-path query
// from an index: no scan of a table, and no sort of all rows (a filtered
// query sorts only what it found).
func TestQueryPlansUseIndexes(t *testing.T) {
	db, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range planCases {
		query, args := planSQL(t, db.d, c)
		rows, err := db.db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatalf("%s: EXPLAIN: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notUsed int
			var detail string
			if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, line := range plan {
			bad := strings.HasPrefix(line, "SCAN users") && (!strings.Contains(line, "USING") || c.found) ||
				strings.HasPrefix(line, "SCAN user_values") && !strings.Contains(line, "USING") ||
				strings.HasPrefix(line, "SCAN v") && !strings.Contains(line, "USING") ||
				strings.HasPrefix(line, "SCAN v USING COVERING INDEX user_roles") || // a scan of the whole index
				strings.HasPrefix(line, "SCAN user_roles") ||
				c.filter == nil && strings.Contains(line, "TEMP B-TREE FOR ORDER BY")
			if bad {
				t.Errorf("%s: plan %q has %q", c.name, strings.Join(plan, "; "), line)
			}
		}
	}
}

// TestQueryPlansUseIndexesPostgres checks that PostgreSQL can answer every
// hot-path query from an index: with sequential scans turned off, the plan
// holds none, and a sorted page is read in index order.
func TestQueryPlansUseIndexesPostgres(t *testing.T) {
	db, err := OpenPostgres(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var trgm bool
	if err := db.q.QueryRowContext(t.Context(),
		`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')`).Scan(&trgm); err != nil {
		t.Fatal(err)
	}
	if !trgm && os.Getenv("CI") == "true" {
		t.Fatal("pg_trgm is not installed: .ci/postgres.sh installs it")
	}
	for _, c := range planCases {
		if !trgm && (c.name == "userName co" || c.name == "emails.value co" || c.name == "displayName ew" || c.name == "search") {
			continue
		}
		query, args := planSQL(t, db.d, c)
		plan := explain(t, db.db, query, args)
		for _, line := range plan {
			bad := strings.Contains(line, "Seq Scan on users") || strings.Contains(line, "Seq Scan on user_values") ||
				strings.Contains(line, "Seq Scan on user_roles") ||
				(c.filter == nil && strings.Contains(line, "Sort"))
			if bad {
				t.Errorf("%s: plan\n  %s\nhas %q", c.name, strings.Join(plan, "\n  "), strings.TrimSpace(line))
			}
		}
	}
}

func explain(t *testing.T, db *sql.DB, query string, args []any) []string {
	t.Helper()
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(t.Context(), "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(t.Context(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	return plan
}

// TestOptimizeGathersStatistics: on a database that has never been analyzed,
// Optimize gathers the planner's statistics of the user tables (without them
// SQLite's plans for substring filters and the console search read every
// user), but not of empty ones (on PostgreSQL those would make inserts check
// their foreign keys with sequential scans).
func TestOptimizeGathersStatistics(t *testing.T) {
	engines := map[string]func() (*DB, error){
		"sqlite": func() (*DB, error) { return OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "app.db")) },
	}
	if os.Getenv(pgtest.EnvURL) != "" || os.Getenv("CI") == "true" {
		engines["postgres"] = func() (*DB, error) { return OpenPostgres(t.Context(), pgtest.URL(t)) }
	}
	for engine, open := range engines {
		t.Run(engine, func(t *testing.T) {
			db, err := open()
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			analyzed := func() int {
				t.Helper()
				query := `SELECT count(DISTINCT tbl) FROM sqlite_stat1 WHERE tbl IN ('users', 'user_values')`
				if engine == "postgres" {
					query = `SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = current_schema()
						AND relname IN ('users', 'user_values') AND coalesce(last_analyze, last_autoanalyze) IS NOT NULL`
				}
				var n int
				if err := db.db.QueryRowContext(t.Context(), query).Scan(&n); err != nil && engine == "postgres" {
					t.Fatal(err)
				}
				return n // SQLite: no sqlite_stat1 table yet is none analyzed
			}
			if err := db.Optimize(t.Context()); err != nil {
				t.Fatal(err)
			}
			if n := analyzed(); n != 0 {
				t.Fatalf("%d empty tables analyzed", n)
			}
			var users []store.User
			for i := range 2000 {
				users = append(users, store.User{ID: fmt.Sprintf("u%d", i), UserName: fmt.Sprintf("user%d", i),
					Emails: []store.Email{{Value: fmt.Sprintf("user%d@example.com", i)}}, Active: true})
			}
			if _, err := db.CreateUsers(t.Context(), users); err != nil {
				t.Fatal(err)
			}
			// PostgreSQL counts the rows it judges by a moment after the
			// transactions end, as the server's Optimize every 5 s sees.
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
				if err := db.Optimize(t.Context()); err != nil {
					t.Fatal(err)
				}
				n := analyzed()
				if n == 2 {
					break
				}
				if engine == "sqlite" || time.Now().After(deadline) {
					t.Fatalf("%d of users and user_values analyzed after Optimize, want 2", n)
				}
			}
			if err := db.Optimize(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
