package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

// SAML Web SSO (docs/contract.md, "Sign-in"): the SP metadata, the Assertion
// Consumer Service, the way to the identity provider and the Security tab.
//
// The ACS takes a cross-site POST from the identity provider, so it has no
// CSRF token and no Origin check. What protects it instead is the binding of
// every AuthnRequest to the browser that started it: starting a sign-in sets
// the binding cookie (a random value, SameSite=None so that the IdP's POST
// carries it, Secure under an https base URL), the store keeps the hash of
// the value with the request, and the ACS accepts only a Response whose
// InResponseTo names a request of this browser's cookie. An attacker cannot
// make a victim's browser post a Response for the attacker's request (login
// CSRF), nor use a victim's Response in their own browser. IdP-initiated
// Responses have no request and are refused unless an administrator allows
// them; every Response's assertion works once (the replay cache).
const (
	pathSAMLMetadata = oauth.SAMLMetadataPath
	pathSAMLACS      = oauth.SAMLACSPath
	pathSecurity     = views.PathSecurity
	bindingCookie    = "appint_saml_binding"
)

func (s *Server) registerSSORoutes(e *echo.Echo, admin []echo.MiddlewareFunc) {
	e.GET(pathSAMLMetadata, s.samlMetadata)
	e.POST(pathSAMLACS, s.acs, limitBody(oauth.MaxSAMLResponseSize+16<<10))
	e.GET(pathSecurity, s.securityPage, admin...)
	e.POST(pathSecurity, s.saveSecurity, admin...)
	e.POST(views.PathSecurityVerify, s.verifySecurity, admin...)
	e.POST(views.PathSecurityPassword, s.passwordSignIn, admin...)
}

// samlMetadata serves this service's SAML service provider metadata.
func (s *Server) samlMetadata(c echo.Context) error {
	md, err := s.svc.SPMetadata(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `inline; filename="appintegration-sp-metadata.xml"`)
	return c.Blob(http.StatusOK, "application/samlmetadata+xml", md)
}

// browserBinding returns the value of the browser's binding cookie, making a
// new one when it has none. The cookie is set again, so that it lives as long
// as the request about to be sent does.
func (s *Server) browserBinding(c echo.Context) string {
	v := oauth.NewBrowserBinding()
	if ck, err := c.Cookie(bindingCookie); err == nil && ck.Value != "" && len(ck.Value) <= 128 {
		v = ck.Value
	}
	ck := &http.Cookie{
		Name: bindingCookie, Value: v, Path: "/", MaxAge: int(oauth.SAMLRequestLifetime.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
	if s.secure {
		// The identity provider's POST to the ACS is cross-site: only a
		// SameSite=None cookie (which must be Secure) goes with it.
		ck.SameSite = http.SameSiteNoneMode
	}
	c.SetCookie(ck)
	return v
}

// startSSO sends the browser to the identity provider to sign in, returning
// to next afterwards.
func (s *Server) startSSO(c echo.Context, next string) error {
	if wait, blocked := s.limits.ssoStarts.blocked(c.RealIP()); blocked {
		return tooManyAttempts(c, wait, "Too many sign-ins were started from this address.")
	}
	s.limits.ssoStarts.fail(c.RealIP())
	r, err := s.svc.StartSSO(c.Request().Context(), s.browserBinding(c), next)
	if errors.Is(err, oauth.ErrSSOUnavailable) || errors.Is(err, oauth.ErrSSOOff) {
		return render(c, http.StatusServiceUnavailable, views.ErrorPageView(views.ErrorPage{
			Status: http.StatusServiceUnavailable, Title: "Sign-in unavailable",
			Message: "Users sign in through an identity provider that was deleted or has no Single Sign-On URL. Ask an administrator: they can sign in at " +
				pathLogin + "?" + views.FieldMethod + "=password and fix it on the Security tab.",
		}))
	}
	if err != nil {
		return err
	}
	return s.sendToIdP(c, r, "the identity provider")
}

// sendToIdP sends the browser on with r: a redirect (HTTP-Redirect), or a
// form that posts the request (HTTP-POST), which may then post to the IdP.
func (s *Server) sendToIdP(c echo.Context, r *oauth.SAMLRedirect, idpName string) error {
	if !r.Post {
		return c.Redirect(http.StatusSeeOther, r.URL)
	}
	widenFormAction(c, r.URL)
	return render(c, http.StatusOK, views.SAMLPostPageView(views.SAMLPostPage{
		IdPName: idpName, URL: r.URL, SAMLRequest: r.SAMLRequest, RelayState: r.RelayState,
	}))
}

// widenFormAction lets the page's forms, and the redirects that follow them,
// go to the origins of urls too (CSP form-action).
func widenFormAction(c echo.Context, urls ...string) {
	var origins []string
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !originPattern.MatchString(u.Host) {
			continue
		}
		origins = append(origins, strings.ToLower(u.Scheme)+"://"+u.Host)
	}
	if len(origins) == 0 {
		return
	}
	h := c.Response().Header()
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		csp = contentSecurityPolicy
	}
	h.Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+strings.Join(origins, " "), 1))
}

