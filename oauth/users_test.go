package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
)

// clientToken creates a client with in and returns an access token of it.
func clientToken(t *testing.T, svc *oauth.Service, in oauth.ClientInput) (store.Client, string) {
	t.Helper()
	ctx := context.Background()
	c, secret, err := svc.CreateClient(ctx, "t", in)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := techToken(t, svc, c.ID, secret)
	if err != nil {
		t.Fatal(err)
	}
	return c, tok.AccessToken
}

// provisioner returns the Actor of an API Access client with User
// Provisioning access.
func provisioner(t *testing.T, svc *oauth.Service) (oauth.Actor, store.Client) {
	t.Helper()
	c, tok := clientToken(t, svc, oauth.ClientInput{Name: "provisioning", Purpose: store.PurposeAPIAccess,
		Grant: store.GrantClientCredentials, Access: []string{store.AccessUserProvisioning}})
	actor, err := svc.ProvisioningActor(context.Background(), tok, "test")
	if err != nil {
		t.Fatal(err)
	}
	return actor, c
}

func validUser(name string) oauth.UserInput {
	return oauth.UserInput{UserName: name, GivenName: "Given", FamilyName: name, Active: true,
		Emails: []store.Email{{Value: strings.ToLower(name) + "@example.com", Type: "work", Primary: true}}}
}

func ptr(s string) *string { return &s }

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// uuidTime is the time in a version 7 UUID.
func uuidTime(t *testing.T, id string) time.Time {
	t.Helper()
	ms, err := strconv.ParseInt(strings.ReplaceAll(id[:13], "-", ""), 16, 64)
	if err != nil {
		t.Fatalf("uuid %q: %v", id, err)
	}
	return time.UnixMilli(ms)
}

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, oauth.AlgRS256, clk)
	actor, client := provisioner(t, svc)

	in := validUser("jdoe")
	in.UserName = "  jdoe "
	in.Roles = []string{"dw viewer", store.RoleViewer, "PROFILE:SAP.DWC:DW_MODELER"}
	in.Emails = append(in.Emails, store.Email{Value: "JDOE@example.com", Type: "WORK"}, store.Email{Value: "home@example.com", Type: "Home"})
	in.Password = ptr("a good password")
	u, err := svc.CreateUser(ctx, actor, in)
	if err != nil {
		t.Fatal(err)
	}
	if !uuidV7.MatchString(u.ID) || u.Version != 1 || u.UserName != "jdoe" || u.PreferredLanguage != "en" ||
		!u.CreatedAt.Equal(clk.Now()) || !u.UpdatedAt.Equal(clk.Now()) || u.ClientID != "" {
		t.Errorf("created %+v", u)
	}
	// A version 7 UUID of the creation time: users created one after the
	// other get IDs in that order, so that indexes on IDs grow at one end.
	if got := uuidTime(t, u.ID); !got.Equal(clk.Now().Truncate(time.Millisecond)) {
		t.Errorf("ID %s holds the time %v, want %v", u.ID, got, clk.Now())
	}
	if strings.Join(u.Roles, " ") != store.RoleViewer+" "+store.RoleModeler {
		t.Errorf("roles %v: want catalog values, in the order given, once", u.Roles)
	}
	if len(u.Emails) != 2 || u.Emails[1].Type != "home" {
		t.Errorf("emails %+v: want the repeated address dropped, types lower-cased", u.Emails)
	}
	if _, err := svc.Authenticate(ctx, "JDOE", "a good password"); err != nil {
		t.Errorf("the password was not hashed for sign-in: %v", err)
	}
	if strings.Contains(string(u.PasswordHash), "a good password") {
		t.Error("the password is stored in plain text")
	}
	events, err := st.ListAudit(ctx, store.AuditFilter{Action: "user.created"})
	if err != nil || len(events) != 1 || events[0].Actor != client.ID || events[0].Target != "jdoe" ||
		events[0].Detail != "test; roles: "+store.RoleViewer+" "+store.RoleModeler {
		t.Errorf("audit %+v, %v", events, err)
	}

	if _, err := svc.CreateUser(ctx, actor, validUser("JDOE")); !errors.Is(err, oauth.ErrUserNameTaken) {
		t.Errorf("taken userName: %v", err)
	}
	if _, err := svc.CreateUser(ctx, oauth.Actor{}, validUser("other")); err == nil {
		t.Error("the zero Actor created a user")
	}
	if _, n, err := st.QueryUsers(ctx, store.UserQuery{}); err != nil || n != 1 {
		t.Errorf("%d users, %v; want only jdoe", n, err)
	}
}

