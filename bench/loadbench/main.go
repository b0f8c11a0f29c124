// Command loadbench measures the token service over real HTTP on loopback, in one
// run, against baselines that do only the work no token endpoint can avoid:
//
//	(a) a bare Echo handler returning a constant token response
//	(b) a bare Echo handler that signs one RS256 JWT per request
//	(c) our client_credentials endpoint, RS256
//	(d) the same, ES256
//	(e) introspection of an RS256 token
//	(f) SCIM GET /Users?filter=userName eq "…" on 10,000 users
//
// For each it prints the saturation rate with 32 keep-alive connections, p50 and
// p99 latency at half that rate, and the server's peak RSS; then the ratios c/b
// and d/a. Every server is a separate process, so RSS is the server's alone.
//
// Usage: go run ./bench/loadbench -bin bin/appintegration [-duration 10s]
// (make bench-load builds the binary and runs it).
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
)

func main() {
	serve := flag.String("serve", "", "internal: run a baseline server (const or rs256) on -addr")
	addr := flag.String("addr", "127.0.0.1:0", "internal: address of the baseline server")
	bin := flag.String("bin", "bin/appintegration", "the appintegration binary to measure")
	duration := flag.Duration("duration", 10*time.Second, "how long each saturation run lasts")
	conns := flag.Int("conns", 32, "keep-alive connections")
	users := flag.Int("users", 10000, "users in the SCIM store")
	flag.Parse()
	if *serve != "" {
		if err := serveBaseline(*serve, *addr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := run(*bin, *duration, *conns, *users); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

// serveBaseline is what (a) and (b) run: Echo and nothing else.
func serveBaseline(kind, addr string) error {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	switch kind {
	case "const":
		body := []byte(`{"access_token":"` + strings.Repeat("x", 700) + `","token_type":"bearer","expires_in":3600}`)
		e.POST("/oauth/token", func(c echo.Context) error { return c.Blob(200, "application/json", body) })
	case "rs256":
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		e.POST("/oauth/token", func(c echo.Context) error {
			now := time.Now()
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
				Issuer: "http://bench", Subject: "client", IssuedAt: jwt.NewNumericDate(now),
				ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
			})
			s, err := tok.SignedString(key)
			if err != nil {
				return err
			}
			return c.JSON(200, map[string]any{"access_token": s, "token_type": "bearer", "expires_in": 3600})
		})
	default:
		return fmt.Errorf("unknown baseline %q", kind)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	return http.Serve(ln, e)
}

// target is one measured server and the request it answers.
type target struct {
	name    string
	proc    *exec.Cmd
	newReq  func() *http.Request
	rps     float64
	p50     time.Duration
	p99     time.Duration
	peakRSS int64 // kB
}

func run(bin string, duration time.Duration, conns, users int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var targets []*target
	defer func() {
		for _, t := range targets {
			if t.proc != nil && t.proc.Process != nil {
				_ = t.proc.Process.Kill()
				_ = t.proc.Wait()
			}
		}
	}()
	post := func(u string, form url.Values, id, secret string) func() *http.Request {
		body := form.Encode()
		return func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if id != "" {
				r.SetBasicAuth(id, secret)
			}
			return r
		}
	}
	cc := url.Values{"grant_type": {"client_credentials"}}

	for _, kind := range []string{"const", "rs256"} {
		cmd := exec.Command(self, "-serve", kind)
		addr, err := startPrintingAddr(cmd)
		if err != nil {
			return err
		}
		name := map[string]string{"const": "(a) bare Echo, constant response", "rs256": "(b) bare Echo, one RS256 signature"}[kind]
		targets = append(targets, &target{name: name, proc: cmd, newReq: post("http://"+addr+"/oauth/token", cc, "", "")})
	}

	tmp, err := os.MkdirTemp("", "loadbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var rsBase, rsID, rsSecret string
	for _, alg := range []string{"RS256", "ES256"} {
		data := filepath.Join(tmp, alg)
		if alg == "RS256" {
			if err := seedUsers(data, users); err != nil {
				return err
			}
		}
		base, cmd, err := startApp(bin, data, alg)
		if err != nil {
			return err
		}
		id, secret, err := createClient(bin, data, base)
		if err != nil {
			return err
		}
		name := map[string]string{"RS256": "(c) client_credentials, RS256", "ES256": "(d) client_credentials, ES256"}[alg]
		targets = append(targets, &target{name: name, proc: cmd, newReq: post(base+"/oauth/token", cc, id, secret)})
		if alg == "RS256" {
			rsBase, rsID, rsSecret = base, id, secret
		}
	}
	tok, err := getToken(rsBase, rsID, rsSecret)
	if err != nil {
		return err
	}
	rsProc := targets[2].proc
	targets = append(targets, &target{name: "(e) introspection", proc: rsProc,
		newReq: post(rsBase+"/oauth/introspect", url.Values{"token": {tok}}, rsID, rsSecret)})
	scimURL := rsBase + "/api/v1/scim2/Users?filter=" + url.QueryEscape(fmt.Sprintf(`userName eq "USER%05d"`, users/2))
	targets = append(targets, &target{name: fmt.Sprintf("(f) SCIM filter userName eq, %d users", users), proc: rsProc,
		newReq: func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, scimURL, nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			return r
		}})

	for _, t := range targets {
		if err := check(t.newReq()); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		t.rps = saturate(t.newReq, conns, duration)
		t.p50, t.p99 = latencyAt(t.newReq, t.rps/2, conns, duration/2)
		t.peakRSS = peakRSS(t.proc.Process.Pid)
	}

	fmt.Printf("%-42s %12s %10s %10s %12s\n", "target", "req/s", "p50", "p99", "peak RSS")
	for _, t := range targets {
		fmt.Printf("%-42s %12.0f %10s %10s %9d MB\n", t.name, t.rps, t.p50.Round(10*time.Microsecond), t.p99.Round(10*time.Microsecond), t.peakRSS/1024)
	}
	fmt.Printf("\nc/b = %.2f (target ≥ 0.90)\nd/a = %.2f (target ≥ 0.40)\n", targets[2].rps/targets[1].rps, targets[3].rps/targets[0].rps)
	return nil
}

// startPrintingAddr starts a baseline server and reads the address it prints.
func startPrintingAddr(cmd *exec.Cmd) (string, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	buf := make([]byte, 64)
	n, err := out.Read(buf)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(buf[:n])), nil
}

