package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// CodeLifetime is how long an authorization code can be redeemed. RFC 6749
// §4.1.2 recommends at most 10 minutes; the client redeems it at once.
const CodeLifetime = 5 * time.Minute

// Prefixes of the opaque codes and refresh tokens, so that secret scanners
// (and Revoke) can tell them apart from JWTs.
const (
	authCodePrefix     = "appint_ac_"
	refreshTokenPrefix = "appint_rt_"
)

// maxState bounds the state parameter, which is sent back unchanged.
const maxState = 1024

// Error codes of the authorization endpoint (RFC 6749 §4.1.2.1) that the token
// endpoint does not use.
var (
	ErrUnsupportedResponseType = &Error{Code: "unsupported_response_type", Status: http.StatusBadRequest}
	ErrAccessDenied            = &Error{Code: "access_denied", Status: http.StatusForbidden}
)

// codeChallengePattern is an S256 challenge: BASE64URL(SHA256(verifier)), 43
// characters without padding (RFC 7636 §4.2).
var codeChallengePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// codeVerifierPattern is RFC 7636 §4.1: 43 to 128 unreserved characters.
var codeVerifierPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// AuthorizeRequest is an authorization request (RFC 6749 §4.1.1) that passed
// every check that does not need the user.
type AuthorizeRequest struct {
	Client store.Client
	// RedirectURI is where the code goes: the redirect_uri sent, or the
	// client's only registered one when none was sent (RFC 6749 §3.1.2.3).
	RedirectURI   string
	State         string
	Scope         []string // as requested; empty asks for every scope the user has
	CodeChallenge string   // PKCE S256 (RFC 7636 §4.3); "" when none was sent
	// redirectURISent is the redirect_uri parameter as sent, "" when it was
	// left out: the token request must repeat it (RFC 6749 §4.1.3).
	redirectURISent string
}

// AuthorizeError is a refused authorization request. Without a RedirectURI the
// client or redirect URI could not be trusted, and the error must be shown to
// the user, never redirected to (RFC 6749 §4.1.2.1); with one, Location is
// where the user agent is sent.
type AuthorizeError struct {
	Err         *Error
	RedirectURI string
	State       string
	Issuer      string
}

func (e *AuthorizeError) Error() string { return "oauth: authorize: " + e.Err.Error() }

// Location returns the redirect URI with error, error_description, state and
// iss (RFC 9207) added to its query; "" when the error must not be redirected.
func (e *AuthorizeError) Location() string {
	if e.RedirectURI == "" {
		return ""
	}
	p := url.Values{"error": {e.Err.Code}}
	if e.Err.Description != "" {
		p.Set("error_description", e.Err.Description)
	}
	return withQuery(e.RedirectURI, p, e.State, e.Issuer)
}

