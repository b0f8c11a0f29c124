package oauth_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/oauthtest"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func mustOpenStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newService(t testing.TB, st store.Store, alg string, clk *clock) *oauth.Service {
	t.Helper()
	svc, err := oauth.New(oauth.Config{Store: st, BaseURL: "https://auth.example.com", SigningAlg: alg, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestSecretsAreUniqueScannableAndHashed(t *testing.T) {
	st := mustOpenStore(t)
	svc := newService(t, st, oauth.AlgES256, &clock{t: time.Now()})
	seen := map[string]bool{}
	for range 20 {
		c, secret, err := svc.CreateClient(context.Background(), "t", oauth.ClientInput{
			Name: "c", Purpose: store.PurposeAPIAccess, Grant: store.GrantClientCredentials, Access: []string{"user_provisioning"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if seen[secret] || !oauthtest.LooksLikeSecret(secret) || len(secret) != len(oauth.SecretPrefix)+72 {
			t.Fatalf("secret %q: duplicate or malformed", secret)
		}
		seen[secret] = true
		stored, err := st.GetClient(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored.Secrets) != 1 || strings.Contains(string(stored.Secrets[0].Hash), secret) || len(stored.Secrets[0].Hash) != 32 {
			t.Fatalf("stored secret hash looks wrong: %+v", stored.Secrets)
		}
	}
	flipped := []byte(oauth.SecretPrefix + strings.Repeat("a", 64) + "00000000")
	if oauthtest.LooksLikeSecret(string(flipped)) {
		t.Error("a string with a wrong checksum passes as a secret")
	}
}

func TestCheckClientInput(t *testing.T) {
	valid := oauth.ClientInput{Name: "n", Purpose: store.PurposeAPIAccess, Grant: store.GrantSAML2Bearer,
		Access: []string{"content_network", "user_provisioning", "content_network"}, TokenLifetime: time.Minute}
	if errs := oauth.CheckClientInput(valid); len(errs) != 0 {
		t.Fatalf("valid input refused: %v", errs)
	}
	tests := []struct {
		name  string
		edit  func(*oauth.ClientInput)
		field string
	}{
		{"name with a line break", func(in *oauth.ClientInput) { in.Name = "a\nb" }, oauth.FieldName},
		{"lifetime 59 s", func(in *oauth.ClientInput) { in.TokenLifetime = 59 * time.Second }, oauth.FieldTokenLifetime},
		{"lifetime 1 day + 1 s", func(in *oauth.ClientInput) { in.TokenLifetime = 24*time.Hour + time.Second }, oauth.FieldTokenLifetime},
		{"lifetime with a fraction of a second", func(in *oauth.ClientInput) { in.TokenLifetime = 90*time.Second + time.Millisecond }, oauth.FieldTokenLifetime},
		{"empty access", func(in *oauth.ClientInput) { in.Access = []string{" "} }, oauth.FieldAccess},
		{"grant of another purpose", func(in *oauth.ClientInput) { in.Grant = store.GrantAuthorizationCode }, oauth.FieldGrant},
		{"no purpose", func(in *oauth.ClientInput) { in.Purpose = "" }, oauth.FieldPurpose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := valid
			tc.edit(&in)
			if errs := oauth.CheckClientInput(in); errs[tc.field] == "" {
				t.Errorf("no error for %s: %v", tc.field, errs)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0 seconds", time.Second: "1 second", 121 * time.Second: "121 seconds", 90 * time.Minute: "90 minutes", 25 * time.Hour: "25 hours",
		60 * time.Second: "60 seconds", 90 * time.Second: "90 seconds", 2 * time.Minute: "2 minutes",
		time.Hour: "1 hour", 36 * time.Hour: "36 hours", 24 * time.Hour: "1 day", 180 * 24 * time.Hour: "180 days",
	} {
		if got := oauth.HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func kids(t *testing.T, svc *oauth.Service) []string {
	t.Helper()
	set, err := svc.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.Kid+"/"+k.Alg)
	}
	return out
}

// TestKeyRotation: the new key is published before it signs, and the old one
// stays published until the last token it signed has expired.
func TestKeyRotation(t *testing.T) {
	st := mustOpenStore(t)
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, oauth.AlgRS256, clk)
	c, secret, err := svc.CreateClient(context.Background(), "t", oauth.ClientInput{Name: "c", Purpose: store.PurposeAPIAccess,
		Grant: store.GrantClientCredentials, Access: []string{"user_provisioning"}, TokenLifetime: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	oldToken, err := svc.Token(context.Background(), &oauth.TokenRequest{GrantType: "client_credentials",
		Credentials: oauth.Credentials{ClientID: c.ID, Secret: secret, Method: "client_secret_post"}})
	if err != nil {
		t.Fatal(err)
	}

	newKid, err := svc.RotateKey(context.Background(), "t", 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Second) // past the reload interval
	if got := kids(t, svc); len(got) != 2 {
		t.Fatalf("after rotation the JWKS holds %v, want the old and the new key", got)
	}
	if headerKid(t, svc, c.ID, secret) == newKid {
		t.Error("the new key signs before its publication period is over")
	}
	clk.Add(2 * time.Minute)
	if headerKid(t, svc, c.ID, secret) != newKid {
		t.Error("the new key does not sign after its publication period")
	}
	if _, err := svc.VerifyAccessToken(context.Background(), oldToken.AccessToken); err != nil {
		t.Errorf("a token of the old key no longer verifies: %v", err)
	}
	// After the longest token lifetime the old key is dropped by the next Init.
	clk.Add(25 * time.Hour)
	if err := svc.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Second)
	if got := kids(t, svc); len(got) != 1 || !strings.HasPrefix(got[0], newKid) {
		t.Errorf("a day after rotation the JWKS holds %v, want only %s", got, newKid)
	}
}

func headerKid(t *testing.T, svc *oauth.Service, id, secret string) string {
	t.Helper()
	resp, err := svc.Token(context.Background(), &oauth.TokenRequest{GrantType: "client_credentials",
		Credentials: oauth.Credentials{ClientID: id, Secret: secret, Method: "client_secret_basic"}})
	if err != nil {
		t.Fatal(err)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(resp.AccessToken, ".")[0])
	_, after, _ := strings.Cut(string(hdr), `"kid":"`)
	kid, _, _ := strings.Cut(after, `"`)
	return kid
}

// TestAlgorithmChangeKeepsOldKeysPublished: restarting with another algorithm
// signs with a new key at once and keeps the old one in the JWKS.
func TestAlgorithmChangeKeepsOldKeysPublished(t *testing.T) {
	st := mustOpenStore(t)
	clk := &clock{t: time.Now()}
	rs := newService(t, st, oauth.AlgRS256, clk)
	c, secret, err := rs.CreateClient(context.Background(), "t", oauth.ClientInput{Name: "c", Purpose: store.PurposeAPIAccess,
		Grant: store.GrantClientCredentials, Access: []string{"user_provisioning"}})
	if err != nil {
		t.Fatal(err)
	}
	old, err := rs.Token(context.Background(), &oauth.TokenRequest{GrantType: "client_credentials",
		Credentials: oauth.Credentials{ClientID: c.ID, Secret: secret, Method: "client_secret_basic"}})
	if err != nil {
		t.Fatal(err)
	}

	es := newService(t, st, oauth.AlgES256, clk)
	got := kids(t, es)
	if len(got) != 2 || !strings.Contains(strings.Join(got, " "), "/RS256") || !strings.Contains(strings.Join(got, " "), "/ES256") {
		t.Fatalf("JWKS after switching to ES256: %v", got)
	}
	if _, err := es.VerifyAccessToken(context.Background(), old.AccessToken); err != nil {
		t.Errorf("an RS256 token no longer verifies after the switch: %v", err)
	}
	fresh, err := es.Token(context.Background(), &oauth.TokenRequest{GrantType: "client_credentials",
		Credentials: oauth.Credentials{ClientID: c.ID, Secret: secret, Method: "client_secret_basic"}})
	if err != nil {
		t.Fatal(err)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(fresh.AccessToken, ".")[0])
	if !strings.Contains(string(hdr), `"ES256"`) {
		t.Errorf("new tokens are not ES256: %s", hdr)
	}
}

func TestExpiredTokenIsInactive(t *testing.T) {
	st := mustOpenStore(t)
	clk := &clock{t: time.Now()}
	svc := newService(t, st, oauth.AlgEdDSA, clk)
	c, secret, err := svc.CreateClient(context.Background(), "t", oauth.ClientInput{Name: "c", Purpose: store.PurposeAPIAccess,
		Grant: store.GrantClientCredentials, Access: []string{"user_provisioning"}, TokenLifetime: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := svc.Token(context.Background(), &oauth.TokenRequest{GrantType: "client_credentials",
		Credentials: oauth.Credentials{ClientID: c.ID, Secret: secret, Method: "client_secret_basic"}})
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(61 * time.Second)
	if _, err := svc.VerifyAccessToken(context.Background(), resp.AccessToken); err == nil {
		t.Error("a token past its exp verifies")
	}
}

// FuzzParseTokenRequest feeds arbitrary queries, bodies and Authorization headers
// to the token-request parser: it must never panic, and what it accepts must be
// consistent.
func FuzzParseTokenRequest(f *testing.F) {
	f.Add("grant_type=client_credentials", "", "Basic c2ItMTpzZWNyZXQ=")
	f.Add("", "grant_type=client_credentials&client_id=a&client_secret=b", "")
	f.Add("client_secret=x", "", "")
	f.Add("grant_type=a&grant_type=b", "scope=%zz", "Basic !!!")
	f.Add("", "assertion="+strings.Repeat("A", 100), "basic "+base64.StdEncoding.EncodeToString([]byte("a%3Ab:c%25d")))
	f.Fuzz(func(t *testing.T, query, body, auth string) {
		r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		req, err := oauth.ParseTokenRequest(r)
		if err != nil {
			if oauth.AsError(err) == nil {
				t.Fatalf("error is not an OAuth error: %v", err)
			}
			return
		}
		if q, _ := url.ParseQuery(query); q.Has("client_secret") {
			t.Fatal("accepted a secret in the query string")
		}
		for k, v := range req.Params {
			if len(v) != 1 {
				t.Fatalf("parameter %q accepted %d times", k, len(v))
			}
		}
		if req.Credentials.Method == "client_secret_basic" && req.Credentials.ClientID == "" {
			t.Fatal("Basic credentials with an empty client ID accepted")
		}
	})
}

// FuzzAuthenticateClient checks that no credentials but the real ones pass.
func FuzzAuthenticateClient(f *testing.F) {
	st := mustOpenStore(f)
	svc := newService(f, st, oauth.AlgES256, &clock{t: time.Now()})
	c, secret, err := svc.CreateClient(context.Background(), "t", oauth.ClientInput{Name: "c", Purpose: store.PurposeAPIAccess,
		Grant: store.GrantClientCredentials, Access: []string{"user_provisioning"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.ID, secret[:len(secret)-1]+"0")
	f.Add(c.ID, "")
	f.Add("", secret)
	f.Add(c.ID+" ", secret)
	f.Fuzz(func(t *testing.T, id, s string) {
		got, err := svc.AuthenticateClient(context.Background(), oauth.Credentials{ClientID: id, Secret: s, Method: "client_secret_post"})
		ok := id == c.ID && s == secret
		if (err == nil) != ok {
			t.Fatalf("AuthenticateClient(%q, %q) = %v, want success %v", id, s, err, ok)
		}
		if err != nil && oauth.AsError(err) == nil {
			t.Fatalf("internal error: %v", err)
		}
		if err == nil && got.ID != c.ID {
			t.Fatal("wrong client")
		}
	})
}

// TestClientChangesElsewhereSeenWithinASecond: a client deleted through another
// Service on the same store (the CLI, another instance) stops working here
// within a second, though lookups are cached; one deleted here stops at once.
func TestClientChangesElsewhereSeenWithinASecond(t *testing.T) {
	st := mustOpenStore(t)
	clk := &clock{t: time.Now()}
	here := newService(t, st, oauth.AlgES256, clk)
	elsewhere := newService(t, st, oauth.AlgES256, clk)
	input := oauth.ClientInput{Name: "c", Purpose: store.PurposeAPIAccess, Grant: store.GrantClientCredentials, Access: []string{"user_provisioning"}}
	authn := func(id, secret string) error {
		_, err := here.AuthenticateClient(context.Background(), oauth.Credentials{ClientID: id, Secret: secret, Method: "client_secret_basic"})
		return err
	}

	c, secret, err := here.CreateClient(context.Background(), "t", input)
	if err != nil {
		t.Fatal(err)
	}
	if err := authn(c.ID, secret); err != nil {
		t.Fatal(err)
	}
	if err := elsewhere.DeleteClient(context.Background(), "t", c.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for authn(c.ID, secret) == nil {
		if time.Now().After(deadline) {
			t.Fatal("a client deleted elsewhere still authenticates after a second")
		}
		time.Sleep(20 * time.Millisecond)
	}

	if c, secret, err = here.CreateClient(context.Background(), "t", input); err != nil {
		t.Fatal(err)
	}
	if err := authn(c.ID, secret); err != nil {
		t.Fatal(err)
	}
	if err := here.DeleteClient(context.Background(), "t", c.ID); err != nil {
		t.Fatal(err)
	}
	if authn(c.ID, secret) == nil {
		t.Error("a client deleted through this service still authenticates")
	}
}

// TestBootstrapAdmin: the first start creates ADMIN with a generated password
// that signs in; later starts create nobody.
func TestBootstrapAdmin(t *testing.T) {
	st := mustOpenStore(t)
	svc := newService(t, st, oauth.AlgES256, &clock{t: time.Now()})
	password, err := svc.BootstrapAdmin(context.Background(), "")
	if err != nil || len(password) != 26 {
		t.Fatalf("BootstrapAdmin: %q, %v", password, err)
	}
	u, err := svc.Authenticate(context.Background(), "admin", password)
	if err != nil || !oauth.IsAdministrator(u) {
		t.Fatalf("sign-in with the generated password: %v", err)
	}
	if again, err := svc.BootstrapAdmin(context.Background(), ""); err != nil || again != "" {
		t.Errorf("second start: %q, %v; want no new administrator", again, err)
	}
}
