package scim_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
)

// TestAuthorizationMatrix sends every kind of token that exists to the read
// and write endpoints.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good := e.token(t)
	target := e.create(t, good, userJSON("target"))
	targetPath := usersPath + "/" + str(target, "id")

	cn, cnSecret := e.client(t, store.AccessContentNetwork)
	contentOnly := e.tokenFor(t, cn.ID, cnSecret)

	rc, rcSecret := e.client(t, store.AccessUserProvisioning)
	revoked := e.tokenFor(t, rc.ID, rcSecret)
	form := url.Values{"token": {revoked}}
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/oauth/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(rc.ID, rcSecret)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %v %v", resp, err)
	}

	dc, dcSecret := e.client(t, store.AccessUserProvisioning, store.AccessContentNetwork)
	deletedClient := e.tokenFor(t, dc.ID, dcSecret)
	if err := e.Svc.DeleteClient(ctx, "test", dc.ID); err != nil {
		t.Fatal(err)
	}

	ec, ecSecret := e.client(t, store.AccessUserProvisioning)
	e.skew.Store(int64(-2 * time.Hour)) // minted two hours ago: expired an hour ago
	expired := e.tokenFor(t, ec.ID, ecSecret)
	e.skew.Store(0)

	garbage := "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."

	endpoints := []struct {
		method, path, body string
		ok                 int
	}{
		{http.MethodGet, usersPath, "", http.StatusOK},
		{http.MethodGet, targetPath, "", http.StatusOK},
		{http.MethodPost, usersPath + "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}`, http.StatusOK},
		{http.MethodGet, "/api/v1/scim2/ServiceProviderConfig", "", http.StatusOK},
		{http.MethodGet, "/api/v1/scim2/Schemas", "", http.StatusOK},
		{http.MethodGet, "/api/v1/scim2/ResourceTypes", "", http.StatusOK},
		{http.MethodPost, usersPath, userJSON("created"), http.StatusCreated},
		// A PUT that changes something: one that changes nothing keeps the version.
		{http.MethodPut, targetPath, strings.Replace(userJSON("target"), `"emails"`, `"title":"Put","emails"`, 1), http.StatusOK},
		{http.MethodPatch, targetPath, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"T"}]}`, http.StatusOK},
		{http.MethodPost, bulkPath, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[]}`, http.StatusOK},
		{http.MethodDelete, usersPath + "/no-such-user", "", http.StatusNotFound},
	}
	tokens := []struct {
		name, token string
		status      int
		challenge   string // substring of WWW-Authenticate
	}{
		{"content_network only", contentOnly, http.StatusForbidden, `error="insufficient_scope"`},
		{"revoked", revoked, http.StatusUnauthorized, `error="invalid_token"`},
		{"deleted client", deletedClient, http.StatusUnauthorized, `error="invalid_token"`},
		{"expired", expired, http.StatusUnauthorized, `error="invalid_token"`},
		{"garbage", garbage, http.StatusUnauthorized, `error="invalid_token"`},
		{"missing", "", http.StatusUnauthorized, `Bearer realm=`},
		{"user_provisioning", good, 0, ""},
	}
	for _, tk := range tokens {
		for _, ep := range endpoints {
			t.Run(tk.name+" "+ep.method+" "+ep.path, func(t *testing.T) {
				r := e.do(t, ep.method, ep.path, tk.token, ep.body)
				if tk.status == 0 {
					r.must(t, ep.ok)
					return
				}
				r.scimError(t, tk.status, "")
				if ch := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer") || !strings.Contains(ch, tk.challenge) {
					t.Errorf("WWW-Authenticate = %q, want %q", ch, tk.challenge)
				}
			})
		}
	}
	// Missing token: no error code (RFC 6750 §3.1).
	if ch := e.do(t, http.MethodGet, usersPath, "", "").Header.Get("WWW-Authenticate"); strings.Contains(ch, "error=") {
		t.Errorf("missing token challenge %q carries an error code", ch)
	}
	// Another scheme is no bearer token.
	r := e.do(t, http.MethodGet, usersPath, "", "", "Authorization", "Basic dXNlcjpwYXNz")
	r.scimError(t, http.StatusUnauthorized, "")
	// The refused writes changed nothing: only the good token's PUT and PATCH did.
	if u, err := e.Store.GetUser(ctx, str(target, "id")); err != nil || u.Version != 3 {
		t.Errorf("target user version %d, want 3 (%v)", u.Version, err)
	}
	if _, err := e.Store.GetUserByName(ctx, "created"); err != nil {
		t.Errorf("the good token's POST: %v", err)
	}
	if strings.Contains(e.Log.String(), good[:40]) {
		t.Error("a token is in the log")
	}
}

// TestCSRFFetch: SAP clients fetch a CSRF token first; bearer calls then work
// with or without it.
func TestCSRFFetch(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	r := e.do(t, http.MethodGet, "/api/v1/csrf", tok, "", "x-csrf-token", "Fetch")
	csrf := r.must(t, http.StatusOK).Header.Get("x-csrf-token")
	if len(csrf) < 32 || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("x-csrf-token %q, Cache-Control %q", csrf, r.Header.Get("Cache-Control"))
	}
	if r2 := e.do(t, http.MethodGet, "/api/v1/csrf", tok, "", "x-csrf-token", "fetch"); r2.Header.Get("x-csrf-token") == csrf {
		t.Error("the same token twice")
	}
	if r3 := e.do(t, http.MethodGet, "/api/v1/csrf", tok, "").must(t, http.StatusOK); r3.Header.Get("x-csrf-token") != "" {
		t.Error("a token without fetch")
	}
	e.do(t, http.MethodGet, "/api/v1/csrf", "", "", "x-csrf-token", "fetch").scimError(t, http.StatusUnauthorized, "")
	e.do(t, http.MethodPost, usersPath, tok, userJSON("with_csrf"), "x-csrf-token", csrf).must(t, http.StatusCreated)
	e.do(t, http.MethodPost, usersPath, tok, userJSON("without_csrf")).must(t, http.StatusCreated)
}
