package main_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sealed"
	"github.com/appintegration/appintegration/store/sqlstore"
	"github.com/appintegration/appintegration/store/sqlstore/pgtest"
)

// stop ends the server with SIGTERM and waits until it has exited.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop within 20 s of SIGTERM")
	}
}

// runBinary runs the binary with extra environment entries and returns its
// stdout, stderr and exit status.
func runBinary(t *testing.T, env []string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		status = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), status
}

func writeKeyFile(t *testing.T, k sealed.Key) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte(k.Encode()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func generateKey(t *testing.T) sealed.Key {
	t.Helper()
	k, err := sealed.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readKey(t *testing.T, path string) sealed.Key {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := sealed.ParseKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// rawState is what a database keeps that the master key protects, as kept,
// with the number of clients: what a refused start must leave as it was.
func rawState(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys, err := db.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names, err := db.ListSecretNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := db.ListClients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "key %s %s %x\n", k.ID, k.RetireAt, k.PrivateKey)
	}
	for _, n := range names {
		v, err := db.Secret(ctx, n, func() ([]byte, error) { return nil, errors.New("missing") })
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "secret %s %x\n", n, v)
	}
	fmt.Fprintf(&b, "%d clients\n", len(clients))
	return b.String()
}

// TestMasterKeyGeneratedOnFirstStart: without a master key the first start
// makes <data>/master.key (0600) and says so once; later starts use it; the
// key itself is never logged.
func TestMasterKeyGeneratedOnFirstStart(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	path := filepath.Join(data, "master.key")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key file: %v, %v; want mode 0600", fi, err)
	}
	key := readKey(t, path)
	srv.stop(t)
	first := srv.out.String()
	srv = startServer(t, data)
	srv.stop(t)
	if n := strings.Count(first, "generated a new master key"); n != 1 {
		t.Errorf("the first start says %d times that it generated a master key, want once:\n%s", n, first)
	}
	logs := srv.out.String()
	if strings.Contains(logs, "generated a new master key") {
		t.Errorf("the second start says it generated a master key")
	}
	if !strings.Contains(logs, `"master_key":"`+path+`"`) {
		t.Errorf("the listening line does not name the master key file:\n%s", logs)
	}
	if strings.Contains(logs, strings.TrimRight(key.Encode(), "=")) {
		t.Error("the log holds the master key")
	}
}

// TestWrongMasterKeyRefusedAndNothingChanged: a server or command started
// with another master key than the database's refuses to start with an error
// that says what to do, and changes nothing (a key file it generated is
// removed again); the right key then works as before.
func TestWrongMasterKeyRefusedAndNothingChanged(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	cl := createCLIClient(t, data, srv.url)
	srv.stop(t)
	db := filepath.Join(data, "appintegration.db")
	before := rawState(t, db)

	keyFile := filepath.Join(data, "master.key")
	lost := filepath.Join(t.TempDir(), "master.key")
	if err := os.Rename(keyFile, lost); err != nil {
		t.Fatal(err)
	}
	_, stderr, status := runBinary(t, nil, "serve", "--data", data, "--addr", freeAddr(t), "--metrics-addr", "")
	if status != 1 || !strings.Contains(stderr, "does not open the keys") || !strings.Contains(stderr, "removed again") {
		t.Errorf("serve without the master key: exit %d\n%s", status, stderr)
	}
	if _, err := os.Stat(keyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused start left a master key file behind: %v", err)
	}
	wrong := []string{"APPINT_MASTER_KEY=" + generateKey(t).Encode()}
	for _, args := range [][]string{
		{"serve", "--data", data, "--addr", freeAddr(t), "--metrics-addr", ""},
		{"clients", "list", "--data", data},
		{"keys", "rotate", "--data", data},
	} {
		_, stderr, status := runBinary(t, wrong, args...)
		if status != 1 || !strings.Contains(stderr, "does not open the keys") || !strings.Contains(stderr, "APPINT_MASTER_KEY") {
			t.Errorf("%s with a wrong master key: exit %d\n%s", args[0], status, stderr)
		}
	}
	if after := rawState(t, db); after != before {
		t.Errorf("refused starts changed the database:\nbefore %s\nafter  %s", before, after)
	}

	if err := os.Rename(lost, keyFile); err != nil {
		t.Fatal(err)
	}
	srv = startServer(t, data)
	if code, body := token(t, srv.url, cl.ID, cl.Secret); code != 200 {
		t.Errorf("token with the right master key: %d %v", code, body)
	}
}

