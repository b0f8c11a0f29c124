package scim_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

const groupsPath = "/api/v1/scim2/Groups"

func groupNames(body map[string]any) []string {
	var out []string
	for _, g := range asList(body["Resources"]) {
		out = append(out, str(g.(map[string]any), "displayName"))
	}
	return out
}

func memberIDs(g map[string]any) []string {
	var out []string
	for _, m := range asList(g["members"]) {
		out = append(out, str(m.(map[string]any), "value"))
	}
	return out
}

// TestGroupsAreTheRoleCatalog: GET /Groups lists the six roles, filtered and
// paged, with or without their members.
func TestGroupsAreTheRoleCatalog(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	all := e.do(t, http.MethodGet, groupsPath, tok, "").must(t, http.StatusOK).Body
	if got := strings.Join(groupNames(all), ","); got != "DW Administrator,DW Space Administrator,DW Integrator,DW Modeler,DW Viewer,DW Consumer" ||
		all["totalResults"] != 6.0 {
		t.Errorf("GET /Groups = %s (%v)", got, all["totalResults"])
	}
	for _, tc := range []struct{ filter, want string }{
		{`displayName eq "DW Modeler"`, "DW Modeler"},
		{`displayName eq "dw modeler"`, "DW Modeler"},
		{`displayName sw "DW Space"`, "DW Space Administrator"},
		{`id eq "DW_Viewer"`, "DW Viewer"},
		{`displayName eq "Marketing"`, ""},
		{`displayName co "admin" and not (displayName co "space")`, "DW Administrator"},
	} {
		r := e.do(t, http.MethodGet, groupsPath+"?"+url.Values{"filter": {tc.filter}, "excludedAttributes": {"members"}}.Encode(), tok, "").
			must(t, http.StatusOK).Body
		if got := strings.Join(groupNames(r), ","); got != tc.want {
			t.Errorf("filter %s: %q, want %q", tc.filter, got, tc.want)
		}
		for _, g := range asList(r["Resources"]) {
			if _, ok := g.(map[string]any)["members"]; ok {
				t.Errorf("excludedAttributes=members: members shown")
			}
		}
	}
	page := e.do(t, http.MethodGet, groupsPath+"?startIndex=5&count=10&sortBy=displayName", tok, "").must(t, http.StatusOK).Body
	if got := strings.Join(groupNames(page), ","); got != "DW Space Administrator,DW Viewer" || page["totalResults"] != 6.0 {
		t.Errorf("page 5.. by displayName: %s", got)
	}
	g := e.do(t, http.MethodGet, groupsPath+"/DW_Integrator", tok, "").must(t, http.StatusOK).Body
	if str(g, "displayName") != "DW Integrator" || str(g, "meta.resourceType") != "Group" ||
		!strings.HasSuffix(str(g, "meta.location"), "/api/v1/scim2/Groups/DW_Integrator") {
		t.Errorf("GET /Groups/DW_Integrator = %v", g)
	}
	e.do(t, http.MethodGet, groupsPath+"/Marketing", tok, "").scimError(t, http.StatusNotFound, "")
	e.do(t, http.MethodGet, groupsPath+"?filter="+url.QueryEscape(`members co "x"`), tok, "").
		scimError(t, http.StatusBadRequest, "invalidFilter")
}

