package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/oauthtest"
	"github.com/appintegration/appintegration/store"
)

// verifyWithJWKS checks a token with go-jose, an independent JWT library, against
// the server's published JWKS, and returns its header and claims.
func verifyWithJWKS(t *testing.T, baseURL, token string, alg jose.SignatureAlgorithm) (jose.Header, map[string]any) {
	t.Helper()
	resp, err := http.Get(baseURL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	sig, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{alg})
	if err != nil {
		t.Fatal(err)
	}
	hdr := sig.Signatures[0].Header
	keys := set.Key(hdr.KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q: %d keys in the JWKS", hdr.KeyID, len(keys))
	}
	payload, err := sig.Verify(keys[0].Key)
	if err != nil {
		t.Fatalf("signature does not verify against the JWKS: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return hdr, claims
}

func TestClientCredentialsWithOAuth2Library(t *testing.T) {
	for _, tc := range []struct {
		alg  string
		jose jose.SignatureAlgorithm
	}{
		{oauth.AlgRS256, jose.RS256},
		{oauth.AlgES256, jose.ES256},
		{oauth.AlgEdDSA, jose.EdDSA},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			ts := newTestServer(t, func(o *testOptions) { o.alg = tc.alg })
			c, secret := ts.createClient(t, oauth.ClientInput{TokenLifetime: 15 * time.Minute})

			for _, style := range []struct {
				name  string
				style oauth2.AuthStyle
			}{{"basic", oauth2.AuthStyleInHeader}, {"post", oauth2.AuthStyleInParams}} {
				t.Run(style.name, func(t *testing.T) {
					cfg := clientcredentials.Config{
						ClientID: c.ID, ClientSecret: secret,
						TokenURL: ts.Svc.URLs().TokenURL, AuthStyle: style.style,
					}
					tok, err := cfg.Token(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					hdr, claims := verifyWithJWKS(t, ts.URL, tok.AccessToken, tc.jose)
					if hdr.ExtraHeaders["typ"] != "at+jwt" {
						t.Errorf("typ = %v, want at+jwt", hdr.ExtraHeaders["typ"])
					}
					if claims["iss"] != ts.URL || claims["sub"] != c.ID || claims["client_id"] != c.ID {
						t.Errorf("iss/sub/client_id = %v/%v/%v", claims["iss"], claims["sub"], claims["client_id"])
					}
					if claims["scope"] != "user_provisioning content_network" {
						t.Errorf("scope = %v", claims["scope"])
					}
					if claims["jti"] == "" || claims["aud"] == nil {
						t.Errorf("jti or aud missing: %v", claims)
					}
					if life := claims["exp"].(float64) - claims["iat"].(float64); life != 900 {
						t.Errorf("exp - iat = %v, want 900 (the client's token lifetime)", life)
					}
				})
			}
		})
	}
}

func TestTokenScopeNarrowing(t *testing.T) {
	ts := newTestServer(t)
	c, secret := ts.createClient(t, oauth.ClientInput{})
	cfg := clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: ts.Svc.URLs().TokenURL,
		Scopes: []string{"user_provisioning"}}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Extra("scope"); got != "user_provisioning" {
		t.Errorf("narrowed scope = %v", got)
	}
	code, body, _ := postToken(t, ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {"user_provisioning admin"}}, c.ID, secret)
	if code != 400 || body["error"] != "invalid_scope" {
		t.Errorf("widening: %d %v, want 400 invalid_scope", code, body)
	}
}

// TestTokenGETWithQuery is how SAP tools call the Token URL.
func TestTokenGETWithQuery(t *testing.T) {
	ts := newTestServer(t)
	c, secret := ts.createClient(t, oauth.ClientInput{})
	req, _ := http.NewRequest(http.MethodGet, ts.Svc.URLs().TokenURL+"?grant_type=client_credentials", nil)
	req.SetBasicAuth(c.ID, secret)
	code, body, hdr := doJSON(t, req)
	if code != 200 || body["access_token"] == nil {
		t.Fatalf("GET with query: %d %v", code, body)
	}
	if hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", hdr.Get("Cache-Control"))
	}
}

