package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/appintegration/appintegration/store"
)

// seedUsers creates n users user000… with e-mails and the DW Viewer role.
func seedUsers(t testing.TB, st store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	for i := range n {
		u := store.User{
			ID: fmt.Sprintf("u-%05d", i), UserName: fmt.Sprintf("user%05d", i),
			GivenName: "Given", FamilyName: fmt.Sprintf("Family%d", i), Active: true, PreferredLanguage: "en",
			Emails: []store.Email{{Value: fmt.Sprintf("user%d@example.com", i), Type: "work", Primary: true}},
			Roles:  []string{store.RoleViewer}, CreatedAt: now, UpdatedAt: now,
		}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
}

func userNames(doc *goquery.Document) []string {
	var out []string
	doc.Find(`[data-testid="user-row"] [data-testid="user-username"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.Text())
	})
	return out
}

func TestUsersPage(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	seedUsers(t, ts.Store, 120)
	now := time.Now().UTC()
	for _, u := range []store.User{
		{ID: "t-1", UserName: "TECH_ONE", FamilyName: "TECH_ONE", Active: true, ClientID: "sb-tech", Roles: []string{store.RoleIntegrator}},
		{ID: "i-1", UserName: "inactive_ida", GivenName: "Ida", FamilyName: "Sleeper", DisplayName: "Ida S",
			Emails: []store.Email{{Value: "home@ida.example", Type: "home"}, {Value: "IDA@Work.Example", Type: "work", Primary: true}},
			Roles:  []string{store.RoleAdministrator, store.RoleModeler}},
	} {
		u.CreatedAt, u.UpdatedAt, u.PreferredLanguage = now, now, "en"
		if err := ts.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	total := 123 // with ADMIN

	anon := ts.newUser(t)
	if resp, _ := anon.get("/admin/users"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("signed out: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	b := ts.newUser(t)
	b.login("ADMIN", adminPassword)
	resp, doc := b.get("/admin/users")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if tab := doc.Find(`[data-testid="tab-users"]`); tab.AttrOr("aria-current", "") != "page" || tab.AttrOr("href", "") != "/admin/users" {
		t.Error("the Users tab is not the current tab")
	}
	if got := doc.Find(`[data-testid="users-count"]`).Text(); got != fmt.Sprintf("(%d)", total) {
		t.Errorf("count %q", got)
	}
	names := userNames(doc)
	if len(names) != 50 || names[0] != "ADMIN" || names[1] != "inactive_ida" || names[2] != "TECH_ONE" {
		t.Errorf("page 1: %d rows, first %v", len(names), names[:min(3, len(names))])
	}
	if doc.Find(`[data-testid="users-prev"]`).Length() != 0 {
		t.Error("a Previous link on page 1")
	}
	if got := doc.Find(`[data-testid="users-page"]`).Text(); got != "Page 1 of 3" {
		t.Errorf("pager %q", got)
	}
	next := doc.Find(`[data-testid="users-next"]`).AttrOr("href", "")
	if next != "/admin/users?page=2" {
		t.Fatalf("Next = %q", next)
	}
	ida := doc.Find(`[data-user-id="i-1"]`)
	if ida.Find(`[data-testid="user-status"]`).Text() != "Inactive" ||
		ida.Find(`[data-testid="user-email"]`).Text() != "IDA@Work.Example" ||
		ida.Find(`[data-testid="user-full-name"]`).Text() != "Ida Sleeper" ||
		ida.Find(`[data-testid="user-roles"] li`).Length() != 2 ||
		ida.Find(`[data-testid="user-roles"] li`).First().Text() != "DW Administrator" {
		t.Errorf("Ida's row: %q", ida.Text())
	}
	if doc.Find(`[data-user-id="u-00000"] [data-testid="user-status"]`).Text() != "Active" {
		t.Error("user00000 not shown active")
	}

	if doc.Find(`[data-user-id="t-1"] [data-testid="user-technical"]`).Length() != 1 {
		t.Error("the technical user is not marked")
	}

	_, doc = b.get(next)
	if got := doc.Find(`[data-testid="users-range"]`).Text(); !strings.Contains(got, "51–100 of 123") {
		t.Errorf("page 2 range %q", got)
	}
	_, doc = b.get("/admin/users?page=3")
	names = userNames(doc)
	if len(names) != 23 || names[len(names)-1] != "user00119" || doc.Find(`[data-testid="users-next"]`).Length() != 0 {
		t.Errorf("page 3: %v", names)
	}
	_, doc = b.get("/admin/users?page=99")
	if got := doc.Find(`[data-testid="users-page"]`).Text(); got != "Page 3 of 3" {
		t.Errorf("page past the end: %q", got)
	}

	for _, tt := range []struct{ q, want string }{
		{"ida@work", "inactive_ida"},    // e-mail, case-insensitive
		{"ida sleeper", "inactive_ida"}, // name
		{"TECH", "TECH_ONE"},            // user name
		{"user00042", "user00042"},      // user name
		{"family119", "user00119"},      // family name
		{"user11@example.com", "user00011"},
	} {
		_, doc := b.get("/admin/users?q=" + url.QueryEscape(tt.q))
		if got := strings.Join(userNames(doc), ","); got != tt.want {
			t.Errorf("q=%q: %q, want %q", tt.q, got, tt.want)
		}
		if v := doc.Find(`[data-testid="users-q"]`).AttrOr("value", ""); v != tt.q {
			t.Errorf("q=%q echoed as %q", tt.q, v)
		}
	}
	_, doc = b.get("/admin/users?q=user0001")
	if got := doc.Find(`[data-testid="users-range"]`).Text(); !strings.Contains(got, "1–10 of 10") || !strings.Contains(got, "123 in total") {
		t.Errorf("search range %q", got)
	}
	// Paging keeps the search.
	_, doc = b.get("/admin/users?q=user")
	if next := doc.Find(`[data-testid="users-next"]`).AttrOr("href", ""); next != "/admin/users?page=2&q=user" {
		t.Errorf("Next with a search = %q", next)
	}

	resp, doc = b.get("/admin/users?q=" + url.QueryEscape(`<script>alert(1)</script>`))
	empty := doc.Find(`[data-testid="users-empty"]`)
	if resp.StatusCode != http.StatusOK || empty.Length() != 1 || !strings.Contains(empty.Text(), "<script>alert(1)</script>") {
		t.Errorf("no-match state: %q", empty.Text())
	}
	if doc.Find(`[data-testid="users-table"]`).Length() != 0 || doc.Find(`[data-testid="users-pager"]`).Length() != 0 ||
		doc.Find("script:not([src])").Length() != 0 {
		t.Error("no-match page renders a table, a pager or an inline script")
	}
	if doc.Find(`[data-testid="users-clear"]`).AttrOr("href", "") != "/admin/users" {
		t.Error("no Clear link")
	}
}

// TestUsersPageTenThousand renders pages of 10,000 users within a generous
// bound: only one page of rows is rendered, whatever the total.
func TestUsersPageTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 users")
	}
	ts := newTestServer(t)
	start := time.Now()
	seedUsers(t, ts.Store, 10000)
	t.Logf("seeded 10,000 users in %s", time.Since(start))
	b := ts.newUser(t)
	b.login("ADMIN", adminPassword)
	for _, path := range []string{"/admin/users", "/admin/users?page=150", "/admin/users?q=user0999"} {
		start := time.Now()
		resp, doc := b.get(path)
		elapsed := time.Since(start)
		if resp.StatusCode != http.StatusOK || len(userNames(doc)) == 0 {
			t.Fatalf("%s: status %d, %d rows", path, resp.StatusCode, len(userNames(doc)))
		}
		if elapsed > 3*time.Second {
			t.Errorf("%s took %s", path, elapsed)
		}
		t.Logf("%s: %s", path, elapsed)
	}
	_, doc := b.get("/admin/users")
	if got := doc.Find(`[data-testid="users-page"]`).Text(); got != "Page 1 of 201" {
		t.Errorf("pager %q", got)
	}
}
