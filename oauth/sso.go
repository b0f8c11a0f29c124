package oauth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"

	"github.com/appintegration/appintegration/store"
)

// Single sign-on (docs/contract.md, "Sign-in"): the rules of the Security
// tab and of SP-initiated SAML Web SSO. The Response's checks are in
// sso_acs.go, the service provider's keys and metadata in sso_sp.go.

// Field names of single sign-on input, shared by the Security tab and the
// command line; also the keys of a *ValidationError.
const (
	FieldSSOIdP           = "idp"
	FieldSSOUserAttribute = "user_attribute"
	FieldSSOSAMLAttribute = "saml_attribute"
	FieldSSOIdPInitiated  = "allow_idp_initiated"
	FieldSSOVerification  = "verification"
)

// Lifetimes of single sign-on.
const (
	// SAMLRequestLifetime is how long the Response to an AuthnRequest is
	// waited for: time enough to sign in at the IdP, with its second factor.
	SAMLRequestLifetime = 15 * time.Minute
	// VerificationLifetime is how long a verification lets its settings be
	// saved.
	VerificationLifetime = time.Hour
	maxSAMLAttribute     = 256
)

// UserAttribute is one way an assertion may name a user.
type UserAttribute struct {
	Value string // store.UserAttribute…
	Label string // as the Security tab shows it
	Hint  string
}

var userAttributes = []UserAttribute{
	{store.UserAttributeUserName, "User Name", "The value is the user's userName (matched case-insensitively)."},
	{store.UserAttributeEmail, "E-Mail", "The value is one of the user's e-mail addresses (matched case-insensitively)."},
	{store.UserAttributeIdpUserID, "Custom SAML User Mapping", "The value is the user's idpUserId, set through SCIM (matched exactly), as the SAML2.0 Bearer grant matches it."},
}

// UserAttributes returns the ways an assertion may name a user, in display
// order.
func UserAttributes() []UserAttribute { return append([]UserAttribute(nil), userAttributes...) }

// UserAttributeLabel returns the label of a user attribute value, the value
// itself when it is unknown.
func UserAttributeLabel(v string) string {
	for _, a := range userAttributes {
		if a.Value == v {
			return a.Label
		}
	}
	return v
}

// SSOInput is a single sign-on configuration an administrator chooses.
type SSOInput struct {
	IdPID         string
	UserAttribute string // store.UserAttribute…
	SAMLAttribute string // the SAML attribute holding the value; "" for the NameID
	// AllowIdPInitiated accepts Responses that answer no request of this
	// service (IdP-initiated sign-in).
	AllowIdPInitiated bool
}

// Errors of single sign-on; compare with errors.Is.
var (
	// ErrSSOOff: single sign-on is not the authentication method.
	ErrSSOOff = errors.New("oauth: single sign-on is off")
	// ErrSSOUnavailable: the identity provider users sign in through is gone
	// or has no SingleSignOnService.
	ErrSSOUnavailable = errors.New("oauth: the identity provider users sign in through cannot be reached")
)

// SSO returns the single sign-on configuration, or a store error.
func (s *Service) SSO(ctx context.Context) (store.SSOConfig, error) {
	c, err := s.store.GetSSOConfig(ctx)
	if err != nil {
		return store.SSOConfig{}, fmt.Errorf("oauth: single sign-on: %w", err)
	}
	return c, nil
}

