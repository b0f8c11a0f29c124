package storetest

import (
	"errors"
	"testing"

	"github.com/appintegration/appintegration/store"
)

// testInTransaction checks that InTransaction commits every write of fn
// together, keeps the transaction usable after a write that fails, and rolls
// everything back when fn fails.
func testInTransaction(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateUser", s.CreateUser(ctx, newUser("taken", "TAKEN")))

	err := s.InTransaction(ctx, func(tx store.Store) error {
		must(t, "CreateUser in a transaction", tx.CreateUser(ctx, newUser("t1", "T_ONE")))
		// Reads inside see the transaction's writes.
		got, err := tx.GetUserByName(ctx, "t_one")
		must(t, "GetUserByName in the transaction", err)
		if got.ID != "t1" {
			t.Errorf("GetUserByName in the transaction = %q, want t1", got.ID)
		}
		// A failing write changes nothing and the transaction goes on.
		wantErr(t, "CreateUser with a taken userName in a transaction",
			tx.CreateUser(ctx, newUser("t2", "taken")), store.ErrConflict)
		_, err = tx.UpdateUser(ctx, "t1", func(u store.User) (store.User, error) { return u, errTest })
		wantErr(t, "UpdateUser with a failing fn in a transaction", err, errTest)
		must(t, "CreateUser after a failed write", tx.CreateUser(ctx, newUser("t3", "T_THREE")))
		must(t, "AppendAudit in a transaction", tx.AppendAudit(ctx, store.AuditEvent{Action: "tx.test", Time: at(0)}))
		// A transaction inside runs in a savepoint of this one.
		err = tx.InTransaction(ctx, func(inner store.Store) error {
			must(t, "CreateUser in a nested transaction", inner.CreateUser(ctx, newUser("t4", "T_FOUR")))
			return errTest
		})
		wantErr(t, "nested InTransaction", err, errTest)
		return nil
	})
	must(t, "InTransaction", err)
	for id, want := range map[string]bool{"t1": true, "t2": false, "t3": true, "t4": false} {
		_, err := s.GetUser(ctx, id)
		if found := err == nil; found != want {
			t.Errorf("after the transaction: user %s found = %v (%v), want %v", id, found, err, want)
		}
	}
	if _, total, err := s.QueryUsers(ctx, store.UserQuery{}); err != nil || total != 3 {
		t.Errorf("users after the transaction: %d, %v; want 3", total, err)
	}
	events, err := s.ListAudit(ctx, store.AuditFilter{Action: "tx.test"})
	if err != nil || len(events) != 1 {
		t.Errorf("audit after the transaction: %d events, %v; want 1", len(events), err)
	}

	// An error from fn rolls back every write and is returned as is.
	err = s.InTransaction(ctx, func(tx store.Store) error {
		must(t, "CreateUser in a transaction", tx.CreateUser(ctx, newUser("r1", "R_ONE")))
		must(t, "DeleteUser in a transaction", tx.DeleteUser(ctx, "t1", nil))
		return errTest
	})
	if !errors.Is(err, errTest) {
		t.Errorf("InTransaction with a failing fn: %v, want errTest", err)
	}
	if _, err := s.GetUser(ctx, "r1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user created in a rolled back transaction: %v, want ErrNotFound", err)
	}
	if _, err := s.GetUser(ctx, "t1"); err != nil {
		t.Errorf("user deleted in a rolled back transaction: %v, want it kept", err)
	}
	if _, total, err := s.QueryUsers(ctx, store.UserQuery{}); err != nil || total != 3 {
		t.Errorf("users after the rolled back transaction: %d, %v; want 3", total, err)
	}
}
