package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

// render renders c and parses the result, failing the test on any error.
func render(t *testing.T, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	html := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	assertCSPSafe(t, doc)
	return doc, html
}

// assertCSPSafe checks what the Content-Security-Policy would block: style
// attributes, <style> elements, inline scripts and inline event handlers.
func assertCSPSafe(t *testing.T, doc *goquery.Document) {
	t.Helper()
	if n := doc.Find("[style]").Length(); n > 0 {
		t.Errorf("%d elements have a style attribute", n)
	}
	if n := doc.Find("style").Length(); n > 0 {
		t.Errorf("%d <style> elements", n)
	}
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, ok := s.Attr("src"); !ok || src == "" {
			t.Errorf("inline <script>: %q", s.Text())
		}
		if strings.TrimSpace(s.Text()) != "" {
			t.Errorf("<script src> with content %q", s.Text())
		}
	})
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("<%s> has event handler attribute %s", goquery.NodeName(s), a.Key)
			}
			if strings.Contains(strings.ToLower(a.Val), "javascript:") {
				t.Errorf("<%s %s=%q> holds a javascript: URL", goquery.NodeName(s), a.Key, a.Val)
			}
		}
	})
}

// one returns the single element sel matches, failing the test otherwise.
func one(t *testing.T, doc *goquery.Document, sel string) *goquery.Selection {
	t.Helper()
	s := doc.Find(sel)
	if s.Length() != 1 {
		t.Fatalf("%s: found %d elements, want 1", sel, s.Length())
	}
	return s
}

func attr(s *goquery.Selection, name string) string {
	v, _ := s.Attr(name)
	return v
}

func shell() views.Shell {
	return views.Shell{
		Title:     "App Integration",
		UserName:  "ADMIN",
		CSRF:      "csrf-token-123",
		ActiveNav: views.NavAdministration,
	}
}

func urls() []views.URLRow {
	return []views.URLRow{
		{Label: "Authorization URL", Value: "https://appint.example.com/oauth/authorize", TestID: "url-authorization"},
		{Label: "Token URL", Value: "https://appint.example.com/oauth/token", TestID: "url-token"},
		{Label: "OAuth2SAML Token URL", Value: "https://appint.example.com/oauth/token/alias/appint.example.com", TestID: "url-saml-token"},
		{Label: "OAuth2SAML Audience", Value: "https://appint.example.com/saml/metadata", TestID: "url-saml-audience"},
	}
}

func clients() []views.ClientRow {
	return []views.ClientRow{
		{
			ID: "sb-7f3c2a9e-provisioning", Name: "Entra ID provisioning", Purpose: "API Access",
			Grant: "Client Credentials", TokenLifetime: "60 minutes", Status: "Active",
			Created: "2026-11-25 18:40 UTC", EditURL: "/admin/app-integration/clients/sb-7f3c2a9e-provisioning/edit",
			DeleteURL: "/admin/app-integration/clients/sb-7f3c2a9e-provisioning/delete",
		},
		{
			ID: "sb-1b8d44f0-transport", Name: "Cloud Transport Management", Purpose: "API Access",
			Grant: "SAML2.0 Bearer", TokenLifetime: "2 hours", Status: "Active",
			Created: "2026-11-20 09:12 UTC", EditURL: "/admin/app-integration/clients/sb-1b8d44f0-transport/edit",
			DeleteURL: "/admin/app-integration/clients/sb-1b8d44f0-transport/delete",
		},
		{
			ID: "sb-02aa91c3-nightly", Name: "Nightly load (TECH_LOADER)", Purpose: "Technical User",
			Grant: "Client Credentials", TokenLifetime: "1 day", Status: "Expired on 2026-10-01", Expired: true,
			Created: "2026-07-01 07:00 UTC", EditURL: "/admin/app-integration/clients/sb-02aa91c3-nightly/edit",
			DeleteURL: "/admin/app-integration/clients/sb-02aa91c3-nightly/delete",
		},
	}
}

func page() views.AppIntegrationPage {
	cs := clients()
	return views.AppIntegrationPage{
		Shell:        shell(),
		URLs:         urls(),
		Clients:      cs,
		ClientsPager: views.Pager{Total: len(cs), All: len(cs), From: 1, To: len(cs), Page: 1, Pages: 1},
		AddClientURL: "/admin/app-integration/clients/new",
		PageURL:      "/admin/app-integration",
	}
}

func addForm() *views.ClientForm {
	return &views.ClientForm{
		Title:     "Add a New OAuth Client",
		Action:    "/admin/app-integration/clients",
		Submit:    "Add",
		RequestID: "req-42",
		Purpose:   string(store.PurposeAPIAccess),
		Purposes: []views.Option{
			{Value: "api_access", Label: "API Access", Selected: true},
		},
		Access: []views.Option{
			{Value: "user_provisioning", Label: "User Provisioning"},
			{Value: "content_network", Label: "Analytics Content Network Interaction"},
		},
		Grants: []views.Option{
			{Value: "client_credentials", Label: "Client Credentials", Selected: true},
			{Value: "saml2_bearer", Label: "SAML2.0 Bearer"},
		},
		TokenLifetime:     "60",
		TokenLifetimeUnit: "minutes",
		LifetimeUnits: []views.Option{
			{Value: "seconds", Label: "Seconds"},
			{Value: "minutes", Label: "Minutes", Selected: true},
			{Value: "hours", Label: "Hours"},
			{Value: "days", Label: "Days"},
		},
		TokenLifetimeHint: "From 60 seconds to 1 day.",
	}
}

