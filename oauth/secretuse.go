package oauth

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/appintegration/appintegration/store"
)

// The last use of each client secret is recorded without a database write on
// the token path: a successful authentication notes it in memory, at most
// once per secret per secretUseInterval, and the notes are written together,
// in one transaction, secretUseDelay after the first of them, by a timer
// (not the request). So a busy client costs one write a minute, however many
// tokens it gets. A use is shown to the minute; what a crash loses is the
// uses of the last few seconds.

const (
	// secretUseInterval is the least time between two recorded uses of one
	// secret.
	secretUseInterval = time.Minute
	// secretUseDelay is how long uses are gathered before they are written.
	secretUseDelay = 5 * time.Second
	// secretUseCap bounds the secrets remembered as recently recorded; when
	// full it is emptied (which costs at most one more write per secret).
	secretUseCap = 100000
	// secretUseTimeout bounds one write of the gathered uses.
	secretUseTimeout = 10 * time.Second
)

// useRecorder gathers the uses of client secrets and writes them off the
// request path. It is safe for concurrent use.
type useRecorder struct {
	st interface {
		RecordSecretUse(context.Context, []store.SecretUse) error
	}
	log *slog.Logger

	mu        sync.Mutex
	recorded  map[string]time.Time // secret ID → the last use taken for writing
	pending   []store.SecretUse
	scheduled bool

	flushing sync.Mutex // one write at a time
}

func newUseRecorder(st store.ClientStore, log *slog.Logger) *useRecorder {
	return &useRecorder{st: st, log: log, recorded: map[string]time.Time{}}
}

// record notes that the secret with id was used at at, unless a use less than
// secretUseInterval before was noted; the first note schedules the write.
func (r *useRecorder) record(id string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if last, ok := r.recorded[id]; ok && !at.Before(last) && at.Sub(last) < secretUseInterval {
		return
	}
	if len(r.recorded) >= secretUseCap {
		clear(r.recorded)
	}
	r.recorded[id] = at
	r.pending = append(r.pending, store.SecretUse{ID: id, At: at})
	if !r.scheduled {
		r.scheduled = true
		time.AfterFunc(secretUseDelay, func() {
			ctx, cancel := context.WithTimeout(context.Background(), secretUseTimeout)
			defer cancel()
			if err := r.flush(ctx); err != nil {
				r.log.Warn("recording the last use of client secrets failed; they are recorded at their next use", "err", err)
			}
		})
	}
}

// flush writes the uses noted so far. When the write fails they are
// forgotten, so that the next use of each secret is noted again.
func (r *useRecorder) flush(ctx context.Context) error {
	r.flushing.Lock()
	defer r.flushing.Unlock()
	r.mu.Lock()
	batch := r.pending
	r.pending, r.scheduled = nil, false
	r.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := r.st.RecordSecretUse(ctx, batch)
	if err != nil {
		r.mu.Lock()
		for _, u := range batch {
			if r.recorded[u.ID].Equal(u.At) {
				delete(r.recorded, u.ID)
			}
		}
		r.mu.Unlock()
	}
	return err
}

// FlushSecretUse writes the client secret uses noted but not yet written, so
// that none is lost when the server stops. It returns the store's error.
func (s *Service) FlushSecretUse(ctx context.Context) error {
	return s.uses.flush(ctx)
}
