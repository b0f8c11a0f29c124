package scim_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/appintegration/appintegration/web/scim"
)

// TestPatchOperations applies single operations to the sample user (bjensen,
// work e-mail bjensen@example.com primary, home e-mail babs@jensen.org, role
// DW Viewer) and checks the result.
func TestPatchOperations(t *testing.T) {
	tests := []struct {
		name, op, path, value string
		check                 func(t *testing.T, u map[string]any)
		err                   string
	}{
		{name: "replace active with a string as Entra sends it", op: "Replace", path: "active", value: `"False"`,
			check: func(t *testing.T, u map[string]any) { want(t, u["active"], false) }},
		{name: "path-less replace with dotted keys", op: "replace", value: `{"active":"True","name.givenName":"Babs","displayName":"B J","emails[type eq \"work\"].value":"babs@example.com"}`,
			check: func(t *testing.T, u map[string]any) {
				want(t, u["active"], true)
				want(t, u["name"].(map[string]any)["givenName"], "Babs")
				want(t, u["displayName"], "B J")
				want(t, email(u, "work"), "babs@example.com")
			}},
		{name: "path-less replace with the extension URN as key", op: "replace",
			value: `{"urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters":{"idpUserId":"new@idp"}}`,
			check: func(t *testing.T, u map[string]any) {
				want(t, u[scim.SchemaExtension].(map[string]any)["idpUserId"], "new@idp")
			}},
		{name: "extension attribute by full path", op: "replace", path: scim.SchemaExtension + ":idpUserId", value: `"x@idp"`,
			check: func(t *testing.T, u map[string]any) {
				want(t, u[scim.SchemaExtension].(map[string]any)["idpUserId"], "x@idp")
			}},
		{name: "add a role by display name", op: "add", path: "roles", value: `[{"value":"DW Administrator"}]`,
			check: func(t *testing.T, u map[string]any) { want(t, len(u["roles"].([]any)), 2) }},
		{name: "add an existing role again", op: "add", path: "roles", value: `[{"value":"PROFILE:sap.dwc:DW_Viewer"}]`,
			check: func(t *testing.T, u map[string]any) { want(t, len(u["roles"].([]any)), 1) }},
		{name: "remove a role by filter", op: "remove", path: `roles[value eq "PROFILE:sap.dwc:DW_Viewer"]`,
			check: func(t *testing.T, u map[string]any) { want(t, len(asList(u["roles"])), 0) }},
		{name: "remove a role by value, as Entra sends it", op: "Remove", path: "roles", value: `[{"value":"DW Viewer"}]`,
			check: func(t *testing.T, u map[string]any) { want(t, len(asList(u["roles"])), 0) }},
		{name: "remove active deactivates", op: "remove", path: "active",
			check: func(t *testing.T, u map[string]any) { want(t, u["active"], false) }},
		{name: "replace active with null", op: "replace", path: "active", value: "null", err: "needs a value"},
		{name: "path-less replace with active null deactivates", op: "replace", value: `{"active":null}`,
			check: func(t *testing.T, u map[string]any) { want(t, u["active"], false) }},
		{name: "remove a role by its display name only", op: "remove", path: "roles", value: `[{"display":"DW Viewer"}]`,
			check: func(t *testing.T, u map[string]any) { want(t, len(asList(u["roles"])), 0) }},
		{name: "replace roles", op: "replace", path: "roles", value: `[{"value":"PROFILE:sap.dwc:DW_Administrator"}]`,
			check: func(t *testing.T, u map[string]any) {
				want(t, u["roles"].([]any)[0].(map[string]any)["value"], "PROFILE:sap.dwc:DW_Administrator")
			}},
		{name: "unknown role", op: "add", path: "roles", value: `[{"value":"PROFILE:sap.dwc:Nope"}]`, err: "not a role of the catalog"},
		{name: "replace the value of a filtered e-mail", op: "replace", path: `emails[type eq "home"].value`, value: `"b@home.example"`,
			check: func(t *testing.T, u map[string]any) { want(t, email(u, "home"), "b@home.example") }},
		{name: "add a filtered e-mail that does not exist adds it", op: "add", path: `emails[type eq "other"].value`, value: `"o@example.net"`,
			check: func(t *testing.T, u map[string]any) { want(t, email(u, "other"), "o@example.net") }},
		{name: "replace through a filter that selects nothing has no target", op: "replace", path: `emails[type eq "other"].value`,
			value: `"o@example.net"`, err: "matches the filter"},
		{name: "remove through a filter that selects nothing has no target", op: "remove", path: `emails[type eq "other"]`,
			err: "matches the filter"},
		{name: "replace of an attribute not set adds it", op: "replace", path: "title", value: `"Tour Guide"`,
			check: func(t *testing.T, u map[string]any) { want(t, u["title"], "Tour Guide") }},
		{name: "making one e-mail primary clears the other", op: "replace", path: `emails[type eq "home"].primary`, value: `true`,
			check: func(t *testing.T, u map[string]any) {
				for _, e := range u["emails"].([]any) {
					m := e.(map[string]any)
					want(t, m["primary"], m["type"] == "home")
				}
			}},
		{name: "remove one e-mail by filter", op: "remove", path: `emails[type eq "work" and value ew "example.com"]`,
			check: func(t *testing.T, u map[string]any) { want(t, len(u["emails"].([]any)), 1) }},
		{name: "remove every e-mail breaks the required rule", op: "remove", path: "emails", err: "emails is required"},
		{name: "add name sub-attribute", op: "add", path: "name.familyName", value: `"Jensen-Smith"`,
			check: func(t *testing.T, u map[string]any) {
				want(t, u["name"].(map[string]any)["familyName"], "Jensen-Smith")
			}},
		{name: "replace name merges sub-attributes", op: "replace", path: "name", value: `{"givenName":"Barb"}`,
			check: func(t *testing.T, u map[string]any) {
				want(t, u["name"].(map[string]any)["givenName"], "Barb")
				want(t, u["name"].(map[string]any)["familyName"], "Jensen")
			}},
		{name: "phone numbers are kept", op: "add", path: `phoneNumbers[type eq "work"].value`, value: `"+1 555"`,
			check: func(t *testing.T, u map[string]any) {
				want(t, u["phoneNumbers"].([]any)[0].(map[string]any)["value"], "+1 555")
			}},
		{name: "the enterprise extension is kept", op: "replace", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", value: `"R&D"`,
			check: func(t *testing.T, u map[string]any) {
				want(t, u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)["department"], "R&D")
			}},
		{name: "SAP's dotted extension path", op: "replace", path: "urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters.idpUserId", value: `"b@idp"`,
			check: func(t *testing.T, u map[string]any) {
				want(t, u["urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters"].(map[string]any)["idpUserId"], "b@idp")
			}},
		{name: "userName is checked", op: "replace", path: "userName", value: `"not valid!"`, err: "1 to 20 letters"},
		{name: "id is read-only", op: "replace", path: "id", value: `"x"`, err: "read-only"},
		{name: "meta is read-only", op: "replace", path: "meta.created", value: `"2020-01-01T00:00:00Z"`, err: "read-only"},
		{name: "unknown attribute", op: "replace", path: "shoeSize", value: `"42"`, err: "unknown attribute"},
		{name: "bad path", op: "replace", path: `emails[type eq "work"`, err: "not closed"},
		{name: "remove without path", op: "remove", err: "remove needs a path"},
		{name: "unknown op", op: "merge", path: "active", value: "true", err: "not add, replace or remove"},
		{name: "add without value", op: "add", path: "displayName", err: "needs a value"},
		{name: "filtered add without match and no eq filter", op: "add", path: `emails[value co "zzz"].type`, value: `"work"`, err: "matches the filter"},
		{name: "password is write-only and checked", op: "replace", path: "password", value: `"short"`, err: "8 to 72 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := scim.PatchSample(tt.op, tt.path, tt.value)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			var u map[string]any
			if err := json.Unmarshal(out, &u); err != nil {
				t.Fatal(err)
			}
			tt.check(t, u)
		})
	}
}

