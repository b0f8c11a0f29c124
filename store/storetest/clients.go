package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
)

func testClientCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := newClient("c1")
	must(t, "CreateClient", s.CreateClient(ctx, want))

	got, err := s.GetClient(ctx, want.ID)
	must(t, "GetClient", err)
	equal(t, "GetClient", got, want, normClient)

	got, err = s.GetClientByRequestID(ctx, want.RequestID)
	must(t, "GetClientByRequestID", err)
	equal(t, "GetClientByRequestID", got, want, normClient)
}

func testClientEmptyFields(t *testing.T, s store.Store) {
	ctx := t.Context()
	// Two clients without a RequestID do not conflict, and neither is found by "".
	for _, id := range []string{"c1", "c2"} {
		want := store.Client{ID: id, Name: "n", Purpose: store.PurposeInteractive,
			Grant: store.GrantAuthorizationCode, CreatedAt: at(0), UpdatedAt: at(0)}
		must(t, "CreateClient "+id, s.CreateClient(ctx, want))
		got, err := s.GetClient(ctx, id)
		must(t, "GetClient "+id, err)
		equal(t, "GetClient "+id, got, want, normClient)
	}
	_, err := s.GetClientByRequestID(ctx, "")
	wantErr(t, `GetClientByRequestID("")`, err, store.ErrNotFound)
}

func testClientList(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.ListClients(ctx)
	must(t, "ListClients (empty)", err)
	if len(got) != 0 {
		t.Errorf("ListClients of an empty store: got %d clients", len(got))
	}

	// Created in another order than their CreatedAt: the list is oldest first.
	var want []store.Client
	for i, id := range []string{"b", "c", "a"} {
		c := newClient(id)
		c.CreatedAt = at([]int{2, 0, 1}[i])
		c.Purpose = []store.Purpose{store.PurposeAPIAccess, store.PurposeInteractive, store.PurposeTechnicalUser}[i]
		must(t, "CreateClient", s.CreateClient(ctx, c))
		want = append(want, c)
	}
	want = []store.Client{want[1], want[2], want[0]}
	got, err = s.ListClients(ctx)
	must(t, "ListClients", err)
	equalList(t, "ListClients (oldest first)", got, want, normClient)
}

func testClientUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	old := newClient("c1")
	must(t, "CreateClient", s.CreateClient(ctx, old))

	want := old
	want.Name = "Renamed"
	want.Purpose = store.PurposeTechnicalUser
	want.Grant = store.GrantSAML2Bearer
	want.Access = []string{store.AccessContentNetwork}
	// The stored secrets of a client are what fn returns: s1 goes, s2 stays
	// with a new expiry, s3 is new.
	want.Secrets = []store.ClientSecret{
		{ID: "s3-c1", Hash: []byte{1, 2, 3}, CreatedAt: at(4), LastUsedAt: at(4)},
		old.Secrets[0],
	}
	want.Secrets[1].ExpiresAt = at(100)
	want.TokenLifetime = 24 * time.Hour
	want.RefreshTokenLifetime = 180 * 24 * time.Hour
	want.RedirectURIs = []string{"https://other.example.com/cb"}
	want.UserID = "TU_OTHER"
	want.ExpiresAt = at(20 * 365 * 24)
	want.RequestID = "req-other"
	want.UpdatedAt = at(5)

	var seen store.Client
	got, err := s.UpdateClient(ctx, old.ID, func(c store.Client) (store.Client, error) {
		seen = c
		c = want
		c.ID = "changed"       // kept as it was
		c.CreatedAt = at(-100) // kept as it was
		return c, nil
	})
	must(t, "UpdateClient", err)
	equal(t, "UpdateClient: fn's argument", seen, old, normClient)
	equal(t, "UpdateClient: result", got, want, normClient)

	got, err = s.GetClient(ctx, old.ID)
	must(t, "GetClient", err)
	equal(t, "GetClient after update", got, want, normClient)
	got, err = s.GetClientByRequestID(ctx, "req-other")
	must(t, "GetClientByRequestID new", err)
	equal(t, "GetClientByRequestID new", got, want, normClient)
	_, err = s.GetClientByRequestID(ctx, old.RequestID)
	wantErr(t, "GetClientByRequestID old", err, store.ErrNotFound)
	_, err = s.GetClient(ctx, "changed")
	wantErr(t, "GetClient of the ID fn returned", err, store.ErrNotFound)

	// Clearing the lists, the RequestID and the other optional fields.
	want.Access, want.Secrets, want.RedirectURIs = nil, nil, nil
	want.RequestID, want.UserID, want.ExpiresAt, want.RefreshTokenLifetime = "", "", time.Time{}, 0
	got, err = s.UpdateClient(ctx, old.ID, func(c store.Client) (store.Client, error) {
		c.Access, c.Secrets, c.RedirectURIs = []string{}, nil, []string{}
		c.RequestID, c.UserID, c.ExpiresAt, c.RefreshTokenLifetime = "", "", time.Time{}, 0
		return c, nil
	})
	must(t, "UpdateClient clearing", err)
	equal(t, "UpdateClient clearing", got, want, normClient)
}

