package sqlstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
	"github.com/appintegration/appintegration/store/sqlstore/pgtest"
	"github.com/appintegration/appintegration/store/storetest"
)

// mustOpen opens the database dsn names and closes it when the test ends.
func mustOpen(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// engine makes new, empty databases of one engine for tests that run on both.
type engine struct {
	name string
	dsn  func(t *testing.T) string // a new, empty database
}

// engines are SQLite in a file and, when the test server is configured (it
// must be in CI), PostgreSQL.
func engines(t *testing.T) []engine {
	list := []engine{{"SQLite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "app.db") }}}
	if pgtest.Available(t) {
		list = append(list, engine{"PostgreSQL", func(t *testing.T) string { return pgtest.URL(t) }})
	}
	return list
}

func TestConformanceSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return mustOpen(t, sqlstore.Memory) })
}

func TestConformanceSQLiteFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db := mustOpen(t, filepath.Join(t.TempDir(), "app.db"))
		// After every subtest, the file and the FTS index of user_values
		// agree with the rows (cleanups run last first: before Close).
		t.Cleanup(func() {
			if err := db.IntegrityCheck(context.WithoutCancel(t.Context())); err != nil {
				t.Errorf("IntegrityCheck: %v", err)
			}
		})
		return db
	})
}

func TestConformancePostgres(t *testing.T) {
	pgtest.BaseURL(t) // skip or fail once, not in every subtest
	storetest.Run(t, func(t *testing.T) store.Store { return mustOpen(t, pgtest.URL(t)) })
}

func TestMemoryDatabasesAreSeparate(t *testing.T) {
	a, b := mustOpen(t, sqlstore.Memory), mustOpen(t, sqlstore.Memory)
	if err := a.CreateClient(t.Context(), store.Client{ID: "c1"}); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	if list, err := b.ListClients(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("second memory database: ListClients = %d clients, %v; want 0, nil", len(list), err)
	}
}

// migrationsApplied returns the versions recorded in schema_migrations.
func migrationsApplied(t *testing.T, dsn string) []int {
	t.Helper()
	raw := rawOpen(t, dsn)
	rows, err := raw.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var versions []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("read schema_migrations: %v", err)
		}
		versions = append(versions, v)
	}
	return versions
}

// rawOpen opens dsn with the engine's plain driver, for what the store API
// does not show; it is closed when the test ends.
func rawOpen(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if sqlstore.IsPostgresURL(dsn) {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func TestReopenKeepsData(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			ctx := t.Context()
			dsn := e.dsn(t)
			if !sqlstore.IsPostgresURL(dsn) {
				// The parent directory does not exist yet.
				dsn = filepath.Join(filepath.Dir(dsn), "data", "sub", "app.db")
			}
			db, err := sqlstore.Open(ctx, dsn)
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
			before := migrationsApplied(t, dsn)
			if len(before) == 0 || before[0] != 1 || !slices.IsSorted(before) || slices.Compact(slices.Clone(before)) == nil {
				t.Errorf("schema_migrations = %v, want each version once, from 1", before)
			}

			// Reopening applies no migration twice (0001 would fail on its
			// CREATE TABLEs and its role seed would conflict) and keeps the data.
			db = mustOpen(t, dsn)
			if got, err := db.GetClient(ctx, c.ID); err != nil || got.Name != c.Name {
				t.Errorf("GetClient after reopen = %+v, %v; want name %q", got, err, c.Name)
			}
			again, err := db.Secret(ctx, "s", func() ([]byte, error) { return []byte("v2"), nil })
			if err != nil || !bytes.Equal(again, secret) {
				t.Errorf("Secret after reopen = %q, %v; want %q", again, err, secret)
			}
			if roles, err := db.ListRoles(ctx); err != nil || len(roles) != 6 {
				t.Errorf("ListRoles after reopen = %d roles, %v; want 6", len(roles), err)
			}
			if err := db.IntegrityCheck(ctx); err != nil {
				t.Errorf("IntegrityCheck: %v", err)
			}
			if after := migrationsApplied(t, dsn); !slices.Equal(after, before) {
				t.Errorf("schema_migrations after reopen = %v, before %v", after, before)
			}
		})
	}
}

