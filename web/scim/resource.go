package scim

import (
	"strconv"
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// roleCatalog is the role catalog with the roles by value (lower-cased), to
// show each role's display name in a resource; the user rules resolve what
// clients send (oauth.CheckUserInput).
type roleCatalog struct {
	list    []store.Role
	byValue map[string]store.Role
}

func newRoleCatalog(roles []store.Role) roleCatalog {
	c := roleCatalog{list: roles, byValue: map[string]store.Role{}}
	for _, r := range roles {
		c.byValue[strings.ToLower(r.Value)] = r
	}
	return c
}

// etag is the weak entity tag of a user version (RFC 7644 §3.14).
func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// formatTime renders a dateTime attribute (RFC 7643 §2.3.5) in UTC.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// toResource returns u in its SCIM JSON form. The password is never part of
// it (RFC 7643 §4.1.1: returned "never").
func toResource(u store.User, cat roleCatalog, location string) resource {
	name := map[string]any{}
	if u.GivenName != "" {
		name["givenName"] = u.GivenName
	}
	if u.FamilyName != "" {
		name["familyName"] = u.FamilyName
	}
	if f := strings.TrimSpace(u.GivenName + " " + u.FamilyName); f != "" {
		name["formatted"] = f
	}
	emails := make([]any, 0, len(u.Emails))
	for _, e := range u.Emails {
		m := map[string]any{"value": e.Value, "primary": e.Primary}
		if e.Type != "" {
			m["type"] = e.Type
		}
		emails = append(emails, m)
	}
	res := resource{
		"schemas":           []any{SchemaUser, SchemaExtension},
		"id":                u.ID,
		"userName":          u.UserName,
		"name":              name,
		"active":            u.Active,
		"emails":            emails,
		"preferredLanguage": u.PreferredLanguage,
		SchemaExtension:     map[string]any{},
		"meta": map[string]any{
			"resourceType": "User",
			"created":      formatTime(u.CreatedAt),
			"lastModified": formatTime(u.UpdatedAt),
			"location":     location,
			"version":      etag(u.Version),
		},
	}
	if u.DisplayName != "" {
		res["displayName"] = u.DisplayName
	}
	if u.ExternalID != "" {
		res["externalId"] = u.ExternalID
	}
	if u.IdpUserID != "" {
		res[SchemaExtension] = map[string]any{"idpUserId": u.IdpUserID}
	}
	if len(u.Roles) > 0 {
		roles := make([]any, 0, len(u.Roles))
		for _, v := range u.Roles {
			m := map[string]any{"value": v}
			if r, ok := cat.byValue[strings.ToLower(v)]; ok {
				m["display"] = r.Display
			}
			roles = append(roles, m)
		}
		res["roles"] = roles
	}
	return res
}

// normalize returns doc with canonical attribute names (RFC 7643 §2.1:
// attribute names are case-insensitive), booleans sent as "True"/"False"
// strings turned into booleans, and attributes this service does not keep
// dropped. Attributes of the core schema given with their URN prefix
// ("urn:…:User:userName") are moved to the top level.
func normalize(doc map[string]any) resource {
	out := resource{}
	for k, v := range doc {
		switch {
		case strings.EqualFold(k, SchemaExtension):
			if m, ok := v.(map[string]any); ok {
				ext := map[string]any{}
				for ek, ev := range m {
					if d := lookupAttr(SchemaExtension, ek); d != nil {
						ext[d.Name] = normalizeValue(d, ev)
					}
				}
				out[SchemaExtension] = ext
			}
		case strings.EqualFold(k, SchemaUser):
			if m, ok := v.(map[string]any); ok {
				for ck, cv := range normalize(m) {
					out[ck] = cv
				}
			}
		default:
			p, err := parseAttrPath(k)
			if err != nil || p.Sub != "" {
				continue
			}
			if d := lookupAttr(p.URI, p.Attr); d != nil {
				if d.schema == SchemaExtension {
					ext, _ := out[SchemaExtension].(map[string]any)
					if ext == nil {
						ext = map[string]any{}
						out[SchemaExtension] = ext
					}
					ext[d.Name] = normalizeValue(d, v)
					continue
				}
				out[d.Name] = normalizeValue(d, v)
			}
		}
	}
	return out
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
