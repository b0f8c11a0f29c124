// Package samltest mints SAML 2.0 assertions with a real identity provider
// implementation (github.com/crewjam/saml's IdentityProvider) for the tests of
// the SAML2 bearer grant, the assertion checker and its fuzz target. It is for
// tests only.
package samltest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"math/big"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// IdP is a test identity provider with its own key and self-signed certificate.
type IdP struct {
	IDP      *saml.IdentityProvider
	Key      *rsa.PrivateKey
	Cert     *x509.Certificate
	EntityID string
}

// NewIdP returns an identity provider whose entity ID (its SAML Issuer) is
// entityID, with a new 2048-bit RSA key and a certificate valid from an hour
// before now until validFor after it. It fails the test on error.
func NewIdP(t testing.TB, entityID string, validFor time.Duration) *IdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "Test IdP signing", Organization: []string{"Example Test"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(validFor),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	mdURL, err := url.Parse(entityID)
	if err != nil {
		t.Fatal(err)
	}
	ssoURL := *mdURL
	ssoURL.Path += "/sso"
	return &IdP{
		IDP:      &saml.IdentityProvider{Key: key, Certificate: cert, MetadataURL: *mdURL, SSOURL: ssoURL},
		Key:      key,
		Cert:     cert,
		EntityID: entityID,
	}
}

// CertPEM returns the IdP's signing certificate as PEM.
func (p *IdP) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Cert.Raw})
}

// MetadataXML returns the IdP's SAML metadata, as crewjam/saml publishes it.
func (p *IdP) MetadataXML(t testing.TB) []byte {
	t.Helper()
	b, err := xml.MarshalIndent(p.IDP.Metadata(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(xml.Header), b...)
}

// Target is the service provider an assertion is for.
type Target struct {
	Audience string // the OAuth2SAML Audience
	TokenURL string // the OAuth2SAML Token URL, the bearer Recipient
}

// Options change an assertion before it is signed.
type Options struct {
	NameID string
	// Mutate, when set, edits the assertion the IdP made before it is signed.
	Mutate func(a *saml.Assertion)
	// Unsigned skips the signature.
	Unsigned bool
	// SignatureMethod overrides the IdP's (RSA-SHA256 by default).
	SignatureMethod string
	// Canonicalizer, when set, signs with it instead of exclusive
	// canonicalization (dsig.MakeC14N10RecCanonicalizer() is inclusive).
	Canonicalizer dsig.Canonicalizer
}

// Assertion returns the XML of an assertion made and signed by the IdP's
// DefaultAssertionMaker and MakeAssertionEl for target, about NameID. It fails
// the test on error.
func (p *IdP) Assertion(t testing.TB, target Target, o Options) []byte {
	t.Helper()
	now := time.Now()
	idp := *p.IDP
	if o.SignatureMethod != "" {
		idp.SignatureMethod = o.SignatureMethod
	}
	req := &saml.IdpAuthnRequest{
		IDP:                     &idp,
		HTTPRequest:             httptest.NewRequest("POST", target.TokenURL, nil),
		Request:                 saml.AuthnRequest{ID: "", IssueInstant: now},
		ServiceProviderMetadata: &saml.EntityDescriptor{EntityID: target.Audience},
		SPSSODescriptor:         &saml.SPSSODescriptor{},
		ACSEndpoint:             &saml.IndexedEndpoint{Binding: saml.HTTPPostBinding, Location: target.TokenURL},
		Now:                     now,
	}
	session := &saml.Session{
		ID: "session-1", CreateTime: now, ExpireTime: now.Add(time.Hour), Index: "1",
		NameID: o.NameID, NameIDFormat: string(saml.UnspecifiedNameIDFormat),
	}
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, session); err != nil {
		t.Fatal(err)
	}
	// A bearer assertion for OAuth has no request it responds to.
	req.Assertion.Subject.SubjectConfirmations[0].SubjectConfirmationData.InResponseTo = ""
	if o.Mutate != nil {
		o.Mutate(req.Assertion)
	}
	var el *etree.Element
	switch {
	case o.Unsigned:
		el = req.Assertion.Element()
	case o.Canonicalizer != nil:
		el = p.signAssertion(t, req.Assertion, o.SignatureMethod, o.Canonicalizer)
	default:
		if err := req.MakeAssertionEl(); err != nil {
			t.Fatal(err)
		}
		el = req.AssertionEl
	}
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Encode returns the assertion parameter for xml: base64url without padding
// (RFC 7522 §2.1).
func Encode(doc []byte) string { return base64.RawURLEncoding.EncodeToString(doc) }
