package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/appintegration/appintegration/oauth/oauthtest"
)

// newBrowser starts Debian's headless Chromium with a fresh profile. Without
// Chromium the test is skipped locally and fails in CI (CI=true), where .ci/run
// installs it.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed; .ci/run should have installed it")
		}
		t.Skip("chromium is not installed (apt-get install chromium); browser tests skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// saveScreenshot writes a PNG under the test's temp dir, and also under
// APPINT_SCREENSHOT_DIR when set (to look at it after the run).
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dirs := []string{t.TempDir()}
	if d := os.Getenv("APPINT_SCREENSHOT_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
}

// signIn signs in through the sign-in page, as a person would.
func signIn(t *testing.T, ctx context.Context, baseURL string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(baseURL+"/admin/app-integration"),
		chromedp.WaitVisible(`input[name="username"]`),
		chromedp.SendKeys(`input[name="username"]`, "ADMIN"),
		chromedp.SendKeys(`input[name="password"]`, adminPassword),
		chromedp.Submit(`input[name="password"]`),
		chromedp.WaitVisible(`[data-testid="add-client"]`),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
}

// copyFrom clicks the copy button of the field with the data-testid and returns
// what landed on the clipboard.
func copyFrom(t *testing.T, ctx context.Context, testID string) string {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const field = document.querySelector('[data-testid="`+testID+`"]');
		const button = document.querySelector('[data-copy-target="' + field.id + '"]');
		button.click();
		return true;
	})()`))
	if err != nil {
		t.Fatalf("click copy for %s: %v", testID, err)
	}
	var text string
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		text, err = chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
		if err == nil && text != "" {
			return text
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("clipboard after copying %s: %q, %v", testID, text, err)
	return ""
}

func TestBrowserAddAPIAccessClient(t *testing.T) {
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
	signIn(t, ctx, ts.URL)

	err := chromedp.Do(ctx,
		chromedp.Click(`[data-testid="add-client"]`),
		chromedp.WaitVisible(`dialog[open] input[name="name"]`),
		chromedp.SendKeys(`input[name="name"]`, "Browser client"),
		chromedp.Click(`input[name="access"][value="content_network"]`),
		chromedp.Click(`input[name="grant"][value="client_credentials"]`),
		chromedp.Click(`[data-testid="submit"]`),
		chromedp.WaitVisible(`[data-testid="created-secret"]`),
	)
	if err != nil {
		t.Fatalf("add client: %v", err)
	}
	saveScreenshot(t, ctx, "client-created-dialog.png")

	clientID := copyFrom(t, ctx, "created-client-id")
	secret := copyFrom(t, ctx, "created-secret")
	if !strings.HasPrefix(clientID, "sb-") || !oauthtest.LooksLikeSecret(secret) {
		t.Fatalf("copied client ID %q and secret %q", clientID, secret)
	}
	tokenURL := copyFrom(t, ctx, "handover-token-url")
	if tokenURL != ts.Svc.URLs().TokenURL {
		t.Errorf("copied Token URL %q", tokenURL)
	}

	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="close-dialog"]`),
		chromedp.WaitNotPresent(`[data-testid="created-secret"]`),
		chromedp.WaitVisible(`[data-testid="client-row"]`),
	)
	if err != nil {
		t.Fatalf("close dialog: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(`[data-testid="client-row"]`)); err != nil {
		t.Fatal(err)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML("html"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, secret) || !strings.Contains(html, clientID) {
		t.Errorf("after reload: secret shown %v, client listed %v", strings.Contains(html, secret), strings.Contains(html, clientID))
	}
	saveScreenshot(t, ctx, "app-integration.png")

	cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: secret, TokenURL: tokenURL}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		t.Fatalf("token with the copied credentials: %v", err)
	}
	if tok.Extra("scope") != "user_provisioning content_network" {
		t.Errorf("scope = %v", tok.Extra("scope"))
	}
}

// TestBrowserValidationAndKeyboard checks that a wrong field shows its message in
// the dialog and that the dialog can be left with Escape.
func TestBrowserValidationAndKeyboard(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	signIn(t, ctx, ts.URL)
	err := chromedp.Do(ctx,
		chromedp.Click(`[data-testid="add-client"]`),
		chromedp.WaitVisible(`dialog[open] input[name="name"]`),
		chromedp.Click(`input[name="access"][value="user_provisioning"]`), // uncheck the default
		chromedp.SendKeys(`input[name="name"]`, "No access"),
		chromedp.Click(`[data-testid="submit"]`),
		chromedp.WaitVisible(`[data-testid="error-access"]`),
	)
	if err != nil {
		t.Fatalf("submit without access: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="error-access"]`))
	if err != nil || !strings.Contains(msg, "at least one") {
		t.Errorf("access error = %q, %v", msg, err)
	}
	saveScreenshot(t, ctx, "validation.png")
	err = chromedp.Do(ctx,
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(`dialog[open]`),
		chromedp.WaitVisible(`[data-testid="add-client"]`),
	)
	if err != nil {
		t.Fatalf("Escape does not close the dialog: %v", err)
	}
	if clients := ts.clients(t); len(clients) != 0 {
		t.Errorf("an invalid form created a client")
	}
}
