package samltest

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/xmlenc"
	dsig "github.com/russellhaering/goxmldsig"
)

// SP is the service provider a Response is for.
type SP struct {
	EntityID string // the Audience
	ACSURL   string // Destination and Recipient
	// EncryptionCert is the SP's encryption certificate, for Encrypt.
	EncryptionCert *x509.Certificate
}

// ResponseOptions shape a Response (SAML Web SSO, saml-profiles §4.1).
type ResponseOptions struct {
	NameID string
	// Attributes are added to the assertion's AttributeStatement.
	Attributes map[string]string
	// InResponseTo is the ID of the AuthnRequest answered; "" for an
	// IdP-initiated Response.
	InResponseTo string
	// SignResponse and SignAssertion say what is signed.
	SignResponse, SignAssertion bool
	// Encrypt sends an EncryptedAssertion to SP.EncryptionCert.
	Encrypt bool
	// Canonicalizer is the canonicalization of both signatures; exclusive
	// when nil.
	Canonicalizer dsig.Canonicalizer
	// SignatureMethod is RSA-SHA256 when empty.
	SignatureMethod string
	// Mutate edits the assertion before it is signed; MutateResponse the
	// Response before it is signed.
	Mutate         func(a *saml.Assertion)
	MutateResponse func(r *saml.Response)
}

// Response returns the XML of a Response of the IdP for sp: an assertion made
// by crewjam/saml's DefaultAssertionMaker, signed, encrypted and wrapped as o
// says. It fails the test on error.
func (p *IdP) Response(t testing.TB, sp SP, o ResponseOptions) []byte {
	t.Helper()
	now := time.Now()
	req := &saml.IdpAuthnRequest{
		IDP:                     p.IDP,
		HTTPRequest:             httptest.NewRequest("POST", sp.ACSURL, nil),
		Request:                 saml.AuthnRequest{ID: o.InResponseTo, IssueInstant: now},
		ServiceProviderMetadata: &saml.EntityDescriptor{EntityID: sp.EntityID},
		SPSSODescriptor:         &saml.SPSSODescriptor{},
		ACSEndpoint:             &saml.IndexedEndpoint{Binding: saml.HTTPPostBinding, Location: sp.ACSURL},
		Now:                     now,
	}
	session := &saml.Session{
		ID: "session-1", CreateTime: now, ExpireTime: now.Add(time.Hour), Index: "1",
		NameID: o.NameID, NameIDFormat: string(saml.EmailAddressNameIDFormat),
	}
	for name, value := range o.Attributes {
		session.CustomAttributes = append(session.CustomAttributes, saml.Attribute{
			Name: name, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
			Values: []saml.AttributeValue{{Type: "xs:string", Value: value}},
		})
	}
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, session); err != nil {
		t.Fatal(err)
	}
	if o.Mutate != nil {
		o.Mutate(req.Assertion)
	}
	c14n := o.Canonicalizer
	if c14n == nil {
		c14n = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	}
	resp := &saml.Response{
		Destination: sp.ACSURL, ID: fmt.Sprintf("id-resp-%d", now.UnixNano()), InResponseTo: o.InResponseTo,
		IssueInstant: now, Version: "2.0",
		Issuer: &saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: p.EntityID},
		Status: saml.Status{StatusCode: saml.StatusCode{Value: saml.StatusSuccess}},
	}
	if o.MutateResponse != nil {
		o.MutateResponse(resp)
	}
	assertionEl := req.Assertion.Element()
	if o.SignAssertion {
		// An assertion in a Response is signed where it stands, with the
		// namespaces the Response declares in scope (inclusive
		// canonicalization renders them); an encrypted one stands alone.
		var scope []etree.Attr
		if !o.Encrypt {
			for _, a := range resp.Element().Attr {
				if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
					scope = append(scope, a)
				}
			}
		}
		assertionEl = p.signAssertionIn(t, req.Assertion, o.SignatureMethod, c14n, scope)
	}
	if o.Encrypt {
		doc := etree.NewDocument()
		doc.SetRoot(assertionEl)
		plain, err := doc.WriteToBytes()
		if err != nil {
			t.Fatal(err)
		}
		enc := xmlenc.OAEP()
		enc.BlockCipher = xmlenc.AES256GCM
		data, err := enc.Encrypt(sp.EncryptionCert, plain, nil)
		if err != nil {
			t.Fatal(err)
		}
		data.CreateAttr("Type", "http://www.w3.org/2001/04/xmlenc#Element")
		assertionEl = etree.NewElement("saml:EncryptedAssertion")
		assertionEl.CreateAttr("xmlns:saml", "urn:oasis:names:tc:SAML:2.0:assertion")
		assertionEl.AddChild(data)
	}
	el := resp.Element()
	el.AddChild(assertionEl)
	if o.SignResponse {
		signed, err := p.signingContext(t, o.SignatureMethod, c14n).SignEnveloped(el)
		if err != nil {
			t.Fatal(err)
		}
		resp.Signature = signed.ChildElements()[len(signed.ChildElements())-1]
		el = resp.Element()
		el.AddChild(assertionEl)
	}
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// EncodeResponse returns the SAMLResponse form value of a Response: base64
// (saml-bindings §3.5.4).
func EncodeResponse(doc []byte) string { return base64.StdEncoding.EncodeToString(doc) }

// signingContext signs with the IdP's key, method (RSA-SHA256 when empty) and
// c14n.
func (p *IdP) signingContext(t testing.TB, method string, c14n dsig.Canonicalizer) *dsig.SigningContext {
	t.Helper()
	ctx, err := dsig.NewSigningContext(p.Key, [][]byte{p.Cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	if method == "" {
		method = dsig.RSASHA256SignatureMethod
	}
	if err := ctx.SetSignatureMethod(method); err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = c14n
	return ctx
}

// signAssertion signs a, standing alone, placing the Signature after the
// Issuer as the schema wants, and returns its element.
func (p *IdP) signAssertion(t testing.TB, a *saml.Assertion, method string, c14n dsig.Canonicalizer) *etree.Element {
	t.Helper()
	return p.signAssertionIn(t, a, method, c14n, nil)
}

// signAssertionIn is signAssertion for an assertion that will stand where
// the namespace declarations scope are in scope.
func (p *IdP) signAssertionIn(t testing.TB, a *saml.Assertion, method string, c14n dsig.Canonicalizer, scope []etree.Attr) *etree.Element {
	t.Helper()
	el := a.Element()
	for _, ns := range scope {
		if el.SelectAttr(ns.FullKey()) == nil {
			el.CreateAttr(ns.FullKey(), ns.Value)
		}
	}
	signed, err := p.signingContext(t, method, c14n).SignEnveloped(el)
	if err != nil {
		t.Fatal(err)
	}
	a.Signature = signed.ChildElements()[len(signed.ChildElements())-1]
	return a.Element()
}
