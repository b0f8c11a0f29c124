package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store"
)

func testIdentityProviderCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.ListIdentityProviders(ctx)
	must(t, "ListIdentityProviders (empty)", err)
	if len(got) != 0 {
		t.Errorf("ListIdentityProviders of an empty store: got %d", len(got))
	}

	want := newIdentityProvider("p1")
	must(t, "CreateIdentityProvider", s.CreateIdentityProvider(ctx, want))
	p, err := s.GetIdentityProvider(ctx, want.ID)
	must(t, "GetIdentityProvider", err)
	equal(t, "GetIdentityProvider", p, want, normIdentityProvider)
	if p.CreatedAt.Location() != time.UTC {
		t.Errorf("GetIdentityProvider: CreatedAt in %v, want UTC", p.CreatedAt.Location())
	}
}

func testIdentityProviderEmptyFields(t *testing.T, s store.Store) {
	ctx := t.Context()
	// Providers without an entity ID or certificates do not conflict.
	for _, id := range []string{"p1", "p2"} {
		want := store.IdentityProvider{ID: id, Name: "n" + id, ProviderName: "pn" + id,
			CreatedAt: at(0), UpdatedAt: at(0)}
		must(t, "CreateIdentityProvider "+id, s.CreateIdentityProvider(ctx, want))
		got, err := s.GetIdentityProvider(ctx, id)
		must(t, "GetIdentityProvider "+id, err)
		equal(t, "GetIdentityProvider "+id, got, want, normIdentityProvider)
	}
	// Nor do they after updates that keep the entity ID empty.
	for _, id := range []string{"p1", "p2"} {
		got, err := s.UpdateIdentityProvider(ctx, id, func(p store.IdentityProvider) (store.IdentityProvider, error) {
			p.Name += " renamed"
			return p, nil
		})
		must(t, "UpdateIdentityProvider "+id, err)
		if got.EntityID != "" || got.Name != "n"+id+" renamed" {
			t.Errorf("UpdateIdentityProvider %s: EntityID %q, Name %q", id, got.EntityID, got.Name)
		}
	}
}

func testIdentityProviderList(t *testing.T, s store.Store) {
	ctx := t.Context()
	// Created in another order than their CreatedAt: the list is oldest first.
	var want []store.IdentityProvider
	for i, id := range []string{"b", "c", "a"} {
		p := newIdentityProvider(id)
		p.CreatedAt = at([]int{2, 0, 1}[i])
		must(t, "CreateIdentityProvider", s.CreateIdentityProvider(ctx, p))
		want = append(want, p)
	}
	want = []store.IdentityProvider{want[1], want[2], want[0]}
	got, err := s.ListIdentityProviders(ctx)
	must(t, "ListIdentityProviders", err)
	equalList(t, "ListIdentityProviders (oldest first)", got, want, normIdentityProvider)
}

func testIdentityProviderUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	old := newIdentityProvider("p1")
	must(t, "CreateIdentityProvider", s.CreateIdentityProvider(ctx, old))

	want := old
	want.Name = "Renamed"
	want.ProviderName = "other.example.com"
	want.EntityID = "urn:other"
	want.Certificates = [][]byte{{0x30, 0x01}}
	want.UpdatedAt = at(5)
	var seen store.IdentityProvider
	got, err := s.UpdateIdentityProvider(ctx, old.ID, func(p store.IdentityProvider) (store.IdentityProvider, error) {
		seen = p
		p = want
		p.ID = "changed"       // kept as it was
		p.CreatedAt = at(-100) // kept as it was
		return p, nil
	})
	must(t, "UpdateIdentityProvider", err)
	equal(t, "UpdateIdentityProvider: fn's argument", seen, old, normIdentityProvider)
	equal(t, "UpdateIdentityProvider: result", got, want, normIdentityProvider)
	got, err = s.GetIdentityProvider(ctx, old.ID)
	must(t, "GetIdentityProvider", err)
	equal(t, "GetIdentityProvider after update", got, want, normIdentityProvider)
	_, err = s.GetIdentityProvider(ctx, "changed")
	wantErr(t, "GetIdentityProvider of the ID fn returned", err, store.ErrNotFound)

	// A change of case only is no conflict with oneself; clearing the optional fields.
	want.Name, want.ProviderName = "RENAMED", "OTHER.example.com"
	want.EntityID, want.Certificates = "", nil
	got, err = s.UpdateIdentityProvider(ctx, old.ID, func(p store.IdentityProvider) (store.IdentityProvider, error) {
		p.Name, p.ProviderName = want.Name, want.ProviderName
		p.EntityID, p.Certificates = "", [][]byte{}
		return p, nil
	})
	must(t, "UpdateIdentityProvider clearing", err)
	equal(t, "UpdateIdentityProvider clearing", got, want, normIdentityProvider)

	// The old unique values are free again.
	reuse := old
	reuse.ID = "p2"
	must(t, "CreateIdentityProvider with the old values", s.CreateIdentityProvider(ctx, reuse))
	reuse.ID = "p3"
	wantErr(t, "CreateIdentityProvider with the old values taken again",
		s.CreateIdentityProvider(ctx, reuse), store.ErrConflict)
}

