package sqlstore

import (
	"database/sql"
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
}

var planCases = []planCase{
	{"userName eq", store.FilterCompare{Attr: store.AttrUserName, Op: store.OpEq, Value: "jdoe"}, ""},
	{"externalId eq", store.FilterCompare{Attr: store.AttrExternalID, Op: store.OpEq, Value: "x"}, ""},
	{"idpUserId eq", store.FilterCompare{Attr: store.AttrIdpUserID, Op: store.OpEq, Value: "x"}, ""},
	{"emails.value eq", store.FilterCompare{Attr: store.AttrEmails.Sub("value"), Op: store.OpEq, Value: "a@b.example"}, ""},
	{"emails[type eq].value eq", store.FilterAny{Multi: store.AttrEmails, Filter: store.FilterAnd{
		Left:  store.FilterCompare{Attr: store.AttrEmails.Sub("type"), Op: store.OpEq, Value: "work"},
		Right: store.FilterCompare{Attr: store.AttrEmails.Sub("value"), Op: store.OpEq, Value: "a@b.example"},
	}}, ""},
	{"active eq false", store.FilterCompare{Attr: store.AttrActive, Op: store.OpEq, Value: false}, ""},
	{"familyName sw", store.FilterCompare{Attr: store.AttrFamilyName, Op: store.OpSw, Value: "Smi"}, ""},
	{"familyName eq", store.FilterCompare{Attr: store.AttrFamilyName, Op: store.OpEq, Value: "Smith"}, ""},
	{"lastModified gt", store.FilterCompare{Attr: store.AttrLastModified, Op: store.OpGt, Value: time.Now()}, ""},
	{"userName co", store.FilterCompare{Attr: store.AttrUserName, Op: store.OpCo, Value: "doe"}, ""},
	{"emails.value co", store.FilterCompare{Attr: store.AttrEmails.Sub("value"), Op: store.OpCo, Value: "example"}, ""},
	{"displayName ew", store.FilterCompare{Attr: store.AttrDisplayName, Op: store.OpEw, Value: "son"}, ""},
	{"search", store.UserSearch("smith"), ""},
	{"unfiltered page", nil, ""},
	{"sortBy familyName", nil, store.AttrFamilyName},
	{"sortBy givenName", nil, store.AttrGivenName},
	{"sortBy displayName", nil, store.AttrDisplayName},
	{"sortBy lastModified", nil, store.AttrLastModified},
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
	terms := make([]string, len(order))
	for i, o := range order {
		terms[i] = o.expr
	}
	return "SELECT users.id FROM users" + where + " ORDER BY " + strings.Join(terms, ", ") + " LIMIT 100", b.args
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
			bad := strings.HasPrefix(line, "SCAN users") && !strings.Contains(line, "USING") ||
				strings.HasPrefix(line, "SCAN user_values") && !strings.Contains(line, "USING") ||
				strings.HasPrefix(line, "SCAN v") && !strings.Contains(line, "USING") ||
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
