package views

// IdPSection is the Trusted Identity Providers section of the App Integration
// page, and the dialogs it opens. At most one of Form, Delete and Check is set;
// a set one is rendered open over the page.
type IdPSection struct {
	Rows     []IdPRow
	AddURL   string // GET: the page with the Add dialog open
	CheckURL string // GET: the page with the Check an assertion dialog open

	Form   *IdPForm
	Delete *DeleteIdP
	Check  *AssertionCheck
}

// IdPRow is one line of the Trusted Identity Providers table.
type IdPRow struct {
	ID           string
	Name         string
	ProviderName string
	EntityID     string // "" when none was given
	Certificates []CertificateRow
	SSOURL       string // "" when users cannot sign in through it
	SSOBinding   string // "HTTP-Redirect" or "HTTP-POST"
	EditURL      string
	DeleteURL    string // GET: the confirmation dialog
}

// CertificateRow describes one signing certificate.
type CertificateRow struct {
	Subject     string
	Issuer      string
	Expires     string // display text, e.g. "2027-03-01"
	ExpiresSoon bool   // within 30 days: shown as a warning
	Expired     bool   // shown as an error
	Fingerprint string // SHA-256, hex with colons
}

// Form field names of the identity provider dialog that are not input of the
// identity provider rules: the others are oauth.FieldIdPName,
// FieldProviderName, FieldEntityID, FieldCertificates and FieldMetadata (the
// pasted metadata XML), also the keys of IdPForm.Errors.
const (
	FieldMetadataFile = "metadata_file" // the uploaded metadata file
	FieldAssertion    = "assertion"     // the Check an assertion input
)

// IdPForm is the Add a Trusted Identity Provider dialog and the Edit dialog.
type IdPForm struct {
	Title   string // "Add a Trusted Identity Provider" or "Edit Trusted Identity Provider"
	Action  string // POST target of the fields
	Submit  string // "Add" or "Save"
	Editing bool

	Name         string
	ProviderName string
	EntityID     string
	Certificates string // PEM text
	SSOURL       string // the SingleSignOnService
	SSOBinding   string // its binding URN

	// ImportAction is the POST target (multipart) of the metadata import,
	// which re-renders this dialog with the fields filled in.
	ImportAction string
	Metadata     string // pasted metadata, echoed back after a failed import
	// Imported is set after a successful import: what was read, for the
	// administrator to confirm before choosing Add or Save.
	Imported string

	Errors    map[string]string // field name → message shown next to the field
	FormError string            // a message for the whole form
}

// DeleteIdP is the confirmation dialog before an identity provider is deleted.
type DeleteIdP struct {
	Name         string
	ProviderName string
	Action       string // POST target
}

// AssertionCheck is the Check an assertion dialog: the input and, after a
// check, each check's outcome.
type AssertionCheck struct {
	Action    string // POST target
	Assertion string // what was pasted, echoed back
	Error     string // a problem with the input itself (empty, too large)
	Ran       bool   // Results hold the outcome of a check
	Passed    bool   // no check failed
	Summary   string // one sentence: what the token endpoint would do
	Results   []CheckResult
}

// CheckResult is the outcome of one check of an assertion.
type CheckResult struct {
	ID     string // oauth check ID, e.g. "audience"
	Name   string // "Audience"
	Status string // "pass", "fail" or "skipped"
	Reason string
}

// The SAML bindings of a SingleSignOnService (saml-bindings §3.4, §3.5).
const (
	BindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	BindingPost     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
)

// BindingLabel is the short name of a binding URN.
func BindingLabel(urn string) string {
	switch urn {
	case BindingRedirect:
		return "HTTP-Redirect"
	case BindingPost:
		return "HTTP-POST"
	}
	return urn
}

func ssoBindingOptions(selected string) []Option {
	if selected == "" {
		selected = BindingRedirect
	}
	return []Option{
		{Value: BindingRedirect, Label: "HTTP-Redirect", Selected: selected == BindingRedirect},
		{Value: BindingPost, Label: "HTTP-POST", Selected: selected == BindingPost},
	}
}
