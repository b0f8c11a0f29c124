package oauth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/appintegration/appintegration/store"
)

// The rules of a user's attributes (docs/contract.md, "Users"), whatever
// adapter sends them: SCIM today, a console page tomorrow.

// UserInput is every attribute a provisioning client sets on a user.
type UserInput struct {
	UserName          string
	GivenName         string
	FamilyName        string
	DisplayName       string
	Emails            []store.Email
	Active            bool
	PreferredLanguage string // "" means "en"
	// Roles are values or display names of the role catalog, compared
	// case-insensitively; they are stored as values, in the order given.
	Roles      []string
	ExternalID string
	IdpUserID  string
	// Password, when not nil, becomes the user's password (kept as a bcrypt
	// hash); nil keeps the stored one, and gives a new user none.
	Password *string
}

// Field names of user input, the keys of the *ValidationError the user rules
// return: the attribute names of SCIM (RFC 7643 §4.1), which are the product's.
const (
	UserFieldUserName          = "userName"
	UserFieldName              = "name" // givenName and familyName
	UserFieldDisplayName       = "displayName"
	UserFieldExternalID        = "externalId"
	UserFieldPreferredLanguage = "preferredLanguage"
	UserFieldEmails            = "emails"
	UserFieldRoles             = "roles"
	UserFieldIdpUserID         = "idpUserId"
	UserFieldPassword          = "password"
)

// UserFields lists the user field names in the order their problems are best
// reported.
func UserFields() []string {
	return []string{UserFieldUserName, UserFieldName, UserFieldDisplayName, UserFieldExternalID,
		UserFieldPreferredLanguage, UserFieldEmails, UserFieldRoles, UserFieldIdpUserID, UserFieldPassword}
}

var (
	userNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,20}$`)
	languagePattern = regexp.MustCompile(`^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$`)
)

// Limits of user attributes.
const (
	maxUserStringLen = 256 // characters of any string attribute
	maxEmails        = 20
	maxEmailTypeLen  = 32
	minPasswordLen   = 8
	maxPasswordLen   = 72 // bcrypt's limit, in bytes
	defaultLanguage  = "en"
)

// CheckUserInput returns in normalised (strings trimmed, the default
// language filled in, e-mail types lower-cased and repeated addresses
// dropped, roles resolved to the values of catalog) and every rule it breaks
// as a *ValidationError, field name (UserField…) → message naming the
// attribute; the error is nil when in is valid. CreateUser, ReplaceUser and
// UpdateUser apply it themselves; an adapter may call it to report the
// problems of the user rules together with its own.
func CheckUserInput(catalog []store.Role, in UserInput) (UserInput, error) {
	p := problems{}
	str := func(s *string, field, label string) {
		*s = strings.TrimSpace(*s)
		if utf8.RuneCountInString(*s) > maxUserStringLen {
			p.add(field, "%s is longer than %d characters", label, maxUserStringLen)
		}
	}
	str(&in.UserName, UserFieldUserName, "userName")
	switch {
	case in.UserName == "":
		p.add(UserFieldUserName, "userName is required")
	case !userNamePattern.MatchString(in.UserName):
		p.add(UserFieldUserName, "userName %q must be 1 to 20 letters, digits or underscores", truncateRunes(in.UserName, 40))
	}
	str(&in.GivenName, UserFieldName, "name.givenName")
	str(&in.FamilyName, UserFieldName, "name.familyName")
	if in.GivenName == "" && in.FamilyName == "" {
		p.add(UserFieldName, "name needs a givenName or a familyName")
	}
	str(&in.DisplayName, UserFieldDisplayName, "displayName")
	str(&in.ExternalID, UserFieldExternalID, "externalId")
	str(&in.PreferredLanguage, UserFieldPreferredLanguage, "preferredLanguage")
	if in.PreferredLanguage == "" {
		in.PreferredLanguage = defaultLanguage
	} else if !languagePattern.MatchString(in.PreferredLanguage) {
		p.add(UserFieldPreferredLanguage, "preferredLanguage %q is not a language tag such as en or de-DE", truncateRunes(in.PreferredLanguage, 40))
	}
	in.Emails = checkEmails(p, in.Emails)
	in.Roles = resolveRoles(p, catalog, in.Roles)
	str(&in.IdpUserID, UserFieldIdpUserID, "idpUserId")
	if in.Password != nil && (len(*in.Password) < minPasswordLen || len(*in.Password) > maxPasswordLen) {
		p.add(UserFieldPassword, "password must be %d to %d bytes long", minPasswordLen, maxPasswordLen)
	}
	if len(p) > 0 {
		return in, p.err()
	}
	return in, nil
}

// problems collects the messages of each field, in the order found.
type problems map[string][]string

func (p problems) add(field, format string, args ...any) {
	p[field] = append(p[field], fmt.Sprintf(format, args...))
}

func (p problems) err() *ValidationError {
	fields := make(map[string]string, len(p))
	for f, msgs := range p {
		fields[f] = strings.Join(msgs, "; ")
	}
	return &ValidationError{Fields: fields}
}

// checkEmails checks and normalises a user's e-mail addresses.
func checkEmails(p problems, emails []store.Email) []store.Email {
	switch {
	case len(emails) == 0:
		p.add(UserFieldEmails, "emails is required: give at least one address")
		return nil
	case len(emails) > maxEmails:
		p.add(UserFieldEmails, "emails holds more than %d addresses", maxEmails)
		return nil
	}
	var out []store.Email
	primaries := 0
	for i, e := range emails {
		e.Value, e.Type = strings.TrimSpace(e.Value), strings.ToLower(e.Type)
		if !validEmail(e.Value) {
			p.add(UserFieldEmails, "emails[%d].value %q is not an e-mail address", i, truncateRunes(e.Value, 60))
		}
		if len(e.Type) > maxEmailTypeLen {
			p.add(UserFieldEmails, "emails[%d].type is longer than %d characters", i, maxEmailTypeLen)
		}
		if e.Primary {
			primaries++
		}
		if !slices.ContainsFunc(out, func(o store.Email) bool { return strings.EqualFold(o.Value, e.Value) && o.Type == e.Type }) {
			out = append(out, e)
		}
	}
	if primaries > 1 {
		p.add(UserFieldEmails, "at most one e-mail address may be primary")
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

// resolveRoles returns the catalog values of roles, each given as a value or
// a display name (ASCII case-insensitively), without repeats, in the order
// given.
func resolveRoles(p problems, catalog []store.Role, roles []string) []string {
	var out []string
	for i, key := range roles {
		key = strings.TrimSpace(key)
		j := slices.IndexFunc(catalog, func(r store.Role) bool {
			return strings.EqualFold(r.Value, key) || strings.EqualFold(r.Display, key)
		})
		if j < 0 {
			p.add(UserFieldRoles, "roles[%d] %q is not a role of the catalog (%s)", i, truncateRunes(key, 60), roleValues(catalog))
			continue
		}
		if !slices.Contains(out, catalog[j].Value) {
			out = append(out, catalog[j].Value)
		}
	}
	return out
}

func roleValues(catalog []store.Role) string {
	vals := make([]string, len(catalog))
	for i, r := range catalog {
		vals[i] = r.Value
	}
	return strings.Join(vals, ", ")
}

// applyTo copies checked input onto u; a password must already be hashed
// into hash (nil keeps u's). ID, ClientID, Version and the times are left
// to the caller.
func (in UserInput) applyTo(u store.User, hash []byte) store.User {
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
	return u
}

// truncateRunes shortens s, which came from the caller, to n characters for
// use in a message.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
