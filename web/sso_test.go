package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

const idpPassword = "idp password of jane"

// ssoSetup is a server whose users sign in through a real IdP, and the
// SCIM-provisioned administrator JDOE, who has no password here.
type ssoSetup struct {
	ts   *testServer
	idp  *realIdP
	rec  store.IdentityProvider
	jane store.User
}

func newSSOSetup(t *testing.T) *ssoSetup {
	t.Helper()
	ts := newTestServer(t)
	idp := newRealIdP(t)
	rec := idp.trust(t, ts)
	idp.addUser(t, "jane", "jane.doe@example.com", idpPassword)
	jane := provisionUser(t, ts, "JDOE", "jane.doe@example.com", "DW Administrator")
	enableSSO(t, ts, rec)
	return &ssoSetup{ts: ts, idp: idp, rec: rec, jane: jane}
}

// signInSSO opens the console signed out and signs in through the IdP.
func (s *ssoSetup) signInSSO(t *testing.T, b *browserless) {
	t.Helper()
	resp, _ := b.get("/admin/users")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed out: %d", resp.StatusCode)
	}
	resp, _ = b.get(resp.Header.Get("Location")) // the sign-in page sends the browser on
	resp = idpSignIn(t, b, resp, "jane", idpPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users" {
		t.Fatalf("ACS: %d %q, want a redirect back to the page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSSOConsoleSignInWithRealIdP(t *testing.T) {
	s := newSSOSetup(t)
	b := s.ts.newUser(t)
	s.signInSSO(t, b)
	resp, doc := b.get("/admin/users")
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(doc.Find(`[data-testid="user-name"]`).Text()) != "JDOE" {
		t.Fatalf("after SSO: %d, user %q", resp.StatusCode, doc.Find(`[data-testid="user-name"]`).Text())
	}
	events := s.ts.audit(t, store.AuditFilter{Action: "user.signed_in"})
	if len(events) == 0 || !strings.Contains(events[0].Detail, "method=saml") || events[0].Actor != "JDOE" {
		t.Errorf("audit %+v", events)
	}
	// The SP metadata is public.
	if md := httpGet(t, s.ts.URL+"/saml/metadata"); !strings.Contains(md, `entityID="`+s.ts.URL+`"`) {
		t.Errorf("metadata %.300s", md)
	}
}

// TestSSOSignOutEndsTheSession: a cookie copied before Sign out gets the
// sign-in page afterwards; deactivating the user and changing their password
// (through SCIM) end their sessions too.
func TestSSOSignOutEndsTheSession(t *testing.T) {
	s := newSSOSetup(t)
	b := s.ts.newUser(t)
	s.signInSSO(t, b)
	saved := b.http.Jar.Cookies(mustURL(t, s.ts.URL))

	_, doc := b.get("/admin/users")
	resp, _ := b.post("/logout", url.Values{"_csrf": {csrf(t, doc)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	// Signed out with single sign-on on, the page does not send the browser
	// straight back to the IdP (which would sign it in again).
	resp, doc = b.get(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusOK || doc.Find(`[data-testid="login-notice"]`).Length() != 1 ||
		doc.Find(`[data-testid="sso-sign-in"]`).Length() != 1 {
		t.Errorf("after sign out: %d", resp.StatusCode)
	}

	thief := s.ts.newUser(t)
	thief.http.Jar.SetCookies(mustURL(t, s.ts.URL), saved)
	if resp, _ := thief.get("/admin/users"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("a cookie saved before Sign out: %d %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}

	for _, tc := range []struct{ name, ops string }{
		{"password changed", `[{"op":"replace","path":"password","value":"a new password 1"}]`},
		{"deactivated", `[{"op":"replace","path":"active","value":false}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := s.ts.newUser(t)
			s.signInSSO(t, b)
			scimPatch(t, s.ts, s.jane.ID, tc.ops)
			if resp, _ := b.get("/admin/users"); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("after the change: %d, want the sign-in page", resp.StatusCode)
			}
		})
	}
}

// TestSignOutEverywhere ends every session of the user.
func TestSignOutEverywhere(t *testing.T) {
	ts := newTestServer(t)
	one, two := ts.newUser(t), ts.newUser(t)
	one.login("ADMIN", adminPassword)
	two.login("ADMIN", adminPassword)
	_, doc := one.get("/admin/app-integration")
	if doc.Find(`[data-testid="sign-out-everywhere"]`).Length() != 1 {
		t.Fatal("the user menu has no Sign out everywhere")
	}
	resp, _ := one.post("/logout/everywhere", url.Values{"_csrf": {csrf(t, doc)}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "signed_out=everywhere") {
		t.Fatalf("sign out everywhere: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for i, b := range []*browserless{one, two} {
		if resp, _ := b.get("/admin/app-integration"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("browser %d still signed in: %d", i, resp.StatusCode)
		}
	}
}

// TestBreakGlass: while single sign-on is on, passwords work only on the
// emergency form, which says so and is audited.
func TestBreakGlass(t *testing.T) {
	s := newSSOSetup(t)
	b := s.ts.newUser(t)
	resp, _ := b.get("/login")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), s.idp.URL+"/sso?") {
		t.Fatalf("the sign-in page with SSO on: %d %q, want the IdP", resp.StatusCode, resp.Header.Get("Location"))
	}
	if q := mustURL(t, resp.Header.Get("Location")).Query(); q.Get("SigAlg") != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" || q.Get("Signature") == "" {
		t.Errorf("the AuthnRequest is not signed with RSA-SHA256: %v", q)
	}
	_, doc := b.get("/login?method=password")
	if doc.Find(`[data-testid="break-glass"]`).Length() != 1 || !strings.Contains(doc.Find(`[data-testid="break-glass"]`).Text(), "emergency") {
		t.Error("the password form does not say it is the emergency way in")
	}
	form := url.Values{"_csrf": {csrf(t, doc)}, "username": {"ADMIN"}, "password": {adminPassword}}
	if resp, _ := b.post("/login", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a password sign-in without method=password: %d", resp.StatusCode)
	}
	form.Set("method", "password")
	if resp, _ := b.post("/login", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("break-glass sign-in: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/admin/security"); resp.StatusCode != http.StatusOK {
		t.Errorf("Security tab after break-glass sign-in: %d", resp.StatusCode)
	}
	if events := s.ts.audit(t, store.AuditFilter{Action: "user.break_glass_sign_in"}); len(events) != 1 || events[0].Actor != "ADMIN" {
		t.Errorf("audit %+v", events)
	}
}

// TestSSOResponseFromAnotherBrowser: a Response posted in another browser
// than the one that started the sign-in is refused, with a page and an
// audit entry.
func TestSSOResponseFromAnotherBrowser(t *testing.T) {
	s := newSSOSetup(t)
	victim := s.ts.newUser(t)
	resp, _ := victim.get("/login")
	loc := resp.Header.Get("Location")
	resp, err := victim.http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	action, form := formOf(t, parseBody(t, resp), loc)
	form.Set("user", "jane")
	form.Set("password", idpPassword)
	if resp, err = victim.http.PostForm(action, form); err != nil {
		t.Fatal(err)
	}
	action, form = formOf(t, parseBody(t, resp), action)
	attacker := s.ts.newUser(t)
	resp, err = attacker.http.PostForm(action, form)
	if err != nil {
		t.Fatal(err)
	}
	doc := parseBody(t, resp)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(doc.Find(`[data-testid="sso-result-check"]`).Text(), "another browser") {
		t.Errorf("a Response in another browser: %d %q", resp.StatusCode, doc.Find(`[data-testid="sso-result"]`).Text())
	}
	if events := s.ts.audit(t, store.AuditFilter{Action: "sso.refused"}); len(events) != 1 || !strings.Contains(events[0].Detail, "check=request") {
		t.Errorf("audit %+v", events)
	}
	// The victim's own browser still signs in with it.
	if resp, err := victim.http.PostForm(action, form); err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the Response in its own browser: %v %d", err, resp.StatusCode)
	}
}

// TestSecurityTabVerification runs the Security tab's steps against a real
// IdP: a mapping that resolves to nobody, or to a non-administrator, cannot
// be saved; one that resolves to an administrator can.
func TestSecurityTabVerification(t *testing.T) {
	ts := newTestServer(t)
	idp := newRealIdP(t)
	rec := idp.trust(t, ts)
	idp.addUser(t, "jane", "jane.doe@example.com", idpPassword)
	idp.addUser(t, "vic", "viewer@example.com", "idp password of vic")
	provisionUser(t, ts, "JDOE", "jane.doe@example.com", "DW Administrator")
	provisionUser(t, ts, "VIEWER", "viewer@example.com", "DW Viewer")
	bearerOnly, err := ts.Svc.CreateIdentityProvider(context.Background(), "test", oauth.IdPInput{
		Name: "Bearer only", ProviderName: "bearer-only", Certificates: []byte(oauth.EncodeCertificatesPEM(rec.Certificates))})
	if err != nil {
		t.Fatal(err)
	}

	admin := ts.newUser(t)
	admin.login("ADMIN", adminPassword)
	resp, doc := admin.get("/admin/security")
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(doc.Find(`[data-testid="current-method"]`).Text()) != "Password" {
		t.Fatalf("Security tab: %d", resp.StatusCode)
	}
	if doc.Find(`[data-testid="tab-security"][aria-current="page"]`).Length() != 1 {
		t.Error("the Security tab is not selected")
	}
	if doc.Find(`input[name="idp"][value="`+bearerOnly.ID+`"][disabled]`).Length() != 1 ||
		!strings.Contains(doc.Find(`[data-testid="step-idp"]`).Text(), "no Single Sign-On Service") {
		t.Error("an IdP without SingleSignOnService is offered")
	}
	if v, _ := doc.Find(`[data-testid="sp-acs"]`).Attr("value"); v != ts.URL+"/saml/acs" {
		t.Errorf("ACS shown %q", v)
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "form-action 'self' "+idp.URL) {
		t.Errorf("CSP %q does not let Verify go to the IdP", resp.Header.Get("Content-Security-Policy"))
	}

	verify := func(attr, user, password string) string {
		t.Helper()
		// Signed out at the IdP, so that its login page asks who signs in.
		admin.http.Jar.SetCookies(mustURL(t, idp.URL), []*http.Cookie{{Name: "session", Path: "/", MaxAge: -1}})
		_, doc := admin.get("/admin/security")
		form := url.Values{"_csrf": {csrf(t, doc)}, "idp": {rec.ID}, "user_attribute": {attr}}
		resp, _ := admin.post("/admin/security/verify", form)
		resp = idpSignIn(t, admin, resp, user, password)
		return strings.TrimSpace(parseBody(t, resp).Find(`[data-testid="sso-result-title"]`).Text())
	}
	save := func(attr string) (int, string) {
		t.Helper()
		_, doc := admin.get("/admin/security")
		resp, doc := admin.post("/admin/security", url.Values{"_csrf": {csrf(t, doc)}, "idp": {rec.ID}, "user_attribute": {attr}})
		return resp.StatusCode, doc.Find(`[data-testid="error-verification"]`).Text()
	}

	// User Name: the IdP's e-mail NameID names nobody.
	if got := verify("user_name", "jane", idpPassword); got != "Verification failed" {
		t.Errorf("verification by user name: %q", got)
	}
	if status, msg := save("user_name"); status != http.StatusUnprocessableEntity || !strings.Contains(msg, "unknown user") {
		t.Errorf("save after a verification resolving to nobody: %d %q", status, msg)
	}
	// E-Mail, signed in as the viewer: not an administrator.
	if got := verify("email", "vic", "idp password of vic"); got != "Verification: not an administrator" {
		t.Errorf("verification as a viewer: %q", got)
	}
	if status, msg := save("email"); status != http.StatusUnprocessableEntity || !strings.Contains(msg, "does not hold DW Administrator") {
		t.Errorf("save after a verification resolving to a viewer: %d %q", status, msg)
	}
	if cfg, _ := ts.Svc.SSO(context.Background()); cfg.Enabled {
		t.Fatal("a refused save switched to single sign-on")
	}
	// E-Mail, signed in as the administrator.
	if got := verify("email", "jane", idpPassword); got != "Verification succeeded" {
		t.Errorf("verification as an administrator: %q", got)
	}
	_, doc = admin.get("/admin/security")
	if !strings.Contains(doc.Find(`[data-testid="verification"]`).Text(), "JDOE") {
		t.Errorf("the Security tab does not show who the verification resolved to: %q", doc.Find(`[data-testid="verification"]`).Text())
	}
	if status, msg := save("email"); status != http.StatusSeeOther {
		t.Fatalf("save after verifying as an administrator: %d %q", status, msg)
	}
	cfg, err := ts.Svc.SSO(context.Background())
	if err != nil || !cfg.Enabled || cfg.IdPID != rec.ID || cfg.UserAttribute != store.UserAttributeEmail {
		t.Fatalf("after saving: %+v %v", cfg, err)
	}
	if events := ts.audit(t, store.AuditFilter{Action: "sso.enabled"}); len(events) != 1 || !strings.Contains(events[0].Detail, "verified as JDOE") {
		t.Errorf("audit %+v", events)
	}
}

// TestSSOFloodsAreBounded: starting sign-ins (each signs an AuthnRequest and
// records it) and posting Responses the ACS refuses (each audited) are
// limited per address, so that a flood of requests is not a flood of
// signatures and database writes; a sign-in's next path is bounded too.
func TestSSOFloodsAreBounded(t *testing.T) {
	s := newSSOSetup(t)
	b := s.ts.newUser(t)
	var last *http.Response
	for range 31 {
		last, _ = b.get("/login")
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("the 31st sign-in started in a minute: %d, want 429 with Retry-After", last.StatusCode)
	}

	attacker := s.ts.newUser(t)
	for range 31 {
		last, _ = attacker.post("/saml/acs", url.Values{"SAMLResponse": {"bm90IGEgcmVzcG9uc2U="}})
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the 31st refused Response in a minute: %d, want 429", last.StatusCode)
	}
	if events := s.ts.audit(t, store.AuditFilter{Action: "sso.refused", Limit: 1000}); len(events) != 30 {
		t.Errorf("%d refusals audited, want 30: those past the limit are not", len(events))
	}
}

func TestSafeNextIsBounded(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	long := "/admin/users?q=" + strings.Repeat("a", 1100)
	_, doc := b.get("/login")
	resp, _ := b.post("/login", url.Values{"_csrf": {csrf(t, doc)}, "username": {"ADMIN"}, "password": {adminPassword}, "next": {long}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/app-integration" {
		t.Errorf("sign-in with a next of 1,115 bytes: %d %q, want the App Integration page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestBindingCookieRenewed: each sign-in started sets the browser's binding
// cookie again, keeping its value, so that it lives as long as the newest
// request (one started 14 minutes after the first still works).
func TestBindingCookieRenewed(t *testing.T) {
	s := newSSOSetup(t)
	b := s.ts.newUser(t)
	var values []string
	for range 2 {
		resp, _ := b.get("/login")
		for _, ck := range resp.Cookies() {
			if ck.Name == "appint_saml_binding" && ck.MaxAge > 0 {
				values = append(values, ck.Value)
			}
		}
	}
	if len(values) != 2 || values[0] != values[1] {
		t.Errorf("binding cookies set by two starts: %q, want the same value twice", values)
	}
}
