// Command scimbench measures the SCIM 2.0 API of the real server over
// loopback HTTP at growing numbers of users, on SQLite and PostgreSQL:
//
//   - ingest through POST /Bulk (30 operations a request, as connectors send),
//   - the time of the lookups connectors make before each change
//     (userName, externalId, emails.value, Entra ID's emails[type eq "work"]
//     form), of pages of 100 (filtered, sorted, the first and the last of
//     the whole list, a substring filter), and of the console's Users page
//     with a search,
//   - the server's peak resident memory, and the CPU time that the server and
//     this load generator (which share the machine) used per user ingested.
//
// The queries are measured 6 s after the ingest, once the server has gathered
// the query planner's statistics (it does every 5 s).
//
// Times are the client's, over loopback: the server's time plus a round
// trip of well under a millisecond. The p50 of the lookups is compared across
// sizes (the ratio of the largest size's to the smallest's).
//
// Usage: go run ./bench/scimbench -bin bin/appintegration [-engines sqlite,postgres] [-sizes 10000,100000]
// (make bench-scim; make bench-scim-1m adds 1,000,000 users). PostgreSQL needs
// APPINT_TEST_POSTGRES_URL (.ci/postgres.sh prints one); the run uses a
// schema of its own and drops it.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
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
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	bin := flag.String("bin", "bin/appintegration", "the appintegration binary to measure")
	engines := flag.String("engines", "sqlite,postgres", "engines to measure: sqlite, postgres")
	sizes := flag.String("sizes", "10000,100000", "numbers of users to measure at, growing")
	iterations := flag.Int("iterations", 50, "requests per query and size")
	workers := flag.Int("workers", 4, "concurrent bulk requests while ingesting")
	flag.Parse()
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1000 || (len(ns) > 0 && n <= ns[len(ns)-1]) {
			fmt.Fprintln(os.Stderr, "scimbench: -sizes must be growing numbers of at least 1000")
			os.Exit(2)
		}
		ns = append(ns, n)
	}
	for _, engine := range strings.Split(*engines, ",") {
		if err := run(*bin, strings.TrimSpace(engine), ns, *iterations, *workers); err != nil {
			fmt.Fprintln(os.Stderr, "scimbench:", err)
			os.Exit(1)
		}
	}
}

// server is a running appintegration serve.
type server struct {
	cmd  *exec.Cmd
	base string
	db   string
	data string
}

