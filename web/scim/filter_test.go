package scim_test

import (
	"strings"
	"testing"

	"github.com/appintegration/appintegration/web/scim"
)

// TestFilterGrammar runs filters of every form of RFC 7644 §3.4.2.2 against a
// sample user (bjensen; work e-mail bjensen@example.com, primary; home e-mail
// babs@jensen.org; role DW Viewer; created 2026-01-02T03:04:05Z).
func TestFilterGrammar(t *testing.T) {
	tests := []struct {
		filter string
		want   bool
		err    string // substring of the error; "" when the filter is valid
	}{
		// Attribute operators (Table 3).
		{filter: `userName eq "bjensen"`, want: true},
		{filter: `userName eq "BJENSEN"`, want: true}, // caseExact false
		{filter: `UserName EQ "bjensen"`, want: true}, // names and operators case-insensitive
		{filter: `userName ne "bjensen"`, want: false},
		{filter: `userName co "jen"`, want: true},
		{filter: `userName sw "bj"`, want: true},
		{filter: `userName ew "sen"`, want: true},
		{filter: `userName ew "bj"`, want: false},
		{filter: `userName gt "a"`, want: true},
		{filter: `userName ge "bjensen"`, want: true},
		{filter: `userName lt "c"`, want: true},
		{filter: `userName le "bjensem"`, want: false},
		{filter: `title pr`, want: false},
		{filter: `shoeSize pr`, err: `unknown attribute "shoeSize"`},
		{filter: `displayName pr`, want: true},
		{filter: `externalId pr`, want: true},
		{filter: `externalId eq "701984"`, want: true},
		{filter: `id eq "2819C223-7F76-453A-919D-413861904646"`, want: false}, // id is caseExact
		{filter: `name.familyName co "ens"`, want: true},
		{filter: `name.FAMILYNAME eq "jensen"`, want: true},
		{filter: `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName sw "Barb"`, want: true},
		{filter: `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen"`, want: true},
		{filter: `urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters:idpUserId eq "bjensen@idp"`, want: true},
		{filter: `meta.created gt "2026-01-01T00:00:00Z"`, want: true},
		{filter: `meta.lastModified ge "2026-01-02T04:04:05Z"`, want: true},
		{filter: `meta.lastModified gt "2026-01-02T04:04:05Z"`, want: false},
		{filter: `meta.resourceType eq "User"`, want: true},
		{filter: `active eq true`, want: true},
		{filter: `active ne true`, want: false},
		{filter: `active eq false`, want: false},
		{filter: `emails co "example.com"`, want: true}, // the value sub-attribute
		{filter: `emails.value ew "jensen.org"`, want: true},
		{filter: `emails.type eq "other"`, want: false},
		{filter: `roles.value eq "PROFILE:sap.dwc:DW_Viewer"`, want: true},
		{filter: `roles.display eq "dw viewer"`, want: true},
		{filter: `externalId eq null`, want: false},
		{filter: `nickName eq null`, want: true},
		{filter: `displayName ne null`, want: true},
		// Logical operators, precedence and grouping.
		{filter: `userName eq "bjensen" and active eq true`, want: true},
		{filter: `userName eq "x" or active eq true`, want: true},
		{filter: `userName eq "x" or userName eq "y" and active eq true`, want: false},
		{filter: `userName eq "bjensen" or userName eq "y" and active eq false`, want: true}, // and binds tighter
		{filter: `(userName eq "bjensen" or userName eq "y") and active eq false`, want: false},
		{filter: `not (userName eq "x")`, want: true},
		{filter: `NOT (userName eq "bjensen")`, want: false},
		{filter: `not (not (active eq true))`, want: true},
		{filter: `userName eq "bjensen" and not (emails.type eq "other")`, want: true},
		// Complex attribute filters (valuePath).
		{filter: `emails[type eq "work" and value co "@example.com"]`, want: true},
		{filter: `emails[type eq "home" and value co "@example.com"]`, want: false},
		{filter: `emails[type eq "work" and primary eq true]`, want: true},
		{filter: `emails[type eq "home" and primary eq true]`, want: false},
		{filter: `emails[not (type eq "work")]`, want: true},
		{filter: `userName eq "bjensen" and emails[type eq "home" or value sw "x"]`, want: true},
		{filter: `roles[value eq "PROFILE:sap.dwc:DW_Viewer"]`, want: true},
		{filter: `name[givenName eq "barbara"]`, want: true},
		// Strings with escapes.
		{filter: `displayName eq "Babs \u004Aensen"`, want: true},
		{filter: `displayName eq "Babs \"Jensen\""`, want: false},
		// Errors: invalidFilter.
		{filter: `userName eq`, err: "expected a value"},
		{filter: `userName eq bjensen`, err: "expected a value"},
		{filter: `userName`, err: "expected an operator"},
		{filter: `userName xx "a"`, err: "unknown operator"},
		{filter: `userName eq "a" and`, err: "expected an attribute"},
		{filter: `(userName eq "a"`, err: `expected ")"`},
		{filter: `userName eq "a")`, err: "unexpected"},
		{filter: `not userName eq "a"`, err: `"(" after not`},
		{filter: `emails[type eq "work"`, err: `expected "]"`},
		{filter: `emails[type[value eq "x"] eq "y"]`, err: "cannot nest"},
		{filter: `emails[bogus eq "x"]`, err: "no sub-attribute"},
		{filter: `userName eq "unterminated`, err: "not closed"},
		{filter: `active gt true`, err: "use eq or ne"},
		{filter: `active eq "yes"`, err: "boolean"},
		{filter: `userName eq 42`, err: "is a string"},
		{filter: `meta.created gt "yesterday"`, err: "RFC 3339"},
		{filter: `meta.created co "2026"`, err: "dateTime"},
		{filter: `password eq "secret"`, err: "cannot be used in a filter"},
		{filter: `name eq "Barbara"`, err: "complex attribute"},
		{filter: `userName co null`, err: "null"},
		{filter: `1userName eq "a"`, err: "not an attribute path"},
		{filter: strings.Repeat("(", 40) + `userName eq "a"` + strings.Repeat(")", 40), err: "nests more than"},
		{filter: `userName eq "` + strings.Repeat("a", 5000) + `"`, err: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.filter[:min(len(tt.filter), 60)], func(t *testing.T) {
			got, err := scim.EvalFilter(tt.filter)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

// FuzzFilter feeds arbitrary text to the filter parser: it must never panic,
// and a filter that parses and binds must evaluate.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		`userName eq "bjensen"`, `name.familyName co "O'Malley"`, `userName sw "J"`,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, `title pr`,
		`meta.lastModified gt "2011-05-13T04:42:34Z"`, `title pr and userType eq "Employee"`,
		`title pr or userType eq "Intern"`, `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`,
		`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
		`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		`userType eq "Employee" and (emails.type eq "work")`,
		`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
		`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
		`active eq true`, `displayName eq "\u00e9\\\""`, `not (active eq false)`, `((((`, `]`, `a eq 1e5`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = scim.EvalFilter(s)
	})
}
