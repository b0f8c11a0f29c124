package main_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
)

// TestCLIRotateSecret rotates a client's secret on the command line: both
// secrets work, the list shows both with their times, revoking the old one
// leaves only the new one; the limits are usage errors; both changes are
// in the audit log.
func TestCLIRotateSecret(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	cl := createCLIClient(t, data, srv.url)

	if _, stderr, status := runBinary(t, nil, "clients", "rotate-secret", cl.ID, "--data", data, "--old-secret-expires", "31d"); status != 2 ||
		!strings.Contains(stderr, "--old-secret-expires") {
		t.Errorf("rotate-secret --old-secret-expires 31d: exit %d\n%s", status, stderr)
	}
	out, stderr, status := runBinary(t, nil, "clients", "rotate-secret", cl.ID, "--data", data, "--base-url", srv.url, "--old-secret-expires", "2d", "--json")
	var rotated struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		Secrets      []struct {
			CreatedAt int64 `json:"created_at"`
			ExpiresAt int64 `json:"expires_at"`
			Active    bool  `json:"active"`
		} `json:"client_secrets"`
	}
	if status != 0 || json.Unmarshal([]byte(out), &rotated) != nil || rotated.ClientSecret == "" || rotated.ClientSecret == cl.Secret {
		t.Fatalf("rotate-secret --json: exit %d\n%s%s", status, out, stderr)
	}
	if len(rotated.Secrets) != 2 || !rotated.Secrets[0].Active || !rotated.Secrets[1].Active ||
		(rotated.Secrets[0].ExpiresAt == 0) == (rotated.Secrets[1].ExpiresAt == 0) {
		t.Errorf("secrets after the rotation: %+v, want two working, one of them expiring", rotated.Secrets)
	}
	for _, secret := range []string{cl.Secret, rotated.ClientSecret} {
		if code, body := token(t, srv.url, cl.ID, secret); code != 200 {
			t.Errorf("token during the overlap: %d %v", code, body)
		}
	}
	if _, stderr, status := runBinary(t, nil, "clients", "rotate-secret", cl.ID, "--data", data); status != 2 || !strings.Contains(stderr, "Revoke the old secret") {
		t.Errorf("a third secret: exit %d\n%s", status, stderr)
	}
	list, _, _ := runBinary(t, nil, "clients", "list", "--data", data)
	if !strings.Contains(list, "SECRETS") || !strings.Contains(list, "2 (old until ") {
		t.Errorf("clients list does not show the two secrets:\n%s", list)
	}

	if _, stderr, status := runBinary(t, nil, "clients", "revoke-secret", cl.ID, "--data", data); status != 2 || !strings.Contains(stderr, "--old is required") {
		t.Errorf("revoke-secret without --old: exit %d\n%s", status, stderr)
	}
	out, stderr, status = runBinary(t, nil, "clients", "revoke-secret", cl.ID, "--old", "--data", data)
	if status != 0 || !strings.Contains(out, "only the current secret works") {
		t.Fatalf("revoke-secret --old: exit %d\n%s%s", status, out, stderr)
	}
	// A running server sees a change made elsewhere within a second.
	code := 0
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if code, _ = token(t, srv.url, cl.ID, cl.Secret); code == 401 {
			break
		}
	}
	if code != 401 {
		t.Errorf("the old secret a second after revoke-secret: %d, want 401", code)
	}
	if code, body := token(t, srv.url, cl.ID, rotated.ClientSecret); code != 200 {
		t.Errorf("the new secret after revoke-secret: %d %v", code, body)
	}
	if _, stderr, status := runBinary(t, nil, "clients", "revoke-secret", cl.ID, "--old", "--data", data); status != 2 || !strings.Contains(stderr, "nothing to revoke") {
		t.Errorf("revoke-secret with no old secret: exit %d\n%s", status, stderr)
	}
	if _, stderr, status := runBinary(t, nil, "clients", "rotate-secret", "sb-missing", "--data", data); status != 1 || !strings.Contains(stderr, "no OAuth client") {
		t.Errorf("rotate-secret of a missing client: exit %d\n%s", status, stderr)
	}

	srv.stop(t)
	st, err := sqlstore.Open(context.Background(), filepath.Join(data, "appintegration.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, action := range []string{"client.secret_rotated", "client.secret_revoked"} {
		events, err := st.ListAudit(context.Background(), store.AuditFilter{Action: action})
		if err != nil || len(events) != 1 || events[0].Actor != "cli" || events[0].Target != cl.ID {
			t.Errorf("audit %s: %+v, %v", action, events, err)
		}
	}
	// The server wrote the secrets' last use when it stopped.
	c, err := st.GetClient(context.Background(), cl.ID)
	if err != nil || len(c.Secrets) != 1 || c.Secrets[0].LastUsedAt.IsZero() {
		t.Errorf("the last use of the secret was not recorded: %+v, %v", c.Secrets, err)
	}
}
