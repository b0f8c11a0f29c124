package scim

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

const ctxClaims = "scim.claims"

// authError is a 401 or 403 with the RFC 6750 §3 WWW-Authenticate challenge.
type authError struct {
	err       *Error
	challenge string
}

func (e *authError) Error() string { return e.err.Error() }

// authenticate checks the bearer token (RFC 6750 §2.1) with the token
// service, which refuses expired and revoked tokens and those of deleted
// clients. With scoped set it also requires the user_provisioning scope and,
// for SAML2 bearer tokens, that the user the token names holds the DW
// Administrator role now.
func (h *handler) authenticate(scoped bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			claims, err := h.verify(c, scoped)
			if err != nil {
				var ae *authError
				if errors.As(err, &ae) {
					c.Response().Header().Set("WWW-Authenticate", ae.challenge)
					return ae.err
				}
				return err
			}
			c.Set(ctxClaims, claims)
			return next(c)
		}
	}
}

const realm = `Bearer realm="App Integration"`

func (h *handler) verify(c echo.Context, scoped bool) (*oauth.AccessClaims, error) {
	ctx := c.Request().Context()
	scheme, token, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		// RFC 6750 §3.1: no error code when the request had no token.
		return nil, &authError{newError(http.StatusUnauthorized, "", "An access token is required: send Authorization: Bearer <token>."), realm}
	}
	claims, err := h.svc.VerifyAccessToken(ctx, token)
	if errors.Is(err, oauth.ErrInactiveToken) {
		return nil, &authError{newError(http.StatusUnauthorized, "", "The access token is invalid, expired or revoked; get a new one."),
			realm + `, error="invalid_token", error_description="The access token is invalid, expired or revoked"`}
	}
	if err != nil {
		return nil, err
	}
	if !scoped {
		return claims, nil
	}
	insufficient := func(detail string) error {
		return &authError{newError(http.StatusForbidden, "", "%s", detail),
			realm + fmt.Sprintf(`, error="insufficient_scope", scope=%q`, store.AccessUserProvisioning)}
	}
	if !slices.Contains(claims.Scopes(), store.AccessUserProvisioning) {
		return nil, insufficient("The access token lacks the user_provisioning scope: use a client with User Provisioning access.")
	}
	if claims.UserName == "" {
		return claims, nil // an API Access client's own token: its Access decides
	}
	// A token in a user's name is only as good as the user's roles now: a
	// user demoted since the token was issued loses SCIM access at once.
	u, err := h.store.GetUser(ctx, claims.Subject)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if claims.GrantType == oauth.GrantTypeSAML2Bearer {
		if err != nil || !oauth.IsAdministrator(u) {
			return nil, insufficient("User provisioning with a SAML2.0 bearer token needs a user with the DW Administrator role.")
		}
		return claims, nil
	}
	if err != nil {
		return nil, insufficient("The user this token names no longer exists.")
	}
	catalog, err := h.store.ListRoles(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(oauth.UserScopes(catalog, u.Roles), store.AccessUserProvisioning) {
		return nil, insufficient("The user this token names no longer holds a role that grants user_provisioning.")
	}
	return claims, nil
}

// actor is who the audit log names for a change: the token's client.
func actor(c echo.Context) string {
	if cl, ok := c.Get(ctxClaims).(*oauth.AccessClaims); ok {
		return cl.ClientID
	}
	return "scim"
}

// csrf answers GET /api/v1/csrf with "x-csrf-token: fetch" by sending a token
// in x-csrf-token, as SAP's APIs do, so that clients written for them work
// unchanged. Bearer-token requests do not need the token, so it is not kept.
func (h *handler) csrf(c echo.Context) error {
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", "no-store")
	if strings.EqualFold(c.Request().Header.Get("x-csrf-token"), "fetch") {
		b := make([]byte, 32)
		_, _ = rand.Read(b) // crypto/rand.Read does not fail on supported platforms
		hdr.Set("x-csrf-token", base64.RawURLEncoding.EncodeToString(b))
	}
	return c.NoContent(http.StatusOK)
}
