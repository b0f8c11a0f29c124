package web_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlidp"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
)

// realIdP is a real SAML identity provider over HTTP on loopback:
// crewjam/saml's samlidp, with its own login page, users with passwords,
// and this service registered from its SP metadata.
type realIdP struct {
	URL string
	srv *httptest.Server
}

// newRealIdP starts an identity provider and returns it.
func newRealIdP(t testing.TB) *realIdP {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	keys := samltest.NewIdP(t, base+"/metadata", 24*time.Hour) // a key and its certificate
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	idp, err := samlidp.New(samlidp.Options{
		URL: *u, Key: keys.Key, Certificate: keys.Cert, Store: &samlidp.MemoryStore{},
		Logger: log.New(io.Discard, "", 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	idp.IDP.ServiceProviderProvider = repostTolerant{idp}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)
	return &realIdP{URL: base, srv: srv}
}

// repostTolerant is samlidp's service provider registry with one change:
// its login page posts the AuthnRequest back to /sso without the query
// signature it came with (the HTTP-Redirect binding signs the query string,
// not the XML), which samlidp would refuse for a service provider whose
// metadata says it signs its requests. The first GET of every sign-in still
// has its RSA-SHA256 signature verified against the SP metadata.
type repostTolerant struct{ s *samlidp.Server }

func (p repostTolerant) GetServiceProvider(r *http.Request, id string) (*saml.EntityDescriptor, error) {
	md, err := p.s.GetServiceProvider(r, id)
	if err != nil || r.Method != http.MethodPost {
		return md, err
	}
	cp := *md
	cp.SPSSODescriptors = append([]saml.SPSSODescriptor(nil), md.SPSSODescriptors...)
	for i := range cp.SPSSODescriptors {
		cp.SPSSODescriptors[i].AuthnRequestsSigned = nil
	}
	return &cp, nil
}

func (p *realIdP) put(t testing.TB, path, contentType, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, p.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PUT %s at the IdP: %d", path, resp.StatusCode)
	}
}

// addUser adds a user who signs in at the IdP with password; the IdP names
// them by e-mail in the NameID.
func (p *realIdP) addUser(t testing.TB, name, email, password string) {
	t.Helper()
	p.put(t, "/users/"+name, "application/json",
		fmt.Sprintf(`{"name":%q,"email":%q,"password":%q,"given_name":"Given","surname":%q}`, name, email, password, name))
}

// trust makes the IdP and ts know each other: ts imports the IdP's metadata
// as a trusted identity provider (with its SingleSignOnService), and the IdP
// registers ts from its SP metadata at /saml/metadata.
func (p *realIdP) trust(t testing.TB, ts *testServer) store.IdentityProvider {
	t.Helper()
	ctx := context.Background()
	md := httpGet(t, p.URL+"/metadata")
	parsed, err := ts.Svc.ParseIdPMetadata([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	if parsed.SSOURL != p.URL+"/sso" {
		t.Fatalf("metadata import kept the SingleSignOnService %q", parsed.SSOURL)
	}
	rec, err := ts.Svc.CreateIdentityProvider(ctx, "test", oauth.IdPInput{
		Name: "Test IdP", ProviderName: "test-idp", EntityID: parsed.EntityID,
		Certificates: []byte(oauth.EncodeCertificatesPEM(parsed.Certificates)), SSOURL: parsed.SSOURL, SSOBinding: parsed.SSOBinding,
	})
	if err != nil {
		t.Fatal(err)
	}
	p.put(t, "/services/appintegration", "application/samlmetadata+xml", httpGet(t, ts.URL+"/saml/metadata"))
	return rec
}

func httpGet(t testing.TB, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return string(b)
}

// enableSSO makes sign-in go through idp by e-mail, skipping the
// verification (as `sso enable --force` does).
func enableSSO(t testing.TB, ts *testServer, idp store.IdentityProvider) {
	t.Helper()
	if _, err := ts.Svc.EnableSSO(context.Background(), "test", oauth.SSOInput{IdPID: idp.ID, UserAttribute: store.UserAttributeEmail}, true); err != nil {
		t.Fatal(err)
	}
}

// provisionUser creates a user through the SCIM API, as Entra ID or Okta
// would: no password. role is a catalog role's display name.
func provisionUser(t testing.TB, ts *testServer, userName, email, role string) store.User {
	t.Helper()
	c, secret := ts.createClient(t, oauth.ClientInput{Name: "provisioning " + userName, Access: []string{store.AccessUserProvisioning}})
	client := (&clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: ts.URL + "/oauth/token"}).Client(context.Background())
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,
		"name":{"givenName":"Jane","familyName":%q},"emails":[{"value":%q,"type":"work","primary":true}],
		"roles":[{"value":%q}]}`, userName, userName, email, role)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/scim2/Users", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("SCIM create %s: %d", userName, resp.StatusCode)
	}
	u, err := ts.Store.GetUserByName(context.Background(), userName)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.PasswordHash) != 0 {
		t.Fatalf("%s has a password", userName)
	}
	return u
}

// scimPatch changes a user through the SCIM API.
func scimPatch(t testing.TB, ts *testServer, id, ops string) {
	t.Helper()
	c, secret := ts.createClient(t, oauth.ClientInput{Name: "patch", Access: []string{store.AccessUserProvisioning}})
	client := (&clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: ts.URL + "/oauth/token"}).Client(context.Background())
	req, _ := http.NewRequest(http.MethodPatch, ts.URL+"/api/v1/scim2/Users/"+id,
		strings.NewReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`+ops+`}`))
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SCIM patch: %d", resp.StatusCode)
	}
}

// formOf returns the action and the fields of the first form of doc.
func formOf(t testing.TB, doc *goquery.Document, base string) (string, url.Values) {
	t.Helper()
	form := doc.Find("form").First()
	action, ok := form.Attr("action")
	if !ok {
		h, _ := doc.Html()
		t.Fatalf("no form on the page: %.500s", h)
	}
	if u, err := url.Parse(base); err == nil {
		if a, err := u.Parse(action); err == nil {
			action = a.String()
		}
	}
	values := url.Values{}
	form.Find("input").Each(func(_ int, s *goquery.Selection) {
		if name, ok := s.Attr("name"); ok {
			values.Set(name, s.AttrOr("value", ""))
		}
	})
	return action, values
}

// idpSignIn follows a response that sent b to the IdP's login page: it
// signs in there as user with password, like a person, and posts the
// Response the IdP returns to the ACS, as the IdP's page does. It returns
// the ACS's response (not followed).
func idpSignIn(t testing.TB, b *browserless, toIdP *http.Response, user, password string) *http.Response {
	t.Helper()
	if toIdP.StatusCode != http.StatusSeeOther {
		t.Fatalf("want a redirect to the IdP, got %d", toIdP.StatusCode)
	}
	loc := toIdP.Header.Get("Location")
	resp, err := b.http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	action, form := formOf(t, parseBody(t, resp), loc)
	form.Set("user", user)
	form.Set("password", password)
	if resp, err = b.http.PostForm(action, form); err != nil {
		t.Fatal(err)
	}
	action, form = formOf(t, parseBody(t, resp), action)
	if form.Get("SAMLResponse") == "" {
		t.Fatalf("the IdP sent no SAMLResponse (wrong password?)")
	}
	if resp, err = b.http.PostForm(action, form); err != nil {
		t.Fatal(err)
	}
	return resp
}
