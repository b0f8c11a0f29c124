package views_test

import (
	"strings"
	"testing"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

// purposeForm is the Add dialog with every purpose's fields, Technical User
// selected.
func purposeForm() *views.ClientForm {
	f := addForm()
	f.Purpose = string(store.PurposeTechnicalUser)
	f.Purposes = []views.Option{
		{Value: string(store.PurposeInteractive), Label: "Interactive Usage"},
		{Value: string(store.PurposeAPIAccess), Label: "API Access"},
		{Value: string(store.PurposeTechnicalUser), Label: "Technical User", Selected: true},
	}
	f.FixedGrants = []views.FixedGrant{
		{Purpose: string(store.PurposeInteractive), Value: "authorization_code", Label: "Authorization Code"},
		{Purpose: string(store.PurposeTechnicalUser), Value: "client_credentials", Label: "Client Credentials"},
	}
	f.LifetimeRules = []views.LifetimeRule{
		{Purpose: string(store.PurposeAPIAccess), Hint: "From 60 seconds to 1 day.", DefaultValue: "1", DefaultUnit: "hours"},
		{Purpose: string(store.PurposeTechnicalUser), Hint: "From 1 hour to 1 day.", DefaultValue: "1", DefaultUnit: "days"},
	}
	f.RefreshLifetime, f.RefreshLifetimeUnit, f.RefreshUnits = "30", "days", f.LifetimeUnits
	f.RefreshHint = "From 60 seconds to 180 days."
	f.UserIDPattern = "[A-Z0-9_]{1,20}"
	f.Roles = []views.Option{{Value: "PROFILE:sap.dwc:DW_Viewer", Label: "DW Viewer"}}
	f.ExpiresAt, f.ExpiresMin, f.ExpiresMax = "2027-02-25", "2026-12-02", "2046-11-25"
	return f
}

func TestAddDialogPurposeFields(t *testing.T) {
	m := page()
	m.ClientForm = purposeForm()
	doc := renderPage(t, m) // unique ids and labels across every purpose's fields
	for purpose, enabled := range map[string]bool{
		string(store.PurposeInteractive): false, string(store.PurposeAPIAccess): false, string(store.PurposeTechnicalUser): true,
	} {
		g := one(t, doc, `[data-purpose-fields="`+purpose+`"]`)
		_, hidden := g.Attr("hidden")
		_, disabled := g.Attr("disabled")
		if hidden == enabled || disabled == enabled {
			t.Errorf("%s fields: hidden=%v disabled=%v, want enabled=%v", purpose, hidden, disabled, enabled)
		}
	}
	if _, ok := one(t, doc, `[data-testid="purpose-continue"]`).Attr("formnovalidate"); !ok {
		t.Error("Continue validates the form")
	}
	uid := one(t, doc, `input[name="user_id"]`)
	if attr(uid, "pattern") != "[A-Z0-9_]{1,20}" || attr(uid, "maxlength") != "20" {
		t.Errorf("user_id pattern=%q maxlength=%q", attr(uid, "pattern"), attr(uid, "maxlength"))
	}
	exp := one(t, doc, `input[name="expires_at"]`)
	if attr(exp, "type") != "date" || attr(exp, "min") != "2026-12-02" || attr(exp, "max") != "2046-11-25" {
		t.Errorf("expires_at type=%q min=%q max=%q", attr(exp, "type"), attr(exp, "min"), attr(exp, "max"))
	}
	for _, sel := range []string{`input[name="user_id"]`, `input[name="expires_at"]`, `textarea[name="redirect_uris"]`, `input[name="refresh_token_lifetime"]`} {
		if _, ok := one(t, doc, sel).Attr("required"); !ok {
			t.Errorf("%s not required", sel)
		}
	}
	hint := one(t, doc, `[data-testid="hint-token_lifetime"]`)
	if attr(hint, "data-hint-technical_user") != "From 1 hour to 1 day." || attr(hint, "data-default-technical_user") != "1 days" {
		t.Errorf("lifetime rules not on the hint: %v", hint.Nodes[0].Attr)
	}
	if got := strings.TrimSpace(one(t, doc, `[data-testid="readonly-grant-technical_user"]`).Text()); got != "Client Credentials" {
		t.Errorf("technical user grant = %q", got)
	}
	if doc.Find(`input[type="hidden"][name="grant"]`).Length() != 0 {
		t.Error("a fixed grant is posted; the server fills it in")
	}
}

func TestEditTechnicalUserExpired(t *testing.T) {
	m := page()
	f := purposeForm()
	f.Editing, f.Title, f.Submit, f.RequestID, f.ClientID = true, "Edit OAuth Client", "Save", "", "sb-1"
	f.Purposes = []views.Option{{Value: string(store.PurposeTechnicalUser), Label: "Technical User", Selected: true}}
	f.LifetimeRules = nil
	f.UserID, f.ExpiredOn = "ETL_USER", "2026-11-01"
	f.Errors = map[string]string{oauth.FieldExpiresAt: "Choose a date from 2026-12-02 to 2046-11-25."}
	m.ClientForm = f
	doc := renderPage(t, m)
	if doc.Find(`[data-purpose-fields]`).Length() != 1 || doc.Find(`input[name="user_id"]`).Length() != 0 {
		t.Error("editing shows other purposes or an editable User ID")
	}
	if got := strings.TrimSpace(one(t, doc, `[data-testid="readonly-user_id"]`).Text()); got != "ETL_USER" {
		t.Errorf("User ID = %q", got)
	}
	if !strings.Contains(one(t, doc, `[data-testid="expired-warning"]`).Text(), "2026-11-01") {
		t.Error("expired warning lacks the date")
	}
	if doc.Find(`[data-testid="form-error"]`).Length() != 0 || one(t, doc, `[data-testid="error-expires_at"]`).Length() != 1 {
		t.Error("the expiry error is not next to its field")
	}
}