func addFormWithErrors() *views.ClientForm {
	f := addForm()
	f.Name = "   "
	f.TokenLifetime = "2"
	f.TokenLifetimeUnit = "days"
	f.LifetimeUnits[1].Selected = false
	f.LifetimeUnits[3].Selected = true
	f.Errors = map[string]string{
		oauth.FieldName:          "Enter a name.",
		oauth.FieldAccess:        "Select at least one access.",
		oauth.FieldTokenLifetime: "Enter a lifetime from 60 seconds to 1 day.",
	}
	return f
}

func editForm() *views.ClientForm {
	f := addForm()
	f.Title = "Edit OAuth Client"
	f.Action = "/admin/app-integration/clients/sb-1b8d44f0-transport"
	f.Submit = "Save"
	f.Editing = true
	f.RequestID = ""
	f.ClientID = "sb-1b8d44f0-transport"
	f.Name = "Cloud Transport Management"
	f.Access[1].Selected = true
	f.Grants[0].Selected = false
	f.Grants[1].Selected = true
	return f
}

func created() *views.ClientCreated {
	return &views.ClientCreated{
		Name:     "Entra ID provisioning",
		ClientID: "sb-7f3c2a9e-provisioning",
		Secret:   "s3cr3t-9bQk2VfX0pL7rT4mZ8wY1nC6dH5jG3aE",
		Handover: []views.URLRow{
			{Label: "Authorization URL", Value: "https://appint.example.com/oauth/authorize", TestID: "handover-authorization-url"},
			{Label: "Token URL", Value: "https://appint.example.com/oauth/token", TestID: "handover-token-url"},
		},
		CloseURL: "/admin/app-integration",
	}
}

// assertWellFormed checks what holds on every page: unique ids, every
// aria-describedby/aria-labelledby/label-for/data-copy-target pointing at an
// existing id, and every visible form control labelled.
func assertWellFormed(t *testing.T, doc *goquery.Document) {
	t.Helper()
	ids := map[string]int{}
	doc.Find("[id]").Each(func(_ int, s *goquery.Selection) {
		ids[attr(s, "id")]++
	})
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q used %d times", id, n)
		}
	}
	for _, a := range []string{"aria-describedby", "aria-labelledby", "for", "data-copy-target"} {
		doc.Find("[" + a + "]").Each(func(_ int, s *goquery.Selection) {
			for _, id := range strings.Fields(attr(s, a)) {
				if ids[id] == 0 {
					t.Errorf("<%s %s=%q>: no element with id %q", goquery.NodeName(s), a, attr(s, a), id)
				}
			}
		})
	}
	doc.Find("input, select, textarea").Each(func(_ int, s *goquery.Selection) {
		if attr(s, "type") == "hidden" {
			return
		}
		if attr(s, "aria-label") != "" || attr(s, "aria-labelledby") != "" {
			return
		}
		if id := attr(s, "id"); id != "" && doc.Find(`label[for="`+id+`"]`).Length() > 0 {
			return
		}
		t.Errorf("unlabelled <%s name=%q id=%q>", goquery.NodeName(s), attr(s, "name"), attr(s, "id"))
	})
}

func renderPage(t *testing.T, m views.AppIntegrationPage) *goquery.Document {
	t.Helper()
	doc, _ := render(t, views.AppIntegrationPageView(m))
	assertWellFormed(t, doc)
	return doc
}

