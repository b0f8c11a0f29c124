package oauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appintegration/appintegration/store"
)

// TokenResponse is a successful token response (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	JTI          string `json:"jti"`
}

// AccessClaims are the claims of an access token, in the RFC 9068 profile.
type AccessClaims struct {
	jwt.RegisteredClaims
	ClientID  string `json:"client_id"`
	Scope     string `json:"scope"`
	GrantType string `json:"grant_type"`
	UserName  string `json:"user_name,omitempty"`
	Email     string `json:"email,omitempty"`
}

// Scopes returns the scope claim split into its values.
func (c *AccessClaims) Scopes() []string { return strings.Fields(c.Scope) }

// grant is one grant type of the token endpoint. Client authentication, the check
// that the client may use the grant, and scope narrowing happen before issue in
// Service.Token, so that no grant can skip them.
type grant interface {
	// allowed reports whether client c may use this grant.
	allowed(c store.Client) bool
	// issue handles the grant-specific part of the request.
	issue(ctx context.Context, s *Service, req *TokenRequest, c store.Client, scopes []string) (*TokenResponse, error)
}

// Token handles a token request (RFC 6749 §3.2). It returns an *Error for every
// refusal, or an internal error.
func (s *Service) Token(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	c, err := s.AuthenticateClient(ctx, req.Credentials)
	if err != nil {
		return nil, err
	}
	if req.GrantType == "" {
		return nil, errorf(ErrInvalidRequest, "grant_type is missing")
	}
	g, ok := s.grants[req.GrantType]
	if !ok {
		return nil, errorf(ErrUnsupportedGrantType, "grant_type %q is not supported", truncate(req.GrantType, 60))
	}
	if !g.allowed(c) {
		return nil, errorf(ErrUnauthorizedClient, "this client was created for the %s grant and may not use %s", c.Grant, req.GrantType)
	}
	scopes, err := narrowScopes(ClientScopes(c), req.Scope)
	if err != nil {
		return nil, err
	}
	return g.issue(ctx, s, req, c, scopes)
}

// AuthenticateClient checks a client's credentials in constant time. Every failure
// is the same invalid_client error, so that callers cannot tell an unknown client
// from a wrong secret.
func (s *Service) AuthenticateClient(ctx context.Context, cr Credentials) (store.Client, error) {
	if cr.Method == "" {
		return store.Client{}, errorf(ErrInvalidClient, "client authentication is required (HTTP Basic or client_id and client_secret in the body)")
	}
	failed := errorf(ErrInvalidClient, "client authentication failed")
	c, err := s.store.GetClient(ctx, cr.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		secretMatches(cr.Secret, make([]byte, 32)) // same work as for a known client
		return store.Client{}, failed
	}
	if err != nil {
		return store.Client{}, fmt.Errorf("oauth: authenticate client: %w", err)
	}
	if !secretMatches(cr.Secret, c.SecretHash) {
		return store.Client{}, failed
	}
	return c, nil
}

// ClientScopes returns every scope client c may have in its tokens.
func ClientScopes(c store.Client) []string {
	if c.Purpose == store.PurposeAPIAccess {
		return slices.Clone(c.Access)
	}
	return nil
}

// narrowScopes applies a requested scope (RFC 6749 §3.3) to what is allowed: an
// empty request gets everything allowed; a request can only narrow.
func narrowScopes(allowed []string, requested string) ([]string, error) {
	if strings.TrimSpace(requested) == "" {
		return allowed, nil
	}
	var out []string
	for _, sc := range strings.Fields(requested) {
		if !slices.Contains(allowed, sc) {
			return nil, errorf(ErrInvalidScope, "scope %q is not granted to this client (granted: %s)", truncate(sc, 60), strings.Join(allowed, " "))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// tokenSubject is who an access token is about.
type tokenSubject struct {
	sub      string
	userName string
	email    string
}

// issueAccessToken signs an access token for client c. exp - iat equals the
// client's token lifetime exactly.
func (s *Service) issueAccessToken(ctx context.Context, c store.Client, subj tokenSubject, scopes []string, grantType string) (*TokenResponse, error) {
	snap, err := s.keys.get(ctx)
	if err != nil {
		return nil, err
	}
	if snap.current == nil {
		return nil, errors.New("oauth: no signing key (was Init called?)")
	}
	jti, err := newID()
	if err != nil {
		return nil, err
	}
	iat := s.now().Truncate(time.Second)
	exp := iat.Add(c.TokenLifetime)
	scope := strings.Join(scopes, " ")
	claims := &AccessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.baseURL,
			Subject:   subj.sub,
			Audience:  jwt.ClaimStrings{s.audience()},
			ExpiresAt: jwt.NewNumericDate(exp),
			IssuedAt:  jwt.NewNumericDate(iat),
			ID:        jti,
		},
		ClientID:  c.ID,
		Scope:     scope,
		GrantType: grantType,
		UserName:  subj.userName,
		Email:     subj.email,
	}
	tok := jwt.NewWithClaims(snap.current.method, claims)
	tok.Header["typ"] = "at+jwt" // RFC 9068 §2.1
	tok.Header["kid"] = snap.current.rec.ID
	signed, err := tok.SignedString(snap.current.signer)
	if err != nil {
		return nil, fmt.Errorf("oauth: sign token: %w", err)
	}
	return &TokenResponse{
		AccessToken: signed,
		TokenType:   "bearer",
		ExpiresIn:   int64(c.TokenLifetime / time.Second),
		Scope:       scope,
		JTI:         jti,
	}, nil
}

// clientCredentialsGrant is RFC 6749 §4.4.
type clientCredentialsGrant struct{}

func (clientCredentialsGrant) allowed(c store.Client) bool {
	return c.Grant == store.GrantClientCredentials
}

func (clientCredentialsGrant) issue(ctx context.Context, s *Service, _ *TokenRequest, c store.Client, scopes []string) (*TokenResponse, error) {
	// RFC 9068 §2.2: without a resource owner, sub is the client ID.
	return s.issueAccessToken(ctx, c, tokenSubject{sub: c.ID}, scopes, GrantTypeClientCredentials)
}
