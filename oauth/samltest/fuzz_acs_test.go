package samltest_test

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/oauth/samltest"
	"github.com/appintegration/appintegration/store"
)

// acsStore is what the ACS reads and writes, in memory, on top of memStore.
type acsStore struct {
	*memStore
	amu      sync.Mutex
	secrets  map[string][]byte
	requests map[string]store.SAMLRequest
	cfg      store.SSOConfig
}

func (m *acsStore) Secret(_ context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	m.amu.Lock()
	defer m.amu.Unlock()
	if v, ok := m.secrets[name]; ok {
		return v, nil
	}
	v, err := gen()
	if err != nil {
		return nil, err
	}
	m.secrets[name] = v
	return v, nil
}

func (m *acsStore) GetIdentityProvider(_ context.Context, id string) (store.IdentityProvider, error) {
	for _, p := range m.idps {
		if p.ID == id {
			return p, nil
		}
	}
	return store.IdentityProvider{}, store.ErrNotFound
}

func (m *acsStore) GetSSOConfig(context.Context) (store.SSOConfig, error) {
	m.amu.Lock()
	defer m.amu.Unlock()
	return m.cfg, nil
}

func (m *acsStore) UpdateSSOConfig(_ context.Context, fn func(store.SSOConfig) (store.SSOConfig, error)) (store.SSOConfig, error) {
	m.amu.Lock()
	defer m.amu.Unlock()
	c, err := fn(m.cfg)
	if err != nil {
		return store.SSOConfig{}, err
	}
	m.cfg = c
	return c, nil
}

func (m *acsStore) CreateSAMLRequest(_ context.Context, r store.SAMLRequest) error {
	m.amu.Lock()
	defer m.amu.Unlock()
	m.requests[r.ID] = r
	return nil
}

func (m *acsStore) GetSAMLRequest(_ context.Context, id string) (store.SAMLRequest, error) {
	m.amu.Lock()
	defer m.amu.Unlock()
	if r, ok := m.requests[id]; ok {
		return r, nil
	}
	return store.SAMLRequest{}, store.ErrNotFound
}

func (m *acsStore) UseSAMLRequest(_ context.Context, id string, now time.Time) (store.SAMLRequest, error) {
	m.amu.Lock()
	defer m.amu.Unlock()
	r, ok := m.requests[id]
	switch {
	case !ok:
		return store.SAMLRequest{}, store.ErrNotFound
	case !r.UsedAt.IsZero():
		return r, store.ErrConflict
	}
	r.UsedAt = now
	m.requests[id] = r
	return r, nil
}

// FuzzACS feeds the Assertion Consumer Service mutations of Responses minted
// by a real IdP (crewjam/saml), in every form it accepts and some it
// refuses. Whatever the input, it must not fail or panic, it refuses with a
// named check, and what it accepts once it refuses the second time (the
// assertion ID is used up).
func FuzzACS(f *testing.F) {
	idp := samltest.NewIdP(f, "https://idp.example.test/metadata", 24*time.Hour)
	st := &acsStore{
		memStore: &memStore{
			idps: []store.IdentityProvider{{ID: "idp-1", Name: "Test IdP", ProviderName: "test-idp",
				EntityID: idp.EntityID, Certificates: [][]byte{idp.Cert.Raw}, SSOURL: "https://idp.example.test/sso",
				SSOBinding: saml.HTTPRedirectBinding}},
			users: []store.User{{ID: "u-alice", UserName: "ALICE", Active: true, Roles: []string{store.RoleAdministrator},
				Emails: []store.Email{{Value: "alice@example.com", Primary: true}}}},
			used: map[string]bool{},
		},
		secrets:  map[string][]byte{},
		requests: map[string]store.SAMLRequest{},
		cfg:      store.SSOConfig{Enabled: true, IdPID: "idp-1", UserAttribute: store.UserAttributeEmail},
	}
	svc, err := oauth.New(oauth.Config{Store: st, BaseURL: "https://auth.example.com"})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	browser := oauth.NewBrowserBinding()
	start := func() string {
		r, err := svc.StartSSO(ctx, browser, "/admin/app-integration")
		if err != nil {
			f.Fatal(err)
		}
		u, _ := url.Parse(r.URL)
		deflated, _ := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
		b, _ := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
		var req saml.AuthnRequest
		if err := xml.Unmarshal(b, &req); err != nil {
			f.Fatal(err)
		}
		return req.ID
	}
	info, err := svc.ServiceProvider(ctx)
	if err != nil {
		f.Fatal(err)
	}
	md, err := svc.SPMetadata(ctx)
	if err != nil {
		f.Fatal(err)
	}
	sp := samltest.SP{EntityID: info.EntityID, ACSURL: info.ACSURL, EncryptionCert: encryptionCert(f, md)}

	both := samltest.ResponseOptions{NameID: "alice@example.com", SignResponse: true, SignAssertion: true}
	for _, change := range []func(o *samltest.ResponseOptions){
		func(*samltest.ResponseOptions) {},
		func(o *samltest.ResponseOptions) { o.SignAssertion = false },
		func(o *samltest.ResponseOptions) { o.SignResponse = false },
		func(o *samltest.ResponseOptions) { o.Encrypt = true },
		func(o *samltest.ResponseOptions) { o.Canonicalizer = dsig.MakeC14N10RecCanonicalizer() },
		func(o *samltest.ResponseOptions) { o.SignResponse, o.SignAssertion = false, false },
		func(o *samltest.ResponseOptions) { o.SignatureMethod = dsig.RSASHA1SignatureMethod },
		func(o *samltest.ResponseOptions) { o.InResponseTo = "" },
	} {
		o := both
		o.InResponseTo = start()
		change(&o)
		doc := idp.Response(f, sp, o)
		f.Add(samltest.EncodeResponse(doc))
		if o.InResponseTo == "" || o.Encrypt || o.SignResponse == o.SignAssertion {
			continue
		}
		s := string(doc)
		f.Add(samltest.EncodeResponse([]byte(strings.Replace(s, "alice@example.com<", "alice@example.com<!---->.evil<", 1))))
		f.Add(samltest.EncodeResponse([]byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]>` + s[strings.Index(s, "<samlp:Response"):])))
	}
	f.Add("")
	f.Add("not base64 %%%")

	f.Fuzz(func(t *testing.T, input string) {
		res, err := svc.ConsumeSAMLResponse(ctx, browser, input)
		var refusal *oauth.SSORefusal
		switch {
		case errors.As(err, &refusal):
			if refusal.Check.ID == "" || refusal.Check.Reason == "" {
				t.Fatalf("a refusal without its check: %+v", refusal)
			}
			return
		case err != nil:
			t.Fatalf("error on fuzz input: %v", err)
		}
		if res.User.ID != "u-alice" {
			t.Fatalf("accepted for %+v", res.User)
		}
		if _, err := svc.ConsumeSAMLResponse(ctx, browser, input); !errors.As(err, &refusal) {
			t.Fatalf("an accepted Response is accepted again: %v", err)
		}
	})
}

// encryptionCert is the SP's encryption certificate from its metadata.
func encryptionCert(t testing.TB, md []byte) *x509.Certificate {
	t.Helper()
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	for _, kd := range ed.SPSSODescriptors[0].KeyDescriptors {
		if kd.Use == "encryption" {
			der, _ := base64.StdEncoding.DecodeString(kd.KeyInfo.X509Data.X509Certificates[0].Data)
			c, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	t.Fatal("no encryption certificate")
	return nil
}
