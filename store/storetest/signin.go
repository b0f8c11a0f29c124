package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
)

func newSession(id, userID string) store.Session {
	return store.Session{ID: id, UserID: userID, Method: "saml", Flash: "Saved.", CreatedAt: at(0), ExpiresAt: at(8)}
}

func normSession(s store.Session) store.Session {
	s.CreatedAt, s.ExpiresAt = normTime(s.CreatedAt), normTime(s.ExpiresAt)
	return s
}

func testSession(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := newSession("s1", "u1")
	must(t, "CreateSession", s.CreateSession(ctx, want))
	wantErr(t, "CreateSession with a taken ID", s.CreateSession(ctx, newSession("s1", "u2")), store.ErrConflict)
	got, err := s.GetSession(ctx, "s1")
	must(t, "GetSession", err)
	equal(t, "GetSession", got, want, normSession)
	if got.ExpiresAt.Location() != time.UTC {
		t.Errorf("GetSession: ExpiresAt in %v, want UTC", got.ExpiresAt.Location())
	}
	_, err = s.GetSession(ctx, "S1")
	wantErr(t, "GetSession of another case", err, store.ErrNotFound)

	// UpdateSession keeps ID, UserID and CreatedAt.
	updated, err := s.UpdateSession(ctx, "s1", func(old store.Session) (store.Session, error) {
		old.ID, old.UserID, old.CreatedAt = "other", "u9", at(5)
		old.Flash, old.ExpiresAt = "", at(9)
		return old, nil
	})
	must(t, "UpdateSession", err)
	want.Flash, want.ExpiresAt = "", at(9)
	equal(t, "UpdateSession", updated, want, normSession)
	_, err = s.UpdateSession(ctx, "s1", func(store.Session) (store.Session, error) { return store.Session{}, errTest })
	wantErr(t, "UpdateSession with failing fn", err, errTest)
	got, err = s.GetSession(ctx, "s1")
	must(t, "GetSession after failed update", err)
	equal(t, "GetSession after failed update", got, want, normSession)
	_, err = s.UpdateSession(ctx, "missing", func(v store.Session) (store.Session, error) { return v, nil })
	wantErr(t, "UpdateSession of a missing session", err, store.ErrNotFound)

	must(t, "DeleteSession", s.DeleteSession(ctx, "s1"))
	_, err = s.GetSession(ctx, "s1")
	wantErr(t, "GetSession after DeleteSession", err, store.ErrNotFound)
	wantErr(t, "DeleteSession again", s.DeleteSession(ctx, "s1"), store.ErrNotFound)
}

func testDeleteUserSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, id := range []string{"a1", "a2", "a3"} {
		must(t, "CreateSession "+id, s.CreateSession(ctx, newSession(id, "alice")))
	}
	must(t, "CreateSession b1", s.CreateSession(ctx, newSession("b1", "bob")))
	n, err := s.DeleteUserSessions(ctx, "alice")
	must(t, "DeleteUserSessions", err)
	if n != 3 {
		t.Errorf("DeleteUserSessions = %d, want 3", n)
	}
	for _, id := range []string{"a1", "a2", "a3"} {
		_, err := s.GetSession(ctx, id)
		wantErr(t, "GetSession "+id+" after DeleteUserSessions", err, store.ErrNotFound)
	}
	_, err = s.GetSession(ctx, "b1")
	must(t, "GetSession of another user's session", err)
	n, err = s.DeleteUserSessions(ctx, "nobody")
	must(t, "DeleteUserSessions of a user without sessions", err)
	if n != 0 {
		t.Errorf("DeleteUserSessions of a user without sessions = %d", n)
	}
}

func newSAMLRequest(id string) store.SAMLRequest {
	return store.SAMLRequest{
		ID: id, Browser: "b0b0", IdPID: "idp-1", Purpose: store.SAMLPurposeVerify,
		UserAttribute: store.UserAttributeEmail, SAMLAttribute: "mail", Next: "/oauth/authorize?client_id=x",
		StartedBy: "u-admin", CreatedAt: at(0), ExpiresAt: at(1),
	}
}

func normSAMLRequest(r store.SAMLRequest) store.SAMLRequest {
	r.CreatedAt, r.ExpiresAt, r.UsedAt = normTime(r.CreatedAt), normTime(r.ExpiresAt), normTime(r.UsedAt)
	return r
}

