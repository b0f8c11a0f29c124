package oauth_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/oauthtest"
	"github.com/appintegration/appintegration/store"
)

func techToken(t *testing.T, svc *oauth.Service, id, secret string) (*oauth.TokenResponse, error) {
	t.Helper()
	return svc.Token(context.Background(), &oauth.TokenRequest{
		Credentials: oauth.Credentials{ClientID: id, Secret: secret, Method: "client_secret_basic"},
		GrantType:   oauth.GrantTypeClientCredentials,
	})
}

func TestTechnicalUserClient(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	clk := &clock{t: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)}
	svc := newService(t, st, oauth.AlgRS256, clk)

	c, secret, err := svc.CreateClient(ctx, "t", oauth.ClientInput{
		Name: "ETL", Purpose: store.PurposeTechnicalUser, UserID: "ETL_USER",
		Roles: []string{"DW Integrator", store.RoleSpaceAdministrator},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Grant != store.GrantClientCredentials || c.TokenLifetime != 24*time.Hour {
		t.Errorf("defaults: grant %s, token lifetime %s", c.Grant, c.TokenLifetime)
	}
	if want := time.Date(2027, 2, 26, 0, 0, 0, 0, time.UTC); !c.ExpiresAt.Equal(want) {
		t.Errorf("default expiry %s, want the end of 2027-02-25 (3 months)", c.ExpiresAt)
	}
	u, err := st.GetUser(ctx, c.UserID)
	if err != nil || u.UserName != "ETL_USER" || u.ClientID != c.ID || !u.Active || len(u.PasswordHash) != 0 {
		t.Fatalf("technical user %+v, %v", u, err)
	}
	if _, err := svc.Authenticate(ctx, "ETL_USER", ""); !errors.Is(err, oauth.ErrBadLogin) {
		t.Error("a technical user can sign in")
	}

	tok, err := techToken(t, svc, c.ID, secret)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := svc.VerifyAccessToken(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != u.ID || claims.UserName != "ETL_USER" || claims.Scope != "content_network" || claims.ClientID != c.ID {
		t.Errorf("claims sub=%s user_name=%s scope=%q", claims.Subject, claims.UserName, claims.Scope)
	}
	if tok.ExpiresIn != 86400 {
		t.Errorf("expires_in = %d", tok.ExpiresIn)
	}

	// Roles change the scopes of the next token.
	c, newSecret, err := svc.UpdateClient(ctx, "t", c.ID, oauth.ClientUpdate{
		Name: "ETL renamed", TokenLifetime: time.Hour, Roles: []string{store.RoleAdministrator}, ExpiresAt: c.ExpiresAt,
	})
	if err != nil || newSecret != "" {
		t.Fatalf("update before expiry: secret %q, %v", newSecret, err)
	}
	tok, err = techToken(t, svc, c.ID, secret)
	if err != nil || tok.Scope != "user_provisioning content_network" || tok.ExpiresIn != 3600 {
		t.Fatalf("after the role change: %+v, %v", tok, err)
	}

	// Expired: refused at the token endpoint, and its tokens inactive.
	clk.Add(c.ExpiresAt.Sub(clk.Now()) - 30*time.Minute)
	tok, err = techToken(t, svc, c.ID, secret)
	if err != nil || tok.ExpiresIn != 1800 {
		t.Fatalf("30 minutes before expiry: expires_in %v, %v (want the token capped at the client's expiry)", tok, err)
	}
	clk.Add(31 * time.Minute)
	if _, err := techToken(t, svc, c.ID, secret); !errors.Is(err, oauth.ErrInvalidClient) {
		t.Errorf("expired client: %v, want invalid_client", err)
	}
	if _, err := svc.VerifyAccessToken(ctx, tok.AccessToken); !errors.Is(err, oauth.ErrInactiveToken) {
		t.Errorf("token of an expired client: %v, want inactive", err)
	}

	// Saving without a new date keeps it expired and the secret unchanged.
	c, newSecret, err = svc.UpdateClient(ctx, "t", c.ID, oauth.ClientUpdate{
		Name: "ETL", TokenLifetime: time.Hour, Roles: []string{store.RoleAdministrator}, ExpiresAt: c.ExpiresAt,
	})
	if err != nil || newSecret != "" || !oauth.IsExpired(c, clk.Now()) {
		t.Fatalf("rename of an expired client: secret %q, %v", newSecret, err)
	}
	// A date too near or too far is refused.
	for _, d := range []time.Duration{6 * 24 * time.Hour, 20*366*24*time.Hour + 48*time.Hour} {
		_, _, err := svc.UpdateClient(ctx, "t", c.ID, oauth.ClientUpdate{
			Name: "ETL", TokenLifetime: time.Hour, Roles: []string{store.RoleAdministrator}, ExpiresAt: clk.Now().Add(d),
		})
		if ve := oauth.AsValidationError(err); ve == nil || ve.Fields[oauth.FieldExpiresAt] == "" {
			t.Errorf("expiry in %s: %v, want an expires_at error", d, err)
		}
	}
	// Extending it issues a new secret; the old one stops working.
	c, newSecret, err = svc.UpdateClient(ctx, "t", c.ID, oauth.ClientUpdate{
		Name: "ETL", TokenLifetime: time.Hour, Roles: []string{store.RoleAdministrator}, ExpiresAt: clk.Now().Add(30 * 24 * time.Hour),
	})
	if err != nil || !oauthtest.LooksLikeSecret(newSecret) || newSecret == secret {
		t.Fatalf("extension: secret %q, %v", newSecret, err)
	}
	if _, err := techToken(t, svc, c.ID, secret); !errors.Is(err, oauth.ErrInvalidClient) {
		t.Errorf("old secret after extension: %v, want invalid_client", err)
	}
	if _, err := techToken(t, svc, c.ID, newSecret); err != nil {
		t.Errorf("new secret: %v", err)
	}
	if _, err := svc.VerifyAccessToken(ctx, tok.AccessToken); !errors.Is(err, oauth.ErrInactiveToken) {
		t.Errorf("a token of the old secret came back after extension: %v", err)
	}

	// Deleting the client deletes its user and kills its tokens.
	if tok, err = techToken(t, svc, c.ID, newSecret); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteClient(ctx, "t", c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.VerifyAccessToken(ctx, tok.AccessToken); !errors.Is(err, oauth.ErrInactiveToken) {
		t.Errorf("token of a deleted client: %v", err)
	}
	if _, err := st.GetUser(ctx, c.UserID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("technical user after deleting its client: %v", err)
	}
}

func TestTechnicalUserRules(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	clk := &clock{t: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)}
	svc := newService(t, st, oauth.AlgRS256, clk)
	valid := oauth.ClientInput{Name: "T", Purpose: store.PurposeTechnicalUser, UserID: "TECH_1", Roles: []string{"DW Viewer"}}
	if _, _, err := svc.CreateClient(ctx, "t", valid); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*oauth.ClientInput)
		field string
	}{
		{"User ID taken", func(in *oauth.ClientInput) {}, oauth.FieldUserID},
		{"lower-case User ID", func(in *oauth.ClientInput) { in.UserID = "tech_2" }, oauth.FieldUserID},
		{"User ID of 21 characters", func(in *oauth.ClientInput) { in.UserID = "ABCDEFGHIJKLMNOPQRSTU" }, oauth.FieldUserID},
		{"no roles", func(in *oauth.ClientInput) { in.UserID, in.Roles = "TECH_2", nil }, oauth.FieldRoles},
		{"unknown role", func(in *oauth.ClientInput) { in.UserID, in.Roles = "TECH_2", []string{"Root"} }, oauth.FieldRoles},
		{"token lifetime under 1 hour", func(in *oauth.ClientInput) { in.UserID, in.TokenLifetime = "TECH_2", 59*time.Minute }, oauth.FieldTokenLifetime},
		{"expiry in 6 days", func(in *oauth.ClientInput) { in.UserID, in.ExpiresAt = "TECH_2", clk.Now().Add(6*24*time.Hour) }, oauth.FieldExpiresAt},
		{"expiry in 21 years", func(in *oauth.ClientInput) { in.UserID, in.ExpiresAt = "TECH_2", clk.Now().AddDate(21, 0, 0) }, oauth.FieldExpiresAt},
		{"another grant", func(in *oauth.ClientInput) { in.UserID, in.Grant = "TECH_2", store.GrantSAML2Bearer }, oauth.FieldGrant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := valid
			tc.edit(&in)
			_, _, err := svc.CreateClient(ctx, "t", in)
			if ve := oauth.AsValidationError(err); ve == nil || ve.Fields[tc.field] == "" {
				t.Errorf("%v, want an error for %s", err, tc.field)
			}
		})
	}
	in := valid
	in.UserID, in.ExpiresAt = "TECH_3", clk.Now().Add(7*24*time.Hour)
	if _, _, err := svc.CreateClient(ctx, "t", in); err != nil {
		t.Errorf("expiry in exactly 7 days: %v", err)
	}
}