func TestCheckUserInput(t *testing.T) {
	catalog := []store.Role{{Value: store.RoleAdministrator, Display: "DW Administrator"}, {Value: store.RoleViewer, Display: "DW Viewer"}}
	if _, err := oauth.CheckUserInput(catalog, validUser("ok_1")); err != nil {
		t.Fatalf("valid input: %v", err)
	}
	tests := []struct {
		name   string
		change func(*oauth.UserInput)
		field  string
		msg    string
	}{
		{"no userName", func(in *oauth.UserInput) { in.UserName = " " }, oauth.UserFieldUserName, "userName is required"},
		{"userName pattern", func(in *oauth.UserInput) { in.UserName = "bad name!" }, oauth.UserFieldUserName, "1 to 20"},
		{"userName too long", func(in *oauth.UserInput) { in.UserName = strings.Repeat("a", 21) }, oauth.UserFieldUserName, "1 to 20"},
		{"no name", func(in *oauth.UserInput) { in.GivenName, in.FamilyName = "", " " }, oauth.UserFieldName, "givenName or a familyName"},
		{"long display name", func(in *oauth.UserInput) { in.DisplayName = strings.Repeat("é", 257) }, oauth.UserFieldDisplayName, "longer than 256"},
		{"bad language", func(in *oauth.UserInput) { in.PreferredLanguage = "english please" }, oauth.UserFieldPreferredLanguage, "language tag"},
		{"no emails", func(in *oauth.UserInput) { in.Emails = nil }, oauth.UserFieldEmails, "emails is required"},
		{"bad email", func(in *oauth.UserInput) { in.Emails[0].Value = "not-an-address" }, oauth.UserFieldEmails, "emails[0].value"},
		{"two primaries", func(in *oauth.UserInput) {
			in.Emails = append(in.Emails, store.Email{Value: "b@example.com", Primary: true})
		}, oauth.UserFieldEmails, "at most one"},
		{"too many emails", func(in *oauth.UserInput) {
			for range 20 {
				in.Emails = append(in.Emails, store.Email{Value: "x@example.com"})
			}
		}, oauth.UserFieldEmails, "more than 20"},
		{"unknown role", func(in *oauth.UserInput) { in.Roles = []string{"DW Viewer", "Chief"} }, oauth.UserFieldRoles, `roles[1] "Chief" is not a role`},
		{"short password", func(in *oauth.UserInput) { in.Password = ptr("short") }, oauth.UserFieldPassword, "8 to 72 bytes"},
		{"long password", func(in *oauth.UserInput) { in.Password = ptr(strings.Repeat("p", 73)) }, oauth.UserFieldPassword, "8 to 72 bytes"},
		{"long idpUserId", func(in *oauth.UserInput) { in.IdpUserID = strings.Repeat("i", 257) }, oauth.UserFieldIdpUserID, "idpUserId is longer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validUser("ok")
			tt.change(&in)
			_, err := oauth.CheckUserInput(catalog, in)
			ve := oauth.AsValidationError(err)
			if ve == nil || !strings.Contains(ve.Fields[tt.field], tt.msg) {
				t.Errorf("error %v; want %s: …%s…", err, tt.field, tt.msg)
			}
			if strings.Contains(err.Error(), "short\"") {
				t.Error("the password is in the message")
			}
		})
	}
	in := validUser("")
	in.Emails = nil
	_, err := oauth.CheckUserInput(catalog, in)
	if ve := oauth.AsValidationError(err); ve == nil || len(ve.Fields) != 2 {
		t.Errorf("every problem at once: %v", err)
	}
}

