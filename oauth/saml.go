package oauth

import (
	"context"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/appintegration/appintegration/store"
)

// SAMLClockSkew is how far the clocks of an identity provider and this server
// may differ when the time conditions of an assertion are checked.
const SAMLClockSkew = 5 * time.Minute

// The checks of an assertion (docs/contract.md, "SAML 2.0 bearer"), in the order they run.
const (
	CheckDecode       = "decode"
	CheckXML          = "xml"
	CheckAssertion    = "assertion"
	CheckIssuer       = "issuer"
	CheckSignature    = "signature"
	CheckAudience     = "audience"
	CheckConfirmation = "subject_confirmation"
	CheckConditions   = "conditions"
	CheckUser         = "user"
	CheckReplay       = "replay"
)

// checkNames are the titles of the checks, as the console and the CLI show them.
var checkNames = map[string]string{
	CheckDecode:       "Encoding",
	CheckXML:          "XML safety",
	CheckAssertion:    "SAML 2.0 assertion",
	CheckIssuer:       "Trusted issuer",
	CheckSignature:    "Signature",
	CheckAudience:     "Audience",
	CheckConfirmation: "Bearer subject confirmation",
	CheckConditions:   "Validity period",
	CheckUser:         "User",
	CheckReplay:       "Not used before",
}

var checkOrder = []string{
	CheckDecode, CheckXML, CheckAssertion, CheckIssuer, CheckSignature,
	CheckAudience, CheckConfirmation, CheckConditions, CheckUser, CheckReplay,
}

// CheckStatus is the outcome of one check.
type CheckStatus string

// The outcomes of a check.
const (
	CheckPassed  CheckStatus = "pass"
	CheckFailed  CheckStatus = "fail"
	CheckSkipped CheckStatus = "skipped"
)

// AssertionCheck is one check of an assertion and its outcome. Reason says what
// was found; it never holds key material or the assertion itself.
type AssertionCheck struct {
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	Reason string      `json:"reason"`
}

// AssertionReport is the result of CheckAssertion: every check in order, and
// what was read from the assertion.
type AssertionReport struct {
	Checks      []AssertionCheck `json:"checks"`
	AssertionID string           `json:"assertion_id,omitempty"`
	Issuer      string           `json:"issuer,omitempty"`
	NameID      string           `json:"name_id,omitempty"`
	IdPName     string           `json:"identity_provider,omitempty"`
	UserName    string           `json:"user_name,omitempty"`
}

// Passed reports whether no check failed.
func (r *AssertionReport) Passed() bool { return r.FirstFailure() == nil }

// FirstFailure returns the first failed check, or nil when none failed.
func (r *AssertionReport) FirstFailure() *AssertionCheck {
	for i := range r.Checks {
		if r.Checks[i].Status == CheckFailed {
			return &r.Checks[i]
		}
	}
	return nil
}

// CheckAssertion runs every check of docs/contract.md ("SAML 2.0 bearer") on
// an assertion (base64url, base64 or XML) as the SAML2 bearer grant would,
// without issuing a token and without recording its ID, so that the assertion
// can still be exchanged. Checks that depend on the content are run even when
// the signature fails, on the unverified content, and say so. It returns an
// error only when the store fails.
func (s *Service) CheckAssertion(ctx context.Context, assertion string) (*AssertionReport, error) {
	rep, _, err := s.evaluateAssertion(ctx, assertion, false)
	return rep, err
}

// verifiedAssertion is what the grant may use: read only from the element whose
// signature verified.
type verifiedAssertion struct {
	assertion *saml.Assertion
	idp       store.IdentityProvider
	user      store.User
	expiresAt time.Time // the latest NotOnOrAfter, plus the skew
}

// evaluator records the outcome of each check; for the grant it stops at the
// first failure, so that nothing after a failed check is looked at.
type evaluator struct {
	rep   *AssertionReport
	grant bool
	stop  bool
	// names and order are the titles and the order of the checks: the SAML2
	// bearer grant's (checkNames, checkOrder) or the ACS's.
	names map[string]string
	order []string
}

func newEvaluator(grant bool) *evaluator {
	return &evaluator{rep: &AssertionReport{}, grant: grant, names: checkNames, order: checkOrder}
}

