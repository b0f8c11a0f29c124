package scim_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// fullUser is a User with every attribute of the core schema, the enterprise
// extension and SAP's, as Entra ID or Okta may send it.
const fullUser = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters"],
  "externalId": "701984",
  "userName": "bjensen",
  "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara",
    "middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
  "displayName": "Babs Jensen",
  "nickName": "Babs",
  "profileUrl": "https://login.example.com/bjensen",
  "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
    {"value": "babs@jensen.org", "type": "home", "primary": false, "display": "Babs at home"}],
  "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "region": "CA",
    "postalCode": "91608", "country": "US", "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA", "primary": true},
    {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood", "region": "CA", "postalCode": "91608",
    "country": "US", "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA", "primary": false}],
  "phoneNumbers": [{"value": "555-555-5555", "type": "work", "primary": false}, {"value": "555-555-4444", "type": "mobile", "primary": true}],
  "ims": [{"value": "someaimhandle", "type": "aim", "primary": false}],
  "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo", "primary": false}],
  "userType": "Employee",
  "title": "Tour Guide",
  "preferredLanguage": "en-US",
  "locale": "en-US",
  "timezone": "America/Los_Angeles",
  "active": true,
  "entitlements": [{"value": "Premium", "type": "license", "display": "Premium plan", "primary": false}],
  "roles": [{"value": "PROFILE:sap.dwc:DW_Viewer"}],
  "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx", "primary": false}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
    "division": "Theme Park", "department": "Tour Operations", "manager": {"value": "MANAGER_ID"}},
  "urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters": {"idpUserId": "bjensen@idp.example.com"}
}`

// kept returns the attributes of a User resource a client set: what remains
// without id, meta, groups, the roles' display names and the manager's
// $ref and displayName, which the service adds.
func kept(t *testing.T, u map[string]any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(u)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "meta", "groups", "schemas"} {
		delete(m, k)
	}
	for _, r := range asList(m["roles"]) {
		delete(r.(map[string]any), "display")
	}
	if ent, ok := m["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any); ok {
		if mgr, ok := ent["manager"].(map[string]any); ok {
			delete(mgr, "$ref")
			delete(mgr, "displayName")
		}
	}
	return m
}

// TestWholeUserRoundTrips: every attribute of the core User, the enterprise
// extension and SAP's is kept and returned as sent, through POST, GET, PUT
// and PATCH.
func TestWholeUserRoundTrips(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	manager := e.create(t, tok, strings.Replace(userJSON("manager"), `"emails"`, `"displayName":"The Manager","emails"`, 1))
	body := strings.Replace(fullUser, "MANAGER_ID", str(manager, "id"), 1)
	var sent map[string]any
	if err := json.Unmarshal([]byte(body), &sent); err != nil {
		t.Fatal(err)
	}
	delete(sent, "schemas")
	created := e.create(t, tok, body)
	path := usersPath + "/" + str(created, "id")
	for what, got := range map[string]map[string]any{
		"POST": created,
		"GET":  e.do(t, http.MethodGet, path, tok, "").must(t, http.StatusOK).Body,
	} {
		if k := kept(t, got); !reflect.DeepEqual(k, sent) {
			t.Errorf("%s returns\n %v\nwant what was sent\n %v", what, k, sent)
		}
	}
	got := e.do(t, http.MethodGet, path, tok, "").Body
	ent := got["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
	if str(ent, "manager.displayName") != "The Manager" || !strings.HasSuffix(str(ent, "manager.$ref"), "/Users/"+str(manager, "id")) {
		t.Errorf("manager = %v", ent["manager"])
	}
	if g := asList(got["groups"]); len(g) != 1 || str(g[0].(map[string]any), "value") != "DW_Viewer" {
		t.Errorf("groups = %v", got["groups"])
	}

	// PUT replaces everything: what it leaves out goes.
	put := strings.NewReplacer(`"Tour Guide"`, `"Chief Guide"`, `"Theme Park"`, `"Studios"`,
		`"ims": [{"value": "someaimhandle", "type": "aim", "primary": false}],`, "").Replace(body)
	var putSent map[string]any
	if err := json.Unmarshal([]byte(put), &putSent); err != nil {
		t.Fatal(err)
	}
	delete(putSent, "schemas")
	replaced := e.do(t, http.MethodPut, path, tok, put).must(t, http.StatusOK).Body
	if k := kept(t, replaced); !reflect.DeepEqual(k, putSent) {
		t.Errorf("PUT returns\n %v\nwant\n %v", k, putSent)
	}

	// PATCH changes one attribute of each kind and leaves the rest.
	patched := e.do(t, http.MethodPatch, path, tok, patchOps(
		`{"op":"replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"555-555-0000"}`,
		`{"op":"add","path":"addresses[type eq \"other\"].locality","value":"Burbank"}`,
		`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter","value":"4200"}`,
		`{"op":"remove","path":"x509Certificates"}`,
		`{"op":"replace","path":"name.honorificPrefix","value":"Dr."}`,
	)).must(t, http.StatusOK).Body
	want := kept(t, replaced)
	want["phoneNumbers"].([]any)[1].(map[string]any)["value"] = "555-555-0000"
	want["addresses"] = append(want["addresses"].([]any), map[string]any{"type": "other", "locality": "Burbank", "primary": false})
	want["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)["costCenter"] = "4200"
	delete(want, "x509Certificates")
	want["name"].(map[string]any)["honorificPrefix"] = "Dr."
	if k := kept(t, patched); !reflect.DeepEqual(k, want) {
		t.Errorf("PATCH returns\n %v\nwant\n %v", k, want)
	}

	// Filters and sorting reach the new attributes.
	for _, f := range []string{`title eq "chief guide"`, `phoneNumbers.value eq "555-555-0000"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Tour Operations"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "` + str(manager, "id") + `"`,
		`entitlements[type eq "license"]`, `locale eq "en-us"`} {
		r := e.do(t, http.MethodGet, filterQuery(f), tok, "").must(t, http.StatusOK).Body
		if r["totalResults"] != 1.0 {
			t.Errorf("%s: %v users, want 1", f, r["totalResults"])
		}
	}
	e.do(t, http.MethodGet, filterQuery(`addresses.locality eq "Hollywood"`), tok, "").scimError(t, http.StatusBadRequest, "invalidFilter")
}

