package oauth

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/xmlenc"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/appintegration/appintegration/store"
)

// The checks of a Response at the Assertion Consumer Service (docs/contract.md,
// "Sign-in") that the SAML2 bearer grant does not have; the others (signature,
// audience, subject confirmation, conditions, user, replay) are its checks,
// run by the same code.
const (
	CheckResponse    = "response"
	CheckRequest     = "request"
	CheckDecryption  = "decryption"
	CheckDestination = "destination"
)

var ssoCheckNames = map[string]string{
	CheckDecode:       "Encoding",
	CheckXML:          "XML safety",
	CheckResponse:     "SAML 2.0 Response",
	CheckRequest:      "Request of this browser",
	CheckDecryption:   "Decryption",
	CheckSignature:    "Signature",
	CheckIssuer:       "Identity provider",
	CheckDestination:  "Destination",
	CheckAudience:     "Audience",
	CheckConfirmation: "Bearer subject confirmation",
	CheckConditions:   "Validity period",
	CheckUser:         "User",
	CheckReplay:       "Not used before",
}

var ssoCheckOrder = []string{
	CheckDecode, CheckXML, CheckResponse, CheckRequest, CheckDecryption, CheckSignature, CheckIssuer,
	CheckDestination, CheckAudience, CheckConfirmation, CheckConditions, CheckUser, CheckReplay,
}

// MaxSAMLResponseSize is the largest SAMLResponse the ACS takes, in bytes of
// its base64 form: an encrypted, signed Response with a user's groups fits.
const MaxSAMLResponseSize = 192 << 10

const (
	samlProtocolNS = "urn:oasis:names:tc:SAML:2.0:protocol"
	xmlEncNS       = "http://www.w3.org/2001/04/xmlenc#"
)

// SSOResult is a Response the ACS accepted.
type SSOResult struct {
	// Purpose is store.SAMLPurposeSignIn (sign User in) or
	// store.SAMLPurposeVerify (a verification, recorded; nobody is signed in).
	Purpose string
	User    store.User
	IdP     store.IdentityProvider
	// Next is the local path the sign-in started from; "" for an
	// IdP-initiated one.
	Next string
	// IdPInitiated: the Response answered no request of this service.
	IdPInitiated bool
}

// SSORefusal is a Response the ACS refused: the check that failed and why
// (never the assertion itself). Every refusal is in the audit log.
type SSORefusal struct {
	Check   AssertionCheck
	IdPName string // "" when the Response was refused before its IdP was known
	// Verification is set when the Response answered a verification, whose
	// failure is recorded for the Security tab.
	Verification bool
}

func (e *SSORefusal) Error() string {
	return "oauth: SAML Response refused: " + e.Check.ID + ": " + e.Check.Reason
}

// AsSSORefusal returns err as an *SSORefusal, or nil.
func AsSSORefusal(err error) *SSORefusal {
	var r *SSORefusal
	if errors.As(err, &r) {
		return r
	}
	return nil
}

// acsRun is one Response being checked.
type acsRun struct {
	e       *evaluator
	now     time.Time
	cfg     store.SSOConfig
	req     *store.SAMLRequest // nil for an IdP-initiated Response
	idp     store.IdentityProvider
	purpose string
	attr    string // the user attribute and SAML attribute the user is found by
	samlAtt string
}

