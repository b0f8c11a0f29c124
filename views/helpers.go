package views

import (
	"slices"
	"strings"

	"github.com/a-h/templ"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// Paths of the console: the one place they are written. Package web
// registers a route for each; the views link to them.
const (
	PathLogin          = "/login"
	PathLogout         = "/logout"
	PathAppIntegration = "/admin/app-integration"
	PathUsers          = "/admin/users"
	PathAuditLog       = "/admin/audit-log"
)

// Field names of the console's forms besides the client and identity
// provider dialogs: what the views render and package web reads.
const (
	FieldCSRF        = "_csrf"    // every POST form: the session's CSRF token
	FieldNext        = "next"     // sign-in: where to go afterwards
	FieldUserName    = "username" // sign-in
	FieldPassword    = "password" // sign-in
	FieldSearch      = "q"        // GET: the search text of a table, the audit log's text filter
	FieldPage        = "page"     // GET: the page of a table, from 1
	FieldAuditAction = "action"   // GET: the audit log's action filter
)

// tab is one tab of the System › Administration tab bar.
type tab struct {
	ID    string // TabAppIntegration
	Label string
	URL   string
}

// adminTabs are the tabs of System › Administration, in order. A feature that adds
// a tab (e.g. a user list) adds it here.
var adminTabs = []tab{
	{ID: TabAppIntegration, Label: "App Integration", URL: PathAppIntegration},
	{ID: TabUsers, Label: "Users", URL: PathUsers},
	{ID: TabSecurity, Label: "Security", URL: PathSecurity},
	{ID: TabAuditLog, Label: "Audit Log", URL: PathAuditLog},
}

// selectedLabel returns the label of the selected option, or "" when none is.
func selectedLabel(opts []Option) string {
	if o, ok := selected(opts); ok {
		return o.Label
	}
	return ""
}

// selectedValue returns the value of the selected option, or "" when none is.
func selectedValue(opts []Option) string {
	if o, ok := selected(opts); ok {
		return o.Value
	}
	return ""
}

func selected(opts []Option) (Option, bool) {
	for _, o := range opts {
		if o.Selected {
			return o, true
		}
	}
	return Option{}, false
}

// errID is the id of the error message of field, the target of aria-describedby.
func errID(field string) string { return "err-" + field }

// hintID is the id of the hint text of field.
func hintID(field string) string { return "hint-" + field }

// optionID is the id of one radio button or checkbox of a group.
func optionID(field, value string) string { return "f-" + field + "-" + slug(value) }

// describedBy joins the ids that describe a field, leaving out empty ones.
func describedBy(ids ...string) string {
	var out []string
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return strings.Join(out, " ")
}

// slug makes s usable inside an id: letters, digits, "-" and "_" are kept, any
// other rune becomes "-".
func slug(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// clientFormFields are the fields of the client dialog that show their own error.
// Errors for any other key are shown at the top of the form so none is lost.
func clientFormFields(f *ClientForm) map[string]bool {
	placed := map[string]bool{oauth.FieldName: true, oauth.FieldTokenLifetime: true}
	if !f.Editing {
		placed[oauth.FieldPurpose] = len(f.Purposes) > 0
		placed[oauth.FieldGrant] = len(f.Grants) > 0
	}
	// The fields of the selected purpose, as its rule lists them; those
	// rendered only in some states are placed only then.
	r, _ := oauth.LookupPurpose(store.Purpose(f.Purpose))
	for _, field := range r.Fields {
		switch field {
		case oauth.FieldGrant:
			// a chosen grant is placed above; a fixed one has no error
		case oauth.FieldAccess:
			placed[field] = len(f.Access) > 0
		case oauth.FieldRoles:
			placed[field] = len(f.Roles) > 0
		case oauth.FieldUserID:
			placed[field] = !f.Editing // read-only when editing
		default:
			placed[field] = true
		}
	}
	return placed
}

// formErrors returns the messages to show at the top of the client dialog:
// FormError first, then errors of fields the dialog does not render (such as
// request_id), in a stable order.
func formErrors(f *ClientForm) []string {
	var out []string
	if f.FormError != "" {
		out = append(out, f.FormError)
	}
	placed := clientFormFields(f)
	keys := make([]string, 0, len(f.Errors))
	for k := range f.Errors {
		if !placed[k] && f.Errors[k] != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, f.Errors[k])
	}
	return out
}

// initials returns up to two letters for the avatar of the shell bar, e.g. "AD"
// for "ADMIN" or "JD" for "Jane Doe".
func initials(name string) string {
	f := strings.Fields(name)
	switch len(f) {
	case 0:
		return "?"
	case 1:
		r := []rune(f[0])
		if len(r) > 2 {
			r = r[:2]
		}
		return strings.ToUpper(string(r))
	default:
		return strings.ToUpper(string([]rune(f[0])[:1]) + string([]rune(f[len(f)-1])[:1]))
	}
}

// pageTitle is the text of the <title> element.
func pageTitle(title string) string {
	if title == "" {
		return "App Integration"
	}
	return "App Integration · " + title
}

// shellBodyClass is the class of <body> in the shell layout; with a dialog open
// the page behind it does not scroll.
func shellBodyClass(dialogOpen bool) string {
	if dialogOpen {
		return "has-shell has-modal"
	}
	return "has-shell"
}

// messageIconPath returns the icon of a message strip of the given kind.
func messageIconPath(kind string) string {
	switch kind {
	case "warning":
		return pathWarning
	case "error":
		return pathError
	case "success":
		return pathSuccess
	}
	return pathInfo
}

// appIntegrationDialog returns the dialog to open over the App Integration page,
// or nil. Should a handler set more than one, the created dialog wins: it holds
// the secret, which cannot be shown again.
func appIntegrationDialog(m AppIntegrationPage) templ.Component {
	pageURL := m.PageURL
	if pageURL == "" {
		pageURL = PathAppIntegration
	}
	switch {
	case m.ClientCreated != nil:
		closeURL := m.ClientCreated.CloseURL
		if closeURL == "" {
			closeURL = pageURL
		}
		return clientCreatedDialog(m.ClientCreated, closeURL)
	case m.ClientForm != nil:
		return clientFormDialog(m.ClientForm, m.CSRF, pageURL)
	case m.DeleteClient != nil:
		return deleteClientDialog(m.DeleteClient, m.CSRF, pageURL)
	case m.RotateSecret != nil:
		return rotateSecretDialog(m.RotateSecret, m.CSRF, pageURL)
	case m.RevokeSecret != nil:
		return revokeSecretDialog(m.RevokeSecret, m.CSRF, pageURL)
	}
	return nil
}

// hasErr reports whether field has an error message.
func hasErr(f *ClientForm, field string) bool { return f.Errors[field] != "" }

// fieldClass is the class of a field's wrapper; an invalid field is marked so
// its label and border turn red.
func fieldClass(f *ClientForm, field string) string {
	if hasErr(f, field) {
		return "field is-invalid"
	}
	return "field"
}

// errorShell is the shell of a signed-in error page, titled after the error.
func errorShell(m ErrorPage) Shell {
	s := *m.Shell
	if m.Title != "" {
		s.Title = m.Title
	}
	return s
}

// iconClass is the class attribute of an icon with an extra class.
func iconClass(extra string) string {
	if extra == "" {
		return "icon"
	}
	return "icon " + extra
}
