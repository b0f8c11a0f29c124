package scim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/appintegration/appintegration/store"
)

// BenchmarkBulk is one POST /Bulk of 30 new users, as connectors send them,
// over loopback HTTP to the whole server on a SQLite file that holds
// APPINT_BENCH_USERS users (none by default) beforehand. ns/op / 30 is the
// server's time per user (make bench-scim measures the rate end to end).
func BenchmarkBulk(b *testing.B) {
	e := newEnv(b)
	tok := e.token(b)
	c := &http.Client{}
	n := 0
	if v := os.Getenv("APPINT_BENCH_USERS"); v != "" {
		preload, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("APPINT_BENCH_USERS=%q: %v", v, err)
		}
		for n < preload {
			var users []store.User
			for range min(30, preload-n) { // as bulk requests leave the search index
				n++
				users = append(users, store.User{ID: fmt.Sprintf("pre-%d", n), UserName: fmt.Sprintf("U%07d", n),
					GivenName: "Anna", FamilyName: fmt.Sprintf("Smith%05d", n), DisplayName: fmt.Sprintf("Anna Smith%05d", n),
					Emails: []store.Email{{Value: fmt.Sprintf("anna.smith%05d@example.com", n), Type: "work", Primary: true}},
					Active: true, Roles: []string{store.RoleViewer}, ExternalID: fmt.Sprintf("ext-%d", n)})
			}
			if _, err := e.Store.CreateUsers(b.Context(), users); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for b.Loop() {
		var ops []any
		for range 30 {
			n++
			ops = append(ops, map[string]any{"method": "POST", "path": "/Users", "bulkId": fmt.Sprint(n), "data": map[string]any{
				"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
				"userName":    fmt.Sprintf("U%07d", n),
				"externalId":  fmt.Sprintf("ext-%d", n),
				"active":      true,
				"displayName": fmt.Sprintf("Anna Smith%05d", n),
				"name":        map[string]any{"givenName": "Anna", "familyName": fmt.Sprintf("Smith%05d", n)},
				"emails":      []any{map[string]any{"value": fmt.Sprintf("anna.smith%05d@example.com", n), "type": "work", "primary": true}},
				"title":       "Engineer",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Dept 1", "employeeNumber": fmt.Sprint(n)},
				"roles": []any{map[string]any{"value": "DW Viewer"}},
			}})
		}
		body, _ := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}, "Operations": ops})
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/v1/scim2/Bulk", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			Operations []struct{ Status string }
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || len(out.Operations) != 30 || out.Operations[0].Status != "201" {
			b.Fatalf("bulk: %d %v %+v", resp.StatusCode, err, out.Operations)
		}
	}
}