// ConsumeSAMLResponse is the Assertion Consumer Service (SAML Web SSO,
// saml-profiles §4.1, HTTP-POST binding): it checks the posted SAMLResponse
// in the browser whose binding cookie holds browser, and returns who signed
// in (or what a verification resolved to). Accepted: the Response signed, the
// Assertion signed, or both (RSA-SHA256 or stronger; exclusive or inclusive
// canonicalization, without comments), the Assertion plain or encrypted to
// this service's encryption key. Refused, as an *SSORefusal that names the
// check: anything else, an InResponseTo that matches no request this service
// sent in this browser (IdP-initiated unless allowed), a wrong Destination,
// Recipient or Audience, time conditions that do not hold (±5 minutes), an
// assertion ID used before (by the ACS or the SAML2 bearer grant, on any
// instance), an unknown or inactive user. Every refusal is audited. Only a
// store failure is returned as another error.
func (s *Service) ConsumeSAMLResponse(ctx context.Context, browser, samlResponse string) (*SSOResult, error) {
	cfg, err := s.SSO(ctx)
	if err != nil {
		return nil, err
	}
	run := &acsRun{e: newEvaluator(true), now: s.now(), cfg: cfg}
	run.e.names, run.e.order = ssoCheckNames, ssoCheckOrder
	res, err := s.evaluateResponse(ctx, run, browser, samlResponse)
	if err != nil {
		return nil, err
	}
	verify := run.req != nil && run.purpose == store.SAMLPurposeVerify
	if f := run.e.rep.FirstFailure(); f != nil || res == nil {
		check := AssertionCheck{ID: CheckResponse, Name: ssoCheckNames[CheckResponse], Status: CheckFailed, Reason: "refused"}
		if f != nil {
			check = *f
		}
		refusal := &SSORefusal{Check: check, IdPName: run.idp.Name, Verification: verify}
		detail := fmt.Sprintf("check=%s: %s", check.ID, check.Reason)
		if verify {
			s.recordVerification(ctx, run, store.User{}, check.Reason)
			detail = "verification; " + detail
		}
		s.audit(ctx, "saml", "sso.refused", run.idp.Name, truncate(detail, 600))
		return nil, refusal
	}
	if verify {
		s.recordVerification(ctx, run, res.User, "")
		s.audit(ctx, "saml", "sso.verified", run.idp.Name, fmt.Sprintf("resolved to %s; DW Administrator: %t; user_attribute=%s saml_attribute=%q",
			res.User.UserName, IsAdministrator(res.User), run.attr, run.samlAtt))
	}
	return res, nil
}

// recordVerification keeps the outcome of a verification for the Security tab.
// A failure to write it is logged: the page then asks to verify again.
func (s *Service) recordVerification(ctx context.Context, run *acsRun, u store.User, failure string) {
	v := store.SSOVerification{IdPID: run.req.IdPID, UserAttribute: run.attr, SAMLAttribute: run.samlAtt,
		UserID: u.ID, Failure: failure, By: run.req.StartedBy, At: run.now.UTC()}
	if _, err := s.store.UpdateSSOConfig(ctx, func(c store.SSOConfig) (store.SSOConfig, error) {
		c.Verification = v
		return c, nil
	}); err != nil {
		s.log.ErrorContext(ctx, "recording a single sign-on verification failed", "err", err)
	}
}

