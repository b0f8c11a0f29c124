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

// UserInput is every attribute a provisioning client sets on a user: the
// SCIM core User (RFC 7643 §4.1) and the enterprise extension (§4.3).
type UserInput struct {
	UserName        string
	GivenName       string
	FamilyName      string
	MiddleName      string
	HonorificPrefix string
	HonorificSuffix string
	// FormattedName is name.formatted as sent; "" lets it follow the given
	// and family names.
	FormattedName     string
	DisplayName       string
	NickName          string
	ProfileURL        string
	Title             string
	UserType          string
	PreferredLanguage string // "" means "en"
	Locale            string
	Timezone          string
	Emails            []store.Email
	PhoneNumbers      []store.Value
	IMs               []store.Value
	Photos            []store.Value
	Entitlements      []store.Value
	X509Certificates  []store.Value
	Addresses         []store.Address
	Active            bool
	// Roles are values or display names of the role catalog, compared
	// case-insensitively; they are stored as values, in the order given.
	Roles      []string
	ExternalID string
	IdpUserID  string
	// Enterprise is the enterprise extension; its ManagerDisplayName is read
	// from the manager and ignored here.
	Enterprise store.Enterprise
	// Password, when not nil, becomes the user's password (kept as a bcrypt
	// hash); nil keeps the stored one, and gives a new user none.
	Password *string
}

// Field names of user input, the keys of the *ValidationError the user rules
// return: the attribute names of SCIM (RFC 7643 §4.1, §4.3), which are the
// product's.
const (
	UserFieldUserName          = "userName"
	UserFieldName              = "name" // every sub-attribute of name
	UserFieldDisplayName       = "displayName"
	UserFieldNickName          = "nickName"
	UserFieldProfileURL        = "profileUrl"
	UserFieldTitle             = "title"
	UserFieldUserType          = "userType"
	UserFieldExternalID        = "externalId"
	UserFieldPreferredLanguage = "preferredLanguage"
	UserFieldLocale            = "locale"
	UserFieldTimezone          = "timezone"
	UserFieldEmails            = "emails"
	UserFieldPhoneNumbers      = "phoneNumbers"
	UserFieldIMs               = "ims"
	UserFieldPhotos            = "photos"
	UserFieldEntitlements      = "entitlements"
	UserFieldX509Certificates  = "x509Certificates"
	UserFieldAddresses         = "addresses"
	UserFieldRoles             = "roles"
	UserFieldIdpUserID         = "idpUserId"
	UserFieldEnterprise        = "enterprise" // every attribute of the enterprise extension
	UserFieldPassword          = "password"
)

// UserFields lists the user field names in the order their problems are best
// reported.
func UserFields() []string {
	return []string{UserFieldUserName, UserFieldName, UserFieldDisplayName, UserFieldNickName,
		UserFieldProfileURL, UserFieldTitle, UserFieldUserType, UserFieldExternalID,
		UserFieldPreferredLanguage, UserFieldLocale, UserFieldTimezone, UserFieldEmails,
		UserFieldPhoneNumbers, UserFieldIMs, UserFieldPhotos, UserFieldEntitlements,
		UserFieldX509Certificates, UserFieldAddresses, UserFieldRoles, UserFieldIdpUserID,
		UserFieldEnterprise, UserFieldPassword}
}

