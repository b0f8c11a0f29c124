package oauth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crewjam/saml"

	"github.com/appintegration/appintegration/store"
)

// Field names of identity provider input, shared by the console form and the
// command line; also the keys of a *ValidationError.
const (
	FieldIdPName        = "name"
	FieldProviderName   = "provider_name"
	FieldEntityID       = "entity_id"
	FieldCertificates   = "certificates"
	FieldMetadata       = "metadata"
	FieldSSOURL         = "sso_url"
	FieldSSOBinding     = "sso_binding"
	maxEntityIDLength   = 1024
	maxIdPCertificates  = 10
	maxCertificateBytes = 16 << 10
)

// MaxMetadataSize is the largest metadata document accepted, in bytes.
const MaxMetadataSize = 256 << 10

// providerNamePattern is the Provider Name rule (docs/contract.md, "SAML 2.0 bearer").
var providerNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,36}$`)

// IdPInput is what an administrator enters for a trusted identity provider.
type IdPInput struct {
	Name         string
	ProviderName string
	EntityID     string // optional; read from metadata
	// Certificates is one or more X.509 certificates: PEM blocks, or Base64 DER
	// without armour (several separated by blank lines), or one DER certificate.
	Certificates []byte
	// SSOURL is the IdP's SingleSignOnService, where users are sent to sign
	// in, and SSOBinding its binding (saml.HTTPRedirectBinding, the default,
	// or saml.HTTPPostBinding); without one the IdP serves only the SAML2
	// bearer grant.
	SSOURL     string
	SSOBinding string
}

// CertificateInfo describes a signing certificate for display.
type CertificateInfo struct {
	Subject     string
	Issuer      string
	NotBefore   time.Time
	NotAfter    time.Time
	Fingerprint string // SHA-256 of the DER, hex, colon-separated
}

// DescribeCertificate returns what the console shows of a DER certificate, or
// an error when it cannot be parsed.
func DescribeCertificate(der []byte) (CertificateInfo, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return CertificateInfo{}, fmt.Errorf("oauth: parse certificate: %w", err)
	}
	return describe(c), nil
}

func describe(c *x509.Certificate) CertificateInfo {
	sum := sha256.Sum256(c.Raw)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	parts := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return CertificateInfo{
		Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, Fingerprint: strings.Join(parts, ":"),
	}
}

// ParseCertificates reads X.509 certificates in any of the forms IdPInput
// accepts. It returns them in order, or an error that says, in words for the
// administrator, what is wrong.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	if c, err := x509.ParseCertificate(data); err == nil {
		return []*x509.Certificate{c}, nil
	}
	text := strings.TrimSpace(string(data))
	if text == "" {
		return nil, errors.New("Enter at least one signing certificate.")
	}
	var ders [][]byte
	if strings.Contains(text, "-----BEGIN") {
		rest := []byte(text)
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type != "CERTIFICATE" {
				return nil, fmt.Errorf("A PEM block of type %q is not a certificate. Paste only CERTIFICATE blocks (never a private key).", truncate(b.Type, 40))
			}
			ders = append(ders, b.Bytes)
		}
		if len(bytes.TrimSpace(rest)) > 0 || len(ders) == 0 {
			return nil, errors.New("The PEM text is incomplete: each certificate must run from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.")
		}
	} else {
		for _, block := range regexp.MustCompile(`\n\s*\n`).Split(strings.ReplaceAll(text, "\r", ""), -1) {
			compact := strings.Join(strings.Fields(block), "")
			if compact == "" {
				continue
			}
			der, err := base64.StdEncoding.DecodeString(compact)
			if err != nil {
				return nil, errors.New("The certificate is not PEM or Base64: paste it with or without the -----BEGIN CERTIFICATE----- lines.")
			}
			ders = append(ders, der)
		}
	}
	if len(ders) > maxIdPCertificates {
		return nil, fmt.Errorf("Use at most %d certificates.", maxIdPCertificates)
	}
	out := make([]*x509.Certificate, 0, len(ders))
	for i, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("Certificate %d is not a valid X.509 certificate.", i+1)
		}
		out = append(out, c)
	}
	return out, nil
}

// EncodeCertificatesPEM writes DER certificates as PEM, for a form to show.
func EncodeCertificatesPEM(ders [][]byte) string {
	var b strings.Builder
	for _, der := range ders {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return b.String()
}

// normaliseIdPInput trims the text fields.
func normaliseIdPInput(in IdPInput) IdPInput {
	in.Name = strings.TrimSpace(in.Name)
	in.ProviderName = strings.TrimSpace(in.ProviderName)
	in.EntityID = strings.TrimSpace(in.EntityID)
	in.SSOURL = strings.TrimSpace(in.SSOURL)
	in.SSOBinding = strings.TrimSpace(in.SSOBinding)
	if in.SSOURL == "" {
		in.SSOBinding = ""
	} else if in.SSOBinding == "" {
		in.SSOBinding = saml.HTTPRedirectBinding
	}
	return in
}

// checkSSOURL checks the SingleSignOnService of identity provider input: an
// absolute https URL (http only on a loopback host, as for redirect URIs),
// with the HTTP-Redirect or HTTP-POST binding.
func checkSSOURL(fields map[string]string, in IdPInput) {
	if in.SSOURL == "" {
		return
	}
	if in.SSOBinding != saml.HTTPRedirectBinding && in.SSOBinding != saml.HTTPPostBinding {
		fields[FieldSSOBinding] = "Choose HTTP-Redirect or HTTP-POST."
	}
	u, err := url.Parse(in.SSOURL)
	switch {
	case len(in.SSOURL) > MaxRedirectURILength || strings.ContainsFunc(in.SSOURL, unicode.IsSpace):
		fields[FieldSSOURL] = "Enter the identity provider's Single Sign-On URL, without spaces."
	case err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || u.User != nil:
		fields[FieldSSOURL] = "Enter an absolute URL such as https://login.example.com/saml2/sso, without a fragment."
	case strings.EqualFold(u.Scheme, "https"):
	case strings.EqualFold(u.Scheme, "http") && isLoopback(u.Hostname()):
	default:
		fields[FieldSSOURL] = "Use https:// (http:// only for localhost)."
	}
}

// checkIdPInput returns every rule in breaks (field → message) and the parsed
// certificates. others are the identity providers it must not collide with.
func (s *Service) checkIdPInput(in IdPInput, others []store.IdentityProvider) (map[string]string, [][]byte) {
	fields := map[string]string{}
	switch {
	case in.Name == "":
		fields[FieldIdPName] = "Enter a name."
	case utf8.RuneCountInString(in.Name) > MaxNameLength:
		fields[FieldIdPName] = fmt.Sprintf("Use at most %d characters.", MaxNameLength)
	case strings.ContainsFunc(in.Name, unicode.IsControl):
		fields[FieldIdPName] = "Remove line breaks and other control characters."
	}
	switch {
	case in.ProviderName == "":
		fields[FieldProviderName] = "Enter the provider name: the IdP's SAML issuer, or a short name for it."
	case !providerNamePattern.MatchString(in.ProviderName):
		fields[FieldProviderName] = "Use 1 to 36 letters, digits, “_”, “.” or “-”."
	}
	switch {
	case len(in.EntityID) > maxEntityIDLength:
		fields[FieldEntityID] = fmt.Sprintf("Use at most %d characters.", maxEntityIDLength)
	case strings.ContainsFunc(in.EntityID, unicode.IsSpace) || strings.ContainsFunc(in.EntityID, unicode.IsControl):
		fields[FieldEntityID] = "An entity ID has no spaces or line breaks."
	}
	for _, p := range others {
		if fields[FieldIdPName] == "" && strings.EqualFold(p.Name, in.Name) {
			fields[FieldIdPName] = fmt.Sprintf("A trusted identity provider named “%s” exists already.", p.Name)
		}
		if fields[FieldProviderName] == "" && strings.EqualFold(p.ProviderName, in.ProviderName) {
			fields[FieldProviderName] = fmt.Sprintf("The identity provider “%s” has this provider name already.", p.Name)
		}
		if fields[FieldEntityID] == "" && in.EntityID != "" && p.EntityID == in.EntityID {
			fields[FieldEntityID] = fmt.Sprintf("The identity provider “%s” has this entity ID already.", p.Name)
		}
		// An Issuer must name one identity provider: neither value may be the
		// other field of another one.
		if fields[FieldProviderName] == "" && p.EntityID != "" && p.EntityID == in.ProviderName {
			fields[FieldProviderName] = fmt.Sprintf("The identity provider “%s” has this as its entity ID.", p.Name)
		}
		if fields[FieldEntityID] == "" && in.EntityID != "" && strings.EqualFold(p.ProviderName, in.EntityID) {
			fields[FieldEntityID] = fmt.Sprintf("The identity provider “%s” has this as its provider name.", p.Name)
		}
	}
	checkSSOURL(fields, in)
	var ders [][]byte
	if len(in.Certificates) > maxCertificateBytes*maxIdPCertificates {
		fields[FieldCertificates] = "The certificate text is too long."
		return fields, nil
	}
	certs, err := ParseCertificates(in.Certificates)
	if err != nil {
		fields[FieldCertificates] = err.Error()
		return fields, nil
	}
	now := s.now()
	for i, c := range certs {
		if now.After(c.NotAfter) {
			fields[FieldCertificates] = fmt.Sprintf("Certificate %d (%s) expired on %s. Ask the identity provider for its current signing certificate.",
				i+1, truncate(c.Subject.String(), 80), c.NotAfter.UTC().Format("2006-01-02"))
			return fields, nil
		}
		for _, d := range ders {
			if bytes.Equal(d, c.Raw) {
				fields[FieldCertificates] = fmt.Sprintf("Certificate %d is listed twice.", i+1)
				return fields, nil
			}
		}
		ders = append(ders, c.Raw)
	}
	return fields, ders
}

// CheckIdPInput returns every rule in breaks, as field name → message (none when
// it is valid), without saving anything; excludeID names the identity provider
// being edited, which it may collide with. It returns an error only when the
// store fails.
func (s *Service) CheckIdPInput(ctx context.Context, in IdPInput, excludeID string) (map[string]string, error) {
	others, err := s.otherIdPs(ctx, excludeID)
	if err != nil {
		return nil, err
	}
	fields, _ := s.checkIdPInput(normaliseIdPInput(in), others)
	return fields, nil
}

func (s *Service) otherIdPs(ctx context.Context, excludeID string) ([]store.IdentityProvider, error) {
	all, err := s.store.ListIdentityProviders(ctx)
	if err != nil {
		return nil, fmt.Errorf("oauth: list identity providers: %w", err)
	}
	out := all[:0]
	for _, p := range all {
		if p.ID != excludeID {
			out = append(out, p)
		}
	}
	return out, nil
}

// conflictFields is the field error for a uniqueness rule the store enforced
// after the check (a concurrent save).
func conflictFields() *ValidationError {
	return &ValidationError{Fields: map[string]string{
		FieldProviderName: "Another identity provider with this name, provider name or entity ID was saved meanwhile. Choose different values.",
	}}
}

// CreateIdentityProvider validates in and saves a new trusted identity provider.
// It returns a *ValidationError listing every broken rule, or an internal error.
func (s *Service) CreateIdentityProvider(ctx context.Context, actor string, in IdPInput) (store.IdentityProvider, error) {
	in = normaliseIdPInput(in)
	others, err := s.otherIdPs(ctx, "")
	if err != nil {
		return store.IdentityProvider{}, err
	}
	fields, ders := s.checkIdPInput(in, others)
	if len(fields) > 0 {
		return store.IdentityProvider{}, &ValidationError{Fields: fields}
	}
	id, err := newID()
	if err != nil {
		return store.IdentityProvider{}, err
	}
	now := s.now().UTC()
	p := store.IdentityProvider{
		ID: "idp-" + id, Name: in.Name, ProviderName: in.ProviderName, EntityID: in.EntityID,
		Certificates: ders, SSOURL: in.SSOURL, SSOBinding: in.SSOBinding, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store.CreateIdentityProvider(ctx, p); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.IdentityProvider{}, conflictFields()
		}
		return store.IdentityProvider{}, fmt.Errorf("oauth: create identity provider: %w", err)
	}
	s.audit(ctx, actor, "idp.created", p.ID, fmt.Sprintf("name=%q provider_name=%q certificates=%d sso_url=%q", p.Name, p.ProviderName, len(ders), p.SSOURL))
	return p, nil
}

// UpdateIdentityProvider validates in and replaces the identity provider's
// fields. It returns a *ValidationError, store.ErrNotFound when it is gone, or
// an internal error.
func (s *Service) UpdateIdentityProvider(ctx context.Context, actor, id string, in IdPInput) (store.IdentityProvider, error) {
	in = normaliseIdPInput(in)
	others, err := s.otherIdPs(ctx, id)
	if err != nil {
		return store.IdentityProvider{}, err
	}
	fields, ders := s.checkIdPInput(in, others)
	if len(fields) > 0 {
		return store.IdentityProvider{}, &ValidationError{Fields: fields}
	}
	var p store.IdentityProvider
	err = s.store.InTransaction(ctx, func(tx store.Store) error {
		if in.SSOURL == "" {
			// Users sign in through it: it must keep its SingleSignOnService.
			if err := unlessSignInIdP(ctx, tx, id, &ValidationError{Fields: map[string]string{FieldSSOURL: "Users sign in through this identity provider (Security tab): keep its Single Sign-On URL, or switch sign-in to password or another identity provider first."}}); err != nil {
				return err
			}
		}
		p, err = tx.UpdateIdentityProvider(ctx, id, func(p store.IdentityProvider) (store.IdentityProvider, error) {
			p.Name, p.ProviderName, p.EntityID, p.Certificates = in.Name, in.ProviderName, in.EntityID, ders
			p.SSOURL, p.SSOBinding = in.SSOURL, in.SSOBinding
			p.UpdatedAt = s.now().UTC()
			return p, nil
		})
		return err
	})
	if ve := AsValidationError(err); ve != nil {
		return store.IdentityProvider{}, ve
	}
	if errors.Is(err, store.ErrConflict) {
		return store.IdentityProvider{}, conflictFields()
	}
	if err != nil {
		return store.IdentityProvider{}, fmt.Errorf("oauth: update identity provider: %w", err)
	}
	s.audit(ctx, actor, "idp.updated", p.ID, fmt.Sprintf("name=%q provider_name=%q certificates=%d sso_url=%q", p.Name, p.ProviderName, len(ders), p.SSOURL))
	return p, nil
}

// ErrIdPInUse is returned by DeleteIdentityProvider for the identity provider
// users sign in through (the Security tab's): deleting it would lock them out.
var ErrIdPInUse = errors.New("oauth: users sign in through this identity provider; switch sign-in to password or another identity provider first")

// DeleteIdentityProvider deletes a trusted identity provider; its assertions are
// refused from then on. It returns store.ErrNotFound when there is none, or
// ErrIdPInUse when users sign in through it.
func (s *Service) DeleteIdentityProvider(ctx context.Context, actor, id string) error {
	err := s.store.InTransaction(ctx, func(tx store.Store) error {
		if err := unlessSignInIdP(ctx, tx, id, ErrIdPInUse); err != nil {
			return err
		}
		return tx.DeleteIdentityProvider(ctx, id)
	})
	if errors.Is(err, ErrIdPInUse) {
		return ErrIdPInUse
	}
	if err != nil {
		return fmt.Errorf("oauth: delete identity provider: %w", err)
	}
	s.audit(ctx, actor, "idp.deleted", id, "")
	return nil
}

// unlessSignInIdP returns inUse when users sign in through identity provider
// id, else nil; in transaction tx, it holds the lock of the sign-on
// configuration until tx ends, so that EnableSSO cannot switch to the
// identity provider meanwhile.
func unlessSignInIdP(ctx context.Context, tx store.Store, id string, inUse error) error {
	_, err := tx.UpdateSSOConfig(ctx, func(c store.SSOConfig) (store.SSOConfig, error) {
		if c.Enabled && c.IdPID == id {
			return c, inUse
		}
		return c, store.ErrUnchanged
	})
	return err
}

// IdPMetadata is what an identity provider's SAML metadata says about it.
type IdPMetadata struct {
	EntityID string
	// ProviderName is a suggestion that meets the Provider Name rule, derived
	// from the entity ID; the administrator confirms it.
	ProviderName string
	// Name is a suggested display name (the organization's, or the host).
	Name string
	// Certificates are the DER signing certificates that have not expired.
	Certificates [][]byte
	// Expired counts signing certificates left out because they expired.
	Expired int
	// SSOURL and SSOBinding are the SingleSignOnService users are sent to:
	// the HTTP-Redirect one, else the HTTP-POST one; empty when it has
	// neither.
	SSOURL     string
	SSOBinding string
}

// ParseIdPMetadata reads SAML 2.0 metadata (an EntityDescriptor, or an
// EntitiesDescriptor holding one identity provider) and returns the entity ID
// and the signing certificates of its IDPSSODescriptor. DTDs and entity
// declarations are refused as for assertions. The error explains, for the
// administrator, what is wrong.
func (s *Service) ParseIdPMetadata(data []byte) (IdPMetadata, error) {
	if len(data) > MaxMetadataSize {
		return IdPMetadata{}, fmt.Errorf("The metadata is larger than %d KiB.", MaxMetadataSize>>10)
	}
	doc, err := parseXML(data)
	if err != nil {
		return IdPMetadata{}, fmt.Errorf("The metadata is not safe, well-formed XML: %v.", err)
	}
	b, err := elementBytes(doc.Root())
	if err != nil {
		return IdPMetadata{}, errors.New("The metadata cannot be read.")
	}
	const mdNS = "urn:oasis:names:tc:SAML:2.0:metadata"
	var entities []saml.EntityDescriptor
	switch root := doc.Root(); {
	case root.Tag == "EntityDescriptor" && root.NamespaceURI() == mdNS:
		var ed saml.EntityDescriptor
		if err := xml.Unmarshal(b, &ed); err != nil {
			return IdPMetadata{}, fmt.Errorf("The metadata cannot be read: %s.", truncate(err.Error(), 120))
		}
		entities = append(entities, ed)
	case root.Tag == "EntitiesDescriptor" && root.NamespaceURI() == mdNS:
		var eds saml.EntitiesDescriptor
		if err := xml.Unmarshal(b, &eds); err != nil {
			return IdPMetadata{}, fmt.Errorf("The metadata cannot be read: %s.", truncate(err.Error(), 120))
		}
		entities = eds.EntityDescriptors
	default:
		return IdPMetadata{}, errors.New("This is not SAML 2.0 metadata: the root element must be md:EntityDescriptor.")
	}
	var idps []saml.EntityDescriptor
	for _, ed := range entities {
		if len(ed.IDPSSODescriptors) > 0 {
			idps = append(idps, ed)
		}
	}
	switch {
	case len(idps) == 0:
		return IdPMetadata{}, errors.New("The metadata describes no identity provider (no IDPSSODescriptor). Is it the service provider's metadata?")
	case len(idps) > 1:
		return IdPMetadata{}, fmt.Errorf("The metadata describes %d identity providers. Import the metadata of one.", len(idps))
	}
	ed := idps[0]
	md := IdPMetadata{EntityID: strings.TrimSpace(ed.EntityID)}
	now := s.now()
	for _, d := range ed.IDPSSODescriptors {
		for _, kd := range d.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.Data), ""))
				if err != nil {
					return IdPMetadata{}, errors.New("A signing certificate in the metadata is not Base64.")
				}
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return IdPMetadata{}, errors.New("A signing certificate in the metadata is not a valid X.509 certificate.")
				}
				if now.After(c.NotAfter) {
					md.Expired++
					continue
				}
				if !containsDER(md.Certificates, der) {
					md.Certificates = append(md.Certificates, der)
				}
			}
		}
	}
	if len(md.Certificates) == 0 {
		if md.Expired > 0 {
			return IdPMetadata{}, errors.New("Every signing certificate in the metadata has expired. Ask the identity provider for current metadata.")
		}
		return IdPMetadata{}, errors.New("The metadata lists no signing certificate for the identity provider.")
	}
	md.SSOURL, md.SSOBinding = singleSignOnService(ed.IDPSSODescriptors)
	md.ProviderName = suggestProviderName(md.EntityID)
	md.Name = md.ProviderName
	if ed.Organization != nil {
		for _, n := range append(ed.Organization.OrganizationDisplayNames, ed.Organization.OrganizationNames...) {
			if v := strings.TrimSpace(n.Value); v != "" && utf8.RuneCountInString(v) <= MaxNameLength {
				md.Name = v
				break
			}
		}
	}
	return md, nil
}

// singleSignOnService returns the SingleSignOnService to send users to: the
// first with the HTTP-Redirect binding, else the first with HTTP-POST.
func singleSignOnService(ds []saml.IDPSSODescriptor) (location, binding string) {
	for _, want := range []string{saml.HTTPRedirectBinding, saml.HTTPPostBinding} {
		for _, d := range ds {
			for _, e := range d.SingleSignOnServices {
				if e.Binding == want && strings.TrimSpace(e.Location) != "" {
					return strings.TrimSpace(e.Location), want
				}
			}
		}
	}
	return "", ""
}

func containsDER(list [][]byte, der []byte) bool {
	for _, d := range list {
		if bytes.Equal(d, der) {
			return true
		}
	}
	return false
}

// suggestProviderName derives a Provider Name from an entity ID: the entity ID
// itself when it meets the rule, else its host (and path) with other characters
// replaced, cut to 36 characters.
func suggestProviderName(entityID string) string {
	if providerNamePattern.MatchString(entityID) {
		return entityID
	}
	base := entityID
	if u, err := url.Parse(entityID); err == nil && u.Host != "" {
		base = u.Hostname() + strings.TrimRight(u.Path, "/")
	}
	var b strings.Builder
	for _, r := range base {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' || r == '-'):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.Trim(b.String(), "_")
	if len(out) > 36 {
		out = out[:36]
	}
	return out
}
