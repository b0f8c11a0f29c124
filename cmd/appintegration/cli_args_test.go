package main_test

import (
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestCLIFlagsAroundClientID: flags after CLIENT_ID are applied, not dropped,
// and a second positional argument is a usage error (exit 2).
func TestCLIFlagsAroundClientID(t *testing.T) {
	data := t.TempDir()
	out, err := runCLI(t, "clients", "create", "--data", data, "--json", "--name", "before", "--access", "user_provisioning")
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	id := c["client_id"].(string)
	out, err = runCLI(t, "clients", "update", "--data", data, "--name", "renamed", id, "--token-lifetime", "30m", "--json")
	if err != nil {
		t.Fatalf("update with flags on both sides of the ID: %v", err)
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if c["client_name"] != "renamed" || c["access_token_lifetime"] != 1800.0 {
		t.Errorf("after update: %s", out)
	}
	_, err = runCLI(t, "clients", "delete", "--data", data, id, "another")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("delete with two IDs: %v, want exit status 2", err)
	}
	for _, group := range []string{"clients", "idps", "saml", "sso", "keys"} {
		out, err := runCLI(t, group, "--help")
		if err != nil || !strings.Contains(out, "Usage") {
			t.Errorf("%s --help: %v, output %q", group, err, out)
		}
	}
}
