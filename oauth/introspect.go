package oauth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appintegration/appintegration/store"
)

// ErrInactiveToken is returned by VerifyAccessToken for a token that is not valid
// now: malformed, badly signed, expired, revoked, or of a deleted client.
var ErrInactiveToken = errors.New("oauth: token is not active")

// VerifyAccessToken checks an access token: signature by a published key, typ,
// issuer, expiry, that it is not revoked and that its client still exists (and,
// for a Technical User, has not expired). A token in a user's name also needs
// the user to exist and be active, and one from an authorization code or
// refresh token needs its family unrevoked. It
// returns the claims, ErrInactiveToken (wrapped, with the reason) or an internal
// error when the store fails.
func (s *Service) VerifyAccessToken(ctx context.Context, token string) (*AccessClaims, error) {
	return s.verifyAccessToken(ctx, token, "")
}

// verifyAccessToken is VerifyAccessToken; with a clientID, a token issued to
// another client is inactive too. That is decided from the verified claims,
// before the store is asked whether the token is revoked or its client or
// user gone, so that not even the time of the answer tells a client more
// about another's token than its signature and expiry, which anyone can check
// with the JWKS.
func (s *Service) verifyAccessToken(ctx context.Context, token, clientID string) (*AccessClaims, error) {
	snap, err := s.keys.get(ctx)
	if err != nil {
		return nil, err
	}
	claims := &AccessClaims{}
	parser := jwt.NewParser(
		jwt.WithIssuer(s.baseURL),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now),
		jwt.WithValidMethods([]string{AlgRS256, AlgES256, AlgEdDSA}),
	)
	_, err = parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != "at+jwt" {
			return nil, errors.New("typ is not at+jwt")
		}
		kid, _ := t.Header["kid"].(string)
		k := snap.byID[kid]
		if k == nil {
			return nil, errors.New("unknown kid")
		}
		if t.Method.Alg() != k.method.Alg() {
			return nil, errors.New("alg does not match the key")
		}
		return k.signer.Public(), nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInactiveToken, err)
	}
	if claims.ID == "" || claims.ClientID == "" {
		return nil, fmt.Errorf("%w: jti or client_id missing", ErrInactiveToken)
	}
	if clientID != "" && claims.ClientID != clientID {
		return nil, fmt.Errorf("%w: issued to another client", ErrInactiveToken)
	}
	revoked, err := s.store.IsRevoked(ctx, claims.ID)
	if err != nil {
		return nil, fmt.Errorf("oauth: verify token: %w", err)
	}
	if revoked {
		return nil, fmt.Errorf("%w: revoked", ErrInactiveToken)
	}
	c, err := s.clients.get(ctx, s.store, claims.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: client deleted", ErrInactiveToken)
	} else if err != nil {
		return nil, fmt.Errorf("oauth: verify token: %w", err)
	}
	// API Access client_credentials tokens stop here: no user, no family.
	if IsExpired(c, s.now()) {
		return nil, fmt.Errorf("%w: client expired", ErrInactiveToken)
	}
	if claims.Subject != claims.ClientID {
		// A token in a user's name dies with the user's deletion or deactivation.
		u, err := s.store.GetUser(ctx, claims.Subject)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
			return nil, fmt.Errorf("%w: user deleted or inactive", ErrInactiveToken)
		} else if err != nil {
			return nil, fmt.Errorf("oauth: verify token: %w", err)
		}
	}
	if claims.Family != "" {
		revoked, err := s.store.IsRevoked(ctx, claims.Family)
		if err != nil {
			return nil, fmt.Errorf("oauth: verify token: %w", err)
		}
		if revoked {
			return nil, fmt.Errorf("%w: token family revoked", ErrInactiveToken)
		}
	}
	return claims, nil
}

