package views

// Paths and fields of sign-in, sign-out and the Security tab.
const (
	PathLogoutEverywhere = "/logout/everywhere"
	PathSecurity         = "/admin/security"

	FieldMethod    = "method"     // sign-in: "password" asks for the password form while single sign-on is on
	FieldSignedOut = "signed_out" // sign-in page after Sign out ("1") or Sign out everywhere ("everywhere")
)
