package oauth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/appintegration/appintegration/store"
)

// refreshTokenGrant is RFC 6749 §6 with rotation (RFC 9700 §4.14.2): every use
// returns a new refresh token of the same family and retires the old one; a
// retired one used again revokes the whole family, since either the client or
// an attacker holds a stolen copy.
type refreshTokenGrant struct{}

func (refreshTokenGrant) issue(ctx context.Context, s *Service, req *TokenRequest, c store.Client, scopes []string) (*TokenResponse, error) {
	token := req.Params.Get("refresh_token")
	if token == "" {
		return nil, errorf(ErrInvalidRequest, "refresh_token is missing")
	}
	now := s.now().UTC()
	// The store finds only this client's tokens: another client cannot use or
	// burn them.
	rt, err := s.store.UseRefreshToken(ctx, opaqueID(token), c.ID, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, errorf(ErrInvalidGrant, "the refresh token is unknown or was issued to another client")
	case errors.Is(err, store.ErrConflict):
		if err := s.revokeFamily(ctx, rt.FamilyID, rt.ClientID, now); err != nil {
			return nil, err
		}
		s.audit(ctx, c.ID, "refresh_token.reused", rt.ClientID, "family revoked")
		return nil, errorf(ErrInvalidGrant, "the refresh token was used before; every token of its grant is revoked")
	case err != nil:
		return nil, fmt.Errorf("oauth: use refresh token: %w", err)
	}
	if !now.Before(rt.ExpiresAt) {
		return nil, errorf(ErrInvalidGrant, "the refresh token has expired")
	}
	revoked, err := s.store.IsRevoked(ctx, rt.FamilyID)
	if err != nil {
		return nil, fmt.Errorf("oauth: use refresh token: %w", err)
	}
	if revoked {
		return nil, errorf(ErrInvalidGrant, "the refresh token is revoked")
	}
	return s.issueUserTokens(ctx, c, req, rt.UserID, rt.FamilyID, strings.Fields(rt.Scope), scopes, GrantTypeRefreshToken)
}
