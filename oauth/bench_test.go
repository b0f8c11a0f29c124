package oauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
)

// benchClient returns a service with one API Access client and its credentials.
func benchClient(b *testing.B, alg string) (*oauth.Service, oauth.Credentials) {
	b.Helper()
	st := mustOpenStore(b)
	svc := newService(b, st, alg, &clock{t: time.Now()})
	c, secret, err := svc.CreateClient(context.Background(), "bench", oauth.ClientInput{Name: "bench",
		Purpose: store.PurposeAPIAccess, Grant: store.GrantClientCredentials, Access: []string{"user_provisioning"}})
	if err != nil {
		b.Fatal(err)
	}
	return svc, oauth.Credentials{ClientID: c.ID, Secret: secret, Method: "client_secret_basic"}
}

// BenchmarkClientCredentials is the whole grant after HTTP parsing: client
// lookup, secret check, scopes, claims, signing.
func BenchmarkClientCredentials(b *testing.B) {
	for _, alg := range []string{oauth.AlgRS256, oauth.AlgES256, oauth.AlgEdDSA} {
		b.Run(alg, func(b *testing.B) {
			svc, cr := benchClient(b, alg)
			req := &oauth.TokenRequest{GrantType: oauth.GrantTypeClientCredentials, Credentials: cr}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Token(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseTokenRequest is the HTTP parsing of a token request.
func BenchmarkParseTokenRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/oauth/token?grant_type=client_credentials", strings.NewReader("scope=user_provisioning"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth("sb-2f1a0c4e-1111-4a3b-9c2d-0123456789ab", oauth.SecretPrefix+strings.Repeat("0", 72))
		if _, err := oauth.ParseTokenRequest(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateClient is the client lookup and the constant-time secret check.
func BenchmarkAuthenticateClient(b *testing.B) {
	svc, cr := benchClient(b, oauth.AlgES256)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.AuthenticateClient(context.Background(), cr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAccessToken is what introspection and the SCIM API do per call.
func BenchmarkVerifyAccessToken(b *testing.B) {
	for _, alg := range []string{oauth.AlgRS256, oauth.AlgES256} {
		b.Run(alg, func(b *testing.B) {
			svc, cr := benchClient(b, alg)
			resp, err := svc.Token(context.Background(), &oauth.TokenRequest{GrantType: oauth.GrantTypeClientCredentials, Credentials: cr})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.VerifyAccessToken(context.Background(), resp.AccessToken); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTokenResponseJSON is the encoding of a token response.
func BenchmarkTokenResponseJSON(b *testing.B) {
	resp := &oauth.TokenResponse{AccessToken: strings.Repeat("x", 700), TokenType: "bearer", ExpiresIn: 3600,
		Scope: "user_provisioning content_network", JTI: "2f1a0c4e-1111-4a3b-9c2d-0123456789ab"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(resp); err != nil {
			b.Fatal(err)
		}
	}
}

// benchUser creates an active administrator who can sign in.
func benchUser(b *testing.B, st store.Store) store.User {
	b.Helper()
	now := time.Now().UTC()
	hash, err := oauth.HashPassword("bench password")
	if err != nil {
		b.Fatal(err)
	}
	u := store.User{ID: "u-bench", UserName: "BENCH", Active: true, Roles: []string{store.RoleAdministrator},
		Emails: []store.Email{{Value: "bench@example.com", Primary: true}}, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(context.Background(), u); err != nil {
		b.Fatal(err)
	}
	return u
}

// issueCode issues a code and reads it from the redirect IssueCode returns.
func issueCode(b *testing.B, svc *oauth.Service, ar *oauth.AuthorizeRequest, u store.User) string {
	loc, err := svc.IssueCode(context.Background(), ar, u)
	if err != nil {
		b.Fatal(err)
	}
	redirect, err := url.Parse(loc)
	if err != nil {
		b.Fatal(err)
	}
	return redirect.Query().Get("code")
}

// BenchmarkAuthorizationCode is one whole code flow: the authorization
// request is checked and a code issued (what /oauth/authorize does for a
// signed-in user), then the code is exchanged for an access and a refresh token.
func BenchmarkAuthorizationCode(b *testing.B) {
	st := mustOpenStore(b)
	svc := newService(b, st, oauth.AlgES256, &clock{t: time.Now()})
	u := benchUser(b, st)
	const redirect = "https://app.example.com/cb"
	c, secret, err := svc.CreateClient(context.Background(), "bench", oauth.ClientInput{Name: "bench",
		Purpose: store.PurposeInteractive, RedirectURIs: []string{redirect}})
	if err != nil {
		b.Fatal(err)
	}
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	params := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect}, "state": {"s"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	cr := oauth.Credentials{ClientID: c.ID, Secret: secret, Method: "client_secret_basic"}
	b.ReportAllocs()
	for b.Loop() {
		ar, err := svc.CheckAuthorizeRequest(context.Background(), params)
		if err != nil {
			b.Fatal(err)
		}
		code := issueCode(b, svc, ar, u)
		_, err = svc.Token(context.Background(), &oauth.TokenRequest{GrantType: oauth.GrantTypeAuthorizationCode, Credentials: cr,
			Params: url.Values{"code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirect}}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefreshToken is one refresh: the old token is used up and rotated,
// and a new access token signed.
func BenchmarkRefreshToken(b *testing.B) {
	st := mustOpenStore(b)
	svc := newService(b, st, oauth.AlgES256, &clock{t: time.Now()})
	u := benchUser(b, st)
	const redirect = "https://app.example.com/cb"
	c, secret, err := svc.CreateClient(context.Background(), "bench", oauth.ClientInput{Name: "bench",
		Purpose: store.PurposeInteractive, RedirectURIs: []string{redirect}})
	if err != nil {
		b.Fatal(err)
	}
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	ar, err := svc.CheckAuthorizeRequest(context.Background(), url.Values{"response_type": {"code"}, "client_id": {c.ID},
		"redirect_uri": {redirect}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}})
	if err != nil {
		b.Fatal(err)
	}
	code := issueCode(b, svc, ar, u)
	cr := oauth.Credentials{ClientID: c.ID, Secret: secret, Method: "client_secret_basic"}
	resp, err := svc.Token(context.Background(), &oauth.TokenRequest{GrantType: oauth.GrantTypeAuthorizationCode, Credentials: cr,
		Params: url.Values{"code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirect}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, err = svc.Token(context.Background(), &oauth.TokenRequest{GrantType: oauth.GrantTypeRefreshToken, Credentials: cr,
			Params: url.Values{"refresh_token": {resp.RefreshToken}}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckAssertion is every check of the SAML2 bearer grant on a signed
// assertion (parsing, XML signature, conditions, user) without the replay
// record and the token, which BenchmarkClientCredentials covers.
func BenchmarkCheckAssertion(b *testing.B) {
	st := mustOpenStore(b)
	svc := newService(b, st, oauth.AlgES256, &clock{t: time.Now()})
	benchUser(b, st)
	idp := samltest.NewIdP(b, "https://idp.bench.test/metadata", time.Hour)
	if _, err := svc.CreateIdentityProvider(context.Background(), "bench", oauth.IdPInput{Name: "Bench IdP",
		ProviderName: "bench-idp", EntityID: idp.EntityID, Certificates: idp.CertPEM()}); err != nil {
		b.Fatal(err)
	}
	urls := svc.URLs()
	assertion := samltest.Encode(idp.Assertion(b, samltest.Target{Audience: urls.SAML2Audience, TokenURL: urls.SAML2TokenURL},
		samltest.Options{NameID: "BENCH"}))
	b.ReportAllocs()
	for b.Loop() {
		rep, err := svc.CheckAssertion(context.Background(), assertion)
		if err != nil || rep.FirstFailure() != nil {
			b.Fatalf("check: %v %+v", err, rep.FirstFailure())
		}
	}
}
