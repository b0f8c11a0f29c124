package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/views"
)

// Console paths.
const (
	pathLogin          = "/login"
	pathLogout         = "/logout"
	pathAppIntegration = "/admin/app-integration"
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
	e.GET(pathClients+"/new", s.newClient, admin...)
	e.POST(pathClients, s.createClient, admin...)
	e.GET(pathClients+"/:id/edit", s.editClient, admin...)
	e.POST(pathClients+"/:id", s.updateClient, admin...)
	e.GET(pathClients+"/:id/delete", s.confirmDeleteClient, admin...)
	e.POST(pathClients+"/:id/delete", s.deleteClient, admin...)
}

func (s *Server) loginPage(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if u, err := s.currentUser(c); err == nil && oauth.IsAdministrator(u) {
		return c.Redirect(http.StatusSeeOther, next)
	}
	token, err := s.csrfToken(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.LoginPageView(views.LoginPage{CSRF: token, Next: next}))
}

func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	userName := strings.TrimSpace(c.FormValue("username"))
	next := safeNext(c.FormValue("next"))
	u, err := s.svc.Authenticate(ctx, userName, c.FormValue("password"))
	if errors.Is(err, oauth.ErrBadLogin) {
		s.svc.Audit(ctx, userName, "user.sign_in_failed", userName, "remote="+c.RealIP())
		token, err := s.csrfToken(c)
		if err != nil {
			return err
		}
		return render(c, http.StatusUnauthorized, views.LoginPageView(views.LoginPage{
			CSRF: token, Next: next, UserName: userName,
			Error: "Wrong user name or password.",
		}))
	}
	if err != nil {
		return err
	}
	sess := s.session(c)
	sess.Values[keyUserID] = u.ID
	sess.Values[keyAuthAt] = time.Now().Unix()
	sess.Values[keyCSRF] = newToken() // a new token for the signed-in session
	if err := s.saveSession(c); err != nil {
		return err
	}
	s.svc.Audit(ctx, u.UserName, "user.signed_in", u.UserName, "remote="+c.RealIP())
	return c.Redirect(http.StatusSeeOther, next)
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
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\\") {
		return pathAppIntegration
	}
	return next
}