func TestTokenErrors(t *testing.T) {
	ts := newTestServer(t)
	c, secret := ts.createClient(t, oauth.ClientInput{})
	samlClient, samlSecret := ts.createClient(t, oauth.ClientInput{Grant: store.GrantSAML2Bearer})
	tokenURL := ts.Svc.URLs().TokenURL
	cc := url.Values{"grant_type": {"client_credentials"}}

	tests := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantError  string
	}{
		{"wrong secret", func() *http.Request { return formReq(tokenURL, cc, c.ID, secret+"x") }, 401, "invalid_client"},
		{"unknown client", func() *http.Request { return formReq(tokenURL, cc, "sb-nobody", secret) }, 401, "invalid_client"},
		{"missing authentication", func() *http.Request { return formReq(tokenURL, cc, "", "") }, 401, "invalid_client"},
		{"malformed basic header", func() *http.Request {
			r := formReq(tokenURL, cc, "", "")
			r.Header.Set("Authorization", "Basic !!!")
			return r
		}, 401, "invalid_client"},
		{"unknown grant type", func() *http.Request {
			return formReq(tokenURL, url.Values{"grant_type": {"password"}}, c.ID, secret)
		}, 400, "unsupported_grant_type"},
		{"missing grant type", func() *http.Request { return formReq(tokenURL, url.Values{}, c.ID, secret) }, 400, "invalid_request"},
		{"secret in the query string", func() *http.Request {
			return formReq(tokenURL+"?client_secret="+secret, url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}}, "", "")
		}, 400, "invalid_request"},
		{"two authentication methods", func() *http.Request {
			return formReq(tokenURL, url.Values{"grant_type": {"client_credentials"}, "client_secret": {secret}}, c.ID, secret)
		}, 400, "invalid_request"},
		{"parameter twice", func() *http.Request {
			return formReq(tokenURL+"?grant_type=client_credentials", cc, c.ID, secret)
		}, 400, "invalid_request"},
		{"SAML2.0 Bearer client asks for client_credentials", func() *http.Request {
			return formReq(tokenURL, cc, samlClient.ID, samlSecret)
		}, 400, "unauthorized_client"},
		{"JSON body", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(`{"grant_type":"client_credentials"}`))
			r.Header.Set("Content-Type", "application/json")
			r.SetBasicAuth(c.ID, secret)
			return r
		}, 400, "invalid_request"},
		{"oversized body", func() *http.Request {
			return formReq(tokenURL, url.Values{"grant_type": {"client_credentials"}, "x": {strings.Repeat("a", oauth.MaxRequestBody)}}, c.ID, secret)
		}, 413, "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body, hdr := doJSON(t, tc.req())
			if code != tc.wantStatus || body["error"] != tc.wantError {
				t.Fatalf("got %d %v, want %d %s", code, body, tc.wantStatus, tc.wantError)
			}
			if code == 401 && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("401 without WWW-Authenticate: Basic")
			}
			if hdr.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", hdr.Get("Cache-Control"))
			}
			if d, _ := body["error_description"].(string); strings.Contains(d, secret) {
				t.Errorf("error description contains the secret")
			}
		})
	}
}

func formReq(rawURL string, form url.Values, id, secret string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	return req
}

