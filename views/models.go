// Package views renders the console's HTML with templ. Components take typed view
// models and do no I/O; handlers in package web build the models. Field names and
// what each purpose's dialog shows come from package oauth (the client rules'
// Field… names and its purpose table), the console's paths from this package.
package views

// Shell is what every signed-in page needs: the shell bar, the side navigation and
// the CSRF token for the sign-out form.
type Shell struct {
	Title     string // page title, shown in the browser tab after "App Integration · "
	UserName  string // the signed-in user, shown in the shell bar
	CSRF      string // token for every POST form on the page (hidden field "_csrf")
	ActiveNav string // NavAdministration
	Flash     string // one-time confirmation, e.g. "Client “X” deleted."
}

// Navigation entries of the side navigation.
const (
	NavAdministration = "administration"
)

// Tabs of System › Administration.
const (
	TabAppIntegration = "app-integration"
)

// LoginPage is the sign-in form.
type LoginPage struct {
	CSRF     string
	UserName string // echoed back after a failed attempt
	Error    string // "Wrong user name or password." etc.; empty when none
	Next     string // where to go after signing in (a local path), hidden field "next"
	Notice   string // "You have signed out." after Sign out; empty when none
	// SSOName is the identity provider people sign in through when single
	// sign-on is on ("" when it is off); SSOURL starts a sign-in through it.
	SSOName string
	SSOURL  string
	// BreakGlass: single sign-on is on and this is the password form of
	// /login?method=password, the emergency way in.
	BreakGlass bool
}

// passwordForm reports whether the sign-in page shows the user name and
// password form: always while single sign-on is off, else only as the
// emergency way in.
func (m LoginPage) passwordForm() bool { return m.SSOName == "" || m.BreakGlass }

// URLRow is a labelled value with a copy button.
type URLRow struct {
	Label  string // "Token URL"
	Value  string
	TestID string // data-testid of the value, e.g. "url-token"
}

// ClientRow is one line of the Configured Clients table.
type ClientRow struct {
	ID            string
	Name          string
	Purpose       string // display text, e.g. "API Access"
	Grant         string // display text, e.g. "Client Credentials"
	TokenLifetime string // display text, e.g. "60 minutes"
	Status        string // display text, e.g. "Active"
	Expired       bool   // shows a red warning icon next to Status
	Created       string // display text, e.g. "2026-11-25 18:40 UTC"
	EditURL       string
	DeleteURL     string // GET: the confirmation dialog

	// LastUsed is when a secret was last used, as display text, or "Never";
	// OldSecretUntil is set while the old secret of a rotation still works.
	LastUsed       string
	OldSecretUntil string
}

// AppIntegrationPage is System › Administration › App Integration. At most one of
// the dialogs is set; a dialog is rendered open over the page, so every dialog
// works without JavaScript.
type AppIntegrationPage struct {
	Shell
	URLs         []URLRow
	Clients      []ClientRow
	ClientsPager Pager  // search and paging of the Configured Clients table
	AddClientURL string // GET: the page with the Add dialog open
	PageURL      string // where Cancel/Close lead

	ClientForm    *ClientForm
	ClientCreated *ClientCreated
	DeleteClient  *DeleteClient
	RotateSecret  *RotateSecretForm
	RevokeSecret  *RevokeSecretDialog

	// IdPs is the Trusted Identity Providers section and its dialogs.
	IdPs IdPSection
}

// Option is one choice of a select, radio group or checkbox group.
type Option struct {
	Value    string
	Label    string
	Selected bool // checked / selected
}

// Form field names of the client dialog that are not client input: the
// others are the oauth.Field… names of the client rules, which are also the
// keys of ClientForm.Errors. A lifetime field's unit select is the field's
// name with "_unit" (token_lifetime_unit); redirect_uris is a textarea, one
// URI per line; roles are checkboxes; expires_at is a date input, YYYY-MM-DD.
const (
	FieldRequestID = "request_id"
	// FieldContinue is the submit button that, without JavaScript, shows the
	// fields of the purpose just chosen instead of creating the client.
	FieldContinue = "continue"
	// FieldRequirePKCEShown is posted beside the Require PKCE checkbox, so
	// that an unchecked box (which posts nothing) is told from one that was
	// not shown.
	FieldRequirePKCEShown = "require_pkce_shown"
)