func (e *evaluator) set(id string, st CheckStatus, format string, args ...any) {
	e.rep.Checks = append(e.rep.Checks, AssertionCheck{ID: id, Name: e.names[id], Status: st, Reason: fmt.Sprintf(format, args...)})
	if st == CheckFailed && e.grant {
		e.stop = true
	}
}

func (e *evaluator) pass(id, format string, args ...any) { e.set(id, CheckPassed, format, args...) }
func (e *evaluator) fail(id, format string, args ...any) { e.set(id, CheckFailed, format, args...) }

// skipRest marks every check not yet recorded as skipped, with reason.
func (e *evaluator) skipRest(reason string) {
	done := map[string]bool{}
	for _, c := range e.rep.Checks {
		done[c.ID] = true
	}
	for _, id := range e.order {
		if !done[id] {
			e.set(id, CheckSkipped, "%s", reason)
		}
	}
}

// evaluateAssertion runs the checks. For the grant (grant true) it stops at the
// first failure and, when all pass, returns what the verified element says and
// records the assertion ID (replay); otherwise it runs what it can and records
// nothing. Only a store failure is returned as an error.
func (s *Service) evaluateAssertion(ctx context.Context, raw string, grant bool) (*AssertionReport, *verifiedAssertion, error) {
	e := newEvaluator(grant)
	rep := e.rep
	now := s.now()
	urls := s.URLs()

	data, err := decodeAssertion(raw, !grant)
	if err != nil {
		e.fail(CheckDecode, "not decodable: %s", err)
		e.skipRest("An earlier check failed.")
		return rep, nil, nil
	}
	e.pass(CheckDecode, "Decoded %d bytes of XML.", len(data))

	doc, err := parseXML(data)
	if err != nil {
		e.fail(CheckXML, "unsafe or malformed XML: %s", err)
		e.skipRest("An earlier check failed.")
		return rep, nil, nil
	}
	e.pass(CheckXML, "Well-formed, one root element, no DTD or entity declarations.")

	root := doc.Root()
	unverified, reason := readAssertion(root)
	if reason != "" {
		e.fail(CheckAssertion, "not a SAML 2.0 assertion: %s", reason)
		e.skipRest("An earlier check failed.")
		return rep, nil, nil
	}
	rep.AssertionID = unverified.ID
	rep.Issuer = strings.TrimSpace(unverified.Issuer.Value)
	if unverified.Subject != nil && unverified.Subject.NameID != nil {
		rep.NameID = strings.TrimSpace(unverified.Subject.NameID.Value)
	}
	e.pass(CheckAssertion, "SAML 2.0 assertion %s issued %s.", truncate(unverified.ID, 80), unverified.IssueInstant.UTC().Format(time.RFC3339))

	idps, err := s.trustedIssuers(ctx, rep.Issuer)
	if err != nil {
		return nil, nil, err
	}
	if len(idps) == 0 {
		if rep.Issuer == "" {
			e.fail(CheckIssuer, "issuer not trusted: the assertion has no Issuer")
		} else {
			e.fail(CheckIssuer, "issuer not trusted: no trusted identity provider has the Provider Name or Entity ID %q", truncate(rep.Issuer, 200))
		}
	} else {
		rep.IdPName = idps[0].Name
		e.pass(CheckIssuer, "Issuer %q is the trusted identity provider “%s”.", truncate(rep.Issuer, 200), idps[0].Name)
	}
	if e.stop {
		return rep, nil, nil
	}

	// RFC 7522 §3 item 9: the signature must verify. From here on the grant reads
	// only the element the signature covers (signature wrapping).
	content := unverified
	verified := false
	if len(idps) == 0 {
		e.set(CheckSignature, CheckSkipped, "No trusted identity provider to verify the signature with.")
	} else {
		signedEl, idp, reason := verifySignature(root, idps, now)
		if reason != "" {
			e.fail(CheckSignature, "%s", reason)
		} else {
			a, reason := readAssertion(signedEl)
			switch {
			case reason != "":
				e.fail(CheckSignature, "the signed content is not a SAML 2.0 assertion: %s", reason)
			case strings.TrimSpace(a.Issuer.Value) != rep.Issuer:
				e.fail(CheckSignature, "the signed Issuer differs from the one read")
			default:
				content, verified = a, true
				rep.IdPName = idp.Name
				idps = []store.IdentityProvider{idp}
				e.pass(CheckSignature, "Signed with a certificate of “%s”.", idp.Name)
			}
		}
	}
	if e.stop {
		return rep, nil, nil
	}
	note := ""
	if !verified {
		note = " (read from content whose signature did not verify)"
	}
	rep.NameID = "" // only what content says counts from here on
	if content.Subject != nil && content.Subject.NameID != nil {
		rep.NameID = strings.TrimSpace(content.Subject.NameID.Value)
	}

	checkAudience(e, content, urls, note)
	if e.stop {
		return rep, nil, nil
	}
	confirmationExpiry := checkConfirmation(e, content, urls, now, note)
	if e.stop {
		return rep, nil, nil
	}
	checkConditions(e, content, now, note)
	if e.stop {
		return rep, nil, nil
	}

	user, err := s.checkUser(ctx, e, rep.NameID, s.bearerUserFinders(), note)
	if err != nil {
		return nil, nil, err
	}
	if e.stop {
		return rep, nil, nil
	}
	rep.UserName = user.UserName

	expiresAt := confirmationExpiry
	if content.Conditions != nil && content.Conditions.NotOnOrAfter.After(expiresAt) {
		expiresAt = content.Conditions.NotOnOrAfter
	}
	expiresAt = expiresAt.Add(SAMLClockSkew)

	if !grant {
		// The checker looks the ID up without recording it, so the assertion
		// can still be exchanged once.
		used, err := s.store.AssertionIDUsed(ctx, rep.Issuer, content.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("oauth: look up assertion ID: %w", err)
		}
		if used {
			e.fail(CheckReplay, "replay: assertion %s was exchanged before", truncate(content.ID, 80))
		} else {
			e.pass(CheckReplay, "Not exchanged yet: assertion %s can be exchanged once (checking does not use it up).", truncate(content.ID, 80))
		}
		return rep, nil, nil
	}
	if !verified || rep.FirstFailure() != nil {
		// Unreachable for the grant, which stops at the first failure; kept so
		// that unverified content can never lead to a token.
		return rep, nil, nil
	}
	// RFC 7522 §3 item 8: refuse an assertion seen before, until it expires.
	err = s.store.UseAssertionID(ctx, rep.Issuer, content.ID, expiresAt)
	if errors.Is(err, store.ErrConflict) {
		e.fail(CheckReplay, "replay: assertion %s was exchanged before", truncate(content.ID, 80))
		return rep, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("oauth: record assertion ID: %w", err)
	}
	e.pass(CheckReplay, "First use of assertion %s.", truncate(content.ID, 80))
	return rep, &verifiedAssertion{assertion: content, idp: idps[0], user: user, expiresAt: expiresAt}, nil
}