func TestInteractiveClientRules(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	svc := newService(t, st, oauth.AlgRS256, &clock{t: time.Now()})
	valid := oauth.ClientInput{Name: "I", Purpose: store.PurposeInteractive, RedirectURIs: []string{"https://app.example.com/**", " http://localhost:8080/ "}}
	c, _, err := svc.CreateClient(ctx, "t", valid)
	if err != nil {
		t.Fatal(err)
	}
	if c.Grant != store.GrantAuthorizationCode || c.RefreshTokenLifetime != 30*24*time.Hour || c.TokenLifetime != time.Hour ||
		len(c.RedirectURIs) != 2 || c.RedirectURIs[1] != "http://localhost:8080/" {
		t.Errorf("defaults: %+v", c)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*oauth.ClientInput)
		field string
	}{
		{"no redirect URI", func(in *oauth.ClientInput) { in.RedirectURIs = []string{" "} }, oauth.FieldRedirectURIs},
		{"fragment", func(in *oauth.ClientInput) { in.RedirectURIs = []string{"https://a.example/#x"} }, oauth.FieldRedirectURIs},
		{"refresh 59 s", func(in *oauth.ClientInput) { in.RefreshTokenLifetime = 59 * time.Second }, oauth.FieldRefreshTokenLifetime},
		{"refresh 181 days", func(in *oauth.ClientInput) { in.RefreshTokenLifetime = 181 * 24 * time.Hour }, oauth.FieldRefreshTokenLifetime},
		{"token 2 days", func(in *oauth.ClientInput) { in.TokenLifetime = 48 * time.Hour }, oauth.FieldTokenLifetime},
		{"client credentials", func(in *oauth.ClientInput) { in.Grant = store.GrantClientCredentials }, oauth.FieldGrant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := valid
			tc.edit(&in)
			if errs := oauth.CheckClientInput(in); errs[tc.field] == "" {
				t.Errorf("no error for %s: %v", tc.field, errs)
			}
		})
	}
	// Purpose and grant never change; the redirect URIs and lifetimes do.
	c, _, err = svc.UpdateClient(ctx, "t", c.ID, oauth.ClientUpdate{Name: "I2", TokenLifetime: time.Minute,
		RedirectURIs: []string{"https://other.example/cb"}, RefreshTokenLifetime: time.Hour})
	if err != nil || c.Purpose != store.PurposeInteractive || c.Grant != store.GrantAuthorizationCode ||
		c.RedirectURIs[0] != "https://other.example/cb" || c.RefreshTokenLifetime != time.Hour {
		t.Errorf("update: %+v, %v", c, err)
	}
}