// checkSSOInput trims in and returns every rule it breaks (field → message)
// and its identity provider. It returns an error only when the store fails.
func (s *Service) checkSSOInput(ctx context.Context, in SSOInput) (SSOInput, store.IdentityProvider, map[string]string, error) {
	in.IdPID = strings.TrimSpace(in.IdPID)
	in.UserAttribute = strings.TrimSpace(in.UserAttribute)
	in.SAMLAttribute = strings.TrimSpace(in.SAMLAttribute)
	fields := map[string]string{}
	var idp store.IdentityProvider
	if in.IdPID == "" {
		fields[FieldSSOIdP] = "Choose the trusted identity provider users sign in through."
	} else {
		p, err := s.store.GetIdentityProvider(ctx, in.IdPID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			fields[FieldSSOIdP] = "This trusted identity provider does not exist (any more)."
		case err != nil:
			return in, idp, nil, fmt.Errorf("oauth: check single sign-on: %w", err)
		case p.SSOURL == "":
			fields[FieldSSOIdP] = fmt.Sprintf("“%s” has no Single Sign-On Service: it can serve the SAML2.0 Bearer grant, but users cannot sign in through it. Import its metadata again, or enter its Single Sign-On URL.", p.Name)
		default:
			idp = p
		}
	}
	known := false
	for _, a := range userAttributes {
		known = known || a.Value == in.UserAttribute
	}
	if !known {
		fields[FieldSSOUserAttribute] = "Choose User Name, E-Mail or Custom SAML User Mapping."
	}
	switch {
	case utf8.RuneCountInString(in.SAMLAttribute) > maxSAMLAttribute:
		fields[FieldSSOSAMLAttribute] = fmt.Sprintf("Use at most %d characters.", maxSAMLAttribute)
	case strings.ContainsFunc(in.SAMLAttribute, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		fields[FieldSSOSAMLAttribute] = "A SAML attribute name has no spaces, such as http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress or mail."
	}
	return in, idp, fields, nil
}

// EnableSSO makes SAML single sign-on through in's identity provider the way
// people sign in. Unless force is set, the last verification (Security tab,
// step 4) must have tried exactly these settings, within VerificationLifetime,
// and resolved to a user who holds DW Administrator now, so that nobody locks
// the console out with a wrong mapping. It returns a *ValidationError, or a
// store error. Every change is audited under actor.
func (s *Service) EnableSSO(ctx context.Context, actor string, in SSOInput, force bool) (store.SSOConfig, error) {
	in, idp, fields, err := s.checkSSOInput(ctx, in)
	if err != nil {
		return store.SSOConfig{}, err
	}
	var verified store.User
	if len(fields) == 0 && !force {
		cfg, err := s.SSO(ctx)
		if err != nil {
			return store.SSOConfig{}, err
		}
		msg, u, err := s.checkVerification(ctx, cfg.Verification, in)
		if err != nil {
			return store.SSOConfig{}, err
		}
		if msg != "" {
			fields[FieldSSOVerification] = msg
		}
		verified = u
	}
	if len(fields) > 0 {
		return store.SSOConfig{}, &ValidationError{Fields: fields}
	}
	now := s.now().UTC()
	var cfg store.SSOConfig
	err = s.store.InTransaction(ctx, func(tx store.Store) error {
		cfg, err = tx.UpdateSSOConfig(ctx, func(c store.SSOConfig) (store.SSOConfig, error) {
			// Checked again under the configuration's lock, which deleting
			// the identity provider or its Single Sign-On URL takes too.
			if p, err := tx.GetIdentityProvider(ctx, in.IdPID); errors.Is(err, store.ErrNotFound) || (err == nil && p.SSOURL == "") {
				return c, &ValidationError{Fields: map[string]string{FieldSSOIdP: "This trusted identity provider was deleted or lost its Single Sign-On URL meanwhile."}}
			} else if err != nil {
				return c, err
			}
			c.Enabled, c.IdPID, c.UserAttribute, c.SAMLAttribute = true, in.IdPID, in.UserAttribute, in.SAMLAttribute
			c.AllowIdPInitiated, c.UpdatedAt, c.UpdatedBy = in.AllowIdPInitiated, now, actor
			return c, nil
		})
		return err
	})
	if ve := AsValidationError(err); ve != nil {
		return store.SSOConfig{}, ve
	}
	if err != nil {
		return store.SSOConfig{}, fmt.Errorf("oauth: enable single sign-on: %w", err)
	}
	how := "verified as " + verified.UserName
	if force {
		how = "forced without verification"
	}
	s.audit(ctx, actor, "sso.enabled", idp.Name, fmt.Sprintf("idp=%s user_attribute=%s saml_attribute=%q allow_idp_initiated=%t; %s",
		idp.ProviderName, in.UserAttribute, in.SAMLAttribute, in.AllowIdPInitiated, how))
	return cfg, nil
}

// checkVerification returns why v does not allow saving in ("" when it
// does) and the administrator it resolved to.
func (s *Service) checkVerification(ctx context.Context, v store.SSOVerification, in SSOInput) (string, store.User, error) {
	switch {
	case v.At.IsZero() || v.IdPID != in.IdPID || v.UserAttribute != in.UserAttribute || v.SAMLAttribute != in.SAMLAttribute:
		return "Verify your account with these settings first (step 4): sign in once through the identity provider.", store.User{}, nil
	case v.Failure != "":
		return "The verification with these settings failed: " + v.Failure + ". Change the settings, or fix the user in the identity provider or through SCIM, and verify again.", store.User{}, nil
	case s.now().Sub(v.At) > VerificationLifetime:
		return fmt.Sprintf("The verification is older than %s. Verify again.", HumanDuration(VerificationLifetime)), store.User{}, nil
	}
	u, err := s.store.GetUser(ctx, v.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return "The user the verification resolved to no longer exists. Verify again.", store.User{}, nil
	}
	if err != nil {
		return "", store.User{}, fmt.Errorf("oauth: check verification: %w", err)
	}
	if !IsAdministrator(u) {
		return fmt.Sprintf("The verification resolved to %s, who does not hold DW Administrator (or is inactive): with these settings nobody could reach System › Administration. Sign in as an administrator, or assign the role first.", u.UserName), u, nil
	}
	return "", u, nil
}

// DisableSSO makes password sign-in the way people sign in again. It
// returns a store error, if any.
func (s *Service) DisableSSO(ctx context.Context, actor string) (store.SSOConfig, error) {
	now := s.now().UTC()
	cfg, err := s.store.UpdateSSOConfig(ctx, func(c store.SSOConfig) (store.SSOConfig, error) {
		c.Enabled, c.UpdatedAt, c.UpdatedBy = false, now, actor
		return c, nil
	})
	if err != nil {
		return store.SSOConfig{}, fmt.Errorf("oauth: disable single sign-on: %w", err)
	}
	s.audit(ctx, actor, "sso.disabled", "", "authentication method: password")
	return cfg, nil
}

// SAMLRedirect is where to send a browser to sign in at the identity
// provider: with the HTTP-Redirect binding to URL; with HTTP-POST by a form
// that posts SAMLRequest (and RelayState) to URL.
type SAMLRedirect struct {
	URL         string
	Post        bool
	SAMLRequest string
	RelayState  string
}

// NewBrowserBinding returns a random value for the cookie that binds SAML
// requests to the browser that started them (256 bits, base64url).
func NewBrowserBinding() string { return NewSessionID() }

// StartSSO starts a sign-in through the configured identity provider for
// the browser whose binding cookie holds browser, returning to next (a local
// path) afterwards: it records a signed AuthnRequest and returns where to
// send the browser. It returns ErrSSOOff, ErrSSOUnavailable, or a store error.
func (s *Service) StartSSO(ctx context.Context, browser, next string) (*SAMLRedirect, error) {
	cfg, err := s.SSO(ctx)
	if err != nil {
		return nil, err
	}
	if !cfg.Enabled {
		return nil, ErrSSOOff
	}
	idp, err := s.store.GetIdentityProvider(ctx, cfg.IdPID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && idp.SSOURL == "") {
		return nil, ErrSSOUnavailable
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: start sign-in: %w", err)
	}
	return s.startSAMLRequest(ctx, idp, store.SAMLRequest{Purpose: store.SAMLPurposeSignIn, Browser: browser, Next: next})
}

// StartSSOVerification starts the verification of in (Security tab, step
// 4) by admin, in the browser whose binding cookie holds browser: a sign-in
// through in's identity provider that is resolved with in's mapping and
// recorded, without signing anyone in or changing how people sign in. It
// returns a *ValidationError, or a store error.
func (s *Service) StartSSOVerification(ctx context.Context, admin store.User, browser string, in SSOInput) (*SAMLRedirect, error) {
	in, idp, fields, err := s.checkSSOInput(ctx, in)
	if err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		return nil, &ValidationError{Fields: fields}
	}
	r, err := s.startSAMLRequest(ctx, idp, store.SAMLRequest{
		Purpose: store.SAMLPurposeVerify, Browser: browser, UserAttribute: in.UserAttribute,
		SAMLAttribute: in.SAMLAttribute, StartedBy: admin.ID,
	})
	if err != nil {
		return nil, err
	}
	s.audit(ctx, admin.UserName, "sso.verification_started", idp.Name,
		fmt.Sprintf("user_attribute=%s saml_attribute=%q", in.UserAttribute, in.SAMLAttribute))
	return r, nil
}

