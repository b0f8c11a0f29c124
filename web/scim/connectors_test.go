package scim_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/appintegration/appintegration/store"
)

func filterQuery(f string) string { return usersPath + "?filter=" + url.QueryEscape(f) }

// TestEntraIDSequence replays requests in the shape Microsoft Entra ID's
// provisioning service sends them: look up by userName, create, look up
// again, PATCH with capitalised ops and "True"/"False" strings, a path-less
// replace with dotted keys, roles, deactivate, delete.
func TestEntraIDSequence(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)

	r := e.do(t, http.MethodGet, filterQuery(`userName eq "Test_User_ab6490ee"`), tok, "").must(t, http.StatusOK)
	if r.Body["totalResults"] != 0.0 || len(asList(r.Body["Resources"])) != 0 {
		t.Fatalf("lookup before create: %v", r.Body)
	}
	u := e.create(t, tok, `{
	  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	  "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
	  "userName":"Test_User_ab6490ee",
	  "active":true,
	  "addresses":[{"primary":true,"type":"work","postalCode":"33130","country":"US"}],
	  "displayName":"Test User",
	  "emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b@testuser.com"}],
	  "meta":{"resourceType":"User"},
	  "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
	  "phoneNumbers":[{"primary":true,"type":"work","value":"123-456-789"}],
	  "roles":[],
	  "title":"Engineer",
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","employeeNumber":"12"}
	}`)
	id := str(u, "id")
	path := usersPath + "/" + id

	for _, f := range []string{`userName eq "Test_User_ab6490ee"`, `userName eq "test_user_AB6490EE"`, `externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`} {
		r := e.do(t, http.MethodGet, filterQuery(f), tok, "").must(t, http.StatusOK)
		if r.Body["totalResults"] != 1.0 || str(asList(r.Body["Resources"])[0].(map[string]any), "id") != id {
			t.Errorf("%s: %v", f, r.Body)
		}
	}
	patch := func(ops string) map[string]any {
		t.Helper()
		return e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+ops+`]}`).must(t, http.StatusOK).Body
	}
	u = patch(`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
	  {"op":"Replace","path":"name.familyName","value":"updatedFamilyName"},
	  {"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"555"},
	  {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"boss"}`)
	if email(u, "work") != "updatedEmail@microsoft.com" || str(u, "name.familyName") != "updatedFamilyName" {
		t.Errorf("after attribute PATCH: %v", u)
	}
	u = patch(`{"op":"Replace","value":{"displayName":"Dotted","name.givenName":"NewGiven","active":"True",
	  "urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters:idpUserId":"test.user@entra"}}`)
	if str(u, "displayName") != "Dotted" || str(u, "name.givenName") != "NewGiven" || u["active"] != true {
		t.Errorf("after path-less replace: %v", u)
	}
	u = patch(`{"op":"Add","path":"roles","value":[{"value":"PROFILE:sap.dwc:DW_Viewer","display":"DW Viewer","primary":"True"},{"value":"DW Modeler"}]}`)
	if got := roleValues(u); got != store.RoleViewer+","+store.RoleModeler {
		t.Errorf("roles after add: %s", got)
	}
	u = patch(`{"op":"Remove","path":"roles[value eq \"PROFILE:sap.dwc:DW_Viewer\"]"}`)
	if got := roleValues(u); got != store.RoleModeler {
		t.Errorf("roles after remove: %s", got)
	}
	u = patch(`{"op":"Replace","path":"active","value":"False"}`)
	if u["active"] != false {
		t.Errorf("not deactivated: %v", u["active"])
	}
	stored, err := e.Store.GetUserByIdpUserID(t.Context(), "test.user@entra")
	if err != nil || stored.Active || stored.ID != id {
		t.Errorf("stored user: %+v, %v", stored, err)
	}
	e.do(t, http.MethodDelete, path, tok, "").must(t, http.StatusNoContent)
	r = e.do(t, http.MethodGet, filterQuery(`userName eq "Test_User_ab6490ee"`), tok, "").must(t, http.StatusOK)
	if r.Body["totalResults"] != 0.0 {
		t.Errorf("after delete: %v", r.Body)
	}
}

// TestOktaSequence replays requests in the shape Okta's SCIM 2.0 connector
// sends them: lookup with startIndex and count, create with a password and
// attributes this service does not keep, GET, PUT, path-less PATCH to
// deactivate, roles, delete.
func TestOktaSequence(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	r := e.do(t, http.MethodGet, filterQuery(`userName eq "dade_murphy"`)+"&startIndex=1&count=100", tok, "").must(t, http.StatusOK)
	if r.Body["totalResults"] != 0.0 {
		t.Fatalf("lookup: %v", r.Body)
	}
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dade_murphy",
	  "name":{"givenName":"Dade","familyName":"Murphy"},
	  "emails":[{"primary":true,"value":"dade.murphy@example.com","type":"work"}],
	  "displayName":"Dade Murphy","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],
	  "password":"1mz050nq","active":true}`
	u := e.create(t, tok, body)
	id := str(u, "id")
	path := usersPath + "/" + id
	g := e.do(t, http.MethodGet, path, tok, "").must(t, http.StatusOK)
	if str(g.Body, "externalId") != "00ujl29u0le5T6Aj10h7" {
		t.Errorf("GET: %v", g.Body)
	}
	put := strings.Replace(body, `"Dade Murphy"`, `"Zero Cool"`, 1)
	put = strings.Replace(put, `"password":"1mz050nq",`, `"roles":[{"value":"DW Integrator"}],`, 1)
	u = e.do(t, http.MethodPut, path, tok, put, "If-Match", g.Header.Get("ETag")).must(t, http.StatusOK).Body
	if str(u, "displayName") != "Zero Cool" || roleValues(u) != store.RoleIntegrator {
		t.Errorf("PUT: %v", u)
	}
	if _, err := e.Svc.Authenticate(t.Context(), "dade_murphy", "1mz050nq"); err != nil {
		t.Errorf("a PUT without password must keep it: %v", err)
	}
	u = e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"replace","value":{"active":false}}]}`).must(t, http.StatusOK).Body
	if u["active"] != false {
		t.Errorf("deactivate: %v", u)
	}
	u = e.do(t, http.MethodPatch, path, tok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations":[{"op":"replace","path":"roles","value":[{"value":"PROFILE:sap.dwc:DW_Consumer"}]}]}`).must(t, http.StatusOK).Body
	if roleValues(u) != store.RoleConsumer {
		t.Errorf("roles: %v", u["roles"])
	}
	e.do(t, http.MethodDelete, path, tok, "").must(t, http.StatusNoContent)
	e.do(t, http.MethodGet, path, tok, "").scimError(t, http.StatusNotFound, "")
}

func roleValues(u map[string]any) string {
	var out []string
	for _, r := range asList(u["roles"]) {
		out = append(out, str(r.(map[string]any), "value"))
	}
	return strings.Join(out, ",")
}
