package web_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// datasphereRedirect is where the SAP Datasphere command-line tool listens:
// the client's only registered redirect URI. Nothing listens there in the
// test: the client below reads the redirects instead of following them.
const datasphereRedirect = "http://localhost:8080"

// datasphereClient creates an Interactive Usage client the way an
// administrator sets one up for the SAP Datasphere CLI.
func (ts *testServer) datasphereClient(t *testing.T, requirePKCE bool) (store.Client, string) {
	t.Helper()
	c, secret, err := ts.Svc.CreateClient(context.Background(), "test", oauth.ClientInput{
		Name: "Datasphere CLI", Purpose: store.PurposeInteractive, RedirectURIs: []string{datasphereRedirect},
		RequirePKCE: new(requirePKCE),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, secret
}

// plainBrowser is a cookie jar that does not follow redirects.
func plainBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// datasphereAuthorize opens the Authorization URL as the CLI does (no
// redirect_uri, no state, no PKCE), signs in as ADMIN on the way and returns
// where the server finally redirects to.
func datasphereAuthorize(t *testing.T, ts *testServer, query string) *url.URL {
	t.Helper()
	client := plainBrowser()
	authURL := ts.Svc.URLs().AuthorizationURL + "?" + query
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), "/login?") {
		_, doc := (&browserless{t: t, base: ts.URL, http: client}).get(resp.Header.Get("Location"))
		next, _ := doc.Find(`input[name="next"]`).Attr("value")
		resp, err = client.PostForm(ts.URL+"/login", url.Values{
			"_csrf": {csrf(t, doc)}, "username": {"ADMIN"}, "password": {adminPassword}, "next": {next},
		})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in: %d", resp.StatusCode)
		}
		if resp, err = client.Get(ts.URL + resp.Header.Get("Location")); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d, want a redirect to the CLI", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// datasphereToken posts to the Token URL as the CLI does: HTTP Basic,
// response_type=token in the body and its own header.
func datasphereToken(t *testing.T, ts *testServer, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	form.Set("response_type", "token")
	req, _ := http.NewRequest(http.MethodPost, ts.Svc.URLs().TokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("x-sap-sac-custom-auth", "true")
	req.SetBasicAuth(id, secret)
	status, body, _ := doJSON(t, req)
	return status, body
}

// TestDatasphereCLIFlow runs the SAP Datasphere command-line tool's login
// with a plain HTTP client: no redirect_uri (the client's only one is used),
// no state and no PKCE, then the code exchange and a refresh with
// response_type=token and x-sap-sac-custom-auth, which are ignored.
func TestDatasphereCLIFlow(t *testing.T) {
	ts := newTestServer(t)
	c, secret := ts.datasphereClient(t, false)

	loc := datasphereAuthorize(t, ts, "response_type=code&client_id="+url.QueryEscape(c.ID))
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != datasphereRedirect {
		t.Fatalf("redirected to %s, want the client's only redirect URI", loc)
	}
	q := loc.Query()
	if q.Get("code") == "" || q.Has("state") || q.Get("iss") != ts.URL {
		t.Fatalf("redirect query %v", q)
	}

	status, body := datasphereToken(t, ts, c.ID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}})
	if status != http.StatusOK || body["access_token"] == nil || body["refresh_token"] == nil {
		t.Fatalf("code exchange: %d %v", status, body)
	}
	_, claims := verifyWithJWKS(t, ts.URL, body["access_token"].(string), jose.RS256)
	if claims["user_name"] != "ADMIN" || claims["client_id"] != c.ID {
		t.Errorf("claims %v", claims)
	}
	status, body = datasphereToken(t, ts, c.ID, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}})
	if status != http.StatusOK || body["access_token"] == nil {
		t.Fatalf("refresh: %d %v", status, body)
	}
}

// TestDatasphereCLIFlowRefusedWithPKCERequired: the same login against a
// client whose Require PKCE is on goes back to the CLI with invalid_request
// and a description that names the setting.
func TestDatasphereCLIFlowRefusedWithPKCERequired(t *testing.T) {
	ts := newTestServer(t)
	c, _ := ts.datasphereClient(t, true)
	loc := datasphereAuthorize(t, ts, "response_type=code&client_id="+url.QueryEscape(c.ID))
	q := loc.Query()
	if q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), "Require PKCE (S256)") || q.Has("code") {
		t.Fatalf("redirect query %v, want invalid_request naming Require PKCE (S256)", q)
	}
}

// TestPKCESentIsEnforced: with Require PKCE off, a code_challenge that was
// sent is still checked (RFC 9700 §2.1.1), and a code_verifier for a code
// issued without a challenge is refused (a downgrade).
func TestPKCESentIsEnforced(t *testing.T) {
	ts := newTestServer(t)
	c, secret := ts.datasphereClient(t, false)
	verifier := oauth2.GenerateVerifier()
	withPKCE := url.Values{
		"response_type": {"code"}, "client_id": {c.ID},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	}.Encode()

	code := datasphereAuthorize(t, ts, withPKCE).Query().Get("code")
	if status, body := datasphereToken(t, ts, c.ID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code}}); status != http.StatusBadRequest || body["error"] != "invalid_request" {
		t.Errorf("no code_verifier for a code with a challenge: %d %v", status, body)
	}
	code = datasphereAuthorize(t, ts, withPKCE).Query().Get("code")
	if status, body := datasphereToken(t, ts, c.ID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {oauth2.GenerateVerifier()}}); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("wrong code_verifier: %d %v", status, body)
	}
	code = datasphereAuthorize(t, ts, withPKCE).Query().Get("code")
	if status, body := datasphereToken(t, ts, c.ID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {verifier}}); status != http.StatusOK {
		t.Errorf("right code_verifier: %d %v", status, body)
	}

	code = datasphereAuthorize(t, ts, "response_type=code&client_id="+url.QueryEscape(c.ID)).Query().Get("code")
	if status, body := datasphereToken(t, ts, c.ID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {verifier}}); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("code_verifier for a code without a challenge: %d %v", status, body)
	}

	// The redirect URI left out of the authorization request may be sent
	// at the token endpoint, if it is the registered one.
	code = datasphereAuthorize(t, ts, "response_type=code&client_id="+url.QueryEscape(c.ID)).Query().Get("code")
	if status, body := datasphereToken(t, ts, c.ID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"http://localhost:8080/other"}}); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("another redirect_uri at the token endpoint: %d %v", status, body)
	}
	code = datasphereAuthorize(t, ts, "response_type=code&client_id="+url.QueryEscape(c.ID)).Query().Get("code")
	if status, body := datasphereToken(t, ts, c.ID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {datasphereRedirect}}); status != http.StatusOK {
		t.Errorf("the registered redirect_uri at the token endpoint: %d %v", status, body)
	}
}
