package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appintegration/appintegration/store"
)

// Signing algorithms.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

func validAlg(a string) bool { return a == AlgRS256 || a == AlgES256 || a == AlgEdDSA }

// keyRefresh is how old the in-memory copy of the keys may get before it is read
// again, so that a key rotated by another process is used within a second.
const keyRefresh = time.Second

// keyRetention is how long a retired key stays published: the longest lifetime a
// token it signed can have, plus a margin for clock skew.
const keyRetention = MaxTokenLifetime + 5*time.Minute

// JWK is one public key of the JWKS (RFC 7517).
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

type signingKey struct {
	rec    store.SigningKey
	signer crypto.Signer
	method jwt.SigningMethod
	jwk    JWK
	// header is the encoded JOSE header of every token the key signs, made
	// once: {"alg":…,"kid":…,"typ":"at+jwt"} (RFC 9068 §2.1).
	header string
}

// sign returns the compact JWS of claims, signed with golang-jwt's signing
// method for the key. Only the constant header is prepared ahead.
func (k *signingKey) sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("oauth: encode claims: %w", err)
	}
	signing := k.header + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := k.method.Sign(signing, k.signer)
	if err != nil {
		return "", fmt.Errorf("oauth: sign token: %w", err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// keySnapshot is an immutable view of the keys, swapped atomically on reload.
type keySnapshot struct {
	loaded  time.Time
	current *signingKey            // signs new tokens
	byID    map[string]*signingKey // every published key
	jwks    JWKS
}

type keySet struct {
	store  store.SigningKeyStore
	alg    string
	now    func() time.Time
	log    *slog.Logger
	snap   atomic.Pointer[keySnapshot]
	reload sync.Mutex
	// failing is set while re-reading the keys fails; warned is when that
	// was last logged (real time, unix nanoseconds).
	failing atomic.Bool
	warned  atomic.Int64
}

// keyWarnEvery is how often a failing re-read of the keys is logged.
const keyWarnEvery = time.Minute

func newKeySet(st store.SigningKeyStore, alg string, now func() time.Time, log *slog.Logger) *keySet {
	return &keySet{store: st, alg: alg, now: now, log: log}
}

// ensure creates a key for the configured algorithm when none signs yet, retires
// current keys of another algorithm (they stay published until their tokens have
// expired), deletes keys past their expiry, and loads the result.
func (ks *keySet) ensure(ctx context.Context) error {
	recs, err := ks.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("oauth: list signing keys: %w", err)
	}
	now := ks.now().UTC()
	haveCurrent := false
	for _, k := range recs {
		switch {
		case !k.ExpireAt.IsZero() && now.After(k.ExpireAt):
			if err := ks.store.DeleteSigningKey(ctx, k.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("oauth: delete expired key: %w", err)
			}
		case k.RetireAt.IsZero() && k.Algorithm != ks.alg:
			_, err := ks.store.UpdateSigningKey(ctx, k.ID, func(k store.SigningKey) (store.SigningKey, error) {
				k.RetireAt = now
				k.ExpireAt = now.Add(keyRetention)
				return k, nil
			})
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("oauth: retire key: %w", err)
			}
		case k.RetireAt.IsZero():
			haveCurrent = true
		}
	}
	if !haveCurrent {
		// Instances starting together on one empty store create one key:
		// the store serialises this and the others find it current.
		rec, err := ks.newKey(now)
		if err != nil {
			return err
		}
		if _, err := ks.store.CreateSigningKeyIfNoneCurrent(ctx, rec); err != nil {
			return fmt.Errorf("oauth: store signing key: %w", err)
		}
	}
	_, err = ks.load(ctx)
	return err
}

// create generates and stores a new key of the configured algorithm that signs
// from signAt.
func (ks *keySet) create(ctx context.Context, signAt time.Time) (store.SigningKey, error) {
	rec, err := ks.newKey(signAt)
	if err != nil {
		return store.SigningKey{}, err
	}
	if err := ks.store.CreateSigningKey(ctx, rec); err != nil {
		return store.SigningKey{}, fmt.Errorf("oauth: store signing key: %w", err)
	}
	return rec, nil
}

