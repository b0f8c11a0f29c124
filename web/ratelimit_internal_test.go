package web

import (
	"fmt"
	"testing"
	"time"
)

func TestFailureLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newFailureLimiter(3, time.Minute, 100, func() time.Time { return now })
	for i := range 3 {
		if _, blocked := l.blocked("k"); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		l.fail("k")
	}
	wait, blocked := l.blocked("k")
	if !blocked || wait != time.Minute {
		t.Fatalf("after 3 failures: blocked %v, wait %s", blocked, wait)
	}
	if _, blocked := l.blocked("other"); blocked {
		t.Error("another key is blocked")
	}
	now = now.Add(time.Minute)
	if _, blocked := l.blocked("k"); blocked {
		t.Error("still blocked after the window")
	}
}

// size is the number of keys l tracks.
func (l *failureLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.windows)
}

func TestFailureLimiterMemoryIsBounded(t *testing.T) {
	now := time.Now()
	l := newFailureLimiter(3, time.Minute, 1000, func() time.Time { return now })
	for i := range 50000 {
		l.fail(fmt.Sprint("key-", i))
	}
	if n := l.size(); n > 1000 {
		t.Errorf("%d keys tracked, capacity 1000", n)
	}
}
