package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
)

// singleUse is what the suite needs to test authorization codes and refresh
// tokens, which share their single-use semantics.
type singleUse[T any] struct {
	kind    string // in messages
	newRec  func(id string) T
	create  func(ctx context.Context, s store.Store, rec T) error
	use     func(ctx context.Context, s store.Store, id, clientID string, now time.Time) (T, error)
	client  func(rec T) string
	withUse func(rec T, usedAt time.Time) T
	usedAt  func(rec T) time.Time
	norm    func(T) T
}

var authCodes = singleUse[store.AuthCode]{
	kind:   "auth code",
	newRec: newAuthCode,
	create: func(ctx context.Context, s store.Store, c store.AuthCode) error { return s.CreateAuthCode(ctx, c) },
	use: func(ctx context.Context, s store.Store, id, clientID string, now time.Time) (store.AuthCode, error) {
		return s.UseAuthCode(ctx, id, clientID, now)
	},
	client:  func(c store.AuthCode) string { return c.ClientID },
	withUse: func(c store.AuthCode, usedAt time.Time) store.AuthCode { c.UsedAt = usedAt; return c },
	usedAt:  func(c store.AuthCode) time.Time { return c.UsedAt },
	norm:    normAuthCode,
}

var refreshTokens = singleUse[store.RefreshToken]{
	kind:   "refresh token",
	newRec: newRefreshToken,
	create: func(ctx context.Context, s store.Store, r store.RefreshToken) error {
		return s.CreateRefreshToken(ctx, r)
	},
	use: func(ctx context.Context, s store.Store, id, clientID string, now time.Time) (store.RefreshToken, error) {
		return s.UseRefreshToken(ctx, id, clientID, now)
	},
	client:  func(r store.RefreshToken) string { return r.ClientID },
	withUse: func(r store.RefreshToken, usedAt time.Time) store.RefreshToken { r.UsedAt = usedAt; return r },
	usedAt:  func(r store.RefreshToken) time.Time { return r.UsedAt },
	norm:    normRefreshToken,
}

func testAuthCodeUse(t *testing.T, s store.Store)           { testUse(t, s, authCodes) }
func testAuthCodeUseConcurrent(t *testing.T, s store.Store) { testUseConcurrent(t, s, authCodes) }
func testRefreshTokenUse(t *testing.T, s store.Store)       { testUse(t, s, refreshTokens) }
func testRefreshTokenUseConcurrent(t *testing.T, s store.Store) {
	testUseConcurrent(t, s, refreshTokens)
}

// testUse checks a round trip of every field, that the first use marks the
// record used and returns it, that a later use returns the record as first
// used with ErrConflict, and the ErrNotFound and ErrConflict paths.
func testUse[T any](t *testing.T, s store.Store, k singleUse[T]) {
	ctx := t.Context()
	rec, other := k.newRec("r1"), k.newRec("r2")
	must(t, "create "+k.kind, k.create(ctx, s, rec))
	must(t, "create "+k.kind, k.create(ctx, s, other))

	// A use by another client finds nothing, returns the zero record (it
	// must not learn the code's family or user) and leaves it unused.
	var zero T
	got, err := k.use(ctx, s, "r1", "another-client", at(4))
	wantErr(t, "use of a "+k.kind+" by another client", err, store.ErrNotFound)
	equal(t, "use of a "+k.kind+" by another client returns", got, zero, k.norm)

	// Expiry is the caller's to check: a use after ExpiresAt still succeeds.
	first := at(5)
	want := k.withUse(rec, first)
	got, err = k.use(ctx, s, "r1", k.client(rec), first)
	must(t, "first use of "+k.kind, err)
	equal(t, "first use of "+k.kind, got, want, k.norm)
	if loc := k.usedAt(got).Location(); loc != time.UTC {
		t.Errorf("first use of %s: UsedAt in %v, want UTC", k.kind, loc)
	}

	for _, now := range []time.Time{at(6), first} {
		got, err = k.use(ctx, s, "r1", k.client(rec), now)
		wantErr(t, "second use of "+k.kind, err, store.ErrConflict)
		equal(t, "second use of "+k.kind+" returns the record as first used", got, want, k.norm)
	}

	// The other record is untouched.
	got, err = k.use(ctx, s, "r2", k.client(other), at(7))
	must(t, "use of another "+k.kind, err)
	equal(t, "use of another "+k.kind, got, k.withUse(other, at(7)), k.norm)

	got, err = k.use(ctx, s, "missing", k.client(rec), at(5))
	wantErr(t, "use of a missing "+k.kind, err, store.ErrNotFound)
	equal(t, "use of a missing "+k.kind+" returns", got, zero, k.norm)
	_, err = k.use(ctx, s, "R1", k.client(rec), at(5))
	wantErr(t, "use of a "+k.kind+" by an ID differing in case", err, store.ErrNotFound)

	dup := k.newRec("r1")
	wantErr(t, "create "+k.kind+" with a taken ID", k.create(ctx, s, dup), store.ErrConflict)
	got, err = k.use(ctx, s, "r1", k.client(rec), at(8))
	wantErr(t, "use after a conflicting create", err, store.ErrConflict)
	equal(t, k.kind+" after a conflicting create", got, want, k.norm)
}

