package oauth

import (
	"slices"
	"time"

	"github.com/appintegration/appintegration/store"
)

// What a purpose means, everywhere: one table (docs/contract.md, "Purposes")
// that the client rules, the token code, the console and the command line
// read instead of switching on the purpose. Adding a purpose is adding an
// entry to purposeRules (and a store.Purpose value).

// PurposeRule is everything that depends on a client's purpose.
type PurposeRule struct {
	Purpose store.Purpose
	Label   string // "API Access", as the console and the command line show it
	// Grants are the grants a client of this purpose may be created with, the
	// default first; with only one the grant is fixed (filled in, not chosen).
	Grants []store.Grant
	// TokenLifetime bounds the access token lifetime; RefreshTokenLifetime
	// the refresh token lifetime, zero for purposes without refresh tokens.
	TokenLifetime        Lifetimes
	RefreshTokenLifetime Lifetimes
	// Fields are the input fields of this purpose besides FieldName,
	// FieldPurpose and FieldTokenLifetime, in the order the console's dialog
	// shows them. FieldGrant marks where the grant is shown, chosen or fixed.
	Fields []string
	// Handover lists, by grant, the URLs an integrator needs besides the
	// client ID and the secret.
	Handover map[store.Grant][]URLName
	// Scopes says where the scopes of the client's tokens come from.
	Scopes ScopeSource
	// OwnUser: the client has a user of its own (User ID, Roles), created,
	// changed and deleted with it, whom its tokens name.
	OwnUser bool
	// Expires: the client stops working at its ExpiresAt (the end of its
	// Expiry Date), and so does every token it was issued.
	Expires bool
}

// Lifetimes are the least, the greatest and the default value of a lifetime.
type Lifetimes struct {
	Min, Max, Default time.Duration
}

// ScopeSource says where the scopes of a client's tokens come from.
type ScopeSource int

// The sources of scopes.
const (
	// ScopesFromAccess: the client's Access values.
	ScopesFromAccess ScopeSource = iota + 1
	// ScopesFromSignedInUser: each token gets the scopes of its user's roles;
	// the client itself may hold every known scope.
	ScopesFromSignedInUser
	// ScopesFromOwnUser: the roles of the client's own user.
	ScopesFromOwnUser
)

// URLName names one of the OAuth Clients URLs; the values are the JSON names
// of URLs.
type URLName string

// The OAuth Clients URLs.
const (
	URLAuthorization URLName = "authorization_url"
	URLToken         URLName = "token_url"
	URLSAML2Token    URLName = "saml2_token_url"
	URLSAML2Audience URLName = "saml2_audience"
)

var urlLabels = map[URLName]string{
	URLAuthorization: "Authorization URL",
	URLToken:         "Token URL",
	URLSAML2Token:    "OAuth2SAML Token URL",
	URLSAML2Audience: "OAuth2SAML Audience",
}

// Label is how the console and the command line name the URL: "Token URL";
// the name itself when it is unknown.
func (n URLName) Label() string {
	if l, ok := urlLabels[n]; ok {
		return l
	}
	return string(n)
}

// Get returns the URL named n; "" for an unknown name.
func (u URLs) Get(n URLName) string {
	switch n {
	case URLAuthorization:
		return u.AuthorizationURL
	case URLToken:
		return u.TokenURL
	case URLSAML2Token:
		return u.SAML2TokenURL
	case URLSAML2Audience:
		return u.SAML2Audience
	}
	return ""
}

// DefaultPurpose is the purpose the console and the command line start from.
const DefaultPurpose = store.PurposeAPIAccess

