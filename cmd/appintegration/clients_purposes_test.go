package main_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/oauthtest"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(binary(t), args...).Output()
	return string(out), err
}

// TestCLIPurposes creates an Interactive Usage and a Technical User client from
// the command line, and extends the technical user after it expired, which
// prints a new secret once.
func TestCLIPurposes(t *testing.T) {
	data := t.TempDir()
	out, err := runCLI(t, "clients", "create", "--data", data, "--json", "--name", "Web app", "--purpose", "interactive-usage",
		"--redirect-uri", "https://app.example.com/**", "--redirect-uri", "http://localhost:8080/", "--refresh-token-lifetime", "720h")
	if err != nil {
		t.Fatalf("create interactive: %v", err)
	}
	var web map[string]any
	if err := json.Unmarshal([]byte(out), &web); err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(web["grant_types"]); string(got) != `["authorization_code","refresh_token"]` ||
		web["refresh_token_lifetime"] != 2592000.0 || len(web["redirect_uris"].([]any)) != 2 || web["require_pkce"] != true {
		t.Errorf("interactive JSON: %s", out)
	}
	// Require PKCE off for a tool that cannot send it (the SAP Datasphere
	// CLI), and on again.
	out, err = runCLI(t, "clients", "create", "--data", data, "--json", "--name", "Datasphere CLI", "--purpose", "interactive-usage",
		"--redirect-uri", "http://localhost:8080", "--require-pkce=false")
	if err != nil {
		t.Fatalf("create with --require-pkce=false: %v", err)
	}
	var cli map[string]any
	if err := json.Unmarshal([]byte(out), &cli); err != nil || cli["require_pkce"] != false {
		t.Fatalf("--require-pkce=false: %s", out)
	}
	out, err = runCLI(t, "clients", "update", cli["client_id"].(string), "--data", data, "--json", "--require-pkce=true")
	if err != nil {
		t.Fatalf("update --require-pkce=true: %v", err)
	}
	if err := json.Unmarshal([]byte(out), &cli); err != nil || cli["require_pkce"] != true {
		t.Fatalf("update --require-pkce=true: %v %s", err, out)
	}

	out, err = runCLI(t, "clients", "create", "--data", data, "--json", "--name", "ETL", "--purpose", "technical-user",
		"--user-id", "ETL_USER", "--roles", "DW Administrator,DW Integrator", "--expires", "2160h")
	if err != nil {
		t.Fatalf("create technical user: %v", err)
	}
	var etl map[string]any
	if err := json.Unmarshal([]byte(out), &etl); err != nil {
		t.Fatal(err)
	}
	if etl["user_id"] != "ETL_USER" || etl["scope"] != "user_provisioning content_network" || etl["client_secret_expires_at"] == 0.0 {
		t.Errorf("technical user JSON: %s", out)
	}
	if _, err := runCLI(t, "clients", "create", "--data", data, "--name", "x", "--purpose", "technical-user", "--user-id", "lower"); err == nil {
		t.Error("a lower-case User ID was accepted")
	}

	// Expire it behind the CLI's back, then extend it.
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(data, "appintegration.db"))
	if err != nil {
		t.Fatal(err)
	}
	id := etl["client_id"].(string)
	_, err = st.UpdateClient(ctx, id, func(c store.Client) (store.Client, error) {
		c.ExpiresAt = time.Now().Add(-time.Hour)
		return c, nil
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err = runCLI(t, "clients", "list", "--data", data)
	if err != nil || !strings.Contains(out, "EXPIRED") {
		t.Errorf("list of an expired client: %v\n%s", err, out)
	}
	out, err = runCLI(t, "clients", "update", id, "--data", data, "--expires", "2160h")
	if err != nil {
		t.Fatalf("extend: %v", err)
	}
	secret := ""
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "Secret:"); ok {
			secret = strings.TrimSpace(v)
		}
	}
	if !oauthtest.LooksLikeSecret(secret) || secret == etl["client_secret"] || strings.Contains(out, "Authorization URL") {
		t.Errorf("extension output:\n%s", out)
	}
	out, err = runCLI(t, "clients", "update", id, "--data", data, "--name", "ETL renamed")
	if err != nil || strings.Contains(out, oauth.SecretPrefix) {
		t.Errorf("a rename printed a secret or failed: %v\n%s", err, out)
	}
}
