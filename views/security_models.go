package views

import "github.com/appintegration/appintegration/oauth"

// TabSecurity is the Security tab of System › Administration.
const TabSecurity = "security"

// Paths of the Security tab's forms.
const (
	PathSecurityVerify   = PathSecurity + "/verify"   // POST: step 4, opens the identity provider in a new tab
	PathSecurityPassword = PathSecurity + "/password" // POST: back to password sign-in
)

// SecurityPage is System › Administration › Security: the authentication
// method and the steps that switch it to SAML single sign-on.
type SecurityPage struct {
	Shell
	// The current method: SAML single sign-on when SSOEnabled, else Password.
	SSOEnabled       bool
	CurrentIdP       string // the identity provider's name
	CurrentAttribute string // "E-Mail"
	CurrentSAMLAttr  string // "" for the NameID
	IdPInitiated     bool
	Changed          string // "2026-11-25 18:40 UTC by ADMIN"; "" before any change

	SP SPDetails // step 1

	IdPs      []SecurityIdP // step 2
	AddIdPURL string

	Attributes    []AttributeOption // step 3
	SAMLAttribute string
	AllowIdPInit  bool

	Verification *VerificationView // step 4; nil before any
	// CanSave: the verification matches the form's settings and resolved to
	// an administrator, so Save can work.
	CanSave bool

	Errors    map[string]string // field → message
	FormError string
}

// SPDetails is this service as a SAML service provider.
type SPDetails struct {
	EntityID          string
	ACSURL            string
	MetadataURL       string
	SigningSubject    string
	SigningExpires    string // YYYY-MM-DD
	EncryptionSubject string
	EncryptionExpires string
}

// SecurityIdP is a trusted identity provider, as step 2 offers it.
type SecurityIdP struct {
	ID, Name, ProviderName string
	SSOURL                 string // "" when it has no SingleSignOnService: not selectable
	Binding                string // "HTTP-Redirect" or "HTTP-POST"
	Selected               bool
}

// AttributeOption is one choice of step 3.
type AttributeOption struct {
	Value, Label, Hint string
	Selected           bool
}

// VerificationView is the outcome of the last verification.
type VerificationView struct {
	IdPName   string
	Attribute string // label
	SAMLAttr  string
	At        string // "2026-11-25 18:40 UTC"
	// OK: it resolved to UserName; Admin: who holds DW Administrator.
	OK       bool
	UserName string
	Admin    bool
	Failure  string
	// Current: it tried the settings the form shows.
	Current bool
}

// securityFieldClass is the class of a field of the Security form.
func securityFieldClass(m SecurityPage, field string) string {
	if m.Errors[field] != "" {
		return "field is-invalid"
	}
	return "field"
}

// securityFormErrors are the messages of fields the form has no place for.
func securityFormErrors(m SecurityPage) []string {
	var out []string
	for k, v := range m.Errors {
		switch k {
		case oauth.FieldSSOIdP, oauth.FieldSSOUserAttribute, oauth.FieldSSOSAMLAttribute, oauth.FieldSSOVerification:
		default:
			out = append(out, v)
		}
	}
	return out
}
