package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

func TestClientAuthenticationIsRateLimited(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := newTestServer(t, func(o *testOptions) { o.now = clock })
	c, secret := ts.createClient(t, oauth.ClientInput{})
	other, otherSecret := ts.createClient(t, oauth.ClientInput{Name: "other"})
	cc := url.Values{"grant_type": {"client_credentials"}}

	for i := range 20 {
		if code, body, _ := postToken(t, ts.Svc.URLs().TokenURL, cc, c.ID, "wrong"); code != 401 {
			t.Fatalf("failure %d: %d %v", i, code, body)
		}
	}
	code, body, hdr := postToken(t, ts.Svc.URLs().TokenURL, cc, c.ID, "wrong")
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || body["error"] != "temporarily_unavailable" {
		t.Fatalf("after 20 failures: %d %v Retry-After=%q", code, body, hdr.Get("Retry-After"))
	}
	// Failing in a client's name does not lock the client out: its correct
	// secret still works, and so does another client from the same address.
	if code, body, _ := postToken(t, ts.Svc.URLs().TokenURL, cc, c.ID, secret); code != 200 {
		t.Errorf("the right secret while limited: %d %v", code, body)
	}
	if code, body, _ := postToken(t, ts.Svc.URLs().TokenURL, cc, other.ID, otherSecret); code != 200 {
		t.Errorf("another client: %d %v", code, body)
	}
	// After the window a wrong secret is a plain 401 again.
	mu.Lock()
	now = now.Add(61 * time.Second)
	mu.Unlock()
	if code, body, _ := postToken(t, ts.Svc.URLs().TokenURL, cc, c.ID, "wrong"); code != 401 {
		t.Errorf("after the window: %d %v", code, body)
	}
	// Refusals are audited without the secret.
	events := ts.audit(t, store.AuditFilter{Action: "token.refused"})
	if len(events) == 0 || strings.Contains(events[0].Detail, "wrong") || !strings.Contains(events[0].Detail, "invalid_client") {
		t.Errorf("audit of refusals: %+v", events)
	}
}

func TestConsoleLoginIsRateLimited(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	_, doc := b.get("/login")
	token := csrf(t, doc)
	for range 10 {
		resp, _ := b.post("/login", url.Values{"_csrf": {token}, "username": {"ADMIN"}, "password": {"guess"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", resp.StatusCode)
		}
	}
	resp, doc := b.post("/login", url.Values{"_csrf": {token}, "username": {"admin"}, "password": {adminPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(doc.Text(), "Too many failed sign-ins") {
		t.Errorf("after 10 failures: %d", resp.StatusCode)
	}
}

// TestHealthReadinessAndMetrics: health and readiness on the public listener,
// metrics only on the metrics listener (the public one answers 404).
func TestHealthReadinessAndMetrics(t *testing.T) {
	ts := newTestServer(t)
	c, secret := ts.createClient(t, oauth.ClientInput{})
	postToken(t, ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}}, c.ID, secret)
	postToken(t, ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}}, c.ID, "nope")
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/readyz":  "ready",
	} {
		status, body := get(t, ts.URL+path)
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want %q in %.300s", path, status, want, body)
		}
	}
	if status, body := get(t, ts.URL+"/metrics"); status != http.StatusNotFound || strings.Contains(body, "appint_") {
		t.Errorf("/metrics on the public listener: %d %.300s, want 404 without metrics", status, body)
	}
	if status, _ := get(t, ts.MetricsURL+"/"); status != http.StatusNotFound {
		t.Errorf("/ on the metrics listener: %d, want 404", status)
	}
	status, body := get(t, ts.MetricsURL+"/metrics")
	if status != 200 {
		t.Fatalf("/metrics on the metrics listener: %d %.300s", status, body)
	}
	for _, w := range []string{
		`appint_tokens_issued_total{grant_type="client_credentials"} 1`,
		`appint_tokens_refused_total{grant_type="client_credentials",reason="invalid_client"} 1`,
		`appint_http_request_duration_seconds_bucket{method="POST",route="/oauth/token",status="200"`,
		`appint_http_request_duration_seconds_bucket{method="GET",route="/readyz",status="200"`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, w) {
			t.Errorf("metrics lack %s", w)
		}
	}
}

// get fetches u and returns the status and body.
func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestDeleteClientUnderLoad deletes a client while 32 connections request tokens
// for it: once the delete has answered, no request started later gets a token,
// and no token it got earlier is active any more.
func TestDeleteClientUnderLoad(t *testing.T) {
	ts := newTestServer(t)
	c, secret := ts.createClient(t, oauth.ClientInput{})
	tr := &http.Transport{MaxIdleConnsPerHost: 32, MaxConnsPerHost: 32}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	var (
		mu        sync.Mutex
		tokens    []string
		deletedAt time.Time // zero until the delete has answered
		late      int       // tokens for requests started after deletedAt
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ { // bounded even if stop never comes
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				startedAfterDelete := !deletedAt.IsZero()
				mu.Unlock()
				req := formReq(ts.Svc.URLs().TokenURL, url.Values{"grant_type": {"client_credentials"}}, c.ID, secret)
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				var body struct {
					AccessToken string `json:"access_token"`
				}
				_ = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					mu.Lock()
					tokens = append(tokens, body.AccessToken)
					if startedAfterDelete {
						late++
					}
					mu.Unlock()
				}
			}
		}()
	}
	// Delete once tokens are flowing (bounded wait: the machine may be busy).
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(tokens)
		mu.Unlock()
		if n >= 20 {
			break
		}
	}
	if err := ts.Svc.DeleteClient(context.Background(), "test", c.ID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	deletedAt = time.Now()
	before := len(tokens)
	mu.Unlock()
	time.Sleep(500 * time.Millisecond) // requests started after the delete
	close(stop)
	wg.Wait()

	if before == 0 {
		t.Fatal("no token was issued before the delete; the load did not run")
	}
	if late != 0 {
		t.Errorf("%d tokens issued for requests started after the delete answered", late)
	}
	for i, tok := range tokens {
		if i%10 != 0 && i != len(tokens)-1 {
			continue // check a sample: every tenth and the last
		}
		// As a resource server does; the deleted client cannot introspect.
		if _, err := ts.Svc.VerifyAccessToken(context.Background(), tok); !errors.Is(err, oauth.ErrInactiveToken) {
			t.Fatalf("a token of the deleted client: %v, want inactive", err)
		}
	}
	t.Logf("%d tokens issued before the delete", before)
}

