package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

// The console's secret rotation: the Edit dialog lists a client's secrets and
// links to the Rotate Secret dialog (how long the current secret keeps
// working), whose answer shows the new secret once like Add does, and to the
// confirmation that revokes the old one.

func (s *Server) registerSecretRoutes(e *echo.Echo, admin []echo.MiddlewareFunc) {
	e.GET(pathClients+"/:id/rotate-secret", s.confirmRotateSecret, admin...)
	e.POST(pathClients+"/:id/rotate-secret", s.rotateSecret, admin...)
	e.GET(pathClients+"/:id/revoke-secret", s.confirmRevokeSecret, admin...)
	e.POST(pathClients+"/:id/revoke-secret", s.revokeSecret, admin...)
}

func clientPath(id, action string) string { return pathClients + "/" + id + "/" + action }

// secretTime is how the console writes a secret's times.
func secretTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// lastUsedText is a recorded last use, or "Never".
func lastUsedText(t time.Time) string {
	if t.IsZero() {
		return "Never"
	}
	return secretTime(t)
}

// oldSecret returns the secret of cl that works until an expiry (the old one
// of a rotation), if one does at now.
func oldSecret(cl store.Client, now time.Time) (store.ClientSecret, bool) {
	for _, sec := range oauth.ActiveSecrets(cl, now) {
		if !sec.ExpiresAt.IsZero() {
			return sec, true
		}
	}
	return store.ClientSecret{}, false
}

// clientSecretsView is the Secrets section of the Edit dialog.
func (s *Server) clientSecretsView(cl store.Client) *views.ClientSecrets {
	now := s.svc.Now()
	rule, _ := oauth.LookupPurpose(cl.Purpose)
	v := &views.ClientSecrets{}
	for _, sec := range cl.Secrets {
		row := views.SecretRow{Created: secretTime(sec.CreatedAt), LastUsed: lastUsedText(sec.LastUsedAt), Active: oauth.SecretActive(sec, now)}
		switch {
		case !row.Active:
			row.Label, row.Expires = "Expired", secretTime(sec.ExpiresAt)
		case !sec.ExpiresAt.IsZero():
			row.Label, row.Expires = "Previous", secretTime(sec.ExpiresAt)
		case rule.Expires:
			row.Label, row.Expires = "Current", "With the client, end of "+oauth.ExpiryDate(cl.ExpiresAt)
		default:
			row.Label, row.Expires = "Current", "No expiry"
		}
		v.Rows = append(v.Rows, row)
	}
	if !oauth.IsExpired(cl, now) {
		v.RotateURL = clientPath(cl.ID, "rotate-secret")
	}
	if _, ok := oldSecret(cl, now); ok {
		v.RevokeURL = clientPath(cl.ID, "revoke-secret")
	}
	return v
}

// rotateForm is the Rotate Secret dialog for cl with the amount and unit
// given, and what keeps it from rotating now.
func (s *Server) rotateForm(cl store.Client, value, unit, msg string) *views.RotateSecretForm {
	l := oauth.OldSecretLifetimes()
	f := &views.RotateSecretForm{ClientID: cl.ID, Name: cl.Name, Action: clientPath(cl.ID, "rotate-secret"),
		Value: value, Unit: unit, Hint: rangeHint(l), Error: msg}
	for _, o := range unitOptions(unit) {
		if o.Value == "hours" || o.Value == "days" {
			f.Units = append(f.Units, o)
		}
	}
	now := s.svc.Now()
	switch {
	case oauth.IsExpired(cl, now):
		f.Blocked = fmt.Sprintf("This client expired on %s. Edit it and choose a new Expiry Date instead: that issues a new secret.", oauth.ExpiryDate(cl.ExpiresAt))
	case len(oauth.ActiveSecrets(cl, now)) >= oauth.MaxActiveSecrets:
		f.Blocked = "This client has two working secrets already. Revoke the old secret before rotating again."
		f.RevokeURL = clientPath(cl.ID, "revoke-secret")
	}
	return f
}