// separateWrites is a store on which a Technical User client's update may
// not write the client and its user one after the other.
type separateWrites struct {
	store.Store
	t *testing.T
}

func (s separateWrites) UpdateClient(ctx context.Context, id string, fn func(store.Client) (store.Client, error)) (store.Client, error) {
	s.t.Error("UpdateClient called for a client with a user of its own")
	return s.Store.UpdateClient(ctx, id, fn)
}

func (s separateWrites) UpdateUser(ctx context.Context, id string, fn func(store.User) (store.User, error)) (store.User, error) {
	s.t.Error("UpdateUser called apart from its client")
	return s.Store.UpdateUser(ctx, id, fn)
}

// TestTechnicalUserUpdateIsOneTransaction: the client and its user's roles
// and display name are saved by one UpdateClientWithUser; with the user gone
// nothing is saved and the error is store.ErrNotFound.
func TestTechnicalUserUpdateIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	clk := &clock{t: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)}
	svc := newService(t, separateWrites{Store: st, t: t}, oauth.AlgRS256, clk)
	c, _, err := svc.CreateClient(ctx, "t", oauth.ClientInput{
		Name: "ETL", Purpose: store.PurposeTechnicalUser, UserID: "ETL_USER", Roles: []string{"DW Viewer"},
	})
	if err != nil {
		t.Fatal(err)
	}
	up := oauth.ClientUpdate{Name: "Nightly ETL", TokenLifetime: 2 * time.Hour, Roles: []string{"DW Integrator"}, ExpiresAt: c.ExpiresAt}
	if _, _, err := svc.UpdateClient(ctx, "t", c.ID, up); err != nil {
		t.Fatal(err)
	}
	u, err := st.GetUser(ctx, c.UserID)
	if err != nil || u.DisplayName != "Nightly ETL" || len(u.Roles) != 1 || u.Roles[0] != store.RoleIntegrator || u.Version != 2 {
		t.Fatalf("user after update: %+v, %v", u, err)
	}

	// The user disappears behind the client's back: the update fails whole.
	if err := st.DeleteUser(ctx, c.UserID, nil); err != nil {
		t.Fatal(err)
	}
	up.Name = "Renamed"
	if _, _, err := svc.UpdateClient(ctx, "t", c.ID, up); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update without its user: %v, want store.ErrNotFound", err)
	}
	if got, err := st.GetClient(ctx, c.ID); err != nil || got.Name != "Nightly ETL" {
		t.Errorf("client after the failed update: %q, %v", got.Name, err)
	}
}

