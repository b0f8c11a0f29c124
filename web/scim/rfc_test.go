package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/appintegration/appintegration/store"
)

const usersPath = "/api/v1/scim2/Users"

// TestCreateAndGet follows RFC 7644 §3.3 and §3.4.1.
func TestCreateAndGet(t *testing.T) {
	e := newEnv(t)
	client, secret := e.client(t, store.AccessUserProvisioning)
	tok := e.tokenFor(t, client.ID, secret)
	// RFC 7644 §3.3's example, with roles, a password and the SAP extension.
	r := e.do(t, http.MethodPost, usersPath, tok, `{
	  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters"],
	  "userName":"bjensen","externalId":"bjensen",
	  "name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barbara"},
	  "emails":[{"value":"bjensen@example.com","type":"work","primary":true}],
	  "roles":[{"value":"PROFILE:sap.dwc:DW_Administrator"},{"value":"DW Viewer"}],
	  "password":"t1meMa$heen",
	  "urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters":{"idpUserId":"barbara@idp.example"}
	}`).must(t, http.StatusCreated)
	u := r.Body
	id := str(u, "id")
	loc := e.URL + usersPath + "/" + id
	if id == "" || r.Header.Get("Location") != loc || str(u, "meta.location") != loc {
		t.Fatalf("id %q, Location %q, meta.location %q; want %s", id, r.Header.Get("Location"), str(u, "meta.location"), loc)
	}
	if r.Header.Get("ETag") != `W/"1"` || str(u, "meta.version") != `W/"1"` {
		t.Errorf("ETag %q, meta.version %q, want W/\"1\"", r.Header.Get("ETag"), str(u, "meta.version"))
	}
	if str(u, "meta.resourceType") != "User" || str(u, "meta.created") == "" || str(u, "meta.lastModified") == "" {
		t.Errorf("meta = %v", u["meta"])
	}
	if _, ok := u["password"]; ok || strings.Contains(string(r.Raw), "t1meMa$heen") {
		t.Error("the password is returned")
	}
	if str(u, "preferredLanguage") != "en" || u["active"] != true {
		t.Errorf("defaults: preferredLanguage %q, active %v", str(u, "preferredLanguage"), u["active"])
	}
	roles := asList(u["roles"])
	if len(roles) != 2 || str(roles[1].(map[string]any), "value") != store.RoleViewer || str(roles[1].(map[string]any), "display") != "DW Viewer" {
		t.Errorf("roles = %v", roles)
	}
	if ext, _ := u["urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters"].(map[string]any); ext["idpUserId"] != "barbara@idp.example" {
		t.Errorf("extension = %v", ext)
	}
	// The stored user can sign in to the console: password hashed, role kept.
	if _, err := e.Svc.Authenticate(context.Background(), "BJENSEN", "t1meMa$heen"); err != nil {
		t.Errorf("sign-in with the provisioned password: %v", err)
	}
	stored, err := e.Store.GetUserByIdpUserID(context.Background(), "barbara@idp.example")
	if err != nil || stored.ID != id {
		t.Errorf("GetUserByIdpUserID = %q, %v; want %q", stored.ID, err, id)
	}

	// userName is unique case-insensitively.
	e.do(t, http.MethodPost, usersPath, tok, userJSON("BJensen")).scimError(t, http.StatusConflict, "uniqueness")

	g := e.do(t, http.MethodGet, usersPath+"/"+id, tok, "").must(t, http.StatusOK)
	if g.Header.Get("ETag") != `W/"1"` || str(g.Body, "userName") != "bjensen" {
		t.Errorf("GET: ETag %q, userName %q", g.Header.Get("ETag"), str(g.Body, "userName"))
	}
	// RFC 7644 §3.14: If-None-Match with the current version → 304.
	nm := e.do(t, http.MethodGet, usersPath+"/"+id, tok, "", "If-None-Match", `W/"1"`)
	if nm.Status != http.StatusNotModified || len(nm.Raw) != 0 {
		t.Errorf("If-None-Match: status %d, body %q", nm.Status, nm.Raw)
	}
	e.do(t, http.MethodGet, usersPath+"/"+id, tok, "", "If-None-Match", `W/"0"`).must(t, http.StatusOK)
	e.do(t, http.MethodGet, usersPath+"/nope", tok, "").scimError(t, http.StatusNotFound, "")

	// attributes / excludedAttributes (RFC 7644 §3.9).
	a := e.do(t, http.MethodGet, usersPath+"/"+id+"?attributes=userName,name.familyName", tok, "").must(t, http.StatusOK).Body
	if len(a) != 4 || str(a, "name.familyName") != "Jensen" || str(a, "name.givenName") != "" || str(a, "id") != id {
		t.Errorf("attributes: %v", a)
	}
	x := e.do(t, http.MethodGet, usersPath+"/"+id+"?excludedAttributes=emails,meta,id", tok, "").must(t, http.StatusOK).Body
	if _, ok := x["emails"]; ok || x["meta"] != nil || str(x, "id") != id {
		t.Errorf("excludedAttributes: %v", x)
	}

	// Audit: the actor is the client ID, never the token.
	events, err := e.Store.ListAudit(context.Background(), store.AuditFilter{Action: "user.created"})
	if err != nil || len(events) == 0 || events[0].Target != "bjensen" || events[0].Actor != client.ID {
		t.Fatalf("audit events %v, %v", events, err)
	}
	if strings.Contains(events[0].Detail+events[0].Actor, "eyJ") {
		t.Error("a token is in the audit log")
	}
}

