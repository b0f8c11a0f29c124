package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

// Console paths of the Trusted Identity Providers section.
const (
	pathIdPs          = pathAppIntegration + "/idps"
	pathIdPCheck      = pathIdPs + "/check"
	pathIdPImport     = pathIdPs + "/metadata"
	certWarningWindow = 30 * 24 * time.Hour
	// maxMetadataUpload bounds the multipart body of a metadata import: the
	// metadata itself (oauth.MaxMetadataSize) pasted and uploaded, plus the
	// form's own overhead.
	maxMetadataUpload = 2*oauth.MaxMetadataSize + 16<<10
)

// registerIdPRoutes registers the section's routes. admin is the middleware of
// every console form; the metadata import has its own body limit, as an
// uploaded metadata file can be larger than an ordinary form.
func (s *Server) registerIdPRoutes(e *echo.Echo, admin []echo.MiddlewareFunc) {
	upload := []echo.MiddlewareFunc{limitBody(maxMetadataUpload), s.checkCSRF, s.requireAdmin}
	e.GET(pathIdPs+"/new", s.newIdP, admin...)
	e.POST(pathIdPs, s.createIdP, admin...)
	e.POST(pathIdPImport, s.importIdPMetadata, upload...)
	e.GET(pathIdPCheck, s.checkAssertionPage, admin...)
	e.POST(pathIdPCheck, s.checkAssertion, admin...)
	e.GET(pathIdPs+"/:id/edit", s.editIdP, admin...)
	e.POST(pathIdPs+"/:id", s.updateIdP, admin...)
	e.POST(pathIdPs+"/:id/metadata", s.importIdPMetadata, upload...)
	e.GET(pathIdPs+"/:id/delete", s.confirmDeleteIdP, admin...)
	e.POST(pathIdPs+"/:id/delete", s.deleteIdP, admin...)
}

// idpSection builds the section's table; the caller adds a dialog.
func (s *Server) idpSection(ctx context.Context) (views.IdPSection, error) {
	idps, err := s.store.ListIdentityProviders(ctx)
	if err != nil {
		return views.IdPSection{}, err
	}
	sec := views.IdPSection{AddURL: pathIdPs + "/new", CheckURL: pathIdPCheck}
	now := s.svc.Now()
	for _, p := range idps {
		row := views.IdPRow{
			ID: p.ID, Name: p.Name, ProviderName: p.ProviderName, EntityID: p.EntityID,
			SSOURL: p.SSOURL, SSOBinding: views.BindingLabel(p.SSOBinding),
			EditURL: pathIdPs + "/" + p.ID + "/edit", DeleteURL: pathIdPs + "/" + p.ID + "/delete",
		}
		for _, der := range p.Certificates {
			info, err := oauth.DescribeCertificate(der)
			if err != nil {
				row.Certificates = append(row.Certificates, views.CertificateRow{Subject: "A stored certificate cannot be read; replace it.", Expired: true})
				continue
			}
			row.Certificates = append(row.Certificates, views.CertificateRow{
				Subject: info.Subject, Issuer: info.Issuer, Fingerprint: info.Fingerprint,
				Expires:     info.NotAfter.UTC().Format("2006-01-02"),
				Expired:     now.After(info.NotAfter),
				ExpiresSoon: info.NotAfter.Sub(now) < certWarningWindow,
			})
		}
		sec.Rows = append(sec.Rows, row)
	}
	return sec, nil
}

// renderIdPPage renders the App Integration page with the section's dialog
// set by dialog.
func (s *Server) renderIdPPage(c echo.Context, status int, title string, dialog func(*views.IdPSection)) error {
	page, err := s.appIntegrationPage(c, title)
	if err != nil {
		return err
	}
	dialog(&page.IdPs)
	return render(c, status, views.AppIntegrationPageView(page))
}