// startSAMLRequest makes a signed AuthnRequest to idp (saml-core §3.4.1, with
// crewjam/saml), records it as r bound to the browser, and returns where to
// send the browser. The HTTP-Redirect binding signs the query (RSA-SHA256,
// saml-bindings §3.4.4.1), HTTP-POST the XML.
func (s *Service) startSAMLRequest(ctx context.Context, idp store.IdentityProvider, r store.SAMLRequest) (*SAMLRedirect, error) {
	if r.Browser == "" || len(r.Browser) > maxSessionID {
		return nil, errors.New("oauth: start sign-in: no browser binding")
	}
	sp, _, err := s.serviceProvider(ctx)
	if err != nil {
		return nil, err
	}
	binding := idp.SSOBinding
	if binding != saml.HTTPPostBinding {
		binding = saml.HTTPRedirectBinding
	}
	req, err := sp.MakeAuthenticationRequest(idp.SSOURL, binding, saml.HTTPPostBinding)
	if err != nil {
		return nil, fmt.Errorf("oauth: make AuthnRequest: %w", err)
	}
	now := s.now().UTC()
	r.ID, r.IdPID, r.Browser = req.ID, idp.ID, sessionKey(r.Browser)
	r.CreatedAt, r.ExpiresAt = now, now.Add(SAMLRequestLifetime)
	if err := s.store.CreateSAMLRequest(ctx, r); err != nil {
		return nil, fmt.Errorf("oauth: record AuthnRequest: %w", err)
	}
	if binding == saml.HTTPPostBinding {
		doc := etree.NewDocument()
		doc.SetRoot(req.Element())
		b, err := doc.WriteToBytes()
		if err != nil {
			return nil, fmt.Errorf("oauth: write AuthnRequest: %w", err)
		}
		return &SAMLRedirect{URL: idp.SSOURL, Post: true, SAMLRequest: base64.StdEncoding.EncodeToString(b)}, nil
	}
	u, err := req.Redirect("", sp)
	if err != nil {
		return nil, fmt.Errorf("oauth: sign AuthnRequest: %w", err)
	}
	return &SAMLRedirect{URL: u.String()}, nil
}