// evaluateResponse runs the checks in order and stops at the first failure
// (then the result is nil). Only store failures are returned as errors.
func (s *Service) evaluateResponse(ctx context.Context, run *acsRun, browser, samlResponse string) (*SSOResult, error) {
	e := run.e
	raw := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, samlResponse)
	var data []byte
	var err error
	switch {
	case raw == "":
		e.fail(CheckDecode, "no Response: the form has no SAMLResponse")
	case len(raw) > MaxSAMLResponseSize:
		e.fail(CheckDecode, "the SAMLResponse is larger than %d KiB", MaxSAMLResponseSize>>10)
	default:
		if data, err = base64.StdEncoding.DecodeString(raw); err != nil {
			e.fail(CheckDecode, "the SAMLResponse is not base64 (saml-bindings §3.5.4)")
		}
	}
	if e.stop {
		return nil, nil
	}
	e.pass(CheckDecode, "Decoded %d bytes of XML.", len(data))

	doc, err := parseXML(data)
	if err != nil {
		e.fail(CheckXML, "unsafe or malformed XML: %s", err)
		return nil, nil
	}
	e.pass(CheckXML, "Well-formed, one root element, no DTD or entity declarations.")
	root := doc.Root()

	resp, assertionEl, reason := readResponse(root)
	if reason != "" {
		e.fail(CheckResponse, "%s", reason)
		return nil, nil
	}
	e.pass(CheckResponse, "SAML 2.0 Response %s, status Success.", truncate(resp.ID, 80))

	if err := s.checkRequest(ctx, run, browser, resp.InResponseTo); err != nil || e.stop {
		return nil, err
	}

	assertion, responseEl, reason := s.verifyResponse(ctx, run, root, assertionEl)
	if reason != "" || e.stop {
		return nil, nil
	}
	if responseEl != root {
		// The Response is signed: read it again from what the signature covers.
		if resp, _, reason = readResponse(responseEl); reason != "" || resp.InResponseTo != inResponseTo(run.req) {
			e.fail(CheckSignature, "the signed Response differs from the one read")
			return nil, nil
		}
	}
	issuer := strings.TrimSpace(assertion.Issuer.Value)
	e.rep.AssertionID, e.rep.Issuer = assertion.ID, issuer
	switch {
	case resp.Issuer != nil && !issuerIs(run.idp, strings.TrimSpace(resp.Issuer.Value)):
		e.fail(CheckIssuer, "foreign issuer: the Response's Issuer %q is not “%s”", truncate(resp.Issuer.Value, 200), run.idp.Name)
	case !issuerIs(run.idp, issuer):
		e.fail(CheckIssuer, "foreign issuer: the Assertion's Issuer %q is not “%s”", truncate(issuer, 200), run.idp.Name)
	default:
		e.pass(CheckIssuer, "Issued by “%s”.", run.idp.Name)
	}
	if e.stop {
		return nil, nil
	}

	// saml-bindings §3.5.5.2: a signed Response names where it is sent.
	acs := s.baseURL + SAMLACSPath
	switch {
	case resp.Destination == "" && responseEl != root:
		e.fail(CheckDestination, "wrong Destination: the signed Response has none; it must be this service's Assertion Consumer Service %s", acs)
	case resp.Destination != "" && resp.Destination != acs:
		e.fail(CheckDestination, "wrong Destination: the Response is for %s, not this service's Assertion Consumer Service %s", truncate(resp.Destination, 200), acs)
	default:
		e.pass(CheckDestination, "For %s.", acs)
	}
	if e.stop {
		return nil, nil
	}
	checkAudienceIs(e, CheckAudience, assertion, []string{s.baseURL}, "this service's entity ID "+s.baseURL, "")
	if e.stop {
		return nil, nil
	}
	want := inResponseTo(run.req)
	confirmed := checkBearerConfirmation(e, CheckConfirmation, assertion, acs, "the Assertion Consumer Service", &want, run.now, "")
	if e.stop {
		return nil, nil
	}
	checkConditions(e, assertion, run.now, "")
	if e.stop {
		return nil, nil
	}

	u, err := s.ssoUser(ctx, run, assertion)
	if err != nil || e.stop {
		return nil, err
	}
	e.rep.UserName = u.UserName

	expiresAt := confirmed
	if assertion.Conditions != nil && assertion.Conditions.NotOnOrAfter.After(expiresAt) {
		expiresAt = assertion.Conditions.NotOnOrAfter
	}
	// One record per assertion ID and issuer, shared with the SAML2 bearer
	// grant and every instance: an assertion works once, wherever.
	err = s.store.UseAssertionID(ctx, issuer, assertion.ID, expiresAt.Add(SAMLClockSkew))
	if errors.Is(err, store.ErrConflict) {
		e.fail(CheckReplay, "replay: assertion %s was used before", truncate(assertion.ID, 80))
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: record assertion ID: %w", err)
	}
	if run.req != nil {
		if _, err := s.store.UseSAMLRequest(ctx, run.req.ID, run.now.UTC()); errors.Is(err, store.ErrConflict) {
			e.fail(CheckReplay, "replay: the sign-in %s was answered before", truncate(run.req.ID, 80))
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("oauth: use SAML request: %w", err)
		}
	}
	e.pass(CheckReplay, "First use of assertion %s.", truncate(assertion.ID, 80))
	res := &SSOResult{Purpose: run.purpose, User: u, IdP: run.idp, IdPInitiated: run.req == nil}
	if run.req != nil {
		res.Next = run.req.Next
	}
	return res, nil
}

func inResponseTo(r *store.SAMLRequest) string {
	if r == nil {
		return ""
	}
	return r.ID
}

func issuerIs(p store.IdentityProvider, issuer string) bool {
	return issuer != "" && (issuer == p.ProviderName || (p.EntityID != "" && issuer == p.EntityID))
}

