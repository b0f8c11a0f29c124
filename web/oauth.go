package web

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
)

func (s *Server) registerOAuthRoutes(e *echo.Echo) {
	mw := []echo.MiddlewareFunc{limitBody(oauth.MaxRequestBody), noStore}
	// SAP tools send GET <Token URL>?grant_type=client_credentials with Basic auth.
	e.Match([]string{http.MethodGet, http.MethodPost}, "/oauth/token", s.token, mw...)
	e.Match([]string{http.MethodGet, http.MethodPost}, "/oauth/token/alias/:alias", s.token, mw...)
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
		return err
	}
	resp, err := s.svc.Token(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, resp)
}

func (s *Server) introspect(c echo.Context) error {
	req, err := oauth.ParseTokenRequest(c.Request())
	if err != nil {
		return err
	}
	resp, err := s.svc.Introspect(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, resp)
}

func (s *Server) revoke(c echo.Context) error {
	req, err := oauth.ParseTokenRequest(c.Request())
	if err != nil {
		return err
	}
	if err := s.svc.Revoke(c.Request().Context(), req); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
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
