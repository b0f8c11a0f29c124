package scim

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// userInput is a User resource as a client sent it, checked.
type userInput struct {
	UserName, GivenName, FamilyName, DisplayName string
	PreferredLanguage, ExternalID, IdpUserID     string
	Emails                                       []store.Email
	Active                                       bool
	Roles                                        []string
	// Password is set when the resource carries one.
	Password *string
}

var (
	userNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,20}$`)
	languagePattern = regexp.MustCompile(`^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$`)
)

// Limits of string attributes; longer values are refused (invalidValue).
const (
	maxStringLen   = 256
	maxEmails      = 20
	minPasswordLen = 8
	maxPasswordLen = 72 // bcrypt's limit, in bytes
)

// fieldErrors collects the problems of one resource, so that the client
// learns all of them from one response.
type fieldErrors []string

func (f *fieldErrors) add(format string, args ...any) { *f = append(*f, fmt.Sprintf(format, args...)) }

// checkUser reads and checks a normalized User resource (RFC 7643 §4.1 and
// the rules of this service). It returns an invalidValue *Error listing
// every problem.
func checkUser(res resource, cat roleCatalog) (userInput, error) {
	var in userInput
	var errs fieldErrors
	str := func(m map[string]any, key, label string) string {
		v, ok := m[key]
		if !ok || v == nil {
			return ""
		}
		s, ok := v.(string)
		if !ok {
			errs.add("%s must be a string", label)
			return ""
		}
		s = strings.TrimSpace(s)
		if len([]rune(s)) > maxStringLen {
			errs.add("%s is longer than %d characters", label, maxStringLen)
		}
		return s
	}
	in.UserName = str(res, "userName", "userName")
	switch {
	case in.UserName == "":
		errs.add("userName is required")
	case !userNamePattern.MatchString(in.UserName):
		errs.add("userName %q must be 1 to 20 letters, digits or underscores", truncate(in.UserName, 40))
	}
	switch name := res["name"].(type) {
	case map[string]any:
		in.GivenName = str(name, "givenName", "name.givenName")
		in.FamilyName = str(name, "familyName", "name.familyName")
		if in.GivenName == "" && in.FamilyName == "" {
			errs.add("name needs a givenName or a familyName")
		}
	case nil:
		errs.add("name is required")
	default:
		errs.add("name must be an object with givenName and familyName")
	}
	in.DisplayName = str(res, "displayName", "displayName")
	in.ExternalID = str(res, "externalId", "externalId")
	in.PreferredLanguage = str(res, "preferredLanguage", "preferredLanguage")
	if in.PreferredLanguage == "" {
		in.PreferredLanguage = "en"
	} else if !languagePattern.MatchString(in.PreferredLanguage) {
		errs.add("preferredLanguage %q is not a language tag such as en or de-DE", truncate(in.PreferredLanguage, 40))
	}
	in.Active = true
	if v, ok := res["active"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			errs.add("active must be true or false")
		}
		in.Active = b
	}
	in.Emails = checkEmails(res["emails"], &errs)
	in.Roles = checkRoles(res["roles"], cat, &errs)
	if ext, ok := res[SchemaExtension].(map[string]any); ok {
		in.IdpUserID = str(ext, "idpUserId", "idpUserId")
	}
	if v, ok := res["password"]; ok && v != nil {
		p, ok := v.(string)
		switch {
		case !ok:
			errs.add("password must be a string")
		case len(p) < minPasswordLen || len(p) > maxPasswordLen:
			errs.add("password must be %d to %d bytes long", minPasswordLen, maxPasswordLen)
		default:
			in.Password = &p
		}
	}
	if len(errs) > 0 {
		return userInput{}, badRequest(typeInvalidValue, "%s.", strings.Join(errs, "; "))
	}
	return in, nil
}

func checkEmails(v any, errs *fieldErrors) []store.Email {
	list, ok := v.([]any)
	if v == nil || (ok && len(list) == 0) {
		errs.add("emails is required: give at least one address")
		return nil
	}
	if !ok {
		errs.add("emails must be a list of objects with value, type and primary")
		return nil
	}
	if len(list) > maxEmails {
		errs.add("emails holds more than %d addresses", maxEmails)
		return nil
	}
	var out []store.Email
	primaries := 0
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			errs.add("emails[%d] must be an object with value, type and primary", i)
			continue
		}
		value, _ := m["value"].(string)
		value = strings.TrimSpace(value)
		typ, _ := m["type"].(string)
		if !validEmail(value) {
			errs.add("emails[%d].value %q is not an e-mail address", i, truncate(value, 60))
		}
		if len(typ) > 32 {
			errs.add("emails[%d].type is longer than 32 characters", i)
		}
		primary := false
		if p, ok := m["primary"]; ok && p != nil {
			b, ok := p.(bool)
			if !ok {
				errs.add("emails[%d].primary must be true or false", i)
			}
			primary = b
		}
		if primary {
			primaries++
		}
		e := store.Email{Value: value, Type: strings.ToLower(typ), Primary: primary}
		dup := false
		for _, o := range out {
			if strings.EqualFold(o.Value, e.Value) && o.Type == e.Type {
				dup = true
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	if primaries > 1 {
		errs.add("at most one e-mail address may be primary")
	}
	return out
}

// validEmail is a plain check: one @ with text on both sides, a dot in the
// domain, no spaces, at most 254 characters (RFC 5321 §4.5.3.1.3).
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && len(s) <= 254 && strings.Contains(domain, ".") &&
		!strings.ContainsAny(s, " \t\r\n<>,;\"") && !strings.Contains(domain, "@") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func checkRoles(v any, cat roleCatalog, errs *fieldErrors) []string {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		errs.add("roles must be a list of objects with value")
		return nil
	}
	var out []string
	for i, item := range list {
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
		r, ok := cat.find(key)
		if !ok {
			errs.add("roles[%d] %q is not a role of the catalog (%s)", i, truncate(key, 60), roleValues(cat))
			continue
		}
		if !contains(out, r.Value) {
			out = append(out, r.Value)
		}
	}
	return out
}

func roleValues(cat roleCatalog) string {
	vals := make([]string, len(cat.list))
	for i, r := range cat.list {
		vals[i] = r.Value
	}
	return strings.Join(vals, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// apply copies in onto u. The password, when given, must already be hashed
// by the caller into hash; without one the old hash stays (write-only
// attributes are not cleared by a PUT that does not send them).
func (in userInput) apply(u store.User, hash []byte, now time.Time) store.User {
	u.UserName = in.UserName
	u.GivenName, u.FamilyName = in.GivenName, in.FamilyName
	u.DisplayName = in.DisplayName
	u.PreferredLanguage = in.PreferredLanguage
	u.ExternalID = in.ExternalID
	u.IdpUserID = in.IdpUserID
	u.Emails = in.Emails
	u.Active = in.Active
	u.Roles = in.Roles
	if hash != nil {
		u.PasswordHash = hash
	}
	u.UpdatedAt = now
	return u
}