// renderRotate renders the page with the Rotate Secret dialog open; Cancel
// leads back to the Edit dialog.
func (s *Server) renderRotate(c echo.Context, status int, f *views.RotateSecretForm) error {
	page, err := s.appIntegrationPage(c, "Rotate Secret")
	if err != nil {
		return err
	}
	page.RotateSecret = f
	page.PageURL = clientPath(f.ClientID, "edit")
	return render(c, status, views.AppIntegrationPageView(page))
}

func (s *Server) confirmRotateSecret(c echo.Context) error {
	cl, err := s.loadClient(c)
	if err != nil {
		return err
	}
	value, unit := lifetimeFields(oauth.DefaultOldSecretLifetime)
	return s.renderRotate(c, http.StatusOK, s.rotateForm(cl, value, unit, ""))
}

// rotateSecret issues the new secret and shows it once, like Add: the only
// response that carries it (render sets Cache-Control: no-store). A form
// sent twice (a reload) is refused: the client then has two secrets.
func (s *Server) rotateSecret(c echo.Context) error {
	cl, err := s.loadClient(c)
	if err != nil {
		return err
	}
	r := c.Request()
	value := strings.TrimSpace(r.PostFormValue(views.FieldOldSecretExpires))
	unit := r.PostFormValue(views.FieldOldSecretExpires + "_unit")
	d, msg := parseLifetime(value, unit, oauth.OldSecretLifetimes())
	if msg != "" {
		return s.renderRotate(c, http.StatusUnprocessableEntity, s.rotateForm(cl, value, unit, msg))
	}
	updated, secret, err := s.svc.RotateSecret(r.Context(), s.actor(c), cl.ID, d)
	if ve := oauth.AsValidationError(err); ve != nil {
		f := s.rotateForm(cl, value, unit, ve.Fields[oauth.FieldOldSecretExpires])
		if f.Blocked == "" {
			f.Blocked = ve.Fields[oauth.FieldSecrets]
		}
		return s.renderRotate(c, http.StatusUnprocessableEntity, f)
	}
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "This OAuth client was deleted meanwhile.")
	}
	if err != nil {
		return err
	}
	note := "The previous secret keeps working until " + secretTime(s.svc.Now().Add(d)) +
		", or until you revoke it (Edit › Revoke old secret). Hand the new secret over, then revoke the old one."
	return s.renderSecretDialog(c, "Secret Rotated", updated, secret, note, clientPath(cl.ID, "edit"))
}

func (s *Server) confirmRevokeSecret(c echo.Context) error {
	cl, err := s.loadClient(c)
	if err != nil {
		return err
	}
	old, ok := oldSecret(cl, s.svc.Now())
	if !ok {
		if err := s.flash(c, fmt.Sprintf("OAuth client “%s” has no old secret that still works.", cl.Name)); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, clientPath(cl.ID, "edit"))
	}
	page, err := s.appIntegrationPage(c, "Revoke Old Secret")
	if err != nil {
		return err
	}
	page.RevokeSecret = &views.RevokeSecretDialog{ClientID: cl.ID, Name: cl.Name, Action: clientPath(cl.ID, "revoke-secret"),
		OldExpires: secretTime(old.ExpiresAt), LastUsed: strings.ToLower(lastUsedText(old.LastUsedAt))}
	page.PageURL = clientPath(cl.ID, "edit")
	return render(c, http.StatusOK, views.AppIntegrationPageView(page))
}

func (s *Server) revokeSecret(c echo.Context) error {
	cl, err := s.loadClient(c)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Old secret of OAuth client “%s” revoked: only the current secret works now.", cl.Name)
	_, err = s.svc.RevokeOldSecret(c.Request().Context(), s.actor(c), cl.ID)
	if ve := oauth.AsValidationError(err); ve != nil {
		msg, err = ve.Fields[oauth.FieldSecrets], nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "This OAuth client was deleted meanwhile.")
	}
	if err != nil {
		return err
	}
	if err := s.flash(c, msg); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, clientPath(cl.ID, "edit"))
}
