package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"
	"github.com/go-jose/go-jose/v4"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
)

// samlSetup is a running server with a trusted identity provider (matched by its
// entity ID), a SAML2.0 Bearer client and users.
type samlSetup struct {
	ts       *testServer
	idp      *samltest.IdP
	target   samltest.Target
	clientID string
	secret   string
}

const samlEntityID = "https://idp.example.test/metadata"

func newSAMLSetup(t *testing.T) *samlSetup {
	t.Helper()
	ts := newTestServer(t)
	ctx := context.Background()
	idp := samltest.NewIdP(t, samlEntityID, 24*time.Hour)
	_, err := ts.Svc.CreateIdentityProvider(ctx, "test", oauth.IdPInput{
		Name: "Corporate IdP", ProviderName: "corporate-idp", EntityID: samlEntityID, Certificates: idp.CertPEM(),
	})
	if err != nil {
		t.Fatal(err)
	}
	c, secret := ts.createClient(t, oauth.ClientInput{Grant: store.GrantSAML2Bearer, TokenLifetime: 20 * time.Minute,
		Access: []string{store.AccessUserProvisioning}})
	now := time.Now()
	for _, u := range []store.User{
		{ID: "u-alice", UserName: "ALICE", Active: true, Emails: []store.Email{{Value: "alice@example.com", Primary: true}}},
		{ID: "u-bob", UserName: "BOB", Active: true, IdpUserID: "bob-at-idp", Emails: []store.Email{{Value: "bob@example.com", Primary: true}}},
		{ID: "u-carol", UserName: "CAROL", Active: false, Emails: []store.Email{{Value: "carol@example.com", Primary: true}}},
	} {
		u.CreatedAt, u.UpdatedAt = now, now
		if err := ts.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	urls := ts.Svc.URLs()
	return &samlSetup{ts: ts, idp: idp, target: samltest.Target{Audience: urls.SAML2Audience, TokenURL: urls.SAML2TokenURL},
		clientID: c.ID, secret: secret}
}

// exchange posts the assertion to the OAuth2SAML Token URL with a plain net/http
// client, authenticated as the setup's client.
func (s *samlSetup) exchange(t *testing.T, assertion string) (int, map[string]any) {
	t.Helper()
	code, body, hdr := postToken(t, s.target.TokenURL, url.Values{
		"grant_type": {oauth.GrantTypeSAML2Bearer}, "assertion": {assertion},
	}, s.clientID, s.secret)
	if hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", hdr.Get("Cache-Control"))
	}
	return code, body
}

func (s *samlSetup) mint(t *testing.T, o samltest.Options) string {
	t.Helper()
	return samltest.Encode(s.idp.Assertion(t, s.target, o))
}

func TestSAML2BearerIssuesTokenForTheUser(t *testing.T) {
	s := newSAMLSetup(t)
	for _, tc := range []struct {
		name, nameID, wantSub, wantUser, wantEmail string
	}{
		{"by idpUserId", "bob-at-idp", "u-bob", "BOB", "bob@example.com"},
		{"by user name", "alice", "u-alice", "ALICE", "alice@example.com"},
		{"by e-mail", "Alice@Example.com", "u-alice", "ALICE", "alice@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := s.exchange(t, s.mint(t, samltest.Options{NameID: tc.nameID}))
			if code != http.StatusOK {
				t.Fatalf("%d %v", code, body)
			}
			_, claims := verifyWithJWKS(t, s.ts.URL, body["access_token"].(string), jose.RS256)
			want := map[string]any{
				"sub": tc.wantSub, "user_name": tc.wantUser, "email": tc.wantEmail, "client_id": s.clientID,
				"grant_type": "urn:ietf:params:oauth:grant-type:saml2-bearer", "scope": "user_provisioning", "iss": s.ts.URL,
			}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("%s = %v, want %v", k, claims[k], v)
				}
			}
			if life := claims["exp"].(float64) - claims["iat"].(float64); life != 1200 {
				t.Errorf("exp - iat = %v, want 1200 (the client's token lifetime)", life)
			}
			if body["expires_in"].(float64) != 1200 || body["token_type"] != "bearer" {
				t.Errorf("response %v", body)
			}
		})
	}

	// The plain Token URL takes the grant too; standard base64 is accepted.
	raw := s.idp.Assertion(t, s.target, samltest.Options{NameID: "alice"})
	code, body, _ := postToken(t, s.ts.Svc.URLs().TokenURL, url.Values{
		"grant_type": {oauth.GrantTypeSAML2Bearer}, "assertion": {base64.StdEncoding.EncodeToString(raw)},
	}, s.clientID, s.secret)
	if code != http.StatusOK {
		t.Fatalf("plain Token URL: %d %v", code, body)
	}
	// Metadata lists the grant.
	resp, err := http.Get(s.ts.URL + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md oauth.Metadata
	if err := json.NewDecoder(resp.Body).Decode(&md); err != nil || !strings.Contains(strings.Join(md.GrantTypesSupported, " "), oauth.GrantTypeSAML2Bearer) {
		t.Errorf("grant_types_supported = %v, %v", md.GrantTypesSupported, err)
	}
}

