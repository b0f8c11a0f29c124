package oauth_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
)

const samlBaseURL = "https://auth.example.com"

// samlFixture is a service with one trusted identity provider and one user.
type samlFixture struct {
	svc    *oauth.Service
	st     store.Store
	idp    *samltest.IdP
	target samltest.Target
}

func newSAMLFixture(t testing.TB) *samlFixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := oauth.New(oauth.Config{Store: st, BaseURL: samlBaseURL})
	if err != nil {
		t.Fatal(err)
	}
	idp := samltest.NewIdP(t, "https://idp.example.test/metadata", 24*time.Hour)
	_, err = svc.CreateIdentityProvider(ctx, "test", oauth.IdPInput{
		Name: "Test IdP", ProviderName: "test-idp", EntityID: idp.EntityID, Certificates: idp.CertPEM(),
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.CreateUser(ctx, store.User{
		ID: "u-alice", UserName: "ALICE", Active: true, Emails: []store.Email{{Value: "alice@example.com", Primary: true}},
		CreatedAt: time.Now(), UpdatedAt: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	u := svc.URLs()
	return &samlFixture{svc: svc, st: st, idp: idp, target: samltest.Target{Audience: u.SAML2Audience, TokenURL: u.SAML2TokenURL}}
}

func statusOf(rep *oauth.AssertionReport, id string) oauth.AssertionCheck {
	for _, c := range rep.Checks {
		if c.ID == id {
			return c
		}
	}
	return oauth.AssertionCheck{}
}

func TestCheckAssertionReportsEveryCheck(t *testing.T) {
	f := newSAMLFixture(t)
	ctx := context.Background()
	good := f.idp.Assertion(t, f.target, samltest.Options{NameID: "alice@example.com"})

	for _, form := range []struct{ name, text string }{
		{"base64url", samltest.Encode(good)},
		{"xml", string(good)},
	} {
		rep, err := f.svc.CheckAssertion(ctx, form.text)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Passed() {
			t.Fatalf("%s: %+v", form.name, rep.Checks)
		}
		if len(rep.Checks) != 10 || statusOf(rep, oauth.CheckReplay).Status != oauth.CheckPassed {
			t.Errorf("%s: checks %+v", form.name, rep.Checks)
		}
		if rep.UserName != "ALICE" || rep.IdPName != "Test IdP" {
			t.Errorf("%s: user %q idp %q", form.name, rep.UserName, rep.IdPName)
		}
	}

	// The checker ran twice and recorded nothing: the assertion can still be
	// used; once it has been, the checker reports the replay.
	if err := f.st.UseAssertionID(ctx, f.idp.EntityID, "fresh-id", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	goodID := regexp.MustCompile(`ID="([^"]+)"`).FindSubmatch(good)
	if goodID == nil {
		t.Fatal("no ID in the minted assertion")
	}
	if err := f.st.UseAssertionID(ctx, f.idp.EntityID, string(goodID[1]), time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("the checker used up the assertion ID: %v", err)
	}
	if rep, err := f.svc.CheckAssertion(ctx, string(good)); err != nil || statusOf(rep, oauth.CheckReplay).Status != oauth.CheckFailed ||
		!strings.Contains(statusOf(rep, oauth.CheckReplay).Reason, "replay") {
		t.Errorf("checker after the assertion was exchanged: %v %+v", err, rep)
	}

	bad := f.idp.Assertion(t, f.target, samltest.Options{NameID: "nobody", Unsigned: true, Mutate: func(a *saml.Assertion) {
		a.Conditions.AudienceRestrictions[0].Audience.Value = "https://elsewhere.example/"
	}})
	rep, err := f.svc.CheckAssertion(ctx, string(bad))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		oauth.CheckSignature: "unsigned",
		oauth.CheckAudience:  "audience mismatch",
		oauth.CheckUser:      "unknown user",
	} {
		c := statusOf(rep, id)
		if c.Status != oauth.CheckFailed || !strings.Contains(c.Reason, want) {
			t.Errorf("%s: %+v, want a failure with %q", id, c, want)
		}
		if id != oauth.CheckSignature && !strings.Contains(c.Reason, "did not verify") {
			t.Errorf("%s: reason %q does not say the content is unverified", id, c.Reason)
		}
	}
}

func TestParseIdPMetadataFromCrewjam(t *testing.T) {
	f := newSAMLFixture(t)
	md, err := f.svc.ParseIdPMetadata(f.idp.MetadataXML(t))
	if err != nil {
		t.Fatal(err)
	}
	if md.EntityID != f.idp.EntityID || len(md.Certificates) != 1 || string(md.Certificates[0]) != string(f.idp.Cert.Raw) {
		t.Fatalf("metadata: entity %q, %d certificates", md.EntityID, len(md.Certificates))
	}
	if md.ProviderName != "idp.example.test_metadata" {
		t.Errorf("suggested provider name %q", md.ProviderName)
	}
	_, err = f.svc.ParseIdPMetadata([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">&a;</md:EntityDescriptor>`))
	if err == nil || !strings.Contains(err.Error(), "DTD") {
		t.Errorf("metadata with a DTD: %v", err)
	}
}

func TestIdentityProviderRules(t *testing.T) {
	f := newSAMLFixture(t)
	ctx := context.Background()
	expired := samltest.NewIdP(t, "https://old.example.test/md", -time.Minute)
	for _, tc := range []struct {
		name  string
		in    oauth.IdPInput
		field string
		want  string
	}{
		{"name taken", oauth.IdPInput{Name: "test idp", ProviderName: "other", Certificates: f.idp.CertPEM()}, oauth.FieldIdPName, "exists already"},
		{"provider name taken", oauth.IdPInput{Name: "Other", ProviderName: "TEST-IDP", Certificates: f.idp.CertPEM()}, oauth.FieldProviderName, "has this provider name"},
		{"provider name pattern", oauth.IdPInput{Name: "Other", ProviderName: "https://x/y", Certificates: f.idp.CertPEM()}, oauth.FieldProviderName, "1 to 36"},
		{"no certificate", oauth.IdPInput{Name: "Other", ProviderName: "other"}, oauth.FieldCertificates, "at least one"},
		{"not base64", oauth.IdPInput{Name: "Other", ProviderName: "other", Certificates: []byte("not a cert!")}, oauth.FieldCertificates, "not PEM or Base64"},
		{"base64 of no certificate", oauth.IdPInput{Name: "Other", ProviderName: "other", Certificates: []byte("bm90IGEgY2VydA==")}, oauth.FieldCertificates, "not a valid X.509"},
		{"expired certificate", oauth.IdPInput{Name: "Other", ProviderName: "other", Certificates: expired.CertPEM()}, oauth.FieldCertificates, "expired on"},
		{"private key", oauth.IdPInput{Name: "Other", ProviderName: "other", Certificates: []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")}, oauth.FieldCertificates, "not a certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.CreateIdentityProvider(ctx, "test", tc.in)
			ve := oauth.AsValidationError(err)
			if ve == nil || !strings.Contains(ve.Fields[tc.field], tc.want) {
				t.Fatalf("err = %v, want %s: %q", err, tc.field, tc.want)
			}
		})
	}
	// Base64 without armour, two certificates for rollover.
	second := samltest.NewIdP(t, "https://idp2.example.test/md", time.Hour)
	bare := strings.Join([]string{armourless(f.idp.CertPEM()), armourless(second.CertPEM())}, "\n\n")
	p, err := f.svc.CreateIdentityProvider(ctx, "test", oauth.IdPInput{Name: "Rollover", ProviderName: "rollover", Certificates: []byte(bare)})
	if err != nil || len(p.Certificates) != 2 {
		t.Fatalf("two bare certificates: %v, %d", err, len(p.Certificates))
	}
	// DER as the command line reads it from a file.
	if _, err := f.svc.CreateIdentityProvider(ctx, "test", oauth.IdPInput{Name: "DER", ProviderName: "der", Certificates: second.Cert.Raw}); err != nil {
		t.Fatalf("DER certificate: %v", err)
	}
}

func armourless(p []byte) string {
	var lines []string
	for _, l := range strings.Split(string(p), "\n") {
		if !strings.HasPrefix(l, "-----") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// TestCheckAssertionDuringRollover trusts two certificates, the old and the new
// one, and accepts an assertion signed with either, also when the signature
// names no certificate in its KeyInfo.
func TestCheckAssertionDuringRollover(t *testing.T) {
	f := newSAMLFixture(t)
	ctx := context.Background()
	next := samltest.NewIdP(t, f.idp.EntityID, 48*time.Hour)
	idps, err := f.st.ListIdentityProviders(ctx)
	if err != nil || len(idps) != 1 {
		t.Fatal(err)
	}
	_, err = f.svc.UpdateIdentityProvider(ctx, "test", idps[0].ID, oauth.IdPInput{
		Name: "Test IdP", ProviderName: "test-idp", EntityID: f.idp.EntityID,
		Certificates: append(f.idp.CertPEM(), next.CertPEM()...),
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, idp := range map[string]*samltest.IdP{"old key": f.idp, "new key": next} {
		xml := string(idp.Assertion(t, f.target, samltest.Options{NameID: "alice@example.com"}))
		i, j := strings.Index(xml, "<ds:KeyInfo>"), strings.Index(xml, "</ds:KeyInfo>")
		if i < 0 || j < 0 {
			t.Fatalf("%s: no KeyInfo in %s", name, xml)
		}
		for variant, text := range map[string]string{"with KeyInfo": xml, "without KeyInfo": xml[:i] + xml[j+len("</ds:KeyInfo>"):]} {
			rep, err := f.svc.CheckAssertion(ctx, text)
			if err != nil || !rep.Passed() {
				t.Errorf("%s %s: %v %+v", name, variant, err, statusOf(rep, oauth.CheckSignature))
			}
		}
	}
}
