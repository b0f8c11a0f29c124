package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

// The console's cookie is a gorilla/sessions cookie, signed and encrypted,
// that holds one value: a random session ID (docs/contract.md, "Sign-in").
// Every browser gets one on its first page; it names a session in the store
// only after sign-in, which starts a new one. The store keeps the ID's hash,
// the user and the session's end; the CSRF token is an HMAC of the ID.
const (
	sessionName  = "appint_session"
	keySessionID = "sid"
)

// Context keys set by the console middleware.
const (
	ctxCookie  = "cookie"
	ctxUser    = "user"
	ctxSession = "session"
)

// cookie returns the request's session cookie, a new one when it is missing
// or was not made by us (gorilla returns a fresh session with the error).
func (s *Server) cookie(c echo.Context) *sessions.Session {
	if sess, ok := c.Get(ctxCookie).(*sessions.Session); ok {
		return sess
	}
	sess, _ := s.sessions.Get(c.Request(), sessionName)
	c.Set(ctxCookie, sess)
	return sess
}

// cookieSessionID returns the session ID the cookie holds, "" when none.
func (s *Server) cookieSessionID(c echo.Context) string {
	id, _ := s.cookie(c).Values[keySessionID].(string)
	return id
}

// setCookieSessionID makes the cookie hold id (and nothing else) and sends it.
func (s *Server) setCookieSessionID(c echo.Context, id string) error {
	sess := s.cookie(c)
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.Values[keySessionID] = id
	sess.Options.MaxAge = int(oauth.SessionLifetime.Seconds())
	return sess.Save(c.Request(), c.Response())
}

// browserSessionID returns the browser's session ID, giving it one (and
// sending the cookie) when it has none.
func (s *Server) browserSessionID(c echo.Context) (string, error) {
	if id := s.cookieSessionID(c); id != "" {
		return id, nil
	}
	id := oauth.NewSessionID()
	return id, s.setCookieSessionID(c, id)
}

// csrfToken returns the CSRF token of the browser's session: an HMAC of its
// session ID, so that it changes at every sign-in and a form from another
// session, or from before sign-in, is refused. It gives the browser a
// session ID when it has none.
func (s *Server) csrfToken(c echo.Context) (string, error) {
	id, err := s.browserSessionID(c)
	if err != nil {
		return "", err
	}
	return s.csrfFor(id), nil
}

func (s *Server) csrfFor(sessionID string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("csrf\x00" + sessionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
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
// X-CSRF-Token header) must be the session's token.
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
		id := s.cookieSessionID(c)
		got := r.PostFormValue(views.FieldCSRF)
		if got == "" {
			got = r.Header.Get("X-CSRF-Token")
		}
		if id == "" || subtle.ConstantTimeCompare([]byte(s.csrfFor(id)), []byte(got)) != 1 {
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
		return next(c)
	}
}

var errSignedOut = errors.New("web: not signed in")

// currentUser returns the signed-in user, errSignedOut when there is none (no
// session, session ended or past its 8 hours, user gone or deactivated), or
// a store error. Every request asks the store, so that a session ended on
// one instance is ended on every instance at once.
func (s *Server) currentUser(c echo.Context) (store.User, error) {
	if u, ok := c.Get(ctxUser).(store.User); ok {
		return u, nil
	}
	sess, u, err := s.svc.SessionUser(c.Request().Context(), s.cookieSessionID(c))
	if errors.Is(err, oauth.ErrNoSession) {
		return store.User{}, errSignedOut
	}
	if err != nil {
		return store.User{}, err
	}
	c.Set(ctxUser, u)
	c.Set(ctxSession, sess)
	return u, nil
}

// signIn starts a session for u and puts its new ID in the cookie.
func (s *Server) signIn(c echo.Context, u store.User, method string) error {
	id, err := s.svc.StartSession(c.Request().Context(), u, method)
	if err != nil {
		return err
	}
	c.Set(ctxUser, nil)
	return s.setCookieSessionID(c, id)
}

// signOut ends the browser's session and clears its cookie.
func (s *Server) signOut(c echo.Context) error {
	if err := s.svc.EndSession(c.Request().Context(), s.cookieSessionID(c)); err != nil {
		return err
	}
	sess := s.cookie(c)
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.Options.MaxAge = -1
	return sess.Save(c.Request(), c.Response())
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
	if sess, ok := c.Get(ctxSession).(store.Session); ok && sess.Flash != "" {
		if sh.Flash, err = s.svc.TakeSessionFlash(c.Request().Context(), s.cookieSessionID(c)); err != nil {
			return views.Shell{}, err
		}
	}
	return sh, nil
}

// flash keeps a one-time message for the next page of the session.
func (s *Server) flash(c echo.Context, msg string) error {
	err := s.svc.SetSessionFlash(c.Request().Context(), s.cookieSessionID(c), msg)
	if errors.Is(err, oauth.ErrNoSession) {
		return nil // signed out meanwhile: the message has no page to show on
	}
	return err
}