// TestGroupsCannotBeCreatedOrDeleted: the catalog is fixed; the errors say
// what to do instead.
func TestGroupsCannotBeCreatedOrDeleted(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t)
	r := e.do(t, http.MethodPost, groupsPath, tok, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Marketing"}`)
	r.scimError(t, http.StatusBadRequest, "mutability")
	if d := str(r.Body, "detail"); !strings.Contains(d, "Name the directory's group after a role") || !strings.Contains(d, "DW Modeler") {
		t.Errorf("detail %q does not say what to do", d)
	}
	r = e.do(t, http.MethodPost, groupsPath, tok, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"dw viewer"}`)
	r.scimError(t, http.StatusConflict, "uniqueness")
	if d := str(r.Body, "detail"); !strings.Contains(d, "DW_Viewer") {
		t.Errorf("detail %q does not name the group's id", d)
	}
	e.do(t, http.MethodDelete, groupsPath+"/DW_Viewer", tok, "").scimError(t, http.StatusBadRequest, "mutability")
	e.do(t, http.MethodPatch, groupsPath+"/DW_Viewer", tok, patchOps(`{"op":"replace","path":"displayName","value":"Readers"}`)).
		scimError(t, http.StatusBadRequest, "mutability")
	// Sending the name back as it is, as Okta does, changes nothing.
	e.do(t, http.MethodPatch, groupsPath+"/DW_Viewer", tok, patchOps(`{"op":"replace","value":{"id":"DW_Viewer","displayName":"DW Viewer"}}`)).
		must(t, http.StatusNoContent)
}

func patchOps(ops ...string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(ops, ",") + `]}`
}

// TestGroupMembersAreRoleHolders: adding and removing members, the ways
// Entra ID and Okta send it, assigns and removes the role: the users' roles
// and groups show it, GET /Users finds them by group, the tokens in their name
// carry the role's scopes, and the changes are audited. A technical user or an
// unknown user fails the whole request, which then changes nothing.
func TestGroupMembersAreRoleHolders(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tok := e.token(t)
	withPassword := strings.Replace(userJSON("alice"), `"emails"`, `"password":"alice-secret-1","emails"`, 1)
	alice, bob := str(e.create(t, tok, withPassword), "id"), str(e.create(t, tok, userJSON("bob")), "id")
	admins := groupsPath + "/DW_Administrator"

	e.do(t, http.MethodPatch, admins, tok, patchOps(`{"op":"add","path":"members","value":[{"value":"`+alice+`"},{"value":"`+bob+`"}]}`)).
		must(t, http.StatusNoContent)
	g := e.do(t, http.MethodGet, admins, tok, "").must(t, http.StatusOK).Body
	if got := memberIDs(g); !slices.Contains(got, alice) || !slices.Contains(got, bob) {
		t.Errorf("members after add: %v", got)
	}
	u := e.do(t, http.MethodGet, usersPath+"/"+alice, tok, "").must(t, http.StatusOK).Body
	if roleValues(u) != store.RoleAdministrator || str(asList(u["groups"])[0].(map[string]any), "value") != "DW_Administrator" {
		t.Errorf("alice after add: roles %s, groups %v", roleValues(u), u["groups"])
	}
	byGroup := e.do(t, http.MethodGet, filterQuery(`groups.value eq "DW_Administrator"`), tok, "").must(t, http.StatusOK).Body
	if byGroup["totalResults"] != 2.0 {
		t.Errorf("users in DW_Administrator: %v", byGroup["totalResults"])
	}
	member := e.do(t, http.MethodGet, groupsPath+"?"+url.Values{"filter": {`members.value eq "` + alice + `"`}}.Encode(), tok, "").
		must(t, http.StatusOK).Body
	if got := strings.Join(groupNames(member), ","); got != "DW Administrator" {
		t.Errorf("groups with alice: %s", got)
	}

	// A token of alice's (authorization code) carries the role's scopes.
	if scope := userTokenScope(t, e, "alice", "alice-secret-1"); scope != "user_provisioning content_network" {
		t.Errorf("alice's token scope %q while an administrator", scope)
	}

	// Entra ID removes a member by a value filter, Okta with a value list.
	e.do(t, http.MethodPatch, admins, tok, patchOps(`{"op":"remove","path":"members[value eq \"`+alice+`\"]"}`)).
		must(t, http.StatusNoContent)
	e.do(t, http.MethodPatch, admins, tok, patchOps(`{"op":"remove","path":"members","value":[{"value":"`+bob+`"}]}`)).
		must(t, http.StatusNoContent)
	if got := memberIDs(e.do(t, http.MethodGet, admins, tok, "").must(t, http.StatusOK).Body); len(got) != 0 {
		t.Errorf("members after removes: %v", got)
	}
	if scope := userTokenScope(t, e, "alice", "alice-secret-1"); scope != "" {
		t.Errorf("alice's token scope %q after losing the role", scope)
	}
	audit, err := e.Store.ListAudit(ctx, store.AuditFilter{Action: "user.updated"})
	if err != nil || len(audit) != 4 || !strings.Contains(audit[0].Detail, "SCIM Group PATCH") || !strings.Contains(audit[0].Detail, "roles") {
		t.Errorf("audit: %d entries, %v: %+v", len(audit), err, audit)
	}

	// PUT sets the members; a technical user or an unknown user fails the
	// whole request.
	e.do(t, http.MethodPut, groupsPath+"/DW_Modeler", tok, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName":"DW Modeler","members":[{"value":"`+alice+`"}]}`).must(t, http.StatusOK)
	put := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"DW Modeler","members":[{"value":"` + bob + `"}]}`
	g = e.do(t, http.MethodPut, groupsPath+"/DW_Modeler", tok, put).must(t, http.StatusOK).Body
	if got := memberIDs(g); !slices.Equal(got, []string{bob}) {
		t.Errorf("members after PUT: %v, want only bob", got)
	}
	tu, _, err := e.Svc.CreateClient(ctx, "test", oauth.ClientInput{Name: "etl", Purpose: store.PurposeTechnicalUser,
		UserID: "ETL_USER", Roles: []string{"DW Viewer"}})
	if err != nil {
		t.Fatal(err)
	}
	e.do(t, http.MethodPatch, groupsPath+"/DW_Modeler", tok, patchOps(`{"op":"add","path":"members","value":[{"value":"`+alice+`"},{"value":"`+tu.UserID+`"}]}`)).
		scimError(t, http.StatusBadRequest, "mutability")
	e.do(t, http.MethodPatch, groupsPath+"/DW_Modeler", tok, patchOps(`{"op":"add","path":"members","value":[{"value":"`+alice+`"},{"value":"nobody"}]}`)).
		scimError(t, http.StatusBadRequest, "invalidValue")
	if got := memberIDs(e.do(t, http.MethodGet, groupsPath+"/DW_Modeler", tok, "").must(t, http.StatusOK).Body); !slices.Equal(got, []string{bob}) {
		t.Errorf("members after refused PATCHes: %v, want only bob: nothing may change", got)
	}
}

// userTokenScope gets an access token in a user's name through the
// Authorization Code grant (the service's steps of it) and returns its
// scope; "" when the user holds no scope.
func userTokenScope(t *testing.T, e *env, userName, password string) string {
	t.Helper()
	ctx := context.Background()
	c, secret, err := e.Svc.CreateClient(ctx, "test", oauth.ClientInput{Name: "app " + userName, Purpose: store.PurposeInteractive,
		RedirectURIs: []string{"https://app.example.com/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	ar, err := e.Svc.CheckAuthorizeRequest(ctx, url.Values{"response_type": {"code"}, "client_id": {c.ID},
		"redirect_uri": {"https://app.example.com/callback"}, "code_challenge_method": {"S256"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.Svc.Authenticate(ctx, userName, password)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := e.Svc.IssueCode(ctx, ar, u)
	if err != nil {
		if ae := oauth.AsAuthorizeError(err); ae != nil && ae.Err.Code == "invalid_scope" {
			return ""
		}
		t.Fatal(err)
	}
	redirect, _ := url.Parse(loc)
	resp, err := e.Svc.Token(ctx, &oauth.TokenRequest{
		Credentials: oauth.Credentials{ClientID: c.ID, Secret: secret, Method: "client_secret_basic"},
		GrantType:   oauth.GrantTypeAuthorizationCode,
		Params: url.Values{"code": {redirect.Query().Get("code")}, "redirect_uri": {"https://app.example.com/callback"},
			"code_verifier": {verifier}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Scope
}

// TestGroupReplaceKeepsWhatIsNotTheDirectorys: replacing a Group's members
// (PUT, or PATCH replace) works when users the directory does not know hold
// the role: a Technical User client's own user keeps it (its roles change
// only through its client), and the bootstrap ADMIN, which has no e-mail
// address, loses it without its other attributes being checked again.
func TestGroupReplaceKeepsWhatIsNotTheDirectorys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tok := e.token(t)
	if _, err := e.Svc.BootstrapAdmin(ctx, "a long admin password"); err != nil {
		t.Fatal(err)
	}
	admin, err := e.Store.GetUserByName(ctx, "ADMIN")
	if err != nil {
		t.Fatal(err)
	}
	tu, _, err := e.Svc.CreateClient(ctx, "test", oauth.ClientInput{Name: "etl", Purpose: store.PurposeTechnicalUser,
		UserID: "ETL_USER", Roles: []string{"DW Viewer", "DW Administrator"}})
	if err != nil {
		t.Fatal(err)
	}
	alice := str(e.create(t, tok, userJSON("alice")), "id")
	for _, group := range []string{"DW_Administrator", "DW_Viewer"} {
		g := e.do(t, http.MethodPut, groupsPath+"/"+group, tok, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
			"displayName":"`+strings.ReplaceAll(group, "_", " ")+`","members":[{"value":"`+alice+`"}]}`).must(t, http.StatusOK).Body
		if got, want := memberIDs(g), []string{alice, tu.UserID}; !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("%s after PUT: members %v, want alice and the technical user", group, got)
		}
	}
	if got, err := e.Store.GetUser(ctx, admin.ID); err != nil || slices.Contains(got.Roles, store.RoleAdministrator) {
		t.Errorf("ADMIN after the PUT: %v, %v: want DW Administrator removed", got.Roles, err)
	}
	e.do(t, http.MethodPatch, groupsPath+"/DW_Viewer", tok, patchOps(`{"op":"replace","path":"members","value":[]}`)).
		must(t, http.StatusNoContent)
	if got := memberIDs(e.do(t, http.MethodGet, groupsPath+"/DW_Viewer", tok, "").must(t, http.StatusOK).Body); !slices.Equal(got, []string{tu.UserID}) {
		t.Errorf("DW_Viewer after replacing the members with none: %v, want the technical user only", got)
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