// newKey generates a key of the configured algorithm that signs from signAt.
func (ks *keySet) newKey(signAt time.Time) (store.SigningKey, error) {
	priv, err := generateKey(ks.alg)
	if err != nil {
		return store.SigningKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("oauth: marshal key: %w", err)
	}
	kid, err := newID()
	if err != nil {
		return store.SigningKey{}, err
	}
	return store.SigningKey{
		ID: kid, Algorithm: ks.alg, PrivateKey: der,
		CreatedAt: ks.now().UTC(), SignAt: signAt.UTC(),
	}, nil
}

func generateKey(alg string) (crypto.Signer, error) {
	var (
		k   crypto.Signer
		err error
	)
	switch alg {
	case AlgRS256:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case AlgES256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case AlgEdDSA:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("oauth: unknown signing algorithm %q", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: generate %s key: %w", alg, err)
	}
	return k, nil
}

// get returns the current snapshot, reading the store again when it is older
// than keyRefresh. Only one caller reloads; the others keep using the old one.
// When re-reading fails, the keys in memory go on serving, and it is tried
// again after keyRefresh: a database that does not answer for a moment, or
// keys re-encrypted under a master key this process does not hold (keys
// rewrap, until the server restarts with the new one), must not stop token
// service. The failure is logged once a minute.
func (ks *keySet) get(ctx context.Context) (*keySnapshot, error) {
	snap := ks.snap.Load()
	if snap != nil && ks.now().Sub(snap.loaded) < keyRefresh {
		return snap, nil
	}
	if snap != nil && !ks.reload.TryLock() {
		return snap, nil
	}
	if snap == nil {
		ks.reload.Lock()
	}
	defer ks.reload.Unlock()
	if s := ks.snap.Load(); s != snap {
		return s, nil
	}
	fresh, err := ks.load(ctx)
	if err != nil && snap != nil {
		if last := ks.warned.Load(); time.Since(time.Unix(0, last)) >= keyWarnEvery && ks.warned.CompareAndSwap(last, time.Now().UnixNano()) {
			ks.log.ErrorContext(ctx, "re-reading the signing keys failed; signing with the keys in memory", "err", err)
		}
		ks.failing.Store(true)
		stale := *snap
		stale.loaded = ks.now().UTC()
		ks.snap.Store(&stale)
		return &stale, nil
	}
	if err == nil && ks.failing.CompareAndSwap(true, false) {
		ks.log.InfoContext(ctx, "re-reading the signing keys works again")
	}
	return fresh, err
}

// load reads the keys from the store and swaps in a new snapshot.
func (ks *keySet) load(ctx context.Context) (*keySnapshot, error) {
	recs, err := ks.store.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("oauth: list signing keys: %w", err)
	}
	now := ks.now().UTC()
	old := ks.snap.Load()
	snap := &keySnapshot{loaded: now, byID: map[string]*signingKey{}}
	for _, rec := range recs {
		if !rec.ExpireAt.IsZero() && now.After(rec.ExpireAt) {
			continue
		}
		var k *signingKey
		if old != nil && old.byID[rec.ID] != nil {
			k = &signingKey{}
			*k = *old.byID[rec.ID]
			k.rec = rec // retirement may have changed
		} else if k, err = parseSigningKey(rec); err != nil {
			return nil, err
		}
		snap.byID[rec.ID] = k
		signs := (rec.RetireAt.IsZero() || now.Before(rec.RetireAt)) && rec.Algorithm == ks.alg && !rec.SignAt.After(now)
		if signs && (snap.current == nil || rec.SignAt.After(snap.current.rec.SignAt) ||
			(rec.SignAt.Equal(snap.current.rec.SignAt) && rec.ID > snap.current.rec.ID)) {
			snap.current = k
		}
	}
	ids := make([]string, 0, len(snap.byID))
	for id := range snap.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	snap.jwks.Keys = make([]JWK, 0, len(ids))
	for _, id := range ids {
		snap.jwks.Keys = append(snap.jwks.Keys, snap.byID[id].jwk)
	}
	ks.snap.Store(snap)
	return snap, nil
}

