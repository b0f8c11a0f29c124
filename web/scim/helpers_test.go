package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
	"github.com/appintegration/appintegration/web"
)

// env is the whole server on a SQLite file, with a clock the test can move.
type env struct {
	URL   string
	Store store.Store
	Svc   *oauth.Service
	Log   *syncBuffer
	skew  atomic.Int64 // nanoseconds added to the service's clock
}

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

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "appintegration.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts := httptest.NewUnstartedServer(nil)
	e := &env{URL: "http://" + ts.Listener.Addr().String(), Store: st, Log: &syncBuffer{}}
	log := slog.New(slog.NewJSONHandler(e.Log, nil))
	e.Svc, err = oauth.New(oauth.Config{Store: st, BaseURL: e.URL, Logger: log,
		Now: func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	h, err := web.New(ctx, web.Config{Service: e.Svc, Store: st, BaseURL: e.URL, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = h
	ts.Start()
	t.Cleanup(ts.Close)
	return e
}

// client creates an API Access client with the given access and returns it
// with its secret.
func (e *env) client(t testing.TB, access ...string) (store.Client, string) {
	t.Helper()
	c, secret, err := e.Svc.CreateClient(context.Background(), "test", oauth.ClientInput{
		Name: "provisioning " + strings.Join(access, "+"), Purpose: store.PurposeAPIAccess,
		Grant: store.GrantClientCredentials, Access: access,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, secret
}

// tokenFor gets an access token for a client from the Token URL with
// golang.org/x/oauth2, as an integrator's tool would.
func (e *env) tokenFor(t testing.TB, id, secret string) string {
	t.Helper()
	cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: e.URL + "/oauth/token"}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// token returns a token with the user_provisioning scope.
func (e *env) token(t testing.TB) string {
	t.Helper()
	c, secret := e.client(t, store.AccessUserProvisioning)
	return e.tokenFor(t, c.ID, secret)
}

// response is a decoded SCIM response.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// do sends a SCIM request; body is JSON text or "". Extra headers come in
// pairs.
func (e *env) do(t *testing.T, method, path, token, body string, headers ...string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			t.Fatalf("%s %s: response is not JSON: %v: %.300s", method, path, err, raw)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/scim+json" {
			t.Errorf("%s %s: Content-Type %q, want exactly application/scim+json", method, path, ct)
		}
	}
	return out
}

func decodeJSON(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

// must fails the test unless the response has status want.
func (r response) must(t *testing.T, want int) response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Raw)
	}
	return r
}

// scimError checks an RFC 7644 §3.12 error body with the given status and
// scimType ("" for none).
func (r response) scimError(t *testing.T, status int, scimType string) {
	t.Helper()
	r.must(t, status)
	if s, _ := r.Body["schemas"].([]any); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("error schemas = %v", r.Body["schemas"])
	}
	if r.Body["status"] != itoa(status) {
		t.Errorf("error status = %#v, want the string %q", r.Body["status"], itoa(status))
	}
	if got, _ := r.Body["scimType"].(string); got != scimType {
		t.Errorf("scimType = %q, want %q (%s)", got, scimType, r.Raw)
	}
	if d, _ := r.Body["detail"].(string); d == "" {
		t.Error("error has no detail")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// str reads a string at a dotted path of a decoded body, "" when absent.
func str(m map[string]any, path string) string {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[k]
	}
	s, _ := cur.(string)
	return s
}

// userJSON is a minimal valid User resource.
func userJSON(userName string) string {
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + userName +
		`","name":{"givenName":"Given","familyName":"` + userName + `"},"emails":[{"value":"` +
		strings.ToLower(userName) + `@example.com","type":"work","primary":true}]}`
}

// create creates a user and returns its id.
func (e *env) create(t *testing.T, token, body string) map[string]any {
	t.Helper()
	return e.do(t, http.MethodPost, "/api/v1/scim2/Users", token, body).must(t, http.StatusCreated).Body
}
