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

// toUserInput reads a normalized User resource (RFC 7643 §4.1, and the
// enterprise and SAP extensions) into the service's input: strings trimmed,
// active true unless given, roles as the keys the client sent (value, else
// display). Read-only attributes (groups, manager.displayName) are not read.
// It returns the problems of the resource's shape (a string where a string
// is due, …), none when it is well-formed.
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
		for key, dst := range map[string]*string{
			"givenName": &in.GivenName, "familyName": &in.FamilyName, "middleName": &in.MiddleName,
			"honorificPrefix": &in.HonorificPrefix, "honorificSuffix": &in.HonorificSuffix,
		} {
			*dst = str(name, key, oauth.UserFieldName, "name."+key)
		}
		// name.formatted as the resource shows it follows the given and
		// family names when none was sent: keep that one unset.
		in.FormattedName = str(name, "formatted", oauth.UserFieldName, "name.formatted")
		if in.FormattedName == strings.Trim(in.GivenName+" "+in.FamilyName, " ") {
			in.FormattedName = ""
		}
	case nil:
		ps.add(oauth.UserFieldName, "name is required")
	default:
		ps.add(oauth.UserFieldName, "name must be an object with givenName and familyName")
	}
	for key, f := range map[string]struct {
		dst   *string
		field string
	}{
		"displayName": {&in.DisplayName, oauth.UserFieldDisplayName}, "nickName": {&in.NickName, oauth.UserFieldNickName},
		"profileUrl": {&in.ProfileURL, oauth.UserFieldProfileURL}, "title": {&in.Title, oauth.UserFieldTitle},
		"userType": {&in.UserType, oauth.UserFieldUserType}, "externalId": {&in.ExternalID, oauth.UserFieldExternalID},
		"preferredLanguage": {&in.PreferredLanguage, oauth.UserFieldPreferredLanguage},
		"locale":            {&in.Locale, oauth.UserFieldLocale}, "timezone": {&in.Timezone, oauth.UserFieldTimezone},
	} {
		*f.dst = str(res, key, f.field, key)
	}
	in.Active = true
	if v, ok := res["active"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			ps.add(fieldActive, "active must be true or false")
		}
		in.Active = b
	}
	in.Emails = valuesOf(res["emails"], "emails", oauth.UserFieldEmails, &ps)
	in.PhoneNumbers = valuesOf(res["phoneNumbers"], "phoneNumbers", oauth.UserFieldPhoneNumbers, &ps)
	in.IMs = valuesOf(res["ims"], "ims", oauth.UserFieldIMs, &ps)
	in.Photos = valuesOf(res["photos"], "photos", oauth.UserFieldPhotos, &ps)
	in.Entitlements = valuesOf(res["entitlements"], "entitlements", oauth.UserFieldEntitlements, &ps)
	in.X509Certificates = valuesOf(res["x509Certificates"], "x509Certificates", oauth.UserFieldX509Certificates, &ps)
	in.Addresses = addressesOf(res["addresses"], &ps)
	in.Roles = roleKeys(res["roles"], &ps)
	if ext, ok := res[SchemaEnterprise].(map[string]any); ok {
		for key, dst := range map[string]*string{
			"employeeNumber": &in.Enterprise.EmployeeNumber, "costCenter": &in.Enterprise.CostCenter,
			"organization": &in.Enterprise.Organization, "division": &in.Enterprise.Division,
			"department": &in.Enterprise.Department,
		} {
			*dst = str(ext, key, oauth.UserFieldEnterprise, key)
		}
		switch m := ext["manager"].(type) {
		case map[string]any:
			in.Enterprise.ManagerID = str(m, "value", oauth.UserFieldEnterprise, "manager.value")
		case string: // some clients send the manager's id alone
			in.Enterprise.ManagerID = strings.TrimSpace(m)
		case nil:
		default:
			ps.add(oauth.UserFieldEnterprise, "manager must be an object with value")
		}
	}
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

// valuesOf reads a multi-valued attribute of values with value, display,
// type and primary; an absent one is nil (the user rules require emails).
func valuesOf(v any, name, field string, ps *shapeProblems) []store.Value {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		ps.add(field, "%s must be a list of objects with value, type and primary", name)
		return nil
	}
	var out []store.Value
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			ps.add(field, "%s[%d] must be an object with value, type and primary", name, i)
			continue
		}
		var val store.Value
		for key, dst := range map[string]*string{"value": &val.Value, "display": &val.Display, "type": &val.Type} {
			if x, ok := m[key]; ok && x != nil {
				s, ok := x.(string)
				if !ok {
					ps.add(field, "%s[%d].%s must be a string", name, i, key)
				}
				*dst = s
			}
		}
		if p, ok := m["primary"]; ok && p != nil {
			b, ok := p.(bool)
			if !ok {
				ps.add(field, "%s[%d].primary must be true or false", name, i)
			}
			val.Primary = b
		}
		out = append(out, val)
	}
	return out
}

// addressesOf reads the addresses attribute.
func addressesOf(v any, ps *shapeProblems) []store.Address {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		ps.add(oauth.UserFieldAddresses, "addresses must be a list of objects")
		return nil
	}
	var out []store.Address
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			ps.add(oauth.UserFieldAddresses, "addresses[%d] must be an object", i)
			continue
		}
		var a store.Address
		for key, dst := range map[string]*string{
			"formatted": &a.Formatted, "streetAddress": &a.StreetAddress, "locality": &a.Locality,
			"region": &a.Region, "postalCode": &a.PostalCode, "country": &a.Country, "type": &a.Type,
		} {
			if x, ok := m[key]; ok && x != nil {
				s, ok := x.(string)
				if !ok {
					ps.add(oauth.UserFieldAddresses, "addresses[%d].%s must be a string", i, key)
				}
				*dst = s
			}
		}
		if p, ok := m["primary"]; ok && p != nil {
			b, ok := p.(bool)
			if !ok {
				ps.add(oauth.UserFieldAddresses, "addresses[%d].primary must be true or false", i)
			}
			a.Primary = b
		}
		out = append(out, a)
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
