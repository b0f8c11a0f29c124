package oauth_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// flakyKeys fails ListSigningKeys while broken is set.
type flakyKeys struct {
	store.Store
	mu     sync.Mutex
	broken bool
}

func (f *flakyKeys) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	f.mu.Lock()
	broken := f.broken
	f.mu.Unlock()
	if broken {
		return nil, errors.New("keys do not open (test)")
	}
	return f.Store.ListSigningKeys(ctx)
}

// TestKeysInMemoryServeWhenReloadFails: when the signing keys cannot be read
// again (the database is away, or a keys rewrap left this process with the
// old master key), tokens are still issued with the keys in memory, and the
// failure is logged once, not on every request.
func TestKeysInMemoryServeWhenReloadFails(t *testing.T) {
	st := &flakyKeys{Store: mustOpenStore(t)}
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	var logs bytes.Buffer
	var logMu sync.Mutex
	svc, err := oauth.New(oauth.Config{Store: st, BaseURL: "https://auth.example.com", SigningAlg: oauth.AlgES256, Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, secret := createAPIClient(t, svc)
	kid := headerKid(t, svc, c.ID, secret)
	st.mu.Lock()
	st.broken = true
	st.mu.Unlock()
	for range 5 {
		clk.Add(2 * time.Second)
		if got := headerKid(t, svc, c.ID, secret); got != kid {
			t.Fatalf("signed by %q while the keys could not be read, want %q", got, kid)
		}
	}
	st.mu.Lock()
	st.broken = false
	st.mu.Unlock()
	clk.Add(2 * time.Second)
	headerKid(t, svc, c.ID, secret)
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	if n := strings.Count(out, "re-reading the signing keys failed"); n != 1 {
		t.Errorf("the failure was logged %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "works again") {
		t.Errorf("the recovery was not logged:\n%s", out)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
