package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/postgres"
	"github.com/appintegration/appintegration/store/postgres/pgtest"
	"github.com/appintegration/appintegration/store/storetest"
)

// mustOpen opens the database at url and closes it when the test ends.
func mustOpen(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), url)
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

func TestConformance(t *testing.T) {
	pgtest.BaseURL(t) // skip or fail once, not in every subtest
	storetest.Run(t, func(t *testing.T) store.Store {
		return mustOpen(t, pgtest.URL(t))
	})
}

// migrationsApplied returns the versions recorded in schema_migrations.
func migrationsApplied(t *testing.T, url string) []int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.WithoutCancel(t.Context()))
	rows, err := conn.Query(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	return versions
}

func TestConcurrentOpenOfEmptyDatabase(t *testing.T) {
	url := pgtest.URL(t)
	const openers = 4 // each a pool of its own, as separate processes would have
	var wg sync.WaitGroup
	dbs := make([]*postgres.DB, openers)
	errs := make([]error, openers)
	for i := range openers {
		wg.Go(func() { dbs[i], errs[i] = postgres.Open(t.Context(), url) })
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
	if got := migrationsApplied(t, url); len(got) == 0 || got[0] != 1 {
		t.Errorf("schema_migrations = %v, want each version once, from 1", got)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	db, err := postgres.Open(ctx, url)
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
	db.Close()
	before := migrationsApplied(t, url)

	// Reopening applies no migration twice (0001 would fail on its CREATE
	// TABLEs and its role seed would conflict) and keeps the data.
	db = mustOpen(t, url)
	if got, err := db.GetClient(ctx, c.ID); err != nil || got.Name != c.Name {
		t.Errorf("GetClient after reopen = %+v, %v; want name %q", got, err, c.Name)
	}
	again, err := db.Secret(ctx, "s", func() ([]byte, error) { return []byte("v2"), nil })
	if err != nil || !bytes.Equal(again, secret) {
		t.Errorf("Secret after reopen = %q, %v; want %q", again, err, secret)
	}
	if after := migrationsApplied(t, url); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("schema_migrations after reopen = %v, before %v", after, before)
	}
}

func TestTwoPoolsOneDatabase(t *testing.T) {
	// Two pools on one database stand in for two server processes.
	ctx := t.Context()
	url := pgtest.URL(t)
	a, b := mustOpen(t, url), mustOpen(t, url)

	for round := range 5 {
		var wg sync.WaitGroup
		values := make([][]byte, 2)
		created := make([]bool, 2)
		role := []string{store.RoleAdministrator, store.RoleIntegrator, store.RoleModeler,
			store.RoleViewer, store.RoleConsumer}[round]
		for i, db := range []*postgres.DB{a, b} {
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
		}
		wg.Wait()
		if len(values[0]) == 0 || !bytes.Equal(values[0], values[1]) {
			t.Errorf("round %d: Secret via two pools: %q and %q, want one value", round, values[0], values[1])
		}
		if created[0] == created[1] {
			t.Errorf("round %d: CreateUserIfNoneHasRole via two pools: created = %v, want exactly one", round, created)
		}
	}
	users, err := a.ListUsers(ctx)
	if err != nil || len(users) != 5 {
		t.Errorf("ListUsers = %d users, %v; want 5 (one per role)", len(users), err)
	}
}

func TestOpenErrorHidesPassword(t *testing.T) {
	// Needs no server: nothing listens where it connects.
	const password = "pw-that-must-not-show"
	// Port 1 on loopback: nothing listens there.
	url := "postgres://appint:" + password + "@127.0.0.1:1/appint?sslmode=disable&connect_timeout=5"
	db, err := postgres.Open(t.Context(), url)
	if err == nil {
		db.Close()
		t.Fatal("Open of a server that is not there: no error")
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("Open error shows the password: %v", err)
	}
	_, err = postgres.Open(t.Context(), "postgres://appint:"+password+"@127.0.0.1:notaport/x")
	if err == nil || strings.Contains(err.Error(), password) {
		t.Errorf("Open of a malformed URL: error %v, want one without the password", err)
	}
}