func testClientUpdateFnError(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := newClient("c1")
	must(t, "CreateClient", s.CreateClient(ctx, want))
	_, err := s.UpdateClient(ctx, want.ID, func(c store.Client) (store.Client, error) {
		c.Name = "not saved"
		return c, fmt.Errorf("wrapped: %w", errTest)
	})
	wantErr(t, "UpdateClient with failing fn", err, errTest)
	got, err := s.GetClient(ctx, want.ID)
	must(t, "GetClient", err)
	equal(t, "client after failed update", got, want, normClient)
}

func testClientNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateClient", s.CreateClient(ctx, newClient("other")))
	_, err := s.GetClient(ctx, "missing")
	wantErr(t, "GetClient", err, store.ErrNotFound)
	_, err = s.GetClientByRequestID(ctx, "req-missing")
	wantErr(t, "GetClientByRequestID", err, store.ErrNotFound)
	called := false
	_, err = s.UpdateClient(ctx, "missing", func(c store.Client) (store.Client, error) {
		called = true
		return c, nil
	})
	wantErr(t, "UpdateClient", err, store.ErrNotFound)
	if called {
		t.Error("UpdateClient of a missing client called fn")
	}
	wantErr(t, "DeleteClient", s.DeleteClient(ctx, "missing"), store.ErrNotFound)
}

func testClientConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := newClient("c1")
	must(t, "CreateClient", s.CreateClient(ctx, first))

	dupID := newClient("c1")
	dupID.RequestID = "req-fresh"
	wantErr(t, "CreateClient with a taken ID", s.CreateClient(ctx, dupID), store.ErrConflict)

	dupReq := newClient("c2")
	dupReq.RequestID = first.RequestID
	wantErr(t, "CreateClient with a taken RequestID", s.CreateClient(ctx, dupReq), store.ErrConflict)

	second := newClient("c3")
	must(t, "CreateClient", s.CreateClient(ctx, second))
	_, err := s.UpdateClient(ctx, second.ID, func(c store.Client) (store.Client, error) {
		c.RequestID = first.RequestID
		return c, nil
	})
	wantErr(t, "UpdateClient to a taken RequestID", err, store.ErrConflict)

	got, err := s.GetClient(ctx, second.ID)
	must(t, "GetClient", err)
	equal(t, "client after conflicting update", got, second, normClient)
	list, err := s.ListClients(ctx)
	must(t, "ListClients", err)
	if len(list) != 2 {
		t.Errorf("ListClients: got %d clients, want 2", len(list))
	}
}

func testClientDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	keep, gone := newClient("keep"), newClient("gone")
	must(t, "CreateClient", s.CreateClient(ctx, keep))
	must(t, "CreateClient", s.CreateClient(ctx, gone))
	must(t, "DeleteClient", s.DeleteClient(ctx, gone.ID))

	_, err := s.GetClient(ctx, gone.ID)
	wantErr(t, "GetClient after delete", err, store.ErrNotFound)
	_, err = s.GetClientByRequestID(ctx, gone.RequestID)
	wantErr(t, "GetClientByRequestID after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteClient twice", s.DeleteClient(ctx, gone.ID), store.ErrNotFound)
	list, err := s.ListClients(ctx)
	must(t, "ListClients", err)
	equalList(t, "ListClients after delete", list, []store.Client{keep}, normClient)

	// The ID and RequestID are free again.
	must(t, "CreateClient again", s.CreateClient(ctx, gone))
}

func testClientConcurrentUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	const goroutines, updates = 8, 10
	c := newClient("c1")
	c.TokenLifetime = 0
	must(t, "CreateClient", s.CreateClient(ctx, c))

	var wg sync.WaitGroup
	errs := make(chan error, goroutines*updates)
	for range goroutines {
		wg.Go(func() {
			for range updates {
				_, err := s.UpdateClient(ctx, c.ID, func(c store.Client) (store.Client, error) {
					c.TokenLifetime += time.Second
					return c, nil
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent UpdateClient: %v", err)
	}
	got, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	if want := goroutines * updates * time.Second; got.TokenLifetime != want {
		t.Errorf("after %d concurrent increments: TokenLifetime = %v, want %v",
			goroutines*updates, got.TokenLifetime, want)
	}
}

// testTimePrecision checks that a time with nanoseconds keeps its instant to
// within a microsecond, and that the zero time stays zero.
func testTimePrecision(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newClient("c1")
	c.CreatedAt = time.Date(2031, time.December, 31, 23, 59, 59, 999999999, zone)
	c.UpdatedAt = time.Time{}
	must(t, "CreateClient", s.CreateClient(ctx, c))
	got, err := s.GetClient(ctx, c.ID)
	must(t, "GetClient", err)
	if d := got.CreatedAt.Sub(c.CreatedAt).Abs(); d >= time.Microsecond {
		t.Errorf("CreatedAt = %v, want %v within a microsecond", got.CreatedAt, c.CreatedAt)
	}
	if loc := got.CreatedAt.Location(); loc != time.UTC {
		t.Errorf("CreatedAt in %v, want UTC", loc)
	}
	if !got.UpdatedAt.IsZero() {
		t.Errorf("UpdatedAt = %v, want the zero time", got.UpdatedAt)
	}
}