// idpFormView is the Add or Edit dialog for f; editing is nil when adding.
func idpFormView(f oauth.IdPInput, editing *store.IdentityProvider, errs map[string]string) *views.IdPForm {
	v := &views.IdPForm{
		Title: "Add a Trusted Identity Provider", Action: pathIdPs, Submit: "Add", ImportAction: pathIdPImport,
		Name: f.Name, ProviderName: f.ProviderName, EntityID: f.EntityID, Certificates: string(f.Certificates),
		SSOURL: f.SSOURL, SSOBinding: f.SSOBinding, Errors: errs,
	}
	if editing != nil {
		v.Title, v.Submit, v.Editing = "Edit Trusted Identity Provider", "Save", true
		v.Action = pathIdPs + "/" + editing.ID
		v.ImportAction = pathIdPs + "/" + editing.ID + "/metadata"
	}
	return v
}

func readIdPForm(c echo.Context) oauth.IdPInput {
	r := c.Request()
	return oauth.IdPInput{
		Name:         r.PostFormValue(oauth.FieldIdPName),
		ProviderName: r.PostFormValue(oauth.FieldProviderName),
		EntityID:     r.PostFormValue(oauth.FieldEntityID),
		Certificates: []byte(r.PostFormValue(oauth.FieldCertificates)),
		SSOURL:       r.PostFormValue(oauth.FieldSSOURL),
		SSOBinding:   r.PostFormValue(oauth.FieldSSOBinding),
	}
}

func (s *Server) newIdP(c echo.Context) error {
	return s.renderIdPPage(c, http.StatusOK, "Add a Trusted Identity Provider", func(sec *views.IdPSection) {
		sec.Form = idpFormView(oauth.IdPInput{}, nil, nil)
	})
}

func (s *Server) createIdP(c echo.Context) error {
	in := readIdPForm(c)
	p, err := s.svc.CreateIdentityProvider(c.Request().Context(), s.actor(c), in)
	if ve := oauth.AsValidationError(err); ve != nil {
		return s.renderIdPPage(c, http.StatusUnprocessableEntity, "Add a Trusted Identity Provider", func(sec *views.IdPSection) {
			sec.Form = idpFormView(in, nil, ve.Fields)
		})
	}
	if err != nil {
		return err
	}
	if err := s.flash(c, fmt.Sprintf("Trusted identity provider “%s” added. Assertions it signs can now be exchanged for tokens.", p.Name)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pathAppIntegration)
}

// loadIdP returns the identity provider named in the path, or a 404 page.
func (s *Server) loadIdP(c echo.Context) (store.IdentityProvider, error) {
	p, err := s.store.GetIdentityProvider(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return p, echo.NewHTTPError(http.StatusNotFound, "This trusted identity provider does not exist (any more). It may have been deleted.")
	}
	return p, err
}

func (s *Server) editIdP(c echo.Context) error {
	p, err := s.loadIdP(c)
	if err != nil {
		return err
	}
	in := oauth.IdPInput{Name: p.Name, ProviderName: p.ProviderName, EntityID: p.EntityID,
		Certificates: []byte(oauth.EncodeCertificatesPEM(p.Certificates)), SSOURL: p.SSOURL, SSOBinding: p.SSOBinding}
	return s.renderIdPPage(c, http.StatusOK, "Edit Trusted Identity Provider", func(sec *views.IdPSection) {
		sec.Form = idpFormView(in, &p, nil)
	})
}

func (s *Server) updateIdP(c echo.Context) error {
	p, err := s.loadIdP(c)
	if err != nil {
		return err
	}
	in := readIdPForm(c)
	updated, err := s.svc.UpdateIdentityProvider(c.Request().Context(), s.actor(c), p.ID, in)
	if ve := oauth.AsValidationError(err); ve != nil {
		return s.renderIdPPage(c, http.StatusUnprocessableEntity, "Edit Trusted Identity Provider", func(sec *views.IdPSection) {
			sec.Form = idpFormView(in, &p, ve.Fields)
		})
	}
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "This trusted identity provider was deleted while you were editing it.")
	}
	if err != nil {
		return err
	}
	if err := s.flash(c, fmt.Sprintf("Trusted identity provider “%s” saved.", updated.Name)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pathAppIntegration)
}