func TestIntrospectionRevocationAndDeletion(t *testing.T) {
	ts := newTestServer(t)
	c, secret := ts.createClient(t, oauth.ClientInput{})
	other, otherSecret := ts.createClient(t, oauth.ClientInput{Name: "other"})
	introspectURL := ts.URL + "/oauth/introspect"
	getToken := func() string {
		t.Helper()
		_, body, _ := postToken(t, ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}}, c.ID, secret)
		return body["access_token"].(string)
	}
	introspect := func(tok string) map[string]any {
		t.Helper()
		code, body, _ := postToken(t, introspectURL, url.Values{"token": {tok}}, c.ID, secret)
		if code != 200 {
			t.Fatalf("introspect: %d %v", code, body)
		}
		return body
	}

	tok := getToken()
	got := introspect(tok)
	if got["active"] != true || got["client_id"] != c.ID || got["scope"] != "user_provisioning content_network" {
		t.Errorf("introspection of a fresh token: %v", got)
	}
	if code, body, _ := postToken(t, introspectURL, url.Values{"token": {tok}}, "", ""); code != 401 {
		t.Errorf("introspection without client authentication: %d %v", code, body)
	}
	if got := introspect(tok[:len(tok)-4] + "AAAA"); got["active"] != false {
		t.Errorf("tampered token is active: %v", got)
	}

	// Revocation: another client cannot revoke it (its request is answered
	// 200 and changes nothing); the owner can.
	if code, body, _ := postToken(t, ts.URL+"/oauth/revoke", url.Values{"token": {tok}}, other.ID, otherSecret); code != 200 {
		t.Errorf("revocation by another client: %d %v, want 200", code, body)
	}
	if got := introspect(tok); got["active"] != true {
		t.Errorf("another client's revocation request revoked the token: %v", got)
	}
	if code, body, _ := postToken(t, ts.URL+"/oauth/revoke", url.Values{"token": {tok}}, c.ID, secret); code != 200 {
		t.Fatalf("revoke: %d %v", code, body)
	}
	if got := introspect(tok); got["active"] != false {
		t.Errorf("revoked token is active: %v", got)
	}
	if code, _, _ := postToken(t, ts.URL+"/oauth/revoke", url.Values{"token": {"garbage"}}, c.ID, secret); code != 200 {
		t.Errorf("revoking an invalid token must succeed (RFC 7009 §2.2), got %d", code)
	}

	// Deleting the client makes its tokens inactive at once (for resource
	// servers such as the SCIM API; the client itself can no longer ask).
	tok = getToken()
	if err := ts.Svc.DeleteClient(context.Background(), "test", c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Svc.VerifyAccessToken(context.Background(), tok); !errors.Is(err, oauth.ErrInactiveToken) {
		t.Errorf("token of a deleted client: %v, want inactive", err)
	}
	if code, body, _ := postToken(t, ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}}, c.ID, secret); code != 401 {
		t.Errorf("deleted client got %d %v", code, body)
	}
}

// TestIntrospectionAnswersOnlyTheCallersTokens: RFC 7662 §4 — a client learns
// nothing about tokens issued to other clients: not ADMIN's token from an
// authorization code, not another API client's. Their answer is exactly
// {"active":false}, as for a token that does not exist; the client the
// token was issued to gets the whole answer.
func TestIntrospectionAnswersOnlyTheCallersTokens(t *testing.T) {
	ts := newTestServer(t)
	cb := newCallback(t)
	_, app := ts.interactiveClient(t, cb.URL())
	code, verifier := authorize(t, ts, cb, app, "ADMIN", adminPassword)
	adminTok, err := app.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	prov, provSecret := ts.createClient(t, oauth.ClientInput{Access: []string{store.AccessUserProvisioning}})
	provTok, err := (&clientcredentials.Config{ClientID: prov.ID, ClientSecret: provSecret, TokenURL: ts.Svc.URLs().TokenURL}).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The prying client may do no more than talk to the content network.
	spy, spySecret := ts.createClient(t, oauth.ClientInput{Name: "content only", Access: []string{store.AccessContentNetwork}})

	introspect := func(id, secret, tok string) map[string]any {
		t.Helper()
		status, body, _ := postToken(t, ts.URL+"/oauth/introspect", url.Values{"token": {tok}}, id, secret)
		if status != http.StatusOK {
			t.Fatalf("introspect as %s: %d %v", id, status, body)
		}
		return body
	}
	for name, tok := range map[string]string{"ADMIN's token": adminTok.AccessToken, "another client's token": provTok.AccessToken} {
		if got := introspect(spy.ID, spySecret, tok); len(got) != 1 || got["active"] != false {
			t.Errorf("%s introspected by a foreign client: %v, want only active=false", name, got)
		}
	}
	if got := introspect(app.ClientID, app.ClientSecret, adminTok.AccessToken); got["active"] != true ||
		got["username"] != "ADMIN" || got["client_id"] != app.ClientID || got["sub"] == nil {
		t.Errorf("ADMIN's token introspected by its own client: %v", got)
	}
	if got := introspect(prov.ID, provSecret, provTok.AccessToken); got["active"] != true || got["scope"] != "user_provisioning" {
		t.Errorf("a token introspected by its own client: %v", got)
	}
}

