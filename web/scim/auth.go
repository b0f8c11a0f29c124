package scim

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

const ctxActor = "scim.actor"

// authError is a 401 or 403 with the RFC 6750 §3 WWW-Authenticate challenge.
type authError struct {
	err       *Error
	challenge string
}

func (e *authError) Error() string { return e.err.Error() }

// authenticate checks the bearer token (RFC 6750 §2.1) with the token
// service, which refuses expired and revoked tokens and those of deleted
// clients. With scoped set the service also decides, for this request,
// whether the token may provision users (oauth.Service.ProvisioningActor),
// and the Actor it returns makes the request's changes.
func (h *handler) authenticate(scoped bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			actor, err := h.verify(c, scoped)
			if err != nil {
				var ae *authError
				if errors.As(err, &ae) {
					c.Response().Header().Set("WWW-Authenticate", ae.challenge)
					return ae.err
				}
				return err
			}
			c.Set(ctxActor, actor)
			return next(c)
		}
	}
}

const realm = `Bearer realm="App Integration"`

func (h *handler) verify(c echo.Context, scoped bool) (oauth.Actor, error) {
	ctx := c.Request().Context()
	scheme, token, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		// RFC 6750 §3.1: no error code when the request had no token.
		return oauth.Actor{}, &authError{newError(http.StatusUnauthorized, "", "An access token is required: send Authorization: Bearer <token>."), realm}
	}
	var (
		actor oauth.Actor
		err   error
	)
	if scoped {
		actor, err = h.svc.ProvisioningActor(ctx, token, "SCIM")
	} else {
		_, err = h.svc.VerifyAccessToken(ctx, token)
	}
	if errors.Is(err, oauth.ErrInactiveToken) {
		return oauth.Actor{}, &authError{newError(http.StatusUnauthorized, "", "The access token is invalid, expired or revoked; get a new one."),
			realm + `, error="invalid_token", error_description="The access token is invalid, expired or revoked"`}
	}
	if d := oauth.AsDeniedError(err); d != nil {
		return oauth.Actor{}, &authError{newError(http.StatusForbidden, "", "%s", d.Reason),
			realm + fmt.Sprintf(`, error="insufficient_scope", scope=%q`, store.AccessUserProvisioning)}
	}
	return actor, err
}

// actorOf is who makes the request's changes: the token's client.
func actorOf(c echo.Context) oauth.Actor {
	a, _ := c.Get(ctxActor).(oauth.Actor)
	return a
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