// TestCreateRules checks the resource rules with one request per rule.
func TestCreateRules(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	tests := []struct {
		name, body, scimType, detail string
	}{
		{"no schemas", `{"userName":"a","name":{"givenName":"A"},"emails":[{"value":"a@example.com"}]}`, "invalidSyntax", "schemas"},
		{"not JSON", `{"userName":`, "invalidSyntax", "not a User resource"},
		{"userName pattern", strings.Replace(userJSON("x"), `"x"`, `"bad name!"`, 1), "invalidValue", "1 to 20"},
		{"userName too long", userJSON(strings.Repeat("a", 21)), "invalidValue", "1 to 20"},
		{"no name", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"a@example.com"}]}`, "invalidValue", "name is required"},
		{"no emails", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","name":{"givenName":"A"}}`, "invalidValue", "emails is required"},
		{"bad email", strings.Replace(userJSON("a"), "a@example.com", "not-an-address", 1), "invalidValue", "not an e-mail address"},
		{"two primaries", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","name":{"givenName":"A"},"emails":[{"value":"a@example.com","primary":true},{"value":"b@example.com","primary":true}]}`, "invalidValue", "at most one"},
		{"unknown role", strings.Replace(userJSON("a"), `"emails"`, `"roles":[{"value":"PROFILE:sap.dwc:Chief"}],"emails"`, 1), "invalidValue", "not a role"},
		{"bad language", strings.Replace(userJSON("a"), `"emails"`, `"preferredLanguage":"english please","emails"`, 1), "invalidValue", "language tag"},
		{"short password", strings.Replace(userJSON("a"), `"emails"`, `"password":"short","emails"`, 1), "invalidValue", "password"},
		{"active not boolean", strings.Replace(userJSON("a"), `"emails"`, `"active":"maybe","emails"`, 1), "invalidValue", "active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, http.MethodPost, usersPath, tok, tt.body)
			r.scimError(t, http.StatusBadRequest, tt.scimType)
			if !strings.Contains(str(r.Body, "detail"), tt.detail) {
				t.Errorf("detail %q does not mention %q", str(r.Body, "detail"), tt.detail)
			}
			if strings.Contains(string(r.Raw), "short\"") {
				t.Error("the password is echoed")
			}
		})
	}
	// Several problems are reported at once.
	r := e.do(t, http.MethodPost, usersPath, tok, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"!"}`)
	if d := str(r.Body, "detail"); !strings.Contains(d, "userName") || !strings.Contains(d, "name is required") || !strings.Contains(d, "emails is required") {
		t.Errorf("detail %q should list every problem", d)
	}
	// Every attribute of the core User and the enterprise extension is kept.
	body := strings.Replace(userJSON("kept"), `"emails"`, `"title":"Tour Guide","phoneNumbers":[{"value":"555"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"X"},"emails"`, 1)
	u := e.create(t, tok, body)
	if str(u, "title") != "Tour Guide" || str(asList(u["phoneNumbers"])[0].(map[string]any), "value") != "555" ||
		str(u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any), "department") != "X" {
		t.Errorf("attributes not kept: %v", u)
	}
}

// TestListFilterSortPage covers RFC 7644 §3.4.2 over HTTP.
func TestListFilterSortPage(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	for i, n := range []string{"carol", "alice", "Bob", "dave", "erin"} {
		body := strings.Replace(userJSON(n), `"emails"`, fmt.Sprintf(`"displayName":"User %d","active":%v,"emails"`, 5-i, i%2 == 0), 1)
		e.create(t, tok, body)
	}
	list := func(q string) map[string]any {
		return e.do(t, http.MethodGet, usersPath+"?"+q, tok, "").must(t, http.StatusOK).Body
	}
	names := func(b map[string]any) string {
		var out []string
		for _, r := range asList(b["Resources"]) {
			out = append(out, str(r.(map[string]any), "userName"))
		}
		return strings.Join(out, ",")
	}
	q := func(filter string) string { return "filter=" + url.QueryEscape(filter) }
	all := list("")
	if all["totalResults"] != 5.0 || all["startIndex"] != 1.0 || all["itemsPerPage"] != 5.0 || names(all) != "alice,Bob,carol,dave,erin" {
		t.Errorf("list all = %v", all)
	}
	if s := asList(all["schemas"]); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
		t.Errorf("schemas = %v", s)
	}
	for _, tt := range []struct{ query, want string }{
		{q(`userName eq "BOB"`), "Bob"},
		{q(`userName eq "nobody"`), ""},
		{q(`userName sw "a" or userName sw "e"`), "alice,erin"},
		{q(`active eq true and not (userName eq "carol")`), "Bob,erin"},
		{q(`emails[type eq "work" and value co "dave"]`), "dave"},
		{q(`name.familyName ew "ol"`), "carol"},
		{"sortBy=displayName&" + q(`active eq true`), "erin,Bob,carol"},
		{"sortBy=displayName&sortOrder=descending", "carol,alice,Bob,dave,erin"},
		{"sortBy=userName&sortOrder=descending", "erin,dave,carol,Bob,alice"},
		{"sortBy=emails.value", "alice,Bob,carol,dave,erin"},
		{"sortBy=meta.created&sortOrder=descending&count=2", "erin,dave"},
		{"startIndex=2&count=2", "Bob,carol"},
		{"startIndex=5&count=10", "erin"},
		{"startIndex=9", ""},
		{"startIndex=9223372036854775807", ""},                            // no overflow
		{"startIndex=9223372036854775807&" + q(`userName pr`), ""},        // nor with a filter
		{"startIndex=2&count=9223372036854775807", "Bob,carol,dave,erin"}, // nor with a huge count
		{"startIndex=-3&count=1", "alice"},
		{"count=0", ""},
	} {
		if got := names(list(tt.query)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.query, got, tt.want)
		}
	}
	if b := list("count=0"); b["totalResults"] != 5.0 {
		t.Errorf("count=0 still reports totalResults: %v", b)
	}
	if b := list("count=100000"); b["itemsPerPage"] != 5.0 {
		t.Errorf("count above the maximum: %v", b)
	}
	b := list("attributes=userName&count=1")
	r0 := asList(b["Resources"])[0].(map[string]any)
	if len(r0) != 3 || str(r0, "userName") != "alice" {
		t.Errorf("attributes=userName gives %v", r0)
	}
	for _, bad := range []string{q(`userName eq`), q(`shoeSize eq "9"`), q(`active gt false`)} {
		e.do(t, http.MethodGet, usersPath+"?"+bad, tok, "").scimError(t, http.StatusBadRequest, "invalidFilter")
	}
	e.do(t, http.MethodGet, usersPath+"?sortBy=password", tok, "").scimError(t, http.StatusBadRequest, "invalidValue")
	e.do(t, http.MethodGet, usersPath+"?sortOrder=sideways", tok, "").scimError(t, http.StatusBadRequest, "invalidValue")
	e.do(t, http.MethodGet, usersPath+"?count=ten", tok, "").scimError(t, http.StatusBadRequest, "invalidValue")

	// POST /.search (RFC 7644 §3.4.3) with the RFC's example body.
	s := e.do(t, http.MethodPost, usersPath+"/.search", tok, `{
	  "schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
	  "attributes":["displayName","userName"],
	  "filter":"displayName sw \"user\"",
	  "sortBy":"displayName", "startIndex":1, "count":2}`).must(t, http.StatusOK).Body
	if s["totalResults"] != 5.0 || names(s) != "erin,dave" {
		t.Errorf(".search = %v", s)
	}
	e.do(t, http.MethodPost, usersPath+"/.search", tok, `{"filter":"userName pr"}`).scimError(t, http.StatusBadRequest, "invalidSyntax")
}

// TestReplacePatchDelete follows RFC 7644 §3.5.1, §3.5.2, §3.6 and §3.14.
func TestReplacePatchDelete(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	u := e.create(t, tok, userJSON("bjensen"))
	path := usersPath + "/" + str(u, "id")

	put := strings.Replace(userJSON("bjensen"), `"emails"`, `"displayName":"Babs","emails"`, 1)
	r := e.do(t, http.MethodPut, path, tok, put, "If-Match", `W/"1"`).must(t, http.StatusOK)
	if r.Header.Get("ETag") != `W/"2"` || str(r.Body, "displayName") != "Babs" {
		t.Errorf("PUT: ETag %q, displayName %q", r.Header.Get("ETag"), str(r.Body, "displayName"))
	}
	e.do(t, http.MethodPut, path, tok, put, "If-Match", `W/"1"`).scimError(t, http.StatusPreconditionFailed, "")
	// PUT replaces: displayName not sent is cleared.
	r = e.do(t, http.MethodPut, path, tok, userJSON("bjensen")).must(t, http.StatusOK)
	if _, ok := r.Body["displayName"]; ok {
		t.Error("PUT kept an attribute it did not send")
	}

	// RFC 7644 §3.5.2.1: add a value to a multi-valued attribute.
	r = e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"add","path":"emails","value":[{"value":"babs@jensen.org","type":"home"}]}]}`).must(t, http.StatusOK)
	if len(asList(r.Body["emails"])) != 2 {
		t.Fatalf("after add: emails %v", r.Body["emails"])
	}
	// §3.5.2.3: replace the value of a filtered multi-valued attribute.
	r = e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"replace","path":"emails[type eq \"work\"]","value":{"type":"work","value":"barbara@example.com","primary":true}}]}`).must(t, http.StatusOK)
	if email(r.Body, "work") != "barbara@example.com" {
		t.Errorf("after replace: emails %v", r.Body["emails"])
	}
	// §3.5.2.2: remove values matching a filter.
	r = e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"remove","path":"emails[type eq \"home\" and value ew \"jensen.org\"]"}]}`).must(t, http.StatusOK)
	if len(asList(r.Body["emails"])) != 1 || r.Header.Get("ETag") != `W/"6"` {
		t.Errorf("after remove: emails %v, ETag %s", r.Body["emails"], r.Header.Get("ETag"))
	}
	// All or nothing: a failing second operation undoes the first.
	e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"replace","path":"displayName","value":"X"},{"op":"replace","path":"id","value":"y"}]}`).scimError(t, http.StatusBadRequest, "mutability")
	if g := e.do(t, http.MethodGet, path, tok, "").Body; g["displayName"] != nil {
		t.Error("a failed PATCH changed the user")
	}
	e.do(t, http.MethodPatch, path, tok, `{"Operations":[{"op":"replace","path":"active","value":false}]}`).scimError(t, http.StatusBadRequest, "invalidSyntax")
	e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"remove"}]}`).scimError(t, http.StatusBadRequest, "noTarget")
	e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"replace","path":"emails[type eq","value":"x"}]}`).scimError(t, http.StatusBadRequest, "invalidPath")
	e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"replace","path":"active","value":true}]}`, "If-Match", `W/"1"`).scimError(t, http.StatusPreconditionFailed, "")

	// Renaming onto a taken userName is a uniqueness error.
	e.create(t, tok, userJSON("other"))
	e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"replace","path":"userName","value":"OTHER"}]}`).scimError(t, http.StatusConflict, "uniqueness")

	e.do(t, http.MethodDelete, path, tok, "", "If-Match", `W/"1"`).scimError(t, http.StatusPreconditionFailed, "")
	e.do(t, http.MethodDelete, path, tok, "").must(t, http.StatusNoContent)
	e.do(t, http.MethodGet, path, tok, "").scimError(t, http.StatusNotFound, "")
	e.do(t, http.MethodDelete, path, tok, "").scimError(t, http.StatusNotFound, "")
	e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`).scimError(t, http.StatusNotFound, "")
}