// importIdPMetadata reads pasted or uploaded metadata and re-renders the Add
// (or Edit) dialog with the fields it fills, for the administrator to confirm.
// Nothing is saved.
func (s *Server) importIdPMetadata(c echo.Context) error {
	var editing *store.IdentityProvider
	title := "Add a Trusted Identity Provider"
	if c.Param("id") != "" {
		p, err := s.loadIdP(c)
		if err != nil {
			return err
		}
		editing, title = &p, "Edit Trusted Identity Provider"
	}
	data, problem := readMetadataUpload(c)
	var md oauth.IdPMetadata
	if problem == "" {
		var err error
		if md, err = s.svc.ParseIdPMetadata(data); err != nil {
			problem = err.Error()
		}
	}
	if problem != "" {
		in := oauth.IdPInput{}
		if editing != nil {
			in = oauth.IdPInput{Name: editing.Name, ProviderName: editing.ProviderName, EntityID: editing.EntityID,
				Certificates: []byte(oauth.EncodeCertificatesPEM(editing.Certificates)),
				SSOURL:       editing.SSOURL, SSOBinding: editing.SSOBinding}
		}
		return s.renderIdPPage(c, http.StatusUnprocessableEntity, title, func(sec *views.IdPSection) {
			sec.Form = idpFormView(in, editing, map[string]string{oauth.FieldMetadata: problem})
			if len(data) <= oauth.MaxMetadataSize && c.Request().MultipartForm != nil {
				sec.Form.Metadata = c.Request().PostFormValue(oauth.FieldMetadata)
			}
		})
	}
	in := oauth.IdPInput{Name: md.Name, ProviderName: md.ProviderName, EntityID: md.EntityID,
		Certificates: []byte(oauth.EncodeCertificatesPEM(md.Certificates)), SSOURL: md.SSOURL, SSOBinding: md.SSOBinding}
	if editing != nil {
		in.Name, in.ProviderName = editing.Name, editing.ProviderName
	}
	note := fmt.Sprintf("Read from the metadata of %s: %d signing certificate(s).", md.EntityID, len(md.Certificates))
	if md.SSOURL == "" {
		note += " It names no Single Sign-On Service: it can serve the SAML2.0 Bearer grant, but users cannot sign in through it."
	} else {
		note += fmt.Sprintf(" Users can sign in through its Single Sign-On Service (%s).", views.BindingLabel(md.SSOBinding))
	}
	if md.Expired > 0 {
		note += fmt.Sprintf(" %d expired certificate(s) were left out.", md.Expired)
	}
	if editing != nil {
		note += " Check the fields and choose Save."
	} else {
		note += " Check the fields, adjust the name and provider name if you like, and choose Add."
	}
	return s.renderIdPPage(c, http.StatusOK, title, func(sec *views.IdPSection) {
		sec.Form = idpFormView(in, editing, nil)
		sec.Form.Imported = note
	})
}

// readMetadataUpload returns the uploaded metadata file, or else the pasted
// metadata, or a message for the administrator.
func readMetadataUpload(c echo.Context) ([]byte, string) {
	r := c.Request()
	if err := r.ParseMultipartForm(maxMetadataUpload); err != nil {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			if text := r.PostFormValue(oauth.FieldMetadata); strings.TrimSpace(text) != "" {
				return []byte(text), ""
			}
			return nil, "Paste the metadata XML or choose its file."
		}
		return nil, "The upload could not be read. Choose the file again."
	}
	if fh, err := c.FormFile(views.FieldMetadataFile); err == nil && fh.Size > 0 {
		if fh.Size > oauth.MaxMetadataSize {
			return nil, fmt.Sprintf("The metadata file is larger than %d KiB.", oauth.MaxMetadataSize>>10)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, "The uploaded file could not be read. Choose it again."
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, oauth.MaxMetadataSize+1))
		if err != nil || len(data) > oauth.MaxMetadataSize {
			return nil, "The uploaded file could not be read. Choose it again."
		}
		return data, ""
	}
	text := r.PostFormValue(oauth.FieldMetadata)
	if strings.TrimSpace(text) == "" {
		return nil, "Paste the metadata XML or choose its file."
	}
	return []byte(text), ""
}

