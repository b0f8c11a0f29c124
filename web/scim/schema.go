package scim

import "strings"

// Schema URNs of the User resource (RFC 7643 §8.7.1) and of the SAP extension
// that carries the IdP user ID.
const (
	SchemaUser      = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaExtension = "urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters"
)

// Attribute types of RFC 7643 §2.3.
const (
	typeString    = "string"
	typeBoolean   = "boolean"
	typeComplex   = "complex"
	typeDateTime  = "dateTime"
	typeReference = "reference"
)

// attrDef describes one attribute as in RFC 7643 §7. The same table drives
// filter binding, PATCH paths, attribute projection, sorting and /Schemas, so
// what is advertised is what works.
type attrDef struct {
	Name        string
	Type        string
	MultiValued bool
	Required    bool
	CaseExact   bool
	Mutability  string // readOnly, readWrite, immutable, writeOnly
	Returned    string // always, never, default
	Uniqueness  string // none, server
	Description string
	Canonical   []string
	Sub         []*attrDef
	// schema is the URN the attribute belongs to, "" for common attributes
	// (id, externalId, meta, schemas) of RFC 7643 §3.1.
	schema string
}

// sub returns the sub-attribute named name (case-insensitively), or nil.
func (a *attrDef) sub(name string) *attrDef {
	for _, s := range a.Sub {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

func str(name, desc string, required, caseExact bool, mutability string) *attrDef {
	return &attrDef{Name: name, Type: typeString, Required: required, CaseExact: caseExact,
		Mutability: mutability, Returned: "default", Uniqueness: "none", Description: desc}
}

// userAttrs are the attributes of the User resource this service stores.
// Core attributes of RFC 7643 §4.1 that are not listed (nickName, title,
// phoneNumbers, addresses, …) are not kept: they are ignored when sent.
var userAttrs = func() []*attrDef {
	boolean := func(name, desc string) *attrDef {
		return &attrDef{Name: name, Type: typeBoolean, Mutability: "readWrite", Returned: "default", Uniqueness: "none", Description: desc}
	}
	id := str("id", "Unique identifier of the user, issued by the service provider.", false, true, "readOnly")
	id.Returned = "always"
	id.Uniqueness = "server"
	userName := str("userName", "Unique user name, 1 to 20 letters, digits or underscores; unique case-insensitively.", true, false, "readWrite")
	userName.Uniqueness = "server"
	password := str("password", "The console password (8 to 72 bytes). Write-only: never returned.", false, false, "writeOnly")
	password.Returned = "never"
	dateTime := func(name, desc string) *attrDef {
		return &attrDef{Name: name, Type: typeDateTime, Mutability: "readOnly", Returned: "default", Uniqueness: "none", Description: desc}
	}
	meta := &attrDef{Name: "meta", Type: typeComplex, Mutability: "readOnly", Returned: "default", Uniqueness: "none",
		Description: "Resource metadata.", Sub: []*attrDef{
			str("resourceType", "The resource type, User.", false, true, "readOnly"),
			dateTime("created", "When the user was created."),
			dateTime("lastModified", "When the user was last changed."),
			{Name: "location", Type: typeReference, CaseExact: true, Mutability: "readOnly", Returned: "default", Uniqueness: "none", Description: "URI of the user."},
			str("version", "The version of the user, also its ETag.", false, true, "readOnly"),
		}}
	emailType := str("type", "work, home or other.", false, false, "readWrite")
	emailType.Canonical = []string{"work", "home", "other"}
	roleValue := str("value", "The role, PROFILE:sap.dwc:… or its display name.", true, false, "readWrite")
	roleDisplay := str("display", "The role's display name.", false, false, "readOnly")
	attrs := []*attrDef{
		id,
		str("externalId", "Identifier of the user in the provisioning client.", false, true, "readWrite"),
		meta,
		userName,
		{Name: "name", Type: typeComplex, Required: true, Mutability: "readWrite", Returned: "default", Uniqueness: "none",
			Description: "The user's name; givenName or familyName must be set.", Sub: []*attrDef{
				str("formatted", "The full name, given name then family name.", false, false, "readOnly"),
				str("familyName", "The family name.", false, false, "readWrite"),
				str("givenName", "The given name.", false, false, "readWrite"),
			}},
		str("displayName", "The name shown for the user.", false, false, "readWrite"),
		str("preferredLanguage", "The user's language, e.g. en or de-DE; en when not given.", false, false, "readWrite"),
		boolean("active", "Whether the user may sign in and be named by tokens; true when not given."),
		password,
		{Name: "emails", Type: typeComplex, MultiValued: true, Required: true, Mutability: "readWrite", Returned: "default", Uniqueness: "none",
			Description: "E-mail addresses; at least one, at most one primary.", Sub: []*attrDef{
				str("value", "The e-mail address.", true, false, "readWrite"),
				emailType,
				boolean("primary", "Whether this is the primary address."),
			}},
		{Name: "roles", Type: typeComplex, MultiValued: true, Mutability: "readWrite", Returned: "default", Uniqueness: "none",
			Description: "Roles from the role catalog.", Sub: []*attrDef{
				roleValue,
				roleDisplay,
				str("type", "Not used; accepted and ignored.", false, false, "readWrite"),
				boolean("primary", "Not used; accepted and ignored."),
			}},
	}
	for _, a := range attrs {
		switch a.Name {
		case "id", "externalId", "meta":
		default:
			a.schema = SchemaUser
		}
	}
	return attrs
}()

// extensionAttrs are the attributes of the SAP extension schema.
var extensionAttrs = func() []*attrDef {
	a := str("idpUserId", "The user's ID at the SAML identity provider (the assertion's NameID).", false, true, "readWrite")
	a.schema = SchemaExtension
	return []*attrDef{a}
}()

// schemasAttr is the "schemas" attribute every resource carries (RFC 7643 §3).
var schemasAttr = &attrDef{Name: "schemas", Type: typeReference, MultiValued: true, CaseExact: true,
	Mutability: "readOnly", Returned: "always"}

// lookupAttr finds a top-level attribute: uri is "" or a schema URN
// (case-insensitive); name is the attribute name. It returns nil when there is
// none.
func lookupAttr(uri, name string) *attrDef {
	switch {
	case uri == "":
		for _, a := range userAttrs {
			if strings.EqualFold(a.Name, name) {
				return a
			}
		}
		if strings.EqualFold(name, "schemas") {
			return schemasAttr
		}
	case strings.EqualFold(uri, SchemaUser):
		for _, a := range userAttrs {
			if strings.EqualFold(a.Name, name) {
				return a
			}
		}
	case strings.EqualFold(uri, SchemaExtension):
		for _, a := range extensionAttrs {
			if strings.EqualFold(a.Name, name) {
				return a
			}
		}
	}
	return nil
}