func TestShellLayout(t *testing.T) {
	doc := renderPage(t, page())

	if got := attr(doc.Find("html"), "lang"); got != "en" {
		t.Errorf("lang = %q", got)
	}
	if doc.Find(`meta[name="viewport"]`).Length() != 1 {
		t.Error("no viewport meta")
	}
	if got, want := doc.Find("head title").Text(), "App Integration · App Integration"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if href := attr(one(t, doc, `link[rel="stylesheet"]`), "href"); !strings.HasPrefix(href, "/static/app.css?v=") {
		t.Errorf("stylesheet href = %q", href)
	}
	script := one(t, doc, "script")
	if src := attr(script, "src"); !strings.HasPrefix(src, "/static/app.js?v=") {
		t.Errorf("script src = %q", src)
	}
	if _, ok := script.Attr("defer"); !ok {
		t.Error("script is not deferred")
	}
	skip := one(t, doc, "a.skip-link")
	if attr(skip, "href") != "#content" || doc.Find("main#content").Length() != 1 {
		t.Error("skip link does not lead to main#content")
	}
	if got := strings.TrimSpace(doc.Find(".shellbar-product").Text()); got != "App Integration" {
		t.Errorf("product name = %q", got)
	}
	if got := strings.TrimSpace(one(t, doc, `[data-testid="user-name"]`).Text()); !strings.Contains(got, "ADMIN") {
		t.Errorf("user name = %q", got)
	}
	signOut := one(t, doc, `form[action="/logout"]`)
	if strings.ToLower(attr(signOut, "method")) != "post" {
		t.Error("sign-out form is not POST")
	}
	if got := attr(signOut.Find(`input[name="_csrf"]`), "value"); got != "csrf-token-123" {
		t.Errorf("sign-out _csrf = %q", got)
	}
	nav := one(t, doc, `nav.sidenav a[href="/admin/app-integration"]`)
	if attr(nav, "aria-current") != "page" || !strings.Contains(nav.Text(), "Administration") {
		t.Errorf("Administration nav entry not current: %q", nav.Text())
	}
	if !strings.Contains(doc.Find("nav.sidenav").Text(), "System") {
		t.Error("no System group in the side navigation")
	}
	if got := strings.TrimSpace(doc.Find("h1").Text()); got != "Administration" {
		t.Errorf("h1 = %q", got)
	}
	tab := one(t, doc, `[data-testid="tab-app-integration"]`)
	if attr(tab, "href") != "/admin/app-integration" || attr(tab, "aria-current") != "page" || tab.Text() != "App Integration" {
		t.Errorf("App Integration tab wrong: href=%q current=%q text=%q", attr(tab, "href"), attr(tab, "aria-current"), tab.Text())
	}
	if doc.Find("dialog, .modal-backdrop, [inert]").Length() != 0 {
		t.Error("dialog or inert content without a dialog in the model")
	}
	if doc.Find(`[data-testid="flash"]`).Length() != 0 {
		t.Error("flash shown without a message")
	}
}

func TestShellNavNotCurrentElsewhere(t *testing.T) {
	m := page()
	m.ActiveNav = ""
	doc := renderPage(t, m)
	if doc.Find(`nav.sidenav [aria-current]`).Length() != 0 {
		t.Error("side navigation marks a current page although ActiveNav is empty")
	}
}

func TestFlash(t *testing.T) {
	m := page()
	m.Flash = "Client “Entra ID provisioning” deleted."
	doc := renderPage(t, m)
	f := one(t, doc, `[data-testid="flash"]`)
	if attr(f, "role") != "status" || !strings.Contains(f.Text(), m.Flash) {
		t.Errorf("flash: role=%q text=%q", attr(f, "role"), f.Text())
	}
}

func TestURLsHaveCopyButtons(t *testing.T) {
	doc := renderPage(t, page())
	if got := strings.TrimSpace(doc.Find("#urls-heading").Text()); got != "OAuth Clients URLs" {
		t.Errorf("heading = %q", got)
	}
	for _, u := range urls() {
		field := one(t, doc, `[data-testid="`+u.TestID+`"]`)
		if got := attr(field, "value"); got != u.Value {
			t.Errorf("%s value = %q, want %q", u.TestID, got, u.Value)
		}
		if _, ok := field.Attr("readonly"); !ok {
			t.Errorf("%s is not read-only", u.TestID)
		}
		if !field.HasClass("mono-field") {
			t.Errorf("%s is not monospace", u.TestID)
		}
		btn := one(t, doc, `button.copy[data-copy-target="`+attr(field, "id")+`"]`)
		if attr(btn, "type") != "button" || attr(btn, "aria-label") != "Copy "+u.Label {
			t.Errorf("copy button for %s: type=%q aria-label=%q", u.TestID, attr(btn, "type"), attr(btn, "aria-label"))
		}
		if got := strings.TrimSpace(doc.Find(`label[for="` + attr(field, "id") + `"]`).Text()); got != u.Label {
			t.Errorf("label of %s = %q", u.TestID, got)
		}
	}
}

func TestClientsTable(t *testing.T) {
	doc := renderPage(t, page())
	add := one(t, doc, `a[data-testid="add-client"]`)
	if attr(add, "href") != "/admin/app-integration/clients/new" || !strings.Contains(add.Text(), "Add a New OAuth Client") {
		t.Errorf("add link: href=%q text=%q", attr(add, "href"), add.Text())
	}
	if got := one(t, doc, `[data-testid="clients-count"]`).Text(); got != "(3)" {
		t.Errorf("count = %q", got)
	}
	table := one(t, doc, `table[data-testid="clients-table"]`)
	var headers []string
	table.Find("thead th").Each(func(_ int, s *goquery.Selection) {
		headers = append(headers, strings.TrimSpace(s.Text()))
	})
	want := []string{"Name", "Client ID", "Purpose", "Authorization Grant", "Token Lifetime", "Status", "Last Used", "Created", "Actions"}
	if strings.Join(headers, "|") != strings.Join(want, "|") {
		t.Errorf("headers = %q, want %q", headers, want)
	}
	rows := table.Find(`tr[data-testid="client-row"]`)
	if rows.Length() != 3 {
		t.Fatalf("%d rows, want 3", rows.Length())
	}
	for i, c := range clients() {
		row := rows.Eq(i)
		if attr(row, "data-client-id") != c.ID {
			t.Errorf("row %d data-client-id = %q", i, attr(row, "data-client-id"))
		}
		for sel, want := range map[string]string{
			"client-name": c.Name, "client-id": c.ID, "client-purpose": c.Purpose, "client-grant": c.Grant,
			"client-token-lifetime": c.TokenLifetime, "client-status": c.Status, "client-created": c.Created,
		} {
			if got := strings.TrimSpace(row.Find(`[data-testid="` + sel + `"]`).Text()); got != want {
				t.Errorf("row %d %s = %q, want %q", i, sel, got, want)
			}
		}
		edit := row.Find(`a[data-testid="edit-client"]`)
		if attr(edit, "href") != c.EditURL || attr(edit, "aria-label") != "Edit "+c.Name {
			t.Errorf("row %d edit: href=%q aria-label=%q", i, attr(edit, "href"), attr(edit, "aria-label"))
		}
		del := row.Find(`a[data-testid="delete-client"]`)
		if attr(del, "href") != c.DeleteURL || attr(del, "aria-label") != "Delete "+c.Name {
			t.Errorf("row %d delete: href=%q aria-label=%q", i, attr(del, "href"), attr(del, "aria-label"))
		}
		icon := row.Find("svg.status-expired")
		if c.Expired {
			if icon.Length() != 1 || icon.Find("title").Text() != "Expired" {
				t.Errorf("row %d: expired client without a titled warning icon", i)
			}
		} else if icon.Length() != 0 {
			t.Errorf("row %d: warning icon on a client that has not expired", i)
		}
	}
	if doc.Find(`[data-testid="clients-empty"]`).Length() != 0 {
		t.Error("empty state shown with clients")
	}
}

