package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/oauthtest"
	"github.com/appintegration/appintegration/store"
)

// addClientForm is a valid Add dialog submission.
func addClientForm(csrf, requestID string) url.Values {
	return url.Values{
		"_csrf": {csrf}, "request_id": {requestID}, "name": {"Provisioning"}, "purpose": {"api_access"},
		"access": {"user_provisioning", "content_network"}, "grant": {"client_credentials"},
		"token_lifetime": {"30"}, "token_lifetime_unit": {"minutes"},
	}
}

func TestLoginRequiredAndSignInOut(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	resp, _ := b.get("/admin/app-integration")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
		t.Fatalf("signed out: %d %s, want a redirect to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}

	_, doc := b.get("/login")
	resp, doc = b.post("/login", url.Values{"_csrf": {csrf(t, doc)}, "username": {"ADMIN"}, "password": {"wrong"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(doc.Text(), "Wrong user name or password.") {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	resp, _ = b.post("/login", url.Values{"_csrf": {csrf(t, doc)}, "username": {"admin"}, "password": {adminPassword},
		"next": {"https://evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/app-integration" {
		t.Errorf("sign-in with a foreign next: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range b.http.Jar.Cookies(mustURL(t, ts.URL)) {
		if c.Name == "appint_session" && c.Value == "" {
			t.Error("empty session cookie")
		}
	}
	resp, doc = b.get("/admin/app-integration")
	if resp.StatusCode != 200 || doc.Find(`[data-testid="url-token"]`).Length() == 0 {
		t.Fatalf("App Integration after sign-in: %d", resp.StatusCode)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("console headers: %v", resp.Header)
	}
	resp, _ = b.post("/logout", url.Values{"_csrf": {csrf(t, doc)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/admin/app-integration"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d, want a redirect to sign in", resp.StatusCode)
	}
}

func TestNonAdministratorGets403(t *testing.T) {
	ts := newTestServer(t)
	hash, err := oauth.HashPassword("viewer-password")
	if err != nil {
		t.Fatal(err)
	}
	err = ts.Store.CreateUser(context.Background(), store.User{
		ID: "u-viewer", UserName: "VIEWER", Active: true, Roles: []string{store.RoleViewer},
		PasswordHash: hash, Emails: []store.Email{{Value: "v@example.com", Primary: true}},
		CreatedAt: time.Now(), UpdatedAt: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	b := ts.newUser(t)
	b.login("VIEWER", "viewer-password")
	resp, doc := b.get("/admin/app-integration")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(doc.Text(), "DW Administrator") {
		t.Fatalf("viewer: %d %q", resp.StatusCode, doc.Find("main").Text())
	}
	resp, _ = b.post("/admin/app-integration/clients", addClientForm(csrf(t, doc), "r1"))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer creating a client: %d", resp.StatusCode)
	}
	if clients := ts.clients(t); len(clients) != 0 {
		t.Errorf("viewer created a client")
	}
}

func TestCSRFRequired(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	token := b.login("ADMIN", adminPassword)
	for name, form := range map[string]url.Values{
		"missing": addClientForm("", "r1"),
		"wrong":   addClientForm(token+"x", "r2"),
	} {
		resp, doc := b.post("/admin/app-integration/clients", form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(doc.Text(), "form has expired") {
			t.Errorf("%s CSRF token: %d", name, resp.StatusCode)
		}
	}
	// A foreign Origin is refused even with the right token.
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/admin/app-integration/clients", strings.NewReader(addClientForm(token, "r3").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Origin: %d", resp.StatusCode)
	}
	// And the sign-in form needs it too.
	resp, _ = ts.newUser(t).post("/login", url.Values{"username": {"ADMIN"}, "password": {adminPassword}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without CSRF token: %d", resp.StatusCode)
	}
	if clients := ts.clients(t); len(clients) != 0 {
		t.Errorf("a client was created without a valid CSRF token")
	}
}

func TestAddClientShowsSecretOnce(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	token := b.login("ADMIN", adminPassword)
	_, doc := b.get("/admin/app-integration/clients/new")
	requestID, _ := doc.Find(`input[name="request_id"]`).Attr("value")
	if requestID == "" {
		t.Fatal("the Add dialog has no request_id")
	}
	resp, doc := b.post("/admin/app-integration/clients", addClientForm(token, requestID))
	if resp.StatusCode != 200 {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the response with the secret has Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	secret := valueOf(doc, "created-secret")
	clientID := valueOf(doc, "created-client-id")
	if !oauthtest.LooksLikeSecret(secret) || !strings.HasPrefix(clientID, "sb-") {
		t.Fatalf("created dialog: id %q secret %q", clientID, secret)
	}
	if !strings.Contains(doc.Text(), "cannot be shown again") {
		t.Error("no once-only warning")
	}
	if valueOf(doc, "handover-token-url") != ts.Svc.URLs().TokenURL || valueOf(doc, "handover-authorization-url") != ts.Svc.URLs().AuthorizationURL {
		t.Error("hand-over list lacks the Token URL or Authorization URL")
	}

	// Reload the page, open the client's edit dialog, resubmit the form: never the secret again.
	for _, page := range []string{"/admin/app-integration", "/admin/app-integration/clients/" + clientID + "/edit"} {
		_, doc := b.get(page)
		html, _ := doc.Html()
		if strings.Contains(html, secret) || secretPattern.MatchString(html) {
			t.Errorf("%s shows the secret", page)
		}
		if !strings.Contains(html, clientID) {
			t.Errorf("%s does not list the client", page)
		}
	}
	resp, _ = b.post("/admin/app-integration/clients", addClientForm(token, requestID))
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("resubmitted form: %d, want 303", resp.StatusCode)
	}
	_, doc = b.get("/admin/app-integration")
	if n := doc.Find(`[data-testid="client-row"]`).Length(); n != 1 {
		t.Errorf("%d clients after a resubmitted form, want 1", n)
	}
	if !strings.Contains(doc.Text(), "already submitted") {
		t.Error("no notice that the form was already submitted")
	}

	code, body, _ := postToken(t, ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}}, clientID, secret)
	if code != 200 || body["expires_in"] != float64(1800) {
		t.Errorf("token with the console's credentials: %d %v", code, body)
	}
}

// valueOf reads a copy field or text by data-testid.
func valueOf(doc *goquery.Document, testID string) string {
	sel := doc.Find(`[data-testid="` + testID + `"]`).First()
	if v, ok := sel.Attr("value"); ok {
		return v
	}
	return strings.TrimSpace(sel.Text())
}

func TestAddClientValidation(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	token := b.login("ADMIN", adminPassword)

	tests := []struct {
		name    string
		change  func(url.Values)
		field   string
		message string
	}{
		{"empty name", func(f url.Values) { f.Set("name", "   ") }, "name", "Enter a name."},
		{"long name", func(f url.Values) { f.Set("name", strings.Repeat("n", 101)) }, "name", "at most 100"},
		{"no access", func(f url.Values) { f.Del("access") }, "access", "at least one"},
		{"unknown access", func(f url.Values) { f["access"] = []string{"everything"} }, "access", "not one of"},
		{"no grant", func(f url.Values) { f.Del("grant") }, "grant", "Select an authorization grant."},
		{"unknown grant", func(f url.Values) { f.Set("grant", "password") }, "grant", "not one of"},
		{"unknown purpose", func(f url.Values) { f.Set("purpose", "root") }, "purpose", "not one of"},
		{"lifetime below 60 s", func(f url.Values) { f.Set("token_lifetime", "59"); f.Set("token_lifetime_unit", "seconds") }, "token_lifetime", "60 seconds to 1 day"},
		{"lifetime above 1 day", func(f url.Values) { f.Set("token_lifetime", "25"); f.Set("token_lifetime_unit", "hours") }, "token_lifetime", "60 seconds to 1 day"},
		{"lifetime not a number", func(f url.Values) { f.Set("token_lifetime", "ten") }, "token_lifetime", "whole number"},
		{"lifetime huge", func(f url.Values) { f.Set("token_lifetime", "99999999999999"); f.Set("token_lifetime_unit", "days") }, "token_lifetime", "60 seconds to 1 day"},
		{"unknown unit", func(f url.Values) { f.Set("token_lifetime_unit", "weeks") }, "token_lifetime", "Select a unit."},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := addClientForm(token, "req-"+string(rune('a'+i)))
			tc.change(form)
			resp, doc := b.post("/admin/app-integration/clients", form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			msg := doc.Find(`[data-testid="error-` + tc.field + `"]`).Text()
			if !strings.Contains(msg, tc.message) {
				t.Errorf("error next to %s = %q, want it to contain %q", tc.field, msg, tc.message)
			}
			if v, _ := doc.Find(`input[name="name"]`).Attr("value"); tc.field != "name" && v != form.Get("name") {
				t.Errorf("the form lost the name the user typed: %q", v)
			}
		})
	}
	if clients := ts.clients(t); len(clients) != 0 {
		t.Errorf("invalid forms created %d clients", len(clients))
	}
	// Several errors at once are all shown.
	form := addClientForm(token, "req-multi")
	form.Set("name", "")
	form.Del("access")
	form.Set("token_lifetime", "x")
	_, doc := b.post("/admin/app-integration/clients", form)
	for _, f := range []string{"name", "access", "token_lifetime"} {
		if doc.Find(`[data-testid="error-`+f+`"]`).Length() == 0 {
			t.Errorf("no error shown next to %s when three fields are wrong", f)
		}
	}
}

func TestClientNameIsEscaped(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	token := b.login("ADMIN", adminPassword)
	form := addClientForm(token, "xss")
	form.Set("name", `<script>alert("x")</script><img src=x onerror=alert(1)>`)
	resp, doc := b.post("/admin/app-integration/clients", form)
	if resp.StatusCode != 200 {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	for _, page := range []*goquery.Document{doc, func() *goquery.Document { _, d := b.get("/admin/app-integration"); return d }()} {
		if page.Find("script:not([src])").Length() != 0 || page.Find("img[onerror]").Length() != 0 {
			t.Error("the client name was rendered as HTML")
		}
		if !strings.Contains(page.Text(), `<script>alert("x")</script>`) {
			t.Error("the client name is not shown as text")
		}
	}
}

func TestEditAndDeleteClient(t *testing.T) {
	ts := newTestServer(t)
	c, secret := ts.createClient(t, oauth.ClientInput{Name: "Before"})
	b := ts.newUser(t)
	token := b.login("ADMIN", adminPassword)

	resp, doc := b.get("/admin/app-integration/clients/" + c.ID + "/edit")
	if resp.StatusCode != 200 || doc.Find(`input[name="name"]`).AttrOr("value", "") != "Before" {
		t.Fatalf("edit dialog: %d", resp.StatusCode)
	}
	if doc.Find(`input[type="radio"][name="grant"]`).Length() != 0 {
		t.Error("the grant can be changed when editing")
	}
	resp, doc = b.post("/admin/app-integration/clients/"+c.ID, url.Values{
		"_csrf": {token}, "name": {"After"}, "access": {"content_network"},
		"token_lifetime": {"2"}, "token_lifetime_unit": {"hours"}, "grant": {"saml2_bearer"}, "purpose": {"technical_user"},
	})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", resp.StatusCode, doc.Text())
	}
	got, err := ts.Store.GetClient(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "After" || got.TokenLifetime != 2*time.Hour || len(got.Access) != 1 || got.Grant != store.GrantClientCredentials || got.Purpose != store.PurposeAPIAccess {
		t.Errorf("after edit: %+v", got)
	}
	resp, _ = b.post("/admin/app-integration/clients/"+c.ID, url.Values{
		"_csrf": {token}, "name": {""}, "token_lifetime": {"2"}, "token_lifetime_unit": {"hours"},
	})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("invalid edit: %d", resp.StatusCode)
	}

	resp, doc = b.get("/admin/app-integration/clients/" + c.ID + "/delete")
	if resp.StatusCode != 200 || doc.Find(`[data-testid="confirm-delete"]`).Length() == 0 {
		t.Fatalf("delete confirmation: %d", resp.StatusCode)
	}
	if _, err := ts.Store.GetClient(context.Background(), c.ID); err != nil {
		t.Fatal("the confirmation page deleted the client")
	}
	resp, _ = b.post("/admin/app-integration/clients/"+c.ID+"/delete", url.Values{"_csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	_, doc = b.get("/admin/app-integration")
	if doc.Find(`[data-testid="client-row"]`).Length() != 0 || !strings.Contains(doc.Text(), "deleted") {
		t.Error("the client is still listed, or no confirmation was shown")
	}
	code, _, _ := postToken(t, ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}}, c.ID, secret)
	if code != 401 {
		t.Errorf("deleted client gets %d from the token endpoint", code)
	}
	if resp, _ := b.get("/admin/app-integration/clients/" + c.ID + "/edit"); resp.StatusCode != 404 {
		t.Errorf("edit of a deleted client: %d", resp.StatusCode)
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAuditLogTab(t *testing.T) {
	ts := newTestServer(t)
	c, _ := ts.createClient(t, oauth.ClientInput{Name: "Audited"})
	postToken(t, ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}}, c.ID, "not-the-secret")
	b := ts.newUser(t)
	b.login("ADMIN", adminPassword)

	resp, doc := b.get("/admin/audit-log")
	if resp.StatusCode != 200 {
		t.Fatalf("audit log: %d", resp.StatusCode)
	}
	text := doc.Find(`[data-testid="audit-table"]`).Text()
	for _, want := range []string{"client.created", "user.signed_in", "token.refused", c.ID} {
		if !strings.Contains(text, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
	if strings.Contains(text, "not-the-secret") {
		t.Error("the audit log shows a presented secret")
	}
	_, doc = b.get("/admin/audit-log?action=client.created")
	rows := doc.Find(`[data-testid="audit-row"]`)
	if rows.Length() != 1 || !strings.Contains(rows.Text(), "Audited") {
		t.Errorf("filter by action: %d rows", rows.Length())
	}
	_, doc = b.get("/admin/audit-log?q=" + url.QueryEscape("no such thing"))
	if doc.Find(`[data-testid="audit-empty"]`).Length() != 1 {
		t.Error("no empty state for a filter without matches")
	}
	if doc.Find(`[data-testid="tab-audit-log"][aria-current="page"]`).Length() != 1 {
		t.Error("the Audit Log tab is not marked current")
	}
}

// TestSignInNeverRedirectsOffSite: next values that a browser would resolve to
// another site (tab or backslash tricks, schemes, protocol-relative) are replaced.
func TestSignInNeverRedirectsOffSite(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	b.login("ADMIN", adminPassword)
	for _, next := range []string{"/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/",
		"/\r\n/evil.example", "javascript:alert(1)", "/%09/evil.example\x7f"} {
		resp, _ := b.get("/login?next=" + url.QueryEscape(next))
		if loc := resp.Header.Get("Location"); loc != "/admin/app-integration" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
	resp, _ := b.get("/login?next=" + url.QueryEscape("/admin/users?q=a"))
	if loc := resp.Header.Get("Location"); loc != "/admin/users?q=a" {
		t.Errorf("a local next was not kept: %q", loc)
	}
}
