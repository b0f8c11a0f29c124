package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/appintegration/appintegration/oauth/oauthtest"
	"github.com/appintegration/appintegration/store"
)

// testClock is a settable clock for the server under test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newForm returns the fields of the Add dialog for purpose, as rendered.
func newForm(t *testing.T, b *browserless, purpose string) (url.Values, *goquery.Document) {
	t.Helper()
	resp, doc := b.get("/admin/app-integration/clients/new?purpose=" + purpose)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("new client dialog: %d", resp.StatusCode)
	}
	form := url.Values{}
	doc.Find(`form[data-testid="client-form"] fieldset[disabled]`).AddClass("skip")
	doc.Find(`form[data-testid="client-form"] input, form[data-testid="client-form"] select`).Each(func(_ int, s *goquery.Selection) {
		if s.Closest(".skip").Length() > 0 {
			return // disabled: the browser does not post it
		}
		name, _ := s.Attr("name")
		typ, _ := s.Attr("type")
		switch {
		case name == "" || typ == "submit":
		case goquery.NodeName(s) == "select":
			form.Set(name, s.Find("option[selected]").AttrOr("value", ""))
		case typ == "radio" || typ == "checkbox":
			if _, ok := s.Attr("checked"); ok {
				form.Add(name, s.AttrOr("value", ""))
			}
		default:
			form.Set(name, s.AttrOr("value", ""))
		}
	})
	return form, doc
}

func TestAddInteractiveClientInConsole(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	b.login("ADMIN", adminPassword)
	form, doc := newForm(t, b, "interactive_usage")
	if doc.Find(`[data-purpose-fields="interactive_usage"][disabled]`).Length() != 0 ||
		doc.Find(`[data-purpose-fields="technical_user"][disabled][hidden]`).Length() != 1 {
		t.Fatal("the chosen purpose's fields are not the enabled ones")
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="readonly-grant-interactive_usage"]`).Text()); got != "Authorization Code" {
		t.Errorf("fixed grant = %q", got)
	}
	if form.Get("refresh_token_lifetime") != "30" || form.Get("refresh_token_lifetime_unit") != "days" ||
		form.Get("token_lifetime") != "1" || form.Get("token_lifetime_unit") != "hours" {
		t.Errorf("defaults: %v", form)
	}

	// A wrong redirect URI is shown next to its field, with what was typed.
	form.Set("name", "Web app")
	form.Set("redirect_uris", "https://app.example.com/cb\nhttps://app.example.com/#frag")
	resp, doc := b.post("/admin/app-integration/clients", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad redirect URI: %d", resp.StatusCode)
	}
	if msg := doc.Find(`[data-testid="error-redirect_uris"]`).Text(); !strings.Contains(msg, "fragment") {
		t.Errorf("redirect URI error = %q", msg)
	}
	if got := doc.Find(`textarea[name="redirect_uris"]`).Text(); !strings.Contains(got, "#frag") {
		t.Errorf("typed redirect URIs lost: %q", got)
	}

	form.Set("redirect_uris", "https://app.example.com/**\r\nhttp://localhost:8080/\r\n")
	form.Set("refresh_token_lifetime", "7")
	resp, doc = b.post("/admin/app-integration/clients", form)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	for _, id := range []string{"handover-authorization-url", "handover-token-url"} {
		if valueOf(doc, id) == "" {
			t.Errorf("hand-over lacks %s", id)
		}
	}
	clients := ts.clients(t)
	if len(clients) != 1 || clients[0].Grant != store.GrantAuthorizationCode || len(clients[0].RedirectURIs) != 2 ||
		clients[0].RefreshTokenLifetime != 7*24*time.Hour {
		t.Fatalf("stored: %+v", clients)
	}

	// Edit: purpose and grant read-only, redirect URIs editable.
	_, doc = b.get("/admin/app-integration/clients/" + clients[0].ID + "/edit")
	if doc.Find(`input[type="radio"][name="purpose"]`).Length() != 0 ||
		strings.TrimSpace(doc.Find(`[data-testid="readonly-purpose"]`).Text()) != "Interactive Usage" {
		t.Error("purpose editable while editing")
	}
	if got := doc.Find(`textarea[name="redirect_uris"]`).Text(); got != "https://app.example.com/**\nhttp://localhost:8080/" {
		t.Errorf("edit redirect URIs = %q", got)
	}
	if !clients[0].RequirePKCE || doc.Find(`input[name="require_pkce"][checked]`).Length() != 1 {
		t.Error("Require PKCE is not on by default")
	}
	if hint := doc.Find(`#hint-require_pkce`).Text(); !strings.Contains(hint, "only for tools that cannot send PKCE") {
		t.Errorf("Require PKCE hint = %q", hint)
	}

	// Turned off (the box posts nothing, its marker says it was shown) and on again.
	edit := url.Values{"_csrf": {csrf(t, doc)}, "name": {"Web app"}, "token_lifetime": {"1"}, "token_lifetime_unit": {"hours"},
		"redirect_uris": {"http://localhost:8080"}, "refresh_token_lifetime": {"7"}, "refresh_token_lifetime_unit": {"days"},
		"require_pkce_shown": {"1"}}
	if resp, _ := b.post("/admin/app-integration/clients/"+clients[0].ID, edit); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	if c := ts.clients(t)[0]; c.RequirePKCE {
		t.Error("Require PKCE still on after unchecking it")
	}
	_, doc = b.get("/admin/app-integration/clients/" + clients[0].ID + "/edit")
	if doc.Find(`input[name="require_pkce"]`).Length() != 1 || doc.Find(`input[name="require_pkce"][checked]`).Length() != 0 {
		t.Error("the edit dialog does not show Require PKCE off")
	}
	edit.Set("require_pkce", "on")
	edit.Set("_csrf", csrf(t, doc))
	if resp, _ := b.post("/admin/app-integration/clients/"+clients[0].ID, edit); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	if c := ts.clients(t)[0]; !c.RequirePKCE {
		t.Error("Require PKCE off after checking it")
	}
}