func TestClientsEmptyState(t *testing.T) {
	m := page()
	m.Clients, m.ClientsPager = nil, views.Pager{Page: 1, Pages: 1}
	doc := renderPage(t, m)
	if doc.Find("table").Length() != 0 {
		t.Error("table shown without clients")
	}
	empty := one(t, doc, `[data-testid="clients-empty"]`)
	if !strings.Contains(empty.Text(), "access tokens") {
		t.Errorf("empty state does not explain OAuth clients: %q", empty.Text())
	}
	link := empty.Find("a.btn-emphasized")
	if link.Length() != 1 || attr(link, "href") != m.AddClientURL || strings.TrimSpace(link.Text()) != "Add a New OAuth Client" {
		t.Errorf("empty state has no primary add link")
	}
	if one(t, doc, `[data-testid="add-client"]`).Length() != 1 {
		t.Error("toolbar add link missing")
	}
	if got := one(t, doc, `[data-testid="clients-count"]`).Text(); got != "(0)" {
		t.Errorf("count = %q", got)
	}
}

// dialogOf checks what every open dialog has and returns it.
func dialogOf(t *testing.T, doc *goquery.Document, testID, closeURL string) *goquery.Selection {
	t.Helper()
	if doc.Find("dialog").Length() != 1 {
		t.Fatalf("%d dialogs, want 1", doc.Find("dialog").Length())
	}
	d := one(t, doc, `dialog[data-testid="`+testID+`"]`)
	if _, ok := d.Attr("open"); !ok {
		t.Error("dialog not open")
	}
	if !d.HasClass("modal") || attr(d, "aria-modal") != "true" {
		t.Error("dialog not marked modal")
	}
	if lb := attr(d, "aria-labelledby"); lb == "" || d.Find("#"+lb).Length() != 1 {
		t.Errorf("aria-labelledby %q does not name a heading in the dialog", lb)
	}
	if got := attr(d, "data-close-url"); got != closeURL {
		t.Errorf("data-close-url = %q, want %q", got, closeURL)
	}
	if doc.Find(".modal-backdrop").Length() != 1 {
		t.Error("no backdrop")
	}
	if _, ok := doc.Find(".app").Attr("inert"); !ok {
		t.Error("page behind the dialog is not inert")
	}
	if d.ParentsFiltered("[inert]").Length() != 0 {
		t.Error("dialog is inside the inert page")
	}
	return d
}