// TestWrongMasterKeyRefusedOnPostgres: instances on one PostgreSQL database
// must share the master key; one started with another refuses to start, and
// the running one is not disturbed.
func TestWrongMasterKeyRefusedOnPostgres(t *testing.T) {
	db := pgtest.URL(t)
	keyFile := writeKeyFile(t, generateKey(t))
	srv := startServer(t, t.TempDir(), "--db", db, "--master-key-file", keyFile)
	cl := createdClient{}
	out, stderr, status := runBinary(t, []string{"APPINT_MASTER_KEY_FILE=" + keyFile}, "clients", "create", "--db", db,
		"--name", "pg", "--access", "user_provisioning", "--json")
	if status != 0 || json.Unmarshal([]byte(out), &cl) != nil {
		t.Fatalf("clients create: %d %s", status, stderr)
	}
	before := rawState(t, db)
	_, stderr, status = runBinary(t, []string{"APPINT_MASTER_KEY_FILE=" + writeKeyFile(t, generateKey(t))},
		"serve", "--db", db, "--data", t.TempDir(), "--addr", freeAddr(t), "--metrics-addr", "")
	if status != 1 || !strings.Contains(stderr, "does not open the keys") || !strings.Contains(stderr, "every instance") {
		t.Errorf("a second instance with another master key: exit %d\n%s", status, stderr)
	}
	if after := rawState(t, db); after != before {
		t.Errorf("the refused instance changed the database:\nbefore %s\nafter  %s", before, after)
	}
	if code, body := token(t, srv.url, cl.ID, cl.Secret); code != 200 {
		t.Errorf("the running instance after the refused one: %d %v", code, body)
	}
}

// jwks returns the key set a server publishes.
func jwks(t *testing.T, base string) jose.JSONWebKeySet {
	t.Helper()
	var set jose.JSONWebKeySet
	getJSON(t, base+"/oauth/token_keys", &set)
	return set
}

// TestKeysRewrap re-encrypts the keys under a new master key while the
// server runs: it goes on issuing tokens with the keys it holds; after a
// restart the old master key is refused and the new one opens the same keys
// (a token from before verifies, the console session keys are the same).
func TestKeysRewrap(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	cl := createCLIClient(t, data, srv.url)
	code, body := token(t, srv.url, cl.ID, cl.Secret)
	if code != 200 {
		t.Fatalf("token: %d %v", code, body)
	}
	before, _ := body["access_token"].(string)
	db := filepath.Join(data, "appintegration.db")
	oldKey := readKey(t, filepath.Join(data, "master.key"))
	keys := openedKeys(t, db, oldKey)

	newFile := filepath.Join(t.TempDir(), "new.key")
	out, stderr, status := runBinary(t, nil, "keys", "rewrap", "--data", data, "--new-master-key-file", newFile)
	if status != 0 || !strings.Contains(out, "Generated a new master key in "+newFile) || !strings.Contains(out, "Re-encrypted 4 keys") ||
		!strings.Contains(out, "mv "+newFile) {
		t.Fatalf("keys rewrap: exit %d\n%s%s", status, out, stderr)
	}
	if fi, err := os.Stat(newFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new master key file: %v, %v", fi, err)
	}
	// The running server still holds the keys it read before.
	time.Sleep(1100 * time.Millisecond) // past the keys' re-read interval
	if code, body := token(t, srv.url, cl.ID, cl.Secret); code != 200 {
		t.Errorf("token from the server that holds the old master key, after the rewrap: %d %v", code, body)
	}
	if _, stderr, status := runBinary(t, nil, "keys", "rewrap", "--data", data, "--new-master-key-file", newFile); status == 0 {
		t.Errorf("a second rewrap from the old master key succeeded:\n%s", stderr)
	}
	srv.stop(t)

	if _, stderr, status := runBinary(t, nil, "serve", "--data", data, "--addr", freeAddr(t), "--metrics-addr", ""); status != 1 ||
		!strings.Contains(stderr, "does not open the keys") {
		t.Errorf("serve with the old master key after the rewrap: exit %d\n%s", status, stderr)
	}
	if got := openedKeys(t, db, readKey(t, newFile)); !slices.Equal(got, keys) {
		t.Error("the keys opened with the new master key are not those the old one opened")
	}
	srv = startServer(t, data, "--master-key-file", newFile)
	verifyWithJWKS(t, before, jwks(t, srv.url))
	if code, body := token(t, srv.url, cl.ID, cl.Secret); code != 200 {
		t.Errorf("token after the restart with the new master key: %d %v", code, body)
	}
}

// openedKeys returns, in order, every signing key's private key and every
// secret of the database as the master key k opens them.
func openedKeys(t *testing.T, dsn string, k sealed.Key) []string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, _, err := sealed.Open(ctx, db, k)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	keys, err := st.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		out = append(out, string(key.PrivateKey))
	}
	names, err := st.ListSecretNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		v, err := st.Secret(ctx, n, func() ([]byte, error) { return nil, errors.New("missing") })
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n+"="+string(v))
	}
	return out
}

