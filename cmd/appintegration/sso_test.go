package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth/samltest"
)

// TestCLISSO: an identity provider added from its metadata keeps its
// SingleSignOnService; sso enable needs a verification, or --force with a
// warning; sso show and sso disable.
func TestCLISSO(t *testing.T) {
	data := t.TempDir()
	idp := samltest.NewIdP(t, "https://idp.example.test/metadata", 48*time.Hour)
	mdFile := filepath.Join(t.TempDir(), "metadata.xml")
	if err := os.WriteFile(mdFile, idp.MetadataXML(t), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"sso", "show", "--help"}, {"sso", "enable", "--help"}, {"sso", "disable", "--help"}} {
		if out, code := runCLIStatus(t, args...); code != 0 || !strings.Contains(out, "Usage: appintegration sso") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	// stdout only: the first command also logs the master key it generated.
	out, stderr, code := runBinary(t, nil, "idps", "add", "--data", data, "--name", "Corporate IdP", "--provider-name", "corp", "--metadata-file", mdFile, "--json")
	if code != 0 {
		t.Fatalf("idps add: %d %s%s", code, out, stderr)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(out), &p); err != nil || p["sso_url"] != "https://idp.example.test/metadata/sso" {
		t.Fatalf("idps add kept the SingleSignOnService? %s", out)
	}

	out, code = runCLIStatus(t, "sso", "enable", "--data", data, "--idp", "corp", "--user-attribute", "email")
	if code != 1 || !strings.Contains(out, "--force") || !strings.Contains(out, "Verify") {
		t.Errorf("enable without a verification: exit %d, %q", code, out)
	}
	if out, code := runCLIStatus(t, "sso", "enable", "--data", data, "--idp", "nope", "--user-attribute", "email", "--force"); code != 2 {
		t.Errorf("enable with an unknown IdP: exit %d, %q", code, out)
	}
	out, code = runCLIStatus(t, "sso", "enable", "--data", data, "--idp", "corp", "--user-attribute", "idp-user-id",
		"--saml-attribute", "objectId", "--force")
	if code != 0 || !strings.Contains(out, "warning: --force skips the verification") || !strings.Contains(out, "/login?method=password") {
		t.Fatalf("enable --force: exit %d, %q", code, out)
	}
	out, code = runCLIStatus(t, "sso", "show", "--data", data, "--json")
	var show map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &show) != nil || show["authentication_method"] != "saml" ||
		show["identity_provider"] != "corp" || show["user_attribute"] != "idp-user-id" || show["saml_attribute"] != "objectId" {
		t.Errorf("sso show: %d %s", code, out)
	}
	if out, code := runCLIStatus(t, "idps", "delete", "--data", data, p["id"].(string)); code == 0 {
		t.Errorf("deleted the IdP users sign in through: %s", out)
	}
	if out, code := runCLIStatus(t, "sso", "disable", "--data", data); code != 0 {
		t.Fatalf("sso disable: %d %s", code, out)
	}
	if out, _ := runCLIStatus(t, "sso", "show", "--data", data); !regexp.MustCompile(`Authentication method: +password`).MatchString(out) {
		t.Errorf("after disable: %q", out)
	}
}