func (s *Server) confirmDeleteIdP(c echo.Context) error {
	p, err := s.loadIdP(c)
	if err != nil {
		return err
	}
	return s.renderIdPPage(c, http.StatusOK, "Delete Trusted Identity Provider", func(sec *views.IdPSection) {
		sec.Delete = &views.DeleteIdP{Name: p.Name, ProviderName: p.ProviderName, Action: pathIdPs + "/" + p.ID + "/delete"}
	})
}

func (s *Server) deleteIdP(c echo.Context) error {
	p, err := s.loadIdP(c)
	if err != nil {
		return err
	}
	err = s.svc.DeleteIdentityProvider(c.Request().Context(), s.actor(c), p.ID)
	if errors.Is(err, oauth.ErrIdPInUse) {
		return echo.NewHTTPError(http.StatusConflict, fmt.Sprintf("Users sign in through “%s”: it cannot be deleted. Switch sign-in to Password or to another identity provider on the Security tab first.", p.Name))
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.flash(c, fmt.Sprintf("Trusted identity provider “%s” deleted. Assertions it signs are refused from now on.", p.Name)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pathAppIntegration)
}

func (s *Server) checkAssertionPage(c echo.Context) error {
	return s.renderIdPPage(c, http.StatusOK, "Check an assertion", func(sec *views.IdPSection) {
		sec.Check = &views.AssertionCheck{Action: pathIdPCheck}
	})
}

// checkAssertion runs the checks of the SAML2 bearer grant on a pasted
// assertion and shows each outcome. Nothing is recorded and no token is issued;
// the assertion is neither logged nor stored.
func (s *Server) checkAssertion(c echo.Context) error {
	text := c.Request().PostFormValue(views.FieldAssertion)
	view := &views.AssertionCheck{Action: pathIdPCheck, Assertion: text}
	status := http.StatusOK
	switch {
	case strings.TrimSpace(text) == "":
		view.Error, status = "Paste an assertion: Base64, Base64url or XML.", http.StatusUnprocessableEntity
	case len(text) > oauth.MaxAssertionSize:
		view.Error, status = fmt.Sprintf("The assertion is larger than %d KiB, the most the token endpoint accepts.", oauth.MaxAssertionSize>>10), http.StatusUnprocessableEntity
		view.Assertion = ""
	default:
		rep, err := s.svc.CheckAssertion(c.Request().Context(), text)
		if err != nil {
			return err
		}
		view.Ran, view.Passed = true, rep.Passed()
		if f := rep.FirstFailure(); f != nil {
			view.Summary = "The OAuth2SAML Token URL would refuse this assertion with invalid_grant: " + f.Reason + "."
		} else {
			view.Summary = fmt.Sprintf("The OAuth2SAML Token URL would accept this assertion from “%s” and issue a token for %s to a SAML2.0 Bearer client, once: its ID is recorded when it is exchanged.", rep.IdPName, rep.UserName)
		}
		for _, ch := range rep.Checks {
			view.Results = append(view.Results, views.CheckResult{ID: ch.ID, Name: ch.Name, Status: string(ch.Status), Reason: ch.Reason})
		}
	}
	return s.renderIdPPage(c, status, "Check an assertion", func(sec *views.IdPSection) { sec.Check = view })
}
