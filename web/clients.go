package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

// Display text of stored values.
var (
	purposeLabels = map[store.Purpose]string{
		store.PurposeAPIAccess:     "API Access",
		store.PurposeInteractive:   "Interactive Usage",
		store.PurposeTechnicalUser: "Technical User",
	}
	grantLabels = map[store.Grant]string{
		store.GrantClientCredentials: "Client Credentials",
		store.GrantSAML2Bearer:       "SAML2.0 Bearer",
		store.GrantAuthorizationCode: "Authorization Code",
	}
	accessLabels = map[string]string{
		store.AccessUserProvisioning: "User Provisioning",
		store.AccessContentNetwork:   "Analytics Content Network Interaction",
	}
)

// lifetimeUnits are the units of the Token Lifetime field, smallest first.
var lifetimeUnits = []struct {
	value string
	label string
	d     time.Duration
}{
	{"seconds", "Seconds", time.Second},
	{"minutes", "Minutes", time.Minute},
	{"hours", "Hours", time.Hour},
	{"days", "Days", 24 * time.Hour},
}

// appIntegrationPage builds the App Integration tab; the caller adds a dialog.
func (s *Server) appIntegrationPage(c echo.Context, title string) (views.AppIntegrationPage, error) {
	sh, err := s.shell(c, title)
	if err != nil {
		return views.AppIntegrationPage{}, err
	}
	clients, err := s.store.ListClients(c.Request().Context())
	if err != nil {
		return views.AppIntegrationPage{}, err
	}
	u := s.svc.URLs()
	page := views.AppIntegrationPage{
		Shell: sh,
		URLs: []views.URLRow{
			{Label: "Authorization URL", Value: u.AuthorizationURL, TestID: "url-authorization"},
			{Label: "Token URL", Value: u.TokenURL, TestID: "url-token"},
			{Label: "OAuth2SAML Token URL", Value: u.SAML2TokenURL, TestID: "url-saml2-token"},
			{Label: "OAuth2SAML Audience", Value: u.SAML2Audience, TestID: "url-saml2-audience"},
		},
		AddClientURL: pathClients + "/new",
		PageURL:      pathAppIntegration,
	}
	for _, cl := range clients {
		page.Clients = append(page.Clients, views.ClientRow{
			ID:            cl.ID,
			Name:          cl.Name,
			Purpose:       purposeLabels[cl.Purpose],
			Grant:         grantLabels[cl.Grant],
			TokenLifetime: oauth.HumanDuration(cl.TokenLifetime),
			Status:        "Active",
			Created:       cl.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"),
			EditURL:       pathClients + "/" + cl.ID + "/edit",
			DeleteURL:     pathClients + "/" + cl.ID + "/delete",
		})
	}
	return page, nil
}

func (s *Server) appIntegration(c echo.Context) error {
	page, err := s.appIntegrationPage(c, "App Integration")
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AppIntegrationPageView(page))
}

// clientForm is the Add/Edit dialog's input as submitted.
type clientForm struct {
	name, purpose, grant string
	access               []string
	lifetime, unit       string
	requestID            string
}

func readClientForm(c echo.Context) clientForm {
	r := c.Request()
	return clientForm{
		name:      r.PostFormValue(views.FieldName),
		purpose:   r.PostFormValue(views.FieldPurpose),
		grant:     r.PostFormValue(views.FieldGrant),
		access:    r.PostForm[views.FieldAccess],
		lifetime:  strings.TrimSpace(r.PostFormValue(views.FieldTokenLifetime)),
		unit:      r.PostFormValue("token_lifetime_unit"),
		requestID: r.PostFormValue(views.FieldRequestID),
	}
}

// tokenLifetime parses the number and unit fields; the message says what is wrong.
func (f clientForm) tokenLifetime() (time.Duration, string) {
	n, err := strconv.ParseInt(f.lifetime, 10, 64)
	if err != nil || n <= 0 {
		return 0, "Enter a whole number greater than 0."
	}
	for _, u := range lifetimeUnits {
		if u.value == f.unit {
			if n > int64(oauth.MaxTokenLifetime/u.d)*2 { // out of range, and kept from overflowing
				return 0, fmt.Sprintf("Enter a lifetime from %s to %s.", oauth.HumanDuration(oauth.MinTokenLifetime), oauth.HumanDuration(oauth.MaxTokenLifetime))
			}
			return time.Duration(n) * u.d, ""
		}
	}
	return 0, "Select a unit."
}

