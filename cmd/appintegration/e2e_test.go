package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store/sqlstore"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds bin/appintegration once per test run, into a temp dir.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "appint-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "appintegration")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// server is a running `appintegration serve` process.
type server struct {
	cmd        *exec.Cmd
	url        string
	metricsURL string // base URL of the metrics listener; "" when it is off
	data       string
	out        *lockedBuffer
	done       chan error
}

const e2ePassword = "e2e admin password"

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer starts the binary on a loopback port with its data in dataDir and
// waits until /healthz answers. Its metrics listen on a port of their own that
// the system picks, so that servers started at the same time never collide.
func startServer(t *testing.T, dataDir string, extraArgs ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--addr", addr, "--metrics-addr", "127.0.0.1:0", "--data", dataDir, "--log-format", "json"}, extraArgs...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "APPINT_ADMIN_PASSWORD="+e2ePassword)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, data: dataDir, out: out, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				// The listening line is logged before either listener serves.
				if m := regexp.MustCompile(`"metrics_addr":"([^"]+)"`).FindStringSubmatch(out.String()); m != nil && m[1] != "off" {
					s.metricsURL = "http://" + m[1]
				}
				return s
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("server exited: %v\n%s", err, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("server did not become healthy\n%s", out)
	return nil
}

func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
		}
	}
}

// admin is a signed-in console session.
type admin struct {
	http *http.Client
	base string
	csrf string
}

