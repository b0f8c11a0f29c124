package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// TestSessionsEndWhenTheyShould: a session ends at Sign out, at its 8-hour
// limit, and when its user is deactivated, changes password, loses DW
// Administrator or is deleted; Sign out everywhere ends all of a user's.
func TestSessionsEndWhenTheyShould(t *testing.T) {
	ctx := context.Background()
	st := mustOpenStore(t)
	clk := &clock{t: time.Now()}
	svc := newService(t, st, oauth.AlgRS256, clk)
	wall := time.Now()
	oauth.SetSessionClock(svc, func() time.Time { return wall })
	actor, _ := provisioner(t, svc)

	newAdmin := func(name string) store.User {
		t.Helper()
		in := validUser(name)
		in.Roles, in.Password = []string{"DW Administrator"}, ptr("a long password")
		u, err := svc.CreateUser(ctx, actor, in)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	live := func(id string) bool {
		t.Helper()
		_, _, err := svc.SessionUser(ctx, id)
		if err != nil && !errors.Is(err, oauth.ErrNoSession) {
			t.Fatal(err)
		}
		return err == nil
	}
	start := func(u store.User) string {
		t.Helper()
		id, err := svc.StartSession(ctx, u, oauth.SignInPassword)
		if err != nil {
			t.Fatal(err)
		}
		if !live(id) {
			t.Fatal("a new session is not live")
		}
		return id
	}
	change := func(u store.User, edit func(*oauth.UserInput)) {
		t.Helper()
		_, err := svc.UpdateUser(ctx, actor, u.ID, nil, func(old store.User) (oauth.UserInput, error) {
			in := validUser(old.UserName)
			in.Roles = old.Roles
			edit(&in)
			return in, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	u := newAdmin("alice")
	id := start(u)
	// The store keeps only the ID's hash.
	if _, err := st.GetSession(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the session is stored under its ID: %v", err)
	}
	if err := svc.EndSession(ctx, id); err != nil || live(id) {
		t.Errorf("after EndSession: %v, live %v", err, live(id))
	}

	id = start(u)
	wall = wall.Add(oauth.SessionLifetime - time.Second)
	if !live(id) {
		t.Error("a session ended before 8 hours")
	}
	wall = wall.Add(time.Second)
	if live(id) {
		t.Error("a session lives past 8 hours")
	}

	for i, tc := range []struct {
		name string
		edit func(*oauth.UserInput)
	}{
		{"renamed (keeps the session)", func(in *oauth.UserInput) { in.GivenName = "Renamed" }},
		{"password changed", func(in *oauth.UserInput) { in.Password = ptr("another long password") }},
		{"DW Administrator removed", func(in *oauth.UserInput) { in.Roles = []string{"DW Viewer"} }},
		{"deactivated", func(in *oauth.UserInput) { in.Active = false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newAdmin(fmt.Sprintf("changed%d", i))
			id := start(u)
			other := start(newAdmin(fmt.Sprintf("other%d", i)))
			change(u, tc.edit)
			if want := tc.name == "renamed (keeps the session)"; live(id) != want {
				t.Errorf("session live = %v, want %v", live(id), want)
			}
			if !live(other) {
				t.Error("another user's session ended")
			}
		})
	}

	bob := newAdmin("bob")
	a, b := start(bob), start(bob)
	if n, err := svc.EndUserSessions(ctx, "bob", bob, "signed out everywhere"); err != nil || n != 2 || live(a) || live(b) {
		t.Errorf("Sign out everywhere: %d %v", n, err)
	}
	carol := newAdmin("carol")
	c := start(carol)
	if err := svc.DeleteUser(ctx, actor, carol.ID, nil); err != nil || live(c) {
		t.Errorf("after deleting the user: %v, live %v", err, live(c))
	}
	events, err := st.ListAudit(ctx, store.AuditFilter{Action: "user.sessions_ended"})
	if err != nil || len(events) < 4 {
		t.Errorf("audit of ended sessions: %d events, %v", len(events), err)
	}
}

// TestSessionFlash: a message is shown once.
func TestSessionFlash(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, mustOpenStore(t), oauth.AlgRS256, &clock{t: time.Now()})
	id, err := svc.StartSession(ctx, store.User{ID: "u1"}, oauth.SignInSAML)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetSessionFlash(ctx, id, "Saved."); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"Saved.", ""} {
		if got, err := svc.TakeSessionFlash(ctx, id); err != nil || got != want {
			t.Errorf("take %d: %q %v, want %q", i, got, err, want)
		}
	}
	if err := svc.SetSessionFlash(ctx, oauth.NewSessionID(), "x"); !errors.Is(err, oauth.ErrNoSession) {
		t.Errorf("flash of no session: %v", err)
	}
}