var (
	userNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,20}$`)
	languagePattern = regexp.MustCompile(`^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$`)
)

// Limits of user attributes.
const (
	maxUserStringLen = 256  // characters of a string attribute, unless below
	maxURLLen        = 2048 // characters of profileUrl and of a photo's URL
	maxCertLen       = 16 << 10
	maxEmails        = 20
	maxValues        = 20 // values of each other multi-valued attribute
	maxTypeLen       = 32
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
	str := func(s *string, field, label string, limit int) {
		*s = strings.TrimSpace(*s)
		if utf8.RuneCountInString(*s) > limit {
			p.add(field, "%s is longer than %d characters", label, limit)
		}
	}
	str(&in.UserName, UserFieldUserName, "userName", maxUserStringLen)
	switch {
	case in.UserName == "":
		p.add(UserFieldUserName, "userName is required")
	case !userNamePattern.MatchString(in.UserName):
		p.add(UserFieldUserName, "userName %q must be 1 to 20 letters, digits or underscores", truncateRunes(in.UserName, 40))
	}
	for _, f := range []struct {
		s            *string
		field, label string
		limit        int
	}{
		{&in.GivenName, UserFieldName, "name.givenName", maxUserStringLen},
		{&in.FamilyName, UserFieldName, "name.familyName", maxUserStringLen},
		{&in.MiddleName, UserFieldName, "name.middleName", maxUserStringLen},
		{&in.HonorificPrefix, UserFieldName, "name.honorificPrefix", maxUserStringLen},
		{&in.HonorificSuffix, UserFieldName, "name.honorificSuffix", maxUserStringLen},
		{&in.FormattedName, UserFieldName, "name.formatted", maxUserStringLen},
		{&in.DisplayName, UserFieldDisplayName, "displayName", maxUserStringLen},
		{&in.NickName, UserFieldNickName, "nickName", maxUserStringLen},
		{&in.ProfileURL, UserFieldProfileURL, "profileUrl", maxURLLen},
		{&in.Title, UserFieldTitle, "title", maxUserStringLen},
		{&in.UserType, UserFieldUserType, "userType", maxUserStringLen},
		{&in.ExternalID, UserFieldExternalID, "externalId", maxUserStringLen},
		{&in.PreferredLanguage, UserFieldPreferredLanguage, "preferredLanguage", maxUserStringLen},
		{&in.Locale, UserFieldLocale, "locale", maxUserStringLen},
		{&in.Timezone, UserFieldTimezone, "timezone", maxUserStringLen},
		{&in.IdpUserID, UserFieldIdpUserID, "idpUserId", maxUserStringLen},
		{&in.Enterprise.EmployeeNumber, UserFieldEnterprise, "employeeNumber", maxUserStringLen},
		{&in.Enterprise.CostCenter, UserFieldEnterprise, "costCenter", maxUserStringLen},
		{&in.Enterprise.Organization, UserFieldEnterprise, "organization", maxUserStringLen},
		{&in.Enterprise.Division, UserFieldEnterprise, "division", maxUserStringLen},
		{&in.Enterprise.Department, UserFieldEnterprise, "department", maxUserStringLen},
		{&in.Enterprise.ManagerID, UserFieldEnterprise, "manager.value", maxUserStringLen},
	} {
		str(f.s, f.field, f.label, f.limit)
	}
	in.Enterprise.ManagerDisplayName = ""
	if in.GivenName == "" && in.FamilyName == "" {
		p.add(UserFieldName, "name needs a givenName or a familyName")
	}
	if in.PreferredLanguage == "" {
		in.PreferredLanguage = defaultLanguage
	} else if !languagePattern.MatchString(in.PreferredLanguage) {
		p.add(UserFieldPreferredLanguage, "preferredLanguage %q is not a language tag such as en or de-DE", truncateRunes(in.PreferredLanguage, 40))
	}
	if in.Locale != "" && !languagePattern.MatchString(in.Locale) {
		p.add(UserFieldLocale, "locale %q is not a language tag such as en-US", truncateRunes(in.Locale, 40))
	}
	in.Emails = checkEmails(p, in.Emails)
	in.PhoneNumbers = checkValues(p, UserFieldPhoneNumbers, in.PhoneNumbers, maxUserStringLen)
	in.IMs = checkValues(p, UserFieldIMs, in.IMs, maxUserStringLen)
	in.Photos = checkValues(p, UserFieldPhotos, in.Photos, maxURLLen)
	in.Entitlements = checkValues(p, UserFieldEntitlements, in.Entitlements, maxUserStringLen)
	in.X509Certificates = checkValues(p, UserFieldX509Certificates, in.X509Certificates, maxCertLen)
	in.Addresses = checkAddresses(p, in.Addresses)
	in.Roles = resolveRoles(p, catalog, in.Roles)
	if in.Password != nil && (len(*in.Password) < minPasswordLen || len(*in.Password) > maxPasswordLen) {
		p.add(UserFieldPassword, "password must be %d to %d bytes long", minPasswordLen, maxPasswordLen)
	}
	if len(p) > 0 {
		return in, p.err()
	}
	return in, nil
}

// checkValues checks and normalises the values of a multi-valued attribute
// other than emails: each needs a value of at most limit characters; type and
// display are short; at most one is primary.
func checkValues(p problems, field string, values []store.Value, limit int) []store.Value {
	if len(values) > maxValues {
		p.add(field, "%s holds more than %d values", field, maxValues)
		return nil
	}
	primaries := 0
	out := make([]store.Value, 0, len(values))
	for i, v := range values {
		v.Value, v.Type, v.Display = strings.TrimSpace(v.Value), strings.TrimSpace(v.Type), strings.TrimSpace(v.Display)
		switch {
		case v.Value == "":
			p.add(field, "%s[%d].value is required", field, i)
		case utf8.RuneCountInString(v.Value) > limit:
			p.add(field, "%s[%d].value is longer than %d characters", field, i, limit)
		}
		if len(v.Type) > maxTypeLen {
			p.add(field, "%s[%d].type is longer than %d characters", field, i, maxTypeLen)
		}
		if utf8.RuneCountInString(v.Display) > maxUserStringLen {
			p.add(field, "%s[%d].display is longer than %d characters", field, i, maxUserStringLen)
		}
		if v.Primary {
			primaries++
		}
		out = append(out, v)
	}
	if primaries > 1 {
		p.add(field, "at most one value of %s may be primary", field)
	}
	return nilIfNone(out)
}

// checkAddresses checks and normalises postal addresses.
func checkAddresses(p problems, list []store.Address) []store.Address {
	if len(list) > maxValues {
		p.add(UserFieldAddresses, "addresses holds more than %d values", maxValues)
		return nil
	}
	primaries := 0
	out := make([]store.Address, 0, len(list))
	for i, a := range list {
		for _, f := range []*string{&a.Formatted, &a.StreetAddress, &a.Locality, &a.Region, &a.PostalCode, &a.Country, &a.Type} {
			*f = strings.TrimSpace(*f)
			if utf8.RuneCountInString(*f) > maxUserStringLen {
				p.add(UserFieldAddresses, "addresses[%d] has a part longer than %d characters", i, maxUserStringLen)
			}
		}
		if a.Primary {
			primaries++
		}
		out = append(out, a)
	}
	if primaries > 1 {
		p.add(UserFieldAddresses, "at most one address may be primary")
	}
	return nilIfNone(out)
}

func nilIfNone[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
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
		if len(e.Type) > maxTypeLen {
			p.add(UserFieldEmails, "emails[%d].type is longer than %d characters", i, maxTypeLen)
		}
		e.Display = strings.TrimSpace(e.Display)
		if utf8.RuneCountInString(e.Display) > maxUserStringLen {
			p.add(UserFieldEmails, "emails[%d].display is longer than %d characters", i, maxUserStringLen)
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
// into hash (nil keeps u's). ID, ClientID, Version, the times and the
// manager's displayName (read from the manager) are left to the caller.
func (in UserInput) applyTo(u store.User, hash []byte) store.User {
	u.UserName = in.UserName
	u.GivenName, u.FamilyName, u.MiddleName = in.GivenName, in.FamilyName, in.MiddleName
	u.HonorificPrefix, u.HonorificSuffix, u.FormattedName = in.HonorificPrefix, in.HonorificSuffix, in.FormattedName
	u.DisplayName, u.NickName, u.ProfileURL = in.DisplayName, in.NickName, in.ProfileURL
	u.Title, u.UserType = in.Title, in.UserType
	u.PreferredLanguage, u.Locale, u.Timezone = in.PreferredLanguage, in.Locale, in.Timezone
	u.ExternalID = in.ExternalID
	u.IdpUserID = in.IdpUserID
	u.Emails = in.Emails
	u.PhoneNumbers, u.IMs, u.Photos = in.PhoneNumbers, in.IMs, in.Photos
	u.Entitlements, u.X509Certificates, u.Addresses = in.Entitlements, in.X509Certificates, in.Addresses
	u.Active = in.Active
	u.Roles = in.Roles
	old := u.Enterprise
	u.Enterprise = in.Enterprise
	if old.ManagerID == in.Enterprise.ManagerID {
		u.Enterprise.ManagerDisplayName = old.ManagerDisplayName
	}
	if hash != nil {
		u.PasswordHash = hash
	}
	return u
}

// InputOf returns the input that sets every attribute of u as it is, for a
// change that alters some: UpdateUser(…, func(old) { in := InputOf(old); … }).
// The password is left as it is (nil).
func InputOf(u store.User) UserInput {
	return UserInput{
		UserName: u.UserName, GivenName: u.GivenName, FamilyName: u.FamilyName, MiddleName: u.MiddleName,
		HonorificPrefix: u.HonorificPrefix, HonorificSuffix: u.HonorificSuffix, FormattedName: u.FormattedName,
		DisplayName: u.DisplayName, NickName: u.NickName, ProfileURL: u.ProfileURL, Title: u.Title,
		UserType: u.UserType, PreferredLanguage: u.PreferredLanguage, Locale: u.Locale, Timezone: u.Timezone,
		Emails: u.Emails, PhoneNumbers: u.PhoneNumbers, IMs: u.IMs, Photos: u.Photos,
		Entitlements: u.Entitlements, X509Certificates: u.X509Certificates, Addresses: u.Addresses,
		Active: u.Active, Roles: u.Roles, ExternalID: u.ExternalID, IdpUserID: u.IdpUserID,
		Enterprise: u.Enterprise,
	}
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
