package oauth

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/appintegration/appintegration/store"
)

// clientCacheTTL is how long a client read from the store is trusted. Changes
// made through this Service are seen at once (they invalidate the cache);
// changes made by another process (the CLI, another instance) within this time,
// inside the one second docs/contract.md ("Propagation") allows.
const clientCacheTTL = 500 * time.Millisecond

// clientCacheCap bounds the cache: lookups of random unknown client IDs cannot
// grow it past this; when full it is emptied.
const clientCacheCap = 50000

// clientCache keeps recent client lookups, found or not, so that the token hot
// path does not read the store for every request.
type clientCache struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every invalidation
	entries map[string]cachedClient
}

type cachedClient struct {
	client store.Client
	found  bool
	at     time.Time
}

func newClientCache() *clientCache {
	return &clientCache{entries: map[string]cachedClient{}}
}

// get returns the client with id from the cache or the store: store.ErrNotFound
// when there is none, or the store's error.
func (cc *clientCache) get(ctx context.Context, st store.ClientStore, id string) (store.Client, error) {
	now := time.Now() // real time, not the service's clock: this is about staleness
	cc.mu.Lock()
	e, ok := cc.entries[id]
	gen := cc.gen
	cc.mu.Unlock()
	if ok && now.Sub(e.at) < clientCacheTTL && !now.Before(e.at) {
		if !e.found {
			return store.Client{}, store.ErrNotFound
		}
		return e.client, nil
	}
	c, err := st.GetClient(ctx, id)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Client{}, err
	}
	cc.mu.Lock()
	// A change made while the store was read may not be in what was read:
	// keep the result only if nothing was invalidated meanwhile.
	if cc.gen == gen {
		if len(cc.entries) >= clientCacheCap {
			clear(cc.entries)
		}
		cc.entries[id] = cachedClient{client: c, found: found, at: now}
	}
	cc.mu.Unlock()
	return c, err
}

// invalidate forgets the client with id; call it after every change to a client.
func (cc *clientCache) invalidate(id string) {
	cc.mu.Lock()
	cc.gen++
	delete(cc.entries, id)
	cc.mu.Unlock()
}
