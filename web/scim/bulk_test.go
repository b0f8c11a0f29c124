package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
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