// TestTechnicalUsers: a Technical User client's user is listed but cannot be
// changed or deleted through SCIM.
func TestTechnicalUsers(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	ctx := context.Background()
	c, _ := e.client(t, store.AccessContentNetwork)
	tu := store.User{ID: "tech-1", UserName: "TECH_USER", FamilyName: "TECH_USER", Active: true, PreferredLanguage: "en",
		Roles: []string{store.RoleIntegrator}, ClientID: c.ID}
	if err := e.Store.CreateUser(ctx, tu); err != nil {
		t.Fatal(err)
	}
	list := e.do(t, http.MethodGet, usersPath+"?filter="+url.QueryEscape(`userName eq "tech_user"`), tok, "").must(t, http.StatusOK).Body
	if list["totalResults"] != 1.0 {
		t.Fatalf("technical user not listed: %v", list)
	}
	path := usersPath + "/tech-1"
	e.do(t, http.MethodPut, path, tok, userJSON("TECH_USER")).scimError(t, http.StatusBadRequest, "mutability")
	e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`).scimError(t, http.StatusBadRequest, "mutability")
	e.do(t, http.MethodDelete, path, tok, "").scimError(t, http.StatusBadRequest, "mutability")
	if u, err := e.Store.GetUser(ctx, "tech-1"); err != nil || !u.Active || u.Version != 1 {
		t.Errorf("technical user changed: %+v, %v", u, err)
	}
}

// TestDiscovery checks the RFC 7644 §4 endpoints advertise what works.
func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	spc := e.do(t, http.MethodGet, "/api/v1/scim2/ServiceProviderConfig", tok, "").must(t, http.StatusOK).Body
	bulk, _ := spc["bulk"].(map[string]any)
	filter, _ := spc["filter"].(map[string]any)
	if bulk["supported"] != true || bulk["maxOperations"] != 30.0 || bulk["maxPayloadSize"] != float64(1<<20) ||
		filter["supported"] != true || filter["maxResults"] != 200.0 {
		t.Errorf("ServiceProviderConfig = %v", spc)
	}
	for _, k := range []string{"patch", "sort", "etag", "changePassword"} {
		if m, _ := spc[k].(map[string]any); m["supported"] != true {
			t.Errorf("%s not supported: %v", k, spc[k])
		}
	}
	if s := asList(spc["authenticationSchemes"]); len(s) != 1 || str(s[0].(map[string]any), "type") != "oauthbearertoken" {
		t.Errorf("authenticationSchemes = %v", s)
	}
	schemas := e.do(t, http.MethodGet, "/api/v1/scim2/Schemas", tok, "").must(t, http.StatusOK).Body
	var ids []string
	for _, s := range asList(schemas["Resources"]) {
		ids = append(ids, str(s.(map[string]any), "id"))
	}
	if got := strings.Join(ids, " "); got != "urn:ietf:params:scim:schemas:core:2.0:User "+
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User "+
		"urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters urn:ietf:params:scim:schemas:core:2.0:Group" {
		t.Errorf("Schemas = %s", got)
	}
	user := e.do(t, http.MethodGet, "/api/v1/scim2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", tok, "").must(t, http.StatusOK).Body
	var names []string
	for _, a := range asList(user["attributes"]) {
		names = append(names, str(a.(map[string]any), "name"))
	}
	if got := strings.Join(names, ","); got != "userName,name,displayName,nickName,profileUrl,title,userType,"+
		"preferredLanguage,locale,timezone,active,password,emails,phoneNumbers,ims,photos,addresses,groups,"+
		"entitlements,roles,x509Certificates" {
		t.Errorf("User schema attributes = %s", got)
	}
	rt := e.do(t, http.MethodGet, "/api/v1/scim2/ResourceTypes", tok, "").must(t, http.StatusOK).Body
	if rt["totalResults"] != 2.0 {
		t.Errorf("ResourceTypes = %v", rt)
	}
	u := e.do(t, http.MethodGet, "/api/v1/scim2/ResourceTypes/User", tok, "").must(t, http.StatusOK).Body
	if str(u, "endpoint") != "/Users" || str(u, "schema") != "urn:ietf:params:scim:schemas:core:2.0:User" {
		t.Errorf("ResourceTypes/User = %v", u)
	}
	g := e.do(t, http.MethodGet, "/api/v1/scim2/ResourceTypes/Group", tok, "").must(t, http.StatusOK).Body
	if str(g, "endpoint") != "/Groups" || str(g, "schema") != "urn:ietf:params:scim:schemas:core:2.0:Group" {
		t.Errorf("ResourceTypes/Group = %v", g)
	}
	e.do(t, http.MethodGet, "/api/v1/scim2/ResourceTypes/Device", tok, "").scimError(t, http.StatusNotFound, "")
	e.do(t, http.MethodDelete, "/api/v1/scim2/Users", tok, "").scimError(t, http.StatusMethodNotAllowed, "")
	e.do(t, http.MethodGet, "/api/v1/scim2", tok, "").scimError(t, http.StatusNotFound, "")
	e.do(t, http.MethodGet, "/api/v1/scim2/", tok, "").scimError(t, http.StatusNotFound, "")
	e.do(t, http.MethodGet, "/api/v1/scim2/Users/", tok, "").scimError(t, http.StatusNotFound, "")
	if cc := e.do(t, http.MethodGet, usersPath, tok, "").Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}
