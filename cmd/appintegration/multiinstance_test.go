package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sealed"
	"github.com/appintegration/appintegration/store/sqlstore"
	"github.com/appintegration/appintegration/store/sqlstore/pgtest"
)

// lbBaseURL is the one --base-url of both instances: the public URL of the
// load balancer they would stand behind, and so the issuer of every token. The
// test talks to each instance directly; nothing resolves this name.
const lbBaseURL = "http://appint-lb.test"

// instance is one `appintegration serve` process of a cluster.
type instance struct {
	name string
	url  string // http://127.0.0.1:port
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

// cluster is two instances on one PostgreSQL database.
type cluster struct {
	db string // the database URL both use
	// keyEnv gives every process of the cluster (instances and command
	// lines) one master key, as a deployment must.
	keyEnv string
	a, b   *instance
}

// sharedMasterKey writes a master key file for a cluster and returns the
// environment entry that names it.
func sharedMasterKey(t *testing.T) string {
	t.Helper()
	k, err := sealed.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte(k.Encode()), 0o600); err != nil {
		t.Fatal(err)
	}
	return "APPINT_MASTER_KEY_FILE=" + path
}

// command is the binary run with args in the cluster's environment.
func (c *cluster) command(ctx context.Context, t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = append(os.Environ(), c.keyEnv)
	return cmd
}

// startCluster starts two serve processes at the same moment on one new, empty
// PostgreSQL schema (both race to migrate it, create the administrator and
// the first signing key) and waits until both answer /healthz. They are killed
// when the test ends, before the schema is dropped.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	db := pgtest.URL(t)
	bin := binary(t)
	c := &cluster{db: db, keyEnv: sharedMasterKey(t)}
	insts := []*instance{{name: "A"}, {name: "B"}}
	for _, in := range insts {
		addr := freeAddr(t)
		in.url = "http://" + addr
		in.out = &lockedBuffer{}
		in.done = make(chan error, 1)
		in.cmd = exec.Command(bin, "serve", "--addr", addr, "--metrics-addr", "127.0.0.1:0", "--db", db, "--base-url", lbBaseURL,
			"--data", t.TempDir(), "--log-format", "json")
		in.cmd.Env = append(os.Environ(), "APPINT_ADMIN_PASSWORD="+e2ePassword, c.keyEnv)
		in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	}
	for _, in := range insts {
		if err := in.cmd.Start(); err != nil {
			t.Fatalf("start instance %s: %v", in.name, err)
		}
		go func() { in.done <- in.cmd.Wait() }()
		t.Cleanup(func() {
			_ = in.cmd.Process.Kill()
			select {
			case <-in.done:
			case <-time.After(5 * time.Second):
			}
		})
	}
	for _, in := range insts {
		in.waitHealthy(t)
	}
	c.a, c.b = insts[0], insts[1]
	return c
}

// waitHealthy waits, at most 30 seconds, until the instance answers /healthz;
// it fails t when the process exits or the time is up.
func (in *instance) waitHealthy(t *testing.T) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for try := 0; try < 600 && time.Now().Before(deadline); try++ {
		if resp, err := client.Get(in.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-in.done:
			t.Fatalf("instance %s exited: %v\n%s", in.name, err, in.out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("instance %s did not become healthy\n%s", in.name, in.out)
}

// cliClient is what `clients create --json` prints (RFC 7591 names).
type cliClient struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// createClient creates an API Access client with the command line, configured
// as instance A is (same --db and --base-url).
func (c *cluster) createClient(t *testing.T, name string) cliClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := c.command(ctx, t, "clients", "create", "--db", c.db, "--base-url", lbBaseURL,
		"--name", name, "--access", "user_provisioning", "--json")
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("clients create: %v\n%s", err, stderr)
	}
	var cl cliClient
	if err := json.Unmarshal(out, &cl); err != nil || cl.ClientID == "" || cl.ClientSecret == "" {
		t.Fatalf("clients create printed %q (%v), want a client ID and secret", out, err)
	}
	return cl
}