func run(bin, engine string, sizes []int, iterations, workers int) error {
	data, err := os.MkdirTemp("", "scimbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	db := filepath.Join(data, "appintegration.db")
	if engine == "postgres" {
		base := os.Getenv("APPINT_TEST_POSTGRES_URL")
		if base == "" {
			return fmt.Errorf("postgres: set APPINT_TEST_POSTGRES_URL (bash .ci/postgres.sh prints one)")
		}
		schema, drop, err := newSchema(base)
		if err != nil {
			return err
		}
		defer drop()
		u, _ := url.Parse(base)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		db = u.String()
	} else if engine != "sqlite" {
		return fmt.Errorf("unknown engine %q", engine)
	}
	s, err := start(bin, data, db)
	if err != nil {
		return err
	}
	defer func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() }()
	id, secret, err := s.createClient(bin)
	if err != nil {
		return err
	}
	tok, err := s.token(id, secret)
	if err != nil {
		return err
	}
	console, err := s.signIn()
	if err != nil {
		return err
	}

	fmt.Printf("\n## %s\n\n", engine)
	type row struct {
		size                 int
		ingest               float64
		serverCPU, clientCPU float64 // µs of CPU per user ingested
		times                map[string]time.Duration
		rss                  int64
	}
	var rows []row
	var queryNames []string
	have := 0
	var recent time.Time // when the last 1% of users began to arrive
	for _, n := range sizes {
		start := time.Now()
		serverCPU, clientCPU := cpuTime(s.cmd.Process.Pid), selfCPU()
		if err := s.ingest(tok, have, n, workers, func(i int) {
			if i == n-n/100 {
				recent = time.Now().UTC()
			}
		}); err != nil {
			return err
		}
		rate := float64(n-have) / time.Since(start).Seconds()
		serverCPU, clientCPU = cpuTime(s.cmd.Process.Pid)-serverCPU, selfCPU()-clientCPU
		serverPerUser := float64(serverCPU.Microseconds()) / float64(n-have)
		clientPerUser := float64(clientCPU.Microseconds()) / float64(n-have)
		have = n
		// The server gathers the query planner's statistics every 5 s: the
		// queries are measured once it has seen the new users.
		time.Sleep(6 * time.Second)
		mid := n / 2
		queries := []struct{ name, path string }{
			{"userName eq", filter(fmt.Sprintf(`userName eq "%s"`, userName(mid)))},
			{"externalId eq", filter(fmt.Sprintf(`externalId eq "ext-%d"`, mid))},
			{"emails.value eq", filter(fmt.Sprintf(`emails.value eq "%s"`, email(mid)))},
			{`emails[type eq "work"].value eq`, filter(fmt.Sprintf(`emails[type eq "work"].value eq "%s"`, email(mid)))},
			{"active eq false, page of 100", filter(`active eq false`) + "&count=100"},
			{`name.familyName sw, page of 100`, filter(`name.familyName sw "Smith00"`) + "&count=100"},
			{"sortBy=name.familyName, page of 100", "/api/v1/scim2/Users?sortBy=name.familyName&count=100"},
			{"meta.lastModified gt, page of 100", filter(`meta.lastModified gt "`+recent.Format(time.RFC3339Nano)+`"`) + "&count=100"},
			{"page 1, 100 users", "/api/v1/scim2/Users?count=100"},
			{"last page, 100 users", fmt.Sprintf("/api/v1/scim2/Users?count=100&startIndex=%d", n-99)},
			{"userName co, page of 100", filter(fmt.Sprintf(`userName co "%s"`, userName(mid)[3:7])) + "&count=100"},
			{"emails.value co, page of 100", filter(fmt.Sprintf(`emails.value co "%s"`, familyName(mid))) + "&count=100"},
		}
		r := row{size: n, ingest: rate, serverCPU: serverPerUser, clientCPU: clientPerUser, times: map[string]time.Duration{}}
		queryNames = queryNames[:0]
		for _, q := range queries {
			d, err := s.p50(s.base+q.path, tok, nil, iterations)
			if err != nil {
				return fmt.Errorf("%s at %d users: %w", q.name, n, err)
			}
			r.times[q.name] = d
			queryNames = append(queryNames, q.name)
		}
		d, err := s.p50(s.base+"/admin/users?q="+url.QueryEscape(familyName(mid)), "", console, iterations)
		if err != nil {
			return fmt.Errorf("console search at %d users: %w", n, err)
		}
		r.times["console Users page, search"] = d
		queryNames = append(queryNames, "console Users page, search")
		r.rss = peakRSS(s.cmd.Process.Pid)
		rows = append(rows, r)
		fmt.Fprintf(os.Stderr, "%s: %d users, ingest %.0f users/s\n", engine, n, rate)
	}

	fmt.Printf("| %s | %s |\n", "p50", strings.Join(sizeHeads(sizes), " | "))
	fmt.Printf("|---|%s\n", strings.Repeat("---:|", len(sizes)))
	fmt.Printf("| Bulk ingest (users/s) |")
	for _, r := range rows {
		fmt.Printf(" %.0f |", r.ingest)
	}
	fmt.Println()
	fmt.Printf("| … server CPU per user ingested |")
	for _, r := range rows {
		fmt.Printf(" %.0f µs |", r.serverCPU)
	}
	fmt.Println()
	fmt.Printf("| … load generator CPU per user |")
	for _, r := range rows {
		fmt.Printf(" %.0f µs |", r.clientCPU)
	}
	fmt.Println()
	for _, name := range queryNames {
		fmt.Printf("| %s |", name)
		for _, r := range rows {
			fmt.Printf(" %.2f ms |", float64(r.times[name].Microseconds())/1000)
		}
		fmt.Println()
	}
	fmt.Printf("| Server peak RSS |")
	for _, r := range rows {
		fmt.Printf(" %d MB |", r.rss/1024)
	}
	fmt.Println()
	if len(rows) > 1 {
		first, last := rows[0], rows[len(rows)-1]
		fmt.Printf("\nRatio of the lookups' p50 at %d users to that at %d:", last.size, first.size)
		for _, name := range queryNames[:4] {
			fmt.Printf(" %s %.2f;", name, float64(last.times[name])/float64(first.times[name]))
		}
		fmt.Println()
	}
	return nil
}

func sizeHeads(sizes []int) []string {
	var out []string
	for _, n := range sizes {
		out = append(out, fmt.Sprintf("%d users", n))
	}
	return out
}

func filter(f string) string { return "/api/v1/scim2/Users?filter=" + url.QueryEscape(f) }

// The users of the benchmark: user i has these names.
func userName(i int) string { return fmt.Sprintf("U%07d", i) }
func familyName(i int) string {
	return fmt.Sprintf("%s%05d", []string{"Smith", "Miller", "Schmidt", "Garcia", "Novak", "Rossi", "Dubois", "Kowalski"}[i%8], i%99991)
}
func givenName(i int) string {
	return []string{"Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas"}[i%10]
}
func email(i int) string {
	return fmt.Sprintf("%s.%s@corp%d.example.com", strings.ToLower(givenName(i)), strings.ToLower(familyName(i)), i%7)
}

