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
	// Family names the grant a user token came from (an authorization code and
	// the refresh tokens rotated from it); revoking the family revokes it.
	Family string `json:"fam,omitempty"`
}

// Scopes returns the scope claim split into its values.
func (c *AccessClaims) Scopes() []string { return strings.Fields(c.Scope) }

// grant is one grant type of the token endpoint. Client authentication, the check
// that the client may use the grant (mayUse: its grant and purpose, see
// purposes.go), and scope narrowing happen before issue in Service.Token, so
// that no grant can skip them.
type grant interface {
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
	if !mayUse(c, req.GrantType) {
		return nil, errorf(ErrUnauthorizedClient, "this client was created for the %s grant and may not use %s", c.Grant, req.GrantType)
	}
	allowed, err := s.allowedScopes(ctx, c)
	if err != nil {
		return nil, err
	}
	scopes, err := narrowScopes(allowed, req.Scope)
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
	c, err := s.clients.get(ctx, s.store, cr.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		matchSecret(cr.Secret, unknownClientSecrets, s.now()) // the work done for a known client
		return store.Client{}, failed
	}
	if err != nil {
		return store.Client{}, fmt.Errorf("oauth: authenticate client: %w", err)
	}
	now := s.now()
	i := matchSecret(cr.Secret, c.Secrets, now)
	if i < 0 {
		return store.Client{}, failed
	}
	if IsExpired(c, now) {
		// Only a caller with the secret learns this, so it may say why.
		return store.Client{}, errorf(ErrInvalidClient, "this client expired on %s; an administrator can extend its expiry, which issues a new secret", ExpiryDate(c.ExpiresAt))
	}
	s.uses.record(c.Secrets[i].ID, now) // written later, off this path
	return c, nil
}

// unknownClientSecrets stand in for the secrets of a client that does not
// exist, so that it costs what checking a known one does.
var unknownClientSecrets = []store.ClientSecret{{Hash: make([]byte, 32)}}

// ClientScopes returns every scope client c may have in its tokens when they
// come from its Access (API Access); nil for other purposes, whose scopes come
// from a user's roles (see UserScopes).
func ClientScopes(c store.Client) []string {
	if ruleOf(c.Purpose).Scopes == ScopesFromAccess {
		return slices.Clone(c.Access)
	}
	return nil
}

// UserScopes returns the scopes a user holding roles has: the union of the
// scopes of those roles in catalog, known scopes first in AccessValues order.
func UserScopes(catalog []store.Role, roles []string) []string {
	var out []string
	for _, r := range catalog {
		if !slices.Contains(roles, r.Value) {
			continue
		}
		for _, sc := range r.Scopes {
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b string) int {
		return indexOr(accessValues, a) - indexOr(accessValues, b)
	})
	return out
}

// userScopes returns the scopes user u holds now, by its roles.
func (s *Service) userScopes(ctx context.Context, u store.User) ([]string, error) {
	catalog, err := s.Roles(ctx)
	if err != nil {
		return nil, fmt.Errorf("oauth: roles: %w", err)
	}
	return UserScopes(catalog, u.Roles), nil
}

// AllowedScopes returns every scope client c may put in a token: its Access for
// API Access, its user's roles for a Technical User, and for Interactive Usage
// every known scope (each token then carries only what its user holds). It
// returns an internal error when the store fails.
func (s *Service) AllowedScopes(ctx context.Context, c store.Client) ([]string, error) {
	return s.allowedScopes(ctx, c)
}

func (s *Service) allowedScopes(ctx context.Context, c store.Client) ([]string, error) {
	switch ruleOf(c.Purpose).Scopes {
	case ScopesFromOwnUser:
		u, err := s.technicalUserOf(ctx, c)
		if err != nil {
			return nil, err
		}
		return s.userScopes(ctx, u)
	case ScopesFromSignedInUser:
		return AccessValues(), nil
	}
	return ClientScopes(c), nil
}

// technicalUserOf returns the user of a Technical User client; a missing or
// inactive one makes the client unusable (invalid_client).
func (s *Service) technicalUserOf(ctx context.Context, c store.Client) (store.User, error) {
	u, err := s.store.GetUser(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		return store.User{}, errorf(ErrInvalidClient, "the technical user of this client is missing or inactive")
	}
	if err != nil {
		return store.User{}, fmt.Errorf("oauth: technical user: %w", err)
	}
	return u, nil
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
	family   string // the fam claim of user tokens from a code or refresh token
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
	if ruleOf(c.Purpose).Expires && exp.After(c.ExpiresAt) {
		// No token outlives its Technical User client: once it expires, even a
		// later extension cannot bring the old secret's tokens back.
		exp = c.ExpiresAt.Truncate(time.Second)
	}
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
		Family:    subj.family,
	}
	signed, err := snap.current.sign(claims)
	if err != nil {
		return nil, err
	}
	return &TokenResponse{
		AccessToken: signed,
		TokenType:   "bearer",
		ExpiresIn:   int64(exp.Sub(iat) / time.Second),
		Scope:       scope,
		JTI:         jti,
	}, nil
}

// clientCredentialsGrant is RFC 6749 §4.4.
type clientCredentialsGrant struct{}

func (clientCredentialsGrant) issue(ctx context.Context, s *Service, _ *TokenRequest, c store.Client, scopes []string) (*TokenResponse, error) {
	if ruleOf(c.Purpose).OwnUser {
		// The token names the client's technical user, whose roles gave the scopes.
		u, err := s.technicalUserOf(ctx, c)
		if err != nil {
			return nil, err
		}
		subj := tokenSubject{sub: u.ID, userName: u.UserName, email: primaryEmail(u)}
		return s.issueAccessToken(ctx, c, subj, scopes, GrantTypeClientCredentials)
	}
	// RFC 9068 §2.2: without a resource owner, sub is the client ID.
	return s.issueAccessToken(ctx, c, tokenSubject{sub: c.ID}, scopes, GrantTypeClientCredentials)
}