// plainKeys is what a database must not hold in plain text: every signing
// key's DER and every secret (the session keys, and each of their two
// 32-byte halves, the HMAC and the AES key), as the master key opens them.
func plainKeys(t *testing.T, dsn string, k sealed.Key) [][]byte {
	t.Helper()
	var out [][]byte
	for _, v := range openedKeys(t, dsn, k) {
		if _, secret, ok := strings.Cut(v, "="); ok && strings.HasPrefix(v, "session-keys=") {
			out = append(out, []byte(secret), []byte(secret[:32]), []byte(secret[32:]))
			continue
		}
		out = append(out, []byte(v))
	}
	return out
}

// found returns a description of the first needle in haystack, as bytes, as
// lower-case hex (how pg_dump writes bytea) or as base64; "" for none.
func found(haystack []byte, needles [][]byte) string {
	for i, n := range needles {
		for enc, v := range map[string][]byte{
			"bytes": n, "hex": fmt.Appendf(nil, "%x", n),
			"base64": []byte(base64.StdEncoding.EncodeToString(n)), "base64url": []byte(base64.RawURLEncoding.EncodeToString(n)),
		} {
			if bytes.Contains(haystack, v) {
				return fmt.Sprintf("needle %d (%d bytes) as %s", i, len(n), enc)
			}
		}
	}
	return ""
}

// grepFiles fails t when one of files holds one of needles.
func grepFiles(t *testing.T, needles [][]byte, files ...string) {
	t.Helper()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if what := found(b, needles); what != "" {
			t.Errorf("%s holds a key in plain text: %s", filepath.Base(f), what)
		}
	}
}

// rotateAll adds a signing key of every algorithm through the command line.
func rotateAll(t *testing.T, env []string, args ...string) {
	t.Helper()
	for _, alg := range []string{"ES256", "EdDSA"} {
		if _, stderr, status := runBinary(t, env, append([]string{"keys", "rotate", "--signing-alg", alg, "--publish-for", "0s"}, args...)...); status != 0 {
			t.Fatalf("keys rotate %s: %s", alg, stderr)
		}
	}
}

// TestDatabaseFilesHoldNoKey greps the SQLite database file, its WAL and
// shared-memory file (while the server runs, and after it stopped) for every
// private key's DER bytes and the session keys, in bytes, hex and base64:
// none may appear. A control run on a database without the master key shows
// that the grep finds them there.
func TestDatabaseFilesHoldNoKey(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	rotateAll(t, nil, "--data", data)
	a := signIn(t, srv.url) // a console session, signed with the session keys
	if _, _, ok := a.createClient("grep"); !ok {
		t.Fatal("create client failed")
	}
	fetchSPMetadata(t, srv.url) // generates the SAML service provider's two keys
	db := filepath.Join(data, "appintegration.db")
	needles := plainKeys(t, db, readKey(t, filepath.Join(data, "master.key")))
	if len(needles) != 3+3+1+2 {
		t.Fatalf("%d keys and secrets to look for, want 3 signing keys, the session keys (3 needles), the CSRF key and the SAML SP's 2 keys", len(needles))
	}
	files := []string{db, db + "-wal", db + "-shm"}
	grepFiles(t, needles, files...)
	srv.stop(t)
	grepFiles(t, needles, files...)

	// Control: the same keys written by a store without sealing are found.
	plain := filepath.Join(t.TempDir(), "plain.db")
	writePlain(t, plain, needles)
	b, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	if wal, err := os.ReadFile(plain + "-wal"); err == nil {
		b = append(b, wal...)
	}
	for i, n := range needles {
		if found(b, [][]byte{n}) == "" {
			t.Errorf("control: needle %d not found in a database that keeps it in plain text", i)
		}
	}
}

// writePlain keeps needles in the database dsn without sealing, as signing
// keys.
func writePlain(t *testing.T, dsn string, needles [][]byte) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	for i, n := range needles {
		if err := db.CreateSigningKey(ctx, store.SigningKey{ID: fmt.Sprint("plain-", i), Algorithm: "RS256",
			PrivateKey: n, CreatedAt: now, SignAt: now}); err != nil {
			t.Fatal(err)
		}
	}
}

// pgDump finds pg_dump: on PATH, else in Debian's PostgreSQL directories. It
// skips t when there is none, or fails it in CI, where .ci/postgres.sh
// installs PostgreSQL with it.
func pgDump(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("pg_dump"); err == nil {
		return p
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump"); len(m) > 0 {
		slices.Sort(m)
		return m[len(m)-1]
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("pg_dump is not installed; .ci/postgres.sh installs PostgreSQL with it")
	}
	t.Skip("pg_dump is not installed")
	return ""
}