// TestRevocationOfAnotherClientsTokenChangesNothing: RFC 7009 §2.1 — a
// client revokes only its own tokens, and its answer for another client's
// token, access or refresh, is the 200 of a token that does not exist
// (§2.2), so that revocation does not tell it which tokens are valid.
func TestRevocationOfAnotherClientsTokenChangesNothing(t *testing.T) {
	ts := newTestServer(t)
	cb := newCallback(t)
	_, app := ts.interactiveClient(t, cb.URL())
	code, verifier := authorize(t, ts, cb, app, "ADMIN", adminPassword)
	adminTok, err := app.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	owner, ownerSecret := ts.createClient(t, oauth.ClientInput{Name: "owner"})
	cc := &clientcredentials.Config{ClientID: owner.ID, ClientSecret: ownerSecret, TokenURL: ts.Svc.URLs().TokenURL}
	ownerTok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	spy, spySecret := ts.createClient(t, oauth.ClientInput{Name: "spy", Access: []string{store.AccessContentNetwork}})

	revoke := func(id, secret, tok string) string {
		t.Helper()
		resp, err := http.DefaultClient.Do(formReq(ts.URL+"/oauth/revoke", url.Values{"token": {tok}}, id, secret))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, body)
	}
	invalid := revoke(spy.ID, spySecret, "not-a-token")
	if !strings.HasPrefix(invalid, "200 ") {
		t.Fatalf("revoking an invalid token: %s, want 200 (RFC 7009 §2.2)", invalid)
	}
	for name, tok := range map[string]string{
		"another client's access token": ownerTok.AccessToken,
		"ADMIN's access token":          adminTok.AccessToken,
		"ADMIN's refresh token":         adminTok.RefreshToken,
	} {
		if got := revoke(spy.ID, spySecret, tok); got != invalid {
			t.Errorf("revoking %s as a foreign client: %q, want %q as for an invalid token", name, got, invalid)
		}
	}
	// Nothing was revoked, nor the refresh token used up.
	if !ts.introspect(t, owner.ID, ownerSecret, ownerTok.AccessToken) || !ts.introspect(t, app.ClientID, app.ClientSecret, adminTok.AccessToken) {
		t.Error("a foreign client's revocation request revoked an access token")
	}
	if _, err := refresh(app, adminTok.RefreshToken); err != nil {
		t.Errorf("the refresh token after a foreign client's revocation request: %v", err)
	}
	// The owner revokes its own token.
	if got := revoke(owner.ID, ownerSecret, ownerTok.AccessToken); !strings.HasPrefix(got, "200 ") {
		t.Errorf("the owner's revocation: %s", got)
	}
	if ts.introspect(t, owner.ID, ownerSecret, ownerTok.AccessToken) {
		t.Error("the owner revoked its token and it is still active")
	}
}

