package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store/sqlstore"
	"github.com/appintegration/appintegration/store/sqlstore/pgtest"
)

// TestBackupWhileServing creates clients (console) and users (SCIM) under
// load, takes a backup with the command line in the middle of it, restores
// the backup into a fresh data directory with the same master key and
// starts a server there: every client and user acknowledged before the
// backup started is there and works, tokens issued before verify against the
// restored keys, and the copy passes PRAGMA integrity_check.
func TestBackupWhileServing(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	a := signIn(t, srv.url)
	provisioner := createCLIClient(t, data, srv.url)
	_, tok := token(t, srv.url, provisioner.ID, provisioner.Secret)
	bearer, _ := tok["access_token"].(string)
	if bearer == "" {
		t.Fatalf("token: %v", tok)
	}

	type acked struct {
		id, secret, name string
		at               time.Time // when the answer came
	}
	var (
		mu      sync.Mutex
		clients []acked
		users   []acked
		wg      sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("backup-%d-%d", w, i)
				if id, secret, ok := a.createClient(name); ok {
					mu.Lock()
					clients = append(clients, acked{id, secret, name, time.Now()})
					mu.Unlock()
				}
			}
		})
	}
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("BACKUP_%d_%d", w, i)
				if createSCIMUser(srv.url, bearer, name) {
					mu.Lock()
					users = append(users, acked{name: name, at: time.Now()})
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(700 * time.Millisecond)
	out := filepath.Join(t.TempDir(), "backup.db")
	started := time.Now()
	stdout, stderr, status := runBinary(t, nil, "backup", "--data", data, "--out", out)
	finished := time.Now()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if status != 0 || !strings.Contains(stdout, "integrity check ok") || !strings.Contains(stdout, "master key") {
		t.Fatalf("backup: exit %d\n%s%s", status, stdout, stderr)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, %v; want mode 0600", fi, err)
	}
	var before, after int
	for _, c := range clients {
		switch {
		case c.at.Before(started):
			before++
		case c.at.After(finished):
			after++
		}
	}
	if before < 5 || after < 1 {
		t.Fatalf("%d client creations answered before the backup and %d after it; the load did not span it", before, after)
	}

	// Restore: the copy as the database of a fresh data directory, with the
	// same master key.
	restored := t.TempDir()
	copyFile(t, out, filepath.Join(restored, "appintegration.db"))
	copyFile(t, filepath.Join(data, "master.key"), filepath.Join(restored, "master.key"))
	srv.stop(t)
	back := startServer(t, restored)

	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(restored, "appintegration.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.IntegrityCheck(ctx); err != nil {
		t.Errorf("integrity check of the restored backup: %v", err)
	}
	checked := 0
	for _, c := range clients {
		if !c.at.Before(started) {
			continue
		}
		got, err := st.GetClient(ctx, c.id)
		if err != nil || got.Name != c.name || len(got.Secrets) != 1 {
			t.Errorf("client %s, acknowledged before the backup, in the restored database: %+v, %v", c.name, got, err)
			continue
		}
		if checked%10 == 0 {
			if code, body := token(t, back.url, c.id, c.secret); code != 200 {
				t.Errorf("token for %s from the restored server: %d %v", c.name, code, body)
			}
		}
		checked++
	}
	for _, u := range users {
		if !u.at.Before(started) {
			continue
		}
		if got, err := st.GetUserByName(ctx, u.name); err != nil || got.FamilyName != u.name {
			t.Errorf("user %s, acknowledged before the backup, in the restored database: %+v, %v", u.name, got, err)
		}
	}
	// Tokens issued before the backup verify against the restored keys, and
	// the restored server issues new ones.
	verifyWithJWKS(t, bearer, jwks(t, back.url))
	code, body := token(t, back.url, provisioner.ID, provisioner.Secret)
	if code != 200 {
		t.Fatalf("token from the restored server: %d %v", code, body)
	}
	if !createSCIMUser(back.url, body["access_token"].(string), "AFTER_RESTORE") {
		t.Error("the restored server does not accept its own token on SCIM")
	}
	t.Logf("%d clients and %d users answered; %d clients before the backup, %d after", len(clients), len(users), before, after)

	// A file is never overwritten, and PostgreSQL is told to use pg_dump.
	if _, stderr, status := runBinary(t, nil, "backup", "--data", restored, "--out", out); status == 0 {
		t.Errorf("backup over an existing file succeeded:\n%s", stderr)
	}
	if pgtest.Available(t) {
		_, stderr, status := runBinary(t, nil, "backup", "--db", pgtest.URL(t), "--out", filepath.Join(t.TempDir(), "x"))
		if status != 1 || !strings.Contains(stderr, "pg_dump") {
			t.Errorf("backup of PostgreSQL: exit %d\n%s", status, stderr)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