// dumpSchema returns pg_dump's plain dump of the schema of the test database
// URL u (its search_path).
func dumpSchema(t *testing.T, u string) []byte {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	schema := parsed.Query().Get("search_path")
	base, err := url.Parse(pgtest.BaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), pgDump(t), "--schema="+schema, "--no-owner", "--no-privileges", base.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, stderr.String())
	}
	if !bytes.Contains(out, []byte("signing_keys")) {
		t.Fatalf("the dump holds no signing_keys table:\n%.500s", out)
	}
	return out
}

// TestPostgresDumpHoldsNoKey greps a pg_dump of a PostgreSQL database that a
// server uses for every private key's DER bytes and the session keys: none
// may appear. A control dump of a database without the master key holds them.
func TestPostgresDumpHoldsNoKey(t *testing.T) {
	pgtest.BaseURL(t)
	pgDump(t)
	db := pgtest.URL(t)
	keyFile := writeKeyFile(t, generateKey(t))
	srv := startServer(t, t.TempDir(), "--db", db, "--master-key-file", keyFile)
	env := []string{"APPINT_MASTER_KEY_FILE=" + keyFile}
	rotateAll(t, env, "--db", db)
	a := signIn(t, srv.url)
	if _, _, ok := a.createClient("grep"); !ok {
		t.Fatal("create client failed")
	}
	fetchSPMetadata(t, srv.url) // generates the SAML service provider's two keys
	needles := plainKeys(t, db, readKey(t, keyFile))
	if len(needles) != 3+3+1+2 {
		t.Fatalf("%d keys and secrets to look for, want 3 signing keys, the session keys (3 needles), the CSRF key and the SAML SP's 2 keys", len(needles))
	}
	if what := found(dumpSchema(t, db), needles); what != "" {
		t.Errorf("the pg_dump holds a key in plain text: %s", what)
	}

	plain := pgtest.URL(t)
	writePlain(t, plain, needles)
	dump := dumpSchema(t, plain)
	for i, n := range needles {
		if found(dump, [][]byte{n}) == "" {
			t.Errorf("control: needle %d not found in the dump of a database that keeps it in plain text", i)
		}
	}
}

// TestPlainDatabaseSealedOnFirstStart starts the server on a database that
// release 1 wrote, before encryption: the first start with a master key
// seals its signing key and session keys, says so, leaves no byte of them in
// the database files, and goes on serving with them (the old key is still
// published, an old console session cookie's keys still sign).
func TestPlainDatabaseSealedOnFirstStart(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "store", "sqlstore", "testdata", "v1.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Keys    []store.SigningKey
		Secrets map[string][]byte
	}
	fb, err := os.ReadFile(filepath.Join("..", "..", "store", "sqlstore", "testdata", "v1-sqlite.json"))
	if err != nil || json.Unmarshal(fb, &fixture) != nil || len(fixture.Keys) == 0 || len(fixture.Secrets["session-keys"]) != 64 {
		t.Fatalf("fixture: %v", err)
	}
	var needles [][]byte
	for _, k := range fixture.Keys {
		needles = append(needles, k.PrivateKey)
	}
	sk := fixture.Secrets["session-keys"]
	needles = append(needles, sk, sk[:32], sk[32:])
	if found(b, needles) == "" {
		t.Fatal("the release 1 database holds no key in plain text: the test would prove nothing")
	}
	data := t.TempDir()
	db := filepath.Join(data, "appintegration.db")
	if err := os.WriteFile(db, b, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, data)
	if !strings.Contains(srv.out.String(), "encrypted keys that an older release kept in plain text") {
		t.Errorf("the first start does not say it encrypted the old keys:\n%s", srv.out)
	}
	set := jwks(t, srv.url)
	if len(set.Key(fixture.Keys[0].ID)) != 1 {
		t.Errorf("the release 1 signing key %s is not published after sealing", fixture.Keys[0].ID)
	}
	files := []string{db, db + "-wal", db + "-shm"}
	grepFiles(t, needles, files...)
	srv.stop(t)
	grepFiles(t, needles, files...)
	got := openedKeys(t, db, readKey(t, filepath.Join(data, "master.key")))
	if !slices.Contains(got, string(fixture.Keys[0].PrivateKey)) || !slices.Contains(got, "session-keys="+string(sk)) {
		t.Error("the sealed keys do not open to release 1's")
	}
}

// fetchSPMetadata gets the SAML service provider's metadata, whose keys the
// server generates on first use.
func fetchSPMetadata(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/saml/metadata")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /saml/metadata: %d", resp.StatusCode)
	}
}
