package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
)

// runCLIStatus runs the built command and returns its output and exit status.
func runCLIStatus(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binary(t), args...).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// TestCLIIdentityProvidersAndSAMLCheck adds an identity provider from its
// metadata, lists it, checks a good and a bad assertion, and deletes it.
func TestCLIIdentityProvidersAndSAMLCheck(t *testing.T) {
	data := t.TempDir()
	dir := t.TempDir()
	idp := samltest.NewIdP(t, "https://idp.example.test/metadata", 48*time.Hour)
	mdFile := filepath.Join(dir, "metadata.xml")
	certFile := filepath.Join(dir, "cert.der")
	if err := os.WriteFile(mdFile, idp.MetadataXML(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, idp.Cert.Raw, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{{"idps", "add", "--help"}, {"idps", "list", "--help"}, {"idps", "delete", "--help"}, {"saml", "check", "--help"}} {
		if out, code := runCLIStatus(t, args...); code != 0 || !strings.Contains(out, "-data") || !strings.Contains(out, "Usage: appintegration "+args[0]) {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	if out, code := runCLIStatus(t, "idps", "add", "--data", data, "--name", "X", "--provider-name", "x"); code != 2 || !strings.Contains(out, "--cert-file or --metadata-file") {
		t.Errorf("add without a certificate: exit %d, %q", code, out)
	}

	// Only the output, not the log (the first command to open the data
	// directory logs that it generated a master key).
	out, err := runCLI(t, "idps", "add", "--data", data, "--name", "Corporate IdP", "--provider-name", "corp", "--metadata-file", mdFile, "--json")
	if err != nil {
		t.Fatalf("add from metadata: %v: %s", err, out)
	}
	var added struct {
		ID       string `json:"id"`
		EntityID string `json:"entity_id"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.EntityID != idp.EntityID {
		t.Fatalf("add --json: %v %s", err, out)
	}
	if out, code := runCLIStatus(t, "idps", "add", "--data", data, "--name", "Again", "--provider-name", "CORP", "--cert-file", certFile); code != 2 || !strings.Contains(out, "--provider-name:") {
		t.Errorf("duplicate provider name: exit %d, %q", code, out)
	}
	out, code := runCLIStatus(t, "idps", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "Corporate IdP") || !strings.Contains(out, "CN=Test IdP signing") || !strings.Contains(out, "expires within 30 days") {
		t.Errorf("list: exit %d\n%s", code, out)
	}

	st, err := sqlstore.Open(context.Background(), filepath.Join(data, "appintegration.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = st.CreateUser(context.Background(), store.User{ID: "u-frank", UserName: "FRANK", Active: true,
		Emails: []store.Email{{Value: "frank@example.com", Primary: true}}, CreatedAt: time.Now(), UpdatedAt: time.Now()})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	u := oauth.URLsFor("http://127.0.0.1:8080") // the CLI's default base URL
	target := samltest.Target{Audience: u.SAML2Audience, TokenURL: u.SAML2TokenURL}
	good := filepath.Join(dir, "good.b64")
	bad := filepath.Join(dir, "bad.xml")
	if err := os.WriteFile(good, []byte(samltest.Encode(idp.Assertion(t, target, samltest.Options{NameID: "frank@example.com"}))), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, idp.Assertion(t, target, samltest.Options{NameID: "nobody"}), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code = runCLIStatus(t, "saml", "check", "--data", data, "--assertion-file", good)
	if code != 0 || !strings.Contains(out, "PASS") || !strings.Contains(out, "FRANK") || strings.Contains(out, "FAIL") {
		t.Errorf("good assertion: exit %d\n%s", code, out)
	}
	// Checking does not use the assertion up: a second check passes too.
	if _, code := runCLIStatus(t, "saml", "check", "--data", data, "--assertion-file", good); code != 0 {
		t.Errorf("second check: exit %d", code)
	}
	out, code = runCLIStatus(t, "saml", "check", "--data", data, "--assertion-file", bad)
	if code != 1 || !strings.Contains(out, "FAIL") || !strings.Contains(out, "unknown user") {
		t.Errorf("bad assertion: exit %d\n%s", code, out)
	}

	if out, code := runCLIStatus(t, "idps", "delete", "--data", data, added.ID); code != 0 {
		t.Fatalf("delete: exit %d: %s", code, out)
	}
	if out, code := runCLIStatus(t, "idps", "delete", "--data", data, added.ID); code != 1 || !strings.Contains(out, "no trusted identity provider") {
		t.Errorf("delete again: exit %d, %q", code, out)
	}
	if out, _ := runCLIStatus(t, "idps", "list", "--data", data); !strings.Contains(out, "No trusted identity providers") {
		t.Errorf("list after delete: %q", out)
	}
}
