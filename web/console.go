package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/views"
)

// Console paths; those the views link to are written in package views.
const (
	pathLogin          = views.PathLogin
	pathLogout         = views.PathLogout
	pathAppIntegration = views.PathAppIntegration
	pathClients        = pathAppIntegration + "/clients"
)

func (s *Server) registerConsoleRoutes(e *echo.Echo) {
	form := []echo.MiddlewareFunc{limitBody(maxConsoleBody), s.checkCSRF}
	admin := append(form, s.requireAdmin)

	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, pathAppIntegration) })
	e.GET("/admin", func(c echo.Context) error { return c.Redirect(http.StatusFound, pathAppIntegration) })
	e.GET(pathLogin, s.loginPage)
	e.POST(pathLogin, s.login, form...)
	e.POST(pathLogout, s.logout, form...)

	e.GET(pathAppIntegration, s.appIntegration, admin...)
	e.GET(pathUsers, s.usersPage, admin...)
	e.GET(pathAuditLog, s.auditLog, admin...)
	e.GET(pathClients+"/new", s.newClient, admin...)
	e.POST(pathClients, s.createClient, admin...)
	e.GET(pathClients+"/:id/edit", s.editClient, admin...)
	e.POST(pathClients+"/:id", s.updateClient, admin...)
	e.GET(pathClients+"/:id/delete", s.confirmDeleteClient, admin...)
	e.POST(pathClients+"/:id/delete", s.deleteClient, admin...)
	s.registerSecretRoutes(e, admin)
	s.registerIdPRoutes(e, admin)
}

func (s *Server) loginPage(c echo.Context) error {
	next := safeNext(c.QueryParam(views.FieldNext))
	if u, err := s.currentUser(c); err == nil && oauth.IsAdministrator(u) {
		return c.Redirect(http.StatusSeeOther, next)
	}
	token, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	s.allowAuthorizeRedirect(c, next)
	return render(c, http.StatusOK, views.LoginPageView(views.LoginPage{CSRF: token, Next: next}))
}

func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	userName := strings.TrimSpace(c.FormValue(views.FieldUserName))
	next := safeNext(c.FormValue(views.FieldNext))
	ip := c.RealIP()
	if wait, blocked := s.limits.loginBlocked(userName, ip); blocked {
		s.metrics.logins.WithLabelValues("rate_limited").Inc()
		secs := int(wait.Seconds()) + 1
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		return s.renderLogin(c, http.StatusTooManyRequests, userName, next,
			fmt.Sprintf("Too many failed sign-ins. Wait %d seconds, then try again.", secs))
	}
	u, err := s.svc.Authenticate(ctx, userName, c.FormValue(views.FieldPassword))
	if errors.Is(err, oauth.ErrBadLogin) {
		s.limits.loginFailed(userName, ip)
		s.metrics.logins.WithLabelValues("failure").Inc()
		s.svc.Audit(ctx, userName, "user.sign_in_failed", userName, "remote="+ip)
		return s.renderLogin(c, http.StatusUnauthorized, userName, next, "Wrong user name or password.")
	}
	if err != nil {
		return err
	}
	s.metrics.logins.WithLabelValues("success").Inc()
	sess := s.session(c)
	sess.Values[keyUserID] = u.ID
	sess.Values[keyAuthAt] = time.Now().Unix() // wall clock: see currentUser
	sess.Values[keyCSRF] = newToken()          // a new token for the signed-in session
	if err := s.saveSession(c); err != nil {
		return err
	}
	s.svc.Audit(ctx, u.UserName, "user.signed_in", u.UserName, "remote="+ip)
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) renderLogin(c echo.Context, status int, userName, next, msg string) error {
	token, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	s.allowAuthorizeRedirect(c, next)
	return render(c, status, views.LoginPageView(views.LoginPage{CSRF: token, Next: next, UserName: userName, Error: msg}))
}

func (s *Server) logout(c echo.Context) error {
	sess := s.session(c)
	if u, err := s.currentUser(c); err == nil {
		s.svc.Audit(c.Request().Context(), u.UserName, "user.signed_out", u.UserName, "")
	}
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.Options.MaxAge = -1
	if err := s.saveSession(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pathLogin)
}

// safeNext returns next when it is a path on this server, else the App
// Integration page, so that the sign-in page cannot redirect elsewhere.
// Browsers drop tabs and line breaks from URLs and read a backslash as a slash,
// so "/\t/evil.example" would leave the site: any control character or
// backslash is refused, and what is left must parse as a bare path.
func safeNext(next string) string {
	bad := strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' })
	u, err := url.Parse(next)
	if bad || err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" ||
		!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return pathAppIntegration
	}
	return next
}