// fetchJWKS returns the key set an instance publishes.
func fetchJWKS(t *testing.T, in *instance) jose.JSONWebKeySet {
	t.Helper()
	var set jose.JSONWebKeySet
	getJSON(t, in.url+"/oauth/token_keys", &set)
	return set
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", u, err, body)
	}
}

// introspect asks an instance about token (RFC 7662), authenticated as caller.
func introspect(t *testing.T, in *instance, caller cliClient, token string) oauth.Introspection {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, in.url+"/oauth/introspect",
		strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(caller.ClientID), url.QueryEscape(caller.ClientSecret))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var got oauth.Introspection
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &got) != nil {
		t.Fatalf("introspect on %s: %d %s", in.name, resp.StatusCode, body)
	}
	return got
}

// scimAccepts reports whether an instance's SCIM API, a resource server of its
// own, takes token: true for 200, false for 401.
func scimAccepts(t *testing.T, in *instance, token string) bool {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, in.url+"/api/v1/scim2/Users?count=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	}
	t.Fatalf("SCIM on %s: %d %s", in.name, resp.StatusCode, body)
	return false
}

// verifyWithJWKS checks token's signature with the key set independently of
// package oauth (go-jose) and returns its claims.
func verifyWithJWKS(t *testing.T, token string, set jose.JSONWebKeySet) map[string]any {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	if len(jws.Signatures) != 1 {
		t.Fatalf("token has %d signatures, want 1", len(jws.Signatures))
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys with the token's kid %q, want 1", len(keys), kid)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		t.Fatalf("token does not verify with the JWKS: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestTwoInstancesOneDatabase runs two real server processes on one
// PostgreSQL database, as behind a load balancer: what one does, the other
// sees at once.
func TestTwoInstancesOneDatabase(t *testing.T) {
	c := startCluster(t)

	t.Run("StartedTogetherOnEmptyDatabase", func(t *testing.T) {
		// One bootstrap administrator, one first signing key, published by both.
		created := 0
		for _, in := range []*instance{c.a, c.b} {
			created += strings.Count(in.out.String(), "Created the administrator ADMIN")
		}
		if created != 1 {
			t.Errorf("instances report creating the administrator %d times, want 1\nA:\n%s\nB:\n%s",
				created, c.a.out, c.b.out)
		}
		// The database URL is logged by host and name only.
		u, err := url.Parse(c.db)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []*instance{c.a, c.b} {
			if strings.Contains(in.out.String(), u.User.String()+"@") {
				t.Errorf("instance %s logs the database URL with its password", in.name)
			}
		}
		ja, jb := fetchJWKS(t, c.a), fetchJWKS(t, c.b)
		if len(ja.Keys) != 1 || len(jb.Keys) != 1 || ja.Keys[0].KeyID != jb.Keys[0].KeyID {
			t.Errorf("JWKS: A publishes %d keys, B %d; want the same single first key", len(ja.Keys), len(jb.Keys))
		}
	})

	cl := c.createClient(t, "Provisioning via A")

	// A client created through A's command line gets a token from B.
	cc := clientcredentials.Config{ClientID: cl.ClientID, ClientSecret: cl.ClientSecret,
		TokenURL: c.b.url + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatalf("token from B for a client created through A: %v", err)
	}

	t.Run("TokenOfBVerifiesWithJWKSOfB", func(t *testing.T) {
		claims := verifyWithJWKS(t, tok.AccessToken, fetchJWKS(t, c.b))
		if claims["iss"] != lbBaseURL || claims["client_id"] != cl.ClientID {
			t.Errorf("claims iss=%v client_id=%v, want %s, %s", claims["iss"], claims["client_id"], lbBaseURL, cl.ClientID)
		}
		// And with A's: both publish the same keys.
		verifyWithJWKS(t, tok.AccessToken, fetchJWKS(t, c.a))
	})

	t.Run("TokenOfBIntrospectsActiveOnA", func(t *testing.T) {
		got := introspect(t, c.a, cl, tok.AccessToken)
		if !got.Active || got.ClientID != cl.ClientID {
			t.Errorf("introspection on A = %+v, want active for %s", got, cl.ClientID)
		}
	})

	t.Run("ConsoleSessionOfAWorksOnB", func(t *testing.T) {
		// The session keys live in the database: a session signed in on A
		// is good on B (the cookie jar ignores ports).
		adm := signIn(t, c.a.url)
		resp, err := adm.http.Get(c.b.url + "/admin/app-integration")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("B answers the console page with %d for a session signed in on A, want 200", resp.StatusCode)
		}
	})

	t.Run("SignOutOnAEndsTheSessionOnB", func(t *testing.T) {
		// Sessions live in the database: a cookie copied before Sign out on
		// A gets the sign-in page on B afterwards, at once.
		adm := signIn(t, c.a.url)
		u, err := url.Parse(c.a.url)
		if err != nil {
			t.Fatal(err)
		}
		saved := adm.http.Jar.Cookies(u)
		resp, err := adm.http.PostForm(c.a.url+"/logout", url.Values{"_csrf": {adm.csrf}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out on A: %d", resp.StatusCode)
		}
		copied := signIn(t, c.b.url) // another browser, then the copied cookie
		copied.http.Jar.SetCookies(u, saved)
		resp, err = copied.http.Get(c.b.url + "/admin/app-integration")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("B answers a cookie saved before Sign out on A with %d %q, want the sign-in page",
				resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("DeleteOnBStopsTheClientOnAWithinOneSecond", func(t *testing.T) {
		adm := signIn(t, c.a.url)
		doc := getDoc(t, adm.http, c.b.url+"/admin/app-integration/clients/"+url.PathEscape(cl.ClientID)+"/delete")
		csrf, _ := doc.Find(`[data-testid="delete-form"] input[name="_csrf"]`).Attr("value")
		if csrf == "" {
			t.Fatal("B's delete dialog has no form with a CSRF token")
		}
		resp, err := adm.http.PostForm(c.b.url+"/admin/app-integration/clients/"+url.PathEscape(cl.ClientID)+"/delete",
			url.Values{"_csrf": {csrf}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete on B: status %d, want 303", resp.StatusCode)
		}
		deleted := time.Now()

		// Within one second A refuses new tokens and its SCIM API the old
		// one. Nothing is cached, so the first try should already see it;
		// the loop only states the bound.
		var (
			status int
			active bool
		)
		for try := 0; try < 100; try++ {
			status, _ = token(t, c.a.url, cl.ClientID, cl.ClientSecret)
			active = scimAccepts(t, c.a, tok.AccessToken)
			if status == http.StatusUnauthorized && !active {
				break
			}
			if time.Since(deleted) > time.Second {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if elapsed := time.Since(deleted); status != http.StatusUnauthorized || active || elapsed > time.Second {
			t.Errorf("after deleting on B, A answers a token request with %d (want 401) and accepts the old token on SCIM: %v (want false), %v after the delete (want within 1s)",
				status, active, elapsed)
		}
		// B as well, of course.
		if scimAccepts(t, c.b, tok.AccessToken) {
			t.Errorf("B's SCIM API accepts the old token after the delete")
		}
	})

	t.Run("KeyRotatedByCommandLineReachesBothWithinASecond", func(t *testing.T) {
		const publishFor = 3 * time.Second
		out, err := c.command(t.Context(), t, "keys", "rotate", "--db", c.db,
			"--base-url", lbBaseURL, "--publish-for", publishFor.String()).Output()
		if err != nil {
			t.Fatalf("keys rotate: %v", err)
		}
		rotated := time.Now()
		m := regexp.MustCompile(`signing key (\S+) is published`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("keys rotate printed %q, want the new key's ID", out)
		}
		kid := string(m[1])
		// Keys in memory are at most a second old; the slack is for a busy machine.
		published := func(in *instance) bool {
			set := fetchJWKS(t, in)
			return len(set.Key(kid)) == 1
		}
		for try := 0; try < 100 && !(published(c.a) && published(c.b)); try++ {
			if time.Since(rotated) > 1500*time.Millisecond {
				t.Fatalf("the new key is not in the JWKS of both instances %v after the rotation", time.Since(rotated))
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Once it signs, a token of A carries it and is active on B.
		time.Sleep(time.Until(rotated.Add(publishFor)))
		other := c.createClient(t, "After rotation")
		for try := 0; ; try++ {
			status, body := token(t, c.a.url, other.ClientID, other.ClientSecret)
			at, _ := body["access_token"].(string)
			if status != http.StatusOK || at == "" {
				t.Fatalf("token from A after the rotation: %d %v", status, body)
			}
			jws, err := jose.ParseSignedCompact(at, []jose.SignatureAlgorithm{jose.RS256})
			if err != nil {
				t.Fatal(err)
			}
			if jws.Signatures[0].Header.KeyID == kid {
				if got := introspect(t, c.b, other, at); !got.Active {
					t.Errorf("a token of A signed by the new key is not active on B")
				}
				break
			}
			if try >= 40 {
				t.Fatalf("A still signs with the old key %v after the new one's start", time.Since(rotated.Add(publishFor)))
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestConcurrentInitOneSigningKey starts token services on one empty store at
// the same moment, each on its own connection pool as separate processes
// would: they create one first signing key between them, not one each.
func TestConcurrentInitOneSigningKey(t *testing.T) {
	backends := map[string]func(t *testing.T) (open func() (store.Store, error)){
		"SQLite": func(t *testing.T) func() (store.Store, error) {
			path := filepath.Join(t.TempDir(), "app.db")
			return func() (store.Store, error) { return sqlstore.Open(t.Context(), path) }
		},
		"PostgreSQL": func(t *testing.T) func() (store.Store, error) {
			url := pgtest.URL(t)
			return func() (store.Store, error) { return sqlstore.Open(t.Context(), url) }
		},
	}
	for name, backend := range backends {
		t.Run(name, func(t *testing.T) {
			open := backend(t)
			const services = 6
			stores := make([]store.Store, services)
			for i := range stores {
				st, err := open()
				if err != nil {
					t.Fatalf("open store %d: %v", i, err)
				}
				t.Cleanup(func() { st.Close() })
				stores[i] = st
			}
			for round, alg := range []string{oauth.AlgES256, oauth.AlgEdDSA, oauth.AlgES256} {
				// Each round switches the algorithm, so that every service finds
				// no current key of it again (the third round's key of the first
				// algorithm was retired by the second round).
				var wg sync.WaitGroup
				errs := make([]error, services)
				for i, st := range stores {
					wg.Go(func() {
						svc, err := oauth.New(oauth.Config{Store: st, BaseURL: lbBaseURL, SigningAlg: alg})
						if err == nil {
							err = svc.Init(t.Context())
						}
						errs[i] = err
					})
				}
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Fatalf("round %d: Init of service %d: %v", round, i, err)
					}
				}
				keys, err := stores[0].ListSigningKeys(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				var current []string
				for _, k := range keys {
					if k.RetireAt.IsZero() {
						current = append(current, fmt.Sprintf("%s %s", k.Algorithm, k.ID))
					}
				}
				if len(keys) != round+1 || len(current) != 1 || !strings.HasPrefix(current[0], alg) {
					t.Errorf("round %d (%s): %d keys, current %v; want %d keys, one current %s key",
						round, alg, len(keys), current, round+1, alg)
				}
			}
		})
	}
}
