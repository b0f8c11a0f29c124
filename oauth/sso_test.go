package oauth_test

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
)

// ssoFixture is a service with a trusted identity provider that has a
// SingleSignOnService, single sign-on through it by e-mail, and users.
type ssoFixture struct {
	svc     *oauth.Service
	st      store.Store
	idp     *samltest.IdP
	idpRec  store.IdentityProvider
	sp      samltest.SP
	browser string // the binding cookie of the browser the tests sign in with
}

func newSSOFixture(t testing.TB) *ssoFixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, sqlstore.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := oauth.New(oauth.Config{Store: st, BaseURL: samlBaseURL})
	if err != nil {
		t.Fatal(err)
	}
	idp := samltest.NewIdP(t, "https://idp.example.test/metadata", 24*time.Hour)
	rec, err := svc.CreateIdentityProvider(ctx, "test", oauth.IdPInput{
		Name: "Corporate IdP", ProviderName: "corporate", EntityID: idp.EntityID, Certificates: idp.CertPEM(),
		SSOURL: "https://idp.example.test/sso",
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, u := range []store.User{
		{ID: "u-jane", UserName: "JDOE", Active: true, Roles: []string{store.RoleAdministrator}, IdpUserID: "00u-jane",
			Emails: []store.Email{{Value: "jane.doe@example.com", Primary: true}}},
		{ID: "u-vic", UserName: "VIEWER", Active: true, Roles: []string{store.RoleViewer},
			Emails: []store.Email{{Value: "viewer@example.com", Primary: true}}},
		{ID: "u-gone", UserName: "GONE", Active: false, Roles: []string{store.RoleAdministrator},
			Emails: []store.Email{{Value: "gone@example.com", Primary: true}}},
		// A Technical User client's own user (with an address, so that the
		// fixture's e-mail mapping can name it).
		{ID: "u-etl", UserName: "ETL_USER", Active: true, Roles: []string{store.RoleAdministrator}, ClientID: "sb-etl",
			Emails: []store.Email{{Value: "etl@example.com", Primary: true}}},
	} {
		u.CreatedAt, u.UpdatedAt, u.Version = now, now, 1
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.EnableSSO(ctx, "test", oauth.SSOInput{IdPID: rec.ID, UserAttribute: store.UserAttributeEmail}, true); err != nil {
		t.Fatal(err)
	}
	f := &ssoFixture{svc: svc, st: st, idp: idp, idpRec: rec, browser: oauth.NewBrowserBinding()}
	f.sp = samltest.SP{EntityID: samlBaseURL, ACSURL: samlBaseURL + oauth.SAMLACSPath, EncryptionCert: f.encryptionCert(t)}
	return f
}

// encryptionCert reads the SP's encryption certificate from its metadata, as
// an identity provider does.
func (f *ssoFixture) encryptionCert(t testing.TB) *x509.Certificate {
	t.Helper()
	md, err := f.svc.SPMetadata(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	for _, kd := range ed.SPSSODescriptors[0].KeyDescriptors {
		if kd.Use == "encryption" {
			der, err := base64.StdEncoding.DecodeString(kd.KeyInfo.X509Data.X509Certificates[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	t.Fatal("the SP metadata has no encryption certificate")
	return nil
}

// start starts a sign-in in browser and returns the AuthnRequest's ID, read
// from the HTTP-Redirect URL the way an identity provider reads it.
func (f *ssoFixture) start(t testing.TB, browser, next string) string {
	t.Helper()
	r, err := f.svc.StartSSO(context.Background(), browser, next)
	if err != nil {
		t.Fatal(err)
	}
	return authnRequestOf(t, r).ID
}

func authnRequestOf(t testing.TB, r *oauth.SAMLRedirect) saml.AuthnRequest {
	t.Helper()
	u, err := url.Parse(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Query().Get("SigAlg") != dsig.RSASHA256SignatureMethod || u.Query().Get("Signature") == "" {
		t.Errorf("the AuthnRequest is not signed with RSA-SHA256: %s", r.URL)
	}
	deflated, err := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
	if err != nil {
		t.Fatal(err)
	}
	var req saml.AuthnRequest
	if err := xml.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	return req
}

// response returns a Response to request id about name, signed as most
// identity providers sign (Response and Assertion), changed by o.
func (f *ssoFixture) response(t testing.TB, id, name string, change func(*samltest.ResponseOptions)) string {
	t.Helper()
	o := samltest.ResponseOptions{NameID: name, InResponseTo: id, SignResponse: true, SignAssertion: true}
	if change != nil {
		change(&o)
	}
	return samltest.EncodeResponse(f.idp.Response(t, f.sp, o))
}

func (f *ssoFixture) consume(t testing.TB, browser, response string) (*oauth.SSOResult, *oauth.SSORefusal) {
	t.Helper()
	res, err := f.svc.ConsumeSAMLResponse(context.Background(), browser, response)
	if r := oauth.AsSSORefusal(err); r != nil {
		return nil, r
	}
	if err != nil {
		t.Fatal(err)
	}
	return res, nil
}

func TestSPMetadata(t *testing.T) {
	f := newSSOFixture(t)
	md, err := f.svc.SPMetadata(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	d := ed.SPSSODescriptors[0]
	if ed.EntityID != samlBaseURL || len(d.AssertionConsumerServices) != 1 ||
		d.AssertionConsumerServices[0].Location != samlBaseURL+"/saml/acs" || d.AssertionConsumerServices[0].Binding != saml.HTTPPostBinding {
		t.Errorf("entity ID %q, ACS %+v", ed.EntityID, d.AssertionConsumerServices)
	}
	uses := map[string]bool{}
	for _, kd := range d.KeyDescriptors {
		uses[kd.Use] = true
	}
	if !uses["signing"] || !uses["encryption"] || d.AuthnRequestsSigned == nil || !*d.AuthnRequestsSigned {
		t.Errorf("key descriptors %v, AuthnRequestsSigned %v", uses, d.AuthnRequestsSigned)
	}
	if len(d.NameIDFormats) != 3 {
		t.Errorf("NameID formats %v", d.NameIDFormats)
	}
	// The keys live in the store: a second service on it publishes the same.
	other, err := oauth.New(oauth.Config{Store: f.st, BaseURL: samlBaseURL})
	if err != nil {
		t.Fatal(err)
	}
	md2, err := other.SPMetadata(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ed2 saml.EntityDescriptor
	if err := xml.Unmarshal(md2, &ed2); err != nil {
		t.Fatal(err)
	}
	if ed2.SPSSODescriptors[0].KeyDescriptors[0].KeyInfo.X509Data.X509Certificates[0].Data !=
		d.KeyDescriptors[0].KeyInfo.X509Data.X509Certificates[0].Data {
		t.Error("a second service on the same store has other SP keys")
	}
	// The private keys are kept (as store secrets), never published.
	if bytes.Contains(md, []byte("PRIVATE")) {
		t.Error("the metadata holds a private key")
	}
}

// TestACSAcceptsWhatIdPsSend: the Response signed, the Assertion signed, or
// both; exclusive or inclusive canonicalization (1.0 and 1.1); an encrypted
// assertion; the user named by NameID or by a SAML attribute.
func TestACSAcceptsWhatIdPsSend(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*samltest.ResponseOptions)
	}{
		{"Response and Assertion signed", nil},
		{"Response-only signature", func(o *samltest.ResponseOptions) { o.SignAssertion = false }},
		{"Assertion-only signature", func(o *samltest.ResponseOptions) { o.SignResponse = false }},
		{"inclusive canonicalization 1.0", func(o *samltest.ResponseOptions) { o.Canonicalizer = dsig.MakeC14N10RecCanonicalizer() }},
		{"inclusive canonicalization 1.1", func(o *samltest.ResponseOptions) { o.Canonicalizer = dsig.MakeC14N11Canonicalizer() }},
		{"inclusive canonicalization, Assertion-only", func(o *samltest.ResponseOptions) {
			o.Canonicalizer, o.SignResponse = dsig.MakeC14N10RecCanonicalizer(), false
		}},
		{"encrypted assertion", func(o *samltest.ResponseOptions) { o.Encrypt = true }},
		{"encrypted assertion, Response-only signature", func(o *samltest.ResponseOptions) { o.Encrypt, o.SignAssertion = true, false }},
		{"encrypted assertion, Assertion-only signature", func(o *samltest.ResponseOptions) { o.Encrypt, o.SignResponse = true, false }},
		{"RSA-SHA512", func(o *samltest.ResponseOptions) { o.SignatureMethod = dsig.RSASHA512SignatureMethod }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSSOFixture(t)
			id := f.start(t, f.browser, "/admin/users")
			res, refused := f.consume(t, f.browser, f.response(t, id, "jane.doe@example.com", tc.change))
			if refused != nil {
				t.Fatalf("refused: %s: %s", refused.Check.ID, refused.Check.Reason)
			}
			if res.User.UserName != "JDOE" || res.Next != "/admin/users" || res.Purpose != store.SAMLPurposeSignIn || res.IdPInitiated {
				t.Errorf("result %+v", res)
			}
		})
	}

	t.Run("by SAML attribute", func(t *testing.T) {
		f := newSSOFixture(t)
		ctx := context.Background()
		if _, err := f.svc.EnableSSO(ctx, "test", oauth.SSOInput{IdPID: f.idpRec.ID, UserAttribute: store.UserAttributeIdpUserID,
			SAMLAttribute: "http://schemas.microsoft.com/identity/claims/objectidentifier"}, true); err != nil {
			t.Fatal(err)
		}
		id := f.start(t, f.browser, "")
		res, refused := f.consume(t, f.browser, f.response(t, id, "someone-else@example.com", func(o *samltest.ResponseOptions) {
			o.Attributes = map[string]string{"http://schemas.microsoft.com/identity/claims/objectidentifier": "00u-jane"}
		}))
		if refused != nil || res.User.UserName != "JDOE" {
			t.Fatalf("%+v %+v", res, refused)
		}
	})
}

// TestACSRefusals: one test per refusal; each names its check and is in the
// audit log.
func TestACSRefusals(t *testing.T) {
	other := samltest.NewIdP(t, "https://idp.example.test/metadata", 24*time.Hour) // same issuer, another key
	for _, tc := range []struct {
		name, check, reason string
		browser             string // "" for the fixture's
		id                  func(f *ssoFixture, id string) string
		change              func(o *samltest.ResponseOptions)
		nameID              string
	}{
		{name: "unsigned", check: oauth.CheckSignature, reason: "unsigned",
			change: func(o *samltest.ResponseOptions) { o.SignResponse, o.SignAssertion = false, false }},
		{name: "SHA-1", check: oauth.CheckSignature, reason: "SHA-1",
			change: func(o *samltest.ResponseOptions) { o.SignatureMethod = dsig.RSASHA1SignatureMethod }},
		{name: "canonicalization with comments", check: oauth.CheckSignature, reason: "canonicalization",
			change: func(o *samltest.ResponseOptions) { o.Canonicalizer = dsig.MakeC14N11WithCommentsCanonicalizer() }},
		{name: "wrong Destination", check: oauth.CheckDestination, reason: "wrong Destination",
			change: func(o *samltest.ResponseOptions) {
				o.MutateResponse = func(r *saml.Response) { r.Destination = "https://other.example.com/saml/acs" }
			}},
		{name: "wrong Recipient", check: oauth.CheckConfirmation, reason: "recipient mismatch",
			change: func(o *samltest.ResponseOptions) {
				o.Mutate = func(a *saml.Assertion) {
					a.Subject.SubjectConfirmations[0].SubjectConfirmationData.Recipient = "https://other.example.com/saml/acs"
				}
			}},
		{name: "wrong Audience", check: oauth.CheckAudience, reason: "audience mismatch",
			change: func(o *samltest.ResponseOptions) {
				o.Mutate = func(a *saml.Assertion) {
					a.Conditions.AudienceRestrictions[0].Audience.Value = "https://other.example.com"
				}
			}},
		{name: "expired", check: oauth.CheckConditions, reason: "expired",
			change: func(o *samltest.ResponseOptions) {
				o.Mutate = func(a *saml.Assertion) { a.Conditions.NotOnOrAfter = time.Now().Add(-time.Hour) }
			}},
		{name: "subject confirmation expired", check: oauth.CheckConfirmation, reason: "expired",
			change: func(o *samltest.ResponseOptions) {
				o.Mutate = func(a *saml.Assertion) {
					a.Subject.SubjectConfirmations[0].SubjectConfirmationData.NotOnOrAfter = time.Now().Add(-time.Hour)
				}
			}},
		{name: "not yet valid", check: oauth.CheckConditions, reason: "not yet valid",
			change: func(o *samltest.ResponseOptions) {
				o.Mutate = func(a *saml.Assertion) { a.Conditions.NotBefore = time.Now().Add(time.Hour) }
			}},
		{name: "InResponseTo from another browser", check: oauth.CheckRequest, reason: "another browser",
			browser: oauth.NewBrowserBinding()},
		{name: "InResponseTo of no request", check: oauth.CheckRequest, reason: "matches no sign-in",
			id: func(*ssoFixture, string) string { return "id-never-sent" }},
		{name: "assertion answers another request", check: oauth.CheckConfirmation, reason: "InResponseTo mismatch",
			change: func(o *samltest.ResponseOptions) {
				o.Mutate = func(a *saml.Assertion) {
					a.Subject.SubjectConfirmations[0].SubjectConfirmationData.InResponseTo = "id-other"
				}
			}},
		{name: "IdP-initiated", check: oauth.CheckRequest, reason: "IdP-initiated sign-in refused",
			id: func(*ssoFixture, string) string { return "" }},
		{name: "foreign signature", check: oauth.CheckSignature, reason: "not a signing certificate",
			change: func(o *samltest.ResponseOptions) { o.SignResponse = false }, nameID: "foreign"},
		{name: "unknown user", check: oauth.CheckUser, reason: "unknown user", nameID: "nobody@example.com"},
		{name: "inactive user", check: oauth.CheckUser, reason: "inactive user", nameID: "gone@example.com"},
		{name: "technical user", check: oauth.CheckUser, reason: "technical user", nameID: "etl@example.com"},
		{name: "identity provider refused", check: oauth.CheckResponse, reason: "did not sign the user in",
			change: func(o *samltest.ResponseOptions) {
				o.MutateResponse = func(r *saml.Response) { r.Status.StatusCode.Value = saml.StatusRequester }
			}},
		{name: "encrypted to another key", check: oauth.CheckDecryption, reason: "cannot be decrypted",
			change: func(o *samltest.ResponseOptions) { o.Encrypt = true }, nameID: "other-key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSSOFixture(t)
			browser := f.browser
			if tc.browser != "" {
				browser = tc.browser
			}
			id := f.start(t, f.browser, "/admin/app-integration")
			if tc.id != nil {
				id = tc.id(f, id)
			}
			name := "jane.doe@example.com"
			if tc.nameID != "" && strings.Contains(tc.nameID, "@") {
				name = tc.nameID
			}
			var response string
			switch tc.nameID {
			case "foreign":
				o := samltest.ResponseOptions{NameID: name, InResponseTo: id, SignAssertion: true}
				response = samltest.EncodeResponse(other.Response(t, f.sp, o))
			case "other-key":
				sp := f.sp
				sp.EncryptionCert = other.Cert
				o := samltest.ResponseOptions{NameID: name, InResponseTo: id, SignResponse: true, SignAssertion: true, Encrypt: true}
				response = samltest.EncodeResponse(f.idp.Response(t, sp, o))
			default:
				response = f.response(t, id, name, tc.change)
			}
			res, refused := f.consume(t, browser, response)
			if refused == nil {
				t.Fatalf("accepted: %+v", res)
			}
			if refused.Check.ID != tc.check || !strings.Contains(refused.Check.Reason, tc.reason) {
				t.Errorf("refused by %s: %q; want %s: …%s…", refused.Check.ID, refused.Check.Reason, tc.check, tc.reason)
			}
			audit, err := f.st.ListAudit(context.Background(), store.AuditFilter{Action: "sso.refused"})
			if err != nil {
				t.Fatal(err)
			}
			if len(audit) != 1 || !strings.Contains(audit[0].Detail, "check="+tc.check) {
				t.Errorf("audit %+v", audit)
			}
		})
	}
}

// TestACSReplay: a Response works once, also when posted again in the same
// browser, and an assertion ID the SAML2 bearer grant recorded is refused at
// the ACS: the replay cache is one.
func TestACSReplay(t *testing.T) {
	f := newSSOFixture(t)
	id := f.start(t, f.browser, "")
	resp := f.response(t, id, "jane.doe@example.com", nil)
	if _, refused := f.consume(t, f.browser, resp); refused != nil {
		t.Fatalf("first use refused: %+v", refused)
	}
	_, refused := f.consume(t, f.browser, resp)
	if refused == nil || refused.Check.ID != oauth.CheckReplay || !strings.Contains(refused.Check.Reason, "replay") {
		t.Fatalf("replayed Response: %+v", refused)
	}

	id = f.start(t, f.browser, "")
	var assertionID string
	resp = f.response(t, id, "jane.doe@example.com", func(o *samltest.ResponseOptions) {
		o.Mutate = func(a *saml.Assertion) { assertionID = a.ID }
	})
	if err := f.st.UseAssertionID(context.Background(), f.idp.EntityID, assertionID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, refused := f.consume(t, f.browser, resp); refused == nil || refused.Check.ID != oauth.CheckReplay {
		t.Errorf("an assertion ID recorded by the bearer grant: %+v", refused)
	}
}

// TestACSIdPInitiatedWhenAllowed: allowed on the Security tab, a Response
// without InResponseTo signs the user in.
func TestACSIdPInitiatedWhenAllowed(t *testing.T) {
	f := newSSOFixture(t)
	if _, err := f.svc.EnableSSO(context.Background(), "test", oauth.SSOInput{IdPID: f.idpRec.ID,
		UserAttribute: store.UserAttributeEmail, AllowIdPInitiated: true}, true); err != nil {
		t.Fatal(err)
	}
	res, refused := f.consume(t, "", f.response(t, "", "jane.doe@example.com", nil))
	if refused != nil || !res.IdPInitiated || res.User.UserName != "JDOE" {
		t.Fatalf("%+v %+v", res, refused)
	}
}

// TestInclusiveCanonicalizationBearer: the SAML2 bearer grant and the
// assertion checker accept what the ACS accepts: inclusive canonicalization.
func TestInclusiveCanonicalizationBearer(t *testing.T) {
	f := newSAMLFixture(t)
	for _, c14n := range []dsig.Canonicalizer{dsig.MakeC14N10RecCanonicalizer(), dsig.MakeC14N11Canonicalizer()} {
		a := f.idp.Assertion(t, f.target, samltest.Options{NameID: "alice@example.com", Canonicalizer: c14n})
		rep, err := f.svc.CheckAssertion(context.Background(), string(a))
		if err != nil || !rep.Passed() {
			t.Errorf("%s: %v %+v", c14n.Algorithm(), err, rep.FirstFailure())
		}
	}
	a := f.idp.Assertion(t, f.target, samltest.Options{NameID: "alice@example.com", Canonicalizer: dsig.MakeC14N10WithCommentsCanonicalizer()})
	rep, err := f.svc.CheckAssertion(context.Background(), string(a))
	if err != nil || rep.Passed() || !strings.Contains(statusOf(rep, oauth.CheckSignature).Reason, "canonicalization") {
		t.Errorf("with comments: %v %+v", err, rep.FirstFailure())
	}
}

// TestSSOVerification: the settings can be saved only after a sign-in with
// them resolved to a DW Administrator; one that resolves to nobody, or to a
// non-administrator, cannot be saved.
func TestSSOVerification(t *testing.T) {
	f := newSSOFixture(t)
	ctx := context.Background()
	if _, err := f.svc.DisableSSO(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	admin := store.User{ID: "u-admin", UserName: "ADMIN"}
	byName := oauth.SSOInput{IdPID: f.idpRec.ID, UserAttribute: store.UserAttributeUserName}
	byEmail := oauth.SSOInput{IdPID: f.idpRec.ID, UserAttribute: store.UserAttributeEmail}
	verify := func(in oauth.SSOInput, nameID string) *oauth.SSORefusal {
		t.Helper()
		r, err := f.svc.StartSSOVerification(ctx, admin, f.browser, in)
		if err != nil {
			t.Fatal(err)
		}
		res, refused := f.consume(t, f.browser, f.response(t, authnRequestOf(t, r).ID, nameID, nil))
		if refused == nil && res.Purpose != store.SAMLPurposeVerify {
			t.Errorf("a verification signed in: %+v", res)
		}
		return refused
	}
	save := func(in oauth.SSOInput) error {
		_, err := f.svc.EnableSSO(ctx, "ADMIN", in, false)
		return err
	}
	wantRefused := func(what string, err error, want string) {
		t.Helper()
		ve := oauth.AsValidationError(err)
		if ve == nil || !strings.Contains(ve.Fields[oauth.FieldSSOVerification], want) {
			t.Errorf("%s: %v, want the verification refused with …%s…", what, err, want)
		}
	}

	wantRefused("not verified", save(byEmail), "Verify your account")
	// By user name the e-mail NameID resolves to nobody.
	if refused := verify(byName, "jane.doe@example.com"); refused == nil || refused.Check.ID != oauth.CheckUser {
		t.Fatalf("verification resolving to nobody: %+v", refused)
	}
	wantRefused("resolved to nobody", save(byName), "failed: unknown user")
	// By e-mail it resolves to a viewer.
	if refused := verify(byEmail, "viewer@example.com"); refused != nil {
		t.Fatal(refused)
	}
	wantRefused("resolved to a viewer", save(byEmail), "does not hold DW Administrator")
	// Other settings than the verified ones.
	if refused := verify(byEmail, "jane.doe@example.com"); refused != nil {
		t.Fatal(refused)
	}
	wantRefused("other settings", save(byName), "Verify your account")
	cfg, err := f.svc.SSO(ctx)
	if err != nil || cfg.Enabled {
		t.Fatalf("refused saves enabled single sign-on: %+v %v", cfg, err)
	}
	if err := save(byEmail); err != nil {
		t.Fatalf("verified as an administrator: %v", err)
	}
	if cfg, err = f.svc.SSO(ctx); err != nil || !cfg.Enabled || cfg.UserAttribute != store.UserAttributeEmail {
		t.Fatalf("after saving: %+v %v", cfg, err)
	}
	audit, err := f.st.ListAudit(ctx, store.AuditFilter{Action: "sso.enabled"})
	if err != nil || len(audit) == 0 || !strings.Contains(audit[0].Detail, "verified as JDOE") {
		t.Errorf("audit %+v %v", audit, err)
	}
}

// TestSSOInputRules: an identity provider without a SingleSignOnService
// cannot be chosen, and the one users sign in through cannot be deleted.
func TestSSOInputRules(t *testing.T) {
	f := newSSOFixture(t)
	ctx := context.Background()
	bearerOnly, err := f.svc.CreateIdentityProvider(ctx, "test", oauth.IdPInput{Name: "Bearer only", ProviderName: "bearer-only",
		Certificates: f.idp.CertPEM()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.EnableSSO(ctx, "test", oauth.SSOInput{IdPID: bearerOnly.ID, UserAttribute: store.UserAttributeEmail}, true)
	if ve := oauth.AsValidationError(err); ve == nil || !strings.Contains(ve.Fields[oauth.FieldSSOIdP], "no Single Sign-On Service") {
		t.Errorf("an IdP without SingleSignOnService: %v", err)
	}
	if err := f.svc.DeleteIdentityProvider(ctx, "test", f.idpRec.ID); !errors.Is(err, oauth.ErrIdPInUse) {
		t.Errorf("deleting the IdP users sign in through: %v", err)
	}
}

// BenchmarkConsumeSAMLResponse measures the ACS on one Response (Response
// and Assertion signed, RSA-2048), plain and encrypted; making the Response
// (the IdP's work) is not timed.
func BenchmarkConsumeSAMLResponse(b *testing.B) {
	for _, tc := range []struct {
		name    string
		encrypt bool
	}{{"signed", false}, {"signed+encrypted", true}} {
		b.Run(tc.name, func(b *testing.B) {
			f := newSSOFixture(b)
			for b.Loop() {
				b.StopTimer()
				id := f.start(b, f.browser, "")
				resp := f.response(b, id, "jane.doe@example.com", func(o *samltest.ResponseOptions) { o.Encrypt = tc.encrypt })
				b.StartTimer()
				if _, refused := f.consume(b, f.browser, resp); refused != nil {
					b.Fatal(refused)
				}
			}
		})
	}
}

// TestMetadataKeepsSingleSignOnService: the HTTP-Redirect SingleSignOnService,
// else the HTTP-POST one; none for an IdP that has neither.
func TestMetadataKeepsSingleSignOnService(t *testing.T) {
	f := newSSOFixture(t)
	md := string(f.idp.MetadataXML(t))
	got, err := f.svc.ParseIdPMetadata([]byte(md))
	if err != nil || got.SSOURL != f.idp.IDP.SSOURL.String() || got.SSOBinding != saml.HTTPRedirectBinding {
		t.Errorf("with both bindings: %q %q %v", got.SSOURL, got.SSOBinding, err)
	}
	postOnly := strings.ReplaceAll(md, saml.HTTPRedirectBinding, "urn:example:other")
	if got, err := f.svc.ParseIdPMetadata([]byte(postOnly)); err != nil || got.SSOBinding != saml.HTTPPostBinding {
		t.Errorf("HTTP-POST only: %q %v", got.SSOBinding, err)
	}
	neither := strings.ReplaceAll(postOnly, saml.HTTPPostBinding, "urn:example:other")
	if got, err := f.svc.ParseIdPMetadata([]byte(neither)); err != nil || got.SSOURL != "" {
		t.Errorf("no usable binding: %q %v", got.SSOURL, err)
	}
}

// TestStartSSOWithPostBinding: an IdP that takes only HTTP-POST gets a form
// with the AuthnRequest, XML-signed, whose Response is then accepted.
func TestStartSSOWithPostBinding(t *testing.T) {
	f := newSSOFixture(t)
	ctx := context.Background()
	_, err := f.svc.UpdateIdentityProvider(ctx, "test", f.idpRec.ID, oauth.IdPInput{
		Name: f.idpRec.Name, ProviderName: f.idpRec.ProviderName, EntityID: f.idpRec.EntityID,
		Certificates: f.idp.CertPEM(), SSOURL: "https://idp.example.test/sso/post", SSOBinding: saml.HTTPPostBinding,
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.StartSSO(ctx, f.browser, "/admin/users")
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(r.SAMLRequest)
	if err != nil || !r.Post || r.URL != "https://idp.example.test/sso/post" || !bytes.Contains(b, []byte(dsig.RSASHA256SignatureMethod)) {
		t.Fatalf("POST binding: %+v %v %.200s", r, err, b)
	}
	var req saml.AuthnRequest
	if err := xml.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	if res, refused := f.consume(t, f.browser, f.response(t, req.ID, "jane.doe@example.com", nil)); refused != nil || res.Next != "/admin/users" {
		t.Errorf("%+v %+v", res, refused)
	}
}
