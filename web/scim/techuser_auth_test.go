package scim_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// TestTechnicalUserTokenFollowsItsRoles: a Technical User token opens SCIM
// while its user holds a role that grants user_provisioning, and stops at once
// when an administrator takes that role away, though the token has not expired.
func TestTechnicalUserTokenFollowsItsRoles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c, secret, err := e.Svc.CreateClient(ctx, "test", oauth.ClientInput{
		Name: "ETL", Purpose: store.PurposeTechnicalUser, UserID: "ETL_USER", Roles: []string{"DW Administrator"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tok := e.tokenFor(t, c.ID, secret)
	e.do(t, http.MethodGet, "/api/v1/scim2/Users", tok, "").must(t, http.StatusOK)

	_, _, err = e.Svc.UpdateClient(ctx, "test", c.ID, oauth.ClientUpdate{
		Name: c.Name, TokenLifetime: c.TokenLifetime, Roles: []string{"DW Viewer"}, ExpiresAt: c.ExpiresAt,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.do(t, http.MethodGet, "/api/v1/scim2/Users", tok, "").must(t, http.StatusForbidden)
}