// TestPurposeContinueWithoutJavaScript: the "Continue" button re-renders the
// dialog for the purpose picked, keeping what was typed, without creating.
func TestPurposeContinueWithoutJavaScript(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	b.login("ADMIN", adminPassword)
	form, _ := newForm(t, b, "api_access")
	form.Set("name", "Kept")
	form.Set("purpose", "technical_user")
	form.Set("continue", "1")
	resp, doc := b.post("/admin/app-integration/clients", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("continue: %d", resp.StatusCode)
	}
	if doc.Find(`[data-purpose-fields="technical_user"]:not([disabled])`).Length() != 1 ||
		doc.Find(`input[name="user_id"][pattern="[A-Z0-9_]{1,20}"][required]`).Length() != 1 {
		t.Error("technical user fields not enabled after Continue")
	}
	if doc.Find(`.field-error`).Length() != 0 || doc.Find(`input[name="name"]`).AttrOr("value", "") != "Kept" {
		t.Error("Continue showed errors or lost the name")
	}
	value := doc.Find(`input[name="token_lifetime"]`).AttrOr("value", "")
	unit := doc.Find(`select[name="token_lifetime_unit"] option[selected]`).AttrOr("value", "")
	if value != "1" || unit != "days" {
		t.Errorf("token lifetime after switching to Technical User = %s %s, want the default 1 days", value, unit)
	}
	if clients := ts.clients(t); len(clients) != 0 {
		t.Error("Continue created a client")
	}
}

