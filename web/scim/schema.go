package scim

import (
	"strings"

	"github.com/appintegration/appintegration/store"
)

// Schema URNs of the User resource (RFC 7643 §8.7.1), its extensions — the
// enterprise User (§4.3) and SAP's, which carries the IdP user ID — and of
// the Group resource.
const (
	SchemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaExtension  = "urn:sap:params:scim:schemas:extension:sac:2.0:user-custom-parameters"
	SchemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
)

// extensionSchemas are the User's extension schemas: each holds its
// attributes in an object under its URN (RFC 7643 §3.3).
var extensionSchemas = []string{SchemaEnterprise, SchemaExtension}

// isExtension returns the extension schema uri names (case-insensitively),
// or "".
func isExtension(uri string) string {
	for _, s := range extensionSchemas {
		if strings.EqualFold(s, uri) {
			return s
		}
	}
	return ""
}

// Attribute types of RFC 7643 §2.3.
const (
	typeString    = "string"
	typeBoolean   = "boolean"
	typeComplex   = "complex"
	typeDateTime  = "dateTime"
	typeReference = "reference"
	typeBinary    = "binary"
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
	// store is the attribute the store filters and sorts on; "" when it
	// cannot (addresses, certificates, references, the password).
	store store.Attr
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

// attribute builders: every attribute is readWrite, returned by default and
// not unique unless the table says otherwise.
func attr(name, typ, desc string, st store.Attr) *attrDef {
	return &attrDef{Name: name, Type: typ, Mutability: "readWrite", Returned: "default", Uniqueness: "none",
		Description: desc, store: st}
}

func str(name, desc string, st store.Attr) *attrDef { return attr(name, typeString, desc, st) }

func exact(a *attrDef) *attrDef    { a.CaseExact = true; return a }
func readOnly(a *attrDef) *attrDef { a.Mutability = "readOnly"; return a }

func complexAttr(name, desc string, st store.Attr, subs ...*attrDef) *attrDef {
	a := attr(name, typeComplex, desc, st)
	a.Sub = subs
	return a
}

// multi is a multi-valued attribute kept in the store as store attribute st,
// with the sub-attributes value, display, type (of canonical values) and
// primary.
func multi(name, desc string, st store.Attr, valueType string, canonical ...string) *attrDef {
	value := attr("value", valueType, "The value.", st.Sub("value"))
	if valueType == typeBinary || st == "" {
		value.store = ""
	}
	label := "A label."
	if len(canonical) > 0 {
		label = "A label: " + strings.Join(canonical, ", ") + "."
	}
	typ := str("type", label, st.Sub("type"))
	typ.Canonical = canonical
	a := complexAttr(name, desc, st,
		value,
		str("display", "A human-readable name, for display only.", st.Sub("display")),
		typ,
		attr("primary", typeBoolean, "Whether this is the primary value; at most one is.", st.Sub("primary")))
	a.MultiValued = true
	if st == "" {
		for _, s := range a.Sub {
			s.store = ""
		}
	}
	return a
}

// userAttrs are the attributes of the User resource (RFC 7643 §4.1), all of
// which this service keeps.
var userAttrs = func() []*attrDef {
	id := exact(readOnly(str("id", "Unique identifier of the user, issued by the service provider.", store.AttrID)))
	id.Returned, id.Uniqueness = "always", "server"
	userName := str("userName", "Unique user name, 1 to 20 letters, digits or underscores; unique case-insensitively.", store.AttrUserName)
	userName.Required, userName.Uniqueness = true, "server"
	password := str("password", "The console password (8 to 72 bytes). Write-only: never returned.", "")
	password.Mutability, password.Returned = "writeOnly", "never"
	dateTime := func(name, desc string, st store.Attr) *attrDef {
		return readOnly(attr(name, typeDateTime, desc, st))
	}
	meta := readOnly(complexAttr("meta", "Resource metadata.", "",
		exact(readOnly(str("resourceType", "The resource type, User.", ""))),
		dateTime("created", "When the user was created.", store.AttrCreated),
		dateTime("lastModified", "When the user was last changed.", store.AttrLastModified),
		exact(readOnly(attr("location", typeReference, "URI of the user.", ""))),
		exact(readOnly(str("version", "The version of the user, also its ETag.", ""))),
	))
	name := complexAttr("name", "The user's name; givenName or familyName must be set.", "",
		str("formatted", "The full name; given name then family name when not given.", store.AttrNameFormatted),
		str("familyName", "The family name.", store.AttrFamilyName),
		str("givenName", "The given name.", store.AttrGivenName),
		str("middleName", "The middle name.", store.AttrMiddleName),
		str("honorificPrefix", "The honorific prefix, e.g. Ms.", store.AttrHonorificPrefix),
		str("honorificSuffix", "The honorific suffix, e.g. III.", store.AttrHonorificSuffix),
	)
	name.Required = true
	emails := multi("emails", "E-mail addresses; at least one, at most one primary.", store.AttrEmails, typeString, "work", "home", "other")
	emails.Required = true
	emails.Sub[0].Required = true
	roles := multi("roles", "Roles from the role catalog: a value PROFILE:sap.dwc:… or its display name.", store.AttrRoles, typeString)
	roles.Sub[0].Required = true
	roles.Sub[1] = readOnly(roles.Sub[1]) // display: the catalog's
	roles.Sub[2].Description, roles.Sub[2].Canonical = "Not used; accepted and ignored.", nil
	roles.Sub[3].Description = "Not used; accepted and ignored."
	groups := readOnly(complexAttr("groups", "The groups the user belongs to: those of the roles it holds (see /Groups).", "groups",
		readOnly(exact(str("value", "The id of the group.", "groups.value"))),
		readOnly(exact(attr("$ref", typeReference, "URI of the group.", ""))),
		readOnly(str("display", "The name of the group, the role's name.", "groups.display")),
		readOnly(str("type", "direct: the role is assigned to the user.", "")),
	))
	groups.MultiValued = true
	profileURL := attr("profileUrl", typeReference, "A URL of the user's online profile.", store.AttrProfileURL)
	attrs := []*attrDef{
		id,
		exact(str("externalId", "Identifier of the user in the provisioning client.", store.AttrExternalID)),
		meta,
		userName,
		name,
		str("displayName", "The name shown for the user.", store.AttrDisplayName),
		str("nickName", "A casual name of the user.", store.AttrNickName),
		profileURL,
		str("title", "The user's title, e.g. Vice President.", store.AttrTitle),
		str("userType", "The relation of the user to the organization, e.g. Employee or Contractor.", store.AttrUserType),
		str("preferredLanguage", "The user's language, e.g. en or de-DE; en when not given.", store.AttrPreferredLanguage),
		str("locale", "The user's locale, for dates and numbers, e.g. en-US.", store.AttrLocale),
		str("timezone", "The user's time zone, e.g. America/Los_Angeles.", store.AttrTimezone),
		attr("active", typeBoolean, "Whether the user may sign in and be named by tokens; true when not given.", store.AttrActive),
		password,
		emails,
		multi("phoneNumbers", "Phone numbers.", store.AttrPhoneNumbers, typeString, "work", "home", "mobile", "fax", "pager", "other"),
		multi("ims", "Instant messaging addresses.", store.AttrIMs, typeString, "aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
		multi("photos", "URLs of photos of the user.", store.AttrPhotos, typeReference, "photo", "thumbnail"),
		addressesAttr(),
		groups,
		multi("entitlements", "Entitlements of the user.", store.AttrEntitlements, typeString),
		roles,
		multi("x509Certificates", "X.509 certificates of the user (base64 DER).", "", typeBinary),
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

// addressesAttr is the addresses attribute (RFC 7643 §4.1.2): kept and
// returned, but not filtered or sorted on.
func addressesAttr() *attrDef {
	typ := str("type", "A label: work, home, other.", "")
	typ.Canonical = []string{"work", "home", "other"}
	a := complexAttr("addresses", "Postal addresses.", "",
		str("formatted", "The full address, for display.", ""),
		str("streetAddress", "The street address.", ""),
		str("locality", "The city or locality.", ""),
		str("region", "The state or region.", ""),
		str("postalCode", "The postal code.", ""),
		str("country", "The country, as an ISO 3166-1 alpha-2 code.", ""),
		typ,
		attr("primary", typeBoolean, "Whether this is the primary address.", ""),
	)
	a.MultiValued = true
	return a
}

// enterpriseAttrs are the attributes of the enterprise User extension (RFC
// 7643 §4.3).
var enterpriseAttrs = func() []*attrDef {
	attrs := []*attrDef{
		str("employeeNumber", "The employee's number, assigned by the organization.", store.AttrEmployeeNumber),
		str("costCenter", "The cost center.", store.AttrCostCenter),
		str("organization", "The organization.", store.AttrOrganization),
		str("division", "The division.", store.AttrDivision),
		str("department", "The department.", store.AttrDepartment),
		complexAttr("manager", "The user's manager: the id of another user.", "",
			exact(str("value", "The id of the manager's user.", store.AttrManagerValue)),
			readOnly(exact(attr("$ref", typeReference, "URI of the manager's user.", ""))),
			readOnly(str("displayName", "The manager's displayName.", store.AttrManagerDisplayName)),
		),
	}
	for _, a := range attrs {
		a.schema = SchemaEnterprise
	}
	return attrs
}()

// extensionAttrs are the attributes of the SAP extension schema.
var extensionAttrs = func() []*attrDef {
	a := exact(str("idpUserId", "The user's ID at the SAML identity provider (the assertion's NameID).", store.AttrIdpUserID))
	a.schema = SchemaExtension
	return []*attrDef{a}
}()

// schemasAttr is the "schemas" attribute every resource carries (RFC 7643 §3).
var schemasAttr = &attrDef{Name: "schemas", Type: typeReference, MultiValued: true, CaseExact: true,
	Mutability: "readOnly", Returned: "always"}

// attrsOf returns the attributes of schema uri (a URN, case-insensitively):
// the core User's for "" too.
func attrsOf(uri string) []*attrDef {
	switch {
	case uri == "" || strings.EqualFold(uri, SchemaUser):
		return userAttrs
	case strings.EqualFold(uri, SchemaEnterprise):
		return enterpriseAttrs
	case strings.EqualFold(uri, SchemaExtension):
		return extensionAttrs
	}
	return nil
}

// lookupAttr finds a top-level attribute: uri is "" or a schema URN
// (case-insensitive); name is the attribute name. Without a URN it is a core
// (or common) attribute (RFC 7644 §3.10). It returns nil when there is none.
func lookupAttr(uri, name string) *attrDef {
	find := func(list []*attrDef) *attrDef {
		for _, a := range list {
			if strings.EqualFold(a.Name, name) {
				return a
			}
		}
		return nil
	}
	if uri != "" {
		return find(attrsOf(uri))
	}
	if a := find(userAttrs); a != nil {
		return a
	}
	if strings.EqualFold(name, "schemas") {
		return schemasAttr
	}
	return nil
}
