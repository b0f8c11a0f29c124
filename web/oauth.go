package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
)

func (s *Server) registerOAuthRoutes(e *echo.Echo) {
	mw := []echo.MiddlewareFunc{limitBody(oauth.MaxRequestBody), noStore}
	// SAP tools send GET <Token URL>?grant_type=client_credentials with Basic auth.
	e.Match([]string{http.MethodGet, http.MethodPost}, "/oauth/token", s.token, mw...)
	e.Match([]string{http.MethodGet, http.MethodPost}, "/oauth/token/alias/:alias", s.token, mw...)
	e.GET(pathAuthorize, s.authorize, noStore)
	e.POST("/oauth/introspect", s.introspect, mw...)
	e.POST("/oauth/revoke", s.revoke, mw...)

	e.GET("/oauth/token_keys", s.jwks)
	e.GET("/.well-known/jwks.json", s.jwks)
	e.GET("/.well-known/oauth-authorization-server", s.metadata)
}

// noStore marks responses that carry tokens as not cacheable (RFC 6749 §5.1).
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Header().Set("Pragma", "no-cache")
		return next(c)
	}
}

func (s *Server) token(c echo.Context) error {
	if alias := c.Param("alias"); alias != "" && alias != oauth.SAMLAlias {
		return echo.NewHTTPError(http.StatusNotFound, "There is no token endpoint with this alias.")
	}
	req, err := oauth.ParseTokenRequest(c.Request())
	if err != nil {
		s.metrics.tokensRefused.WithLabelValues("none", oauthCode(err)).Inc()
		return err
	}
	resp, err := s.svc.Token(c.Request().Context(), req)
	if err != nil {
		err = s.clientAuthFailed(c, req, err)
		s.metrics.tokensRefused.WithLabelValues(grantLabel(req.GrantType), oauthCode(err)).Inc()
		// Audit the refusal: the reason and client ID, never the credentials.
		// Refusals past the rate limit are counted, not written, so that a
		// flood of bad requests cannot turn into a flood of database writes.
		if oe := oauth.AsError(err); oe != nil && oe.Status != http.StatusTooManyRequests {
			s.svc.Audit(c.Request().Context(), req.Credentials.ClientID, "token.refused", req.Credentials.ClientID,
				"grant_type="+grantLabel(req.GrantType)+" reason="+oe.Code)
		}
		return err
	}
	s.metrics.tokensIssued.WithLabelValues(grantLabel(req.GrantType)).Inc()
	return writeJSON(c, http.StatusOK, resp)
}

func (s *Server) introspect(c echo.Context) error {
	req, err := oauth.ParseTokenRequest(c.Request())
	if err != nil {
		return err
	}
	resp, err := s.svc.Introspect(c.Request().Context(), req)
	if err != nil {
		return s.clientAuthFailed(c, req, err)
	}
	return writeJSON(c, http.StatusOK, resp)
}

func (s *Server) revoke(c echo.Context) error {
	req, err := oauth.ParseTokenRequest(c.Request())
	if err != nil {
		return err
	}
	if err := s.svc.Revoke(c.Request().Context(), req); err != nil {
		return s.clientAuthFailed(c, req, err)
	}
	return c.NoContent(http.StatusOK)
}

// clientAuthFailed counts a failed client authentication against the limits
// and returns err, or, once the client ID or address failed too often lately,
// a 429 with Retry-After in its place. Credentials are always checked first: a
// correct secret is never refused or slowed, so that nobody can lock a client
// out by failing in its name.
func (s *Server) clientAuthFailed(c echo.Context, req *oauth.TokenRequest, err error) error {
	if !errors.Is(err, oauth.ErrInvalidClient) {
		return err
	}
	wait, blocked := s.limits.clientBlocked(req.Credentials.ClientID, c.RealIP())
	s.limits.clientFailed(req.Credentials.ClientID, c.RealIP())
	if !blocked {
		return err
	}
	secs := int(wait.Seconds()) + 1
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return &oauth.Error{Code: "temporarily_unavailable", Status: http.StatusTooManyRequests,
		Description: fmt.Sprintf("too many failed client authentications; retry in %d seconds", secs)}
}

// oauthCode is the OAuth error code of err, or "server_error".
func oauthCode(err error) string {
	if oe := oauth.AsError(err); oe != nil {
		return oe.Code
	}
	return "server_error"
}

func (s *Server) jwks(c echo.Context) error {
	set, err := s.svc.JWKS(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	return writeJSON(c, http.StatusOK, set)
}

func (s *Server) metadata(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return writeJSON(c, http.StatusOK, s.svc.Metadata())
}

// writeOAuthError writes an RFC 6749 §5.2 error. invalid_client answered with 401
// carries WWW-Authenticate so that clients retry with HTTP Basic (§5.2).
func writeOAuthError(c echo.Context, e *oauth.Error) {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="App Integration", charset="UTF-8"`)
	}
	body := struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{e.Code, e.Description}
	_ = writeJSON(c, e.Status, body)
}

func writeJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(status, "application/json;charset=UTF-8", b)
}