// readResponse reads el as a samlp:Response with crewjam/saml's types. It
// returns the Response and its one Assertion or EncryptedAssertion, or a
// reason why el is not a usable Response.
func readResponse(el *etree.Element) (*saml.Response, *etree.Element, string) {
	if el.Tag != "Response" || el.NamespaceURI() != samlProtocolNS {
		return nil, nil, fmt.Sprintf("not a SAML 2.0 Response: the root element is %s in namespace %q", truncate(el.Tag, 40), truncate(el.NamespaceURI(), 80))
	}
	var assertions []*etree.Element
	for _, c := range el.ChildElements() {
		if c.NamespaceURI() == samlAssertionNS && (c.Tag == "Assertion" || c.Tag == "EncryptedAssertion") {
			assertions = append(assertions, c)
		}
	}
	detached, err := detach(el)
	if err != nil {
		return nil, nil, "the Response's namespaces cannot be read"
	}
	b, err := elementBytes(detached)
	if err != nil {
		return nil, nil, "the Response cannot be serialized"
	}
	var r saml.Response
	if err := xml.Unmarshal(b, &r); err != nil {
		return nil, nil, "the Response cannot be read: " + truncate(err.Error(), 120)
	}
	switch {
	case r.Version != "2.0":
		return nil, nil, fmt.Sprintf("the Response's Version is %q, not 2.0", truncate(r.Version, 20))
	case r.ID == "" || r.IssueInstant.IsZero():
		return nil, nil, "the Response has no ID or IssueInstant"
	case r.Status.StatusCode.Value != saml.StatusSuccess:
		msg := ""
		if r.Status.StatusMessage != nil && r.Status.StatusMessage.Value != "" {
			msg = ": " + truncate(r.Status.StatusMessage.Value, 200)
		}
		sub := ""
		if r.Status.StatusCode.StatusCode != nil {
			sub = " / " + truncate(r.Status.StatusCode.StatusCode.Value, 120)
		}
		return nil, nil, fmt.Sprintf("the identity provider did not sign the user in: status %s%s%s", truncate(r.Status.StatusCode.Value, 120), sub, msg)
	case len(assertions) != 1:
		return nil, nil, fmt.Sprintf("the Response must hold exactly one Assertion or EncryptedAssertion; it holds %d", len(assertions))
	}
	return &r, assertions[0], ""
}

