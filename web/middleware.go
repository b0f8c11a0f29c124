package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/views"
)

const ctxRequestID = "request_id"

// requestID gives every request an ID, returned in X-Request-Id and written in
// every log line about the request: a random prefix per server and a counter,
// unique without reading randomness on every request (it need not be secret).
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	prefix := newToken()[:8]
	var n atomic.Uint64
	return func(c echo.Context) error {
		id := prefix + "-" + strconv.FormatUint(n.Add(1), 36)
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// accessLog writes one line per request. It logs the path without the query
// string, and no header or body, so that no secret or token reaches the log;
// the method is mapped like the metrics' (methodLabel).
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request().Context(), level, "request",
			slog.String("request_id", c.Get(ctxRequestID).(string)),
			slog.String("method", methodLabel(c.Request().Method)),
			slog.String("path", c.Request().URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", c.RealIP()),
		)
		return nil
	}
}

// recoverPanic turns a panic in a handler into a 500 and a log line with the stack.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic", "request_id", c.Get(ctxRequestID), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = errors.New("web: panic in handler")
			}
		}()
		return next(c)
	}
}

// contentSecurityPolicy allows only our own scripts and styles: no inline code.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		return next(c)
	}
}

// limitBody refuses request bodies larger than n bytes.
func limitBody(n int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > n {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body is larger than %d KiB.", n>>10))
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, n)
			return next(c)
		}
	}
}

// render writes a templ component after rendering it into a buffer, so that a
// failed render never sends half a page. Console pages are never cached: they
// carry CSRF tokens, and one carries a client secret.
func render(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return fmt.Errorf("web: render: %w", err)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// handleError is the one place errors become responses: OAuth JSON under /oauth
// and /.well-known, an HTML page elsewhere. Internal errors are logged with the
// request ID and shown without their text.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if oe := oauth.AsError(err); oe != nil {
		writeOAuthError(c, oe)
		return
	}
	status := http.StatusInternalServerError
	message := "Something went wrong on our side. Try again; if it keeps happening, give the administrator this request ID: " + fmt.Sprint(c.Get(ctxRequestID)) + "."
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
		if m, ok := he.Message.(string); ok && status < 500 {
			message = m
		}
	}
	if status >= 500 && !errors.Is(err, context.Canceled) {
		s.log.Error("internal error", "request_id", c.Get(ctxRequestID), "path", c.Request().URL.Path, "err", err)
	}
	path := c.Request().URL.Path
	if strings.HasPrefix(path, "/oauth/") || strings.HasPrefix(path, "/.well-known/") {
		code := "invalid_request"
		if status >= 500 {
			code = "server_error"
		}
		writeOAuthError(c, &oauth.Error{Code: code, Description: message, Status: status})
		return
	}
	if status == http.StatusNotFound && message == http.StatusText(http.StatusNotFound) {
		message = "There is no page at this address. Check the link, or start again from App Integration."
	}
	page := views.ErrorPage{Status: status, Title: errorTitle(status), Message: message}
	if u, err := s.currentUser(c); err == nil {
		c.Set(ctxUser, u)
		if sh, err := s.shell(c, page.Title); err == nil {
			page.Shell = &sh
		}
	}
	if err := render(c, status, views.ErrorPageView(page)); err != nil {
		s.log.Error("render error page", "request_id", c.Get(ctxRequestID), "err", err)
		_ = c.String(status, message)
	}
}

func errorTitle(status int) string {
	switch status {
	case http.StatusForbidden:
		return "Access denied"
	case http.StatusNotFound:
		return "Page not found"
	case http.StatusMethodNotAllowed:
		return "Not allowed"
	case http.StatusRequestEntityTooLarge:
		return "Request too large"
	}
	if status >= 500 {
		return "Something went wrong"
	}
	return http.StatusText(status)
}
