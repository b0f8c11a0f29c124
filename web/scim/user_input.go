package scim

import (
	"fmt"
	"strings"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// The SCIM side of a user's input: a normalized User resource becomes an
// oauth.UserInput, and what is wrong with its JSON shape is reported here;
// the rules of the values are oauth's (CheckUserInput), applied by the
// service.

// fieldActive is the one attribute with a shape rule but no value rule.
const fieldActive = "active"

// shapeProblem is something wrong with the JSON shape of one attribute.
type shapeProblem struct {
	field string // an oauth.UserField… name, or fieldActive
	msg   string
}

type shapeProblems []shapeProblem

func (p *shapeProblems) add(field, format string, args ...any) {
	*p = append(*p, shapeProblem{field, fmt.Sprintf(format, args...)})
}

// toUserInput reads a normalized User resource (RFC 7643 §4.1) into the
// service's input: strings trimmed, active true unless given, roles as the
// keys the client sent (value, else display). It returns the problems of the
// resource's shape (a string where a string is due, …), none when it is
// well-formed.
func toUserInput(res resource) (oauth.UserInput, shapeProblems) {
	var in oauth.UserInput
	var ps shapeProblems
	str := func(m map[string]any, key, field, label string) string {
		v, ok := m[key]
		if !ok || v == nil {
			return ""
		}
		s, ok := v.(string)
		if !ok {
			ps.add(field, "%s must be a string", label)
			return ""
		}
		return strings.TrimSpace(s)
	}
	in.UserName = str(res, "userName", oauth.UserFieldUserName, "userName")
	switch name := res["name"].(type) {
	case map[string]any:
		in.GivenName = str(name, "givenName", oauth.UserFieldName, "name.givenName")
		in.FamilyName = str(name, "familyName", oauth.UserFieldName, "name.familyName")
	case nil:
		ps.add(oauth.UserFieldName, "name is required")
	default:
		ps.add(oauth.UserFieldName, "name must be an object with givenName and familyName")
	}
	in.DisplayName = str(res, "displayName", oauth.UserFieldDisplayName, "displayName")
	in.ExternalID = str(res, "externalId", oauth.UserFieldExternalID, "externalId")
	in.PreferredLanguage = str(res, "preferredLanguage", oauth.UserFieldPreferredLanguage, "preferredLanguage")
	in.Active = true
	if v, ok := res["active"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			ps.add(fieldActive, "active must be true or false")
		}
		in.Active = b
	}
	in.Emails = emailsOf(res["emails"], &ps)
	in.Roles = roleKeys(res["roles"], &ps)
	if ext, ok := res[SchemaExtension].(map[string]any); ok {
		in.IdpUserID = str(ext, "idpUserId", oauth.UserFieldIdpUserID, "idpUserId")
	}
	if v, ok := res["password"]; ok && v != nil {
		if p, ok := v.(string); ok {
			in.Password = &p
		} else {
			ps.add(oauth.UserFieldPassword, "password must be a string")
		}
	}
	return in, ps
}

// emailsOf reads the emails attribute; an absent or empty one is left to the
// user rules (which require an address).
func emailsOf(v any, ps *shapeProblems) []store.Email {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		ps.add(oauth.UserFieldEmails, "emails must be a list of objects with value, type and primary")
		return nil
	}
	var out []store.Email
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			ps.add(oauth.UserFieldEmails, "emails[%d] must be an object with value, type and primary", i)
			continue
		}
		value, _ := m["value"].(string)
		typ, _ := m["type"].(string)
		primary := false
		if p, ok := m["primary"]; ok && p != nil {
			b, ok := p.(bool)
			if !ok {
				ps.add(oauth.UserFieldEmails, "emails[%d].primary must be true or false", i)
			}
			primary = b
		}
		out = append(out, store.Email{Value: value, Type: typ, Primary: primary})
	}
	return out
}

// roleKeys reads the roles attribute: one key per entry, its value, else its
// display ("" for an entry that has neither), so that the user rules report
// unknown roles by their index.
func roleKeys(v any, ps *shapeProblems) []string {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		ps.add(oauth.UserFieldRoles, "roles must be a list of objects with value")
		return nil
	}
	keys := make([]string, 0, len(list))
	for _, item := range list {
		var key string
		switch x := item.(type) {
		case map[string]any:
			key, _ = x["value"].(string)
			if key == "" {
				key, _ = x["display"].(string)
			}
		case string:
			key = x
		}
		keys = append(keys, key)
	}
	return keys
}

// invalidUser is the invalidValue error (RFC 7644 §3.12) that lists every
// problem of a resource at once: those of its shape, then those the user
// rules found (rules, a *oauth.ValidationError or nil) in attributes whose
// shape was right. It returns nil when there is none.
func invalidUser(shape shapeProblems, rules error) error {
	var msgs []string
	bad := map[string]bool{}
	for _, p := range shape {
		msgs = append(msgs, p.msg)
		bad[p.field] = true
	}
	if ve := oauth.AsValidationError(rules); ve != nil {
		for _, f := range oauth.UserFields() {
			if m := ve.Fields[f]; m != "" && !bad[f] {
				msgs = append(msgs, m)
			}
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return badRequest(typeInvalidValue, "%s.", strings.Join(msgs, "; "))
}

// checkResource reads a resource into the service's input, or returns the
// error listing every problem of its shape and values.
func checkResource(res resource, catalog []store.Role) (oauth.UserInput, error) {
	in, shape := toUserInput(res)
	if len(shape) == 0 {
		return in, nil // the service checks the values
	}
	_, rules := oauth.CheckUserInput(catalog, in)
	return in, invalidUser(shape, rules)
}