// FixedGrant is the one grant of a purpose whose grant cannot be chosen.
type FixedGrant struct {
	Purpose string // store.PurposeInteractive
	Value   string // authorization_code
	Label   string // Authorization Code
}

// LifetimeRule describes a purpose's token lifetime for the hint and for
// app.js, which swaps hint and default when the purpose changes.
type LifetimeRule struct {
	Purpose      string
	Hint         string // "From 60 seconds to 1 day."
	DefaultValue string // "60"
	DefaultUnit  string // "minutes"
}

// ClientForm is the Add a New OAuth Client dialog and the Edit dialog.
type ClientForm struct {
	Title     string // "Add a New OAuth Client" or "Edit OAuth Client"
	Action    string // POST target
	Submit    string // "Add" or "Save"
	Editing   bool   // purpose and grant are shown read-only when editing
	RequestID string // hidden field "request_id" (add only)
	ClientID  string // read-only; empty before Add ("Generated when you choose Add")

	Name     string
	Purposes []Option // radio or select; while editing one read-only value
	Access   []Option // checkboxes, name "access"
	Grants   []Option // radio group, name "grant"

	TokenLifetime     string   // number input "token_lifetime"
	TokenLifetimeUnit string   // select "token_lifetime_unit"
	LifetimeUnits     []Option // seconds, minutes, hours, days
	TokenLifetimeHint string   // "From 60 seconds to 1 day."

	// Purpose is the selected purpose (store.PurposeAPIAccess, …). Only its fields
	// are enabled and shown; the others are rendered hidden and disabled, so
	// app.js can show them in place when another purpose is picked.
	Purpose             string
	LifetimeRules       []LifetimeRule // per purpose; empty while editing
	FixedGrants         []FixedGrant   // Interactive Usage and Technical User: their one grant
	RedirectURIs        string         // textarea, one per line
	RefreshLifetime     string         // number input "refresh_token_lifetime"
	RefreshLifetimeUnit string         // select "refresh_token_lifetime_unit"
	RefreshUnits        []Option       // seconds … days
	RefreshHint         string         // "From 60 seconds to 180 days."
	RequirePKCE         bool           // checkbox "require_pkce"
	UserID              string
	UserIDPattern       string   // HTML pattern of the User ID
	Roles               []Option // the role catalog, checkboxes "roles"
	ExpiresAt           string   // YYYY-MM-DD
	ExpiresMin          string   // YYYY-MM-DD, the date input's min
	ExpiresMax          string   // YYYY-MM-DD, the date input's max
	// ExpiredOn is set (YYYY-MM-DD) when editing an expired Technical User
	// client: saving with a new date generates a new secret.
	ExpiredOn string
	// Secrets is the client's Secrets section, shown while editing.
	Secrets *ClientSecrets

	Errors map[string]string // field name → message shown next to the field
	// FormError is a message for the whole form (shown at its top), e.g. when the
	// client was deleted meanwhile.
	FormError string
}

// ClientCreated is the dialog that follows Add (or the extension of an expired
// Technical User client): the only place the secret is shown.
type ClientCreated struct {
	Title    string // "OAuth Client Created" when empty
	Name     string
	ClientID string
	Secret   string
	Handover []URLRow // what to give integrators, besides Client ID and Secret
	CloseURL string
	// Note, when set, is shown above the secret: after a rotation, until when
	// the previous secret keeps working.
	Note string
}

// DeleteClient is the confirmation dialog before a client is deleted.
type DeleteClient struct {
	ClientID string
	Name     string
	Action   string // POST target
}

// ErrorPage is a full page for 403, 404 and other errors.
type ErrorPage struct {
	Status  int
	Title   string // "Access denied"
	Message string // what happened and what to do, safe to show
	// Shell is set when a user is signed in, so the page keeps the navigation.
	Shell *Shell
}
