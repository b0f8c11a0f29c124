package store

import (
	"errors"
	"strings"
)

// Attr names a user attribute that a UserQuery filters or sorts on: the name
// of the SCIM User schema (RFC 7643 §4.1), of the enterprise extension
// (§4.3) or of SAP's idpUserId, with a dot before a sub-attribute.
type Attr string

// Single-valued attributes.
const (
	AttrID                 Attr = "id"
	AttrExternalID         Attr = "externalId"
	AttrUserName           Attr = "userName"
	AttrNameFormatted      Attr = "name.formatted"
	AttrFamilyName         Attr = "name.familyName"
	AttrGivenName          Attr = "name.givenName"
	AttrMiddleName         Attr = "name.middleName"
	AttrHonorificPrefix    Attr = "name.honorificPrefix"
	AttrHonorificSuffix    Attr = "name.honorificSuffix"
	AttrDisplayName        Attr = "displayName"
	AttrNickName           Attr = "nickName"
	AttrProfileURL         Attr = "profileUrl"
	AttrTitle              Attr = "title"
	AttrUserType           Attr = "userType"
	AttrPreferredLanguage  Attr = "preferredLanguage"
	AttrLocale             Attr = "locale"
	AttrTimezone           Attr = "timezone"
	AttrActive             Attr = "active"
	AttrIdpUserID          Attr = "idpUserId"
	AttrEmployeeNumber     Attr = "employeeNumber"
	AttrCostCenter         Attr = "costCenter"
	AttrOrganization       Attr = "organization"
	AttrDivision           Attr = "division"
	AttrDepartment         Attr = "department"
	AttrManagerValue       Attr = "manager.value"
	AttrManagerDisplayName Attr = "manager.displayName"
	AttrCreated            Attr = "meta.created"
	AttrLastModified       Attr = "meta.lastModified"
	// AttrFullName is the given and family names joined by a space, which
	// the console's search looks in; it is no SCIM attribute.
	AttrFullName Attr = "fullName"
)

// Multi-valued attributes, the multi of FilterAny. Each has the
// sub-attributes value, display, type and primary (Multi + ".value", …);
// roles have only value and display.
const (
	AttrEmails       Attr = "emails"
	AttrPhoneNumbers Attr = "phoneNumbers"
	AttrIMs          Attr = "ims"
	AttrPhotos       Attr = "photos"
	AttrEntitlements Attr = "entitlements"
	AttrRoles        Attr = "roles"
)

// Sub returns the sub-attribute sub of a (e.g. AttrEmails.Sub("value") is
// "emails.value").
func (a Attr) Sub(sub string) Attr { return a + "." + Attr(sub) }

// Filter is a condition on users: FilterAnd, FilterOr, FilterNot,
// FilterCompare, FilterPresent, FilterAny or FilterConst. A nil Filter
// matches every user.
type Filter interface{ filterNode() }

// FilterAnd holds when both Left and Right hold.
type FilterAnd struct{ Left, Right Filter }

// FilterOr holds when Left or Right holds.
type FilterOr struct{ Left, Right Filter }

// FilterNot holds when X does not.
type FilterNot struct{ X Filter }

// FilterCompare compares the values of Attr with Value: a string, a bool, a
// time.Time, or nil (null). What it means follows RFC 7644 §3.4.2.2, where an
// attribute that is not set (or set to "") has no value:
//   - eq, co, sw, ew, gt, ge, lt, le hold when some value of Attr compares so
//     (for a multi-valued attribute's sub-attribute, any of its values);
//   - ne holds when no value of Attr equals Value, also when it has none;
//   - eq nil holds when Attr has no value, ne nil when it has one.
//
// Strings compare ASCII case-insensitively unless the attribute is case-exact
// (id, externalId, idpUserId, manager.value), byte by byte in UTF-8 order.
type FilterCompare struct {
	Attr  Attr
	Op    CompareOp
	Value any
}

// FilterPresent holds when Attr has a value (RFC 7644 "pr"); for a
// multi-valued attribute named without a sub-attribute, when it has one.
type FilterPresent struct{ Attr Attr }

// FilterAny holds when one value of the multi-valued attribute Multi
// satisfies Filter, whose attributes are Multi's sub-attributes (RFC 7644
// valuePath: emails[type eq "work" and value ew "@example.com"]).
type FilterAny struct {
	Multi  Attr
	Filter Filter
}

// FilterConst holds for every user (Value true) or for none.
type FilterConst struct{ Value bool }

func (FilterAnd) filterNode()     {}
func (FilterOr) filterNode()      {}
func (FilterNot) filterNode()     {}
func (FilterCompare) filterNode() {}
func (FilterPresent) filterNode() {}
func (FilterAny) filterNode()     {}
func (FilterConst) filterNode()   {}

// CompareOp is a comparison operator of RFC 7644 §3.4.2.2.
type CompareOp string

// The comparison operators.
const (
	OpEq CompareOp = "eq"
	OpNe CompareOp = "ne"
	OpCo CompareOp = "co"
	OpSw CompareOp = "sw"
	OpEw CompareOp = "ew"
	OpGt CompareOp = "gt"
	OpGe CompareOp = "ge"
	OpLt CompareOp = "lt"
	OpLe CompareOp = "le"
)

// UserQuery selects one page of users.
type UserQuery struct {
	Filter Filter // nil: every user
	// SortBy orders the users (a single-valued attribute, or a multi-valued
	// one's sub-attribute, whose primary value, else first, counts); users
	// without a value come last when ascending, first when descending, and
	// ties go by userName in the same direction. "" orders by userName.
	SortBy     Attr
	Descending bool
	// Offset users are skipped and at most Limit returned; a Limit of 0
	// returns none, only the count. Limit is clamped to 0..MaxPageLimit.
	Offset, Limit int
}

// ErrBadQuery is wrapped by the errors of QueryUsers for a filter or sort the
// store cannot evaluate (an unknown attribute, an operator or value that does
// not fit the attribute's type); the message says what is wrong.
var ErrBadQuery = errors.New("store: query not supported")

// UserSearch returns the filter of the console's user search: text in the
// userName, the given and family names joined by a space, the display name
// or an e-mail address, ASCII case-insensitively; nil (every user) for blank
// text. The store answers it from one trigram index.
func UserSearch(text string) Filter {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	var f Filter
	for _, a := range []Attr{AttrUserName, AttrFullName, AttrDisplayName, AttrEmails.Sub("value")} {
		c := FilterCompare{Attr: a, Op: OpCo, Value: text}
		if f == nil {
			f = c
		} else {
			f = FilterOr{f, c}
		}
	}
	return f
}

// Fold returns s with the ASCII letters A–Z lower-cased and every other byte
// as it is: the case folding of every case-insensitive comparison of the
// store, alike on every engine.
func Fold(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