// TestUserRulesOnChanges: the technical-user guard, the precondition, the
// password kept when none is given, versions, audit entries, and errors of
// the change undoing it, for update, replace and delete.
func TestUserRulesOnChanges(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	svc := newService(t, st, oauth.AlgRS256, clk)
	actor, _ := provisioner(t, svc)
	in := validUser("bjensen")
	in.Password = ptr("first password")
	u, err := svc.CreateUser(ctx, actor, in)
	if err != nil {
		t.Fatal(err)
	}
	tech, _, err := svc.CreateClient(ctx, "t", oauth.ClientInput{Name: "ETL", Purpose: store.PurposeTechnicalUser,
		UserID: "ETL_USER", Roles: []string{"DW Viewer"}})
	if err != nil {
		t.Fatal(err)
	}

	clk.Add(time.Minute)
	got, err := svc.UpdateUser(ctx, actor.Through("test PATCH"), u.ID, oauth.VersionIs(1), func(old store.User) (oauth.UserInput, error) {
		if old.Version != 1 {
			t.Errorf("change sees version %d", old.Version)
		}
		next := validUser(old.UserName)
		next.DisplayName, next.Active = "Babs", false
		return next, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.DisplayName != "Babs" || got.Active || !got.UpdatedAt.Equal(clk.Now()) || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("after update %+v", got)
	}
	if _, err := svc.Authenticate(ctx, "bjensen", "first password"); !errors.Is(err, oauth.ErrBadLogin) {
		t.Errorf("an inactive user signs in: %v", err) // and the password was kept: see below
	}
	events, err := st.ListAudit(ctx, store.AuditFilter{Action: "user.updated"})
	if err != nil || len(events) != 1 || events[0].Detail != "test PATCH; changed: displayName, active" {
		t.Errorf("audit %+v, %v", events, err)
	}

	next := validUser("bjensen")
	if _, err := svc.ReplaceUser(ctx, actor, u.ID, oauth.VersionIs(1), next); !errors.Is(err, oauth.ErrPreconditionFailed) {
		t.Errorf("stale version: %v", err)
	}
	got, err = svc.ReplaceUser(ctx, actor, u.ID, oauth.VersionIs(2), next)
	if err != nil || got.Version != 3 || !got.Active {
		t.Fatalf("replace: %+v, %v", got, err)
	}
	if _, err := svc.Authenticate(ctx, "bjensen", "first password"); err != nil {
		t.Errorf("the password did not survive changes that gave none: %v", err)
	}

	oops := errors.New("change refused")
	if _, err := svc.UpdateUser(ctx, actor, u.ID, nil, func(store.User) (oauth.UserInput, error) { return oauth.UserInput{}, oops }); !errors.Is(err, oops) {
		t.Errorf("change's error: %v", err)
	}
	if _, err := svc.UpdateUser(ctx, actor, u.ID, nil, func(store.User) (oauth.UserInput, error) { return validUser("bad name!"), nil }); oauth.AsValidationError(err) == nil {
		t.Errorf("invalid change: %v", err)
	}
	if _, err := svc.CreateUser(ctx, actor, validUser("taken")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReplaceUser(ctx, actor, u.ID, nil, validUser("TAKEN")); !errors.Is(err, oauth.ErrUserNameTaken) {
		t.Errorf("rename to a taken userName: %v", err)
	}
	if stored, err := st.GetUser(ctx, u.ID); err != nil || stored.Version != 3 || stored.UserName != "bjensen" {
		t.Errorf("refused changes were saved: %+v, %v", stored, err)
	}

	if _, err := svc.ReplaceUser(ctx, actor, tech.UserID, nil, validUser("ETL_USER")); !errors.Is(err, oauth.ErrTechnicalUser) {
		t.Errorf("replace of a technical user: %v", err)
	}
	if err := svc.DeleteUser(ctx, actor, tech.UserID, nil); !errors.Is(err, oauth.ErrTechnicalUser) {
		t.Errorf("delete of a technical user: %v", err)
	}
	if err := svc.DeleteUser(ctx, actor, u.ID, oauth.VersionIs(2)); !errors.Is(err, oauth.ErrPreconditionFailed) {
		t.Errorf("delete of a stale version: %v", err)
	}
	if err := svc.DeleteUser(ctx, oauth.Actor{}, u.ID, nil); err == nil {
		t.Error("the zero Actor deleted a user")
	}
	if _, err := svc.UpdateUser(ctx, oauth.Actor{}, u.ID, nil, func(store.User) (oauth.UserInput, error) { return validUser("bjensen"), nil }); err == nil {
		t.Error("the zero Actor changed a user")
	}
	if err := svc.DeleteUser(ctx, actor, u.ID, oauth.VersionIs(3)); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteUser(ctx, actor, u.ID, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete of a deleted user: %v", err)
	}
	if _, err := st.GetUser(ctx, tech.UserID); err != nil {
		t.Errorf("the technical user is gone: %v", err)
	}
	events, err = st.ListAudit(ctx, store.AuditFilter{Action: "user.deleted"})
	if err != nil || len(events) != 1 || events[0].Target != "bjensen" || events[0].Detail != "test" {
		t.Errorf("audit of the delete %+v, %v", events, err)
	}
}

// TestConcurrentReplaceWithPrecondition: of two changes made at once against
// the same version exactly one succeeds, round after round (the check runs in
// the store's transaction).
func TestConcurrentReplaceWithPrecondition(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "appintegration.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := newService(t, st, oauth.AlgRS256, &clock{t: time.Now()})
	actor, _ := provisioner(t, svc)
	u, err := svc.CreateUser(ctx, actor, validUser("racer"))
	if err != nil {
		t.Fatal(err)
	}
	for round := int64(1); round <= 5; round++ {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				in := validUser("racer")
				in.DisplayName = fmt.Sprintf("Racer %d.%d", round, i) // a change: an unchanged user keeps its version
				_, errs[i] = svc.ReplaceUser(ctx, actor, u.ID, oauth.VersionIs(round), in)
			})
		}
		wg.Wait()
		ok, stale := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, oauth.ErrPreconditionFailed):
				stale++
			}
		}
		if ok != 1 || stale != 1 {
			t.Fatalf("round %d: %v; want one success and one ErrPreconditionFailed", round, errs)
		}
	}
}

