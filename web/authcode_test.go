package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// callback is an app's redirect URI: it records what the authorization
// server sends there.
type callback struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []url.Values
}

func newCallback(t *testing.T) *callback {
	t.Helper()
	cb := &callback{}
	cb.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/app/callback" {
			http.NotFound(w, r) // e.g. a browser's /favicon.ico, which is no redirect
			return
		}
		cb.mu.Lock()
		cb.got = append(cb.got, r.URL.Query())
		cb.mu.Unlock()
		_, _ = w.Write([]byte("signed in"))
	}))
	t.Cleanup(cb.srv.Close)
	return cb
}

func (cb *callback) URL() string { return cb.srv.URL + "/app/callback" }

func (cb *callback) last(t *testing.T) url.Values {
	t.Helper()
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if len(cb.got) == 0 {
		t.Fatal("the redirect URI was never called")
	}
	return cb.got[len(cb.got)-1]
}

// interactiveClient creates an Interactive Usage client and the oauth2.Config
// of an app using it.
func (ts *testServer) interactiveClient(t *testing.T, redirectURI string) (store.Client, oauth2.Config) {
	t.Helper()
	c, secret, err := ts.Svc.CreateClient(context.Background(), "test", oauth.ClientInput{
		Name: "Interactive app", Purpose: store.PurposeInteractive, RedirectURIs: []string{redirectURI},
		TokenLifetime: 10 * time.Minute, RefreshTokenLifetime: 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	u := ts.Svc.URLs()
	return c, oauth2.Config{
		ClientID: c.ID, ClientSecret: secret, RedirectURL: redirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: u.AuthorizationURL, TokenURL: u.TokenURL, AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// browserLogin follows authURL like a browser: through the sign-in page (the
// form is filled in as a person would) and back, until the app's redirect URI
// answers. It returns the last response.
func browserLogin(t *testing.T, ts *testServer, authURL, user, password string) *http.Response {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	doc := parseBody(t, resp)
	if resp.Request.URL.Path != "/login" {
		t.Fatalf("signed out, the Authorization URL led to %s, want the sign-in page", resp.Request.URL)
	}
	next, _ := doc.Find(`input[name="next"]`).Attr("value")
	if !strings.HasPrefix(next, "/oauth/authorize?") {
		t.Fatalf("sign-in page next = %q, want the authorization request", next)
	}
	resp, err = client.PostForm(ts.URL+"/login", url.Values{
		"_csrf": {csrf(t, doc)}, "username": {user}, "password": {password}, "next": {next},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// introspect asks whether token is active, authenticating as id, the client it
// was issued to (to any other client every token is inactive).
func (ts *testServer) introspect(t *testing.T, id, secret, token string) bool {
	t.Helper()
	status, body, _ := postToken(t, ts.URL+"/oauth/introspect", url.Values{"token": {token}}, id, secret)
	if status != http.StatusOK {
		t.Fatalf("introspect: %d %v", status, body)
	}
	return body["active"] == true
}

func retrieveErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

func refresh(cfg oauth2.Config, refreshToken string) (*oauth2.Token, error) {
	return cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refreshToken}).Token()
}

// TestAuthorizationCodeFlowWithOAuth2Library runs the whole flow with
// golang.org/x/oauth2: sign-in through the console's page, PKCE S256, code
// exchange, refresh with rotation, and reuse of a rotated refresh token, which
// revokes the whole family.
func TestAuthorizationCodeFlowWithOAuth2Library(t *testing.T) {
	ts := newTestServer(t)
	cb := newCallback(t)
	_, cfg := ts.interactiveClient(t, cb.URL())
	admin, err := ts.Store.GetUserByName(context.Background(), "ADMIN")
	if err != nil {
		t.Fatal(err)
	}

	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier))
	resp := browserLogin(t, ts, authURL, "ADMIN", adminPassword)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Host != strings.TrimPrefix(cb.srv.URL, "http://") {
		t.Fatalf("after sign-in: %d at %s, want the app's redirect URI", resp.StatusCode, resp.Request.URL)
	}
	q := cb.last(t)
	if q.Get("state") != "state-123" || q.Get("iss") != ts.URL || q.Get("code") == "" || q.Get("error") != "" {
		t.Fatalf("redirect URI got %v", q)
	}

	tok, err := cfg.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.RefreshToken == "" || tok.Extra("scope") != "user_provisioning content_network" {
		t.Fatalf("token response: refresh %q, scope %v", tok.RefreshToken, tok.Extra("scope"))
	}
	_, claims := verifyWithJWKS(t, ts.URL, tok.AccessToken, jose.RS256)
	if claims["sub"] != admin.ID || claims["user_name"] != "ADMIN" || claims["client_id"] != cfg.ClientID ||
		claims["grant_type"] != "authorization_code" || claims["fam"] == nil {
		t.Errorf("claims = %v", claims)
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 600 {
		t.Errorf("exp - iat = %v, want the client's 10 minutes", exp-iat)
	}
	if !ts.introspect(t, cfg.ClientID, cfg.ClientSecret, tok.AccessToken) {
		t.Fatal("fresh access token inactive")
	}

	// Refresh: a new access token and a new refresh token (rotation), with a
	// narrower scope on request (RFC 6749 §6).
	ts2, err := cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if ts2.RefreshToken == "" || ts2.RefreshToken == tok.RefreshToken || ts2.AccessToken == tok.AccessToken {
		t.Fatal("refresh did not rotate the refresh token")
	}
	status, body, _ := postToken(t, cfg.Endpoint.TokenURL, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {ts2.RefreshToken}, "scope": {"content_network"},
	}, cfg.ClientID, cfg.ClientSecret)
	if status != http.StatusOK || body["scope"] != "content_network" {
		t.Fatalf("narrowed refresh: %d %v", status, body)
	}
	third := body["refresh_token"].(string)
	thirdAccess := body["access_token"].(string)

	// Reuse of a rotated refresh token: refused, and the whole family revoked.
	_, err = refresh(cfg, tok.RefreshToken)
	if retrieveErrorCode(err) != "invalid_grant" {
		t.Fatalf("reused refresh token: %v, want invalid_grant", err)
	}
	if _, err := refresh(cfg, third); retrieveErrorCode(err) != "invalid_grant" {
		t.Errorf("newest refresh token of a revoked family: %v, want invalid_grant", err)
	}
	for i, at := range []string{tok.AccessToken, ts2.AccessToken, thirdAccess} {
		if ts.introspect(t, cfg.ClientID, cfg.ClientSecret, at) {
			t.Errorf("access token %d of the revoked family still active", i)
		}
	}
}

// authorize runs the flow for user and returns the code and its verifier.
func authorize(t *testing.T, ts *testServer, cb *callback, cfg oauth2.Config, user, password string) (code, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	browserLogin(t, ts, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), user, password)
	code = cb.last(t).Get("code")
	if code == "" {
		t.Fatalf("no code: %v", cb.last(t))
	}
	return code, verifier
}

func TestAuthorizationCodeReuseRevokes(t *testing.T) {
	ts := newTestServer(t)
	cb := newCallback(t)
	_, cfg := ts.interactiveClient(t, cb.URL())
	code, verifier := authorize(t, ts, cb, cfg, "ADMIN", adminPassword)

	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if retrieveErrorCode(err) != "invalid_grant" {
		t.Fatalf("second use of a code: %v, want invalid_grant", err)
	}
	if ts.introspect(t, cfg.ClientID, cfg.ClientSecret, tok.AccessToken) {
		t.Error("access token of a reused code still active")
	}
	if _, err := refresh(cfg, tok.RefreshToken); retrieveErrorCode(err) != "invalid_grant" {
		t.Errorf("refresh token of a reused code: %v, want invalid_grant", err)
	}
}

func TestAuthorizationCodePKCEAndBinding(t *testing.T) {
	ts := newTestServer(t)
	cb := newCallback(t)
	_, cfg := ts.interactiveClient(t, cb.URL())

	code, _ := authorize(t, ts, cb, cfg, "ADMIN", adminPassword)
	_, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	if retrieveErrorCode(err) != "invalid_grant" {
		t.Errorf("wrong code_verifier: %v, want invalid_grant", err)
	}

	code, _ = authorize(t, ts, cb, cfg, "ADMIN", adminPassword)
	_, err = cfg.Exchange(context.Background(), code) // no verifier
	if retrieveErrorCode(err) != "invalid_request" {
		t.Errorf("no code_verifier: %v, want invalid_request", err)
	}
	other := cfg
	other.RedirectURL = cb.srv.URL + "/app/other"
	code, verifier := authorize(t, ts, cb, cfg, "ADMIN", adminPassword)
	if _, err := other.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); retrieveErrorCode(err) != "invalid_grant" {
		t.Errorf("another redirect_uri at the token endpoint: %v, want invalid_grant", err)
	}
}

// TestAuthorizeErrors: an unknown client or an unregistered redirect URI is a
// page, never a redirect (RFC 6749 §4.1.2.1); other errors go back to the
// redirect URI with error and state.
func TestAuthorizeErrors(t *testing.T) {
	ts := newTestServer(t)
	cb := newCallback(t)
	c, _ := ts.interactiveClient(t, cb.URL())
	// redirect_uri may be left out only with one registered redirect URI
	// without a wildcard (RFC 6749 §3.1.2.3).
	twoURIs, _, err := ts.Svc.CreateClient(context.Background(), "test", oauth.ClientInput{
		Name: "Two redirect URIs", Purpose: store.PurposeInteractive, RedirectURIs: []string{cb.URL(), cb.URL() + "/2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	valid := url.Values{
		"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {cb.URL()}, "state": {"xyz"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(q url.Values) *http.Response {
		t.Helper()
		resp, err := noFollow.Get(ts.URL + "/oauth/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range valid {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	for _, tc := range []struct {
		name string
		q    url.Values
	}{
		{"unknown client", with("client_id", "sb-nope")},
		{"no client", with("client_id", "")},
		{"unregistered redirect URI", with("redirect_uri", "https://evil.example/app/callback")},
		{"redirect URI on another path", with("redirect_uri", cb.srv.URL+"/app/callback/../x")},
		{"no redirect URI, two registered", func() url.Values {
			q := with("redirect_uri", "")
			q.Set("client_id", twoURIs.ID)
			return q
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(tc.q)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Errorf("%d Location=%q, want a 400 page and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
		})
	}
	for _, tc := range []struct {
		name, wantErr string
		q             url.Values
	}{
		{"no PKCE", "invalid_request", with("code_challenge", "")},
		{"plain PKCE", "invalid_request", with("code_challenge_method", "plain")},
		{"token response type", "unsupported_response_type", with("response_type", "token")},
		{"unknown scope", "invalid_scope", with("scope", "everything")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(tc.q)
			loc, err := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), cb.URL()) {
				t.Fatalf("%d Location=%q, want a redirect to the app", resp.StatusCode, resp.Header.Get("Location"))
			}
			if loc.Query().Get("error") != tc.wantErr || loc.Query().Get("state") != "xyz" || loc.Query().Get("code") != "" {
				t.Errorf("redirect query %v, want error=%s state=xyz", loc.Query(), tc.wantErr)
			}
		})
	}
	// Signed out, a valid request goes to the sign-in page.
	resp := get(valid)
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=%2Foauth%2Fauthorize%3F") {
		t.Errorf("signed out: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestUserTokensDieWithClientOrUser: deactivating the user, or deleting the
// client, makes its access and refresh tokens inactive. Any active user with a
// password may authorize, not only administrators.
func TestUserTokensDieWithClientOrUser(t *testing.T) {
	ts := newTestServer(t)
	cb := newCallback(t)
	c, cfg := ts.interactiveClient(t, cb.URL())
	ctx := context.Background()
	hash, err := oauth.HashPassword("viewer password 1")
	if err != nil {
		t.Fatal(err)
	}
	viewer := store.User{ID: "u-viewer", UserName: "VIEWER", Active: true, PasswordHash: hash,
		Roles: []string{store.RoleViewer, store.RoleIntegrator}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := ts.Store.CreateUser(ctx, viewer); err != nil {
		t.Fatal(err)
	}

	code, verifier := authorize(t, ts, cb, cfg, "VIEWER", "viewer password 1")
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Extra("scope") != "content_network" {
		t.Errorf("viewer+integrator scope = %v, want content_network (from the roles)", tok.Extra("scope"))
	}
	if !ts.introspect(t, cfg.ClientID, cfg.ClientSecret, tok.AccessToken) {
		t.Fatal("fresh token inactive")
	}
	if _, err := ts.Store.UpdateUser(ctx, viewer.ID, func(u store.User) (store.User, error) { u.Active = false; return u, nil }); err != nil {
		t.Fatal(err)
	}
	if ts.introspect(t, cfg.ClientID, cfg.ClientSecret, tok.AccessToken) {
		t.Error("token of a deactivated user still active")
	}
	if _, err := refresh(cfg, tok.RefreshToken); retrieveErrorCode(err) != "invalid_grant" {
		t.Errorf("refresh for a deactivated user: %v, want invalid_grant", err)
	}

	code, verifier = authorize(t, ts, cb, cfg, "ADMIN", adminPassword)
	tok, err = cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Svc.DeleteClient(ctx, "test", c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Svc.VerifyAccessToken(ctx, tok.AccessToken); !errors.Is(err, oauth.ErrInactiveToken) {
		t.Errorf("token of a deleted client: %v, want inactive", err)
	}
	if _, err := refresh(cfg, tok.RefreshToken); retrieveErrorCode(err) != "invalid_client" {
		t.Errorf("refresh for a deleted client: %v, want invalid_client", err)
	}
}

func TestMetadataAdvertisesCodeFlow(t *testing.T) {
	ts := newTestServer(t)
	status, body, _ := doJSON(t, mustReq(t, http.MethodGet, ts.URL+"/.well-known/oauth-authorization-server"))
	if status != http.StatusOK || body["authorization_endpoint"] != ts.URL+"/oauth/authorize" {
		t.Fatalf("metadata: %d %v", status, body)
	}
	has := func(key, want string) bool {
		list, _ := body[key].([]any)
		for _, v := range list {
			if v == want {
				return true
			}
		}
		return false
	}
	for key, want := range map[string][]string{
		"response_types_supported":         {"code"},
		"code_challenge_methods_supported": {"S256"},
		"grant_types_supported":            {"authorization_code", "refresh_token", "client_credentials"},
	} {
		for _, w := range want {
			if !has(key, w) {
				t.Errorf("%s lacks %s: %v", key, w, body[key])
			}
		}
	}
}

// TestRevokeRefreshToken: RFC 7009 revocation of a refresh token revokes the
// grant: the refresh token and the access tokens issued with it.
func TestRevokeRefreshToken(t *testing.T) {
	ts := newTestServer(t)
	cb := newCallback(t)
	_, cfg := ts.interactiveClient(t, cb.URL())
	api, apiSecret := ts.createClient(t, oauth.ClientInput{})
	code, verifier := authorize(t, ts, cb, cfg, "ADMIN", adminPassword)
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	// Another client cannot revoke it, nor use it up: its request is answered
	// like one for an invalid token (RFC 7009 §2.2) and changes nothing.
	status, _, _ := postToken(t, ts.URL+"/oauth/revoke", url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}, api.ID, apiSecret)
	if status != http.StatusOK {
		t.Errorf("revocation by another client: %d", status)
	}
	tok, err = refresh(cfg, tok.RefreshToken)
	if err != nil {
		t.Fatalf("the refresh token after another client's revocation request: %v", err)
	}
	status, _, _ = postToken(t, ts.URL+"/oauth/revoke", url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}, cfg.ClientID, cfg.ClientSecret)
	if status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if _, err := refresh(cfg, tok.RefreshToken); retrieveErrorCode(err) != "invalid_grant" {
		t.Errorf("revoked refresh token: %v", err)
	}
	if ts.introspect(t, cfg.ClientID, cfg.ClientSecret, tok.AccessToken) {
		t.Error("access token of a revoked grant still active")
	}
}
