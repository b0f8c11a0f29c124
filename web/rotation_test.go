package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/oauthtest"
	"github.com/appintegration/appintegration/store"
)

// worksWith reports whether golang.org/x/oauth2 gets a client_credentials
// token from the server with id and secret.
func worksWith(t *testing.T, ts *testServer, id, secret string) bool {
	t.Helper()
	cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: ts.Svc.URLs().TokenURL, AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
			t.Fatalf("token: %v, want a token or invalid_client", err)
		}
		return false
	}
	return tok.AccessToken != ""
}

// rotateInConsole opens the Rotate Secret dialog of client id, submits it
// with the old secret kept for amount unit, and returns the response and its
// page.
func rotateInConsole(t *testing.T, b *browserless, id, amount, unit string) (*http.Response, *goquery.Document) {
	t.Helper()
	resp, doc := b.get("/admin/app-integration/clients/" + id + "/rotate-secret")
	if resp.StatusCode != http.StatusOK || doc.Find(`[data-testid="rotate-secret-dialog"]`).Length() != 1 {
		t.Fatalf("rotate dialog: %d", resp.StatusCode)
	}
	return b.post("/admin/app-integration/clients/"+id+"/rotate-secret", url.Values{
		"_csrf": {csrf(t, doc)}, "old_secret_expires": {amount}, "old_secret_expires_unit": {unit}})
}