// samlAssertionNS is the namespace of SAML 2.0 assertions (saml-core §2).
const samlAssertionNS = "urn:oasis:names:tc:SAML:2.0:assertion"

// readAssertion reads el, which must be a saml:Assertion, with crewjam/saml's
// types. It returns the assertion, or a reason why el is not a usable one.
func readAssertion(el *etree.Element) (*saml.Assertion, string) {
	if el.Tag != "Assertion" || el.NamespaceURI() != samlAssertionNS {
		return nil, fmt.Sprintf("the root element is %s in namespace %q, not saml:Assertion", truncate(el.Tag, 40), truncate(el.NamespaceURI(), 80))
	}
	detached, err := detach(el)
	if err != nil {
		return nil, "the assertion's namespaces cannot be read"
	}
	b, err := elementBytes(detached)
	if err != nil {
		return nil, "the assertion cannot be serialized"
	}
	var a saml.Assertion
	if err := xml.Unmarshal(b, &a); err != nil {
		return nil, "the assertion cannot be read: " + truncate(err.Error(), 120)
	}
	switch {
	case a.Version != "2.0":
		return nil, fmt.Sprintf("Version is %q, not 2.0", truncate(a.Version, 20))
	case a.ID == "":
		return nil, "the assertion has no ID"
	case a.IssueInstant.IsZero():
		return nil, "the assertion has no IssueInstant"
	}
	return &a, ""
}

