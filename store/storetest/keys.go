package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/appintegration/appintegration/store"
)

func testSigningKeyRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys (empty)", err)
	if len(got) != 0 {
		t.Errorf("ListSigningKeys of an empty store: got %d keys", len(got))
	}

	k1, k2 := newKey("k1"), newKey("k2")
	k2.Algorithm, k2.CreatedAt, k2.SignAt = "EdDSA", at(2), at(3)
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k1))
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k2))
	got, err = s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	key := func(k store.SigningKey) string { return k.ID }
	equalList(t, "ListSigningKeys", sortedBy(got, key), []store.SigningKey{k1, k2}, normKey)
	for _, k := range got {
		if !k.RetireAt.IsZero() || !k.ExpireAt.IsZero() {
			t.Errorf("key %s: RetireAt %v, ExpireAt %v, want zero times", k.ID, k.RetireAt, k.ExpireAt)
		}
	}

	// Retire k1.
	want := k1
	want.RetireAt, want.ExpireAt = at(10), at(20)
	want.SignAt = at(4)
	updated, err := s.UpdateSigningKey(ctx, k1.ID, func(k store.SigningKey) (store.SigningKey, error) {
		equal(t, "UpdateSigningKey: fn's argument", k, k1, normKey)
		k.RetireAt, k.ExpireAt, k.SignAt = want.RetireAt, want.ExpireAt, want.SignAt
		k.ID, k.CreatedAt = "changed", at(-100) // both kept as they were
		return k, nil
	})
	must(t, "UpdateSigningKey", err)
	equal(t, "UpdateSigningKey: result", updated, want, normKey)
	got, err = s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	equalList(t, "ListSigningKeys after update", sortedBy(got, key), []store.SigningKey{want, k2}, normKey)

	must(t, "DeleteSigningKey", s.DeleteSigningKey(ctx, k1.ID))
	got, err = s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	equalList(t, "ListSigningKeys after delete", got, []store.SigningKey{k2}, normKey)
	wantErr(t, "DeleteSigningKey twice", s.DeleteSigningKey(ctx, k1.ID), store.ErrNotFound)
}

func testSigningKeyUpdateFnError(t *testing.T, s store.Store) {
	ctx := t.Context()
	k := newKey("k1")
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k))
	_, err := s.UpdateSigningKey(ctx, k.ID, func(k store.SigningKey) (store.SigningKey, error) {
		k.RetireAt = at(9)
		return k, errTest
	})
	wantErr(t, "UpdateSigningKey with failing fn", err, errTest)
	got, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	equalList(t, "keys after failed update", got, []store.SigningKey{k}, normKey)
}

func testSigningKeyNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, newKey("other")))
	called := false
	_, err := s.UpdateSigningKey(ctx, "missing", func(k store.SigningKey) (store.SigningKey, error) {
		called = true
		return k, nil
	})
	wantErr(t, "UpdateSigningKey", err, store.ErrNotFound)
	if called {
		t.Error("UpdateSigningKey of a missing key called fn")
	}
	wantErr(t, "DeleteSigningKey", s.DeleteSigningKey(ctx, "missing"), store.ErrNotFound)
}

func testSigningKeyConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	k := newKey("k1")
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k))
	dup := newKey("k1")
	dup.Algorithm = "ES256"
	wantErr(t, "CreateSigningKey with a taken ID", s.CreateSigningKey(ctx, dup), store.ErrConflict)
	got, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	equalList(t, "keys after conflict", got, []store.SigningKey{k}, normKey)
}

// testSigningKeyIfNoneCurrent: of several concurrent callers on a store without
// a current key of an algorithm exactly one creates its key; a retired key or a
// key of another algorithm does not count as current.
func testSigningKeyIfNoneCurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	other := newKey("other-alg")
	other.Algorithm = "EdDSA"
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, other))
	retired := newKey("retired")
	retired.RetireAt, retired.ExpireAt = at(5), at(6)
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, retired))

	const callers = 8
	var wg sync.WaitGroup
	var created atomic.Int32
	for i := range callers {
		wg.Go(func() {
			k := newKey(fmt.Sprintf("first-%d", i))
			ok, err := s.CreateSigningKeyIfNoneCurrent(ctx, k)
			if err != nil {
				t.Errorf("CreateSigningKeyIfNoneCurrent: %v", err)
			}
			if ok {
				created.Add(1)
			}
		})
	}
	wg.Wait()
	if n := created.Load(); n != 1 {
		t.Errorf("%d of %d concurrent callers created a key, want exactly 1", n, callers)
	}
	keys, err := s.ListSigningKeys(ctx)
	must(t, "ListSigningKeys", err)
	if len(keys) != 3 {
		t.Errorf("%d keys stored, want 3 (other algorithm, retired, one first key)", len(keys))
	}
	ok, err := s.CreateSigningKeyIfNoneCurrent(ctx, newKey("later"))
	must(t, "CreateSigningKeyIfNoneCurrent", err)
	if ok {
		t.Error("a key was created although a current one exists")
	}
}
