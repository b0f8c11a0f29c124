package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// TestBrowserUsersAfterProvisioning provisions users through the SCIM API with
// a client_credentials token, then finds them in the console's Users tab:
// tab link, search form, paging, and the deactivated user's status.
func TestBrowserUsersAfterProvisioning(t *testing.T) {
	ctx := newBrowser(t)
	ts := newTestServer(t)
	c, secret := ts.createClient(t, oauth.ClientInput{Access: []string{store.AccessUserProvisioning}})
	cfg := clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: ts.URL + "/oauth/token"}
	httpClient := cfg.Client(context.Background())
	scim := func(method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+"/api/v1/scim2"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := range 55 {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"PROV_%02d",
			"name":{"givenName":"Provisioned","familyName":"Person %d"},
			"emails":[{"value":"prov%d@example.com","type":"work","primary":true}],
			"roles":[{"value":"DW Modeler"}]}`, i, i, i)
		if resp := scim(http.MethodPost, "/Users", body); resp.StatusCode != http.StatusCreated {
			t.Fatalf("provision %d: %d", i, resp.StatusCode)
		}
	}
	u, err := ts.Store.GetUserByName(context.Background(), "PROV_07")
	if err != nil {
		t.Fatal(err)
	}
	if resp := scim(http.MethodPatch, "/Users/"+u.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"active","value":"False"}]}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("deactivate: %d", resp.StatusCode)
	}

	signIn(t, ctx, ts.URL)
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="tab-users"]`),
		chromedp.WaitVisible(`[data-testid="users-table"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	count, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="users-count"]').textContent`))
	if err != nil || count != "(56)" {
		t.Fatalf("count %q, %v", count, err)
	}
	saveScreenshot(t, ctx, "users-page-1.png")

	// Next page, then search with the form (a plain GET).
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="users-next"]`),
		chromedp.WaitVisible(`[data-testid="users-prev"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="user-row"]').length`))
	if err != nil || rows != 6 {
		t.Fatalf("page 2 rows %d, %v", rows, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(`[data-testid="users-q"]`, "prov7@EXAMPLE"),
		chromedp.Click(`[data-testid="users-search-submit"]`),
		chromedp.WaitVisible(`[data-testid="users-clear"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	row, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="user-row"] td, [data-testid="user-row"] th')].map(c => c.textContent.trim())`))
	if err != nil || len(row) != 5 || row[0] != "PROV_07" || row[2] != "prov7@example.com" || row[3] != "DW Modeler" || row[4] != "Inactive" {
		t.Fatalf("search result %q, %v", row, err)
	}
	saveScreenshot(t, ctx, "users-search.png")
}