// trustedIssuers returns the identity providers whose Provider Name or Entity ID
// is issuer.
func (s *Service) trustedIssuers(ctx context.Context, issuer string) ([]store.IdentityProvider, error) {
	if issuer == "" {
		return nil, nil
	}
	all, err := s.store.ListIdentityProviders(ctx)
	if err != nil {
		return nil, fmt.Errorf("oauth: list identity providers: %w", err)
	}
	var out []store.IdentityProvider
	for _, p := range all {
		if p.ProviderName == issuer || (p.EntityID != "" && p.EntityID == issuer) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Signature and digest algorithms accepted: SHA-256 and stronger. SHA-1 is
// refused (it is broken for signatures; saml-core errata and NIST SP 800-131A).
var (
	allowedSignatureMethods = []string{
		dsig.RSASHA256SignatureMethod, dsig.RSASHA384SignatureMethod, dsig.RSASHA512SignatureMethod,
		dsig.ECDSASHA256SignatureMethod, dsig.ECDSASHA384SignatureMethod, dsig.ECDSASHA512SignatureMethod,
	}
	allowedDigestMethods = []string{
		"http://www.w3.org/2001/04/xmlenc#sha256",
		"http://www.w3.org/2001/04/xmldsig-more#sha384",
		"http://www.w3.org/2001/04/xmlenc#sha512",
	}
	// Exclusive or inclusive canonicalization (1.0 and 1.1), never the "with
	// comments" variants: with comments kept, a comment inside NameID would
	// survive into the verified element. Entra ID and Okta sign with
	// exclusive canonicalization, some ADFS and Shibboleth set-ups with
	// inclusive.
	canonicalizations = []string{
		string(dsig.CanonicalXML10ExclusiveAlgorithmId),
		string(dsig.CanonicalXML10RecAlgorithmId),
		string(dsig.CanonicalXML11AlgorithmId),
	}
	allowedTransforms = append([]string{string(dsig.EnvelopedSignatureAltorithmId)}, canonicalizations...)
)

// verifySignature checks the enveloped signature of root, the assertion of the
// SAML2 bearer grant, against the certificates of idps: the document must hold
// exactly one signature, a child of root. It returns what verifyEnveloped
// returns.
func verifySignature(root *etree.Element, idps []store.IdentityProvider, now time.Time) (*etree.Element, store.IdentityProvider, string) {
	var sigs []*etree.Element
	walkElements(root, func(el *etree.Element) {
		if el.Tag == dsig.SignatureTag && el.NamespaceURI() == dsig.Namespace {
			sigs = append(sigs, el)
		}
	})
	switch {
	case len(sigs) == 0:
		return nil, store.IdentityProvider{}, "unsigned: the assertion has no ds:Signature"
	case len(sigs) > 1:
		return nil, store.IdentityProvider{}, "signature wrapping: the document holds more than one ds:Signature"
	case sigs[0].Parent() != root:
		return nil, store.IdentityProvider{}, "signature wrapping: the ds:Signature does not sign the root assertion (it is not a child of it)"
	}
	return verifyEnveloped(root, sigs[0], idps, now)
}

// verifyEnveloped checks sig, the enveloped signature of el (its child), against
// the certificates of idps. el may be inside a document (an Assertion in a
// Response): it is verified with the namespace declarations in scope there, which
// inclusive canonicalization renders. It returns the element the signature
// covers, parsed from the canonical bytes that were digested (nothing outside it
// can be read afterwards), and the identity provider whose certificate verified
// it; or a reason for the failure. The caller checks where signatures may be.
func verifyEnveloped(el, sig *etree.Element, idps []store.IdentityProvider, now time.Time) (*etree.Element, store.IdentityProvider, string) {
	if reason := checkSignatureShape(sig, el.SelectAttrValue("ID", "")); reason != "" {
		return nil, store.IdentityProvider{}, reason
	}
	el, err := detach(el)
	if err != nil {
		return nil, store.IdentityProvider{}, "the signed element's namespaces cannot be read: " + truncate(err.Error(), 80)
	}
	stripKeyInfoWithoutCertificate(el)

	var expired, untrusted, invalid int
	var lastErr error
	for _, idp := range idps {
		for _, der := range idp.Certificates {
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				continue
			}
			if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
				expired++
				continue
			}
			vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
			vc.IdAttribute = "ID"
			vc.Clock = dsig.NewFakeClockAt(now)
			signed, err := vc.Validate(el)
			if err == nil {
				return signed, idp, ""
			}
			lastErr = err
			if strings.Contains(err.Error(), "Could not verify certificate against trusted certs") {
				untrusted++
			} else {
				invalid++
			}
		}
	}
	switch {
	case invalid > 0:
		return nil, store.IdentityProvider{}, "signature invalid: it does not verify with the trusted signing certificate (the assertion was changed after signing, or signed with another key)"
	case untrusted > 0:
		return nil, store.IdentityProvider{}, "untrusted key: the assertion is signed with a certificate that is not a signing certificate of the identity provider"
	case expired > 0:
		return nil, store.IdentityProvider{}, "certificate expired: every signing certificate of the identity provider is outside its validity period"
	case lastErr != nil:
		return nil, store.IdentityProvider{}, "signature invalid: " + truncate(lastErr.Error(), 120)
	}
	return nil, store.IdentityProvider{}, "no usable signing certificate: the identity provider has none that can be parsed"
}

