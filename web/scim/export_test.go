package scim

import (
	"encoding/json"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// sampleUser is the user the fuzz targets evaluate filters and apply PATCH
// operations against.
func sampleUser() store.User {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return store.User{
		ID: "2819c223-7f76-453a-919d-413861904646", UserName: "bjensen", GivenName: "Barbara", FamilyName: "Jensen",
		DisplayName: "Babs Jensen", Active: true, PreferredLanguage: "en",
		Emails: []store.Email{{Value: "bjensen@example.com", Type: "work", Primary: true}, {Value: "babs@jensen.org", Type: "home"}},
		Roles:  []string{store.RoleViewer}, ExternalID: "701984", IdpUserID: "bjensen@idp", Version: 3,
		CreatedAt: t, UpdatedAt: t.Add(time.Hour),
	}
}

var sampleRoles = newRoleCatalog([]store.Role{
	{Value: store.RoleAdministrator, Display: "DW Administrator"},
	{Value: store.RoleViewer, Display: "DW Viewer"},
})

// EvalFilter parses and binds filter and evaluates it against a sample user
// (bjensen, see sampleUser). It returns the parse or bind error.
func EvalFilter(filter string) (bool, error) {
	e, err := parseFilter(filter)
	if err != nil {
		return false, err
	}
	if err := bindFilter(e); err != nil {
		return false, err
	}
	return matches(e, toResource(sampleUser(), sampleRoles, "")), nil
}

// PatchSample applies one PATCH operation (value as JSON) to the sample user
// and checks the result as a PUT body. It returns the patched resource as
// JSON, or the error.
func PatchSample(op, path, value string) ([]byte, error) {
	doc := toResource(sampleUser(), sampleRoles, "")
	req := patchRequest{Schemas: []string{schemaPatchOp}, Operations: []patchOp{{Op: op, Path: path, Value: json.RawMessage(value)}}}
	if value == "" {
		req.Operations[0].Value = nil
	}
	if err := applyPatch(doc, req); err != nil {
		return nil, err
	}
	in, err := checkResource(doc, sampleRoles.list)
	if err != nil {
		return nil, err
	}
	if _, err := oauth.CheckUserInput(sampleRoles.list, in); err != nil {
		return nil, invalidUser(nil, err)
	}
	return json.Marshal(doc)
}

// ParsePatchPath parses and binds a PATCH path.
func ParsePatchPath(path string) error {
	_, err := parsePatchPath(path)
	return err
}