// acs is the Assertion Consumer Service (POST <base>/saml/acs).
func (s *Server) acs(c echo.Context) error {
	ctx := c.Request().Context()
	binding := ""
	if ck, err := c.Cookie(bindingCookie); err == nil {
		binding = ck.Value
	}
	if wait, blocked := s.limits.acsIPs.blocked(c.RealIP()); blocked {
		s.metrics.logins.WithLabelValues("rate_limited").Inc()
		return tooManyAttempts(c, wait, "This service refused too many sign-in Responses from this address.")
	}
	res, err := s.svc.ConsumeSAMLResponse(ctx, binding, c.Request().PostFormValue("SAMLResponse"))
	if ref := oauth.AsSSORefusal(err); ref != nil {
		s.limits.acsIPs.fail(c.RealIP())
		s.metrics.logins.WithLabelValues("sso_refused").Inc()
		return s.ssoRefused(c, ref)
	}
	if err != nil {
		return err
	}
	if res.Purpose == store.SAMLPurposeVerify {
		return s.verified(c, res)
	}
	if err := s.signIn(c, res.User, oauth.SignInSAML); err != nil {
		return err
	}
	s.metrics.logins.WithLabelValues("success").Inc()
	detail := fmt.Sprintf("method=saml idp=%s remote=%s", res.IdP.ProviderName, c.RealIP())
	next := res.Next
	if res.IdPInitiated {
		detail += " idp_initiated=true"
		next = c.Request().PostFormValue("RelayState")
	}
	s.svc.Audit(ctx, res.User.UserName, "user.signed_in", res.User.UserName, detail)
	return c.Redirect(http.StatusSeeOther, safeNext(next))
}

// ssoRefused shows a refused Response: which check failed and why.
func (s *Server) ssoRefused(c echo.Context, ref *oauth.SSORefusal) error {
	page := views.SSOResultPage{
		Title: "Sign-in refused", Check: ref.Check.Name, Reason: ref.Check.Reason,
		Message: "This service refused what the identity provider sent, so you are not signed in.",
		Hint:    "Try again. If it keeps happening, give an administrator the time of this attempt: the audit log records why it was refused.",
		LinkURL: pathLogin, LinkText: "Try again",
	}
	if ref.IdPName != "" {
		page.Message = fmt.Sprintf("This service refused what “%s” sent, so you are not signed in.", ref.IdPName)
	}
	if ref.Verification {
		page.Title, page.Verification = "Verification failed", true
		page.Message = "The sign-in through the identity provider did not resolve to a user with these settings; they cannot be saved."
		page.Hint = "Close this tab: the Security tab shows the result. Change the settings, or the user, and verify again."
		page.LinkURL, page.LinkText = pathSecurity, "Back to the Security tab"
	}
	return render(c, http.StatusForbidden, views.SSOResultPageView(page))
}

