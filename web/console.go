package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/views"
)

// Console paths; those the views link to are written in package views.
const (
	pathLogin            = views.PathLogin
	pathLogout           = views.PathLogout
	pathLogoutEverywhere = views.PathLogoutEverywhere
	pathAppIntegration   = views.PathAppIntegration
	pathClients          = pathAppIntegration + "/clients"
)

func (s *Server) registerConsoleRoutes(e *echo.Echo) {
	form := []echo.MiddlewareFunc{limitBody(maxConsoleBody), s.checkCSRF}
	admin := append(form, s.requireAdmin)

	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, pathAppIntegration) })
	e.GET("/admin", func(c echo.Context) error { return c.Redirect(http.StatusFound, pathAppIntegration) })
	e.GET(pathLogin, s.loginPage)
	e.POST(pathLogin, s.login, form...)
	e.POST(pathLogout, s.logout, form...)
	e.POST(pathLogoutEverywhere, s.logoutEverywhere, form...)

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
	s.registerSSORoutes(e, admin)
}

// loginPage is the sign-in page. With single sign-on on it sends the
// browser to the identity provider, unless the browser just signed out
// (then it offers to sign in again: the IdP would sign it straight back in)
// or asks for the emergency password form (?method=password).
func (s *Server) loginPage(c echo.Context) error {
	next := safeNext(c.QueryParam(views.FieldNext))
	if u, err := s.currentUser(c); err == nil && oauth.IsAdministrator(u) {
		return c.Redirect(http.StatusSeeOther, next)
	}
	page, err := s.loginView(c, next, c.QueryParam(views.FieldMethod) == "password")
	if err != nil {
		return err
	}
	switch c.QueryParam(views.FieldSignedOut) {
	case "1":
		page.Notice = "You have signed out."
	case "everywhere":
		page.Notice = "You have signed out everywhere: every session of yours has ended, in every browser."
	}
	if page.SSOName != "" && !page.BreakGlass && page.Notice == "" {
		return s.startSSO(c, next)
	}
	return render(c, http.StatusOK, views.LoginPageView(page))
}

// loginView is the sign-in page for next: the password form while single
// sign-on is off, else the way to the identity provider, with the emergency
// password form when breakGlass.
func (s *Server) loginView(c echo.Context, next string, breakGlass bool) (views.LoginPage, error) {
	token, err := s.csrfToken(c)
	if err != nil {
		return views.LoginPage{}, err
	}
	page := views.LoginPage{CSRF: token, Next: next}
	cfg, err := s.svc.SSO(c.Request().Context())
	if err != nil {
		return page, err
	}
	if cfg.Enabled {
		page.SSOName = s.idpName(c.Request().Context(), cfg.IdPID)
		page.SSOURL = pathLogin + "?" + views.FieldNext + "=" + url.QueryEscape(next)
		page.BreakGlass = breakGlass
	}
	if !cfg.Enabled || breakGlass {
		s.allowAuthorizeRedirect(c, next)
	}
	return page, nil
}

func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	userName := strings.TrimSpace(c.FormValue(views.FieldUserName))
	next := safeNext(c.FormValue(views.FieldNext))
	ip := c.RealIP()
	cfg, err := s.svc.SSO(ctx)
	if err != nil {
		return err
	}
	// With single sign-on on, passwords work only on the emergency form.
	breakGlass := cfg.Enabled
	if breakGlass && c.FormValue(views.FieldMethod) != "password" {
		return s.renderLogin(c, http.StatusForbidden, userName, next,
			"Users sign in through the identity provider. The password form is at "+pathLogin+"?"+views.FieldMethod+"=password, for emergencies.")
	}
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
	if err := s.signIn(c, u, oauth.SignInPassword); err != nil {
		return err
	}
	if breakGlass {
		s.svc.Audit(ctx, u.UserName, "user.break_glass_sign_in", u.UserName,
			"method=password (emergency sign-in while single sign-on is on) remote="+ip)
	} else {
		s.svc.Audit(ctx, u.UserName, "user.signed_in", u.UserName, "method=password remote="+ip)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) renderLogin(c echo.Context, status int, userName, next, msg string) error {
	page, err := s.loginView(c, next, c.FormValue(views.FieldMethod) == "password")
	if err != nil {
		return err
	}
	page.UserName, page.Error = userName, msg
	return render(c, status, views.LoginPageView(page))
}

// logout is Sign out: the session ends at once, on every instance.
func (s *Server) logout(c echo.Context) error {
	if u, err := s.currentUser(c); err == nil {
		s.svc.Audit(c.Request().Context(), u.UserName, "user.signed_out", u.UserName, "")
	}
	if err := s.signOut(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pathLogin+"?"+views.FieldSignedOut+"=1")
}

// logoutEverywhere is Sign out everywhere: every session of the user ends,
// in every browser and on every instance.
func (s *Server) logoutEverywhere(c echo.Context) error {
	u, err := s.currentUser(c)
	if errors.Is(err, errSignedOut) {
		return c.Redirect(http.StatusSeeOther, pathLogin)
	}
	if err != nil {
		return err
	}
	if _, err := s.svc.EndUserSessions(c.Request().Context(), u.UserName, u, "signed out everywhere"); err != nil {
		return err
	}
	if err := s.signOut(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pathLogin+"?"+views.FieldSignedOut+"=everywhere")
}

// maxNextLen is the longest path a sign-in returns to: it is kept with the
// SAML request of a sign-in through the identity provider.
const maxNextLen = 1024

// safeNext returns next when it is a path on this server of at most
// maxNextLen bytes, else the App Integration page, so that the sign-in page
// cannot redirect elsewhere. Browsers drop tabs and line breaks from URLs and
// read a backslash as a slash, so "/\t/evil.example" would leave the site: any
// control character or backslash is refused, and what is left must parse as a
// bare path.
func safeNext(next string) string {
	bad := len(next) > maxNextLen || strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' })
	u, err := url.Parse(next)
	if bad || err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" ||
		!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return pathAppIntegration
	}
	return next
}
