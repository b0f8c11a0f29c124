package sqlite_test

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlite"
	"github.com/appintegration/appintegration/store/storetest"
)

// mustOpen opens the database at path and closes it when the test ends.
func mustOpen(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return mustOpen(t, sqlite.Memory)
	})
}

func TestConformanceFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "app.db"))
	})
}

func TestMemoryDatabasesAreSeparate(t *testing.T) {
	a, b := mustOpen(t, sqlite.Memory), mustOpen(t, sqlite.Memory)
	if err := a.CreateClient(t.Context(), store.Client{ID: "c1"}); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	if list, err := b.ListClients(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("second memory database: ListClients = %d clients, %v; want 0, nil", len(list), err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := t.Context()
	// The parent directory does not exist yet.
	path := filepath.Join(t.TempDir(), "data", "sub", "app.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	c := store.Client{ID: "c1", Name: "kept", CreatedAt: time.Now()}
	if err := db.CreateClient(ctx, c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	secret, err := db.Secret(ctx, "s", func() ([]byte, error) { return []byte("v1"), nil })
	if err != nil {
		t.Fatalf("Secret: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	before := migrationsApplied(t, path)
	info, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("parent directory mode %v, want 0700", perm)
	}

	// Reopening applies no migration twice (0001 would fail on its CREATE TABLEs
	// and its role seed would conflict) and keeps the data.
	db = mustOpen(t, path)
	got, err := db.GetClient(ctx, c.ID)
	if err != nil || got.Name != c.Name {
		t.Errorf("GetClient after reopen = %+v, %v; want name %q", got, err, c.Name)
	}
	again, err := db.Secret(ctx, "s", func() ([]byte, error) { return []byte("v2"), nil })
	if err != nil || !bytes.Equal(again, secret) {
		t.Errorf("Secret after reopen = %q, %v; want %q", again, err, secret)
	}
	roles, err := db.ListRoles(ctx)
	if err != nil || len(roles) != 6 {
		t.Errorf("ListRoles after reopen = %d roles, %v; want 6", len(roles), err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("IntegrityCheck: %v", err)
	}
	if after := migrationsApplied(t, path); after != before {
		t.Errorf("schema_migrations after reopen = %q, before %q", after, before)
	}
}

// migrationsApplied returns the rows of schema_migrations, read directly.
func migrationsApplied(t *testing.T, path string) string {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	defer raw.Close()
	var rows string
	if err := raw.QueryRowContext(t.Context(), `SELECT group_concat(version || ' ' || applied_at, ';')
		FROM schema_migrations`).Scan(&rows); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	if !strings.HasPrefix(rows, "1 ") {
		t.Errorf("schema_migrations = %q, want version 1 first", rows)
	}
	return rows
}

func TestConcurrentOpenOfNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	const openers = 8
	var wg sync.WaitGroup
	dbs := make([]*sqlite.DB, openers)
	errs := make([]error, openers)
	for i := range openers {
		wg.Go(func() { dbs[i], errs[i] = sqlite.Open(t.Context(), path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		t.Cleanup(func() { dbs[i].Close() })
		roles, err := dbs[i].ListRoles(t.Context())
		if err != nil || len(roles) != 6 {
			t.Errorf("ListRoles via opener %d = %d roles, %v; want 6", i, len(roles), err)
		}
	}
}

func TestTwoHandlesOneFile(t *testing.T) {
	// Two pools on one file stand in for two processes.
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "app.db")
	a, b := mustOpen(t, path), mustOpen(t, path)

	var wg sync.WaitGroup
	values := make([][]byte, 2)
	for i, db := range []*sqlite.DB{a, b} {
		wg.Go(func() {
			v, err := db.Secret(ctx, "shared", func() ([]byte, error) { return []byte{byte('a' + i)}, nil })
			if err != nil {
				t.Errorf("Secret via handle %d: %v", i, err)
			}
			values[i] = v
		})
	}
	wg.Wait()
	if !bytes.Equal(values[0], values[1]) {
		t.Errorf("Secret via two handles: %q and %q, want one value", values[0], values[1])
	}

	created := make([]bool, 2)
	for i, db := range []*sqlite.DB{a, b} {
		wg.Go(func() {
			u := store.User{ID: string(rune('x' + i)), UserName: string(rune('X' + i)),
				Active: true, Roles: []string{store.RoleAdministrator}}
			ok, err := db.CreateUserIfNoneHasRole(ctx, u, store.RoleAdministrator)
			if err != nil {
				t.Errorf("CreateUserIfNoneHasRole via handle %d: %v", i, err)
			}
			created[i] = ok
		})
	}
	wg.Wait()
	if created[0] == created[1] {
		t.Errorf("CreateUserIfNoneHasRole via two handles: created = %v, want exactly one", created)
	}
}

func TestIntegrityCheck(t *testing.T) {
	for _, path := range []string{sqlite.Memory, filepath.Join(t.TempDir(), "app.db")} {
		db := mustOpen(t, path)
		if err := db.IntegrityCheck(t.Context()); err != nil {
			t.Errorf("IntegrityCheck(%s): %v", path, err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	for _, path := range []string{"", "a?b.db"} {
		if db, err := sqlite.Open(t.Context(), path); err == nil {
			db.Close()
			t.Errorf("Open(%q): no error", path)
		}
	}
}

// TestMigration0002IndexesExistingEmails opens a database made by migration
// 0001 alone, with users in it, and checks that 0002 indexes their addresses.
func TestMigration0002IndexesExistingEmails(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "app.db")
	schema, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	if err != nil {
		t.Fatalf("read 0001: %v", err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	for _, stmt := range []string{
		string(schema),
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, '2026-01-01T00:00:00Z')`,
		`INSERT INTO users (id, user_name, emails, version, created_at, updated_at) VALUES
			('u1', 'alice', '[{"value":"Alice@Example.COM","type":"work","primary":true},{"value":"a2@example.org"}]', 1, 0, 0),
			('u2', 'bob', '[{"value":""},{"value":"bob@example.com"}]', 1, 0, 0),
			('u3', 'carol', '[]', 1, 0, 0)`,
	} {
		if _, err := raw.ExecContext(ctx, stmt); err != nil {
			raw.Close()
			t.Fatalf("set up version 1: %v", err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	db := mustOpen(t, path)
	for email, want := range map[string]string{
		"alice@example.com": "u1", "A2@EXAMPLE.ORG": "u1", "BOB@example.com": "u2",
	} {
		u, err := db.GetUserByEmail(ctx, email)
		if err != nil || u.ID != want {
			t.Errorf("GetUserByEmail(%q) = %q, %v; want %q", email, u.ID, err, want)
		}
	}
	if rows := migrationsApplied(t, path); !strings.Contains(rows, ";2 ") {
		t.Errorf("schema_migrations = %q, want version 2 applied", rows)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("IntegrityCheck: %v", err)
	}
}

// TestUseAtZeroTime checks that a zero use time, which would be stored as
// "not used", is refused and leaves the code and token unused.
func TestUseAtZeroTime(t *testing.T) {
	ctx := t.Context()
	db := mustOpen(t, sqlite.Memory)
	exp := time.Now().Add(time.Minute)
	if err := db.CreateAuthCode(ctx, store.AuthCode{ID: "c", CreatedAt: time.Now(), ExpiresAt: exp}); err != nil {
		t.Fatalf("CreateAuthCode: %v", err)
	}
	if err := db.CreateRefreshToken(ctx, store.RefreshToken{ID: "r", CreatedAt: time.Now(), ExpiresAt: exp}); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	if _, err := db.UseAuthCode(ctx, "c", "", time.Time{}); err == nil {
		t.Error("UseAuthCode at the zero time: no error")
	}
	if _, err := db.UseRefreshToken(ctx, "r", "", time.Time{}); err == nil {
		t.Error("UseRefreshToken at the zero time: no error")
	}
	if c, err := db.UseAuthCode(ctx, "c", "", time.Now()); err != nil || c.UsedAt.IsZero() {
		t.Errorf("UseAuthCode after a refused use = UsedAt %v, %v; want a first use", c.UsedAt, err)
	}
	if r, err := db.UseRefreshToken(ctx, "r", "", time.Now()); err != nil || r.UsedAt.IsZero() {
		t.Errorf("UseRefreshToken after a refused use = UsedAt %v, %v; want a first use", r.UsedAt, err)
	}
}
