package web

import (
	"strings"
	"sync"
	"time"
)

// failureLimiter counts failed authentications per key (a client ID, a user name
// or a source address) in fixed windows; a key with too many failures in its
// window is blocked until the window ends. Successful requests are never
// counted or delayed: checking is one map lookup under a mutex.
//
// Memory is bounded: at most capacity keys are tracked; when full, expired
// windows are dropped, and if none has expired an arbitrary key is forgotten
// (an attacker who floods keys can at worst reset someone's count).
type failureLimiter struct {
	mu       sync.Mutex
	max      int
	window   time.Duration
	capacity int
	now      func() time.Time
	windows  map[string]failWindow
}

type failWindow struct {
	start    time.Time
	failures int
}

func newFailureLimiter(max int, window time.Duration, capacity int, now func() time.Time) *failureLimiter {
	return &failureLimiter{max: max, window: window, capacity: capacity, now: now, windows: map[string]failWindow{}}
}

// blocked reports whether key is over its limit, and for how long it stays so.
func (l *failureLimiter) blocked(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[key]
	if !ok || w.failures < l.max {
		return 0, false
	}
	left := w.start.Add(l.window).Sub(l.now())
	if left <= 0 {
		delete(l.windows, key)
		return 0, false
	}
	return left, true
}

// fail records one failed attempt for key.
func (l *failureLimiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w, ok := l.windows[key]
	if !ok || now.Sub(w.start) >= l.window {
		if !ok && len(l.windows) >= l.capacity {
			l.evict(now)
		}
		w = failWindow{start: now}
	}
	w.failures++
	l.windows[key] = w
}

// evict makes room for one key; the caller holds mu.
func (l *failureLimiter) evict(now time.Time) {
	for k, w := range l.windows {
		if now.Sub(w.start) >= l.window {
			delete(l.windows, k)
		}
	}
	for k := range l.windows {
		if len(l.windows) < l.capacity {
			return
		}
		delete(l.windows, k)
	}
}

// limiters groups the failure limits of the server; see README "Limits".
type limiters struct {
	clientIDs *failureLimiter // failed client authentications per client ID
	clientIPs *failureLimiter // failed client authentications per source address
	logins    *failureLimiter // failed console sign-ins per user name and address
	loginIPs  *failureLimiter // failed console sign-ins per source address
	ssoStarts *failureLimiter // sign-ins sent to the identity provider, per address
	acsIPs    *failureLimiter // Responses the ACS refused, per address
}

// Limits on failed authentications, per minute.
const (
	maxClientFailuresPerID = 20
	maxClientFailuresPerIP = 50
	maxLoginFailuresPerID  = 10
	maxLoginFailuresPerIP  = 30
	// Each start signs an AuthnRequest and records it, each refusal at the
	// ACS writes an audit entry: bounded, so that a flood of requests cannot
	// become a flood of signatures and database writes.
	maxSSOStartsPerIP   = 30
	maxACSRefusalsPerIP = 30
	failureWindow       = time.Minute
	limiterCapacity     = 10000
)

func newLimiters(now func() time.Time) limiters {
	return limiters{
		clientIDs: newFailureLimiter(maxClientFailuresPerID, failureWindow, limiterCapacity, now),
		clientIPs: newFailureLimiter(maxClientFailuresPerIP, failureWindow, limiterCapacity, now),
		logins:    newFailureLimiter(maxLoginFailuresPerID, failureWindow, limiterCapacity, now),
		loginIPs:  newFailureLimiter(maxLoginFailuresPerIP, failureWindow, limiterCapacity, now),
		ssoStarts: newFailureLimiter(maxSSOStartsPerIP, failureWindow, limiterCapacity, now),
		acsIPs:    newFailureLimiter(maxACSRefusalsPerIP, failureWindow, limiterCapacity, now),
	}
}

// either reports whether a or b is blocked, with the longer wait.
func either(a, b *failureLimiter, keyA, keyB string) (time.Duration, bool) {
	da, okA := a.blocked(keyA)
	db, okB := b.blocked(keyB)
	return max(da, db), okA || okB
}

// clientBlocked reports whether a client authentication from ip for id must wait.
func (l limiters) clientBlocked(id, ip string) (time.Duration, bool) {
	return either(l.clientIDs, l.clientIPs, id, ip)
}

func (l limiters) clientFailed(id, ip string) {
	if id != "" {
		l.clientIDs.fail(id)
	}
	l.clientIPs.fail(ip)
}

// loginBlocked reports whether a console sign-in from ip as user must wait. The
// per-user count is per address too, so that failing from elsewhere cannot
// lock an administrator out.
func (l limiters) loginBlocked(user, ip string) (time.Duration, bool) {
	return either(l.logins, l.loginIPs, loginKey(user, ip), ip)
}

func (l limiters) loginFailed(user, ip string) {
	l.logins.fail(loginKey(user, ip))
	l.loginIPs.fail(ip)
}

func loginKey(user, ip string) string { return strings.ToUpper(user) + "\x00" + ip }