// TestTechnicalUserCannotAuthorize: a Technical User client's own user acts
// only through its client; no authorization code is issued in its name.
func TestTechnicalUserCannotAuthorize(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	svc := newService(t, st, oauth.AlgES256, &clock{t: time.Now()})
	tc, _, err := svc.CreateClient(ctx, "t", oauth.ClientInput{Name: "ETL", Purpose: store.PurposeTechnicalUser,
		UserID: "ETL_USER", Roles: []string{store.RoleAdministrator}, ExpiresAt: time.Now().Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	tech, err := st.GetUser(ctx, tc.UserID)
	if err != nil {
		t.Fatal(err)
	}
	const redirect = "https://app.example.com/cb"
	app, _, err := svc.CreateClient(ctx, "t", oauth.ClientInput{Name: "app", Purpose: store.PurposeInteractive,
		RedirectURIs: []string{redirect}, RequirePKCE: new(bool)})
	if err != nil {
		t.Fatal(err)
	}
	ar, err := svc.CheckAuthorizeRequest(ctx, url.Values{"response_type": {"code"}, "client_id": {app.ID},
		"redirect_uri": {redirect}, "state": {"s"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.IssueCode(ctx, ar, tech)
	var ae *oauth.AuthorizeError
	if !errors.As(err, &ae) || !errors.Is(ae.Err, oauth.ErrAccessDenied) {
		t.Errorf("IssueCode for the technical user: %v, want access_denied", err)
	}
}