func TestAddDialog(t *testing.T) {
	m := page()
	m.ClientForm = addForm()
	doc := renderPage(t, m)
	d := dialogOf(t, doc, "client-dialog", m.PageURL)
	if got := strings.TrimSpace(d.Find("#" + attr(d, "aria-labelledby")).Text()); got != "Add a New OAuth Client" {
		t.Errorf("title = %q", got)
	}
	form := one(t, doc, "dialog form")
	if strings.ToLower(attr(form, "method")) != "post" || attr(form, "action") != "/admin/app-integration/clients" {
		t.Errorf("form method=%q action=%q", attr(form, "method"), attr(form, "action"))
	}
	if got := attr(form.Find(`input[type="hidden"][name="_csrf"]`), "value"); got != "csrf-token-123" {
		t.Errorf("_csrf = %q", got)
	}
	if got := attr(form.Find(`input[type="hidden"][name="request_id"]`), "value"); got != "req-42" {
		t.Errorf("request_id = %q", got)
	}
	if got := strings.TrimSpace(one(t, doc, `[data-testid="form-client-id"]`).Text()); got != "Generated when you choose Add" {
		t.Errorf("client id placeholder = %q", got)
	}
	name := one(t, doc, `input[name="name"]`)
	for _, a := range []string{"required", "autofocus"} {
		if _, ok := name.Attr(a); !ok {
			t.Errorf("name input lacks %s", a)
		}
	}
	if attr(name, "maxlength") != "100" || attr(name, "type") != "text" {
		t.Errorf("name input: maxlength=%q type=%q", attr(name, "maxlength"), attr(name, "type"))
	}
	if got := form.Find(`input[type="radio"][name="purpose"]`).Length(); got != 1 {
		t.Errorf("%d purpose radios, want 1", got)
	}
	if _, ok := form.Find(`input[name="purpose"][value="api_access"]`).Attr("checked"); !ok {
		t.Error("selected purpose not checked")
	}
	access := form.Find(`fieldset input[type="checkbox"][name="access"]`)
	if access.Length() != 2 {
		t.Errorf("%d access checkboxes, want 2", access.Length())
	}
	accessGroup := access.First().Closest("fieldset")
	if got := strings.TrimSpace(accessGroup.Find("legend").Text()); got != "Access" {
		t.Errorf("access legend = %q", got)
	}
	if !strings.Contains(accessGroup.Text(), "Select at least one.") {
		t.Error("access hint missing")
	}
	grants := form.Find(`input[type="radio"][name="grant"]`)
	if grants.Length() != 2 {
		t.Errorf("%d grant radios, want 2", grants.Length())
	}
	if got := grants.First().Closest("fieldset").Find("legend").Text(); got != "Authorization Grant" {
		t.Errorf("grant legend = %q", got)
	}
	lifetime := one(t, doc, `input[name="token_lifetime"]`)
	if attr(lifetime, "type") != "number" || attr(lifetime, "min") != "1" || attr(lifetime, "value") != "60" {
		t.Errorf("token_lifetime: type=%q min=%q value=%q", attr(lifetime, "type"), attr(lifetime, "min"), attr(lifetime, "value"))
	}
	if _, ok := lifetime.Attr("required"); !ok {
		t.Error("token_lifetime not required")
	}
	unit := one(t, doc, `select[name="token_lifetime_unit"]`)
	if unit.Find("option").Length() != 4 || attr(unit.Find("option[selected]"), "value") != "minutes" {
		t.Errorf("unit select: %d options, selected %q", unit.Find("option").Length(), attr(unit.Find("option[selected]"), "value"))
	}
	if got := strings.TrimSpace(one(t, doc, `[data-testid="hint-token_lifetime"]`).Text()); got != "From 60 seconds to 1 day." {
		t.Errorf("lifetime hint = %q", got)
	}
	if doc.Find(`[aria-invalid], .field-error, [role="alert"]`).Length() != 0 {
		t.Error("errors shown on a fresh form")
	}
	submit := one(t, doc, `[data-testid="submit"]`)
	if goquery.NodeName(submit) != "button" || attr(submit, "type") != "submit" || submit.Text() != "Add" {
		t.Errorf("submit: <%s type=%q>%s", goquery.NodeName(submit), attr(submit, "type"), submit.Text())
	}
	if got := attr(one(t, doc, `dialog a[data-testid="cancel"]`), "href"); got != m.PageURL {
		t.Errorf("cancel href = %q", got)
	}
}

func TestAddDialogShowsErrorsNextToFields(t *testing.T) {
	m := page()
	m.ClientForm = addFormWithErrors()
	doc := renderPage(t, m)
	dialogOf(t, doc, "client-dialog", m.PageURL)

	cases := []struct {
		field, inputSel, msg string
	}{
		{"name", `input[name="name"]`, "Enter a name."},
		{"access", `input[name="access"]`, "Select at least one access."},
		{"token_lifetime", `input[name="token_lifetime"]`, "Enter a lifetime from 60 seconds to 1 day."},
	}
	for _, c := range cases {
		errP := one(t, doc, `[data-testid="error-`+c.field+`"]`)
		if !errP.HasClass("field-error") || attr(errP, "id") != "err-"+c.field {
			t.Errorf("%s: error element class=%q id=%q", c.field, attr(errP, "class"), attr(errP, "id"))
		}
		if got := strings.TrimSpace(errP.Text()); got != c.msg {
			t.Errorf("%s: error = %q, want %q", c.field, got, c.msg)
		}
		doc.Find(c.inputSel).Each(func(_ int, in *goquery.Selection) {
			if attr(in, "aria-invalid") != "true" {
				t.Errorf("%s: input not aria-invalid", c.field)
			}
			if !strings.Contains(" "+attr(in, "aria-describedby")+" ", " err-"+c.field+" ") {
				t.Errorf("%s: aria-describedby = %q", c.field, attr(in, "aria-describedby"))
			}
			// Next to the field: in the same field wrapper.
			if in.Closest(".field").Find(`[data-testid="error-`+c.field+`"]`).Length() != 1 {
				t.Errorf("%s: error not next to its field", c.field)
			}
		})
	}
	if doc.Find(`input[name="grant"][aria-invalid], input[name="purpose"][aria-invalid]`).Length() != 0 {
		t.Error("fields without errors marked invalid")
	}
	// The values typed are kept.
	if got := attr(one(t, doc, `input[name="token_lifetime"]`), "value"); got != "2" {
		t.Errorf("token_lifetime value = %q", got)
	}
	if got := attr(doc.Find(`select[name="token_lifetime_unit"] option[selected]`), "value"); got != "days" {
		t.Errorf("unit = %q", got)
	}
	if doc.Find(`[data-testid="form-error"]`).Length() != 0 {
		t.Error("form error strip without a form error")
	}
}