// lifetimeFields writes d in the largest unit that holds it exactly.
func lifetimeFields(d time.Duration) (value, unit string) {
	for i := len(lifetimeUnits) - 1; i >= 0; i-- {
		u := lifetimeUnits[i]
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10), u.value
		}
	}
	return strconv.FormatInt(int64(d/time.Second), 10), "seconds"
}

// clientFormView builds the dialog's view model from what was submitted (or the
// defaults), the stored client when editing, and the errors to show.
func clientFormView(f clientForm, editing *store.Client, errs map[string]string) *views.ClientForm {
	v := &views.ClientForm{
		Title: "Add a New OAuth Client", Action: pathClients, Submit: "Add",
		RequestID: f.requestID, Name: f.name,
		TokenLifetime: f.lifetime, TokenLifetimeUnit: f.unit,
		TokenLifetimeMin: int64(oauth.MinTokenLifetime / time.Second),
		TokenLifetimeMax: int64(oauth.MaxTokenLifetime / time.Second),
		Errors:           errs,
	}
	purpose := store.Purpose(f.purpose)
	grant := store.Grant(f.grant)
	if editing != nil {
		v.Title, v.Submit, v.Editing = "Edit OAuth Client", "Save", true
		v.Action = pathClients + "/" + editing.ID
		v.ClientID, v.RequestID = editing.ID, ""
		purpose, grant = editing.Purpose, editing.Grant
	}
	for _, p := range oauth.Purposes {
		if !v.Editing || p == purpose {
			v.Purposes = append(v.Purposes, views.Option{Value: string(p), Label: purposeLabels[p], Selected: p == purpose})
		}
	}
	for _, a := range oauth.AccessValues {
		v.Access = append(v.Access, views.Option{Value: a, Label: accessLabels[a], Selected: slices.Contains(f.access, a)})
	}
	for _, g := range oauth.GrantsFor(purpose) {
		if !v.Editing || g == grant {
			v.Grants = append(v.Grants, views.Option{Value: string(g), Label: grantLabels[g], Selected: g == grant})
		}
	}
	for _, u := range lifetimeUnits {
		v.LifetimeUnits = append(v.LifetimeUnits, views.Option{Value: u.value, Label: u.label, Selected: u.value == f.unit})
	}
	return v
}

func (s *Server) newClient(c echo.Context) error {
	value, unit := lifetimeFields(oauth.DefaultTokenLifetime)
	f := clientForm{
		purpose: string(store.PurposeAPIAccess), grant: string(store.GrantClientCredentials),
		access: []string{store.AccessUserProvisioning}, lifetime: value, unit: unit,
		requestID: newToken(),
	}
	return s.renderClientDialog(c, http.StatusOK, f, nil, nil, "")
}

// renderClientDialog renders the page with the Add or Edit dialog open.
func (s *Server) renderClientDialog(c echo.Context, status int, f clientForm, editing *store.Client, errs map[string]string, formErr string) error {
	page, err := s.appIntegrationPage(c, "App Integration")
	if err != nil {
		return err
	}
	page.ClientForm = clientFormView(f, editing, errs)
	page.ClientForm.FormError = formErr
	return render(c, status, views.AppIntegrationPageView(page))
}

func (s *Server) createClient(c echo.Context) error {
	ctx := c.Request().Context()
	f := readClientForm(c)
	lifetime, lifetimeErr := f.tokenLifetime()
	in := oauth.ClientInput{
		Name: f.name, Purpose: store.Purpose(f.purpose), Access: f.access,
		Grant: store.Grant(f.grant), TokenLifetime: lifetime, RequestID: f.requestID,
	}
	if lifetimeErr != "" {
		in.TokenLifetime = oauth.DefaultTokenLifetime // to check the other fields
		errs := oauth.CheckClientInput(in)
		errs[oauth.FieldTokenLifetime] = lifetimeErr
		return s.renderClientDialog(c, http.StatusUnprocessableEntity, f, nil, errs, "")
	}
	cl, secret, err := s.svc.CreateClient(ctx, s.actor(c), in)
	if ve := oauth.AsValidationError(err); ve != nil {
		return s.renderClientDialog(c, http.StatusUnprocessableEntity, f, nil, ve.Fields, "")
	}
	if errors.Is(err, oauth.ErrAlreadyCreated) {
		if err := s.flash(c, "This form was already submitted and its client created. Its secret was shown once and cannot be shown again."); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, pathAppIntegration)
	}
	if err != nil {
		return err
	}
	page, err := s.appIntegrationPage(c, "OAuth Client Created")
	if err != nil {
		return err
	}
	page.ClientCreated = &views.ClientCreated{
		Name: cl.Name, ClientID: cl.ID, Secret: secret,
		Handover: s.handover(cl), CloseURL: pathAppIntegration,
	}
	// The secret is in this response only; render sets Cache-Control: no-store.
	return render(c, http.StatusOK, views.AppIntegrationPageView(page))
}

