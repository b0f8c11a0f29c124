package scim_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
)

// TestSAML2BearerTokensNeedAnAdministrator: a SAML2.0 bearer token with the
// user_provisioning scope opens the SCIM API only while the user it names
// holds the DW Administrator role.
func TestSAML2BearerTokensNeedAnAdministrator(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const entityID = "https://idp.example.test/metadata"
	idp := samltest.NewIdP(t, entityID, 24*time.Hour)
	if _, err := e.Svc.CreateIdentityProvider(ctx, "test", oauth.IdPInput{
		Name: "Corporate IdP", ProviderName: "corporate-idp", EntityID: entityID, Certificates: idp.CertPEM(),
	}); err != nil {
		t.Fatal(err)
	}
	c, secret, err := e.Svc.CreateClient(ctx, "test", oauth.ClientInput{Name: "saml", Purpose: store.PurposeAPIAccess,
		Grant: store.GrantSAML2Bearer, Access: []string{store.AccessUserProvisioning}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, u := range []store.User{
		{ID: "u-admin", UserName: "BOSS", Active: true, Roles: []string{store.RoleAdministrator}},
		{ID: "u-viewer", UserName: "VIEWER", Active: true, Roles: []string{store.RoleViewer}},
	} {
		u.CreatedAt, u.UpdatedAt, u.Emails = now, now, []store.Email{{Value: strings.ToLower(u.UserName) + "@example.com"}}
		if err := e.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	urls := e.Svc.URLs()
	target := samltest.Target{Audience: urls.SAML2Audience, TokenURL: urls.SAML2TokenURL}
	tokenFor := func(nameID string) string {
		t.Helper()
		form := url.Values{"grant_type": {oauth.GrantTypeSAML2Bearer},
			"assertion": {samltest.Encode(idp.Assertion(t, target, samltest.Options{NameID: nameID}))}}
		req, _ := http.NewRequest(http.MethodPost, urls.SAML2TokenURL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ID, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("SAML2 bearer token for %s: status %d", nameID, resp.StatusCode)
		}
		var body struct {
			AccessToken string `json:"access_token"`
		}
		if err := decodeJSON(resp, &body); err != nil {
			t.Fatal(err)
		}
		return body.AccessToken
	}
	boss, viewer := tokenFor("boss"), tokenFor("viewer")

	e.do(t, http.MethodGet, usersPath, boss, "").must(t, http.StatusOK)
	e.create(t, boss, userJSON("by_saml"))
	r := e.do(t, http.MethodGet, usersPath, viewer, "")
	r.scimError(t, http.StatusForbidden, "")
	if !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
	}
	e.do(t, http.MethodPost, usersPath, viewer, userJSON("refused")).scimError(t, http.StatusForbidden, "")

	// The role is checked on every request: taking it away closes the API to
	// the token at once.
	if _, err := e.Store.UpdateUser(ctx, "u-admin", func(u store.User) (store.User, error) {
		u.Roles = []string{store.RoleViewer}
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	e.do(t, http.MethodGet, usersPath, boss, "").scimError(t, http.StatusForbidden, "")
}
