package oauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
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
