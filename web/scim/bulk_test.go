package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/appintegration/appintegration/store"
)

const bulkPath = "/api/v1/scim2/Bulk"

// TestBulk follows RFC 7644 §3.7: bulkId references (also forward ones),
// failOnErrors, and the limits.
func TestBulk(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	// The PATCH refers to the POST after it: it must wait for it (§3.7.2).
	r := e.do(t, http.MethodPost, bulkPath, tok, `{
	  "schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
	  "Operations":[
	    {"method":"PATCH","path":"/Users/bulkId:qwerty","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	      "Operations":[{"op":"replace","path":"displayName","value":"Alice via bulk"}]}},
	    {"method":"POST","path":"/Users","bulkId":"qwerty","data":`+userJSON("Alice")+`},
	    {"method":"POST","path":"/Users","bulkId":"ytrewq","data":`+userJSON("Bob")+`},
	    {"method":"DELETE","path":"/Users/bulkId:ytrewq"},
	    {"method":"POST","path":"/Users","bulkId":"dup","data":`+userJSON("alice")+`}
	  ]}`).must(t, http.StatusOK)
	if s := asList(r.Body["schemas"]); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:BulkResponse" {
		t.Errorf("schemas = %v", s)
	}
	ops := asList(r.Body["Operations"])
	if len(ops) != 5 {
		t.Fatalf("Operations = %v", ops)
	}
	statuses := make([]string, len(ops))
	for i, o := range ops {
		statuses[i] = str(o.(map[string]any), "status")
	}
	if got := strings.Join(statuses, ","); got != "200,201,201,204,409" {
		t.Errorf("statuses = %s", got)
	}
	created := ops[1].(map[string]any)
	if str(created, "bulkId") != "qwerty" || !strings.HasPrefix(str(created, "location"), e.URL+usersPath+"/") || str(created, "version") != `W/"1"` {
		t.Errorf("POST result = %v", created)
	}
	if str(ops[0].(map[string]any), "location") != str(created, "location") {
		t.Errorf("PATCH result = %v", ops[0])
	}
	if resp, _ := ops[4].(map[string]any)["response"].(map[string]any); str(resp, "scimType") != "uniqueness" || str(resp, "status") != "409" {
		t.Errorf("failed POST result = %v", ops[4])
	}
	u := e.do(t, http.MethodGet, strings.TrimPrefix(str(created, "location"), e.URL), tok, "").must(t, http.StatusOK).Body
	if str(u, "displayName") != "Alice via bulk" {
		t.Errorf("bulk PATCH not applied: %v", u)
	}
	list := e.do(t, http.MethodGet, usersPath, tok, "").Body
	if list["totalResults"] != 1.0 {
		t.Errorf("users after bulk: %v", list)
	}

	// failOnErrors: 1 stops after the first error.
	r = e.do(t, http.MethodPost, bulkPath, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1,
	  "Operations":[
	    {"method":"POST","path":"/Users","bulkId":"a","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bad name"}},
	    {"method":"POST","path":"/Users","bulkId":"b","data":`+userJSON("Carol")+`}]}`).must(t, http.StatusOK)
	if ops := asList(r.Body["Operations"]); len(ops) != 1 || str(ops[0].(map[string]any), "status") != "400" {
		t.Errorf("failOnErrors: %v", ops)
	}
	// A reference to a bulkId no operation defines, a reference to a failed
	// POST, and a circular pair.
	r = e.do(t, http.MethodPost, bulkPath, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
	  "Operations":[
	    {"method":"DELETE","path":"/Users/bulkId:nowhere"},
	    {"method":"POST","path":"/Users","bulkId":"f","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}},
	    {"method":"DELETE","path":"/Users/bulkId:f"},
	    {"method":"POST","path":"/Users","bulkId":"c1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bulkId:c2"}},
	    {"method":"POST","path":"/Users","bulkId":"c2","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bulkId:c1"}}
	  ]}`).must(t, http.StatusOK)
	statuses = nil
	for _, o := range asList(r.Body["Operations"]) {
		statuses = append(statuses, str(o.(map[string]any), "status"))
	}
	if got := strings.Join(statuses, ","); got != "400,400,409,409,409" {
		t.Errorf("reference errors: statuses %s: %s", got, r.Raw)
	}

	// Limits (RFC 7644 §3.7.4): 31 operations, and a body over maxPayloadSize.
	var many []string
	for i := range 31 {
		many = append(many, fmt.Sprintf(`{"method":"DELETE","path":"/Users/x%d"}`, i))
	}
	e.do(t, http.MethodPost, bulkPath, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[`+
		strings.Join(many, ",")+`]}`).scimError(t, http.StatusRequestEntityTooLarge, "")
	big := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[],"pad":"` + strings.Repeat("x", 1<<20) + `"}`
	e.do(t, http.MethodPost, bulkPath, tok, big).scimError(t, http.StatusRequestEntityTooLarge, "")
	e.do(t, http.MethodPost, bulkPath, tok, `{"Operations":[]}`).scimError(t, http.StatusBadRequest, "invalidSyntax")
}