func signIn(t *testing.T, base string) *admin {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	doc := getDoc(t, c, base+"/login")
	token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
	resp, err := c.PostForm(base+"/login", url.Values{"_csrf": {token}, "username": {"ADMIN"}, "password": {e2ePassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	doc = getDoc(t, c, base+"/admin/app-integration")
	token, _ = doc.Find(`input[name="_csrf"]`).Attr("value")
	return &admin{http: c, base: base, csrf: token}
}

func getDoc(t *testing.T, c *http.Client, u string) *goquery.Document {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// createClient adds an API Access client through the console form; ok is false
// when the server did not answer 200 with the created dialog.
func (a *admin) createClient(name string) (id, secret string, ok bool) {
	resp, err := a.http.PostForm(a.base+"/admin/app-integration/clients", url.Values{
		"_csrf": {a.csrf}, "request_id": {name}, "name": {name}, "purpose": {"api_access"},
		"access": {"user_provisioning"}, "grant": {"client_credentials"},
		"token_lifetime": {"60"}, "token_lifetime_unit": {"minutes"},
	})
	if err != nil {
		return "", "", false
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return "", "", false
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		return "", "", false
	}
	id, _ = doc.Find(`[data-testid="created-client-id"]`).Attr("value")
	secret, _ = doc.Find(`[data-testid="created-secret"]`).Attr("value")
	return id, secret, id != "" && secret != ""
}

func token(t *testing.T, base, id, secret string) (int, map[string]any) {
	t.Helper()
	return postForm(t, base+"/oauth/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
}

// postForm posts form with HTTP Basic client authentication and decodes the
// JSON answer.
func postForm(t *testing.T, u string, form url.Values, id, secret string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// TestCrashSafety creates clients in a loop, kills the server with SIGKILL in
// the middle, restarts it: every creation that was answered is there and works,
// none is half-written, and the database passes PRAGMA integrity_check.
func TestCrashSafety(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	a := signIn(t, srv.url)
	provisioner := createCLIClient(t, data, srv.url)
	_, tok := token(t, srv.url, provisioner.ID, provisioner.Secret)
	bearer, _ := tok["access_token"].(string)

	type created struct{ id, secret, name string }
	var (
		mu       sync.Mutex
		answered []created
		users    []string // userNames answered 201
	)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 2 { // SCIM users, beside the clients below
		wg.Go(func() {
			for i := 0; i < 500; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("CRASH_%d_%d", w, i)
				if createSCIMUser(srv.url, bearer, name) {
					mu.Lock()
					users = append(users, name)
					mu.Unlock()
				}
			}
		})
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("crash-%d-%d", w, i)
				if id, secret, ok := a.createClient(name); ok {
					mu.Lock()
					answered = append(answered, created{id, secret, name})
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	close(stop)
	wg.Wait()
	if len(answered) < 5 || len(users) < 5 {
		t.Fatalf("only %d client and %d user creations were answered before the kill", len(answered), len(users))
	}

	srv = startServer(t, data)
	out, err := exec.Command(binary(t), "clients", "list", "--json", "--data", data).Output()
	if err != nil {
		t.Fatalf("clients list: %v", err)
	}
	var listed []struct {
		ClientID   string `json:"client_id"`
		ClientName string `json:"client_name"`
		Scope      string `json:"scope"`
	}
	if err := json.Unmarshal(out, &listed); err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{}
	for _, c := range listed {
		if c.ClientName == "" || c.Scope != "user_provisioning" {
			t.Errorf("half-written client: %+v", c)
		}
		byID[c.ClientID] = c.ClientName
	}
	for i, c := range answered {
		if byID[c.id] != c.name {
			t.Errorf("client %s (%s) was answered 2xx but is missing after the crash", c.id, c.name)
			continue
		}
		if i%10 == 0 || i == len(answered)-1 {
			if code, body := token(t, srv.url, c.id, c.secret); code != 200 {
				t.Errorf("client %s after the crash: %d %v", c.id, code, body)
			}
		}
	}
	t.Logf("%d client and %d user creations answered before SIGKILL, %d clients after restart", len(answered), len(users), len(listed))

	srv.kill()
	st, err := sqlstore.Open(context.Background(), filepath.Join(data, "appintegration.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.IntegrityCheck(context.Background()); err != nil {
		t.Errorf("integrity check after the crash: %v", err)
	}
	for _, name := range users {
		u, err := st.GetUserByName(context.Background(), name)
		if err != nil {
			t.Errorf("user %s was answered 201 but is missing after the crash: %v", name, err)
			continue
		}
		if u.FamilyName != name || len(u.Emails) != 1 || !u.Active || u.Version != 1 {
			t.Errorf("half-written user after the crash: %+v", u)
		}
	}
}

// TestGracefulShutdown: on SIGTERM a request in flight finishes, new
// connections are refused, and the process exits 0 in bounded time.
func TestGracefulShutdown(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	c := createCLIClient(t, data, srv.url)

	// A request in flight: headers and half the body sent, the rest after SIGTERM.
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "grant_type=client_credentials"
	auth := "Basic " + basic(c.ID, c.Secret)
	fmt.Fprintf(conn, "POST /oauth/token HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		auth, len(body), body[:10])
	time.Sleep(200 * time.Millisecond)

	start := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	for _, u := range []string{srv.url, srv.metricsURL} {
		if _, err := net.DialTimeout("tcp", strings.TrimPrefix(u, "http://"), time.Second); err == nil {
			t.Errorf("a new connection to %s was accepted after SIGTERM", u)
		}
	}
	fmt.Fprint(conn, body[10:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no response: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "access_token") {
		t.Errorf("the request in flight: %d %s", resp.StatusCode, b)
	}
	select {
	case err := <-srv.done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not exit within 20 s of SIGTERM")
	}
	if d := time.Since(start); d > 16*time.Second {
		t.Errorf("shutdown took %s", d)
	}
	if !strings.Contains(srv.out.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", srv.out)
	}
}

// TestMetricsOnTheirOwnListener: /metrics is served on --metrics-addr only;
// the public listener answers 404 for it and keeps /healthz and /readyz. With
// --metrics-addr "" (or off) no metrics listener is opened at all.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	if srv.metricsURL == "" {
		t.Fatalf("the log names no metrics address:\n%s", srv.out)
	}
	c := createCLIClient(t, data, srv.url)
	if code, body := token(t, srv.url, c.ID, c.Secret); code != http.StatusOK {
		t.Fatalf("token: %d %v", code, body)
	}
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(srv.url + "/metrics"); code != http.StatusNotFound || strings.Contains(body, "appint_") {
		t.Errorf("/metrics on the public listener: %d, want 404 without metrics", code)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := get(srv.url + path); code != http.StatusOK {
			t.Errorf("%s on the public listener: %d, want 200", path, code)
		}
	}
	code, body := get(srv.metricsURL + "/metrics")
	if code != http.StatusOK || !strings.Contains(body, `appint_tokens_issued_total{grant_type="client_credentials"} 1`) {
		t.Errorf("/metrics on the metrics listener: %d %.300s", code, body)
	}
	if code, _ := get(srv.metricsURL + "/healthz"); code != http.StatusNotFound {
		t.Errorf("/healthz on the metrics listener: %d, want 404 (only /metrics is there)", code)
	}

	// Disabled: no metrics listener, and the log says so.
	off := startServer(t, t.TempDir(), "--metrics-addr", "")
	if off.metricsURL != "" || !strings.Contains(off.out.String(), `"metrics_addr":"off"`) {
		t.Errorf("--metrics-addr \"\": metrics at %q, want none\n%s", off.metricsURL, off.out)
	}
	// A metrics address that is taken stops the server with a clear error.
	taken := strings.TrimPrefix(srv.metricsURL, "http://")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // it should exit at once
	defer cancel()
	out, err := exec.CommandContext(ctx, binary(t), "serve", "--addr", freeAddr(t), "--metrics-addr", taken, "--data", t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--metrics-addr") {
		t.Errorf("serve on a taken metrics address: %v\n%s", err, out)
	}
}

// TestLogsHoldNoSecrets runs a session through the real binary — sign-in, a
// client created in the console and on the command line, tokens by every
// authentication style, introspection, a wrong secret in the query string —
// and greps the whole log for any secret, password or token.
func TestLogsHoldNoSecrets(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	a := signIn(t, srv.url)
	id, secret, ok := a.createClient("log check")
	if !ok {
		t.Fatal("create client failed")
	}
	out, err := exec.Command(binary(t), "clients", "create", "--name", "cli", "--access", "content_network",
		"--json", "--data", data, "--base-url", srv.url).Output()
	if err != nil {
		t.Fatal(err)
	}
	var cli struct {
		Secret string `json:"client_secret"`
	}
	_ = json.Unmarshal(out, &cli)
	needles := []string{secret, cli.Secret, e2ePassword, basic(id, secret)}
	code, body := token(t, srv.url, id, secret)
	if code != 200 {
		t.Fatalf("token: %d %v", code, body)
	}
	accessToken := body["access_token"].(string)
	needles = append(needles, accessToken)
	// A SCIM user with a password (write-only; never logged).
	const scimPassword = "Provisioned-Passw0rd!"
	needles = append(needles, scimPassword)
	provisioner := createCLIClient(t, data, srv.url)
	_, tok := token(t, srv.url, provisioner.ID, provisioner.Secret)
	bearer, _ := tok["access_token"].(string)
	needles = append(needles, provisioner.Secret, bearer)
	req, _ := http.NewRequest(http.MethodPost, srv.url+"/api/v1/scim2/Users", strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"LOGCHECK","name":{"familyName":"Check"},"emails":[{"value":"log@example.com"}],"password":"`+scimPassword+`"}`))
	req.Header.Set("Content-Type", "application/scim+json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("SCIM create with a password: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	for _, u := range []string{
		srv.url + "/oauth/token?grant_type=client_credentials&client_id=" + id + "&client_secret=" + url.QueryEscape(secret),
		srv.url + "/oauth/introspect?token=" + accessToken,
	} {
		if resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader("token="+accessToken)); err == nil {
			resp.Body.Close()
		}
	}
	// A header larger than the limit is refused early.
	req, _ = http.NewRequest(http.MethodGet, srv.url+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("64 KiB header: %d, want 431", resp.StatusCode)
		}
	}
	srv.kill()
	log := srv.out.String()
	if !strings.Contains(log, `"path":"/oauth/token"`) {
		t.Fatalf("the log does not show the requests:\n%s", log)
	}
	for _, n := range needles {
		if n != "" && strings.Contains(log, n) {
			t.Errorf("the log holds a secret, password or token (%.12s…)", n)
		}
	}
	if regexp.MustCompile(oauth.SecretPrefix + `[0-9a-f]{20}`).MatchString(log) {
		t.Error("the log holds something shaped like a client secret")
	}
}

// createdClient is what `clients create --json` prints.
type createdClient struct {
	ID     string `json:"client_id"`
	Secret string `json:"client_secret"`
}

// createCLIClient creates a User Provisioning client with the command line.
func createCLIClient(t *testing.T, data, base string) createdClient {
	t.Helper()
	out, err := exec.Command(binary(t), "clients", "create", "--name", "provisioning", "--access", "user_provisioning",
		"--json", "--data", data, "--base-url", base).Output()
	if err != nil {
		t.Fatalf("clients create: %v", err)
	}
	var c createdClient
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// createSCIMUser creates a user through the SCIM API and reports whether the
// server answered 201.
func createSCIMUser(base, bearer, userName string) bool {
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,
		"name":{"givenName":"Crash","familyName":%q},"emails":[{"value":"%s@example.com","primary":true}],"active":true}`,
		userName, userName, strings.ToLower(userName))
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/scim2/Users", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/scim+json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusCreated
}

func basic(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}
