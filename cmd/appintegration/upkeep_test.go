package main_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/store/sqlstore"
)

// TestServerGathersPlannerStatistics: a server started on a SQLite database
// whose users were never analyzed gathers the query planner's statistics at
// once (without them SQLite's plans for searches read every user).
func TestServerGathersPlannerStatistics(t *testing.T) {
	data := t.TempDir()
	path := filepath.Join(data, "appintegration.db")
	db, err := sqlstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var users []store.User
	for i := range 1000 {
		users = append(users, store.User{ID: fmt.Sprintf("u%d", i), UserName: fmt.Sprintf("user%d", i), Active: true})
	}
	if _, err := db.CreateUsers(context.Background(), users); err != nil {
		t.Fatal(err)
	}
	db.Close()

	startServer(t, data)
	raw, err := sql.Open("sqlite", path) // the driver sqlstore registers
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		err := raw.QueryRow(`SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'users'`).Scan(&n)
		if err == nil && n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no statistics of the users table 20 s after the start (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
