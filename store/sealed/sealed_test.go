package sealed_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sealed"
	"github.com/appintegration/appintegration/store/sqlstore"
	"github.com/appintegration/appintegration/store/sqlstore/pgtest"
	"github.com/appintegration/appintegration/store/storetest"
)

func newKey(t testing.TB) sealed.Key {
	t.Helper()
	k, err := sealed.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// openRaw opens the database dsn names without sealing; it is closed when
// the test ends.
func openRaw(t testing.TB, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustSeal(t testing.TB, inner store.Store, k sealed.Key) (*sealed.Store, sealed.Report) {
	t.Helper()
	st, rep, err := sealed.Open(context.Background(), inner, k)
	if err != nil {
		t.Fatalf("sealed.Open: %v", err)
	}
	return st, rep
}

// TestConformance runs the store conformance suite through the decorator: a
// sealed store behaves as the store it wraps.
func TestConformance(t *testing.T) {
	k := newKey(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		st, _ := mustSeal(t, openRaw(t, sqlstore.Memory), k)
		return st
	})
}

var (
	der     = []byte("\x30\x82\x04\xbd fake PKCS #8 private key bytes, long enough to be found")
	session = bytes.Repeat([]byte{0x5e, 0x55, 0x10, 0x4e}, 16)
)

func signingKey(id string) store.SigningKey {
	now := time.Now().UTC()
	return store.SigningKey{ID: id, Algorithm: "RS256", PrivateKey: der, CreatedAt: now, SignAt: now}
}

// rawKey returns what the backend keeps as the private key of id.
func rawKey(t testing.TB, inner store.Store, id string) []byte {
	t.Helper()
	keys, err := inner.ListSigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.ID == id {
			return k.PrivateKey
		}
	}
	t.Fatalf("no signing key %s", id)
	return nil
}

func rawSecret(t testing.TB, inner store.Store, name string) []byte {
	t.Helper()
	v, err := inner.Secret(context.Background(), name, func() ([]byte, error) { return nil, errors.New("missing") })
	if err != nil {
		t.Fatalf("raw Secret(%q): %v", name, err)
	}
	return v
}

// TestValuesAreSealedAtRest: what the backend keeps is the sealed format,
// holds neither plain text, and opens to it through the store.
func TestValuesAreSealedAtRest(t *testing.T) {
	ctx := t.Context()
	inner := openRaw(t, sqlstore.Memory)
	st, rep := mustSeal(t, inner, newKey(t))
	if !rep.NewCheck || rep.Sealed != 0 {
		t.Errorf("Open of a new database: %+v, want a new check and nothing sealed", rep)
	}
	if err := st.CreateSigningKey(ctx, signingKey("k1")); err != nil {
		t.Fatal(err)
	}
	if created, err := st.CreateSigningKeyIfNoneCurrent(ctx, signingKey("k2")); err != nil || created {
		t.Fatalf("CreateSigningKeyIfNoneCurrent = %v, %v", created, err)
	}
	got, err := st.Secret(ctx, "session-keys", func() ([]byte, error) { return session, nil })
	if err != nil || !bytes.Equal(got, session) {
		t.Fatalf("Secret = %x, %v", got, err)
	}
	for _, raw := range [][]byte{rawKey(t, inner, "k1"), rawSecret(t, inner, "session-keys")} {
		if !bytes.HasPrefix(raw, []byte("\x00ais\x01")) || bytes.Contains(raw, der) || bytes.Contains(raw, session) {
			t.Errorf("kept value %x is not sealed", raw)
		}
	}
	keys, err := st.ListSigningKeys(ctx)
	if err != nil || len(keys) != 1 || !bytes.Equal(keys[0].PrivateKey, der) {
		t.Fatalf("ListSigningKeys = %+v, %v", keys, err)
	}
	updated, err := st.UpdateSigningKey(ctx, "k1", func(k store.SigningKey) (store.SigningKey, error) {
		if !bytes.Equal(k.PrivateKey, der) {
			t.Errorf("UpdateSigningKey: fn sees %x, want the opened key", k.PrivateKey)
		}
		k.RetireAt = time.Now().UTC()
		return k, nil
	})
	if err != nil || !bytes.Equal(updated.PrivateKey, der) || bytes.Equal(rawKey(t, inner, "k1"), der) {
		t.Fatalf("UpdateSigningKey = %+v, %v", updated, err)
	}
	v, err := st.UpdateSecret(ctx, "session-keys", func(v []byte) ([]byte, error) { return append(v, 1), nil })
	if err != nil || !bytes.Equal(v, append(slices.Clone(session), 1)) || bytes.Contains(rawSecret(t, inner, "session-keys"), session) {
		t.Fatalf("UpdateSecret = %x, %v", v, err)
	}
	if names, err := st.ListSecretNames(ctx); err != nil || !slices.Equal(names, []string{"session-keys"}) {
		t.Errorf("ListSecretNames = %q, %v; want the key-check value left out", names, err)
	}
	if _, err := st.Secret(ctx, sealed.CheckName, func() ([]byte, error) { return []byte("x"), nil }); err == nil {
		t.Error("Secret of the key-check value's name succeeded")
	}
}

