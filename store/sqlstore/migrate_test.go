package sqlstore_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
	"github.com/appintegration/appintegration/store/sqlstore/pgtest"
)

// fixture is what the store code of release 1 (commit af164f7, which had a
// backend per engine) read back from the databases in testdata right after
// it wrote them; testdata/README.md says how they were made.
type fixture struct {
	Clients       []store.Client
	Users         []store.User
	Roles         []store.Role
	Keys          []store.SigningKey
	IdPs          []store.IdentityProvider
	Audit         []store.AuditEvent
	Secrets       map[string][]byte
	AuthCodes     []store.AuthCode
	RefreshTokens []store.RefreshToken
	Revoked       []string
	Assertions    [][2]string
}

func readFixture(t *testing.T, name string) fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("decode fixture: %v", err)
	}
	// Release 1 kept a client's one secret hash on the client; migration 0006
	// moved it to client_secrets, created when the client was.
	var hashes struct{ Clients []struct{ SecretHash []byte } }
	if err := json.Unmarshal(b, &hashes); err != nil {
		t.Fatalf("decode fixture: %v", err)
	}
	for i, c := range hashes.Clients {
		if len(c.SecretHash) > 0 {
			f.Clients[i].Secrets = []store.ClientSecret{{Hash: c.SecretHash, CreatedAt: f.Clients[i].CreatedAt}}
		}
	}
	return f
}

// TestMigrateSQLiteFromRelease1 opens a SQLite file written by release 1 and
// checks that the migrations keep every record, and that lookups and writes
// work on the migrated schema.
func TestMigrateSQLiteFromRelease1(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "v1.sqlite"))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	path := filepath.Join(t.TempDir(), "app.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := migrationsApplied(t, path); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("fixture has migrations %v, want [1 2]", got)
	}
	checkRelease1(t, path, readFixture(t, "v1-sqlite.json"))
}

// TestMigratePostgresFromRelease1 restores a pg_dump of a database written by
// release 1 into a new schema and checks it as the SQLite test does.
func TestMigratePostgresFromRelease1(t *testing.T) {
	url := pgtest.URL(t)
	dump, err := os.ReadFile(filepath.Join("testdata", "v1-postgres.sql"))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	raw := rawOpen(t, url)
	if _, err := raw.ExecContext(t.Context(), string(dump)); err != nil {
		t.Fatalf("restore dump: %v", err)
	}
	if got := migrationsApplied(t, url); !slices.Equal(got, []int{1}) {
		t.Fatalf("fixture has migrations %v, want [1]", got)
	}
	checkRelease1(t, url, readFixture(t, "v1-postgres.json"))
}

