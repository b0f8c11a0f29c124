package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// authorizationCodeGrant is RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5, §4.6): an
// Interactive Usage client redeems a code once for an access token and a
// refresh token in the name of the user who authorized it. Parameters it does
// not know (response_type=token, as the SAP Datasphere CLI sends) are ignored
// (RFC 6749 §3.2).
type authorizationCodeGrant struct{}

func (authorizationCodeGrant) issue(ctx context.Context, s *Service, req *TokenRequest, c store.Client, scopes []string) (*TokenResponse, error) {
	code := req.Params.Get("code")
	if code == "" {
		return nil, errorf(ErrInvalidRequest, "code is missing")
	}
	verifier := req.Params.Get("code_verifier")
	if verifier == "" && c.RequirePKCE {
		return nil, errorf(ErrInvalidRequest, "code_verifier is missing: this OAuth client's Require PKCE (S256) setting is on")
	}
	now := s.now().UTC()
	// The store finds only this client's codes: another client's guess or
	// stolen code neither works nor burns the code (nor revokes its tokens).
	ac, err := s.store.UseAuthCode(ctx, opaqueID(code), c.ID, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, errorf(ErrInvalidGrant, "the code is unknown or was issued to another client")
	case errors.Is(err, store.ErrConflict):
		// RFC 6749 §4.1.2: a code used twice may have been stolen; what its
		// first use issued is revoked.
		if err := s.revokeFamily(ctx, ac.FamilyID, ac.ClientID, now); err != nil {
			return nil, err
		}
		s.audit(ctx, c.ID, "code.reused", ac.ClientID, "family revoked")
		return nil, errorf(ErrInvalidGrant, "the code was used before; the tokens issued for it are revoked")
	case err != nil:
		return nil, fmt.Errorf("oauth: redeem code: %w", err)
	}
	switch {
	case !now.Before(ac.ExpiresAt):
		return nil, errorf(ErrInvalidGrant, "the code has expired")
	case !redirectURIMatches(c, ac, req.Params.Get("redirect_uri")):
		return nil, errorf(ErrInvalidGrant, "redirect_uri differs from the one of the authorization request")
	case ac.CodeChallenge == "" && verifier != "":
		// RFC 9700 §2.1.1: a code_verifier for a code issued without a
		// challenge is refused (a PKCE downgrade).
		return nil, errorf(ErrInvalidGrant, "code_verifier is sent, but the authorization request had no code_challenge")
	case ac.CodeChallenge == "":
		// Require PKCE is off and none was sent: nothing to check.
	case verifier == "":
		// A challenge that was sent is enforced, whatever the setting.
		return nil, errorf(ErrInvalidRequest, "code_verifier is missing: the authorization request sent a code_challenge")
	case !codeVerifierPattern.MatchString(verifier):
		return nil, errorf(ErrInvalidGrant, "code_verifier must be 43 to 128 unreserved characters")
	case !pkceMatches(verifier, ac.CodeChallenge):
		return nil, errorf(ErrInvalidGrant, "code_verifier does not match the code_challenge")
	}
	return s.issueUserTokens(ctx, c, req, ac.UserID, ac.FamilyID, strings.Fields(ac.Scope), scopes, GrantTypeAuthorizationCode)
}

// redirectURIMatches is RFC 6749 §4.1.3: redirect_uri must be the one of the
// authorization request. When that request left it out (the client's only
// redirect URI was used), it may be left out here too, or be that URI.
func redirectURIMatches(c store.Client, ac store.AuthCode, sent string) bool {
	if ac.RedirectURI != "" {
		return sent == ac.RedirectURI
	}
	if sent == "" {
		return true
	}
	only, ok := onlyRedirectURI(c)
	return ok && sent == only
}

// pkceMatches reports whether BASE64URL(SHA256(verifier)) equals the S256
// challenge (RFC 7636 §4.6), in constant time.
func pkceMatches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// issueUserTokens issues an access token and a new refresh token of family for
// the user userID. granted is what the code or refresh token carries; the
// access token gets its part the user still holds, narrowed by the request's
// scope (RFC 6749 §6) within allowed; the refresh token keeps granted.
func (s *Service) issueUserTokens(ctx context.Context, c store.Client, req *TokenRequest, userID, family string, granted, allowed []string, grantType string) (*TokenResponse, error) {
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		return nil, errorf(ErrInvalidGrant, "the user is deleted or deactivated")
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: token user: %w", err)
	}
	held, err := s.userScopes(ctx, u)
	if err != nil {
		return nil, err
	}
	var bound []string
	for _, sc := range granted {
		if slices.Contains(held, sc) && slices.Contains(allowed, sc) {
			bound = append(bound, sc)
		}
	}
	scopes, err := narrowScopes(bound, req.Scope)
	if err != nil {
		return nil, err
	}
	refresh, id, err := newOpaqueToken(refreshTokenPrefix)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	err = s.store.CreateRefreshToken(ctx, store.RefreshToken{
		ID: id, FamilyID: family, ClientID: c.ID, UserID: u.ID, Scope: strings.Join(granted, " "),
		CreatedAt: now, ExpiresAt: now.Add(c.RefreshTokenLifetime),
	})
	if err != nil {
		return nil, fmt.Errorf("oauth: create refresh token: %w", err)
	}
	subj := tokenSubject{sub: u.ID, userName: u.UserName, email: primaryEmail(u), family: family}
	resp, err := s.issueAccessToken(ctx, c, subj, scopes, grantType)
	if err != nil {
		return nil, err
	}
	resp.RefreshToken = refresh
	return resp, nil
}

// revokeFamily revokes every access and refresh token of a family. The
// revocation is kept as long as any token of the family can live: a refresh
// token rotated just now lives at most MaxRefreshTokenLifetime.
func (s *Service) revokeFamily(ctx context.Context, family, clientID string, now time.Time) error {
	if family == "" {
		return nil
	}
	err := s.store.RevokeToken(ctx, store.Revocation{TokenID: family, ClientID: clientID, ExpiresAt: now.Add(MaxRefreshTokenLifetime)})
	if err != nil {
		return fmt.Errorf("oauth: revoke token family: %w", err)
	}
	return nil
}
