package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/appintegration/appintegration/store"
)

// testClientSecrets checks that a client's secrets are saved as its update
// returns them, and that of a stored secret only the expiry changes.
func testClientSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newClient("c1")
	must(t, "CreateClient", s.CreateClient(ctx, c))
	got, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	equal(t, "secrets after CreateClient", got.Secrets, c.Secrets, func(l []store.ClientSecret) []store.ClientSecret {
		return mapSlice(l, normSecret)
	})

	want := c.Secrets[0]
	want.ExpiresAt = at(50)
	got, err = s.UpdateClient(ctx, c.ID, func(c store.Client) (store.Client, error) {
		s := c.Secrets[0]
		s.Hash, s.CreatedAt, s.LastUsedAt, s.ExpiresAt = []byte("changed"), at(-5), at(-5), at(50)
		c.Secrets = []store.ClientSecret{s}
		return c, nil
	})
	must(t, "UpdateClient", err)
	equalList(t, "secrets after an update that changes a stored one", got.Secrets, []store.ClientSecret{want}, normSecret)

	// A secret ID is unique among all clients; a write that takes one writes nothing.
	other := newClient("c2")
	other.Secrets[1].ID = want.ID
	wantErr(t, "CreateClient with a taken secret ID", s.CreateClient(ctx, other), store.ErrConflict)
	_, err = s.GetClient(ctx, other.ID)
	wantErr(t, "GetClient of the client whose secret ID was taken", err, store.ErrNotFound)
	third := newClient("c3")
	must(t, "CreateClient", s.CreateClient(ctx, third))
	_, err = s.UpdateClient(ctx, third.ID, func(c store.Client) (store.Client, error) {
		c.Secrets = append(c.Secrets, store.ClientSecret{ID: want.ID, Hash: []byte{9}, CreatedAt: at(9)})
		return c, nil
	})
	wantErr(t, "UpdateClient adding a taken secret ID", err, store.ErrConflict)
	got, err = s.GetClient(ctx, third.ID)
	must(t, "GetClient", err)
	equal(t, "client after the conflicting update", got, third, normClient)

	// Every read has them.
	byRequest, err := s.GetClientByRequestID(ctx, third.RequestID)
	must(t, "GetClientByRequestID", err)
	equal(t, "GetClientByRequestID", byRequest, third, normClient)
	page, _, err := s.SearchClients(ctx, store.PageQuery{Search: "c3", Limit: 10})
	must(t, "SearchClients", err)
	equalList(t, "SearchClients", page, []store.Client{third}, normClient)

	// They go with their client.
	must(t, "DeleteClient", s.DeleteClient(ctx, c.ID))
	reuse := newClient("c4")
	reuse.Secrets[0].ID = want.ID
	must(t, "CreateClient with the secret ID of a deleted client", s.CreateClient(ctx, reuse))
}

func testRecordSecretUse(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newClient("c1") // s2-c1 never used, s1-c1 last used at(1)
	must(t, "CreateClient", s.CreateClient(ctx, c))
	must(t, "RecordSecretUse of nothing", s.RecordSecretUse(ctx, nil))
	must(t, "RecordSecretUse", s.RecordSecretUse(ctx, []store.SecretUse{
		{ID: "s1-c1", At: at(5)}, {ID: "s2-c1", At: at(3)}, {ID: "gone", At: at(5)},
	}))
	must(t, "RecordSecretUse of an earlier use", s.RecordSecretUse(ctx, []store.SecretUse{{ID: "s1-c1", At: at(2)}}))
	got, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	want := slices.Clone(c.Secrets)
	want[0].LastUsedAt, want[1].LastUsedAt = at(3), at(5)
	equalList(t, "secrets after RecordSecretUse", got.Secrets, want, normSecret)

	// An update keeps the recorded use whatever fn returns.
	got, err = s.UpdateClient(ctx, c.ID, func(c store.Client) (store.Client, error) {
		c.Secrets[0].LastUsedAt = at(-1)
		return c, nil
	})
	must(t, "UpdateClient", err)
	equalList(t, "secrets after UpdateClient", got.Secrets, want, normSecret)
}

func testPruneClientSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := at(10)
	c := newClient("c1")
	c.Secrets = []store.ClientSecret{
		{ID: "current", Hash: []byte{1}, CreatedAt: at(9)},
		{ID: "expires-now", Hash: []byte{2}, CreatedAt: at(8), ExpiresAt: now},
		{ID: "gone", Hash: []byte{3}, CreatedAt: at(7), ExpiresAt: at(9)},
	}
	must(t, "CreateClient", s.CreateClient(ctx, c))
	must(t, "PruneExpired", s.PruneExpired(ctx, now))
	got, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	equalList(t, "secrets after PruneExpired", got.Secrets, c.Secrets[:2], normSecret)
}

func testSecretUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	names, err := s.ListSecretNames(ctx)
	must(t, "ListSecretNames (empty)", err)
	if len(names) != 0 {
		t.Errorf("ListSecretNames of an empty store = %q", names)
	}
	for _, name := range []string{"b", "a", "B"} {
		_, err := s.Secret(ctx, name, func() ([]byte, error) { return []byte("value " + name), nil })
		must(t, "Secret "+name, err)
	}
	names, err = s.ListSecretNames(ctx)
	must(t, "ListSecretNames", err)
	if !slices.Equal(names, []string{"B", "a", "b"}) {
		t.Errorf("ListSecretNames = %q, want [B a b] (byte order)", names)
	}

	got, err := s.UpdateSecret(ctx, "a", func(v []byte) ([]byte, error) {
		if string(v) != "value a" {
			t.Errorf("UpdateSecret: fn got %q, want %q", v, "value a")
		}
		return []byte("new a"), nil
	})
	must(t, "UpdateSecret", err)
	if string(got) != "new a" {
		t.Errorf("UpdateSecret = %q, want %q", got, "new a")
	}
	_, err = s.UpdateSecret(ctx, "b", func(v []byte) ([]byte, error) { return []byte("not kept"), fmt.Errorf("x: %w", errTest) })
	wantErr(t, "UpdateSecret with a failing fn", err, errTest)
	for name, want := range map[string]string{"a": "new a", "b": "value b"} {
		v, err := s.Secret(ctx, name, func() ([]byte, error) { return nil, errTest })
		must(t, "Secret "+name, err)
		if !bytes.Equal(v, []byte(want)) {
			t.Errorf("Secret(%q) after UpdateSecret = %q, want %q", name, v, want)
		}
	}
	called := false
	_, err = s.UpdateSecret(ctx, "missing", func(v []byte) ([]byte, error) { called = true; return v, nil })
	wantErr(t, "UpdateSecret of a missing name", err, store.ErrNotFound)
	if called {
		t.Error("UpdateSecret of a missing name called fn")
	}
}