// TestBulkCreatesNewUsersTogether: the POSTs of a bulk request that refer to
// no bulkId create their users with one write, which must answer exactly as
// one operation after the other would: a userName taken by a stored user or
// by an earlier POST, references to the new users, the audit log, and
// failOnErrors reached in the middle of them.
func TestBulkCreatesNewUsersTogether(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	e.create(t, tok, userJSON("Stored"))
	post := func(bulkID, body string) string {
		return `{"method":"POST","path":"/Users","bulkId":"` + bulkID + `","data":` + body + `}`
	}
	bulk := func(failOnErrors string, ops ...string) []string {
		t.Helper()
		r := e.do(t, http.MethodPost, bulkPath, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]`+
			failOnErrors+`,"Operations":[`+strings.Join(ops, ",")+`]}`).must(t, http.StatusOK)
		var statuses []string
		for _, o := range asList(r.Body["Operations"]) {
			statuses = append(statuses, str(o.(map[string]any), "bulkId")+":"+str(o.(map[string]any), "status"))
		}
		return statuses
	}
	exists := func(userName string) bool {
		t.Helper()
		return e.do(t, http.MethodGet, filterQuery(`userName eq "`+userName+`"`), tok, "").Body["totalResults"] == 1.0
	}

	got := bulk("",
		post("a", userJSON("Anna")),
		post("b", userJSON("stored")), // taken by a stored user
		post("c", userJSON("ANNA")),   // taken by the POST before
		post("d", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"no spaces allowed"}`),
		`{"method":"PATCH","path":"/Users/bulkId:a","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		  "Operations":[{"op":"replace","path":"title","value":"Patched"}]}}`,
		post("e", userJSON("Emil")))
	if want := "a:201,b:409,c:409,d:400,:200,e:201"; strings.Join(got, ",") != want {
		t.Errorf("statuses = %s, want %s", strings.Join(got, ","), want)
	}
	anna := e.do(t, http.MethodGet, filterQuery(`userName eq "Anna"`), tok, "").Body
	if r := asList(anna["Resources"]); len(r) != 1 || str(r[0].(map[string]any), "title") != "Patched" {
		t.Errorf("Anna after the bulk request: %v", anna)
	}
	audit, err := e.Store.ListAudit(t.Context(), store.AuditFilter{Action: "user.created"})
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, a := range audit {
		targets = append(targets, a.Target)
	}
	if got := strings.Join(targets, ","); got != "Emil,Anna,Stored" {
		t.Errorf("user.created audited for %s", got)
	}

	// failOnErrors 2 is reached at the third POST, a taken userName that only
	// the database finds: the POSTs after it do not run.
	got = bulk(`,"failOnErrors":2`,
		post("f", userJSON("Fritz")),
		post("g", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`),
		post("h", userJSON("Emil")),
		post("i", userJSON("Ida")))
	if want := "f:201,g:400,h:409"; strings.Join(got, ",") != want {
		t.Errorf("failOnErrors 2: statuses = %s, want %s", strings.Join(got, ","), want)
	}
	if !exists("Fritz") || exists("Ida") {
		t.Errorf("failOnErrors 2: Fritz created %v (want true), Ida created %v (want false)", exists("Fritz"), exists("Ida"))
	}
	// Reached at the last POST: all of them ran.
	got = bulk(`,"failOnErrors":1`, post("j", userJSON("Jana")), post("k", userJSON("jana")))
	if want := "j:201,k:409"; strings.Join(got, ",") != want {
		t.Errorf("failOnErrors 1: statuses = %s, want %s", strings.Join(got, ","), want)
	}
}