func testSAMLRequestUse(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := newSAMLRequest("id-1")
	must(t, "CreateSAMLRequest", s.CreateSAMLRequest(ctx, want))
	wantErr(t, "CreateSAMLRequest with a taken ID", s.CreateSAMLRequest(ctx, newSAMLRequest("id-1")), store.ErrConflict)
	got, err := s.GetSAMLRequest(ctx, "id-1")
	must(t, "GetSAMLRequest", err)
	equal(t, "GetSAMLRequest", got, want, normSAMLRequest)
	_, err = s.GetSAMLRequest(ctx, "id-2")
	wantErr(t, "GetSAMLRequest of a missing request", err, store.ErrNotFound)

	_, err = s.UseSAMLRequest(ctx, "id-1", time.Time{})
	if err == nil {
		t.Error("UseSAMLRequest with a zero time: no error")
	}
	used, err := s.UseSAMLRequest(ctx, "id-1", at(1))
	must(t, "UseSAMLRequest", err)
	want.UsedAt = at(1)
	equal(t, "UseSAMLRequest", used, want, normSAMLRequest)
	again, err := s.UseSAMLRequest(ctx, "id-1", at(2))
	wantErr(t, "UseSAMLRequest again", err, store.ErrConflict)
	equal(t, "UseSAMLRequest again", again, want, normSAMLRequest)
	missing, err := s.UseSAMLRequest(ctx, "id-2", at(1))
	wantErr(t, "UseSAMLRequest of a missing request", err, store.ErrNotFound)
	if missing.ID != "" {
		t.Errorf("UseSAMLRequest of a missing request returned %+v", missing)
	}
}

func testSAMLRequestUseConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateSAMLRequest", s.CreateSAMLRequest(ctx, newSAMLRequest("id-c")))
	var wins, conflicts atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := s.UseSAMLRequest(ctx, "id-c", at(1))
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, store.ErrConflict):
				conflicts.Add(1)
			default:
				t.Errorf("UseSAMLRequest: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != 7 {
		t.Errorf("concurrent UseSAMLRequest: %d won, %d conflicts; want 1 and 7", wins.Load(), conflicts.Load())
	}
}

func normSSOConfig(c store.SSOConfig) store.SSOConfig {
	c.UpdatedAt, c.Verification.At = normTime(c.UpdatedAt), normTime(c.Verification.At)
	return c
}

func testSSOConfig(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.GetSSOConfig(ctx)
	must(t, "GetSSOConfig of a new store", err)
	equal(t, "GetSSOConfig of a new store", got, store.SSOConfig{}, normSSOConfig)

	want := store.SSOConfig{
		Enabled: true, IdPID: "idp-1", UserAttribute: store.UserAttributeIdpUserID, SAMLAttribute: "objectId",
		AllowIdPInitiated: true, UpdatedAt: at(2), UpdatedBy: "ADMIN",
		Verification: store.SSOVerification{IdPID: "idp-1", UserAttribute: store.UserAttributeIdpUserID,
			SAMLAttribute: "objectId", UserID: "u1", Failure: "", By: "u-admin", At: at(1)},
	}
	saved, err := s.UpdateSSOConfig(ctx, func(old store.SSOConfig) (store.SSOConfig, error) { return want, nil })
	must(t, "UpdateSSOConfig", err)
	equal(t, "UpdateSSOConfig", saved, want, normSSOConfig)
	got, err = s.GetSSOConfig(ctx)
	must(t, "GetSSOConfig", err)
	equal(t, "GetSSOConfig", got, want, normSSOConfig)

	_, err = s.UpdateSSOConfig(ctx, func(store.SSOConfig) (store.SSOConfig, error) { return store.SSOConfig{}, errTest })
	wantErr(t, "UpdateSSOConfig with failing fn", err, errTest)
	got, err = s.GetSSOConfig(ctx)
	must(t, "GetSSOConfig after failed update", err)
	equal(t, "GetSSOConfig after failed update", got, want, normSSOConfig)

	// Concurrent updates all land.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := s.UpdateSSOConfig(ctx, func(c store.SSOConfig) (store.SSOConfig, error) {
				c.UpdatedBy += "+"
				return c, nil
			})
			if err != nil {
				t.Errorf("concurrent UpdateSSOConfig: %v", err)
			}
		})
	}
	wg.Wait()
	got, err = s.GetSSOConfig(ctx)
	must(t, "GetSSOConfig after concurrent updates", err)
	if got.UpdatedBy != "ADMIN++++++++" {
		t.Errorf("after 8 concurrent updates UpdatedBy = %q, want 8 pluses", got.UpdatedBy)
	}
}

// testPruneSessions: expired sessions and SAML requests go, the others stay.
func testPruneSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := at(10)
	for id, expires := range map[string]time.Time{"gone": now.Add(-time.Second), "now": now, "later": now.Add(time.Hour)} {
		sess := newSession(id, "u1")
		sess.ExpiresAt = expires
		must(t, "CreateSession "+id, s.CreateSession(ctx, sess))
		r := newSAMLRequest(id)
		r.ExpiresAt = expires
		must(t, "CreateSAMLRequest "+id, s.CreateSAMLRequest(ctx, r))
	}
	must(t, "PruneExpired", s.PruneExpired(ctx, now))
	for id, kept := range map[string]bool{"gone": false, "now": true, "later": true} {
		_, errSession := s.GetSession(ctx, id)
		_, errRequest := s.GetSAMLRequest(ctx, id)
		if kept {
			must(t, "GetSession of a kept session "+id, errSession)
			must(t, "GetSAMLRequest of a kept request "+id, errRequest)
		} else {
			wantErr(t, "GetSession of a pruned session", errSession, store.ErrNotFound)
			wantErr(t, "GetSAMLRequest of a pruned request", errRequest, store.ErrNotFound)
		}
	}
}