func checkRelease1(t *testing.T, dsn string, want fixture) {
	ctx := t.Context()
	db := mustOpen(t, dsn)
	if got, want := migrationsApplied(t, dsn), allMigrations(t, dsn); !slices.Equal(got, want) {
		t.Errorf("migrations after Open = %v, want %v", got, want)
	}

	// 0005: clients from before Require PKCE existed require it, as they
	// did then.
	for i := range want.Clients {
		want.Clients[i].RequirePKCE = true
	}
	var got fixture
	var err error
	if got.Clients, err = db.ListClients(ctx); err != nil {
		t.Fatalf("ListClients: %v", err)
	}
	for i, c := range got.Clients {
		for j, sec := range c.Secrets {
			if sec.ID == "" {
				t.Errorf("client %s: a migrated secret has no ID", c.ID)
			}
			got.Clients[i].Secrets[j].ID = "" // random; the fixture cannot know it
		}
	}
	if got.Users, _, err = db.QueryUsers(ctx, store.UserQuery{Limit: 1000}); err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	if got.Roles, err = db.ListRoles(ctx); err != nil {
		t.Fatalf("ListRoles: %v", err)
	}
	if got.Keys, err = db.ListSigningKeys(ctx); err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	if got.IdPs, err = db.ListIdentityProviders(ctx); err != nil {
		t.Fatalf("ListIdentityProviders: %v", err)
	}
	if got.Audit, err = db.ListAudit(ctx, store.AuditFilter{Limit: 1000}); err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"clients", got.Clients, want.Clients},
		{"users", got.Users, want.Users},
		{"roles", got.Roles, want.Roles},
		{"signing keys", got.Keys, want.Keys},
		{"identity providers", got.IdPs, want.IdPs},
		{"audit", got.Audit, want.Audit},
	} {
		if g, w := canonical(t, c.got), canonical(t, c.want); !reflect.DeepEqual(g, w) {
			t.Errorf("%s after migration:\n got  %v\n want %v", c.what, g, w)
		}
	}
	for name, value := range want.Secrets {
		v, err := db.Secret(ctx, name, func() ([]byte, error) { return nil, errors.New("generated anew") })
		if err != nil || string(v) != string(value) {
			t.Errorf("Secret(%q) = %x, %v; want the stored value", name, v, err)
		}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, c := range want.AuthCodes {
		gotC, err := db.UseAuthCode(ctx, c.ID, c.ClientID, now)
		if c.UsedAt.IsZero() {
			c.UsedAt = now
			if err != nil {
				t.Errorf("UseAuthCode(%s…): %v", c.ID[:8], err)
			}
		} else if !errors.Is(err, store.ErrConflict) {
			t.Errorf("UseAuthCode(%s…) of a used code: %v, want ErrConflict", c.ID[:8], err)
		}
		if g, w := canonical(t, gotC), canonical(t, c); !reflect.DeepEqual(g, w) {
			t.Errorf("auth code after migration:\n got  %v\n want %v", g, w)
		}
	}
	for _, rt := range want.RefreshTokens {
		gotT, err := db.UseRefreshToken(ctx, rt.ID, rt.ClientID, now)
		rt.UsedAt = now
		if g, w := canonical(t, gotT), canonical(t, rt); err != nil || !reflect.DeepEqual(g, w) {
			t.Errorf("refresh token after migration: %v\n got  %v\n want %v", err, g, w)
		}
	}
	for _, id := range want.Revoked {
		if revoked, err := db.IsRevoked(ctx, id); err != nil || !revoked {
			t.Errorf("IsRevoked(%q) = %v, %v; want true", id, revoked, err)
		}
	}
	for _, a := range want.Assertions {
		if used, err := db.AssertionIDUsed(ctx, a[0], a[1]); err != nil || !used {
			t.Errorf("AssertionIDUsed(%q, %q) = %v, %v; want true", a[0], a[1], used, err)
		}
	}

	// The lookups that the migration moved to new tables and indexes.
	for _, u := range want.Users {
		if got, err := db.GetUserByName(ctx, strings.ToLower(u.UserName)); err != nil || got.ID != u.ID {
			t.Errorf("GetUserByName(%q) = %q, %v; want %q", strings.ToLower(u.UserName), got.ID, err, u.ID)
		}
		for _, e := range u.Emails {
			if got, err := db.GetUserByEmail(ctx, strings.ToUpper(e.Value)); err != nil || got.ID != u.ID {
				t.Errorf("GetUserByEmail(%q) = %q, %v; want %q", strings.ToUpper(e.Value), got.ID, err, u.ID)
			}
		}
		if u.IdpUserID != "" {
			if got, err := db.GetUserByIdpUserID(ctx, u.IdpUserID); err != nil || got.ID != u.ID {
				t.Errorf("GetUserByIdpUserID(%q) = %q, %v; want %q", u.IdpUserID, got.ID, err, u.ID)
			}
		}
	}
	if created, err := db.CreateUserIfNoneHasRole(ctx, store.User{ID: "new-admin", UserName: "ADMIN2"}, store.RoleAdministrator); err != nil || created {
		t.Errorf("CreateUserIfNoneHasRole(DW Administrator) = %v, %v; want false: a migrated user holds it", created, err)
	}
	if err := db.CreateUser(ctx, store.User{ID: "dup", UserName: strings.ToLower(want.Users[0].UserName)}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateUser with a migrated userName in another case: %v, want ErrConflict", err)
	}
	if err := db.CreateIdentityProvider(ctx, store.IdentityProvider{ID: "dup", Name: strings.ToUpper(want.IdPs[0].Name),
		ProviderName: "x"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateIdentityProvider with a migrated name in another case: %v, want ErrConflict", err)
	}
	// A migrated user is updated and its roles found by the new index.
	u := want.Users[len(want.Users)-1]
	updated, err := db.UpdateUser(ctx, u.ID, func(u store.User) (store.User, error) {
		u.Roles = append(u.Roles, store.RoleSpaceAdministrator)
		return u, nil
	})
	if err != nil || updated.Version != u.Version+1 || !slices.Contains(updated.Roles, store.RoleSpaceAdministrator) {
		t.Errorf("UpdateUser of a migrated user = %+v, %v", updated, err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("IntegrityCheck: %v", err)
	}
}

// allMigrations returns the versions of every migration of dsn's engine.
func allMigrations(t *testing.T, dsn string) []int {
	t.Helper()
	dir := "sqlite"
	if sqlstore.IsPostgresURL(dsn) {
		dir = "postgres"
	}
	names, err := filepath.Glob(filepath.Join("migrations", dir, "*.sql"))
	if err != nil || len(names) == 0 {
		t.Fatalf("migrations of %s: %v", dir, err)
	}
	versions := make([]int, len(names))
	for i, name := range names {
		prefix, _, _ := strings.Cut(filepath.Base(name), "_")
		v, err := strconv.Atoi(prefix)
		if err != nil {
			t.Fatalf("migration %s: %v", name, err)
		}
		versions[i] = v
	}
	return versions
}

// canonical returns v as generic JSON with empty lists and zero times made
// alike, so that records compare equal when they hold the same data.
func canonical(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case []any:
			if len(x) == 0 {
				return nil
			}
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			for k := range x {
				x[k] = walk(x[k])
			}
		}
		return v
	}
	return walk(out)
}
