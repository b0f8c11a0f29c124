package views

// Paths and fields of sign-in, sign-out and the Security tab.
const (
	PathLogoutEverywhere = "/logout/everywhere"
	PathSecurity         = "/admin/security"

	FieldMethod    = "method"     // sign-in: "password" asks for the password form while single sign-on is on
	FieldSignedOut = "signed_out" // sign-in page after Sign out ("1") or Sign out everywhere ("everywhere")
)

// SAMLPostPage sends the browser to an identity provider that takes
// AuthnRequests with the HTTP-POST binding.
type SAMLPostPage struct {
	IdPName     string
	URL         string // the IdP's SingleSignOnService
	SAMLRequest string
	RelayState  string
}

// SSOResultPage is what the Assertion Consumer Service shows when it does not
// send the browser on: a refusal, or a verification's outcome.
type SSOResultPage struct {
	Title   string // "Sign-in refused", "Verification succeeded" …
	Message string
	Passed  bool
	Check   string // the check that failed ("Signature"), "" when none did
	Reason  string // why
	Hint    string // what to do
	// Verification: the page ends a verification; app.js tells the
	// Security tab, open in another tab, to reload.
	Verification bool
	LinkURL      string
	LinkText     string
}