// TestProvisioningActor: who may provision users, decided on each call.
func TestProvisioningActor(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	svc := newService(t, st, oauth.AlgRS256, &clock{t: time.Now()})

	_, contentOnly := clientToken(t, svc, oauth.ClientInput{Name: "content", Purpose: store.PurposeAPIAccess,
		Grant: store.GrantClientCredentials, Access: []string{store.AccessContentNetwork}})
	if _, err := svc.ProvisioningActor(ctx, contentOnly, "test"); oauth.AsDeniedError(err) == nil ||
		!strings.Contains(oauth.AsDeniedError(err).Reason, "user_provisioning scope") {
		t.Errorf("token without the scope: %v", err)
	}
	if _, err := svc.ProvisioningActor(ctx, "not a token", "test"); !errors.Is(err, oauth.ErrInactiveToken) {
		t.Errorf("no token: %v", err)
	}

	// A Technical User's token is as good as its user's roles at each call.
	tech, tok := clientToken(t, svc, oauth.ClientInput{Name: "ETL", Purpose: store.PurposeTechnicalUser,
		UserID: "ETL_ADMIN", Roles: []string{"DW Administrator"}})
	actor, err := svc.ProvisioningActor(ctx, tok, "test")
	if err != nil || actor.Name() != tech.ID {
		t.Fatalf("administrator's token: %q, %v", actor.Name(), err)
	}
	if _, _, err := svc.UpdateClient(ctx, "t", tech.ID, oauth.ClientUpdate{Name: "ETL", TokenLifetime: tech.TokenLifetime,
		Roles: []string{"DW Viewer"}, ExpiresAt: tech.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ProvisioningActor(ctx, tok, "test"); oauth.AsDeniedError(err) == nil ||
		!strings.Contains(oauth.AsDeniedError(err).Reason, "no longer holds") {
		t.Errorf("token of a demoted user: %v", err)
	}
	if actor.Through("other").Name() != tech.ID {
		t.Error("Through changed who the actor is")
	}
}
