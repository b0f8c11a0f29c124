package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// idpLogin fills in the real IdP's own login page.
func idpLogin(t *testing.T, ctx context.Context, user, password string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(`input[name="user"]`),
		chromedp.SendKeys(`input[name="user"]`, user),
		chromedp.SendKeys(`input[name="password"]`, password),
		chromedp.Submit(`input[name="password"]`),
	)
	if err != nil {
		t.Fatalf("sign in at the IdP: %v", err)
	}
}

// TestBrowserSecurityTabAndSSOConsole: an administrator switches to SAML
// single sign-on on the Security tab (verifying in a new tab), then Chromium
// opens the console, is sent to the IdP, signs in on its login page and comes
// back signed in as a user created through SCIM, who has no password.
func TestBrowserSecurityTabAndSSOConsole(t *testing.T) {
	ctx := newBrowser(t)
	ts := newTestServer(t)
	idp := newRealIdP(t)
	idp.trust(t, ts)
	idp.addUser(t, "jane", "jane.doe@example.com", idpPassword)
	provisionUser(t, ts, "JDOE", "jane.doe@example.com", "DW Administrator")

	signIn(t, ctx, ts.URL)
	err := chromedp.Do(ctx,
		chromedp.Click(`[data-testid="tab-security"]`),
		chromedp.WaitVisible(`[data-testid="sso-form"]`),
		chromedp.Click(`[data-testid="sso-idp-test-idp"]`),
		chromedp.Click(`[data-testid="sso-attribute-email"]`),
	)
	if err != nil {
		t.Fatalf("Security tab: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 2200)); err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, ctx, "security-password.png")

	// Verify opens the identity provider in a new tab.
	opened := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool { return info.Type == "page" })
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="verify"]`)); err != nil {
		t.Fatalf("verify: %v", err)
	}
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(<-opened))
	defer cancel()
	idpLogin(t, tab, "jane", idpPassword)
	title, err := chromedp.Run(tab, chromedp.Text(`[data-testid="sso-result-title"]`, chromedp.NodeVisible))
	if err != nil || title != "Verification succeeded" {
		t.Fatalf("verification tab: %q %v", title, err)
	}
	saveScreenshot(t, tab, "security-verified-tab.png")

	// The Security tab reloads on its own and shows who the sign-in resolved to.
	user, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="verified-user"]`, chromedp.NodeVisible))
	if err != nil || user != "JDOE" {
		t.Fatalf("verified user on the Security tab: %q %v", user, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="save-sso"]`),
		chromedp.WaitVisible(`[data-testid="flash"]`),
	)
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	method, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="current-method"]`))
	if err != nil || !strings.Contains(method, "SAML Single Sign-On") {
		t.Fatalf("method after saving: %q %v", method, err)
	}
	saveScreenshot(t, ctx, "security-sso-on.png")

	// Sign out, and out of the IdP too, then open the console.
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="user-menu"] summary`),
		chromedp.Click(`[data-testid="sign-out"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`[data-testid="login-notice"]`),
	)
	if err != nil {
		t.Fatalf("sign out: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: "session", URL: idp.URL + "/"}); err != nil {
		t.Fatalf("sign out of the IdP: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/admin/users")); err != nil {
		t.Fatal(err)
	}
	url, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil || !strings.HasPrefix(url, idp.URL) {
		t.Fatalf("the console sent the browser to %q, want the IdP", url)
	}
	idpLogin(t, ctx, "jane", idpPassword)
	name, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="user-name"]`))
	if err != nil || name != "JDOE" {
		t.Fatalf("signed in as %q (%v), want JDOE", name, err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`[data-testid="users-table"]`)); err != nil {
		t.Fatalf("back on the Users tab: %v", err)
	}
	saveScreenshot(t, ctx, "sso-signed-in.png")
}

// TestBrowserSSOAuthorizationURL: an Interactive Usage app (golang.org/x/oauth2)
// sends Chromium to the Authorization URL; the user signs in at the IdP,
// comes back, and the app's token names that SCIM-provisioned user, who is no
// administrator, with the scopes of their roles.
func TestBrowserSSOAuthorizationURL(t *testing.T) {
	ctx := newBrowser(t)
	s := newSSOSetup(t)
	s.idp.addUser(t, "ian", "ian@example.com", "idp password of ian")
	ian := provisionUser(t, s.ts, "IAN", "ian@example.com", "DW Integrator")
	cb := newCallback(t)
	_, cfg := s.ts.interactiveClient(t, cb.URL())

	verifier := oauth2.GenerateVerifier()
	err := chromedp.Do(ctx, chromedp.Navigate(cfg.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier))))
	if err != nil {
		t.Fatal(err)
	}
	idpLogin(t, ctx, "ian", "idp password of ian")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`//body[contains(., "signed in")]`)); err != nil {
		t.Fatalf("back at the app: %v", err)
	}
	q := cb.last(t)
	if q.Get("state") != "st-1" || q.Get("code") == "" {
		t.Fatalf("redirect URI got %v", q)
	}
	tok, err := cfg.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	_, claims := verifyWithJWKS(t, s.ts.URL, tok.AccessToken, jose.RS256)
	if claims["sub"] != ian.ID || claims["user_name"] != "IAN" || claims["scope"] != "content_network" {
		t.Errorf("claims %v", claims)
	}
}