func testIdentityProviderUpdateFnError(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := newIdentityProvider("p1")
	must(t, "CreateIdentityProvider", s.CreateIdentityProvider(ctx, want))
	_, err := s.UpdateIdentityProvider(ctx, want.ID, func(p store.IdentityProvider) (store.IdentityProvider, error) {
		p.Name = "not saved"
		return p, fmt.Errorf("wrapped: %w", errTest)
	})
	wantErr(t, "UpdateIdentityProvider with failing fn", err, errTest)
	got, err := s.GetIdentityProvider(ctx, want.ID)
	must(t, "GetIdentityProvider", err)
	equal(t, "identity provider after failed update", got, want, normIdentityProvider)
}

func testIdentityProviderNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, "CreateIdentityProvider", s.CreateIdentityProvider(ctx, newIdentityProvider("other")))
	_, err := s.GetIdentityProvider(ctx, "missing")
	wantErr(t, "GetIdentityProvider", err, store.ErrNotFound)
	called := false
	_, err = s.UpdateIdentityProvider(ctx, "missing", func(p store.IdentityProvider) (store.IdentityProvider, error) {
		called = true
		return p, nil
	})
	wantErr(t, "UpdateIdentityProvider", err, store.ErrNotFound)
	if called {
		t.Error("UpdateIdentityProvider of a missing provider called fn")
	}
	wantErr(t, "DeleteIdentityProvider", s.DeleteIdentityProvider(ctx, "missing"), store.ErrNotFound)
}

func testIdentityProviderConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := newIdentityProvider("p1")
	must(t, "CreateIdentityProvider", s.CreateIdentityProvider(ctx, first))

	fresh := func(id string) store.IdentityProvider {
		p := newIdentityProvider(id)
		p.Name, p.ProviderName, p.EntityID = "Fresh "+id, "fresh-"+id, "urn:fresh:"+id
		return p
	}
	dupID := fresh("p1")
	wantErr(t, "CreateIdentityProvider with a taken ID", s.CreateIdentityProvider(ctx, dupID), store.ErrConflict)
	dupName := fresh("p2")
	dupName.Name = "idp P1" // first.Name in another case
	wantErr(t, "CreateIdentityProvider with a taken Name", s.CreateIdentityProvider(ctx, dupName), store.ErrConflict)
	dupProvider := fresh("p3")
	dupProvider.ProviderName = "IDP-P1.EXAMPLE.COM" // first.ProviderName in another case
	wantErr(t, "CreateIdentityProvider with a taken ProviderName",
		s.CreateIdentityProvider(ctx, dupProvider), store.ErrConflict)
	dupEntity := fresh("p4")
	dupEntity.EntityID = first.EntityID
	wantErr(t, "CreateIdentityProvider with a taken EntityID",
		s.CreateIdentityProvider(ctx, dupEntity), store.ErrConflict)

	second := fresh("p5")
	must(t, "CreateIdentityProvider", s.CreateIdentityProvider(ctx, second))
	for _, change := range []struct {
		what string
		fn   func(p *store.IdentityProvider)
	}{
		{"Name", func(p *store.IdentityProvider) { p.Name = "IDP P1" }},
		{"ProviderName", func(p *store.IdentityProvider) { p.ProviderName = first.ProviderName }},
		{"EntityID", func(p *store.IdentityProvider) { p.EntityID = first.EntityID }},
	} {
		_, err := s.UpdateIdentityProvider(ctx, second.ID, func(p store.IdentityProvider) (store.IdentityProvider, error) {
			change.fn(&p)
			return p, nil
		})
		wantErr(t, "UpdateIdentityProvider to a taken "+change.what, err, store.ErrConflict)
	}
	got, err := s.GetIdentityProvider(ctx, second.ID)
	must(t, "GetIdentityProvider", err)
	equal(t, "identity provider after conflicting updates", got, second, normIdentityProvider)
	list, err := s.ListIdentityProviders(ctx)
	must(t, "ListIdentityProviders", err)
	if len(list) != 2 {
		t.Errorf("ListIdentityProviders: got %d, want 2", len(list))
	}
}

func testIdentityProviderDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	keep, gone := newIdentityProvider("keep"), newIdentityProvider("gone")
	must(t, "CreateIdentityProvider", s.CreateIdentityProvider(ctx, keep))
	must(t, "CreateIdentityProvider", s.CreateIdentityProvider(ctx, gone))
	must(t, "DeleteIdentityProvider", s.DeleteIdentityProvider(ctx, gone.ID))

	_, err := s.GetIdentityProvider(ctx, gone.ID)
	wantErr(t, "GetIdentityProvider after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteIdentityProvider twice", s.DeleteIdentityProvider(ctx, gone.ID), store.ErrNotFound)
	list, err := s.ListIdentityProviders(ctx)
	must(t, "ListIdentityProviders", err)
	equalList(t, "ListIdentityProviders after delete", list, []store.IdentityProvider{keep}, normIdentityProvider)

	// The ID, Name, ProviderName and EntityID are free again.
	must(t, "CreateIdentityProvider again", s.CreateIdentityProvider(ctx, gone))
}