// TestSecretRotationEndToEnd rotates a client's secret in the console and
// checks with golang.org/x/oauth2: the old and the new secret both work,
// then only the new one after the old one is revoked; after a second
// rotation, only the new one once the old one's expiry passed (the service's
// clock is moved). The new secret is shown once, with the hand-over list,
// in a no-store response; the Edit dialog and the table show each secret's
// times; every change is audited.
func TestSecretRotationEndToEnd(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	ts := newTestServer(t, func(o *testOptions) { o.now = clk.Now })
	c, first := ts.createClient(t, oauth.ClientInput{})
	b := ts.newUser(t)
	b.login("ADMIN", adminPassword)

	_, doc := b.get("/admin/app-integration/clients/" + c.ID + "/edit")
	if n := doc.Find(`[data-testid="secret-row"]`).Length(); n != 1 || doc.Find(`[data-testid="rotate-secret"]`).Length() != 1 ||
		doc.Find(`[data-testid="revoke-old-secret"]`).Length() != 0 {
		t.Fatalf("Edit dialog before the rotation: %d secrets, rotate and no revoke expected", n)
	}
	_, doc = b.get("/admin/app-integration/clients/" + c.ID + "/rotate-secret")
	if v := doc.Find(`input[name="old_secret_expires"]`).AttrOr("value", ""); v != "7" ||
		doc.Find(`select[name="old_secret_expires_unit"] option[selected]`).AttrOr("value", "") != "days" {
		t.Errorf("the old secret's default lifetime: %s, want 7 days", v)
	}
	// Out of bounds, and no CSRF token: refused, nothing rotated.
	resp, doc := b.post("/admin/app-integration/clients/"+c.ID+"/rotate-secret", url.Values{
		"_csrf": {csrf(t, doc)}, "old_secret_expires": {"31"}, "old_secret_expires_unit": {"days"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || doc.Find(`[data-testid="error-old_secret_expires"]`).Length() != 1 {
		t.Errorf("31 days: %d, want 422 with the field's error", resp.StatusCode)
	}
	if resp, _ := b.post("/admin/app-integration/clients/"+c.ID+"/rotate-secret", url.Values{
		"old_secret_expires": {"1"}, "old_secret_expires_unit": {"days"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("rotate without CSRF token: %d, want 403", resp.StatusCode)
	}
	if got, _ := ts.Store.GetClient(context.Background(), c.ID); len(got.Secrets) != 1 {
		t.Fatalf("a refused rotation changed the secrets: %d", len(got.Secrets))
	}

	resp, doc = rotateInConsole(t, b, c.ID, "2", "days")
	second := doc.Find(`[data-testid="created-secret"]`).AttrOr("value", "")
	if resp.StatusCode != http.StatusOK || !oauthtest.LooksLikeSecret(second) || second == first ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("rotation: %d, secret %q, Cache-Control %q", resp.StatusCode, second, resp.Header.Get("Cache-Control"))
	}
	if doc.Find(`[data-testid="handover-token-url"]`).AttrOr("value", "") != ts.Svc.URLs().TokenURL ||
		doc.Find(`[data-testid="created-client-id"]`).AttrOr("value", "") != c.ID ||
		!strings.Contains(doc.Find(`[data-testid="secret-note"]`).Text(), "2026-11-27 12:00 UTC") {
		t.Errorf("the rotation's dialog lacks the client ID, hand-over list or the old secret's expiry")
	}
	if !worksWith(t, ts, c.ID, first) || !worksWith(t, ts, c.ID, second) {
		t.Fatal("during the overlap both secrets must work")
	}
	if err := ts.Svc.FlushSecretUse(context.Background()); err != nil {
		t.Fatal(err)
	}

	_, doc = b.get("/admin/app-integration/clients/" + c.ID + "/edit")
	if html, _ := doc.Html(); strings.Contains(html, second) || strings.Contains(html, first) {
		t.Fatal("the Edit dialog shows a secret")
	}
	rows := doc.Find(`[data-testid="secret-row"]`)
	if rows.Length() != 2 || doc.Find(`[data-testid="revoke-old-secret"]`).Length() != 1 {
		t.Fatalf("Edit dialog after the rotation: %d secrets, want 2 and a revoke link", rows.Length())
	}
	labels := rows.Find(`[data-testid="secret-label"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	used := rows.Find(`[data-testid="secret-last-used"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	if strings.Join(labels, ",") != "Current,Previous" && strings.Join(labels, ",") != "Previous,Current" {
		t.Errorf("secret labels %q", labels)
	}
	for _, u := range used {
		if u != "2026-11-25 12:00 UTC" {
			t.Errorf("secret last used %q, want the token requests' time", u)
		}
	}
	_, doc = b.get("/admin/app-integration")
	row := doc.Find(`[data-testid="client-row"][data-client-id="` + c.ID + `"]`)
	if row.Find(`[data-testid="client-last-used"]`).Text() != "2026-11-25 12:00 UTC" ||
		!strings.Contains(row.Find(`[data-testid="client-old-secret"]`).Text(), "2026-11-27 12:00 UTC") {
		t.Errorf("the client's row: last used %q, %q", row.Find(`[data-testid="client-last-used"]`).Text(),
			row.Find(`[data-testid="client-old-secret"]`).Text())
	}

	// A third secret is refused; the dialog offers to revoke the old one.
	resp, doc = rotateInConsole(t, b, c.ID, "1", "hours")
	if resp.StatusCode != http.StatusUnprocessableEntity || doc.Find(`[data-testid="rotate-blocked"]`).Length() != 1 {
		t.Errorf("a rotation with two working secrets: %d, want 422 and the advice to revoke", resp.StatusCode)
	}

	_, doc = b.get("/admin/app-integration/clients/" + c.ID + "/revoke-secret")
	if !strings.Contains(doc.Find(`[data-testid="revoke-message"]`).Text(), "2026-11-27 12:00 UTC") {
		t.Errorf("revoke dialog: %q", doc.Find(`[data-testid="revoke-message"]`).Text())
	}
	resp, _ = b.post("/admin/app-integration/clients/"+c.ID+"/revoke-secret", url.Values{"_csrf": {csrf(t, doc)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d, want 303", resp.StatusCode)
	}
	if worksWith(t, ts, c.ID, first) || !worksWith(t, ts, c.ID, second) {
		t.Fatal("after revoking the old secret only the new one may work")
	}

	// A second rotation, whose old secret works for an hour.
	_, doc = rotateInConsole(t, b, c.ID, "1", "hours")
	third := doc.Find(`[data-testid="created-secret"]`).AttrOr("value", "")
	if !worksWith(t, ts, c.ID, second) || !worksWith(t, ts, c.ID, third) {
		t.Fatal("during the second overlap both secrets must work")
	}
	clk.Add(time.Hour)
	if worksWith(t, ts, c.ID, second) || !worksWith(t, ts, c.ID, third) {
		t.Fatal("once the old secret's expiry passed only the new one may work")
	}
	_, doc = b.get("/admin/app-integration/clients/" + c.ID + "/edit")
	if doc.Find(`[data-testid="revoke-old-secret"]`).Length() != 0 || !strings.Contains(doc.Find(`[data-testid="client-secrets"]`).Text(), "Expired") {
		t.Error("the Edit dialog after the old secret expired: want it shown as expired, and no revoke link")
	}

	for action, want := range map[string]int{"client.secret_rotated": 2, "client.secret_revoked": 1} {
		events := ts.audit(t, store.AuditFilter{Action: action})
		if len(events) != want || events[0].Actor != "ADMIN" || events[0].Target != c.ID {
			t.Errorf("audit %s: %+v, want %d by ADMIN", action, events, want)
		}
	}
	if strings.Contains(ts.Log.String(), second) || strings.Contains(ts.Log.String(), third) {
		t.Error("the log holds a secret")
	}
}
