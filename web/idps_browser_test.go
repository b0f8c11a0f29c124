package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
)

// TestBrowserIdPFromMetadataAndAssertionChecker adds a trusted identity
// provider by uploading its metadata file, as an administrator would, then
// checks an assertion of that IdP in the console's checker.
func TestBrowserIdPFromMetadataAndAssertionChecker(t *testing.T) {
	ts := newTestServer(t)
	ctx := newBrowser(t)
	idp := samltest.NewIdP(t, "https://idp.example.test/metadata", 365*24*time.Hour)
	mdFile := filepath.Join(t.TempDir(), "idp-metadata.xml")
	if err := os.WriteFile(mdFile, idp.MetadataXML(t), 0o600); err != nil {
		t.Fatal(err)
	}
	err := ts.Store.CreateUser(context.Background(), store.User{ID: "u-erin", UserName: "ERIN", Active: true,
		Emails: []store.Email{{Value: "erin@example.com", Primary: true}}, CreatedAt: time.Now(), UpdatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, ts.URL)

	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="add-idp"]`),
		chromedp.WaitVisible(`dialog[open] [data-testid="metadata-form"]`),
		chromedp.SetUploadFiles(`input[type="file"][name="metadata_file"]`, []string{mdFile}),
		chromedp.Click(`[data-testid="import-metadata"]`),
		chromedp.WaitVisible(`[data-testid="metadata-imported"]`),
	)
	if err != nil {
		t.Fatalf("import metadata: %v", err)
	}
	entityID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="field-entity_id"]').value`))
	if err != nil || entityID != idp.EntityID {
		t.Fatalf("entity ID after import = %q, %v", entityID, err)
	}
	saveScreenshot(t, ctx, "idp-imported.png")
	err = chromedp.Do(ctx,
		chromedp.SetValue(`[data-testid="field-name"]`, "Corporate IdP"),
		chromedp.Click(`[data-testid="submit"]`),
		chromedp.WaitVisible(`[data-testid="idp-row"]`),
	)
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	row, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="idp-row"]`))
	if err != nil || !strings.Contains(row, "Corporate IdP") || !strings.Contains(row, "Test IdP signing") {
		t.Fatalf("row = %q, %v", row, err)
	}
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(`[data-testid="idps-section"]`)); err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, ctx, "idps.png")

	u := ts.Svc.URLs()
	assertion := samltest.Encode(idp.Assertion(t, samltest.Target{Audience: u.SAML2Audience, TokenURL: u.SAML2TokenURL},
		samltest.Options{NameID: "erin@example.com"}))
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="check-assertion"]`),
		chromedp.WaitVisible(`dialog[open] [data-testid="field-assertion"]`),
		chromedp.SetValue(`[data-testid="field-assertion"]`, assertion),
		chromedp.Click(`[data-testid="submit"]`),
		chromedp.WaitVisible(`[data-testid="check-results"]`),
	)
	if err != nil {
		t.Fatalf("check an assertion: %v", err)
	}
	statuses, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('[data-testid="check-result"]')).map(e => e.dataset.check + "=" + e.dataset.status)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(statuses) != 10 || strings.Contains(strings.Join(statuses, " "), "=fail") {
		t.Errorf("check results: %v", statuses)
	}
	summary, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="check-summary"]`))
	if !strings.Contains(summary, "ERIN") {
		t.Errorf("summary = %q", summary)
	}
	saveScreenshot(t, ctx, "assertion-check.png")
}
