package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
)

const pathIdPs = "/admin/app-integration/idps"

// postMultipart submits a multipart form (the metadata import) with an
// optional file.
func (b *browserless) postMultipart(path string, fields map[string]string, fileField, fileName string, file []byte) (*http.Response, *goquery.Document) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if fileField != "" {
		fw, err := w.CreateFormFile(fileField, fileName)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, parseBody(b.t, resp)
}

func fieldValue(doc *goquery.Document, testID string) string {
	sel := doc.Find(`[data-testid="` + testID + `"]`)
	if goquery.NodeName(sel) == "textarea" {
		return sel.Text()
	}
	v, _ := sel.Attr("value")
	return v
}

func TestConsoleIdentityProviders(t *testing.T) {
	ts := newTestServer(t)
	b := ts.newUser(t)
	token := b.login("ADMIN", adminPassword)
	idp := samltest.NewIdP(t, "https://idp.example.test/metadata", 20*24*time.Hour) // expires within 30 days

	// Empty section, with both actions.
	_, doc := b.get("/admin/app-integration")
	if doc.Find(`[data-testid="idps-empty"]`).Length() != 1 || doc.Find(`[data-testid="add-idp"]`).AttrOr("href", "") != pathIdPs+"/new" ||
		doc.Find(`[data-testid="check-assertion"]`).AttrOr("href", "") != pathIdPs+"/check" {
		t.Fatal("the empty Trusted Identity Providers section or its actions are missing")
	}

	// Field errors: 422, the dialog again, a message next to each field.
	resp, doc := b.post(pathIdPs, url.Values{"_csrf": {token}, "name": {""}, "provider_name": {"has spaces"}, "certificates": {"nope!"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || doc.Find(`dialog[open][data-testid="idp-dialog"]`).Length() != 1 {
		t.Fatalf("invalid form: %d", resp.StatusCode)
	}
	for _, f := range []string{"name", "provider_name", "certificates"} {
		if doc.Find(`[data-testid="error-`+f+`"]`).Length() != 1 {
			t.Errorf("no error shown for %s", f)
		}
	}
	// Without a CSRF token nothing happens.
	if resp, _ := b.post(pathIdPs, url.Values{"name": {"X"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF token: %d, want 403", resp.StatusCode)
	}

	// Import metadata by upload: the Add dialog comes back filled in.
	resp, doc = b.postMultipart(pathIdPs+"/metadata", map[string]string{"_csrf": token}, "metadata_file", "idp.xml", idp.MetadataXML(t))
	if resp.StatusCode != http.StatusOK || doc.Find(`[data-testid="metadata-imported"]`).Length() != 1 {
		t.Fatalf("metadata upload: %d %s", resp.StatusCode, doc.Find(`[data-testid="error-metadata"]`).Text())
	}
	if got := fieldValue(doc, "field-entity_id"); got != idp.EntityID {
		t.Errorf("entity ID filled in as %q", got)
	}
	if got := fieldValue(doc, "field-provider_name"); got != "idp.example.test_metadata" {
		t.Errorf("provider name filled in as %q", got)
	}
	certs := fieldValue(doc, "field-certificates")
	if !strings.Contains(certs, "BEGIN CERTIFICATE") {
		t.Fatalf("certificates filled in as %q", certs)
	}
	// Pasted metadata with a DTD is refused next to the metadata field.
	resp, doc = b.postMultipart(pathIdPs+"/metadata", map[string]string{"_csrf": token,
		"metadata": `<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`}, "", "", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find(`[data-testid="error-metadata"]`).Text(), "DTD") {
		t.Errorf("metadata with a DTD: %d %q", resp.StatusCode, doc.Find(`[data-testid="error-metadata"]`).Text())
	}

	// Confirm: Add, then Post/Redirect/Get with a flash and the new row.
	resp, _ = b.post(pathIdPs, url.Values{"_csrf": {token}, "name": {"Corporate IdP"}, "provider_name": {"corp"},
		"entity_id": {idp.EntityID}, "certificates": {certs}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/app-integration" {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	_, doc = b.get("/admin/app-integration")
	row := doc.Find(`[data-testid="idp-row"]`)
	if row.Length() != 1 || row.Find(`[data-testid="idp-name"]`).Text() != "Corporate IdP" ||
		row.Find(`[data-testid="idp-provider-name"]`).Text() != "corp" ||
		!strings.Contains(row.Find(`[data-testid="cert-subject"]`).Text(), "Test IdP signing") ||
		!strings.Contains(row.Find(`[data-testid="cert-expiry"]`).Text(), "renew it soon") {
		t.Fatalf("row: %q", row.Text())
	}
	if !strings.Contains(doc.Find(`[data-testid="flash"]`).Text(), "Corporate IdP") {
		t.Error("no confirmation")
	}
	// The same provider name again is refused.
	resp, doc = b.post(pathIdPs, url.Values{"_csrf": {token}, "name": {"Another"}, "provider_name": {"CORP"}, "certificates": {certs}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find(`[data-testid="error-provider_name"]`).Text(), "already") {
		t.Errorf("duplicate provider name: %d", resp.StatusCode)
	}

	// Edit, then delete.
	editURL := row.Find(`[data-testid="edit-idp"]`).AttrOr("href", "")
	_, doc = b.get(editURL)
	if fieldValue(doc, "field-name") != "Corporate IdP" || !strings.Contains(fieldValue(doc, "field-certificates"), "BEGIN CERTIFICATE") {
		t.Fatal("edit dialog not filled in")
	}
	action := doc.Find(`[data-testid="idp-form"]`).AttrOr("action", "")
	resp, _ = b.post(action, url.Values{"_csrf": {token}, "name": {"Corporate IdP (EU)"}, "provider_name": {"corp"}, "entity_id": {idp.EntityID}, "certificates": {certs}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	idps := ts.idps(t)
	if len(idps) != 1 || idps[0].Name != "Corporate IdP (EU)" || idps[0].EntityID != idp.EntityID {
		t.Fatalf("stored: %+v", idps)
	}

	// Check an assertion: every check with its outcome, nothing used up.
	err := ts.Store.CreateUser(context.Background(), store.User{ID: "u-dave", UserName: "DAVE", Active: true,
		Emails: []store.Email{{Value: "dave@example.com", Primary: true}}, CreatedAt: time.Now(), UpdatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	u := ts.Svc.URLs()
	assertion := samltest.Encode(idp.Assertion(t, samltest.Target{Audience: u.SAML2Audience, TokenURL: u.SAML2TokenURL}, samltest.Options{NameID: "dave@example.com"}))
	_, doc = b.get(pathIdPs + "/check")
	if doc.Find(`dialog[open][data-testid="check-dialog"]`).Length() != 1 {
		t.Fatal("no checker dialog")
	}
	for i := 0; i < 2; i++ {
		resp, doc = b.post(pathIdPs+"/check", url.Values{"_csrf": {token}, "assertion": {assertion}})
		results := doc.Find(`[data-testid="check-result"]`)
		if resp.StatusCode != http.StatusOK || results.Length() != 10 {
			t.Fatalf("check: %d, %d results", resp.StatusCode, results.Length())
		}
		if results.Filter(`[data-status="fail"]`).Length() != 0 || !strings.Contains(doc.Find(`[data-testid="check-summary"]`).Text(), "DAVE") {
			t.Fatalf("check %d: %q", i, doc.Find(`[data-testid="check-results"]`).Text())
		}
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Error("the checker's page may be cached")
	}
	if strings.Contains(ts.Log.String(), assertion[:40]) {
		t.Error("the assertion was logged")
	}
	wrongAud := samltest.Encode(idp.Assertion(t, samltest.Target{Audience: "https://other.example/", TokenURL: u.SAML2TokenURL}, samltest.Options{NameID: "dave@example.com"}))
	_, doc = b.post(pathIdPs+"/check", url.Values{"_csrf": {token}, "assertion": {wrongAud}})
	failed := doc.Find(`[data-testid="check-result"][data-status="fail"]`)
	if failed.Length() != 1 || failed.AttrOr("data-check", "") != "audience" || !strings.Contains(failed.Text(), "audience mismatch") {
		t.Errorf("audience failure: %q", failed.Text())
	}
	resp, doc = b.post(pathIdPs+"/check", url.Values{"_csrf": {token}, "assertion": {"  "}})
	if resp.StatusCode != http.StatusUnprocessableEntity || doc.Find(`[data-testid="error-assertion"]`).Length() != 1 {
		t.Errorf("empty assertion: %d", resp.StatusCode)
	}

	// Delete asks first, then removes it.
	_, doc = b.get("/admin/app-integration")
	_, doc = b.get(doc.Find(`[data-testid="delete-idp"]`).AttrOr("href", ""))
	form := doc.Find(`[data-testid="delete-idp-form"]`)
	if !strings.Contains(form.Text(), "Corporate IdP (EU)") {
		t.Fatalf("delete dialog: %q", form.Text())
	}
	resp, _ = b.post(form.AttrOr("action", ""), url.Values{"_csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if idps := ts.idps(t); len(idps) != 0 {
		t.Errorf("still stored after delete: %d", len(idps))
	}
	if resp, _ := b.get(editURL); resp.StatusCode != http.StatusNotFound {
		t.Errorf("edit after delete: %d, want 404", resp.StatusCode)
	}
	events := ts.audit(t, store.AuditFilter{Limit: 20})
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"idp.created", "idp.updated", "idp.deleted"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit log lacks %s: %v", want, actions)
		}
	}
}