// AsAuthorizeError returns err as an *AuthorizeError, or nil.
func AsAuthorizeError(err error) *AuthorizeError {
	var e *AuthorizeError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// withQuery adds p, state and iss to the query of uri. RFC 6749 §4.1.2: the
// query the client registered is kept.
func withQuery(uri string, p url.Values, state, iss string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	q := u.Query()
	for k, v := range p {
		q[k] = v
	}
	if state != "" {
		q.Set("state", state)
	}
	q.Set("iss", iss)
	u.RawQuery = q.Encode()
	return u.String()
}

// CheckAuthorizeRequest validates the parameters of an authorization request
// (RFC 6749 §4.1.1 with RFC 7636 §4.3). An unknown client or a redirect URI the
// client did not register gives an *AuthorizeError without RedirectURI (show
// it); every other refusal one with RedirectURI (redirect to it).
// redirect_uri may be left out when the client has exactly one registered
// redirect URI without a wildcard (RFC 6749 §3.1.2.3). PKCE with S256 is
// required when the client's Require PKCE is on; a code_challenge that is
// sent is checked (and enforced at the token endpoint) either way (RFC 9700
// §2.1.1). Unknown parameters are ignored (§3.1). Only a store failure is
// returned as another error.
func (s *Service) CheckAuthorizeRequest(ctx context.Context, params url.Values) (*AuthorizeRequest, error) {
	page := func(format string, args ...any) error {
		return &AuthorizeError{Err: errorf(ErrInvalidRequest, format, args...)}
	}
	for _, k := range []string{"client_id", "redirect_uri"} {
		if len(params[k]) > 1 {
			return nil, page("%s is sent more than once", k)
		}
	}
	clientID := params.Get("client_id")
	if clientID == "" {
		return nil, page("client_id is missing")
	}
	if len(clientID) > maxClientIDLen {
		return nil, page("there is no OAuth client with this client_id")
	}
	c, err := s.store.GetClient(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, page("there is no OAuth client with this client_id")
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: authorize: %w", err)
	}
	if !mayUse(c, GrantTypeAuthorizationCode) {
		return nil, &AuthorizeError{Err: errorf(ErrUnauthorizedClient, "this OAuth client was not created for Interactive Usage and cannot sign users in")}
	}
	sent := params.Get("redirect_uri")
	redirectURI := sent
	if sent == "" {
		only, ok := onlyRedirectURI(c)
		if !ok {
			return nil, page("redirect_uri is missing; it may be left out only when the OAuth client has exactly one redirect URI without a wildcard")
		}
		redirectURI = only
	} else if !MatchRedirectURI(c.RedirectURIs, sent) {
		return nil, page("redirect_uri is not one of the redirect URIs registered for this OAuth client")
	}

	// From here on the redirect URI is trusted: errors go back to the client.
	state := params.Get("state")
	back := func(base *Error, format string, args ...any) error {
		return &AuthorizeError{Err: errorf(base, format, args...), RedirectURI: redirectURI, State: state, Issuer: s.baseURL}
	}
	for k, v := range params {
		if len(v) > 1 {
			return nil, back(ErrInvalidRequest, "parameter %q is sent more than once", truncate(k, 40))
		}
	}
	if len(state) > maxState {
		state = ""
		return nil, back(ErrInvalidRequest, "state is longer than %d characters", maxState)
	}
	switch rt := params.Get("response_type"); rt {
	case "code":
	case "":
		return nil, back(ErrInvalidRequest, "response_type is missing")
	default:
		return nil, back(ErrUnsupportedResponseType, "response_type must be code")
	}
	challenge := params.Get("code_challenge")
	switch {
	case challenge == "" && c.RequirePKCE:
		return nil, back(ErrInvalidRequest, "PKCE is required: this OAuth client's Require PKCE (S256) setting is on, so send code_challenge and code_challenge_method=S256 (an administrator can turn the setting off for tools that cannot send PKCE)")
	case challenge == "" && params.Has("code_challenge_method"):
		return nil, back(ErrInvalidRequest, "code_challenge_method is sent without code_challenge")
	case challenge == "":
		// Require PKCE is off: no challenge, and the token request must then
		// send no code_verifier either.
	case params.Get("code_challenge_method") != "S256": // RFC 7636 §4.4.1; "plain" is refused
		return nil, back(ErrInvalidRequest, "code_challenge_method must be S256")
	case !codeChallengePattern.MatchString(challenge):
		return nil, back(ErrInvalidRequest, "code_challenge is not a base64url SHA-256 value (43 characters)")
	}
	var scope []string
	for _, sc := range strings.Fields(params.Get("scope")) {
		if !slices.Contains(accessValues, sc) {
			return nil, back(ErrInvalidScope, "scope %q is unknown (known: %s)", truncate(sc, 60), strings.Join(accessValues, " "))
		}
		if !slices.Contains(scope, sc) {
			scope = append(scope, sc)
		}
	}
	return &AuthorizeRequest{Client: c, RedirectURI: redirectURI, State: state, Scope: scope, CodeChallenge: challenge,
		redirectURISent: sent}, nil
}

// onlyRedirectURI returns the client's one registered redirect URI, when it
// has exactly one and it is no wildcard: then redirect_uri may be left out
// (RFC 6749 §3.1.2.3).
func onlyRedirectURI(c store.Client) (string, bool) {
	if len(c.RedirectURIs) != 1 || strings.HasSuffix(c.RedirectURIs[0], "/"+wildcard) {
		return "", false
	}
	return c.RedirectURIs[0], true
}

// IssueCode issues an authorization code for ar to the signed-in user u and
// returns where to send the user agent: the redirect URI with code, state and
// iss (RFC 6749 §4.1.2, RFC 9207). The code is single use, lives CodeLifetime
// and is bound to the client, the redirect_uri as sent (none, when it was left
// out), the user, the scope and the PKCE challenge (if one was sent); only its
// SHA-256 is stored. A user without a password may authorize: they signed in
// through the identity provider. It returns an *AuthorizeError
// (redirect it) when the user may not authorize, or an internal error.
func (s *Service) IssueCode(ctx context.Context, ar *AuthorizeRequest, u store.User) (string, error) {
	back := func(base *Error, msg string) error {
		return &AuthorizeError{Err: errorf(base, "%s", msg), RedirectURI: ar.RedirectURI, State: ar.State, Issuer: s.baseURL}
	}
	if !u.Active || u.ClientID != "" { // a technical user acts only through its client
		return "", back(ErrAccessDenied, "this user may not sign in")
	}
	held, err := s.userScopes(ctx, u)
	if err != nil {
		return "", err
	}
	scope := held
	if len(ar.Scope) > 0 {
		scope = nil
		for _, sc := range ar.Scope {
			if slices.Contains(held, sc) {
				scope = append(scope, sc)
			}
		}
		if len(scope) == 0 {
			return "", back(ErrInvalidScope, "the user holds none of the requested scopes")
		}
	}
	code, id, err := newOpaqueToken(authCodePrefix)
	if err != nil {
		return "", err
	}
	family, err := newID()
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	err = s.store.CreateAuthCode(ctx, store.AuthCode{
		ID: id, ClientID: ar.Client.ID, UserID: u.ID, RedirectURI: ar.redirectURISent,
		Scope: strings.Join(scope, " "), CodeChallenge: ar.CodeChallenge, FamilyID: family,
		CreatedAt: now, ExpiresAt: now.Add(CodeLifetime),
	})
	if err != nil {
		return "", fmt.Errorf("oauth: issue code: %w", err)
	}
	s.audit(ctx, u.UserName, "code.issued", ar.Client.ID, "scope="+strings.Join(scope, " "))
	return withQuery(ar.RedirectURI, url.Values{"code": {code}}, ar.State, s.baseURL), nil
}

// newOpaqueToken returns a random token with prefix (256 bits, base64url) and
// the ID it is stored under: the hex SHA-256 of the token.
func newOpaqueToken(prefix string) (token, id string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("oauth: read random: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, opaqueID(token), nil
}

// opaqueID is the stored ID of a code or refresh token.
func opaqueID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