func TestAddDialogFormErrorAtTop(t *testing.T) {
	m := page()
	f := addForm()
	f.FormError = "This client was deleted meanwhile."
	f.Errors = map[string]string{views.FieldRequestID: "This form was already sent."}
	m.ClientForm = f
	doc := renderPage(t, m)
	strips := doc.Find(`dialog [data-testid="form-error"]`)
	if strips.Length() != 2 {
		t.Fatalf("%d form error strips, want 2", strips.Length())
	}
	if attr(strips.First(), "role") != "alert" || !strings.Contains(strips.First().Text(), f.FormError) {
		t.Errorf("form error: role=%q text=%q", attr(strips.First(), "role"), strips.First().Text())
	}
	if !strings.Contains(strips.Last().Text(), "This form was already sent.") {
		t.Errorf("request_id error not shown: %q", strips.Last().Text())
	}
	// The strip comes before the first field.
	body := doc.Find("dialog .modal-body").Children()
	if body.Index() < 0 || body.Filter(`[data-testid="form-error"]`).First().Index() > body.Filter(".field").First().Index() {
		t.Error("form error is not at the top of the form")
	}
}

func TestEditDialogShowsPurposeAndGrantReadOnly(t *testing.T) {
	m := page()
	m.ClientForm = editForm()
	doc := renderPage(t, m)
	dialogOf(t, doc, "client-dialog", m.PageURL)
	if doc.Find(`input[type="radio"]`).Length() != 0 {
		t.Error("purpose or grant editable while editing")
	}
	for field, want := range map[string][2]string{
		"purpose": {"API Access", "api_access"},
		"grant":   {"SAML2.0 Bearer", "saml2_bearer"},
	} {
		if got := strings.TrimSpace(one(t, doc, `[data-testid="readonly-`+field+`"]`).Text()); got != want[0] {
			t.Errorf("%s shows %q, want %q", field, got, want[0])
		}
		hidden := one(t, doc, `input[type="hidden"][name="`+field+`"]`)
		if attr(hidden, "value") != want[1] {
			t.Errorf("%s hidden value = %q, want %q", field, attr(hidden, "value"), want[1])
		}
	}
	id := one(t, doc, `[data-testid="form-client-id"]`)
	if attr(id, "value") != "sb-1b8d44f0-transport" {
		t.Errorf("client id = %q", attr(id, "value"))
	}
	if _, ok := id.Attr("readonly"); !ok {
		t.Error("client id not read-only")
	}
	if doc.Find(`input[name="request_id"]`).Length() != 0 {
		t.Error("request_id sent while editing without one")
	}
	if _, ok := doc.Find(`input[name="access"][value="content_network"]`).Attr("checked"); !ok {
		t.Error("selected access not checked")
	}
	if got := attr(one(t, doc, `input[name="name"]`), "value"); got != "Cloud Transport Management" {
		t.Errorf("name = %q", got)
	}
	if got := one(t, doc, `[data-testid="submit"]`).Text(); got != "Save" {
		t.Errorf("submit = %q", got)
	}
}

func TestCreatedDialogShowsSecretOnce(t *testing.T) {
	m := page()
	m.ClientCreated = created()
	doc := renderPage(t, m)
	d := dialogOf(t, doc, "client-created-dialog", "/admin/app-integration")
	if got := strings.TrimSpace(d.Find("#" + attr(d, "aria-labelledby")).Text()); got != "OAuth Client Created" {
		t.Errorf("title = %q", got)
	}
	warn := one(t, doc, `[data-testid="secret-warning"]`)
	if !warn.HasClass("message-warning") ||
		!strings.Contains(strings.Join(strings.Fields(warn.Text()), " "), "Copy the secret now. It cannot be shown again: once you close this dialog it is gone for good.") {
		t.Errorf("warning: class=%q text=%q", attr(warn, "class"), warn.Text())
	}
	for testID, want := range map[string]string{
		"created-client-id": "sb-7f3c2a9e-provisioning",
		"created-secret":    "s3cr3t-9bQk2VfX0pL7rT4mZ8wY1nC6dH5jG3aE",
	} {
		f := one(t, doc, `[data-testid="`+testID+`"]`)
		if attr(f, "value") != want || !f.HasClass("mono-field") {
			t.Errorf("%s = %q", testID, attr(f, "value"))
		}
		if _, ok := f.Attr("readonly"); !ok {
			t.Errorf("%s not read-only", testID)
		}
		one(t, doc, `button.copy[data-copy-target="`+attr(f, "id")+`"]`)
	}
	if !strings.Contains(d.Text(), "Provide these to the users of this client:") {
		t.Error("hand-over heading missing")
	}
	for _, h := range created().Handover {
		f := one(t, doc, `[data-testid="`+h.TestID+`"]`)
		if attr(f, "value") != h.Value {
			t.Errorf("%s = %q", h.TestID, attr(f, "value"))
		}
		btn := one(t, doc, `button.copy[data-copy-target="`+attr(f, "id")+`"]`)
		if attr(btn, "aria-label") != "Copy "+h.Label {
			t.Errorf("%s copy label = %q", h.TestID, attr(btn, "aria-label"))
		}
	}
	if got := attr(one(t, doc, `a[data-testid="close-dialog"]`), "href"); got != "/admin/app-integration" {
		t.Errorf("close href = %q", got)
	}
	if doc.Find("dialog form").Length() != 0 {
		t.Error("created dialog should not post anything")
	}
}