// TestConnectorRequestShapes: requests that Entra ID and SAP's tools send,
// which an earlier release refused.
func TestConnectorRequestShapes(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	body := strings.Replace(userJSON("jdoe"), `"emails"`, `"urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters":{"idpUserId":"jdoe@idp"},"emails"`, 1)
	id := str(e.create(t, tok, body), "id")
	e.create(t, tok, userJSON("other"))
	one := func(f string, extra ...string) {
		t.Helper()
		q := url.Values{"filter": {f}}
		for i := 0; i+1 < len(extra); i += 2 {
			q.Set(extra[i], extra[i+1])
		}
		r := e.do(t, http.MethodGet, usersPath+"?"+q.Encode(), tok, "").must(t, http.StatusOK).Body
		list := asList(r["Resources"])
		if r["totalResults"] != 1.0 || str(list[0].(map[string]any), "id") != id {
			t.Errorf("%s %v: %v", f, extra, r)
		}
	}
	// Entra ID: a value filter followed by a sub-attribute.
	one(`emails[type eq "work"].value eq "jdoe@example.com"`)
	e.do(t, http.MethodGet, filterQuery(`emails[type eq "home"].value eq "jdoe@example.com"`), tok, "").must(t, http.StatusOK)
	// SAP's tools: extension paths with a dot, in filters, attributes and sortBy.
	one(`urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters.idpUserId eq "jdoe@idp"`,
		"attributes", "urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters.idpUserId",
		"sortBy", "urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters.idpUserId")
	r := e.do(t, http.MethodGet, usersPath+"/"+id+"?attributes="+
		url.QueryEscape("urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters.idpUserId"), tok, "").must(t, http.StatusOK).Body
	if _, ok := r["userName"]; ok || str(r["urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters"].(map[string]any), "idpUserId") != "jdoe@idp" {
		t.Errorf("attributes with a dotted extension path: %v", r)
	}
	// SAP's headers do no harm.
	csrf := e.do(t, http.MethodGet, "/api/v1/csrf", tok, "", "x-csrf-token", "fetch")
	p := e.do(t, http.MethodPatch, usersPath+"/"+id, tok, patchOps(
		`{"op":"replace","path":"urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters.idpUserId","value":"j.doe@idp"}`),
		"x-sap-sac-custom-auth", "true", "x-csrf-token", csrf.Header.Get("x-csrf-token")).must(t, http.StatusOK).Body
	if str(p["urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters"].(map[string]any), "idpUserId") != "j.doe@idp" {
		t.Errorf("PATCH with a dotted path: %v", p)
	}
}

// TestPatchThatChangesNothing: an add of what the user has already leaves
// its version and meta.lastModified as they are (RFC 7644 §3.5.2.1).
func TestPatchThatChangesNothing(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	u := e.create(t, tok, strings.Replace(userJSON("same"), `"emails"`, `"roles":[{"value":"DW Viewer"}],"emails"`, 1))
	path := usersPath + "/" + str(u, "id")
	r := e.do(t, http.MethodPatch, path, tok, patchOps(`{"op":"add","path":"roles","value":[{"value":"PROFILE:sap.dwc:DW_Viewer"}]}`,
		`{"op":"replace","path":"name.givenName","value":"Given"}`)).must(t, http.StatusOK)
	if r.Header.Get("ETag") != `W/"1"` || str(r.Body, "meta.lastModified") != str(u, "meta.lastModified") {
		t.Errorf("after a PATCH that changes nothing: ETag %s, lastModified %s (was %s)",
			r.Header.Get("ETag"), str(r.Body, "meta.lastModified"), str(u, "meta.lastModified"))
	}
	r = e.do(t, http.MethodPatch, path, tok, patchOps(`{"op":"add","path":"roles","value":[{"value":"DW Modeler"}]}`)).must(t, http.StatusOK)
	if r.Header.Get("ETag") != `W/"2"` {
		t.Errorf("after a PATCH that changes: ETag %s, want W/\"2\"", r.Header.Get("ETag"))
	}
}
