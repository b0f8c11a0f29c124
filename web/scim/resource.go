package scim

import (
	"strconv"
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// roleCatalog is the role catalog with the roles by value (lower-cased), to
// show each role's display name in a resource, and by group id; the user
// rules resolve what clients send (oauth.CheckUserInput).
type roleCatalog struct {
	list    []store.Role
	byValue map[string]store.Role
	byGroup map[string]store.Role
}

func newRoleCatalog(roles []store.Role) roleCatalog {
	c := roleCatalog{list: roles, byValue: map[string]store.Role{}, byGroup: map[string]store.Role{}}
	for _, r := range roles {
		c.byValue[strings.ToLower(r.Value)] = r
		c.byGroup[groupID(r)] = r
	}
	return c
}

// groupID is the id of the Group of role r: its value without the
// "PROFILE:sap.dwc:" prefix (DW_Viewer), stable as the catalog is.
func groupID(r store.Role) string {
	return r.Value[strings.LastIndexByte(r.Value, ':')+1:]
}

// etag is the weak entity tag of a user version (RFC 7644 §3.14).
func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// formatTime renders a dateTime attribute (RFC 7643 §2.3.5) in UTC.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// userSchemas is the schemas attribute of every User: the core schema and
// both extensions, whether or not their attributes are set.
func userSchemas() []any { return []any{SchemaUser, SchemaEnterprise, SchemaExtension} }

// toResource returns u in its SCIM JSON form; base is the URL of the SCIM
// API, for the URIs of u, its manager and its groups. The password is never
// part of it (RFC 7643 §4.1.1: returned "never"). An attribute that is not
// set is left out (RFC 7643 §2.5), and so is an empty extension.
func toResource(u store.User, cat roleCatalog, base string) resource {
	set := func(m map[string]any, key, v string) {
		if v != "" {
			m[key] = v
		}
	}
	name := map[string]any{}
	set(name, "formatted", u.Formatted())
	set(name, "familyName", u.FamilyName)
	set(name, "givenName", u.GivenName)
	set(name, "middleName", u.MiddleName)
	set(name, "honorificPrefix", u.HonorificPrefix)
	set(name, "honorificSuffix", u.HonorificSuffix)
	res := resource{
		"schemas":           userSchemas(),
		"id":                u.ID,
		"userName":          u.UserName,
		"name":              name,
		"active":            u.Active,
		"emails":            valuesToJSON(u.Emails),
		"preferredLanguage": u.PreferredLanguage,
		"meta": map[string]any{
			"resourceType": "User",
			"created":      formatTime(u.CreatedAt),
			"lastModified": formatTime(u.UpdatedAt),
			"location":     base + "/Users/" + u.ID,
			"version":      etag(u.Version),
		},
	}
	for key, v := range map[string]string{
		"externalId": u.ExternalID, "displayName": u.DisplayName, "nickName": u.NickName,
		"profileUrl": u.ProfileURL, "title": u.Title, "userType": u.UserType,
		"locale": u.Locale, "timezone": u.Timezone,
	} {
		set(res, key, v)
	}
	for key, list := range map[string][]store.Value{
		"phoneNumbers": u.PhoneNumbers, "ims": u.IMs, "photos": u.Photos,
		"entitlements": u.Entitlements, "x509Certificates": u.X509Certificates,
	} {
		if len(list) > 0 {
			res[key] = valuesToJSON(list)
		}
	}
	if len(u.Addresses) > 0 {
		list := make([]any, 0, len(u.Addresses))
		for _, a := range u.Addresses {
			m := map[string]any{"primary": a.Primary}
			set(m, "formatted", a.Formatted)
			set(m, "streetAddress", a.StreetAddress)
			set(m, "locality", a.Locality)
			set(m, "region", a.Region)
			set(m, "postalCode", a.PostalCode)
			set(m, "country", a.Country)
			set(m, "type", a.Type)
			list = append(list, m)
		}
		res["addresses"] = list
	}
	if len(u.Roles) > 0 {
		roles := make([]any, 0, len(u.Roles))
		groups := make([]any, 0, len(u.Roles))
		for _, v := range u.Roles {
			m := map[string]any{"value": v}
			if r, ok := cat.byValue[strings.ToLower(v)]; ok {
				m["display"] = r.Display
				groups = append(groups, map[string]any{"value": groupID(r), "display": r.Display,
					"$ref": base + "/Groups/" + groupID(r), "type": "direct"})
			}
			roles = append(roles, m)
		}
		res["roles"] = roles
		if len(groups) > 0 {
			res["groups"] = groups
		}
	}
	ent := map[string]any{}
	set(ent, "employeeNumber", u.Enterprise.EmployeeNumber)
	set(ent, "costCenter", u.Enterprise.CostCenter)
	set(ent, "organization", u.Enterprise.Organization)
	set(ent, "division", u.Enterprise.Division)
	set(ent, "department", u.Enterprise.Department)
	if u.Enterprise.ManagerID != "" {
		m := map[string]any{"value": u.Enterprise.ManagerID, "$ref": base + "/Users/" + u.Enterprise.ManagerID}
		set(m, "displayName", u.Enterprise.ManagerDisplayName)
		ent["manager"] = m
	}
	if len(ent) > 0 {
		res[SchemaEnterprise] = ent
	}
	if u.IdpUserID != "" {
		res[SchemaExtension] = map[string]any{"idpUserId": u.IdpUserID}
	}
	return res
}

// valuesToJSON is the JSON form of the values of a multi-valued attribute:
// value and primary always, display and type when set.
func valuesToJSON(list []store.Value) []any {
	out := make([]any, 0, len(list))
	for _, v := range list {
		m := map[string]any{"value": v.Value, "primary": v.Primary}
		if v.Display != "" {
			m["display"] = v.Display
		}
		if v.Type != "" {
			m["type"] = v.Type
		}
		out = append(out, m)
	}
	return out
}

// normalize returns doc with canonical attribute names (RFC 7643 §2.1:
// attribute names are case-insensitive), booleans sent as "True"/"False"
// strings turned into booleans, and attributes this service does not know
// dropped. Attributes of the core schema given with their URN prefix
// ("urn:…:User:userName") are moved to the top level, those of an extension
// given so into the extension's object.
func normalize(doc map[string]any) resource {
	out := resource{}
	for k, v := range doc {
		if ext := isExtension(k); ext != "" {
			if m, ok := v.(map[string]any); ok {
				holder := extensionOf(out, ext)
				for ek, ev := range m {
					if d := lookupAttr(ext, ek); d != nil {
						holder[d.Name] = normalizeValue(d, ev)
					}
				}
			}
			continue
		}
		if strings.EqualFold(k, SchemaUser) {
			if m, ok := v.(map[string]any); ok {
				for ck, cv := range normalize(m) {
					out[ck] = cv
				}
			}
			continue
		}
		p, err := parseAttrPath(k)
		if err != nil || p.Sub != "" {
			continue
		}
		if d := lookupAttr(p.URI, p.Attr); d != nil {
			if isExtension(d.schema) != "" {
				extensionOf(out, d.schema)[d.Name] = normalizeValue(d, v)
				continue
			}
			out[d.Name] = normalizeValue(d, v)
		}
	}
	return out
}

// extensionOf returns the object of extension schema uri in res, adding an
// empty one when there is none.
func extensionOf(res resource, uri string) map[string]any {
	m, _ := res[uri].(map[string]any)
	if m == nil {
		m = map[string]any{}
		res[uri] = m
	}
	return m
}

// normalizeValue canonicalises one attribute value of definition d.
func normalizeValue(d *attrDef, v any) any {
	if d.MultiValued {
		list, ok := v.([]any)
		if !ok {
			if v == nil {
				return nil
			}
			list = []any{v} // a single value where a list is due (RFC 7644 §3.5.2.1 allows it in PATCH)
		}
		out := make([]any, 0, len(list))
		for _, item := range list {
			out = append(out, normalizeSingle(d, item))
		}
		return out
	}
	return normalizeSingle(d, v)
}

func normalizeSingle(d *attrDef, v any) any {
	switch d.Type {
	case typeBoolean:
		if b, ok := toBool(v); ok {
			return b
		}
	case typeComplex:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := map[string]any{}
		for k, sv := range m {
			if s := d.sub(k); s != nil {
				out[s.Name] = normalizeSingle(s, sv)
			}
		}
		return out
	}
	return v
}
