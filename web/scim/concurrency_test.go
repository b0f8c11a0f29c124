package scim_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentPutsWithIfMatch: two PUTs with the same If-Match at once end
// with exactly one 200 and one 412 (RFC 7644 §3.14), round after round.
func TestConcurrentPutsWithIfMatch(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	path := usersPath + "/" + str(e.create(t, tok, userJSON("racer")), "id")
	for round := 1; round <= 5; round++ {
		ifMatch := `W/"` + strconv.Itoa(round) + `"`
		var wg sync.WaitGroup
		start := make(chan struct{})
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := strings.Replace(userJSON("racer"), `"emails"`, `"displayName":"writer `+strconv.Itoa(round)+"."+strconv.Itoa(i)+`","emails"`, 1)
				<-start
				statuses[i] = e.do(t, http.MethodPut, path, tok, body, "If-Match", ifMatch).Status
			}()
		}
		close(start)
		wg.Wait()
		ok, failed := 0, 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusPreconditionFailed:
				failed++
			}
		}
		if ok != 1 || failed != 1 {
			t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, statuses)
		}
	}
	g := e.do(t, http.MethodGet, path, tok, "").must(t, http.StatusOK)
	if g.Header.Get("ETag") != `W/"6"` {
		t.Errorf("ETag after 5 rounds: %s", g.Header.Get("ETag"))
	}
}
