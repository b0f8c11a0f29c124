package web

import (
	"errors"
	"fmt"
	"maps"
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

// Display text of stored values; purposes have theirs in oauth.PurposeRules.
var (
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

// clientsPageSize rows of the Configured Clients table are rendered per page, so
// that the page stays fast with ten thousand clients.
const clientsPageSize = 50

// appIntegrationPage builds the App Integration tab; the caller adds a dialog.
func (s *Server) appIntegrationPage(c echo.Context, title string) (views.AppIntegrationPage, error) {
	sh, err := s.shell(c, title)
	if err != nil {
		return views.AppIntegrationPage{}, err
	}
	clients, pager, err := pageOf(c, pathAppIntegration, clientsPageSize, s.store.SearchClients)
	if err != nil {
		return views.AppIntegrationPage{}, err
	}
	u := s.svc.URLs()
	urlRow := func(n oauth.URLName, testID string) views.URLRow {
		return views.URLRow{Label: n.Label(), Value: u.Get(n), TestID: testID}
	}
	page := views.AppIntegrationPage{
		Shell: sh,
		URLs: []views.URLRow{
			urlRow(oauth.URLAuthorization, "url-authorization"),
			urlRow(oauth.URLToken, "url-token"),
			urlRow(oauth.URLSAML2Token, "url-saml2-token"),
			urlRow(oauth.URLSAML2Audience, "url-saml2-audience"),
		},
		ClientsPager: pager,
		AddClientURL: pathClients + "/new",
		PageURL:      pathAppIntegration,
	}
	now := s.svc.Now()
	for _, cl := range clients {
		status, expired := "Active", false
		rule, _ := oauth.LookupPurpose(cl.Purpose)
		if rule.Expires {
			expired = oauth.IsExpired(cl, now)
			status = "Expires " + oauth.ExpiryDate(cl.ExpiresAt)
			if expired {
				status = "Expired"
			}
		}
		page.Clients = append(page.Clients, views.ClientRow{
			ID:            cl.ID,
			Name:          cl.Name,
			Purpose:       rule.Label,
			Grant:         grantLabels[cl.Grant],
			TokenLifetime: oauth.HumanDuration(cl.TokenLifetime),
			Status:        status,
			Expired:       expired,
			Created:       cl.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"),
			LastUsed:      lastUsedText(oauth.LastUsed(cl)),
			EditURL:       pathClients + "/" + cl.ID + "/edit",
			DeleteURL:     pathClients + "/" + cl.ID + "/delete",
		})
	}
	for i, cl := range clients {
		if old, ok := oldSecret(cl, now); ok {
			page.Clients[i].OldSecretUntil = secretTime(old.ExpiresAt)
		}
	}
	if page.IdPs, err = s.idpSection(c.Request().Context()); err != nil {
		return views.AppIntegrationPage{}, err
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
	name, purpose, grant     string
	access                   []string
	lifetime, unit           string
	redirectURIs             string
	refreshLifetime, refUnit string
	requirePKCE              bool
	userID                   string
	roles                    []string
	expires                  string
	requestID                string
	cont                     bool // the no-JS "Continue with this purpose" button
}

func readClientForm(c echo.Context) clientForm {
	r := c.Request()
	return clientForm{
		name:            r.PostFormValue(oauth.FieldName),
		purpose:         r.PostFormValue(oauth.FieldPurpose),
		grant:           r.PostFormValue(oauth.FieldGrant),
		access:          r.PostForm[oauth.FieldAccess],
		lifetime:        strings.TrimSpace(r.PostFormValue(oauth.FieldTokenLifetime)),
		unit:            r.PostFormValue(oauth.FieldTokenLifetime + "_unit"),
		redirectURIs:    r.PostFormValue(oauth.FieldRedirectURIs),
		refreshLifetime: strings.TrimSpace(r.PostFormValue(oauth.FieldRefreshTokenLifetime)),
		refUnit:         r.PostFormValue(oauth.FieldRefreshTokenLifetime + "_unit"),
		requirePKCE:     requirePKCEOf(r),
		userID:          strings.TrimSpace(r.PostFormValue(oauth.FieldUserID)),
		roles:           r.PostForm[oauth.FieldRoles],
		expires:         strings.TrimSpace(r.PostFormValue(oauth.FieldExpiresAt)),
		requestID:       r.PostFormValue(views.FieldRequestID),
		cont:            r.PostFormValue(views.FieldContinue) != "",
	}
}

// requirePKCEOf reads the Require PKCE checkbox. A checkbox posts nothing
// when off: the marker beside it says that it was shown. Not shown (another
// purpose's form), it is on, the default.
func requirePKCEOf(r *http.Request) bool {
	return r.PostFormValue(views.FieldRequirePKCEShown) == "" || r.PostFormValue(oauth.FieldRequirePKCE) != ""
}

// parseLifetime parses a number and a unit field; the message says what is
// wrong. Numbers far beyond the maximum are refused before they can overflow.
func parseLifetime(value, unit string, l oauth.Lifetimes) (time.Duration, string) {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n <= 0 {
		return 0, "Enter a whole number greater than 0."
	}
	for _, u := range lifetimeUnits {
		if u.value == unit {
			if n > int64(l.Max/u.d)*2 {
				return 0, "Enter a lifetime " + rangeText(l) + "."
			}
			return time.Duration(n) * u.d, ""
		}
	}
	return 0, "Select a unit."
}

// parsed is a form turned into durations and times, with the messages of the
// fields that could not even be parsed.
type parsed struct {
	lifetime, refresh time.Duration
	expiresAt         time.Time
	errs              map[string]string
}

// purposeRule returns the rule of purpose p, or of the default purpose when p
// is unknown (the service then reports the purpose).
func purposeRule(p store.Purpose) oauth.PurposeRule {
	if r, ok := oauth.LookupPurpose(p); ok {
		return r
	}
	r, _ := oauth.LookupPurpose(oauth.DefaultPurpose)
	return r
}

// parse reads the fields of purpose p; editing is the stored client when
// editing (an unchanged Expiry Date keeps its exact stored time).
func (f clientForm) parse(p store.Purpose, editing *store.Client) parsed {
	out := parsed{errs: map[string]string{}}
	rule := purposeRule(p)
	var msg string
	if out.lifetime, msg = parseLifetime(f.lifetime, f.unit, rule.TokenLifetime); msg != "" {
		out.errs[oauth.FieldTokenLifetime] = msg
	}
	if rule.Has(oauth.FieldRefreshTokenLifetime) {
		if out.refresh, msg = parseLifetime(f.refreshLifetime, f.refUnit, rule.RefreshTokenLifetime); msg != "" {
			out.errs[oauth.FieldRefreshTokenLifetime] = msg
		}
	}
	if rule.Has(oauth.FieldExpiresAt) {
		if editing != nil && f.expires == oauth.ExpiryDate(editing.ExpiresAt) {
			out.expiresAt = editing.ExpiresAt
		} else if day, err := time.Parse(time.DateOnly, f.expires); err != nil {
			out.errs[oauth.FieldExpiresAt] = "Enter a date as YYYY-MM-DD."
		} else {
			out.expiresAt = oauth.ExpiresAtEndOf(day)
		}
	}
	return out
}

// splitLines returns the non-empty lines of a textarea.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// rangeHint is the hint under a lifetime field: "From 60 seconds to 1 day."
func rangeHint(l oauth.Lifetimes) string {
	return fmt.Sprintf("From %s to %s.", oauth.HumanDuration(l.Min), oauth.HumanDuration(l.Max))
}

// rangeText is "from 60 seconds to 1 day".
func rangeText(l oauth.Lifetimes) string {
	return fmt.Sprintf("from %s to %s", oauth.HumanDuration(l.Min), oauth.HumanDuration(l.Max))
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

// unitOptions lists the lifetime units with selected marked.
func unitOptions(selected string) []views.Option {
	var out []views.Option
	for _, u := range lifetimeUnits {
		out = append(out, views.Option{Value: u.value, Label: u.label, Selected: u.value == selected})
	}
	return out
}

// defaultClientForm is the Add dialog before anything is typed: purpose p and
// every purpose's defaults, so that switching purposes (with or without
// JavaScript) finds them filled in.
func defaultClientForm(p store.Purpose, now time.Time) clientForm {
	rule := purposeRule(p)
	value, unit := lifetimeFields(rule.TokenLifetime.Default)
	_, _, exp := oauth.ExpiryBounds(now)
	f := clientForm{
		purpose: string(p), access: []string{store.AccessUserProvisioning}, lifetime: value, unit: unit,
		expires: exp.Format(time.DateOnly), requestID: newToken(), grant: string(rule.Grants[0]),
		requirePKCE: true,
	}
	for _, r := range oauth.PurposeRules() {
		if r.Has(oauth.FieldRefreshTokenLifetime) {
			f.refreshLifetime, f.refUnit = lifetimeFields(r.RefreshTokenLifetime.Default)
		}
	}
	return f
}

// clientFormView builds the dialog's view model from what was submitted (or the
// defaults), the stored client when editing, and the errors to show.
func (s *Server) clientFormView(f clientForm, editing *store.Client, catalog []store.Role, errs map[string]string) *views.ClientForm {
	now := s.svc.Now()
	purpose := store.Purpose(f.purpose)
	if _, ok := oauth.LookupPurpose(purpose); !ok {
		purpose = oauth.DefaultPurpose
	}
	grant := store.Grant(f.grant)
	first, last, _ := oauth.ExpiryBounds(now)
	v := &views.ClientForm{
		Title: "Add a New OAuth Client", Action: pathClients, Submit: "Add",
		RequestID: f.requestID, Name: f.name,
		TokenLifetime: f.lifetime, TokenLifetimeUnit: f.unit,
		TokenLifetimeHint: rangeHint(purposeRule(purpose).TokenLifetime),
		RedirectURIs:      f.redirectURIs,
		RefreshLifetime:   f.refreshLifetime, RefreshLifetimeUnit: f.refUnit,
		RefreshUnits:  unitOptions(f.refUnit),
		RequirePKCE:   f.requirePKCE,
		UserID:        f.userID,
		UserIDPattern: oauth.UserIDPattern,
		ExpiresAt:     f.expires,
		ExpiresMin:    first.Format(time.DateOnly),
		ExpiresMax:    last.Format(time.DateOnly),
		Errors:        errs,
	}
	if editing != nil {
		v.Title, v.Submit, v.Editing = "Edit OAuth Client", "Save", true
		v.Action = pathClients + "/" + editing.ID
		v.ClientID, v.RequestID = editing.ID, ""
		purpose, grant = editing.Purpose, editing.Grant
		if oauth.IsExpired(*editing, now) {
			v.ExpiredOn = oauth.ExpiryDate(editing.ExpiresAt)
		}
		v.Secrets = s.clientSecretsView(*editing)
	}
	v.Purpose = string(purpose)
	for _, r := range oauth.PurposeRules() {
		p := r.Purpose
		if !v.Editing || p == purpose {
			v.Purposes = append(v.Purposes, views.Option{Value: string(p), Label: r.Label, Selected: p == purpose})
		}
		if g, fixed := r.FixedGrant(); fixed {
			v.FixedGrants = append(v.FixedGrants, views.FixedGrant{Purpose: string(p), Value: string(g), Label: grantLabels[g]})
		} else {
			// The purpose whose grant is chosen (API Access): its grant
			// radio group, with the stored or submitted grant selected, else
			// the default, selected once the purpose is picked.
			chosen := grant
			if !r.Allows(chosen) {
				chosen = r.Grants[0]
			}
			for _, g := range r.Grants {
				if !v.Editing || g == chosen {
					v.Grants = append(v.Grants, views.Option{Value: string(g), Label: grantLabels[g], Selected: g == chosen})
				}
			}
		}
		if r.Has(oauth.FieldRefreshTokenLifetime) {
			v.RefreshHint = rangeHint(r.RefreshTokenLifetime)
		}
		if !v.Editing {
			dv, du := lifetimeFields(r.TokenLifetime.Default)
			v.LifetimeRules = append(v.LifetimeRules, views.LifetimeRule{
				Purpose: string(p), DefaultValue: dv, DefaultUnit: du,
				Hint: rangeHint(r.TokenLifetime),
			})
		}
	}
	for _, a := range oauth.AccessValues() {
		v.Access = append(v.Access, views.Option{Value: a, Label: accessLabels[a], Selected: slices.Contains(f.access, a)})
	}
	for _, r := range catalog {
		v.Roles = append(v.Roles, views.Option{Value: r.Value, Label: r.Display, Selected: slices.Contains(f.roles, r.Value)})
	}
	v.LifetimeUnits = unitOptions(f.unit)
	return v
}

func (s *Server) newClient(c echo.Context) error {
	p := store.Purpose(c.QueryParam(oauth.FieldPurpose))
	if _, ok := oauth.LookupPurpose(p); !ok {
		p = oauth.DefaultPurpose
	}
	return s.renderClientDialog(c, http.StatusOK, defaultClientForm(p, s.svc.Now()), nil, nil, "")
}

// renderClientDialog renders the page with the Add or Edit dialog open.
func (s *Server) renderClientDialog(c echo.Context, status int, f clientForm, editing *store.Client, errs map[string]string, formErr string) error {
	page, err := s.appIntegrationPage(c, "App Integration")
	if err != nil {
		return err
	}
	catalog, err := s.svc.Roles(c.Request().Context())
	if err != nil {
		return err
	}
	page.ClientForm = s.clientFormView(f, editing, catalog, errs)
	page.ClientForm.FormError = formErr
	return render(c, status, views.AppIntegrationPageView(page))
}

func (s *Server) createClient(c echo.Context) error {
	ctx := c.Request().Context()
	f := readClientForm(c)
	purpose := store.Purpose(f.purpose)
	if f.cont {
		// Without JavaScript: show the fields of the purpose just chosen,
		// filling in its defaults where the form has none.
		def := defaultClientForm(purpose, s.svc.Now())
		if f.lifetime == "" || !f.purposeLifetimeTouched() {
			f.lifetime, f.unit = def.lifetime, def.unit
		}
		if f.refreshLifetime == "" {
			f.refreshLifetime, f.refUnit = def.refreshLifetime, def.refUnit
		}
		if f.expires == "" {
			f.expires = def.expires
		}
		if r, ok := oauth.LookupPurpose(purpose); ok && !r.Allows(store.Grant(f.grant)) {
			f.grant = def.grant
		}
		return s.renderClientDialog(c, http.StatusOK, f, nil, nil, "")
	}
	p := f.parse(purpose, nil)
	in := oauth.ClientInput{
		Name: f.name, Purpose: purpose, Access: f.access,
		Grant: store.Grant(f.grant), TokenLifetime: p.lifetime, RequestID: f.requestID,
		RedirectURIs: splitLines(f.redirectURIs), RefreshTokenLifetime: p.refresh,
		RequirePKCE: new(f.requirePKCE), UserID: f.userID, Roles: f.roles, ExpiresAt: p.expiresAt,
	}
	if len(p.errs) > 0 {
		// Check the other fields too, with defaults in place of the broken ones.
		errs, err := s.svc.ValidateClientInput(ctx, in)
		if err != nil {
			return err
		}
		maps.Copy(errs, p.errs)
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
	return s.renderSecret(c, "OAuth Client Created", cl, secret)
}

// purposeLifetimeTouched reports whether the token lifetime differs from the
// defaults of every purpose, i.e. the administrator typed one.
func (f clientForm) purposeLifetimeTouched() bool {
	for _, r := range oauth.PurposeRules() {
		if v, u := lifetimeFields(r.TokenLifetime.Default); v == f.lifetime && u == f.unit {
			return false
		}
	}
	return true
}

// renderSecret shows the dialog with a client's new secret: the only response
// that ever carries it (render sets Cache-Control: no-store).
func (s *Server) renderSecret(c echo.Context, title string, cl store.Client, secret string) error {
	return s.renderSecretDialog(c, title, cl, secret, "", pathAppIntegration)
}

// renderSecretDialog is renderSecret with a note above the secret, closing to
// closeURL.
func (s *Server) renderSecretDialog(c echo.Context, title string, cl store.Client, secret, note, closeURL string) error {
	page, err := s.appIntegrationPage(c, title)
	if err != nil {
		return err
	}
	page.ClientCreated = &views.ClientCreated{
		Title: title, Name: cl.Name, ClientID: cl.ID, Secret: secret,
		Handover: s.handover(cl), CloseURL: closeURL, Note: note,
	}
	return render(c, http.StatusOK, views.AppIntegrationPageView(page))
}

// handover lists the URLs an integrator needs besides the client ID and secret.
func (s *Server) handover(cl store.Client) []views.URLRow {
	u := s.svc.URLs()
	rule, _ := oauth.LookupPurpose(cl.Purpose)
	rows := []views.URLRow{}
	for _, n := range rule.HandoverFor(cl.Grant) {
		// data-testid "handover-token-url", "handover-saml2-audience", …
		rows = append(rows, views.URLRow{Label: n.Label(), Value: u.Get(n), TestID: "handover-" + strings.ReplaceAll(string(n), "_", "-")})
	}
	return rows
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
	f, err := s.storedClientForm(c, cl)
	if err != nil {
		return err
	}
	return s.renderClientDialog(c, http.StatusOK, f, &cl, nil, "")
}

// storedClientForm fills the Edit dialog from the stored client (and its
// technical user). An expired client gets the default new Expiry Date.
func (s *Server) storedClientForm(c echo.Context, cl store.Client) (clientForm, error) {
	value, unit := lifetimeFields(cl.TokenLifetime)
	f := clientForm{name: cl.Name, purpose: string(cl.Purpose), grant: string(cl.Grant), access: cl.Access, lifetime: value, unit: unit,
		requirePKCE: cl.RequirePKCE}
	rule, _ := oauth.LookupPurpose(cl.Purpose)
	if rule.Has(oauth.FieldRedirectURIs) {
		f.redirectURIs = strings.Join(cl.RedirectURIs, "\n")
	}
	if rule.Has(oauth.FieldRefreshTokenLifetime) {
		f.refreshLifetime, f.refUnit = lifetimeFields(cl.RefreshTokenLifetime)
	}
	if rule.OwnUser {
		u, err := s.store.GetUser(c.Request().Context(), cl.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return f, err
		}
		f.userID, f.roles = u.UserName, u.Roles
	}
	if rule.Has(oauth.FieldExpiresAt) {
		f.expires = oauth.ExpiryDate(cl.ExpiresAt)
		if now := s.svc.Now(); oauth.IsExpired(cl, now) {
			_, _, def := oauth.ExpiryBounds(now)
			f.expires = def.Format(time.DateOnly)
		}
	}
	return f, nil
}

func (s *Server) updateClient(c echo.Context) error {
	cl, err := s.loadClient(c)
	if err != nil {
		return err
	}
	f := readClientForm(c)
	stored, err := s.storedClientForm(c, cl)
	if err != nil {
		return err
	}
	f.purpose, f.grant, f.userID = stored.purpose, stored.grant, stored.userID // cannot change
	p := f.parse(cl.Purpose, &cl)
	if len(p.errs) > 0 {
		return s.renderClientDialog(c, http.StatusUnprocessableEntity, f, &cl, p.errs, "")
	}
	updated, secret, err := s.svc.UpdateClient(c.Request().Context(), s.actor(c), cl.ID, oauth.ClientUpdate{
		Name: f.name, Access: f.access, TokenLifetime: p.lifetime,
		RedirectURIs: splitLines(f.redirectURIs), RefreshTokenLifetime: p.refresh,
		RequirePKCE: new(f.requirePKCE), Roles: f.roles, ExpiresAt: p.expiresAt,
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
	if secret != "" {
		// An expired Technical User client was extended: its new secret is
		// shown once, like on creation.
		return s.renderSecret(c, "New Secret Generated", updated, secret)
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