func parseSigningKey(rec store.SigningKey) (*signingKey, error) {
	priv, err := x509.ParsePKCS8PrivateKey(rec.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("oauth: parse key %s: %w", rec.ID, err)
	}
	k := &signingKey{rec: rec, jwk: JWK{Kid: rec.ID, Use: "sig", Alg: rec.Algorithm}}
	b64 := base64.RawURLEncoding.EncodeToString
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		k.signer, k.method = p, jwt.SigningMethodRS256
		k.jwk.Kty, k.jwk.N, k.jwk.E = "RSA", b64(p.N.Bytes()), b64(big.NewInt(int64(p.E)).Bytes())
	case *ecdsa.PrivateKey:
		pub, err := p.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
		if err != nil {
			return nil, fmt.Errorf("oauth: key %s: %w", rec.ID, err)
		}
		k.signer, k.method = p, jwt.SigningMethodES256
		k.jwk.Kty, k.jwk.Crv, k.jwk.X, k.jwk.Y = "EC", "P-256", b64(pub[1:33]), b64(pub[33:])
	case ed25519.PrivateKey:
		k.signer, k.method = p, jwt.SigningMethodEdDSA
		k.jwk.Kty, k.jwk.Crv, k.jwk.X = "OKP", "Ed25519", b64(p.Public().(ed25519.PublicKey))
	default:
		return nil, fmt.Errorf("oauth: key %s: unsupported key type %T", rec.ID, priv)
	}
	if k.method.Alg() != rec.Algorithm {
		return nil, fmt.Errorf("oauth: key %s: algorithm %s does not fit key type %T", rec.ID, rec.Algorithm, priv)
	}
	header, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{rec.Algorithm, rec.ID, "at+jwt"})
	if err != nil {
		return nil, fmt.Errorf("oauth: key %s: %w", rec.ID, err)
	}
	k.header = base64.RawURLEncoding.EncodeToString(header)
	return k, nil
}

// JWKS returns the public keys that verify tokens: the current key and every
// retired key whose tokens may still be valid.
func (s *Service) JWKS(ctx context.Context) (JWKS, error) {
	snap, err := s.keys.get(ctx)
	if err != nil {
		return JWKS{}, err
	}
	return snap.jwks, nil
}

// RotateKey creates a new signing key. It is published at once and signs from
// now+publishFor, so that caches of the JWKS see it before tokens signed by it
// arrive; the keys it replaces stop signing then and stay published until their
// last token has expired. It returns the new key's ID.
func (s *Service) RotateKey(ctx context.Context, actor string, publishFor time.Duration) (string, error) {
	now := s.now().UTC()
	signAt := now.Add(publishFor)
	rec, err := s.keys.create(ctx, signAt)
	if err != nil {
		return "", err
	}
	recs, err := s.store.ListSigningKeys(ctx)
	if err != nil {
		return "", fmt.Errorf("oauth: list signing keys: %w", err)
	}
	for _, k := range recs {
		if k.ID == rec.ID || !k.RetireAt.IsZero() {
			continue
		}
		_, err := s.store.UpdateSigningKey(ctx, k.ID, func(k store.SigningKey) (store.SigningKey, error) {
			k.RetireAt = signAt
			k.ExpireAt = signAt.Add(keyRetention)
			return k, nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", fmt.Errorf("oauth: retire key: %w", err)
		}
	}
	s.audit(ctx, actor, "key.rotated", rec.ID, "signs from "+signAt.Format(time.RFC3339))
	return rec.ID, nil
}
