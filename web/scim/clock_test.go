package scim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSCIMRunsOnTheServiceClock: meta.created and meta.lastModified come
// from the Service's clock, the one the tokens are judged by, not from the
// wall clock.
func TestSCIMRunsOnTheServiceClock(t *testing.T) {
	e := newEnv(t)
	e.skew.Store(int64(72 * time.Hour))
	tok := e.token(t)
	u := e.create(t, tok, userJSON("later"))
	created, err := time.Parse(time.RFC3339Nano, str(u, "meta.created"))
	if err != nil {
		t.Fatal(err)
	}
	if d := created.Sub(time.Now()); d < 71*time.Hour || d > 73*time.Hour {
		t.Errorf("meta.created is %s from the wall clock, want the service's 72h ahead", d)
	}
	e.skew.Store(int64(96 * time.Hour))
	tok = e.token(t) // the first one expired a day ago, by the service's clock
	changed := strings.Replace(userJSON("later"), `"emails"`, `"title":"Later","emails"`, 1)
	r := e.do(t, http.MethodPut, usersPath+"/"+str(u, "id"), tok, changed).must(t, http.StatusOK)
	modified, err := time.Parse(time.RFC3339Nano, str(r.Body, "meta.lastModified"))
	if err != nil {
		t.Fatal(err)
	}
	if d := modified.Sub(time.Now()); d < 95*time.Hour || d > 97*time.Hour {
		t.Errorf("meta.lastModified is %s from the wall clock, want the service's 96h ahead", d)
	}
}
