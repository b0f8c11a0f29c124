package oauth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

func createAPIClient(t *testing.T, svc *oauth.Service) (store.Client, string) {
	t.Helper()
	c, secret, err := svc.CreateClient(context.Background(), "t", oauth.ClientInput{Name: "c", Purpose: store.PurposeAPIAccess,
		Grant: store.GrantClientCredentials, Access: []string{"user_provisioning"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, secret
}

// authenticates reports whether secret authenticates client id now.
func authenticates(t *testing.T, svc *oauth.Service, id, secret string) bool {
	t.Helper()
	_, err := svc.AuthenticateClient(context.Background(), oauth.Credentials{ClientID: id, Secret: secret, Method: "client_secret_basic"})
	if err != nil && oauth.AsError(err) == nil {
		t.Fatal(err)
	}
	return err == nil
}

// TestRotateSecretRules: the bounds of the old secret's lifetime, at most two
// working secrets, no rotation of an expired Technical User client, and
// revoking needs an old secret; refusals change nothing.
func TestRotateSecretRules(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, oauth.AlgES256, clk)
	c, first := createAPIClient(t, svc)

	for _, d := range []time.Duration{time.Hour - time.Second, 30*24*time.Hour + time.Second, 90 * time.Minute / 7} {
		if _, _, err := svc.RotateSecret(ctx, "t", c.ID, d); oauth.AsValidationError(err) == nil ||
			oauth.AsValidationError(err).Fields[oauth.FieldOldSecretExpires] == "" {
			t.Errorf("RotateSecret with the old secret kept %v: %v, want a field error", d, err)
		}
	}
	if _, err := svc.RevokeOldSecret(ctx, "t", c.ID); oauth.AsValidationError(err) == nil {
		t.Errorf("RevokeOldSecret without an old secret: %v, want a validation error", err)
	}
	rotated, second, err := svc.RotateSecret(ctx, "admin", c.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	newRec, oldRec := byExpiry(rotated.Secrets)
	if len(rotated.Secrets) != 2 || newRec.CreatedAt.IsZero() || !newRec.ExpiresAt.IsZero() ||
		!oldRec.ExpiresAt.Equal(clk.Now().Add(oauth.DefaultOldSecretLifetime)) || second == first {
		t.Fatalf("after RotateSecret: %+v", rotated.Secrets)
	}
	if !authenticates(t, svc, c.ID, first) || !authenticates(t, svc, c.ID, second) {
		t.Error("after a rotation, the old and the new secret must both work")
	}
	if _, _, err := svc.RotateSecret(ctx, "t", c.ID, time.Hour); oauth.AsValidationError(err) == nil ||
		!strings.Contains(oauth.AsValidationError(err).Fields[oauth.FieldSecrets], "Revoke the old secret") {
		t.Errorf("a third secret: %v, want the advice to revoke the old one", err)
	}
	if got, _ := st.GetClient(ctx, c.ID); len(got.Secrets) != 2 {
		t.Errorf("a refused rotation changed the secrets: %+v", got.Secrets)
	}
	events, err := st.ListAudit(ctx, store.AuditFilter{Action: "client.secret_rotated"})
	if err != nil || len(events) != 1 || events[0].Actor != "admin" || strings.Contains(events[0].Detail, second) {
		t.Errorf("audit of the rotation: %+v, %v", events, err)
	}

	// Once the old secret expired, a new rotation drops it and needs no revoke.
	clk.Add(oauth.DefaultOldSecretLifetime)
	again, third, err := svc.RotateSecret(ctx, "t", c.ID, 2*time.Hour)
	if _, old := byExpiry(again.Secrets); err != nil || len(again.Secrets) != 2 || old.ID != newRec.ID {
		t.Fatalf("rotation after the old secret expired: %+v, %v", again.Secrets, err)
	}
	if _, err := svc.RevokeOldSecret(ctx, "admin", c.ID); err != nil {
		t.Fatal(err)
	}
	if !authenticates(t, svc, c.ID, third) || authenticates(t, svc, c.ID, second) || authenticates(t, svc, c.ID, first) {
		t.Error("after revoking the old secret, only the newest may work")
	}

	// An expired Technical User client is extended, not rotated.
	tu, _, err := svc.CreateClient(ctx, "t", oauth.ClientInput{Name: "tu", Purpose: store.PurposeTechnicalUser,
		UserID: "TU_ROTATE", Roles: []string{store.RoleIntegrator}})
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(100 * 24 * time.Hour)
	if _, _, err := svc.RotateSecret(ctx, "t", tu.ID, 0); oauth.AsValidationError(err) == nil ||
		!strings.Contains(oauth.AsValidationError(err).Fields[oauth.FieldSecrets], "Extend its expiry") {
		t.Errorf("rotation of an expired Technical User client: %v", err)
	}
	if _, _, err := svc.RotateSecret(ctx, "t", "sb-missing", 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rotation of a missing client: %v, want ErrNotFound", err)
	}
}

// byExpiry returns the secret without an expiry (a rotation's new one) and
// another one.
func byExpiry(secrets []store.ClientSecret) (current, other store.ClientSecret) {
	for _, s := range secrets {
		if s.ExpiresAt.IsZero() {
			current = s
		} else {
			other = s
		}
	}
	return current, other
}

// TestExtendingExpiredTechnicalUserDropsEverySecret: the rule for expired
// Technical User clients stays: a new secret, and every old one (also the
// old secret of a rotation) stops at once.
func TestExtendingExpiredTechnicalUserDropsEverySecret(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, oauth.AlgES256, clk)
	tu, first, err := svc.CreateClient(ctx, "t", oauth.ClientInput{Name: "tu", Purpose: store.PurposeTechnicalUser,
		UserID: "TU_EXTEND", Roles: []string{store.RoleIntegrator}, ExpiresAt: clk.Now().Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := svc.RotateSecret(ctx, "t", tu.ID, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(11 * 24 * time.Hour)
	u, err := st.GetUser(ctx, tu.UserID)
	if err != nil {
		t.Fatal(err)
	}
	_, third, err := svc.UpdateClient(ctx, "t", tu.ID, oauth.ClientUpdate{Name: tu.Name, TokenLifetime: tu.TokenLifetime,
		Roles: u.Roles, ExpiresAt: clk.Now().Add(60 * 24 * time.Hour)})
	if err != nil || third == "" {
		t.Fatalf("extension: %q, %v", third, err)
	}
	if !authenticates(t, svc, tu.ID, third) || authenticates(t, svc, tu.ID, second) || authenticates(t, svc, tu.ID, first) {
		t.Error("after extending an expired client, only the new secret may work")
	}
}

// countingStore counts the writes of secret uses.
type countingStore struct {
	store.Store
	mu     sync.Mutex
	writes int
	uses   []store.SecretUse
}

func (c *countingStore) RecordSecretUse(ctx context.Context, uses []store.SecretUse) error {
	c.mu.Lock()
	c.writes++
	c.uses = append(c.uses, uses...)
	c.mu.Unlock()
	return c.Store.RecordSecretUse(ctx, uses)
}

// TestSecretUseRecordedOffThePath: a thousand authentications write nothing
// while they run; the uses are written later in one batch, one per secret
// per minute, and show as the secret's and the client's last use.
func TestSecretUseRecordedOffThePath(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{Store: mustOpenStore(t)}
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, oauth.AlgES256, clk)
	a, secretA := createAPIClient(t, svc)
	b, secretB := createAPIClient(t, svc)
	_, newA, err := svc.RotateSecret(ctx, "t", a.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		for _, cr := range [][2]string{{a.ID, secretA}, {a.ID, newA}, {b.ID, secretB}} {
			if !authenticates(t, svc, cr[0], cr[1]) {
				t.Fatalf("authentication %d of %s failed", i, cr[0])
			}
		}
		clk.Add(10 * time.Millisecond) // ten seconds in all
	}
	st.mu.Lock()
	writes := st.writes
	st.mu.Unlock()
	if writes > 1 { // the timer may have fired once meanwhile
		t.Errorf("%d writes of secret uses during the authentications, want at most one", writes)
	}
	if err := svc.FlushSecretUse(ctx); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	uses := len(st.uses)
	st.mu.Unlock()
	if uses != 3 {
		t.Errorf("%d uses written for 3 secrets used within a minute, want 3", uses)
	}
	got, err := st.GetClient(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got.Secrets {
		if !s.LastUsedAt.Equal(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)) {
			t.Errorf("secret %s last used %v, want the first use", s.ID, s.LastUsedAt)
		}
	}
	if !oauth.LastUsed(got).Equal(got.Secrets[0].LastUsedAt) {
		t.Errorf("LastUsed(client) = %v", oauth.LastUsed(got))
	}
	// A minute later a use is noted again.
	clk.Add(time.Minute)
	authenticates(t, svc, b.ID, secretB)
	if err := svc.FlushSecretUse(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetClient(ctx, b.ID); !got.Secrets[0].LastUsedAt.Equal(clk.Now()) {
		t.Errorf("a use a minute later: last used %v, want %v", got.Secrets[0].LastUsedAt, clk.Now())
	}
}