// TestSQLiteDirectoryMode checks that a new database's directory is private.
func TestSQLiteDirectoryMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	mustOpen(t, filepath.Join(dir, "app.db"))
	if perm := statMode(t, dir); perm != 0o700 {
		t.Errorf("directory mode %v, want 0700", perm)
	}
}

func TestConcurrentOpenOfNewDatabase(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			dsn := e.dsn(t)
			const openers = 6 // each a pool of its own, as separate processes would have
			var wg sync.WaitGroup
			dbs := make([]*sqlstore.DB, openers)
			errs := make([]error, openers)
			for i := range openers {
				wg.Go(func() { dbs[i], errs[i] = sqlstore.Open(t.Context(), dsn) })
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
		})
	}
}

func TestTwoPoolsOneDatabase(t *testing.T) {
	// Two pools on one database stand in for two server processes.
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			ctx := t.Context()
			dsn := e.dsn(t)
			a, b := mustOpen(t, dsn), mustOpen(t, dsn)
			roles := []string{store.RoleAdministrator, store.RoleIntegrator, store.RoleModeler, store.RoleViewer, store.RoleConsumer}
			for round, role := range roles {
				var wg sync.WaitGroup
				values := make([][]byte, 2)
				created := make([]bool, 2)
				keys := make([]bool, 2)
				for i, db := range []*sqlstore.DB{a, b} {
					wg.Go(func() {
						v, err := db.Secret(ctx, fmt.Sprint("shared-", round), func() ([]byte, error) {
							return []byte{byte('a' + i)}, nil
						})
						if err != nil {
							t.Errorf("Secret via pool %d: %v", i, err)
						}
						values[i] = v
					})
					wg.Go(func() {
						u := store.User{ID: fmt.Sprint("u", round, i), UserName: fmt.Sprint("U", round, "_", i),
							Active: true, Roles: []string{role}}
						ok, err := db.CreateUserIfNoneHasRole(ctx, u, role)
						if err != nil {
							t.Errorf("CreateUserIfNoneHasRole via pool %d: %v", i, err)
						}
						created[i] = ok
					})
					wg.Go(func() {
						k := store.SigningKey{ID: fmt.Sprint("k", round, i), Algorithm: fmt.Sprint("ALG", round)}
						ok, err := db.CreateSigningKeyIfNoneCurrent(ctx, k)
						if err != nil {
							t.Errorf("CreateSigningKeyIfNoneCurrent via pool %d: %v", i, err)
						}
						keys[i] = ok
					})
				}
				wg.Wait()
				if len(values[0]) == 0 || !bytes.Equal(values[0], values[1]) {
					t.Errorf("round %d: Secret via two pools: %q and %q, want one value", round, values[0], values[1])
				}
				if created[0] == created[1] {
					t.Errorf("round %d: CreateUserIfNoneHasRole via two pools: created = %v, want exactly one", round, created)
				}
				if keys[0] == keys[1] {
					t.Errorf("round %d: CreateSigningKeyIfNoneCurrent via two pools: created = %v, want exactly one", round, keys)
				}
			}
			users, _, err := a.QueryUsers(ctx, store.UserQuery{Limit: 1000})
			if err != nil || len(users) != len(roles) {
				t.Errorf("ListUsers = %d users, %v; want %d (one per role)", len(users), err, len(roles))
			}
		})
	}
}