func TestMetadataAndJWKS(t *testing.T) {
	ts := newTestServer(t)
	code, md, _ := doJSON(t, mustReq(t, http.MethodGet, ts.URL+"/.well-known/oauth-authorization-server"))
	if code != 200 || md["issuer"] != ts.URL || md["token_endpoint"] != ts.URL+"/oauth/token" ||
		md["jwks_uri"] != ts.URL+"/oauth/token_keys" || md["introspection_endpoint"] != ts.URL+"/oauth/introspect" ||
		md["revocation_endpoint"] != ts.URL+"/oauth/revoke" {
		t.Errorf("metadata: %d %v", code, md)
	}
	_, a, _ := doJSON(t, mustReq(t, http.MethodGet, ts.URL+"/oauth/token_keys"))
	_, b, _ := doJSON(t, mustReq(t, http.MethodGet, ts.URL+"/.well-known/jwks.json"))
	ka, _ := json.Marshal(a)
	kb, _ := json.Marshal(b)
	if string(ka) != string(kb) || !strings.Contains(string(ka), `"kty":"RSA"`) {
		t.Errorf("JWKS differ or hold no RSA key: %s / %s", ka, kb)
	}
	if strings.Contains(string(ka), `"d"`) || strings.Contains(string(ka), `"p"`) {
		t.Errorf("JWKS leaks private key material: %s", ka)
	}
}

func mustReq(t *testing.T, method, rawURL string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSecretNeverStoredOrLogged creates a client, uses it, and then looks for its
// secret in every byte of the database files and of the server log.
func TestSecretNeverStoredOrLogged(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	token := b.login("ADMIN", adminPassword)
	_, doc := b.get("/admin/app-integration/clients/new")
	requestID, _ := doc.Find(`input[name="request_id"]`).Attr("value")
	_, doc = b.post("/admin/app-integration/clients", url.Values{
		"_csrf": {token}, "request_id": {requestID}, "name": {"Leak check"}, "purpose": {"api_access"},
		"access": {"user_provisioning"}, "grant": {"client_credentials"},
		"token_lifetime": {"60"}, "token_lifetime_unit": {"minutes"},
	})
	secret := doc.Find(`[data-testid="created-secret"]`).AttrOr("value", strings.TrimSpace(doc.Find(`[data-testid="created-secret"]`).Text()))
	clientID := doc.Find(`[data-testid="created-client-id"]`).AttrOr("value", strings.TrimSpace(doc.Find(`[data-testid="created-client-id"]`).Text()))
	if !oauthtest.LooksLikeSecret(secret) {
		t.Fatalf("no secret in the created dialog: %q", secret)
	}
	for _, u := range []string{ts.Svc.URLs().TokenURL, ts.Svc.URLs().TokenURL + "?grant_type=client_credentials"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.SetBasicAuth(clientID, secret)
		_, _, _ = doJSON(t, req)
	}
	code, body, _ := postToken(t, ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}}, clientID, secret)
	if code != 200 {
		t.Fatalf("token with the console's secret: %d %v", code, body)
	}
	accessToken := body["access_token"].(string)
	// a wrong secret in the body, too
	_, _, _ = postToken(t, ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret + "0"}}, "", "")

	needles := map[string]string{
		"secret":            secret,
		"secret (base64)":   base64.StdEncoding.EncodeToString([]byte(clientID + ":" + secret)),
		"access token":      accessToken,
		"admin password":    adminPassword,
		"token's signature": accessToken[strings.LastIndex(accessToken, ".")+1:],
	}
	files := []string{ts.DBPath, ts.DBPath + "-wal", ts.DBPath + "-shm"}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue // -shm/-wal may be gone after a checkpoint
		}
		for what, needle := range needles {
			if strings.Contains(string(raw), needle) {
				t.Errorf("%s found in %s", what, f)
			}
		}
	}
	log := ts.Log.String()
	if !strings.Contains(log, "/oauth/token") {
		t.Fatalf("the log does not show the token requests; is it captured? %q", log)
	}
	for what, needle := range needles {
		if strings.Contains(log, needle) {
			t.Errorf("%s found in the server log", what)
		}
	}
	if secretPattern.MatchString(log) {
		t.Errorf("something shaped like a client secret is in the log")
	}
}