// tooManyAttempts answers 429 with a page that says why and how long to wait.
func tooManyAttempts(c echo.Context, wait time.Duration, why string) error {
	secs := int(wait.Seconds()) + 1
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return render(c, http.StatusTooManyRequests, views.ErrorPageView(views.ErrorPage{
		Status: http.StatusTooManyRequests, Title: "Too many attempts",
		Message: fmt.Sprintf("%s Wait %d seconds, then try again.", why, secs),
	}))
}

// verified shows the outcome of a verification, which the Security tab (in
// the other tab) reloads to show.
func (s *Server) verified(c echo.Context, res *oauth.SSOResult) error {
	page := views.SSOResultPage{
		Verification: true, LinkURL: pathSecurity, LinkText: "Back to the Security tab",
		Hint: "Close this tab: the Security tab shows the result.",
	}
	if oauth.IsAdministrator(res.User) {
		page.Title, page.Passed = "Verification succeeded", true
		page.Message = fmt.Sprintf("The sign-in through “%s” resolved to %s, who holds DW Administrator. Choose Save on the Security tab to switch to SAML single sign-on.", res.IdP.Name, res.User.UserName)
	} else {
		page.Title = "Verification: not an administrator"
		page.Message = fmt.Sprintf("The sign-in through “%s” resolved to %s, who does not hold DW Administrator. With these settings nobody could administer the console, so they cannot be saved: verify as an administrator.", res.IdP.Name, res.User.UserName)
	}
	return render(c, http.StatusOK, views.SSOResultPageView(page))
}

// ssoForm reads the Security tab's form.
func ssoForm(c echo.Context) oauth.SSOInput {
	r := c.Request()
	return oauth.SSOInput{
		IdPID: r.PostFormValue(oauth.FieldSSOIdP), UserAttribute: r.PostFormValue(oauth.FieldSSOUserAttribute),
		SAMLAttribute:     r.PostFormValue(oauth.FieldSSOSAMLAttribute),
		AllowIdPInitiated: r.PostFormValue(oauth.FieldSSOIdPInitiated) != "",
	}
}

func (s *Server) securityPage(c echo.Context) error {
	return s.renderSecurity(c, http.StatusOK, nil, nil)
}