// checkSignatureShape checks what the signature says about itself before any
// cryptography: one Reference, to the signed element's ID; SHA-256 or stronger
// for the signature and the digest; exclusive or inclusive canonicalization
// without comments. It returns a reason or "".
func checkSignatureShape(sig *etree.Element, id string) string {
	var refs []*etree.Element
	var problem string
	c14n := false // the Reference is canonicalized (else its raw form, comments and all, is digested)
	walkElements(sig, func(el *etree.Element) {
		if problem != "" || el.NamespaceURI() != dsig.Namespace {
			return
		}
		alg := el.SelectAttrValue(dsig.AlgorithmAttr, "")
		switch el.Tag {
		case dsig.SignatureMethodTag:
			if strings.Contains(strings.ToLower(alg), "sha1") {
				problem = "SHA-1 signature refused: sign with RSA-SHA256 or stronger (SignatureMethod " + truncate(alg, 80) + ")"
			} else if !slices.Contains(allowedSignatureMethods, alg) {
				problem = "signature algorithm not accepted: " + truncate(alg, 80) + " (use RSA-SHA256 or stronger)"
			}
		case dsig.DigestMethodTag:
			if strings.Contains(strings.ToLower(alg), "sha1") {
				problem = "SHA-1 digest refused: use SHA-256 or stronger (DigestMethod " + truncate(alg, 80) + ")"
			} else if !slices.Contains(allowedDigestMethods, alg) {
				problem = "digest algorithm not accepted: " + truncate(alg, 80)
			}
		case dsig.CanonicalizationMethodTag, dsig.TransformTag:
			if el.Tag == dsig.TransformTag && slices.Contains(canonicalizations, alg) {
				c14n = true
			}
			if !slices.Contains(allowedTransforms, alg) || (el.Tag == dsig.CanonicalizationMethodTag && !slices.Contains(canonicalizations, alg)) {
				problem = "canonicalization or transform not accepted: " + truncate(alg, 80) + " (use exclusive or inclusive canonicalization without comments)"
			}
		case dsig.ReferenceTag:
			refs = append(refs, el)
		}
	})
	if problem != "" {
		return problem
	}
	if len(refs) != 1 {
		return fmt.Sprintf("signature wrapping: the signature has %d References, not one", len(refs))
	}
	if id == "" || refs[0].SelectAttrValue(dsig.URIAttr, "") != "#"+id {
		return "signature wrapping: the signature's Reference does not point at the signed element's ID"
	}
	if !c14n {
		return "canonicalization missing: the Reference must be transformed with exclusive (" + string(dsig.CanonicalXML10ExclusiveAlgorithmId) + ") or inclusive canonicalization"
	}
	return ""
}

// stripKeyInfoWithoutCertificate removes a KeyInfo that names no certificate
// (RSAKeyValue only, say), so that the trusted certificates are used. KeyInfo is
// outside SignedInfo: removing it changes nothing that is verified.
func stripKeyInfoWithoutCertificate(assertion *etree.Element) {
	for _, sig := range assertion.ChildElements() {
		if sig.Tag != dsig.SignatureTag || sig.NamespaceURI() != dsig.Namespace {
			continue
		}
		for _, ki := range sig.ChildElements() {
			if ki.Tag != dsig.KeyInfoTag {
				continue
			}
			hasCert := false
			walkElements(ki, func(el *etree.Element) {
				if el.Tag == dsig.X509CertificateTag && strings.TrimSpace(el.Text()) != "" {
					hasCert = true
				}
			})
			if !hasCert {
				sig.RemoveChild(ki)
			}
		}
	}
}

