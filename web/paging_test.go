package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
)

// seedClients writes n API Access clients straight into the store.
func seedClients(t testing.TB, st store.Store, n int) {
	t.Helper()
	base := time.Now().UTC().Add(-time.Hour)
	for i := range n {
		err := st.CreateClient(context.Background(), store.Client{
			ID: fmt.Sprintf("sb-seed-%05d", i), Name: fmt.Sprintf("Seeded client %05d", i),
			Purpose: store.PurposeAPIAccess, Grant: store.GrantClientCredentials,
			Access: []string{store.AccessUserProvisioning}, Secrets: []store.ClientSecret{{ID: fmt.Sprint("s", i), Hash: make([]byte, 32)}},
			TokenLifetime: time.Hour, CreatedAt: base.Add(time.Duration(i) * time.Millisecond), UpdatedAt: base,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestClientsTableSearchAndPaging(t *testing.T) {
	ts := newTestServer(t)
	seedClients(t, ts.Store, 120)
	b := ts.newUser(t)
	b.login("ADMIN", adminPassword)

	_, doc := b.get("/admin/app-integration")
	if n := doc.Find(`[data-testid="client-row"]`).Length(); n != 50 {
		t.Errorf("first page: %d rows, want 50", n)
	}
	if got := doc.Find(`[data-testid="clients-count"]`).Text(); got != "(120)" {
		t.Errorf("count %q", got)
	}
	next, _ := doc.Find(`[data-testid="clients-next"]`).Attr("href")
	if next != "/admin/app-integration?page=2" {
		t.Errorf("next link %q", next)
	}
	_, doc = b.get("/admin/app-integration?page=99")
	if n := doc.Find(`[data-testid="client-row"]`).Length(); n != 20 || !strings.Contains(doc.Find(`[data-testid="clients-range"]`).Text(), "101–120 of 120 clients") {
		t.Errorf("page past the end: %d rows, range %q", n, doc.Find(`[data-testid="clients-range"]`).Text())
	}
	_, doc = b.get("/admin/app-integration?q=client+0011")
	rows := doc.Find(`[data-testid="client-row"]`)
	if rows.Length() != 10 || !strings.Contains(doc.Find(`[data-testid="clients-range"]`).Text(), "(120 in total)") {
		t.Errorf("search: %d rows, range %q", rows.Length(), doc.Find(`[data-testid="clients-range"]`).Text())
	}
	_, doc = b.get("/admin/app-integration?q=nothing+like+this")
	if doc.Find(`[data-testid="clients-no-match"]`).Length() != 1 {
		t.Error("no 'no match' state for a search without results")
	}
}

// BenchmarkConsolePages10k measures the App Integration page with 10,000
// clients and the Users page with 10,000 users, over loopback HTTP; the goal
// (BENCHMARKS.md) is under 50 ms each.
func BenchmarkConsolePages10k(b *testing.B) {
	ts := newTestServer(b)
	seedClients(b, ts.Store, 10000)
	seedUsers(b, ts.Store, 10000)
	u := ts.newUser(b)
	u.login("ADMIN", adminPassword)
	for _, path := range []string{"/admin/app-integration", "/admin/app-integration?q=client+0999&page=1", "/admin/users", "/admin/users?q=user09&page=5"} {
		b.Run(strings.TrimPrefix(path, "/admin/"), func(b *testing.B) {
			for b.Loop() {
				resp, err := u.http.Get(ts.URL + path)
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("%s: %v", path, err)
				}
				resp.Body.Close()
			}
		})
	}
}