// seedUsers writes n users straight into a new data dir's database.
func seedUsers(data string, n int) error {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(data, "appintegration.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	for i := range n {
		name := fmt.Sprintf("USER%05d", i)
		err := st.CreateUser(ctx, store.User{
			ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), UserName: name, GivenName: "Given", FamilyName: name,
			DisplayName: name, Active: true, PreferredLanguage: "en", Roles: []string{store.RoleViewer},
			Emails:    []store.Email{{Value: strings.ToLower(name) + "@example.com", Type: "work", Primary: true}},
			CreatedAt: now, UpdatedAt: now,
		})
		if err != nil {
			return fmt.Errorf("seed user %d: %w", i, err)
		}
	}
	return nil
}

func startApp(bin, data, alg string) (string, *exec.Cmd, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	// No metrics listener: the servers run side by side and would both want
	// the default port.
	cmd := exec.Command(bin, "serve", "--addr", addr, "--metrics-addr", "", "--data", data, "--signing-alg", alg)
	cmd.Env = append(os.Environ(), "APPINT_ADMIN_PASSWORD=loadbench-admin", "APPINT_LOG_FORMAT=json")
	// The server logs every request, as in production; its log goes straight
	// to /dev/null (an *os.File is handed over as is, with no copying goroutine
	// in this process, which would load the load generator).
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return "", nil, err
	}
	defer devNull.Close()
	cmd.Stdout, cmd.Stderr = devNull, devNull
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	base := "http://" + addr
	for range 200 {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return base, cmd, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", nil, fmt.Errorf("%s did not start", bin)
}

func createClient(bin, data, base string) (string, string, error) {
	out, err := exec.Command(bin, "clients", "create", "--name", "loadbench", "--access", "user_provisioning",
		"--json", "--data", data, "--base-url", base).Output()
	if err != nil {
		return "", "", fmt.Errorf("clients create: %w", err)
	}
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	return c.ID, c.Secret, json.Unmarshal(out, &c)
}

func getToken(base, id, secret string) (string, error) {
	r, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("token: status %d", resp.StatusCode)
	}
	return body.AccessToken, nil
}

func check(r *http.Request) error {
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	return nil
}

func newClient(conns int) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
	}}
}

func do(c *http.Client, r *http.Request) bool {
	resp, err := c.Do(r)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == 200
}

// saturate runs conns closed-loop workers for d and returns successful requests/s.
func saturate(newReq func() *http.Request, conns int, d time.Duration) float64 {
	c := newClient(conns)
	defer c.CloseIdleConnections()
	var ok atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if do(c, newReq()) {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(ok.Load()) / d.Seconds()
}

// latencyAt offers rate requests/s (open loop) for d and returns p50 and p99.
func latencyAt(newReq func() *http.Request, rate float64, conns int, d time.Duration) (time.Duration, time.Duration) {
	c := newClient(conns)
	defer c.CloseIdleConnections()
	n := int(rate * d.Seconds())
	if n < 1 {
		return 0, 0
	}
	interval := time.Duration(float64(time.Second) / rate)
	lat := make([]time.Duration, 0, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	sem := make(chan struct{}, conns*4)
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			do(c, newReq())
			mu.Lock()
			lat = append(lat, time.Since(t0))
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)/2], lat[len(lat)*99/100]
}

// peakRSS reads the process's high-water resident set size in kB (Linux).
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}