// TestLoginLimitsPerAddressBehindTrustedProxy: failing as ADMIN from one client
// address does not lock ADMIN out from another, and X-Forwarded-For counts only
// when it comes from a trusted proxy.
func TestLoginLimitsPerAddressBehindTrustedProxy(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	ts := newTestServer(t, func(o *testOptions) { o.proxies = []*net.IPNet{loopback} })
	signIn := func(from, password string) int {
		t.Helper()
		b := ts.newUser(t)
		_, doc := b.get("/login")
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/login", strings.NewReader(url.Values{
			"_csrf": {csrf(t, doc)}, "username": {"ADMIN"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		resp, err := b.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 10 {
		if code := signIn("203.0.113.1", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", code)
		}
	}
	if code := signIn("203.0.113.1", adminPassword); code != http.StatusTooManyRequests {
		t.Errorf("from the failing address: %d, want 429", code)
	}
	if code := signIn("203.0.113.2", adminPassword); code != http.StatusSeeOther {
		t.Errorf("from another address: %d, want 303 (signed in)", code)
	}
}

// TestRateLimitedRefusalsAreNotAudited: past the limit, refusals are no longer
// written to the audit log (one write per bad request would let a flood of
// them become a flood of database writes).
func TestRateLimitedRefusalsAreNotAudited(t *testing.T) {
	ts := newTestServer(t)
	c, _ := ts.createClient(t, oauth.ClientInput{})
	cc := url.Values{"grant_type": {"client_credentials"}}
	for range 30 {
		postToken(t, ts.Svc.URLs().TokenURL, cc, c.ID, "wrong")
	}
	events, err := ts.Store.ListAudit(t.Context(), store.AuditFilter{Action: "token.refused"})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 20 {
		t.Errorf("%d refusals audited, want the 20 before the limit", len(events))
	}
}

// TestMetricLabelsStayBounded: whatever methods and paths clients send, the
// request metrics gain no series beyond a fixed set: a method is one of the
// standard ones or "other", a route is a route pattern or "unmatched", never
// the raw method or path. The access log writes the mapped method too.
func TestMetricLabelsStayBounded(t *testing.T) {
	ts := newTestServer(t)
	send := func(method, path string) {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	series := func() (int, string) {
		t.Helper()
		status, body := get(t, ts.MetricsURL+"/metrics")
		if status != http.StatusOK {
			t.Fatalf("scrape: %d", status)
		}
		return strings.Count(body, "\nappint_http_request_duration_seconds_count{"), body
	}
	paths := []string{"/healthz", "/nope-%d", "/static/x%d.css", "/admin/app-integration/clients/c%d",
		"/oauth/token/alias/a%d", "/api/v1/scim2/Users/u%d", "/oauth/%d/deeper", "/%d"}
	round := func(r int) {
		t.Helper()
		for i := range 100 {
			n := r*100 + i
			method := fmt.Sprintf("ZZRANDOM%d", n)
			if i%10 == 0 {
				method = strings.Repeat("X", 4<<10) + method // a long one
			}
			path := paths[i%len(paths)]
			if strings.Contains(path, "%d") {
				path = fmt.Sprintf(path, n)
			}
			send(method, path)
			send([]string{"get", "Post", http.MethodGet, http.MethodDelete}[i%4], path)
		}
	}
	round(0)
	first, _ := series()
	round(1)
	round(2)
	n, body := series()
	if n != first || n > 40 {
		t.Errorf("request metrics have %d series after the first 200 requests and %d after 400 more, want no growth and at most 40", first, n)
	}
	for _, raw := range []string{"ZZRANDOM", "XXXX", `method="get"`, `method="Post"`, "nope-", "/c1", "/u1", "/a1", "deeper"} {
		if strings.Contains(body, raw) {
			t.Errorf("a raw method or path is in the metrics: %q", raw)
		}
	}
	for _, want := range []string{`method="other",route="/healthz",status="405"`, `method="other",route="unmatched",status="404"`,
		`method="GET",route="unmatched",status="404"`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack a series with %s", want)
		}
	}
	logs := ts.Log.String()
	if strings.Contains(logs, "ZZRANDOM") || strings.Contains(logs, `"method":"get"`) || !strings.Contains(logs, `"method":"other"`) {
		t.Errorf("the access log does not write the mapped method (other) for unknown ones")
	}
}