// checkAudience is RFC 7522 §3 item 3: an AudienceRestriction must name this
// server. Several restrictions must each be met (saml-core §2.5.1.4).
func checkAudience(e *evaluator, a *saml.Assertion, u URLs, note string) {
	checkAudienceIs(e, CheckAudience, a, []string{u.SAML2Audience, u.SAML2TokenURL},
		fmt.Sprintf("the OAuth2SAML Audience %s or Token URL %s", u.SAML2Audience, u.SAML2TokenURL), note)
}

// checkAudienceIs records check id: every AudienceRestriction of a must hold
// one of want (described by what).
func checkAudienceIs(e *evaluator, id string, a *saml.Assertion, want []string, what, note string) {
	if a.Conditions == nil || len(a.Conditions.AudienceRestrictions) == 0 {
		e.fail(id, "audience mismatch: the assertion has no AudienceRestriction; it must hold %s%s", want[0], note)
		return
	}
	var found []string
	for _, r := range a.Conditions.AudienceRestrictions {
		ok := false
		for _, aud := range r.AllAudiences() {
			v := strings.TrimSpace(aud.Value)
			found = append(found, truncate(v, 120))
			if slices.Contains(want, v) {
				ok = true
			}
		}
		if !ok {
			e.fail(id, "audience mismatch: the AudienceRestriction holds %s, not %s%s", strings.Join(found, ", "), what, note)
			return
		}
	}
	e.pass(id, "The AudienceRestriction holds %s%s.", strings.Join(found, ", "), note)
}

// checkConfirmation is RFC 7522 §3 item 7: a bearer SubjectConfirmation whose
// data has Recipient = the OAuth2SAML Token URL and NotOnOrAfter in the future.
// It returns the NotOnOrAfter of the confirmation that holds.
func checkConfirmation(e *evaluator, a *saml.Assertion, u URLs, now time.Time, note string) time.Time {
	return checkBearerConfirmation(e, CheckConfirmation, a, u.SAML2TokenURL, "the OAuth2SAML Token URL", nil, now, note)
}

// checkBearerConfirmation records check id: a bearer SubjectConfirmationData
// whose Recipient is recipient (described by what), valid now, and, when
// inResponseTo is not nil, whose InResponseTo is *inResponseTo (saml-profiles
// §4.1.4.2). It returns the NotOnOrAfter of the confirmation that holds.
func checkBearerConfirmation(e *evaluator, id string, a *saml.Assertion, recipient, what string, inResponseTo *string, now time.Time, note string) time.Time {
	if a.Subject == nil {
		e.fail(id, "no subject: the assertion has no Subject%s", note)
		return time.Time{}
	}
	var recipients []string
	expired, otherRequest := false, false
	for _, sc := range a.Subject.SubjectConfirmations {
		if sc.Method != "urn:oasis:names:tc:SAML:2.0:cm:bearer" || sc.SubjectConfirmationData == nil {
			continue
		}
		d := sc.SubjectConfirmationData
		recipients = append(recipients, truncate(d.Recipient, 120))
		if d.Recipient != recipient {
			continue
		}
		switch {
		case inResponseTo != nil && d.InResponseTo != *inResponseTo:
			otherRequest = true
		case d.NotOnOrAfter.IsZero():
			expired = true
		case !now.Before(d.NotOnOrAfter.Add(SAMLClockSkew)):
			expired = true
		case !d.NotBefore.IsZero() && now.Before(d.NotBefore.Add(-SAMLClockSkew)):
			expired = true
		default:
			e.pass(id, "Bearer confirmation for %s, valid until %s%s.", d.Recipient, d.NotOnOrAfter.UTC().Format(time.RFC3339), note)
			return d.NotOnOrAfter
		}
	}
	switch {
	case expired:
		e.fail(id, "subject confirmation expired: the bearer SubjectConfirmationData has no NotOnOrAfter or it is past (or its NotBefore is in the future), allowing %s of clock skew%s", HumanDuration(SAMLClockSkew), note)
	case otherRequest:
		e.fail(id, "InResponseTo mismatch: the bearer SubjectConfirmationData answers another request than the Response%s", note)
	case len(recipients) == 0:
		e.fail(id, "no bearer subject confirmation: the Subject needs a SubjectConfirmation with Method urn:oasis:names:tc:SAML:2.0:cm:bearer and SubjectConfirmationData%s", note)
	default:
		e.fail(id, "recipient mismatch: the bearer SubjectConfirmationData has Recipient %s, not %s %s%s", strings.Join(recipients, ", "), what, recipient, note)
	}
	return time.Time{}
}