// renderSecurity renders the Security tab: the form shows in (what was
// submitted) when set, else the last verification's settings when it is newer
// than the configuration, else the configuration's.
func (s *Server) renderSecurity(c echo.Context, status int, in *oauth.SSOInput, errs map[string]string) error {
	ctx := c.Request().Context()
	sh, err := s.shell(c, "Security")
	if err != nil {
		return err
	}
	cfg, err := s.svc.SSO(ctx)
	if err != nil {
		return err
	}
	sp, err := s.svc.ServiceProvider(ctx)
	if err != nil {
		return err
	}
	idps, err := s.store.ListIdentityProviders(ctx)
	if err != nil {
		return err
	}
	v := cfg.Verification
	form := oauth.SSOInput{IdPID: cfg.IdPID, UserAttribute: cfg.UserAttribute, SAMLAttribute: cfg.SAMLAttribute, AllowIdPInitiated: cfg.AllowIdPInitiated}
	switch {
	case in != nil:
		form = *in
	case !v.At.IsZero() && v.At.After(cfg.UpdatedAt):
		form.IdPID, form.UserAttribute, form.SAMLAttribute = v.IdPID, v.UserAttribute, v.SAMLAttribute
	}
	if form.UserAttribute == "" {
		form.UserAttribute = store.UserAttributeEmail
	}
	names := map[string]string{}
	page := views.SecurityPage{
		Shell: sh, SSOEnabled: cfg.Enabled, IdPInitiated: cfg.AllowIdPInitiated,
		CurrentAttribute: oauth.UserAttributeLabel(cfg.UserAttribute), CurrentSAMLAttr: cfg.SAMLAttribute,
		SP: views.SPDetails{
			EntityID: sp.EntityID, ACSURL: sp.ACSURL, MetadataURL: pathSAMLMetadata,
			SigningSubject: sp.Signing.Subject, SigningExpires: sp.Signing.NotAfter.UTC().Format(time.DateOnly),
			EncryptionSubject: sp.Encryption.Subject, EncryptionExpires: sp.Encryption.NotAfter.UTC().Format(time.DateOnly),
		},
		AddIdPURL: pathIdPs + "/new", SAMLAttribute: form.SAMLAttribute, AllowIdPInit: form.AllowIdPInitiated,
		Errors: errs,
	}
	if !cfg.UpdatedAt.IsZero() {
		page.Changed = cfg.UpdatedAt.UTC().Format("2006-01-02 15:04 UTC") + " by " + cfg.UpdatedBy
	}
	var ssoURLs []string
	for _, p := range idps {
		names[p.ID] = p.Name
		if form.IdPID == "" && p.SSOURL != "" {
			form.IdPID = p.ID
		}
		page.IdPs = append(page.IdPs, views.SecurityIdP{
			ID: p.ID, Name: p.Name, ProviderName: p.ProviderName, SSOURL: p.SSOURL,
			Binding: views.BindingLabel(p.SSOBinding), Selected: p.ID == form.IdPID && p.SSOURL != "",
		})
		if p.SSOURL != "" {
			ssoURLs = append(ssoURLs, p.SSOURL)
		}
	}
	page.CurrentIdP = names[cfg.IdPID]
	for _, a := range oauth.UserAttributes() {
		page.Attributes = append(page.Attributes, views.AttributeOption{Value: a.Value, Label: a.Label, Hint: a.Hint, Selected: a.Value == form.UserAttribute})
	}
	if !v.At.IsZero() {
		vv := &views.VerificationView{
			IdPName: names[v.IdPID], Attribute: oauth.UserAttributeLabel(v.UserAttribute), SAMLAttr: v.SAMLAttribute,
			At: v.At.UTC().Format("2006-01-02 15:04 UTC"), OK: v.Failure == "", Failure: v.Failure,
			Current: v.IdPID == form.IdPID && v.UserAttribute == form.UserAttribute && v.SAMLAttribute == form.SAMLAttribute,
		}
		if vv.OK {
			if u, err := s.store.GetUser(ctx, v.UserID); err == nil {
				vv.UserName, vv.Admin = u.UserName, oauth.IsAdministrator(u)
			} else if errors.Is(err, store.ErrNotFound) {
				vv.OK, vv.Failure = false, "the user it resolved to was deleted"
			} else {
				return err
			}
		}
		page.Verification = vv
		page.CanSave = vv.Current && vv.OK && vv.Admin
	}
	// Verify posts here and is redirected to the identity provider.
	widenFormAction(c, ssoURLs...)
	return render(c, status, views.SecurityPageView(page))
}

func (s *Server) saveSecurity(c echo.Context) error {
	in := ssoForm(c)
	_, err := s.svc.EnableSSO(c.Request().Context(), s.actor(c), in, false)
	if ve := oauth.AsValidationError(err); ve != nil {
		return s.renderSecurity(c, http.StatusUnprocessableEntity, &in, ve.Fields)
	}
	if err != nil {
		return err
	}
	if err := s.flash(c, "Users now sign in through SAML single sign-on."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pathSecurity)
}

// verifySecurity is step 4: it opens (in the tab the form targets) the
// identity provider with the form's settings.
func (s *Server) verifySecurity(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := s.currentUser(c)
	if err != nil {
		return err
	}
	in := ssoForm(c)
	r, err := s.svc.StartSSOVerification(ctx, u, s.browserBinding(c), in)
	if ve := oauth.AsValidationError(err); ve != nil {
		return s.renderSecurity(c, http.StatusUnprocessableEntity, &in, ve.Fields)
	}
	if err != nil {
		return err
	}
	return s.sendToIdP(c, r, s.idpName(ctx, in.IdPID))
}

func (s *Server) idpName(ctx context.Context, id string) string {
	if p, err := s.store.GetIdentityProvider(ctx, id); err == nil {
		return p.Name
	}
	return "the identity provider"
}

// passwordSignIn switches back to password sign-in.
func (s *Server) passwordSignIn(c echo.Context) error {
	if _, err := s.svc.DisableSSO(c.Request().Context(), s.actor(c)); err != nil {
		return err
	}
	if err := s.flash(c, "Users now sign in with a password."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pathSecurity)
}
