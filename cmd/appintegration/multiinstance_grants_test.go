package main_test

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
)

// cli runs the command line configured as the cluster's instances are, and
// decodes its JSON output into v.
func (c *cluster) cli(t *testing.T, v any, args ...string) {
	t.Helper()
	args = append(args, "--db", c.db, "--base-url", lbBaseURL, "--json")
	out, err := c.command(t.Context(), t, args...).Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("appintegration %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("appintegration %s printed %q: %v", args[0], out, err)
	}
}

// TestTwoInstancesShareGrantState: what one instance of a cluster uses up, the
// other refuses — a SAML assertion used on A is a replay on B, and a refresh
// token rotated on A cannot be used again on B.
func TestTwoInstancesShareGrantState(t *testing.T) {
	c := startCluster(t)

	t.Run("SAMLAssertionUsedOnAIsRefusedOnB", func(t *testing.T) {
		idp := samltest.NewIdP(t, "https://idp.cluster.test/metadata", 24*time.Hour)
		metadata := filepath.Join(t.TempDir(), "idp.xml")
		if err := os.WriteFile(metadata, idp.MetadataXML(t), 0o600); err != nil {
			t.Fatal(err)
		}
		var added map[string]any
		c.cli(t, &added, "idps", "add", "--name", "Cluster IdP", "--provider-name", "cluster-idp", "--metadata-file", metadata)
		var cl cliClient
		c.cli(t, &cl, "clients", "create", "--name", "SAML via A", "--access", "user_provisioning", "--grant", "saml2_bearer")

		st, err := sqlstore.Open(t.Context(), c.db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		now := time.Now().UTC()
		if err := st.CreateUser(t.Context(), store.User{ID: "u-dana", UserName: "DANA", Active: true,
			Emails: []store.Email{{Value: "dana@example.com", Primary: true}}, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		urls := oauth.URLsFor(lbBaseURL)
		assertion := samltest.Encode(idp.Assertion(t, samltest.Target{Audience: urls.SAML2Audience, TokenURL: urls.SAML2TokenURL},
			samltest.Options{NameID: "DANA"}))
		form := url.Values{"grant_type": {oauth.GrantTypeSAML2Bearer}, "assertion": {assertion}}
		path := "/oauth/token/alias/" + oauth.SAMLAlias
		if code, body := postForm(t, c.a.url+path, form, cl.ClientID, cl.ClientSecret); code != 200 || body["access_token"] == nil {
			t.Fatalf("assertion on A: %d %v", code, body)
		}
		code, body := postForm(t, c.b.url+path, form, cl.ClientID, cl.ClientSecret)
		if code != 400 || body["error"] != "invalid_grant" || !strings.Contains(body["error_description"].(string), "replay") {
			t.Errorf("the same assertion on B: %d %v, want invalid_grant naming the replay", code, body)
		}
	})

	t.Run("RefreshTokenRotatedOnACannotBeReusedOnB", func(t *testing.T) {
		const redirect = "http://localhost:9/callback"
		var cl cliClient
		c.cli(t, &cl, "clients", "create", "--name", "Interactive via A", "--purpose", "interactive-usage", "--redirect-uri", redirect)
		cfg := oauth2.Config{ClientID: cl.ClientID, ClientSecret: cl.ClientSecret, RedirectURL: redirect,
			Endpoint: oauth2.Endpoint{AuthURL: c.a.url + "/oauth/authorize", TokenURL: c.a.url + "/oauth/token",
				AuthStyle: oauth2.AuthStyleInHeader}}
		verifier := oauth2.GenerateVerifier()
		user := signIn(t, c.a.url)
		resp, err := user.http.Get(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			t.Fatalf("authorize on A: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		first, err := cfg.Exchange(t.Context(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil || first.RefreshToken == "" {
			t.Fatalf("exchange on A: %v", err)
		}
		refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}
		if code, body := postForm(t, c.a.url+"/oauth/token", refresh, cl.ClientID, cl.ClientSecret); code != 200 || body["refresh_token"] == nil {
			t.Fatalf("refresh on A: %d %v", code, body)
		}
		if code, body := postForm(t, c.b.url+"/oauth/token", refresh, cl.ClientID, cl.ClientSecret); code != 400 || body["error"] != "invalid_grant" {
			t.Errorf("the rotated refresh token on B: %d %v, want invalid_grant", code, body)
		}
	})
}
