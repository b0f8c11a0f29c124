package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sealed"
	"github.com/appintegration/appintegration/store/sqlstore"
	"github.com/appintegration/appintegration/web"
)

const adminPassword = "correct horse battery"

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testServer struct {
	URL        string
	MetricsURL string // the metrics listener's base URL
	Store      store.Store
	Svc        *oauth.Service
	Log        *syncBuffer
	DBPath     string
}

type testOptions struct {
	alg     string
	now     func() time.Time
	proxies []*net.IPNet
}

// newTestServer starts the whole server on a SQLite file in a temp dir, on a
// loopback port, with the administrator ADMIN (password adminPassword).
func newTestServer(t testing.TB, opts ...func(*testOptions)) *testServer {
	t.Helper()
	o := testOptions{alg: oauth.AlgRS256}
	for _, f := range opts {
		f(&o)
	}
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "appintegration.db")
	db, err := sqlstore.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// Sealed as the server's store is: the session keys are kept encrypted.
	key, err := sealed.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := sealed.Open(ctx, db, key)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	ln := httptest.NewUnstartedServer(nil)
	baseURL := "http://" + ln.Listener.Addr().String()
	svc, err := oauth.New(oauth.Config{Store: st, BaseURL: baseURL, SigningAlg: o.alg, Now: o.now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.BootstrapAdmin(ctx, adminPassword); err != nil {
		t.Fatal(err)
	}
	h, err := web.New(ctx, web.Config{Service: svc, Store: st, BaseURL: baseURL, Logger: log, TrustedProxies: o.proxies})
	if err != nil {
		t.Fatal(err)
	}
	ln.Config.Handler = h
	ln.Start()
	t.Cleanup(ln.Close)
	metricsSrv := httptest.NewServer(h.MetricsHandler())
	t.Cleanup(metricsSrv.Close)
	return &testServer{URL: baseURL, MetricsURL: metricsSrv.URL, Store: st, Svc: svc, Log: logs, DBPath: dbPath}
}

// clients returns every stored client; a store failure fails the test, so
// that "nothing was created" is never concluded from an error.
func (ts *testServer) clients(t testing.TB) []store.Client {
	t.Helper()
	cs, err := ts.Store.ListClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// idps returns every stored identity provider, failing the test on a store error.
func (ts *testServer) idps(t testing.TB) []store.IdentityProvider {
	t.Helper()
	ps, err := ts.Store.ListIdentityProviders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// audit returns the audit events f selects, failing the test on a store error.
func (ts *testServer) audit(t testing.TB, f store.AuditFilter) []store.AuditEvent {
	t.Helper()
	es, err := ts.Store.ListAudit(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// createClient creates an API Access client through the service.
func (ts *testServer) createClient(t testing.TB, in oauth.ClientInput) (store.Client, string) {
	t.Helper()
	if in.Name == "" {
		in.Name = "test client"
	}
	if in.Purpose == "" {
		in.Purpose = store.PurposeAPIAccess
	}
	if in.Grant == "" {
		in.Grant = store.GrantClientCredentials
	}
	if in.Access == nil {
		in.Access = []string{store.AccessUserProvisioning, store.AccessContentNetwork}
	}
	c, secret, err := ts.Svc.CreateClient(context.Background(), "test", in)
	if err != nil {
		t.Fatal(err)
	}
	return c, secret
}

// browserless is a console user: an HTTP client with a cookie jar that does not
// follow redirects, so tests see each 303.
type browserless struct {
	t    testing.TB
	base string
	http *http.Client
}

func (ts *testServer) newUser(t testing.TB) *browserless {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &browserless{t: t, base: ts.URL, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// get fetches a page and returns the response and its parsed HTML.
func (b *browserless) get(path string) (*http.Response, *goquery.Document) {
	b.t.Helper()
	resp, err := b.http.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, parseBody(b.t, resp)
}

// post submits a form and returns the response and its parsed HTML.
func (b *browserless) post(path string, form url.Values) (*http.Response, *goquery.Document) {
	b.t.Helper()
	resp, err := b.http.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, parseBody(b.t, resp)
}

func parseBody(t testing.TB, resp *http.Response) *goquery.Document {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// csrf returns the CSRF token of the first form on the page.
func csrf(t testing.TB, doc *goquery.Document) string {
	t.Helper()
	v, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if !ok || v == "" {
		t.Fatal("no CSRF token on the page")
	}
	return v
}

// login signs in and returns a CSRF token valid for the signed-in session.
func (b *browserless) login(user, password string) string {
	b.t.Helper()
	_, doc := b.get("/login")
	resp, _ := b.post("/login", url.Values{"_csrf": {csrf(b.t, doc)}, "username": {user}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login as %s: status %d, want 303", user, resp.StatusCode)
	}
	_, doc = b.get("/admin/app-integration")
	token, _ := doc.Find(`input[name="_csrf"]`).First().Attr("value")
	return token
}

// tokenResponse posts a token request and decodes the JSON answer.
func postToken(t *testing.T, rawURL string, form url.Values, id, secret string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	return doJSON(t, req)
}

func doJSON(t *testing.T, req *http.Request) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("response is not JSON: %v: %s", err, raw)
		}
	}
	return resp.StatusCode, body, resp.Header
}

var secretPattern = regexp.MustCompile(oauth.SecretPrefix + `[0-9a-f]{72}`)
