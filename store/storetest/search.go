package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/appintegration/appintegration/store"
)

func testSearchUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i, spec := range []struct{ name, given, family, email string }{
		{"ALICE", "Alice", "Liddell", "alice@wonder.example"},
		{"bob", "Bob", "Builder", "bob@site.example"},
		{"CAROL_1", "Carol", "Danvers", "carol@site.example"},
		{"DAVE", "Dave", "100% Smith", "dave@other.example"},
		{"eve", "Eve", "Moneypenny", "EVE@Site.Example"},
	} {
		u := newUser(fmt.Sprintf("u%d", i), spec.name)
		u.GivenName, u.FamilyName = spec.given, spec.family
		u.Emails = []store.Email{{Value: spec.email, Primary: true}}
		must(t, "CreateUser", s.CreateUser(ctx, u))
	}
	names := func(q store.PageQuery) ([]string, int) {
		t.Helper()
		users, total, err := s.SearchUsers(ctx, q)
		must(t, "SearchUsers", err)
		var out []string
		for _, u := range users {
			out = append(out, u.UserName)
		}
		return out, total
	}
	for _, tc := range []struct {
		q     store.PageQuery
		want  []string
		total int
	}{
		{store.PageQuery{Limit: 10}, []string{"ALICE", "bob", "CAROL_1", "DAVE", "eve"}, 5},
		{store.PageQuery{Limit: 2}, []string{"ALICE", "bob"}, 5},
		{store.PageQuery{Offset: 4, Limit: 2}, []string{"eve"}, 5},
		{store.PageQuery{Offset: 9, Limit: 2}, nil, 5},
		{store.PageQuery{Search: "site.EXAMPLE", Limit: 10}, []string{"bob", "CAROL_1", "eve"}, 3},
		{store.PageQuery{Search: "carol danv", Limit: 10}, []string{"CAROL_1"}, 1}, // given + family name
		{store.PageQuery{Search: "carol x", Limit: 10}, nil, 0},
		{store.PageQuery{Search: "liddell", Limit: 10}, []string{"ALICE"}, 1},
		{store.PageQuery{Search: "100%", Limit: 10}, []string{"DAVE"}, 1},
		{store.PageQuery{Search: "l_1", Limit: 10}, []string{"CAROL_1"}, 1},
		{store.PageQuery{Search: "o_b", Limit: 10}, nil, 0}, // _ is no wildcard
		{store.PageQuery{Search: "%", Limit: 10}, []string{"DAVE"}, 1},
	} {
		got, total := names(tc.q)
		if !slices.Equal(got, tc.want) || total != tc.total {
			t.Errorf("SearchUsers(%+v) = %v (%d in all), want %v (%d)", tc.q, got, total, tc.want, tc.total)
		}
	}
}

func testSearchClients(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i, name := range []string{"Entra provisioning", "Okta", "Transport 50%", "entra backup"} {
		c := newClient(fmt.Sprintf("sb-%d", i))
		c.Name, c.CreatedAt = name, at(i)
		must(t, "CreateClient", s.CreateClient(ctx, c))
	}
	for _, tc := range []struct {
		q     store.PageQuery
		want  []string
		total int
	}{
		{store.PageQuery{Limit: 3}, []string{"Entra provisioning", "Okta", "Transport 50%"}, 4},
		{store.PageQuery{Offset: 3, Limit: 3}, []string{"entra backup"}, 4},
		{store.PageQuery{Search: "ENTRA", Limit: 10}, []string{"Entra provisioning", "entra backup"}, 2},
		{store.PageQuery{Search: "sb-1", Limit: 10}, []string{"Okta"}, 1},
		{store.PageQuery{Search: "0%", Limit: 10}, []string{"Transport 50%"}, 1},
	} {
		clients, total, err := s.SearchClients(ctx, tc.q)
		must(t, "SearchClients", err)
		var got []string
		for _, c := range clients {
			got = append(got, c.Name)
		}
		if !slices.Equal(got, tc.want) || total != tc.total {
			t.Errorf("SearchClients(%+v) = %v (%d in all), want %v (%d)", tc.q, got, total, tc.want, tc.total)
		}
	}
}
