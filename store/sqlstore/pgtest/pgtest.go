// Package pgtest gives tests a fresh PostgreSQL schema of the server named by
// APPINT_TEST_POSTGRES_URL, which .ci/run sets (from .ci/postgres.sh).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable naming the test server.
const EnvURL = "APPINT_TEST_POSTGRES_URL"

// SkipMessage says why PostgreSQL tests did not run.
const SkipMessage = "PostgreSQL tests skipped: " + EnvURL + " is not set; .ci/run sets it " +
	"(locally, as root: export " + EnvURL + "=\"$(bash .ci/postgres.sh)\")"

// ciMessage says why PostgreSQL tests fail in CI without a server.
const ciMessage = "PostgreSQL tests cannot run: " + EnvURL + " is not set, and with CI=true " +
	"they must run; .ci/run sets it from .ci/postgres.sh"

// BaseURL returns the URL of the test server. When it is not set, it skips t,
// or fails it when CI=true, where the PostgreSQL tests must run.
func BaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(ciMessage)
		}
		t.Skip(SkipMessage)
	}
	return base
}

// URL creates a new, empty schema on the test server and returns a URL whose
// search_path is that schema, so that everything created through it lands
// there. The schema is dropped, with everything in it, when the test ends;
// register cleanups that must run before the drop (closing pools, stopping
// processes) after calling URL. It skips or fails t as BaseURL does.
func URL(t testing.TB) string {
	t.Helper()
	base := BaseURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvURL, err)
	}
	trigramOnce.Do(func() { installTrigram(t, base) })
	b := make([]byte, 8)
	rand.Read(b)
	schema := "appint_test_" + hex.EncodeToString(b)
	exec(t, base, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() { exec(t, base, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE") })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

var trigramOnce sync.Once

// installTrigram installs pg_trgm in the public schema, where every test
// schema's migration finds it. Were a migration to install it in its own
// schema, dropping that schema would take it (and the trigram indexes of
// every other test schema) along. .ci/postgres.sh installs it as well;
// concurrent test processes may race here, and the loser finds it installed.
func installTrigram(t testing.TB, dsn string) {
	t.Helper()
	withConn(t, dsn, func(ctx context.Context, conn *pgx.Conn) {
		if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"); err != nil {
			var installed bool
			if qerr := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')").Scan(&installed); qerr != nil || !installed {
				t.Logf("pg_trgm not installed (%v): substring filters will scan", err)
			}
		}
	})
}

// exec runs one statement on its own connection; it fails t on error.
func exec(t testing.TB, dsn, sql string) {
	t.Helper()
	withConn(t, dsn, func(ctx context.Context, conn *pgx.Conn) {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	})
}

// withConn calls fn with a connection of its own to dsn, and a context of
// 30 s (not t.Context: this also runs in cleanups, after it is cancelled).
func withConn(t testing.TB, dsn string, fn func(context.Context, *pgx.Conn)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	fn(ctx, conn)
}

// Available reports whether the PostgreSQL tests can run. When they cannot
// and CI=true, where they must, it fails t.
func Available(t testing.TB) bool {
	t.Helper()
	if os.Getenv(EnvURL) != "" {
		return true
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(ciMessage)
	}
	return false
}