func TestCreatedDialogWinsOverOthers(t *testing.T) {
	m := page()
	m.ClientCreated = created()
	m.ClientForm = addForm()
	doc := renderPage(t, m)
	dialogOf(t, doc, "client-created-dialog", "/admin/app-integration")
}

func TestDeleteDialog(t *testing.T) {
	m := page()
	m.DeleteClient = &views.DeleteClient{
		ClientID: "sb-7f3c2a9e-provisioning", Name: "Entra ID provisioning",
		Action: "/admin/app-integration/clients/sb-7f3c2a9e-provisioning/delete",
	}
	doc := renderPage(t, m)
	d := dialogOf(t, doc, "delete-client-dialog", m.PageURL)
	if got := strings.TrimSpace(d.Find("#" + attr(d, "aria-labelledby")).Text()); got != "Delete OAuth Client" {
		t.Errorf("title = %q", got)
	}
	want := "Delete “Entra ID provisioning” (sb-7f3c2a9e-provisioning)? Apps using it stop getting tokens, and every token it was issued stops working at once."
	if got := strings.TrimSpace(one(t, doc, `[data-testid="delete-message"]`).Text()); got != want {
		t.Errorf("message = %q\nwant      %q", got, want)
	}
	form := one(t, doc, "dialog form")
	if strings.ToLower(attr(form, "method")) != "post" || attr(form, "action") != m.DeleteClient.Action {
		t.Errorf("form method=%q action=%q", attr(form, "method"), attr(form, "action"))
	}
	if attr(form.Find(`input[name="_csrf"]`), "value") != "csrf-token-123" {
		t.Error("no _csrf")
	}
	btn := one(t, doc, `button[data-testid="confirm-delete"]`)
	if attr(btn, "type") != "submit" || !btn.HasClass("btn-danger") || btn.Text() != "Delete" {
		t.Errorf("delete button: type=%q class=%q text=%q", attr(btn, "type"), attr(btn, "class"), btn.Text())
	}
	if got := attr(one(t, doc, `dialog a[data-testid="cancel"]`), "href"); got != m.PageURL {
		t.Errorf("cancel href = %q", got)
	}
}

const evil = `<script>alert(1)</script>`

func TestUserTextIsEscaped(t *testing.T) {
	m := page()
	m.UserName = evil
	m.Flash = evil
	m.Clients[0].Name = evil
	m.Clients[0].Status = evil
	m.URLs[0].Value = evil
	m.DeleteClient = &views.DeleteClient{ClientID: evil, Name: evil, Action: "/x"}
	doc, html := render(t, views.AppIntegrationPageView(m))
	if n := doc.Find("script").Length(); n != 1 {
		t.Errorf("%d script elements, want only app.js", n)
	}
	if strings.Contains(html, evil) {
		t.Error("raw markup from the model reached the page")
	}
	if got := doc.Find(`[data-testid="client-name"]`).First().Text(); got != evil {
		t.Errorf("name shown as %q", got)
	}
	if !strings.Contains(doc.Find(`[data-testid="delete-message"]`).Text(), evil) {
		t.Error("delete message does not show the name as text")
	}
	if got := attr(doc.Find(`a[data-testid="edit-client"]`).First(), "aria-label"); got != "Edit "+evil {
		t.Errorf("aria-label = %q", got)
	}

	m = page()
	f := addForm()
	f.Name = `"><script>alert(1)</script>`
	f.Errors = map[string]string{oauth.FieldName: evil}
	f.FormError = evil
	m.ClientForm = f
	doc, _ = render(t, views.AppIntegrationPageView(m))
	if n := doc.Find("script").Length(); n != 1 {
		t.Errorf("form: %d script elements, want 1", n)
	}
	if got := attr(doc.Find(`input[name="name"]`), "value"); got != f.Name {
		t.Errorf("name value = %q", got)
	}

	m = page()
	c := created()
	c.Name, c.Secret = evil, evil
	m.ClientCreated = c
	doc, _ = render(t, views.AppIntegrationPageView(m))
	if n := doc.Find("script").Length(); n != 1 {
		t.Errorf("created: %d script elements, want 1", n)
	}

	doc, _ = render(t, views.LoginPageView(views.LoginPage{UserName: evil, Error: evil, Next: evil}))
	if n := doc.Find("script").Length(); n != 1 {
		t.Errorf("login: %d script elements, want 1", n)
	}
	doc, _ = render(t, views.ErrorPageView(views.ErrorPage{Status: 500, Title: evil, Message: evil}))
	if n := doc.Find("script").Length(); n != 1 {
		t.Errorf("error page: %d script elements, want 1", n)
	}
}