// TestInTransactionIsSealed: the store a transaction hands out seals too.
func TestInTransactionIsSealed(t *testing.T) {
	ctx := t.Context()
	inner := openRaw(t, sqlstore.Memory)
	st, _ := mustSeal(t, inner, newKey(t))
	err := st.InTransaction(ctx, func(tx store.Store) error {
		if err := tx.CreateSigningKey(ctx, signingKey("k1")); err != nil {
			return err
		}
		_, err := tx.Secret(ctx, "s", func() ([]byte, error) { return session, nil })
		if err != nil {
			return err
		}
		keys, err := tx.ListSigningKeys(ctx)
		if err != nil || len(keys) != 1 || !bytes.Equal(keys[0].PrivateKey, der) {
			return fmt.Errorf("ListSigningKeys in the transaction = %+v, %v", keys, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if raw := rawKey(t, inner, "k1"); bytes.Equal(raw, der) {
		t.Error("a key created in a transaction is kept in plain text")
	}
	if raw := rawSecret(t, inner, "s"); bytes.Equal(raw, session) {
		t.Error("a secret created in a transaction is kept in plain text")
	}
}

// TestCiphertextIsBoundToItsRow: a sealed value copied into another row does
// not open there.
func TestCiphertextIsBoundToItsRow(t *testing.T) {
	ctx := t.Context()
	inner := openRaw(t, sqlstore.Memory)
	st, _ := mustSeal(t, inner, newKey(t))
	for _, id := range []string{"a", "b"} {
		if err := st.CreateSigningKey(ctx, signingKey(id)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Secret(ctx, "secret-"+id, func() ([]byte, error) { return session, nil }); err != nil {
			t.Fatal(err)
		}
	}
	fromA := rawKey(t, inner, "a")
	if _, err := inner.UpdateSigningKey(ctx, "b", func(k store.SigningKey) (store.SigningKey, error) {
		k.PrivateKey = fromA
		return k, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ListSigningKeys(ctx); !errors.Is(err, sealed.ErrWrongKey) {
		t.Errorf("ListSigningKeys with a key moved to another row: %v, want ErrWrongKey", err)
	}
	secretA := rawSecret(t, inner, "secret-a")
	if _, err := inner.UpdateSecret(ctx, "secret-b", func([]byte) ([]byte, error) { return secretA, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Secret(ctx, "secret-b", nil); !errors.Is(err, sealed.ErrWrongKey) {
		t.Errorf("Secret moved to another name: %v, want ErrWrongKey", err)
	}
}

// snapshot is everything a database keeps that sealing could touch, as kept.
func snapshot(t testing.TB, inner store.Store) string {
	t.Helper()
	ctx := context.Background()
	keys, err := inner.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names, err := inner.ListSecretNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "key %s %x\n", k.ID, k.PrivateKey)
	}
	for _, n := range names {
		fmt.Fprintf(&b, "secret %s %x\n", n, rawSecret(t, inner, n))
	}
	return b.String()
}

// TestWrongKeyRefusedAndNothingChanged: a database sealed with one master key
// refuses another and stays exactly as it was, plain-text values included.
func TestWrongKeyRefusedAndNothingChanged(t *testing.T) {
	ctx := t.Context()
	inner := openRaw(t, filepath.Join(t.TempDir(), "app.db"))
	right, wrong := newKey(t), newKey(t)
	st, _ := mustSeal(t, inner, right)
	if err := st.CreateSigningKey(ctx, signingKey("k1")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Secret(ctx, "session-keys", func() ([]byte, error) { return session, nil }); err != nil {
		t.Fatal(err)
	}
	// A key an older release wrote meanwhile, in plain text.
	if err := inner.CreateSigningKey(ctx, signingKey("plain")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, inner)
	if _, _, err := sealed.Open(ctx, inner, wrong); !errors.Is(err, sealed.ErrWrongKey) {
		t.Fatalf("Open with the wrong master key: %v, want ErrWrongKey", err)
	}
	if after := snapshot(t, inner); after != before {
		t.Errorf("Open with the wrong master key changed the database:\nbefore %s\nafter  %s", before, after)
	}
	// The right key seals what an older release left in plain text.
	st, rep := mustSeal(t, inner, right)
	if rep.NewCheck || rep.Sealed != 1 {
		t.Errorf("Open with the right key: %+v, want the plain-text key sealed", rep)
	}
	keys, err := st.ListSigningKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListSigningKeys = %d keys, %v", len(keys), err)
	}
	if _, _, err := sealed.Open(ctx, inner, sealed.Key{}); err == nil {
		t.Error("Open with no master key succeeded")
	}
}

// TestOpenSealsPlainDatabase: a database written before encryption (keys and
// secrets in plain text, no key-check value) is sealed on its first Open with
// a master key, and reads back the same.
func TestOpenSealsPlainDatabase(t *testing.T) {
	ctx := t.Context()
	inner := openRaw(t, sqlstore.Memory)
	for _, id := range []string{"k1", "k2"} {
		if err := inner.CreateSigningKey(ctx, signingKey(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := inner.Secret(ctx, "session-keys", func() ([]byte, error) { return session, nil }); err != nil {
		t.Fatal(err)
	}
	k := newKey(t)
	st, rep := mustSeal(t, inner, k)
	if !rep.NewCheck || rep.Sealed != 3 {
		t.Errorf("first Open: %+v, want a new check and 3 values sealed", rep)
	}
	if s := snapshot(t, inner); strings.Contains(s, fmt.Sprintf("%x", der)) || strings.Contains(s, fmt.Sprintf("%x", session)) {
		t.Errorf("after Open, plain text is kept:\n%s", s)
	}
	keys, err := st.ListSigningKeys(ctx)
	if err != nil || len(keys) != 2 || !bytes.Equal(keys[0].PrivateKey, der) || !bytes.Equal(keys[1].PrivateKey, der) {
		t.Fatalf("ListSigningKeys after sealing = %+v, %v", keys, err)
	}
	if v, err := st.Secret(ctx, "session-keys", nil); err != nil || !bytes.Equal(v, session) {
		t.Errorf("Secret after sealing = %x, %v", v, err)
	}
	if _, rep := mustSeal(t, inner, k); rep.NewCheck || rep.Sealed != 0 {
		t.Errorf("second Open: %+v, want nothing to do", rep)
	}
}

// TestRewrap: every value moves to the new master key in one go; the old key
// no longer opens the database, the new one reads the same values; a wrong
// old key changes nothing.
func TestRewrap(t *testing.T) {
	ctx := t.Context()
	inner := openRaw(t, filepath.Join(t.TempDir(), "app.db"))
	oldKey, newKey_, stranger := newKey(t), newKey(t), newKey(t)
	st, _ := mustSeal(t, inner, oldKey)
	for _, id := range []string{"k1", "k2"} {
		if err := st.CreateSigningKey(ctx, signingKey(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Secret(ctx, "session-keys", func() ([]byte, error) { return session, nil }); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, inner)
	if _, err := sealed.Rewrap(ctx, inner, stranger, newKey_); !errors.Is(err, sealed.ErrWrongKey) {
		t.Errorf("Rewrap from a key that is not the database's: %v, want ErrWrongKey", err)
	}
	if _, err := sealed.Rewrap(ctx, inner, oldKey, oldKey); err == nil {
		t.Error("Rewrap to the same key succeeded")
	}
	if snapshot(t, inner) != before {
		t.Error("a refused Rewrap changed the database")
	}
	n, err := sealed.Rewrap(ctx, inner, oldKey, newKey_)
	if err != nil || n != 4 { // two keys, the session keys, the key-check value
		t.Fatalf("Rewrap = %d, %v; want 4", n, err)
	}
	if _, _, err := sealed.Open(ctx, inner, oldKey); !errors.Is(err, sealed.ErrWrongKey) {
		t.Errorf("Open with the old key after Rewrap: %v, want ErrWrongKey", err)
	}
	st, _ = mustSeal(t, inner, newKey_)
	keys, err := st.ListSigningKeys(ctx)
	if err != nil || len(keys) != 2 || !bytes.Equal(keys[1].PrivateKey, der) {
		t.Fatalf("ListSigningKeys after Rewrap = %+v, %v", keys, err)
	}
	if v, err := st.Secret(ctx, "session-keys", nil); err != nil || !bytes.Equal(v, session) {
		t.Errorf("Secret after Rewrap = %x, %v", v, err)
	}
	if fresh := openRaw(t, sqlstore.Memory); true {
		if _, err := sealed.Rewrap(ctx, fresh, oldKey, newKey_); err == nil || errors.Is(err, sealed.ErrWrongKey) {
			t.Errorf("Rewrap of a database never sealed: %v, want the error that says to open it first", err)
		}
	}
}

// TestConcurrentOpen: processes opening one new database at once agree on one
// key-check value; of two master keys racing, one wins and the other is
// refused.
func TestConcurrentOpen(t *testing.T) {
	dsns := map[string]func(t *testing.T) string{
		"SQLite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "app.db") },
	}
	if pgtest.Available(t) {
		dsns["PostgreSQL"] = func(t *testing.T) string { return pgtest.URL(t) }
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			inners := make([]*sqlstore.DB, 6)
			for i := range inners {
				inners[i] = openRaw(t, d)
			}
			if err := inners[0].CreateSigningKey(t.Context(), signingKey("plain")); err != nil {
				t.Fatal(err)
			}
			a, b := newKey(t), newKey(t)
			keys := []sealed.Key{a, a, a, b, b, b}
			errs := make([]error, len(inners))
			reports := make([]sealed.Report, len(inners))
			var wg sync.WaitGroup
			for i := range inners {
				wg.Go(func() { _, reports[i], errs[i] = sealed.Open(t.Context(), inners[i], keys[i]) })
			}
			wg.Wait()
			var won []sealed.Key
			newChecks, sealedValues := 0, 0
			for i, err := range errs {
				switch {
				case err == nil:
					won = append(won, keys[i])
					if reports[i].NewCheck {
						newChecks++
					}
					sealedValues += reports[i].Sealed
				case !errors.Is(err, sealed.ErrWrongKey):
					t.Errorf("Open %d: %v", i, err)
				}
			}
			if len(won) != 3 || !won[0].Equal(won[1]) || !won[0].Equal(won[2]) || newChecks != 1 || sealedValues != 1 {
				t.Errorf("%d opens succeeded (%d made the check, %d values sealed); want the 3 of one key, 1 check, 1 value", len(won), newChecks, sealedValues)
			}
		})
	}
}

// fixture holds what release 1 wrote in plain text (see
// store/sqlstore/testdata/README.md).
type fixture struct {
	Keys    []store.SigningKey
	Secrets map[string][]byte
}

func readFixture(t *testing.T, name string) fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "sqlstore", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Keys) == 0 || len(f.Secrets) == 0 {
		t.Fatalf("%s holds no key or secret", name)
	}
	return f
}

// TestReleaseOneDatabaseIsSealed opens databases written by release 1, before
// encryption (SQLite, and a PostgreSQL dump): the first Open with a master key
// seals their signing key and session keys, which then read back as they
// were; after Compact no byte of them is left in the SQLite file or its WAL.
func TestReleaseOneDatabaseIsSealed(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join("..", "sqlstore", "testdata", "v1.sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "app.db")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		f := readFixture(t, "v1-sqlite.json")
		if !filesHold(t, f, path) {
			t.Fatal("the fixture does not hold its keys in plain text: the test would prove nothing")
		}
		inner := openRaw(t, path)
		checkSealed(t, inner, f)
		if err := inner.Compact(t.Context()); err != nil {
			t.Fatal(err)
		}
		if filesHold(t, f, path, path+"-wal") {
			t.Error("after sealing and Compact, the database files still hold a key in plain text")
		}
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		url := pgtest.URL(t)
		dump, err := os.ReadFile(filepath.Join("..", "sqlstore", "testdata", "v1-postgres.sql"))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.ExecContext(t.Context(), string(dump)); err != nil {
			t.Fatalf("restore dump: %v", err)
		}
		checkSealed(t, openRaw(t, url), readFixture(t, "v1-postgres.json"))
	})
}

// checkSealed opens inner with a new master key and checks that f's keys and
// secrets are sealed and read back.
func checkSealed(t *testing.T, inner store.Store, f fixture) {
	t.Helper()
	ctx := t.Context()
	st, rep := mustSeal(t, inner, newKey(t))
	if !rep.NewCheck || rep.Sealed != len(f.Keys)+len(f.Secrets) {
		t.Errorf("Open of a release 1 database: %+v, want a new check and %d values sealed", rep, len(f.Keys)+len(f.Secrets))
	}
	keys, err := st.ListSigningKeys(ctx)
	if err != nil || len(keys) != len(f.Keys) {
		t.Fatalf("ListSigningKeys = %d keys, %v", len(keys), err)
	}
	for i, k := range keys {
		if !bytes.Equal(k.PrivateKey, f.Keys[i].PrivateKey) {
			t.Errorf("signing key %s does not read back as release 1 wrote it", k.ID)
		}
		if raw := rawKey(t, inner, k.ID); bytes.Contains(raw, f.Keys[i].PrivateKey[:64]) {
			t.Errorf("signing key %s is kept in plain text", k.ID)
		}
	}
	for name, want := range f.Secrets {
		if v, err := st.Secret(ctx, name, nil); err != nil || !bytes.Equal(v, want) {
			t.Errorf("Secret(%q) = %x, %v; want release 1's value", name, v, err)
		}
		if raw := rawSecret(t, inner, name); bytes.Contains(raw, want) {
			t.Errorf("secret %q is kept in plain text", name)
		}
	}
}

// filesHold reports whether any of files holds a key or secret of f, as
// bytes, hex or base64.
func filesHold(t *testing.T, f fixture, files ...string) bool {
	t.Helper()
	var needles [][]byte
	for _, k := range f.Keys {
		needles = append(needles, k.PrivateKey)
	}
	for _, v := range f.Secrets {
		needles = append(needles, v)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(b, n) || bytes.Contains(b, []byte(fmt.Sprintf("%x", n))) ||
				bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString(n))) {
				return true
			}
		}
	}
	return false
}

// TestEveryStoreMethodIsDecided fails when store.Store gains a method that
// this package neither seals nor has judged to carry no key material: a new
// method must be looked at here.
func TestEveryStoreMethodIsDecided(t *testing.T) {
	sealedHere := []string{"CreateSigningKey", "CreateSigningKeyIfNoneCurrent", "ListSigningKeys",
		"UpdateSigningKey", "Secret", "ListSecretNames", "UpdateSecret", "InTransaction"}
	noKeys := []string{
		// clients (secrets only as SHA-256 hashes), roles, users (bcrypt hashes)
		"CreateClient", "GetClient", "GetClientByRequestID", "ListClients", "SearchClients", "UpdateClient",
		"UpdateClientWithUser", "DeleteClient", "CreateClientWithUser", "RecordSecretUse", "ListRoles",
		"CreateUser", "CreateUsers", "GetUser", "GetUserByName", "SearchUsers", "QueryUsers", "GetUserByIdpUserID",
		"GetUserByEmail", "UpdateUser", "DeleteUser", "CreateUserIfNoneHasRole",
		"DeleteSigningKey",
		// token records are kept by hashes and IDs; IdPs hold public certificates
		"RevokeToken", "IsRevoked", "CreateAuthCode", "UseAuthCode", "CreateRefreshToken", "UseRefreshToken",
		"CreateIdentityProvider", "GetIdentityProvider", "ListIdentityProviders", "UpdateIdentityProvider",
		"DeleteIdentityProvider", "UseAssertionID", "AssertionIDUsed", "AppendAudit", "ListAudit",
		"PruneExpired", "Close",
		// sessions are kept by the hash of their ID (flash messages hold no
		// secret); SAML requests and the sign-on configuration hold IDs
		"CreateSession", "GetSession", "UpdateSession", "DeleteSession", "DeleteUserSessions",
		"CreateSAMLRequest", "GetSAMLRequest", "UseSAMLRequest", "GetSSOConfig", "UpdateSSOConfig",
	}
	iface := reflect.TypeFor[store.Store]()
	for i := range iface.NumMethod() {
		name := iface.Method(i).Name
		if !slices.Contains(sealedHere, name) && !slices.Contains(noKeys, name) {
			t.Errorf("store.Store.%s is new: decide whether it carries key material and seal it in package sealed, then list it in this test", name)
		}
	}
	impl := reflect.TypeFor[*sealed.Store]()
	for _, name := range sealedHere {
		if _, ok := impl.MethodByName(name); !ok {
			t.Errorf("sealed.Store has no method %s", name)
		}
	}
}

// TestKeyText: a key file's base64 is read in either alphabet, with or
// without padding and white space; anything but 32 bytes is refused; a key
// never prints its bytes.
func TestKeyText(t *testing.T) {
	k := newKey(t)
	raw, err := base64.StdEncoding.DecodeString(k.Encode())
	if err != nil || len(raw) != sealed.KeySize {
		t.Fatalf("Encode = %d bytes, %v", len(raw), err)
	}
	for _, text := range []string{
		k.Encode(), k.Encode() + "\n", "  " + strings.TrimRight(k.Encode(), "=") + "\r\n",
		base64.URLEncoding.EncodeToString(raw), base64.RawURLEncoding.EncodeToString(raw),
	} {
		got, err := sealed.ParseKey([]byte(text))
		if err != nil || !got.Equal(k) {
			t.Errorf("ParseKey(%q) = %v, %v; want the key", text, got, err)
		}
	}
	for _, text := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(raw[:16]),
		base64.StdEncoding.EncodeToString(append(raw, 0))} {
		if _, err := sealed.ParseKey([]byte(text)); err == nil {
			t.Errorf("ParseKey(%q) succeeded", text)
		} else if len(text) > 8 && strings.Contains(err.Error(), text) {
			t.Errorf("ParseKey's error holds the text: %v", err)
		}
	}
	hexKey := fmt.Sprintf("%x", raw)
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		if out := fmt.Sprintf(f, k); strings.Contains(out, hexKey) || strings.Contains(out, k.Encode()) || strings.Contains(out, string(raw)) {
			t.Errorf("fmt %s prints the key: %s", f, out)
		}
	}
	if (sealed.Key{}).Equal(k) || !(sealed.Key{}).IsZero() || k.IsZero() {
		t.Error("the zero Key is not told apart")
	}
}