// userJSON is user i as an Entra ID connector creates it.
func userJSON(i int) map[string]any {
	return map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"userName":    userName(i),
		"externalId":  fmt.Sprintf("ext-%d", i),
		"active":      i%50 != 0,
		"displayName": givenName(i) + " " + familyName(i),
		"name":        map[string]any{"givenName": givenName(i), "familyName": familyName(i)},
		"emails":      []any{map[string]any{"value": email(i), "type": "work", "primary": true}},
		"title":       "Engineer",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
			"department": fmt.Sprintf("Dept %d", i%40), "employeeNumber": strconv.Itoa(i)},
		"roles": []any{map[string]any{"value": "DW Viewer"}},
	}
}

// ingest creates users from up to n through POST /Bulk, 30 a request, with
// workers requests at a time; progress is called with each user's index
// before its request is sent.
func (s *server) ingest(tok string, from, n, workers int, progress func(int)) error {
	jobs := make(chan int)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	c := &http.Client{Timeout: time.Minute}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range jobs {
				var ops []any
				for i := start; i < min(start+30, n); i++ {
					ops = append(ops, map[string]any{"method": "POST", "path": "/Users", "bulkId": strconv.Itoa(i), "data": userJSON(i)})
				}
				body, _ := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}, "Operations": ops})
				req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/scim2/Bulk", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/scim+json")
				resp, err := c.Do(req)
				if err != nil {
					errc <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || bytes.Contains(b, []byte(`"status":"4`)) || bytes.Contains(b, []byte(`"status":"5`)) {
					errc <- fmt.Errorf("bulk: status %d: %s", resp.StatusCode, failedOps(b))
					return
				}
			}
		}()
	}
	var sendErr error
feed:
	for start := from; start < n; start += 30 {
		for i := start; i < min(start+30, n); i++ {
			progress(i)
		}
		select {
		case jobs <- start:
		case sendErr = <-errc:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if sendErr != nil {
		return sendErr
	}
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// p50 requests u iterations times, one at a time after a warm-up, and returns
// the median time; with a token it is a bearer token, with client a signed-in
// console client.
func (s *server) p50(u, tok string, client *http.Client, iterations int) (time.Duration, error) {
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	var times []time.Duration
	for i := range iterations + 3 {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
		}
		if i >= 3 {
			times = append(times, d)
		}
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}

func start(bin, data, db string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--metrics-addr", "", "--data", data, "--db", db)
	cmd.Env = append(os.Environ(), "APPINT_ADMIN_PASSWORD=scimbench-admin", "APPINT_LOG_FORMAT=json")
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	defer devNull.Close()
	cmd.Stdout, cmd.Stderr = devNull, devNull
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, db: db, data: data}
	for range 400 {
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return nil, fmt.Errorf("%s did not start", bin)
}

func (s *server) createClient(bin string) (string, string, error) {
	out, err := exec.Command(bin, "clients", "create", "--name", "scimbench", "--access", "user_provisioning",
		"--json", "--data", s.data, "--db", s.db, "--base-url", s.base).Output()
	if err != nil {
		return "", "", fmt.Errorf("clients create: %w", err)
	}
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	return c.ID, c.Secret, json.Unmarshal(out, &c)
}

func (s *server) token(id, secret string) (string, error) {
	r, _ := http.NewRequest(http.MethodPost, s.base+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
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

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn signs in to the console as ADMIN and returns the client holding the
// session.
func (s *server) signIn() (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute}
	resp, err := c.Get(s.base + "/login")
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("sign-in page has no CSRF token")
	}
	resp, err = c.PostForm(s.base+"/login", url.Values{"username": {"ADMIN"}, "password": {"scimbench-admin"}, "_csrf": {string(m[1])}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.Request.URL.Path == "/login" {
		return nil, fmt.Errorf("sign-in failed: status %d", resp.StatusCode)
	}
	return c, nil
}

// newSchema creates a schema on the PostgreSQL server and returns it with a
// function that drops it.
func newSchema(base string) (string, func(), error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "scimbench_" + hex.EncodeToString(b)
	exec := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + pgx.Identifier{schema}.Sanitize()); err != nil {
		return "", nil, err
	}
	return schema, func() { _ = exec("DROP SCHEMA " + pgx.Identifier{schema}.Sanitize() + " CASCADE") }, nil
}

// peakRSS reads the process's high-water resident set size in kB (Linux).
// cpuTime is the CPU time process pid has used, from /proc/<pid>/stat (in
// clock ticks of 10 ms, as Linux reports them to user space).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	_, rest, ok := bytes.Cut(b, []byte(") "))
	if !ok {
		return 0
	}
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// selfCPU is the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

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

// failedOps returns the results of the failed operations of a bulk response.
func failedOps(body []byte) string {
	var resp struct {
		Operations []json.RawMessage
	}
	if json.Unmarshal(body, &resp) != nil {
		return fmt.Sprintf("%.300s", body)
	}
	var out []string
	for _, op := range resp.Operations {
		if !bytes.Contains(op, []byte(`"status":"2`)) {
			out = append(out, string(op))
		}
	}
	return strings.Join(out, "\n")
}