func TestUnsafeURLsAreNeutralised(t *testing.T) {
	m := page()
	m.AddClientURL = "javascript:alert(1)"
	m.Clients[0].EditURL = "javascript:alert(1)"
	m.DeleteClient = &views.DeleteClient{ClientID: "x", Name: "x", Action: "javascript:alert(1)"}
	render(t, views.AppIntegrationPageView(m)) // assertCSPSafe fails on javascript: URLs
}

func TestLoginPage(t *testing.T) {
	doc, _ := render(t, views.LoginPageView(views.LoginPage{CSRF: "tok", Next: "/admin/app-integration"}))
	assertWellFormed(t, doc)
	if got := doc.Find("head title").Text(); !strings.HasPrefix(got, "App Integration · ") {
		t.Errorf("title = %q", got)
	}
	if !strings.Contains(doc.Find("body").Text(), "App Integration") {
		t.Error("product name missing")
	}
	form := one(t, doc, "form")
	if strings.ToLower(attr(form, "method")) != "post" || attr(form, "action") != "/login" {
		t.Errorf("form method=%q action=%q", attr(form, "method"), attr(form, "action"))
	}
	if attr(form.Find(`input[type="hidden"][name="_csrf"]`), "value") != "tok" {
		t.Error("_csrf missing")
	}
	if attr(form.Find(`input[type="hidden"][name="next"]`), "value") != "/admin/app-integration" {
		t.Error("next missing")
	}
	user := one(t, doc, `input[name="username"]`)
	pass := one(t, doc, `input[name="password"]`)
	if attr(user, "autocomplete") != "username" || attr(pass, "autocomplete") != "current-password" || attr(pass, "type") != "password" {
		t.Errorf("autocomplete: user=%q pass=%q type=%q", attr(user, "autocomplete"), attr(pass, "autocomplete"), attr(pass, "type"))
	}
	if strings.TrimSpace(doc.Find(`label[for="`+attr(user, "id")+`"]`).Text()) != "User Name" ||
		strings.TrimSpace(doc.Find(`label[for="`+attr(pass, "id")+`"]`).Text()) != "Password" {
		t.Error("fields not labelled User Name / Password")
	}
	if doc.Find(`[role="alert"]`).Length() != 0 {
		t.Error("alert without an error")
	}
	if doc.Find(".shellbar, nav.sidenav").Length() != 0 {
		t.Error("shell shown before sign-in")
	}
}

func TestLoginPageError(t *testing.T) {
	doc, _ := render(t, views.LoginPageView(views.LoginPage{CSRF: "tok", UserName: "ADMIN", Error: "Wrong user name or password."}))
	assertWellFormed(t, doc)
	alert := one(t, doc, `[role="alert"]`)
	if !strings.Contains(alert.Text(), "Wrong user name or password.") {
		t.Errorf("alert = %q", alert.Text())
	}
	if got := attr(doc.Find(`input[name="username"]`), "value"); got != "ADMIN" {
		t.Errorf("user name not echoed: %q", got)
	}
	if got := attr(doc.Find(`input[name="password"]`), "value"); got != "" {
		t.Errorf("password echoed: %q", got)
	}
	if _, ok := doc.Find(`input[name="password"]`).Attr("autofocus"); !ok {
		t.Error("password not focused after a failed attempt")
	}
}

func TestErrorPageSignedIn(t *testing.T) {
	s := shell()
	doc, _ := render(t, views.ErrorPageView(views.ErrorPage{Status: 404, Title: "Page not found", Message: "There is nothing here.", Shell: &s}))
	assertWellFormed(t, doc)
	if doc.Find(".shellbar").Length() != 1 || doc.Find("nav.sidenav").Length() != 1 {
		t.Error("signed-in error page without the shell")
	}
	if got := doc.Find("head title").Text(); got != "App Integration · Page not found" {
		t.Errorf("title = %q", got)
	}
	for sel, want := range map[string]string{"error-status": "404", "error-title": "Page not found", "error-message": "There is nothing here."} {
		if got := strings.TrimSpace(one(t, doc, `[data-testid="`+sel+`"]`).Text()); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	link := one(t, doc, `[data-testid="error-link"]`)
	if attr(link, "href") != "/admin/app-integration" || link.Text() != "Go to App Integration" {
		t.Errorf("link: href=%q text=%q", attr(link, "href"), link.Text())
	}
}

func TestErrorPageSignedOut(t *testing.T) {
	doc, _ := render(t, views.ErrorPageView(views.ErrorPage{Status: 403, Title: "Access denied", Message: "Sign in as an administrator."}))
	assertWellFormed(t, doc)
	if doc.Find(".shellbar, nav.sidenav, form").Length() != 0 {
		t.Error("signed-out error page shows the shell")
	}
	link := one(t, doc, `[data-testid="error-link"]`)
	if attr(link, "href") != "/login" || link.Text() != "Sign in" {
		t.Errorf("link: href=%q text=%q", attr(link, "href"), link.Text())
	}
	if doc.Find("main#content").Length() != 1 {
		t.Error("no main#content")
	}
}
