package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/views"
)

const pathAuthorize = "/oauth/authorize"

// authorize is the Authorization URL (RFC 6749 §4.1.1). The request is checked
// before anything else, so that a bad client or redirect URI is shown as a page
// and never redirected to (§4.1.2.1). A user who is not signed in goes through
// the console's sign-in page and comes back here; then the code goes to the
// redirect URI. Interactive Usage clients are registered by an administrator
// (first-party apps), so there is no consent page: signing in is the consent.
func (s *Server) authorize(c echo.Context) error {
	ctx := c.Request().Context()
	params, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return s.authorizeErrorPage(c, "The authorization request is not valid URL encoding.")
	}
	ar, err := s.svc.CheckAuthorizeRequest(ctx, params)
	if err != nil {
		return s.authorizeError(c, err)
	}
	u, err := s.currentUser(c)
	if errors.Is(err, errSignedOut) {
		return c.Redirect(http.StatusFound, pathLogin+"?"+views.FieldNext+"="+url.QueryEscape(c.Request().URL.RequestURI()))
	}
	if err != nil {
		return err
	}
	location, err := s.svc.IssueCode(ctx, ar, u)
	if err != nil {
		return s.authorizeError(c, err)
	}
	return c.Redirect(http.StatusFound, location)
}

// authorizeError redirects an error to the client when its redirect URI is
// trusted, and shows it as a page otherwise.
func (s *Server) authorizeError(c echo.Context, err error) error {
	ae := oauth.AsAuthorizeError(err)
	if ae == nil {
		return err
	}
	if loc := ae.Location(); loc != "" {
		return c.Redirect(http.StatusFound, loc)
	}
	msg := "The app that sent you here made a request this server cannot accept"
	if ae.Err.Description != "" {
		msg += ": " + ae.Err.Description
	}
	return s.authorizeErrorPage(c, msg+". Tell the app's administrator; no data was sent to the app.")
}

// authorizeErrorPage renders the error itself: the shared error handler would
// answer JSON under /oauth/.
func (s *Server) authorizeErrorPage(c echo.Context, msg string) error {
	return render(c, http.StatusBadRequest, views.ErrorPageView(views.ErrorPage{
		Status: http.StatusBadRequest, Title: "Sign-in request refused", Message: msg,
	}))
}

// allowAuthorizeRedirect widens the sign-in page's form-action when the page
// signs a user in for an authorization request (next). Browsers check
// form-action against every redirect that follows a form submission, and after
// sign-in the chain ends at the app's redirect URI: its origin, checked against
// the client's registered redirect URIs, is added. Any other next changes nothing.
func (s *Server) allowAuthorizeRedirect(c echo.Context, next string) {
	raw, ok := strings.CutPrefix(next, pathAuthorize+"?")
	if !ok {
		return
	}
	params, err := url.ParseQuery(raw)
	if err != nil {
		return
	}
	ar, err := s.svc.CheckAuthorizeRequest(c.Request().Context(), params)
	if err != nil {
		return
	}
	u, err := url.Parse(ar.RedirectURI)
	if err != nil || !originPattern.MatchString(u.Host) {
		return
	}
	origin := strings.ToLower(u.Scheme) + "://" + u.Host
	c.Response().Header().Set("Content-Security-Policy",
		strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+origin, 1))
}

// originPattern is what a host (with port) may hold to be written into a header.
var originPattern = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)