// checkRequest is the check that the Response answers a request this service
// sent in this browser (saml-profiles §4.1.4.3), or is an IdP-initiated one
// the administrator allows. It sets what the rest of the checks need.
func (s *Service) checkRequest(ctx context.Context, run *acsRun, browser, id string) error {
	e := run.e
	if id == "" {
		if !run.cfg.Enabled || !run.cfg.AllowIdPInitiated {
			e.fail(CheckRequest, "IdP-initiated sign-in refused: the Response answers no request of this service (an administrator can allow IdP-initiated sign-in on the Security tab)")
			return nil
		}
		idp, err := s.store.GetIdentityProvider(ctx, run.cfg.IdPID)
		if errors.Is(err, store.ErrNotFound) {
			e.fail(CheckRequest, "IdP-initiated sign-in refused: the identity provider users sign in through was deleted")
			return nil
		}
		if err != nil {
			return fmt.Errorf("oauth: identity provider: %w", err)
		}
		run.idp, run.purpose = idp, store.SAMLPurposeSignIn
		run.attr, run.samlAtt = run.cfg.UserAttribute, run.cfg.SAMLAttribute
		e.pass(CheckRequest, "IdP-initiated sign-in, which the Security tab allows.")
		return nil
	}
	r, err := s.store.GetSAMLRequest(ctx, truncate(id, 256))
	if errors.Is(err, store.ErrNotFound) {
		e.fail(CheckRequest, "InResponseTo matches no sign-in this service started (it expired and was removed, or the Response is meant for another service)")
		return nil
	}
	if err != nil {
		return fmt.Errorf("oauth: SAML request: %w", err)
	}
	if browser == "" || len(browser) > maxSessionID || subtle.ConstantTimeCompare([]byte(sessionKey(browser)), []byte(r.Browser)) != 1 {
		e.fail(CheckRequest, "InResponseTo names a sign-in that was started in another browser")
		return nil
	}
	run.req = &r
	idp, err := s.store.GetIdentityProvider(ctx, r.IdPID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		e.fail(CheckRequest, "the identity provider of this sign-in was deleted meanwhile")
		return nil
	case err != nil:
		return fmt.Errorf("oauth: identity provider: %w", err)
	}
	run.idp, run.purpose = idp, r.Purpose
	run.attr, run.samlAtt = r.UserAttribute, r.SAMLAttribute
	switch {
	case !run.now.Before(r.ExpiresAt):
		e.fail(CheckRequest, "the sign-in was started more than %s ago; start again", HumanDuration(SAMLRequestLifetime))
	case r.Purpose == store.SAMLPurposeSignIn && (!run.cfg.Enabled || run.cfg.IdPID != r.IdPID):
		e.fail(CheckRequest, "single sign-on through “%s” was switched off since the sign-in started", idp.Name)
	case r.Purpose == store.SAMLPurposeSignIn:
		run.attr, run.samlAtt = run.cfg.UserAttribute, run.cfg.SAMLAttribute
		e.pass(CheckRequest, "Answers the sign-in this browser started at %s.", r.CreatedAt.UTC().Format(time.RFC3339))
	default:
		e.pass(CheckRequest, "Answers the verification this browser started at %s.", r.CreatedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// verifyResponse checks the signatures (and decrypts an EncryptedAssertion):
// the Response's, if it has one, and the Assertion's, if it has one; at least
// one, and each that is there must verify with a certificate of the request's
// identity provider. It returns the assertion, read only from what a verified
// signature covers, and the Response element to read the rest from (what its
// signature covers, or root when it is unsigned); or a reason, recorded.
func (s *Service) verifyResponse(ctx context.Context, run *acsRun, root, assertionEl *etree.Element) (*saml.Assertion, *etree.Element, string) {
	e := run.e
	idps := []store.IdentityProvider{run.idp}
	fail := func(id, reason string) (*saml.Assertion, *etree.Element, string) {
		e.fail(id, "%s", reason)
		return nil, nil, reason
	}
	// Signatures may sign the Response and the Assertion, nothing else: one
	// anywhere else is a signature wrapping attempt.
	var respSigs, otherSigs int
	var respSig *etree.Element
	walkElements(root, func(el *etree.Element) {
		if el.Tag != dsig.SignatureTag || el.NamespaceURI() != dsig.Namespace {
			return
		}
		switch el.Parent() {
		case root:
			respSigs++
			respSig = el
		case assertionEl:
		default:
			otherSigs++
		}
	})
	if respSigs > 1 || otherSigs > 0 {
		return fail(CheckSignature, "signature wrapping: the Response holds a ds:Signature that signs neither the Response nor its Assertion")
	}
	responseEl := root
	if respSig != nil {
		signed, _, reason := verifyEnveloped(root, respSig, idps, run.now)
		if reason != "" {
			return fail(CheckSignature, "the Response's signature: "+reason)
		}
		responseEl = signed
	}
	// The assertion as received (its own signature is checked there), and as
	// the Response's signature covers it.
	received, covered := assertionEl, (*etree.Element)(nil)
	if respSig != nil {
		for _, c := range responseEl.ChildElements() {
			if c.NamespaceURI() == samlAssertionNS && c.Tag == assertionEl.Tag {
				covered = c
			}
		}
		if covered == nil {
			return fail(CheckSignature, "the signed Response holds no assertion")
		}
	}
	if assertionEl.Tag == "EncryptedAssertion" {
		_, keys, err := s.serviceProvider(ctx)
		if err != nil {
			return fail(CheckDecryption, "this service's encryption key cannot be read")
		}
		src := assertionEl
		if covered != nil {
			src = covered
		}
		plain, err := decryptAssertion(keys.enc, src)
		if err != nil {
			// One message whatever went wrong: which error a changed
			// ciphertext gives must not tell an attacker about the
			// plaintext (CBC padding oracles).
			return fail(CheckDecryption, "the EncryptedAssertion cannot be decrypted with this service's encryption key (the one in its SP metadata)")
		}
		e.pass(CheckDecryption, "Decrypted with this service's encryption key.")
		for _, c := range plain.ChildElements() {
			var nested bool
			walkElements(c, func(el *etree.Element) {
				nested = nested || (el.Tag == dsig.SignatureTag && el.NamespaceURI() == dsig.Namespace && el.Parent() != plain)
			})
			if nested {
				return fail(CheckSignature, "signature wrapping: the decrypted Assertion holds a ds:Signature that does not sign it")
			}
		}
		received, covered = plain, plain
		if respSig == nil {
			covered = nil
		}
	}
	var aSig *etree.Element
	for _, c := range received.ChildElements() {
		if c.Tag == dsig.SignatureTag && c.NamespaceURI() == dsig.Namespace {
			if aSig != nil {
				return fail(CheckSignature, "signature wrapping: the Assertion has more than one ds:Signature")
			}
			aSig = c
		}
	}
	var content *etree.Element
	var signed string
	switch {
	case aSig != nil:
		el, _, reason := verifyEnveloped(received, aSig, idps, run.now)
		if reason != "" {
			return fail(CheckSignature, "the Assertion's signature: "+reason)
		}
		content, signed = el, "the Assertion"
		if respSig != nil {
			signed = "the Response and the Assertion"
		}
	case covered != nil:
		content, signed = covered, "the Response"
	default:
		return fail(CheckSignature, "unsigned: neither the Response nor the Assertion is signed")
	}
	a, reason := readAssertion(content)
	if reason != "" {
		return fail(CheckSignature, "the signed content is not a SAML 2.0 assertion: "+reason)
	}
	e.pass(CheckSignature, "%s signed with a certificate of “%s”.", strings.ToUpper(signed[:1])+signed[1:], run.idp.Name)
	return a, responseEl, ""
}

// decryptAssertion decrypts an EncryptedAssertion (saml-core §2.3.4) with the
// SP's encryption key, using crewjam/saml's XML Encryption: the content key
// in the EncryptedData's KeyInfo, or beside it. The plaintext is parsed with
// the limits of parseXML.
func decryptAssertion(key *rsa.PrivateKey, el *etree.Element) (*etree.Element, error) {
	var data, encKey *etree.Element
	for _, c := range el.ChildElements() {
		switch {
		case c.NamespaceURI() != xmlEncNS:
		case c.Tag == "EncryptedData" && data == nil:
			data = c
		case c.Tag == "EncryptedData":
			return nil, errors.New("more than one EncryptedData")
		case c.Tag == "EncryptedKey" && encKey == nil:
			encKey = c
		}
	}
	if data == nil {
		return nil, errors.New("no EncryptedData")
	}
	var plain []byte
	var err error
	if encKey != nil && data.FindElement("./KeyInfo/EncryptedKey") == nil {
		var k []byte
		if k, err = xmlenc.Decrypt(key, encKey); err != nil {
			return nil, err
		}
		plain, err = xmlenc.Decrypt(k, data)
	} else {
		plain, err = xmlenc.Decrypt(key, data)
	}
	if err != nil {
		return nil, err
	}
	doc, err := parseXML(plain)
	if err != nil {
		return nil, err
	}
	return doc.Root(), nil
}

// ssoUser finds the user the assertion names, by the configured (or, for a
// verification, the tried) user attribute: from the NameID, or from the
// named SAML attribute. It returns an error only when the store fails.
func (s *Service) ssoUser(ctx context.Context, run *acsRun, a *saml.Assertion) (store.User, error) {
	e := run.e
	var value, from string
	if run.samlAtt == "" {
		from = "the NameID"
		if a.Subject != nil && a.Subject.NameID != nil {
			value = strings.TrimSpace(a.Subject.NameID.Value)
		}
	} else {
		from = fmt.Sprintf("the attribute %q", truncate(run.samlAtt, 80))
		value = attributeValue(a, run.samlAtt)
	}
	e.rep.NameID = value
	if value == "" {
		e.fail(CheckUser, "unknown user: the assertion has no value in %s", from)
		return store.User{}, nil
	}
	var f userFinder
	switch run.attr {
	case store.UserAttributeUserName:
		f = userFinder{"user name", s.store.GetUserByName}
	case store.UserAttributeEmail:
		f = userFinder{"e-mail", s.store.GetUserByEmail}
	case store.UserAttributeIdpUserID:
		f = userFinder{"idpUserId", s.store.GetUserByIdpUserID}
	default:
		e.fail(CheckUser, "no user attribute is configured")
		return store.User{}, nil
	}
	return s.checkUser(ctx, e, value, []userFinder{f}, " (from "+from+")")
}

// attributeValue returns the first value of the assertion's attribute whose
// Name (or FriendlyName) is name.
func attributeValue(a *saml.Assertion, name string) string {
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			if at.Name == name || (at.FriendlyName != "" && at.FriendlyName == name) {
				for _, v := range at.Values {
					if v := strings.TrimSpace(v.Value); v != "" {
						return v
					}
				}
			}
		}
	}
	return ""
}
