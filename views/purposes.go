package views

import (
	"github.com/a-h/templ"

	"github.com/appintegration/appintegration/oauth"
)

// showPurpose reports whether the fields of purpose are rendered: all of them
// when adding (the unselected ones hidden), only the client's own when editing.
func showPurpose(f *ClientForm, purpose string) bool {
	return !f.Editing || f.Purpose == purpose
}

// purposeLabel returns the display name of purpose from the form's options.
func purposeLabel(f *ClientForm, purpose string) string {
	for _, o := range f.Purposes {
		if o.Value == purpose {
			return o.Label
		}
	}
	return purpose
}

// grantIsFixed reports whether the purpose of r has one grant, which is then
// shown rather than chosen.
func grantIsFixed(r oauth.PurposeRule) bool {
	_, fixed := r.FixedGrant()
	return fixed
}

// fixedGrantLabel and fixedGrantValue return the one grant of a purpose whose
// grant cannot be chosen.
func fixedGrantLabel(f *ClientForm, purpose string) string {
	if o, ok := lookupFixedGrant(f, purpose); ok {
		return o.Label
	}
	return "—"
}

func fixedGrantValue(f *ClientForm, purpose string) string {
	if o, ok := lookupFixedGrant(f, purpose); ok {
		return o.Value
	}
	return ""
}

func lookupFixedGrant(f *ClientForm, purpose string) (FixedGrant, bool) {
	for _, g := range f.FixedGrants {
		if g.Purpose == purpose {
			return g, true
		}
	}
	return FixedGrant{}, false
}

// fieldDescribedBy is the aria-describedby of a field: its hint, when it has
// one, and its error, when set.
func fieldDescribedBy(f *ClientForm, field string, hasHint bool) string {
	var hint, err string
	if hasHint {
		hint = hintID(field)
	}
	if hasErr(f, field) {
		err = errID(field)
	}
	return describedBy(hint, err)
}

// lifetimeRuleAttrs are the data attributes app.js reads to change the token
// lifetime hint and default with the purpose.
func lifetimeRuleAttrs(rules []LifetimeRule) templ.Attributes {
	a := templ.Attributes{}
	for _, r := range rules {
		a["data-hint-"+r.Purpose] = r.Hint
		a["data-default-"+r.Purpose] = r.DefaultValue + " " + r.DefaultUnit
	}
	return a
}

// createdTitle is the title of the dialog that shows a secret.
func createdTitle(c *ClientCreated) string {
	if c.Title != "" {
		return c.Title
	}
	return "OAuth Client Created"
}
