package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/appintegration/appintegration/store"
)

func testRevocation(t *testing.T, s store.Store) {
	ctx := t.Context()
	revoked, err := s.IsRevoked(ctx, "jti-1")
	must(t, "IsRevoked", err)
	if revoked {
		t.Error("IsRevoked of a token never revoked: true")
	}

	r := store.Revocation{TokenID: "jti-1", ClientID: "c1", ExpiresAt: at(1)}
	must(t, "RevokeToken", s.RevokeToken(ctx, r))
	must(t, "RevokeToken again", s.RevokeToken(ctx, r))
	r.ExpiresAt = at(2)
	must(t, "RevokeToken again, other expiry", s.RevokeToken(ctx, r))

	for id, want := range map[string]bool{"jti-1": true, "jti-2": false, "JTI-1": false} {
		revoked, err := s.IsRevoked(ctx, id)
		must(t, "IsRevoked "+id, err)
		if revoked != want {
			t.Errorf("IsRevoked(%q) = %v, want %v", id, revoked, want)
		}
	}
}

func testSecret(t *testing.T, s store.Store) {
	ctx := t.Context()
	calls := 0
	gen := func(v string) func() ([]byte, error) {
		return func() ([]byte, error) {
			calls++
			return []byte(v), nil
		}
	}
	got, err := s.Secret(ctx, "session", gen("first"))
	must(t, "Secret", err)
	if string(got) != "first" || calls != 1 {
		t.Errorf("Secret on first use = %q after %d calls of gen, want %q after 1", got, calls, "first")
	}
	got, err = s.Secret(ctx, "session", gen("second"))
	must(t, "Secret again", err)
	if string(got) != "first" || calls != 1 {
		t.Errorf("Secret on second use = %q after %d calls of gen, want %q after 1", got, calls, "first")
	}
	got, err = s.Secret(ctx, "csrf", gen("other"))
	must(t, "Secret of another name", err)
	if string(got) != "other" || calls != 2 {
		t.Errorf("Secret of another name = %q after %d calls of gen, want %q after 2", got, calls, "other")
	}

	binary := []byte{0x00, 0xFF, 0x10, 0x00}
	got, err = s.Secret(ctx, "binary", func() ([]byte, error) { return binary, nil })
	must(t, "Secret binary", err)
	if !bytes.Equal(got, binary) {
		t.Errorf("Secret binary = %x, want %x", got, binary)
	}
}

func testSecretGenError(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.Secret(ctx, "session", func() ([]byte, error) { return nil, errTest })
	wantErr(t, "Secret with failing gen", err, errTest)
	// Nothing was kept: the next call generates.
	got, err := s.Secret(ctx, "session", func() ([]byte, error) { return []byte("v"), nil })
	must(t, "Secret after failed gen", err)
	if string(got) != "v" {
		t.Errorf("Secret after failed gen = %q, want %q", got, "v")
	}
}

func testSecretConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const callers = 8
	var (
		wg    sync.WaitGroup
		n     atomic.Int32
		found = make([][]byte, callers)
	)
	for i := range callers {
		wg.Go(func() {
			v, err := s.Secret(ctx, "shared", func() ([]byte, error) {
				return fmt.Appendf(nil, "value-%d-%d", i, n.Add(1)), nil
			})
			if err != nil {
				t.Errorf("Secret caller %d: %v", i, err)
			}
			found[i] = v
		})
	}
	wg.Wait()
	for i, v := range found {
		if len(v) == 0 || !bytes.Equal(v, found[0]) {
			t.Errorf("concurrent Secret: caller %d got %q, caller 0 got %q", i, v, found[0])
		}
	}
	again, err := s.Secret(ctx, "shared", func() ([]byte, error) { return []byte("late"), nil })
	must(t, "Secret after concurrent use", err)
	if !bytes.Equal(again, found[0]) {
		t.Errorf("Secret after concurrent use = %q, want %q", again, found[0])
	}
}

// appendEvents appends n events, with actions cycling through actions, and
// returns them in the order appended.
func appendEvents(t *testing.T, s store.Store, n int, actions ...string) []store.AuditEvent {
	t.Helper()
	var events []store.AuditEvent
	for i := range n {
		e := store.AuditEvent{
			ID:     999, // ignored: the store assigns IDs
			Time:   at(i),
			Actor:  "ADMIN",
			Action: actions[i%len(actions)],
			Target: fmt.Sprintf("target-%d", i),
			Detail: fmt.Sprintf("detail %d", i),
		}
		must(t, "AppendAudit", s.AppendAudit(t.Context(), e))
		events = append(events, e)
	}
	return events
}