// TestTechnicalUserInConsole: create, expire (injected clock), the red
// warning, and extension with a new secret shown once.
func TestTechnicalUserInConsole(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	ts := newTestServer(t, func(o *testOptions) { o.now = clk.Now })
	b := ts.newUser(t)
	b.login("ADMIN", adminPassword)

	form, doc := newForm(t, b, "technical_user")
	date := doc.Find(`input[name="expires_at"]`)
	if date.AttrOr("type", "") != "date" || date.AttrOr("min", "") != "2026-12-02" || date.AttrOr("max", "") != "2046-11-25" ||
		date.AttrOr("value", "") != "2027-02-25" {
		t.Errorf("expiry input: %v", date.Nodes[0].Attr)
	}
	if got := doc.Find(`[data-testid="group-roles"] input[type="checkbox"]`).Length(); got != 6 {
		t.Errorf("%d roles offered, want the catalog's 6", got)
	}
	form.Set("name", "Nightly ETL")
	form.Set("user_id", "etl")
	resp, doc := b.post("/admin/app-integration/clients", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || doc.Find(`[data-testid="error-user_id"]`).Length() != 1 ||
		doc.Find(`[data-testid="error-roles"]`).Length() != 1 {
		t.Fatalf("lower-case User ID and no roles: %d", resp.StatusCode)
	}
	form.Set("user_id", "ETL_USER")
	form["roles"] = []string{store.RoleIntegrator}
	resp, doc = b.post("/admin/app-integration/clients", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create: %d %s", resp.StatusCode, doc.Find(".field-error").Text())
	}
	secret := valueOf(doc, "created-secret")
	if valueOf(doc, "handover-token-url") == "" || doc.Find(`[data-testid="handover-authorization-url"]`).Length() != 0 {
		t.Error("Technical User hand-over: want Token URL and no Authorization URL")
	}
	clients := ts.clients(t)
	c := clients[0]
	status, body, _ := postToken(t, ts.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, secret)
	if status != http.StatusOK || body["scope"] != "content_network" {
		t.Fatalf("token: %d %v", status, body)
	}
	_, doc = b.get("/admin/app-integration")
	row := doc.Find(`tr[data-client-id="` + c.ID + `"]`)
	if got := strings.TrimSpace(row.Find(`[data-testid="client-status"]`).Text()); got != "Expires 2027-02-25" || row.HasClass("is-expired") {
		t.Errorf("status before expiry = %q", got)
	}

	clk.Add(93 * 24 * time.Hour) // 2027-02-26 12:00, past the end of 2027-02-25
	if status, body, _ := postToken(t, ts.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, secret); status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("expired client: %d %v", status, body)
	}
	_, doc = b.get("/admin/app-integration")
	row = doc.Find(`tr[data-client-id="` + c.ID + `"]`)
	if got := strings.TrimSpace(row.Find(`[data-testid="client-status"]`).Text()); got != "Expired" || !row.HasClass("is-expired") ||
		row.Find(`.status-negative svg`).Length() == 0 {
		t.Errorf("expired row: status %q, class %q", got, row.AttrOr("class", ""))
	}

	resp, doc = b.get("/admin/app-integration/clients/" + c.ID + "/edit")
	if resp.StatusCode != http.StatusOK || doc.Find(`[data-testid="expired-warning"]`).Length() != 1 ||
		strings.TrimSpace(doc.Find(`[data-testid="readonly-user_id"]`).Text()) != "ETL_USER" {
		t.Fatalf("edit of an expired client: %d", resp.StatusCode)
	}
	edit := url.Values{"_csrf": {csrf(t, doc)}, "name": {"Nightly ETL"}, "token_lifetime": {"1"}, "token_lifetime_unit": {"days"},
		"roles": {store.RoleIntegrator, store.RoleAdministrator}, "expires_at": {doc.Find(`input[name="expires_at"]`).AttrOr("value", "")}}
	resp, doc = b.post("/admin/app-integration/clients/"+c.ID, edit)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("extend: %d", resp.StatusCode)
	}
	newSecret := valueOf(doc, "created-secret")
	if !oauthtest.LooksLikeSecret(newSecret) || newSecret == secret ||
		strings.TrimSpace(doc.Find("#dialog-title").Text()) != "New Secret Generated" {
		t.Fatalf("extension did not show a new secret once")
	}
	if status, _, _ := postToken(t, ts.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, secret); status != http.StatusUnauthorized {
		t.Errorf("old secret after extension: %d", status)
	}
	status, body, _ = postToken(t, ts.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, newSecret)
	if status != http.StatusOK || body["scope"] != "user_provisioning content_network" {
		t.Errorf("new secret: %d %v", status, body)
	}
	// The page after the dialog shows the secret nowhere.
	_, doc = b.get("/admin/app-integration")
	if h, _ := doc.Html(); strings.Contains(h, newSecret) {
		t.Error("the new secret is shown again")
	}
}