// TestSAML2BearerRefusals has one case per failure of the issue: each is
// invalid_grant with a description naming the failed check, and is audited
// without the assertion.
func TestSAML2BearerRefusals(t *testing.T) {
	s := newSAMLSetup(t)
	past := func(d time.Duration) time.Time { return time.Now().Add(-d) }
	other := samltest.NewIdP(t, samlEntityID, time.Hour)                 // same issuer, another key
	stranger := samltest.NewIdP(t, "https://evil.example/md", time.Hour) // untrusted issuer
	good := func() []byte { return s.idp.Assertion(t, s.target, samltest.Options{NameID: "alice"}) }

	type tc struct {
		name      string
		assertion func(t *testing.T) string
		want      string
	}
	cases := []tc{
		{"unsigned", func(t *testing.T) string {
			return s.mint(t, samltest.Options{NameID: "alice", Unsigned: true})
		}, "unsigned"},
		{"signed by an untrusted key", func(t *testing.T) string {
			return samltest.Encode(other.Assertion(t, s.target, samltest.Options{NameID: "alice"}))
		}, "untrusted key"},
		{"signed by another key claiming the trusted certificate", func(t *testing.T) string {
			xml := string(other.Assertion(t, s.target, samltest.Options{NameID: "alice"}))
			return samltest.Encode([]byte(strings.Replace(xml, certBase64(other), certBase64(s.idp), 1)))
		}, "signature invalid"},
		{"issuer not trusted", func(t *testing.T) string {
			return samltest.Encode(stranger.Assertion(t, s.target, samltest.Options{NameID: "alice"}))
		}, "issuer not trusted"},
		{"audience mismatch", func(t *testing.T) string {
			return s.mint(t, samltest.Options{NameID: "alice", Mutate: func(a *saml.Assertion) {
				a.Conditions.AudienceRestrictions[0].Audience.Value = "https://other-sp.example/"
			}})
		}, "audience mismatch"},
		{"recipient mismatch", func(t *testing.T) string {
			return s.mint(t, samltest.Options{NameID: "alice", Mutate: func(a *saml.Assertion) {
				a.Subject.SubjectConfirmations[0].SubjectConfirmationData.Recipient = "https://other-sp.example/acs"
			}})
		}, "recipient mismatch"},
		{"expired NotOnOrAfter", func(t *testing.T) string {
			return s.mint(t, samltest.Options{NameID: "alice", Mutate: func(a *saml.Assertion) {
				a.Conditions.NotBefore = past(time.Hour)
				a.Conditions.NotOnOrAfter = past(10 * time.Minute)
			}})
		}, "expired"},
		{"expired subject confirmation", func(t *testing.T) string {
			return s.mint(t, samltest.Options{NameID: "alice", Mutate: func(a *saml.Assertion) {
				a.Subject.SubjectConfirmations[0].SubjectConfirmationData.NotOnOrAfter = past(10 * time.Minute)
			}})
		}, "subject confirmation expired"},
		{"NotBefore in the future", func(t *testing.T) string {
			return s.mint(t, samltest.Options{NameID: "alice", Mutate: func(a *saml.Assertion) {
				a.Conditions.NotBefore = time.Now().Add(10 * time.Minute)
				a.Conditions.NotOnOrAfter = time.Now().Add(time.Hour)
			}})
		}, "not yet valid"},
		{"unknown user", func(t *testing.T) string {
			return s.mint(t, samltest.Options{NameID: "nobody@example.com"})
		}, "unknown user"},
		{"inactive user", func(t *testing.T) string {
			return s.mint(t, samltest.Options{NameID: "carol@example.com"})
		}, "inactive user"},
		{"SHA-1 signature", func(t *testing.T) string {
			return s.mint(t, samltest.Options{NameID: "alice", SignatureMethod: dsig.RSASHA1SignatureMethod})
		}, "SHA-1"},
		{"DTD with entity expansion", func(t *testing.T) string {
			xml := string(good())
			xml = strings.TrimPrefix(xml, `<?xml version="1.0" encoding="UTF-8"?>`)
			dtd := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>`
			return samltest.Encode([]byte(dtd + xml))
		}, "DTD or entity declaration"},
		{"signed assertion inside an unsigned wrapper", func(t *testing.T) string {
			signed := string(good())
			signed = signed[strings.Index(signed, "<saml:Assertion"):]
			evil := string(s.idp.Assertion(t, s.target, samltest.Options{NameID: "bob-at-idp", Unsigned: true}))
			evil = evil[strings.Index(evil, "<saml:Assertion"):]
			i := strings.LastIndex(evil, "</saml:Assertion>")
			return samltest.Encode([]byte(evil[:i] + `<saml:Advice>` + signed + `</saml:Advice>` + evil[i:]))
		}, "signature wrapping"},
		{"signature moved to a changed copy", func(t *testing.T) string {
			// The signature stays where it was, on an assertion with the same ID
			// whose NameID was changed: the digest no longer matches.
			xml := strings.Replace(string(good()), ">alice<", ">bob-at-idp<", 1)
			return samltest.Encode([]byte(xml))
		}, "signature invalid"},
		{"second unsigned assertion next to a signed one", func(t *testing.T) string {
			signed := string(good())
			signed = signed[strings.Index(signed, "<saml:Assertion"):]
			evil := string(s.idp.Assertion(t, s.target, samltest.Options{NameID: "bob-at-idp", Unsigned: true}))
			evil = evil[strings.Index(evil, "<saml:Assertion"):]
			return samltest.Encode([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">` + evil + signed + `</samlp:Response>`))
		}, "not a SAML 2.0 assertion"},
		{"two root assertions", func(t *testing.T) string {
			signed := string(good())
			signed = signed[strings.Index(signed, "<saml:Assertion"):]
			evil := string(s.idp.Assertion(t, s.target, samltest.Options{NameID: "bob-at-idp", Unsigned: true}))
			evil = evil[strings.Index(evil, "<saml:Assertion"):]
			return samltest.Encode([]byte(signed + evil))
		}, "more than one root element"},
		{"NameID with an XML comment inside", func(t *testing.T) string {
			// Signed for alice@example.com.evil.test; the comment must not
			// make it read as alice@example.com (a user who exists).
			xml := string(s.idp.Assertion(t, s.target, samltest.Options{NameID: "alice@example.com.evil.test"}))
			xml = strings.Replace(xml, "alice@example.com.evil.test<", "alice@example.com<!---->.evil.test<", 1)
			return samltest.Encode([]byte(xml))
		}, `unknown user: no user has the idpUserId, user name or e-mail "alice@example.com.evil.test"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assertion := c.assertion(t)
			code, body := s.exchange(t, assertion)
			if code != http.StatusBadRequest || body["error"] != "invalid_grant" {
				t.Fatalf("%d %v, want 400 invalid_grant", code, body)
			}
			desc, _ := body["error_description"].(string)
			if !strings.Contains(desc, c.want) {
				t.Errorf("error_description = %q, want it to name %q", desc, c.want)
			}
			if body["access_token"] != nil {
				t.Error("a token was issued")
			}
			events, err := s.ts.Store.ListAudit(context.Background(), store.AuditFilter{Action: "token.saml2_bearer_refused", Limit: 1})
			if err != nil || len(events) == 0 || events[0].Actor != s.clientID || events[0].Detail != desc {
				t.Fatalf("audit: %v %+v", err, events)
			}
			if strings.Contains(events[0].Detail, assertion[:40]) || strings.Contains(s.ts.Log.String(), assertion[:40]) {
				t.Error("the assertion is in the audit log or the server log")
			}
		})
	}
}

func TestSAML2BearerReplay(t *testing.T) {
	s := newSAMLSetup(t)
	a := s.mint(t, samltest.Options{NameID: "alice"})
	if code, body := s.exchange(t, a); code != http.StatusOK {
		t.Fatalf("first use: %d %v", code, body)
	}
	code, body := s.exchange(t, a)
	if code != http.StatusBadRequest || body["error"] != "invalid_grant" || !strings.Contains(body["error_description"].(string), "replay") {
		t.Fatalf("second use: %d %v, want invalid_grant replay", code, body)
	}
}

func TestSAML2BearerNeedsASAMLClient(t *testing.T) {
	s := newSAMLSetup(t)
	cc, ccSecret := s.ts.createClient(t, oauth.ClientInput{Grant: store.GrantClientCredentials})
	code, body, _ := postToken(t, s.target.TokenURL, url.Values{
		"grant_type": {oauth.GrantTypeSAML2Bearer}, "assertion": {s.mint(t, samltest.Options{NameID: "alice"})},
	}, cc.ID, ccSecret)
	if code != http.StatusBadRequest || body["error"] != "unauthorized_client" {
		t.Fatalf("client_credentials client: %d %v, want unauthorized_client", code, body)
	}
	// And the SAML client may not use client_credentials.
	code, body, _ = postToken(t, s.target.TokenURL, url.Values{"grant_type": {"client_credentials"}}, s.clientID, s.secret)
	if code != http.StatusBadRequest || body["error"] != "unauthorized_client" {
		t.Fatalf("SAML client with client_credentials: %d %v", code, body)
	}
	// Without client authentication the assertion is not even looked at.
	code, body, _ = postToken(t, s.target.TokenURL, url.Values{
		"grant_type": {oauth.GrantTypeSAML2Bearer}, "assertion": {s.mint(t, samltest.Options{NameID: "alice"})},
	}, "", "")
	if code != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Fatalf("no client authentication: %d %v", code, body)
	}
}

func certBase64(p *samltest.IdP) string { return base64.StdEncoding.EncodeToString(p.Cert.Raw) }

// TestSAML2BearerInclusiveCanonicalization: the grant accepts assertions signed
// with inclusive canonicalization (1.0 and 1.1), as some IdPs sign them, and
// still refuses the "with comments" variants.
func TestSAML2BearerInclusiveCanonicalization(t *testing.T) {
	s := newSAMLSetup(t)
	for _, c14n := range []dsig.Canonicalizer{dsig.MakeC14N10RecCanonicalizer(), dsig.MakeC14N11Canonicalizer()} {
		if code, body := s.exchange(t, s.mint(t, samltest.Options{NameID: "alice", Canonicalizer: c14n})); code != http.StatusOK {
			t.Errorf("%s: %d %v", c14n.Algorithm(), code, body)
		}
	}
	code, body := s.exchange(t, s.mint(t, samltest.Options{NameID: "alice", Canonicalizer: dsig.MakeC14N11WithCommentsCanonicalizer()}))
	if code != http.StatusBadRequest || !strings.Contains(body["error_description"].(string), "canonicalization") {
		t.Errorf("with comments: %d %v", code, body)
	}
}