// purposeRules is the table, in display order.
var purposeRules = []PurposeRule{
	{
		Purpose:              store.PurposeInteractive,
		Label:                "Interactive Usage",
		Grants:               []store.Grant{store.GrantAuthorizationCode},
		TokenLifetime:        Lifetimes{MinTokenLifetime, MaxTokenLifetime, DefaultTokenLifetime},
		RefreshTokenLifetime: Lifetimes{MinRefreshTokenLifetime, MaxRefreshTokenLifetime, DefaultRefreshTokenLifetime},
		Fields:               []string{FieldGrant, FieldRedirectURIs, FieldRequirePKCE, FieldRefreshTokenLifetime},
		Handover: map[store.Grant][]URLName{
			store.GrantAuthorizationCode: {URLAuthorization, URLToken},
		},
		Scopes: ScopesFromSignedInUser,
	},
	{
		Purpose:       store.PurposeAPIAccess,
		Label:         "API Access",
		Grants:        []store.Grant{store.GrantClientCredentials, store.GrantSAML2Bearer},
		TokenLifetime: Lifetimes{MinTokenLifetime, MaxTokenLifetime, DefaultTokenLifetime},
		Fields:        []string{FieldAccess, FieldGrant},
		Handover: map[store.Grant][]URLName{
			store.GrantClientCredentials: {URLAuthorization, URLToken},
			store.GrantSAML2Bearer:       {URLSAML2Token, URLSAML2Audience},
		},
		Scopes: ScopesFromAccess,
	},
	{
		Purpose:       store.PurposeTechnicalUser,
		Label:         "Technical User",
		Grants:        []store.Grant{store.GrantClientCredentials},
		TokenLifetime: Lifetimes{MinTechnicalTokenLifetime, MaxTokenLifetime, DefaultTechnicalTokenLifetime},
		Fields:        []string{FieldUserID, FieldRoles, FieldGrant, FieldExpiresAt},
		Handover: map[store.Grant][]URLName{
			store.GrantClientCredentials: {URLToken},
		},
		Scopes:  ScopesFromOwnUser,
		OwnUser: true,
		Expires: true,
	},
}

// noPurpose is the rule of an unknown purpose: no grant, no field, no scope.
var noPurpose = &PurposeRule{}

// ruleOf returns the rule of purpose p, noPurpose when there is none. The
// result is the table's own entry: read it, never change it.
func ruleOf(p store.Purpose) *PurposeRule {
	for i := range purposeRules {
		if purposeRules[i].Purpose == p {
			return &purposeRules[i]
		}
	}
	return noPurpose
}

// LookupPurpose returns a copy of the rule of purpose p, and whether p is a
// purpose clients can be created with.
func LookupPurpose(p store.Purpose) (PurposeRule, bool) {
	r := ruleOf(p)
	return r.clone(), r != noPurpose
}

// PurposeRules returns a copy of every purpose's rule, in display order.
func PurposeRules() []PurposeRule {
	out := make([]PurposeRule, len(purposeRules))
	for i := range purposeRules {
		out[i] = purposeRules[i].clone()
	}
	return out
}

func (r *PurposeRule) clone() PurposeRule {
	c := *r
	c.Grants = slices.Clone(r.Grants)
	c.Fields = slices.Clone(r.Fields)
	if r.Handover != nil {
		c.Handover = make(map[store.Grant][]URLName, len(r.Handover))
		for g, urls := range r.Handover {
			c.Handover[g] = slices.Clone(urls)
		}
	}
	return c
}

// Has reports whether field is one of the purpose's own input fields.
func (r PurposeRule) Has(field string) bool { return slices.Contains(r.Fields, field) }

// Allows reports whether a client of this purpose may be created with grant g.
func (r PurposeRule) Allows(g store.Grant) bool { return slices.Contains(r.Grants, g) }

// FixedGrant returns the purpose's grant when it has only one, which is then
// filled in rather than chosen.
func (r PurposeRule) FixedGrant() (store.Grant, bool) {
	if len(r.Grants) == 1 {
		return r.Grants[0], true
	}
	return "", false
}

// HandoverFor returns the URLs to hand over for a client of this purpose with
// grant g, besides its ID and secret; nil when g is not one of its grants.
func (r PurposeRule) HandoverFor(g store.Grant) []URLName {
	return slices.Clone(r.Handover[g])
}

// grantTypes are the token endpoint's grant types each grant a client is
// created with lets it use.
var grantTypes = map[store.Grant][]string{
	store.GrantClientCredentials: {GrantTypeClientCredentials},
	store.GrantSAML2Bearer:       {GrantTypeSAML2Bearer},
	store.GrantAuthorizationCode: {GrantTypeAuthorizationCode, GrantTypeRefreshToken},
}

// GrantTypes returns the grant types (grant_type values of the token
// endpoint) a client created with grant g may use; nil for an unknown grant.
func GrantTypes(g store.Grant) []string { return slices.Clone(grantTypes[g]) }

// mayUse reports whether client c may use grantType: its grant gives it, and
// its purpose allows its grant.
func mayUse(c store.Client, grantType string) bool {
	return slices.Contains(grantTypes[c.Grant], grantType) && ruleOf(c.Purpose).Allows(c.Grant)
}