// checkNewestFirst checks that got holds, in order, want newest first (want is
// in the order appended), with IDs assigned and descending.
func checkNewestFirst(t *testing.T, what string, got, want []store.AuditEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d events, want %d", what, len(got), len(want))
	}
	for i, g := range got {
		w := want[len(want)-1-i]
		w.ID = g.ID
		equal(t, fmt.Sprintf("%s[%d]", what, i), g, w, normAudit)
		if g.ID == 0 || (i > 0 && g.ID >= got[i-1].ID) {
			t.Errorf("%s[%d]: ID %d, want non-zero and below the previous one", what, i, g.ID)
		}
	}
}

func testAuditOrder(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.ListAudit(ctx, store.AuditFilter{})
	must(t, "ListAudit (empty)", err)
	if len(got) != 0 {
		t.Errorf("ListAudit of an empty store: got %d events", len(got))
	}
	events := appendEvents(t, s, 5, "client.created", "client.deleted")
	// The time does not decide the order: an event appended later with an
	// earlier time is still the newest.
	late := store.AuditEvent{Time: at(-50), Actor: "cli", Action: "user.created", Target: "t"}
	must(t, "AppendAudit", s.AppendAudit(ctx, late))
	events = append(events, late)
	// Several events appended at once keep their order.
	several := []store.AuditEvent{
		{Time: at(-10), Actor: "scim", Action: "user.created", Target: "x1"},
		{Time: at(-20), Actor: "scim", Action: "user.created", Target: "x2"},
		{Time: at(-10), Actor: "scim", Action: "user.created", Target: "x3"},
	}
	must(t, "AppendAudit of several", s.AppendAudit(ctx, several...))
	must(t, "AppendAudit of none", s.AppendAudit(ctx))
	events = append(events, several...)

	got, err = s.ListAudit(ctx, store.AuditFilter{})
	must(t, "ListAudit", err)
	checkNewestFirst(t, "ListAudit", got, events)
}

func testAuditFilter(t *testing.T, s store.Store) {
	ctx := t.Context()
	events := appendEvents(t, s, 7, "client.created", "client.deleted", "user.created")
	var created []store.AuditEvent
	for _, e := range events {
		if e.Action == "client.created" {
			created = append(created, e)
		}
	}
	got, err := s.ListAudit(ctx, store.AuditFilter{Action: "client.created"})
	must(t, "ListAudit by action", err)
	checkNewestFirst(t, "ListAudit by action", got, created)

	got, err = s.ListAudit(ctx, store.AuditFilter{Action: "client.created", Limit: 2})
	must(t, "ListAudit by action with limit", err)
	checkNewestFirst(t, "ListAudit by action with limit", got, created[len(created)-2:])

	for _, action := range []string{"client", "CLIENT.CREATED", "none"} {
		got, err = s.ListAudit(ctx, store.AuditFilter{Action: action})
		must(t, "ListAudit "+action, err)
		if len(got) != 0 {
			t.Errorf("ListAudit(Action: %q): got %d events, want 0 (exact match)", action, len(got))
		}
	}
}

func testAuditLimit(t *testing.T, s store.Store) {
	ctx := t.Context()
	events := appendEvents(t, s, 101, "a")
	got, err := s.ListAudit(ctx, store.AuditFilter{Limit: 3})
	must(t, "ListAudit limit 3", err)
	checkNewestFirst(t, "ListAudit limit 3", got, events[len(events)-3:])

	got, err = s.ListAudit(ctx, store.AuditFilter{})
	must(t, "ListAudit default limit", err)
	checkNewestFirst(t, "ListAudit default limit", got, events[1:])
}

func testAuditLimitCap(t *testing.T, s store.Store) {
	events := appendEvents(t, s, 1001, "a")
	got, err := s.ListAudit(t.Context(), store.AuditFilter{Limit: 5000})
	must(t, "ListAudit limit 5000", err)
	checkNewestFirst(t, "ListAudit limit 5000", got, events[1:])
}