// handover lists the URLs an integrator needs besides the client ID and secret.
func (s *Server) handover(cl store.Client) []views.URLRow {
	u := s.svc.URLs()
	if cl.Grant == store.GrantSAML2Bearer {
		return []views.URLRow{
			{Label: "OAuth2SAML Token URL", Value: u.SAML2TokenURL, TestID: "handover-saml2-token-url"},
			{Label: "OAuth2SAML Audience", Value: u.SAML2Audience, TestID: "handover-saml2-audience"},
		}
	}
	rows := []views.URLRow{}
	if cl.Purpose != store.PurposeTechnicalUser {
		rows = append(rows, views.URLRow{Label: "Authorization URL", Value: u.AuthorizationURL, TestID: "handover-authorization-url"})
	}
	return append(rows, views.URLRow{Label: "Token URL", Value: u.TokenURL, TestID: "handover-token-url"})
}

// loadClient returns the client named in the path, or a 404 page.
func (s *Server) loadClient(c echo.Context) (store.Client, error) {
	cl, err := s.store.GetClient(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, echo.NewHTTPError(http.StatusNotFound, "This OAuth client does not exist (any more). It may have been deleted.")
	}
	return cl, err
}

func (s *Server) editClient(c echo.Context) error {
	cl, err := s.loadClient(c)
	if err != nil {
		return err
	}
	value, unit := lifetimeFields(cl.TokenLifetime)
	f := clientForm{name: cl.Name, access: cl.Access, lifetime: value, unit: unit}
	return s.renderClientDialog(c, http.StatusOK, f, &cl, nil, "")
}

func (s *Server) updateClient(c echo.Context) error {
	cl, err := s.loadClient(c)
	if err != nil {
		return err
	}
	f := readClientForm(c)
	lifetime, lifetimeErr := f.tokenLifetime()
	if lifetimeErr != "" {
		return s.renderClientDialog(c, http.StatusUnprocessableEntity, f, &cl, map[string]string{oauth.FieldTokenLifetime: lifetimeErr}, "")
	}
	updated, err := s.svc.UpdateClient(c.Request().Context(), s.actor(c), cl.ID, oauth.ClientUpdate{
		Name: f.name, Access: f.access, TokenLifetime: lifetime,
	})
	if ve := oauth.AsValidationError(err); ve != nil {
		return s.renderClientDialog(c, http.StatusUnprocessableEntity, f, &cl, ve.Fields, "")
	}
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "This OAuth client was deleted while you were editing it.")
	}
	if err != nil {
		return err
	}
	if err := s.flash(c, fmt.Sprintf("OAuth client “%s” saved.", updated.Name)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pathAppIntegration)
}

func (s *Server) confirmDeleteClient(c echo.Context) error {
	cl, err := s.loadClient(c)
	if err != nil {
		return err
	}
	page, err := s.appIntegrationPage(c, "Delete OAuth Client")
	if err != nil {
		return err
	}
	page.DeleteClient = &views.DeleteClient{ClientID: cl.ID, Name: cl.Name, Action: pathClients + "/" + cl.ID + "/delete"}
	return render(c, http.StatusOK, views.AppIntegrationPageView(page))
}

func (s *Server) deleteClient(c echo.Context) error {
	cl, err := s.loadClient(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteClient(c.Request().Context(), s.actor(c), cl.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.flash(c, fmt.Sprintf("OAuth client “%s” deleted. Its tokens no longer work.", cl.Name)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pathAppIntegration)
}

// actor names the signed-in user in the audit log.
func (s *Server) actor(c echo.Context) string {
	if u, ok := c.Get(ctxUser).(store.User); ok {
		return u.UserName
	}
	return "unknown"
}