func TestIntegrityCheck(t *testing.T) {
	for _, path := range []string{sqlstore.Memory, filepath.Join(t.TempDir(), "app.db")} {
		if err := mustOpen(t, path).IntegrityCheck(t.Context()); err != nil {
			t.Errorf("IntegrityCheck(%s): %v", path, err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	for _, dsn := range []string{"", "a?b.db"} {
		if db, err := sqlstore.Open(t.Context(), dsn); err == nil {
			db.Close()
			t.Errorf("Open(%q): no error", dsn)
		}
	}
}

func TestOpenErrorHidesPassword(t *testing.T) {
	// Needs no server: nothing listens on port 1 of loopback.
	const password = "pw-that-must-not-show"
	url := "postgres://appint:" + password + "@127.0.0.1:1/appint?sslmode=disable&connect_timeout=5"
	db, err := sqlstore.Open(t.Context(), url)
	if err == nil {
		db.Close()
		t.Fatal("Open of a server that is not there: no error")
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("Open error shows the password: %v", err)
	}
	_, err = sqlstore.Open(t.Context(), "postgres://appint:"+password+"@127.0.0.1:notaport/x")
	if err == nil || strings.Contains(err.Error(), password) {
		t.Errorf("Open of a malformed URL: error %v, want one without the password", err)
	}
}

// TestPostgresPoolSettings checks that pgx pool settings in the URL are
// understood, not sent to the server as runtime parameters.
func TestPostgresPoolSettings(t *testing.T) {
	url := pgtest.URL(t) + "&pool_max_conns=2&pool_min_conns=0"
	db := mustOpen(t, url)
	if _, err := db.ListRoles(t.Context()); err != nil {
		t.Errorf("ListRoles with pool settings in the URL: %v", err)
	}
}

// TestUseAtZeroTime checks that a zero use time, which would be stored as
// "not used", is refused and leaves the code and token unused.
func TestUseAtZeroTime(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			ctx := t.Context()
			db := mustOpen(t, e.dsn(t))
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
		})
	}
}

func statMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	return info.Mode().Perm()
}

// TestBackup copies a SQLite database while another goroutine writes to it:
// the copy opens, passes the integrity check and holds every record written
// before the backup started; an existing file is never overwritten, and
// PostgreSQL is told apart.
func TestBackup(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "app.db"))
	now := time.Now().UTC()
	create := func(i int) error {
		return db.CreateClient(ctx, store.Client{ID: fmt.Sprintf("c%04d", i), Name: "n", CreatedAt: now, UpdatedAt: now,
			Secrets: []store.ClientSecret{{ID: fmt.Sprintf("s%04d", i), Hash: []byte{1}, CreatedAt: now}}})
	}
	for i := range 50 {
		if err := create(i); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 50; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := create(i); err != nil {
				t.Errorf("create during the backup: %v", err)
				return
			}
		}
	})
	out := filepath.Join(dir, "backup.db")
	err := db.Backup(ctx, out)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, %v; want mode 0600", fi, err)
	}
	copyDB := mustOpen(t, out)
	if err := copyDB.IntegrityCheck(ctx); err != nil {
		t.Errorf("IntegrityCheck of the copy: %v", err)
	}
	for i := range 50 {
		c, err := copyDB.GetClient(ctx, fmt.Sprintf("c%04d", i))
		if err != nil || len(c.Secrets) != 1 {
			t.Errorf("client %d in the copy: %+v, %v", i, c, err)
		}
	}
	if err := db.Backup(ctx, out); err == nil {
		t.Error("Backup over an existing file succeeded")
	}
	if matches, _ := filepath.Glob(out + ".tmp-*"); len(matches) != 0 {
		t.Errorf("Backup left %v behind", matches)
	}
	if pgtest.Available(t) {
		pg := mustOpen(t, pgtest.URL(t))
		if err := pg.Backup(ctx, filepath.Join(dir, "pg.db")); !errors.Is(err, sqlstore.ErrNotSQLite) {
			t.Errorf("Backup on PostgreSQL: %v, want ErrNotSQLite", err)
		}
	}
}