func want(t *testing.T, got, wanted any) {
	t.Helper()
	if got != wanted {
		t.Errorf("got %v (%T), want %v (%T)", got, got, wanted, wanted)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// email returns the value of the e-mail of type typ.
func email(u map[string]any, typ string) any {
	for _, e := range asList(u["emails"]) {
		if m := e.(map[string]any); m["type"] == typ {
			return m["value"]
		}
	}
	return nil
}

// FuzzPatchPath feeds arbitrary paths to the PATCH path parser and applies
// the operation: nothing may panic.
func FuzzPatchPath(f *testing.F) {
	for _, s := range []string{
		"active", "name.givenName", `emails[type eq "work"].value`, `emails[type eq "work" and value ew "example.com"]`,
		`roles[value eq "PROFILE:sap.dwc:DW_Viewer"]`, scim.SchemaExtension + ":idpUserId", scim.SchemaExtension,
		`members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName`, "urn:ietf:params:scim:schemas:core:2.0:User:userName",
		`emails[`, `]`, `emails[type eq "work"].`, `a.b.c`,
	} {
		f.Add(s, `"x"`)
	}
	f.Fuzz(func(t *testing.T, path, value string) {
		if scim.ParsePatchPath(path) != nil {
			return
		}
		for _, op := range []string{"add", "replace", "remove"} {
			_, _ = scim.PatchSample(op, path, value)
		}
	})
}
