package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

const (
	sessionName     = "appint_session"
	sessionLifetime = 8 * time.Hour

	keyUserID = "uid"
	keyAuthAt = "auth_at"
	keyCSRF   = "csrf"
)

// Context keys set by the console middleware.
const (
	ctxSession = "session"
	ctxUser    = "user"
)

// session returns the request's console session, a new one when the cookie is
// missing or was not made by us (gorilla returns a fresh session with the error).
func (s *Server) session(c echo.Context) *sessions.Session {
	if sess, ok := c.Get(ctxSession).(*sessions.Session); ok {
		return sess
	}
	sess, _ := s.sessions.Get(c.Request(), sessionName)
	c.Set(ctxSession, sess)
	return sess
}

func (s *Server) saveSession(c echo.Context) error {
	return s.session(c).Save(c.Request(), c.Response())
}

// csrfToken returns the session's CSRF token, creating it (and saving the session)
// on first use. The token is bound to the session: a form from another session,
// or from before sign-in, is refused.
func (s *Server) csrfToken(c echo.Context) (string, error) {
	sess := s.session(c)
	if t, ok := sess.Values[keyCSRF].(string); ok && t != "" {
		return t, nil
	}
	sess.Values[keyCSRF] = newToken()
	if err := s.saveSession(c); err != nil {
		return "", err
	}
	return sess.Values[keyCSRF].(string), nil
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// errCSRF is answered with 403 and a page that explains what to do.
var errCSRF = echo.NewHTTPError(http.StatusForbidden, "The form has expired or did not come from this console. Go back, reload the page and try again.")

// checkCSRF guards every state-changing console request: the Origin, when the
// browser sends one, must be ours, and the form field _csrf (or the
// X-CSRF-Token header) must equal the session's token.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if o := r.Header.Get("Origin"); o != "" && o != "null" && !strings.EqualFold(o, s.origin) {
			return errCSRF
		}
		want, _ := s.session(c).Values[keyCSRF].(string)
		got := r.PostFormValue(views.FieldCSRF)
		if got == "" {
			got = r.Header.Get("X-CSRF-Token")
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
			return errCSRF
		}
		return next(c)
	}
}

// requireAdmin lets only signed-in users with the DW Administrator role through.
// Others are sent to the sign-in page, or get a 403 page when signed in.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := s.currentUser(c)
		if errors.Is(err, errSignedOut) {
			target := c.Request().URL.RequestURI()
			if c.Request().Method != http.MethodGet {
				target = pathAppIntegration
			}
			return c.Redirect(http.StatusSeeOther, pathLogin+"?"+views.FieldNext+"="+url.QueryEscape(target))
		}
		if err != nil {
			return err
		}
		if !oauth.IsAdministrator(u) {
			return echo.NewHTTPError(http.StatusForbidden, "System › Administration is only for users with the DW Administrator role. Ask an administrator to assign it to you.")
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}

var errSignedOut = errors.New("web: not signed in")

// currentUser returns the signed-in user, errSignedOut when there is none (no
// session, session too old, user gone or deactivated), or a store error.
func (s *Server) currentUser(c echo.Context) (store.User, error) {
	if u, ok := c.Get(ctxUser).(store.User); ok {
		return u, nil
	}
	sess := s.session(c)
	id, _ := sess.Values[keyUserID].(string)
	at, _ := sess.Values[keyAuthAt].(int64)
	// The session's age is real elapsed time, like the cookie's Max-Age the
	// browser counts, not the Service's clock (which judges tokens, clients
	// and rate limits, and which tests move by months).
	if id == "" || time.Since(time.Unix(at, 0)) > sessionLifetime {
		return store.User{}, errSignedOut
	}
	u, err := s.store.GetUser(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		return store.User{}, errSignedOut
	}
	if err != nil {
		return store.User{}, err
	}
	return u, nil
}

// shell returns the view model every signed-in page shares, and consumes the
// session's flash message.
func (s *Server) shell(c echo.Context, title string) (views.Shell, error) {
	token, err := s.csrfToken(c)
	if err != nil {
		return views.Shell{}, err
	}
	sh := views.Shell{Title: title, CSRF: token, ActiveNav: views.NavAdministration}
	if u, ok := c.Get(ctxUser).(store.User); ok {
		sh.UserName = u.UserName
	}
	sess := s.session(c)
	if flashes := sess.Flashes(); len(flashes) > 0 {
		sh.Flash, _ = flashes[0].(string)
		if err := s.saveSession(c); err != nil {
			return views.Shell{}, err
		}
	}
	return sh, nil
}

// flash stores a one-time message shown on the next page.
func (s *Server) flash(c echo.Context, msg string) error {
	s.session(c).AddFlash(msg)
	return s.saveSession(c)
}