// checkConditions is RFC 7522 §3 item 4 and saml-core §2.5.1.2: the validity
// period holds now, give or take the skew; an unknown condition makes the
// assertion Indeterminate (saml-core §2.5.1), so it is refused.
func checkConditions(e *evaluator, a *saml.Assertion, now time.Time, note string) {
	c := a.Conditions
	switch {
	case a.IssueInstant.After(now.Add(SAMLClockSkew)):
		e.fail(CheckConditions, "not yet valid: IssueInstant %s is in the future%s", a.IssueInstant.UTC().Format(time.RFC3339), note)
	case c == nil:
		e.pass(CheckConditions, "No Conditions beyond the subject confirmation's%s.", note)
	case !c.NotBefore.IsZero() && now.Before(c.NotBefore.Add(-SAMLClockSkew)):
		e.fail(CheckConditions, "not yet valid: Conditions NotBefore %s is in the future (beyond %s of clock skew)%s", c.NotBefore.UTC().Format(time.RFC3339), HumanDuration(SAMLClockSkew), note)
	case !c.NotOnOrAfter.IsZero() && !now.Before(c.NotOnOrAfter.Add(SAMLClockSkew)):
		e.fail(CheckConditions, "expired: Conditions NotOnOrAfter %s has passed (beyond %s of clock skew)%s", c.NotOnOrAfter.UTC().Format(time.RFC3339), HumanDuration(SAMLClockSkew), note)
	case len(c.UnknownConditions) > 0:
		e.fail(CheckConditions, "unknown condition: %s is not understood, so the assertion cannot be accepted%s", truncate(c.UnknownConditions[0].Local, 60), note)
	default:
		e.pass(CheckConditions, "Valid from %s until %s%s.", timeOrDash(c.NotBefore), timeOrDash(c.NotOnOrAfter), note)
	}
}

func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.RFC3339)
}

// userFinder finds a user by one attribute.
type userFinder struct {
	by string // the attribute, as a reason names it: "user name"
	fn func(context.Context, string) (store.User, error)
}

// bearerUserFinders are the SAML2 bearer grant's: idpUserId, then userName,
// then e-mail (docs/contract.md, "SAML 2.0 bearer").
func (s *Service) bearerUserFinders() []userFinder {
	return []userFinder{
		{"idpUserId", s.store.GetUserByIdpUserID},
		{"user name", s.store.GetUserByName},
		{"e-mail", s.store.GetUserByEmail},
	}
}

// checkUser finds the user value names, trying finders in order. The user
// must exist and be active. It returns an error only when the store fails.
func (s *Service) checkUser(ctx context.Context, e *evaluator, nameID string, finders []userFinder, note string) (store.User, error) {
	if nameID == "" {
		e.fail(CheckUser, "unknown user: the assertion's Subject has no NameID%s", note)
		return store.User{}, nil
	}
	shown := truncate(nameID, 120)
	var by []string
	for _, find := range finders {
		by = append(by, find.by)
		u, err := find.fn(ctx, nameID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if errors.Is(err, store.ErrConflict) {
			e.fail(CheckUser, "ambiguous user: several users have the %s %q%s", find.by, shown, note)
			return store.User{}, nil
		}
		if err != nil {
			return store.User{}, fmt.Errorf("oauth: find user for NameID: %w", err)
		}
		if !u.Active {
			e.fail(CheckUser, "inactive user: the user %s (matched by %s) is deactivated%s", u.UserName, find.by, note)
			return store.User{}, nil
		}
		if u.ClientID != "" {
			// A Technical User client's own user acts only through its
			// client, never as a person an identity provider vouches for.
			e.fail(CheckUser, "technical user: the user %s (matched by %s) belongs to an OAuth client and cannot sign in%s", u.UserName, find.by, note)
			return store.User{}, nil
		}
		e.pass(CheckUser, "NameID %q is the user %s (matched by %s)%s.", shown, u.UserName, find.by, note)
		return u, nil
	}
	e.fail(CheckUser, "unknown user: no user has the %s %q%s", orList(by), shown, note)
	return store.User{}, nil
}

// orList joins "a", "b", "c" as "a, b or c".
func orList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
