package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/oauthtest"
)

// TestBrowserRotateSecret rotates a client's secret in a real browser: Edit,
// Rotate secret, the new secret copied with its copy button (it works, and
// so does the old one), Close back to the Edit dialog with both secrets
// listed, then Revoke old secret: only the new one works.
func TestBrowserRotateSecret(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	for _, perm := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: perm, AllowWithoutSanitization: true},
			Setting:    browser.PermissionSettingGranted,
			Origin:     ts.URL,
		})
		if err != nil {
			t.Fatalf("grant %s: %v", perm, err)
		}
	}
	c, first := ts.createClient(t, oauth.ClientInput{Name: "Rotated in a browser"})
	signIn(t, ctx, ts.URL)

	err := chromedp.Do(ctx,
		chromedp.Click(`[data-client-id="`+c.ID+`"] [data-testid="edit-client"]`),
		chromedp.WaitVisible(`[data-testid="client-secrets"]`),
		chromedp.Click(`[data-testid="rotate-secret"]`),
		chromedp.WaitVisible(`[data-testid="rotate-secret-dialog"] input[name="old_secret_expires"]`),
	)
	if err != nil {
		t.Fatalf("open Rotate Secret: %v", err)
	}
	saveScreenshot(t, ctx, "rotate-secret-dialog.png")
	err = chromedp.Do(ctx,
		chromedp.SetValue(`input[name="old_secret_expires"]`, "3"),
		chromedp.Click(`[data-testid="confirm-rotate"]`),
		chromedp.WaitVisible(`[data-testid="created-secret"]`),
	)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	saveScreenshot(t, ctx, "secret-rotated-dialog.png")
	second := copyFrom(t, ctx, "created-secret")
	if !oauthtest.LooksLikeSecret(second) || second == first {
		t.Fatalf("copied secret %q", second)
	}
	if id := copyFrom(t, ctx, "created-client-id"); id != c.ID {
		t.Errorf("copied client ID %q, want %q", id, c.ID)
	}
	if u := copyFrom(t, ctx, "handover-token-url"); u != ts.Svc.URLs().TokenURL {
		t.Errorf("copied Token URL %q", u)
	}
	if !worksWith(t, ts, c.ID, first) || !worksWith(t, ts, c.ID, second) {
		t.Fatal("after the rotation both secrets must work")
	}

	// Close leads back to the Edit dialog, which lists both secrets.
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="close-dialog"]`),
		chromedp.WaitVisible(`[data-testid="client-secrets"]`),
	)
	if err != nil {
		t.Fatalf("close: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="secret-row"]').length`))
	if err != nil || rows != 2 {
		t.Errorf("the Edit dialog after the rotation lists %d secrets (%v), want 2", rows, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="client-secrets"]').scrollIntoView(); true`)); err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, ctx, "edit-dialog-two-secrets.png")
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="revoke-old-secret"]`),
		chromedp.WaitVisible(`[data-testid="confirm-revoke"]`),
		chromedp.Click(`[data-testid="confirm-revoke"]`),
		chromedp.WaitVisible(`[data-testid="client-secrets"]`),
	)
	if err != nil {
		t.Fatalf("revoke: %v", err)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML("html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, "only the current secret works now") || strings.Contains(html, second) {
		t.Errorf("after revoking: flash shown %v, secret shown %v", strings.Contains(html, "only the current secret works now"), strings.Contains(html, second))
	}
	if worksWith(t, ts, c.ID, first) || !worksWith(t, ts, c.ID, second) {
		t.Fatal("after revoking the old secret only the new one may work")
	}
}
