package oauth_test

import (
	"slices"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// TestPurposeRules checks the table against docs/contract.md, "Purposes".
func TestPurposeRules(t *testing.T) {
	rules := oauth.PurposeRules()
	var order []store.Purpose
	for _, r := range rules {
		order = append(order, r.Purpose)
	}
	if want := []store.Purpose{store.PurposeInteractive, store.PurposeAPIAccess, store.PurposeTechnicalUser}; !slices.Equal(order, want) {
		t.Fatalf("purposes %v, want %v in display order", order, want)
	}
	tests := []struct {
		purpose  store.Purpose
		label    string
		grants   []store.Grant
		lifetime oauth.Lifetimes
		refresh  oauth.Lifetimes
		fields   []string
		handover map[store.Grant][]oauth.URLName
		scopes   oauth.ScopeSource
		ownUser  bool
		expires  bool
	}{
		{
			purpose: store.PurposeInteractive, label: "Interactive Usage",
			grants:   []store.Grant{store.GrantAuthorizationCode},
			lifetime: oauth.Lifetimes{Min: time.Minute, Max: 24 * time.Hour, Default: time.Hour},
			refresh:  oauth.Lifetimes{Min: time.Minute, Max: 180 * 24 * time.Hour, Default: 30 * 24 * time.Hour},
			fields:   []string{oauth.FieldGrant, oauth.FieldRedirectURIs, oauth.FieldRequirePKCE, oauth.FieldRefreshTokenLifetime},
			handover: map[store.Grant][]oauth.URLName{store.GrantAuthorizationCode: {oauth.URLAuthorization, oauth.URLToken}},
			scopes:   oauth.ScopesFromSignedInUser,
		},
		{
			purpose: store.PurposeAPIAccess, label: "API Access",
			grants:   []store.Grant{store.GrantClientCredentials, store.GrantSAML2Bearer},
			lifetime: oauth.Lifetimes{Min: time.Minute, Max: 24 * time.Hour, Default: time.Hour},
			fields:   []string{oauth.FieldAccess, oauth.FieldGrant},
			handover: map[store.Grant][]oauth.URLName{
				store.GrantClientCredentials: {oauth.URLAuthorization, oauth.URLToken},
				store.GrantSAML2Bearer:       {oauth.URLSAML2Token, oauth.URLSAML2Audience},
			},
			scopes: oauth.ScopesFromAccess,
		},
		{
			purpose: store.PurposeTechnicalUser, label: "Technical User",
			grants:   []store.Grant{store.GrantClientCredentials},
			lifetime: oauth.Lifetimes{Min: time.Hour, Max: 24 * time.Hour, Default: 24 * time.Hour},
			fields:   []string{oauth.FieldUserID, oauth.FieldRoles, oauth.FieldGrant, oauth.FieldExpiresAt},
			handover: map[store.Grant][]oauth.URLName{store.GrantClientCredentials: {oauth.URLToken}},
			scopes:   oauth.ScopesFromOwnUser, ownUser: true, expires: true,
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.purpose), func(t *testing.T) {
			r, ok := oauth.LookupPurpose(tt.purpose)
			if !ok {
				t.Fatal("not in the table")
			}
			if r.Label != tt.label || !slices.Equal(r.Grants, tt.grants) || r.TokenLifetime != tt.lifetime ||
				r.RefreshTokenLifetime != tt.refresh || !slices.Equal(r.Fields, tt.fields) || r.Scopes != tt.scopes ||
				r.OwnUser != tt.ownUser || r.Expires != tt.expires {
				t.Errorf("rule %+v", r)
			}
			for _, g := range tt.grants {
				if !r.Allows(g) || !slices.Equal(r.HandoverFor(g), tt.handover[g]) {
					t.Errorf("grant %s: allowed %v, hand-over %v, want %v", g, r.Allows(g), r.HandoverFor(g), tt.handover[g])
				}
			}
			if g, fixed := r.FixedGrant(); fixed != (len(tt.grants) == 1) || (fixed && g != tt.grants[0]) {
				t.Errorf("FixedGrant = %s, %v", g, fixed)
			}
			if r.Allows("password") || r.HandoverFor("password") != nil {
				t.Error("an unknown grant is allowed or handed over")
			}
		})
	}
}

// TestPurposeRulesAreCopies: what LookupPurpose, PurposeRules, AccessValues
// and GrantTypes return can be changed without changing the rules.
func TestPurposeRulesAreCopies(t *testing.T) {
	r, _ := oauth.LookupPurpose(store.PurposeAPIAccess)
	r.Grants[0], r.Fields[0] = store.GrantAuthorizationCode, "nothing"
	r.Handover[store.GrantSAML2Bearer][0] = oauth.URLToken
	oauth.PurposeRules()[1].Grants[1] = store.GrantAuthorizationCode
	oauth.AccessValues()[0] = "admin"
	oauth.GrantTypes(store.GrantClientCredentials)[0] = "password"

	again, _ := oauth.LookupPurpose(store.PurposeAPIAccess)
	if again.Grants[0] != store.GrantClientCredentials || again.Grants[1] != store.GrantSAML2Bearer ||
		again.Fields[0] != oauth.FieldAccess || again.Handover[store.GrantSAML2Bearer][0] != oauth.URLSAML2Token {
		t.Errorf("the table changed: %+v", again)
	}
	if got := oauth.AccessValues(); !slices.Equal(got, []string{store.AccessUserProvisioning, store.AccessContentNetwork}) {
		t.Errorf("AccessValues = %v", got)
	}
	if got := oauth.GrantTypes(store.GrantClientCredentials); !slices.Equal(got, []string{oauth.GrantTypeClientCredentials}) {
		t.Errorf("GrantTypes = %v", got)
	}
}

func TestUnknownPurposeAndURLNames(t *testing.T) {
	if r, ok := oauth.LookupPurpose("admin_access"); ok || r.Grants != nil || r.Fields != nil || r.Scopes != 0 {
		t.Errorf("unknown purpose: %+v, %v", r, ok)
	}
	if _, ok := oauth.LookupPurpose(oauth.DefaultPurpose); !ok {
		t.Error("the default purpose is not in the table")
	}
	if got := oauth.GrantTypes(store.GrantAuthorizationCode); !slices.Equal(got, []string{oauth.GrantTypeAuthorizationCode, oauth.GrantTypeRefreshToken}) {
		t.Errorf("authorization code grant types %v", got)
	}
	u := oauth.URLsFor("https://auth.example.com/")
	for n, want := range map[oauth.URLName][2]string{
		oauth.URLAuthorization: {"Authorization URL", "https://auth.example.com/oauth/authorize"},
		oauth.URLToken:         {"Token URL", "https://auth.example.com/oauth/token"},
		oauth.URLSAML2Token:    {"OAuth2SAML Token URL", "https://auth.example.com/oauth/token/alias/appintegration"},
		oauth.URLSAML2Audience: {"OAuth2SAML Audience", "https://auth.example.com"},
	} {
		if n.Label() != want[0] || u.Get(n) != want[1] {
			t.Errorf("%s: %q %q", n, n.Label(), u.Get(n))
		}
	}
	if u.Get("nope") != "" || oauth.URLName("nope").Label() != "nope" {
		t.Error("unknown URL name")
	}
}