// Introspection is an RFC 7662 §2.2 response.
type Introspection struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	UserName  string   `json:"username,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       []string `json:"aud,omitempty"`
	Iss       string   `json:"iss,omitempty"`
	Jti       string   `json:"jti,omitempty"`
	GrantType string   `json:"grant_type,omitempty"`
}

// Introspect answers an RFC 7662 introspection request. The caller must be an
// authenticated client (§2.1); it gets an *Error otherwise. A token that is not
// valid is reported as {"active": false}, whatever the reason (§2.2), and so
// is a token issued to another client (§4: a client learns only about its own
// tokens; resource servers validate the JWTs with the JWKS).
func (s *Service) Introspect(ctx context.Context, req *TokenRequest) (Introspection, error) {
	c, err := s.AuthenticateClient(ctx, req.Credentials)
	if err != nil {
		return Introspection{}, err
	}
	token := req.Params.Get("token")
	if token == "" {
		return Introspection{}, errorf(ErrInvalidRequest, "token is missing")
	}
	claims, err := s.verifyAccessToken(ctx, token, c.ID)
	if errors.Is(err, ErrInactiveToken) {
		return Introspection{Active: false}, nil
	}
	if err != nil {
		return Introspection{}, err
	}
	return Introspection{
		Active:    true,
		Scope:     claims.Scope,
		ClientID:  claims.ClientID,
		UserName:  claims.UserName,
		TokenType: "Bearer",
		Exp:       claims.ExpiresAt.Unix(),
		Iat:       claims.IssuedAt.Unix(),
		Sub:       claims.Subject,
		Aud:       claims.Audience,
		Iss:       claims.Issuer,
		Jti:       claims.ID,
		GrantType: claims.GrantType,
	}, nil
}

// Revoke answers an RFC 7009 revocation request from an authenticated client. A
// token that is invalid or already expired needs no revocation and is answered
// with success (§2.2). A client revokes only its own tokens (§2.1); a token of
// another client, valid or not, is left alone and answered with the same
// success, so that the answer does not tell which tokens are valid.
func (s *Service) Revoke(ctx context.Context, req *TokenRequest) error {
	c, err := s.AuthenticateClient(ctx, req.Credentials)
	if err != nil {
		return err
	}
	token := req.Params.Get("token")
	if token == "" {
		return errorf(ErrInvalidRequest, "token is missing")
	}
	if hint := req.Params.Get("token_type_hint"); hint != "" && hint != "access_token" && hint != "refresh_token" {
		return errorf(ErrUnsupportedTokenType, "only access and refresh tokens are issued by this server")
	}
	if strings.HasPrefix(token, refreshTokenPrefix) {
		return s.revokeRefreshToken(ctx, c, token)
	}
	claims, err := s.verifyAccessToken(ctx, token, c.ID)
	if errors.Is(err, ErrInactiveToken) {
		return nil
	}
	if err != nil {
		return err
	}
	err = s.store.RevokeToken(ctx, store.Revocation{TokenID: claims.ID, ClientID: c.ID, ExpiresAt: claims.ExpiresAt.Time})
	if err != nil {
		return fmt.Errorf("oauth: revoke: %w", err)
	}
	return nil
}

// revokeRefreshToken revokes a refresh token of client c and, RFC 7009 §2.1,
// the access tokens of the same grant: its whole family. The store can only
// read a refresh token by using it, which retires it as revocation would
// anyway; it finds only c's tokens, so another client's request changes
// nothing and is answered like one for an invalid token (§2.2).
func (s *Service) revokeRefreshToken(ctx context.Context, c store.Client, token string) error {
	now := s.now().UTC()
	rt, err := s.store.UseRefreshToken(ctx, opaqueID(token), c.ID, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("oauth: revoke: %w", err)
	}
	return s.revokeFamily(ctx, rt.FamilyID, rt.ClientID, now)
}

// Metadata is the RFC 8414 authorization server metadata.
type Metadata struct {
	Issuer                             string   `json:"issuer"`
	AuthorizationEndpoint              string   `json:"authorization_endpoint"`
	TokenEndpoint                      string   `json:"token_endpoint"`
	JWKSURI                            string   `json:"jwks_uri"`
	ScopesSupported                    []string `json:"scopes_supported"`
	ResponseTypesSupported             []string `json:"response_types_supported"`
	GrantTypesSupported                []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported  []string `json:"token_endpoint_auth_methods_supported"`
	IntrospectionEndpoint              string   `json:"introspection_endpoint"`
	IntrospectionEndpointAuthMethods   []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationEndpoint                 string   `json:"revocation_endpoint"`
	RevocationEndpointAuthMethods      []string `json:"revocation_endpoint_auth_methods_supported"`
	AccessTokenSigningAlgValuesSupport []string `json:"access_token_signing_alg_values_supported"`
	CodeChallengeMethodsSupported      []string `json:"code_challenge_methods_supported"`
	// RFC 9207: authorization responses carry iss.
	AuthorizationResponseIssSupported bool `json:"authorization_response_iss_parameter_supported"`
}

// Metadata returns this server's RFC 8414 metadata.
func (s *Service) Metadata() Metadata {
	auth := []string{"client_secret_basic", "client_secret_post"}
	return Metadata{
		Issuer:                             s.baseURL,
		AuthorizationEndpoint:              s.URLs().AuthorizationURL,
		TokenEndpoint:                      s.URLs().TokenURL,
		JWKSURI:                            s.baseURL + "/oauth/token_keys",
		ScopesSupported:                    AccessValues(),
		ResponseTypesSupported:             []string{"code"},
		GrantTypesSupported:                []string{GrantTypeClientCredentials, GrantTypeSAML2Bearer, GrantTypeAuthorizationCode, GrantTypeRefreshToken},
		TokenEndpointAuthMethodsSupported:  auth,
		IntrospectionEndpoint:              s.baseURL + "/oauth/introspect",
		IntrospectionEndpointAuthMethods:   auth,
		RevocationEndpoint:                 s.baseURL + "/oauth/revoke",
		RevocationEndpointAuthMethods:      auth,
		AccessTokenSigningAlgValuesSupport: []string{s.alg},
		CodeChallengeMethodsSupported:      []string{"S256"},
		AuthorizationResponseIssSupported:  true,
	}
}