// testUseConcurrent checks that of concurrent uses of one record exactly one
// succeeds and every other gets ErrConflict with the record as the winner
// used it.
func testUseConcurrent[T any](t *testing.T, s store.Store, k singleUse[T]) {
	ctx := t.Context()
	const callers = 8
	must(t, "create "+k.kind, k.create(ctx, s, k.newRec("r1")))

	var wg sync.WaitGroup
	got := make([]T, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() { got[i], errs[i] = k.use(ctx, s, "r1", k.client(k.newRec("r1")), at(10+i)) })
	}
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("concurrent use of %s: callers %d and %d both succeeded", k.kind, winner, i)
			}
			winner = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("concurrent use of %s, caller %d: %v, want ErrConflict", k.kind, i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("concurrent use of %s: no caller succeeded", k.kind)
	}
	want := k.withUse(k.newRec("r1"), at(10+winner))
	for i := range callers {
		if errs[i] == nil || errors.Is(errs[i], store.ErrConflict) {
			equal(t, "record returned to a concurrent caller", got[i], want, k.norm)
		}
	}
}

func testUseAssertionID(t *testing.T, s store.Store) {
	ctx := t.Context()
	used, err := s.AssertionIDUsed(ctx, "idp-a", "_id1")
	must(t, "AssertionIDUsed", err)
	if used {
		t.Error("AssertionIDUsed of an unrecorded ID = true")
	}
	must(t, "UseAssertionID", s.UseAssertionID(ctx, "idp-a", "_id1", at(1)))
	for _, c := range []struct {
		issuer, id string
		want       bool
	}{{"idp-a", "_id1", true}, {"idp-b", "_id1", false}, {"idp-a", "_ID1", false}} {
		used, err := s.AssertionIDUsed(ctx, c.issuer, c.id)
		must(t, "AssertionIDUsed", err)
		if used != c.want {
			t.Errorf("AssertionIDUsed(%q, %q) = %v, want %v", c.issuer, c.id, used, c.want)
		}
	}
	wantErr(t, "UseAssertionID replayed", s.UseAssertionID(ctx, "idp-a", "_id1", at(1)), store.ErrConflict)
	wantErr(t, "UseAssertionID replayed with another expiry",
		s.UseAssertionID(ctx, "idp-a", "_id1", at(2)), store.ErrConflict)
	// The ID is unique per issuer only.
	must(t, "UseAssertionID of another issuer", s.UseAssertionID(ctx, "idp-b", "_id1", at(1)))
	must(t, "UseAssertionID of another ID", s.UseAssertionID(ctx, "idp-a", "_id2", at(1)))
}

// testPruneExpired checks that PruneExpired removes, of each kind of record,
// those that expired before now and only those.
func testPruneExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := at(10)
	cases := []struct {
		id        string
		expiresAt time.Time
		kept      bool
	}{
		{"long-gone", at(-1000), false},
		{"just-gone", now.Add(-time.Second), false},
		{"expires-now", now, true},
		{"later", now.Add(time.Hour), true},
	}
	for _, c := range cases {
		must(t, "RevokeToken "+c.id, s.RevokeToken(ctx,
			store.Revocation{TokenID: c.id, ClientID: "c1", ExpiresAt: c.expiresAt}))
		code := newAuthCode(c.id)
		code.ExpiresAt = c.expiresAt
		must(t, "CreateAuthCode "+c.id, s.CreateAuthCode(ctx, code))
		token := newRefreshToken(c.id)
		token.ExpiresAt = c.expiresAt
		must(t, "CreateRefreshToken "+c.id, s.CreateRefreshToken(ctx, token))
		must(t, "UseAssertionID "+c.id, s.UseAssertionID(ctx, "idp", c.id, c.expiresAt))
	}
	// A used code or token is kept until it expires: a replay must still be seen.
	_, err := s.UseAuthCode(ctx, "later", newAuthCode("later").ClientID, at(9))
	must(t, "UseAuthCode later", err)
	_, err = s.UseRefreshToken(ctx, "later", newRefreshToken("later").ClientID, at(9))
	must(t, "UseRefreshToken later", err)

	must(t, "PruneExpired", s.PruneExpired(ctx, now))
	for _, c := range cases {
		revoked, err := s.IsRevoked(ctx, c.id)
		must(t, "IsRevoked "+c.id, err)
		if revoked != c.kept {
			t.Errorf("after PruneExpired: IsRevoked(%q) = %v, want %v", c.id, revoked, c.kept)
		}
		// A kept record is found (used or not); a pruned one is gone, and its
		// assertion ID may be recorded again.
		_, errCode := s.UseAuthCode(ctx, c.id, newAuthCode(c.id).ClientID, at(11))
		_, errToken := s.UseRefreshToken(ctx, c.id, newRefreshToken(c.id).ClientID, at(11))
		errAssertion := s.UseAssertionID(ctx, "idp", c.id, c.expiresAt)
		if c.kept {
			if c.id == "later" {
				wantErr(t, "UseAuthCode of a kept used code", errCode, store.ErrConflict)
				wantErr(t, "UseRefreshToken of a kept used token", errToken, store.ErrConflict)
			} else {
				must(t, "UseAuthCode of a kept code "+c.id, errCode)
				must(t, "UseRefreshToken of a kept token "+c.id, errToken)
			}
			wantErr(t, "UseAssertionID of a kept ID "+c.id, errAssertion, store.ErrConflict)
		} else {
			wantErr(t, "UseAuthCode of a pruned code "+c.id, errCode, store.ErrNotFound)
			wantErr(t, "UseRefreshToken of a pruned token "+c.id, errToken, store.ErrNotFound)
			must(t, "UseAssertionID of a pruned ID "+c.id, errAssertion)
		}
	}
	must(t, "PruneExpired with nothing to prune", s.PruneExpired(t.Context(), at(-2000)))
}
