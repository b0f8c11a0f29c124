// Package sealed keeps the private and symmetric keys of a store.Store
// encrypted at rest (docs/contract.md, "Keys at rest"). Store is a decorator: it seals every signing key's
// PrivateKey and every value of the SecretStore (the console's session keys,
// the SAML service provider's keys, anything kept there later) before the
// backend sees it, and opens them on the way back, also inside InTransaction.
// Backends stay unaware of cryptography and keep opaque bytes; a copy of the
// database, or a backup, gives no key away without the master key.
//
// A sealed value is AES-256-GCM (the standard library's) under a
// key-encryption key derived from the 32-byte master key with HKDF-SHA-256,
// with the record's table and ID as associated data, so that a ciphertext
// cannot be moved to another row:
//
//	0x00 'a' 'i' 's'   magic, which no PKCS #8 key (0x30…) starts with
//	0x01               format version
//	12 bytes           random nonce
//	…                  ciphertext and 16-byte tag
//	associated data:   the five header bytes, then "signing_keys/<id>" or "secrets/<name>"
//
// An empty value stays empty (there is nothing to hide). The database holds a
// key-check value, a known text sealed under the master key, kept as the
// secret named CheckName; Open refuses a master key that does not open it.
package sealed

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/appintegration/appintegration/store"
)

// Errors of opening sealed values. Both are wrapped with the record they are
// about.
var (
	// ErrWrongKey: the master key does not open the database's key-check
	// value or a sealed value (another master key sealed it, or it was moved
	// to another row or damaged).
	ErrWrongKey = errors.New("sealed: the master key does not open what this database keeps encrypted")
	// ErrPlaintext: a value is kept in plain text where a sealed one was
	// expected (an older release wrote it after the database was sealed).
	ErrPlaintext = errors.New("sealed: a key is kept in plain text")
)

// CheckName is the SecretStore name of the key-check value. Store neither
// lists it nor lets it be read or changed.
const CheckName = "master-key-check"

// checkText is what the key-check value seals.
const checkText = "App Integration master key check, format 1"

// Key is a master key: 32 random bytes. It never prints its bytes; Encode
// writes them for a key file.
type Key struct {
	raw [KeySize]byte
	set bool
}

// KeySize is the size of a master key in bytes.
const KeySize = 32

// GenerateKey returns a new random master key, or the error of the system's
// random source.
func GenerateKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k.raw[:]); err != nil {
		return Key{}, fmt.Errorf("sealed: generate master key: %w", err)
	}
	k.set = true
	return k, nil
}

// ParseKey reads a master key written in base64 (standard or URL alphabet,
// with or without padding; surrounding white space is ignored), as Encode
// writes it. It returns an error, which never holds the text, unless the text
// is 32 bytes.
func ParseKey(text []byte) (Key, error) {
	s := strings.TrimRight(strings.TrimSpace(string(text)), "=")
	var (
		b   []byte
		err error
	)
	if strings.ContainsAny(s, "-_") {
		b, err = base64.RawURLEncoding.DecodeString(s)
	} else {
		b, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		return Key{}, errors.New("sealed: master key: not base64")
	}
	if len(b) != KeySize {
		return Key{}, fmt.Errorf("sealed: master key: %d bytes, want %d (32 random bytes, base64)", len(b), KeySize)
	}
	var k Key
	copy(k.raw[:], b)
	k.set = true
	return k, nil
}

// Encode returns the key in standard base64, as a key file holds it.
func (k Key) Encode() string { return base64.StdEncoding.EncodeToString(k.raw[:]) }

// IsZero reports whether k is no key at all (the zero Key).
func (k Key) IsZero() bool { return !k.set }

// Equal reports in constant time whether k and o are the same key.
func (k Key) Equal(o Key) bool {
	return k.set == o.set && subtle.ConstantTimeCompare(k.raw[:], o.raw[:]) == 1
}

// String, GoString and LogValue keep the key's bytes out of logs and errors.
func (k Key) String() string             { return "sealed.Key(redacted)" }
func (k Key) GoString() string           { return k.String() }
func (k Key) LogValue() slog.Value       { return slog.StringValue(k.String()) }
func (k Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// Format of a sealed value.
const (
	magic     = "\x00ais"
	version1  = 0x01
	headerLen = len(magic) + 1
	nonceLen  = 12
)

// sealer seals and opens values under the key-encryption key of one master key.
type sealer struct{ aead cipher.AEAD }

func newSealer(k Key) (*sealer, error) {
	if k.IsZero() {
		return nil, errors.New("sealed: no master key")
	}
	kek, err := hkdf.Key(sha256.New, k.raw[:], nil, "App Integration key-encryption key, format 1", 32)
	if err != nil {
		return nil, fmt.Errorf("sealed: derive key-encryption key: %w", err)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("sealed: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealed: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// isSealed reports whether v is in the sealed format (of any version).
func isSealed(v []byte) bool {
	return len(v) >= headerLen && string(v[:len(magic)]) == magic
}

// additional is the associated data of a value of the record named aad.
func additional(header []byte, aad string) []byte {
	return append(bytes.Clone(header[:headerLen]), aad...)
}

// seal returns plain sealed for the record named aad; empty stays empty.
func (s *sealer) seal(aad string, plain []byte) ([]byte, error) {
	if len(plain) == 0 {
		return nil, nil
	}
	out := make([]byte, headerLen+nonceLen, headerLen+nonceLen+len(plain)+s.aead.Overhead())
	copy(out, magic)
	out[len(magic)] = version1
	nonce := out[headerLen : headerLen+nonceLen]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealed: read random: %w", err)
	}
	return s.aead.Seal(out, nonce, plain, additional(out, aad)), nil
}

// open returns the plain text of v, sealed for the record named aad; empty
// stays empty. It returns an error wrapping ErrPlaintext for a value not in
// the sealed format, ErrWrongKey for one that does not open.
func (s *sealer) open(aad string, v []byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, nil
	}
	if !isSealed(v) {
		return nil, fmt.Errorf("%s: %w", aad, ErrPlaintext)
	}
	if v[len(magic)] != version1 {
		return nil, fmt.Errorf("sealed: %s: unknown format version %d (written by a newer release?)", aad, v[len(magic)])
	}
	if len(v) < headerLen+nonceLen+s.aead.Overhead() {
		return nil, fmt.Errorf("%s: too short: %w", aad, ErrWrongKey)
	}
	plain, err := s.aead.Open(nil, v[headerLen:headerLen+nonceLen], v[headerLen+nonceLen:], additional(v, aad))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", aad, ErrWrongKey)
	}
	return plain, nil
}

func keyAAD(id string) string      { return "signing_keys/" + id }
func secretAAD(name string) string { return "secrets/" + name }

// Store is a store.Store whose signing keys and secrets are sealed before the
// store it wraps keeps them. Every method not listed below is the wrapped
// store's. It is safe for concurrent use.
type Store struct {
	store.Store
	s *sealer
}

var _ store.Store = (*Store)(nil)

// Report says what Open did to the database.
type Report struct {
	// NewCheck: the database had no key-check value (it is new, or an older
	// release wrote it), and now has one made with this master key.
	NewCheck bool
	// Sealed counts the values kept in plain text that Open sealed.
	Sealed int
}

// Open checks key against the database inner keeps and returns inner
// sealed with it. In one transaction it makes the key-check value when there
// is none, opens every sealed value (so that a wrong key is found now, not
// on some later request) and seals every value kept in plain text (a
// database of an older release). It returns an error wrapping ErrWrongKey,
// having changed nothing, when key is not the master key the database was
// sealed with, or the store's error.
func Open(ctx context.Context, inner store.Store, key Key) (*Store, Report, error) {
	s, err := newSealer(key)
	if err != nil {
		return nil, Report{}, err
	}
	var rep Report
	err = inner.InTransaction(ctx, func(tx store.Store) error {
		rep = Report{}
		fresh, err := s.seal(secretAAD(CheckName), []byte(checkText))
		if err != nil {
			return err
		}
		// Of instances opening one new database together, one keeps its
		// value; the others wait for it (the name is unique) and check it.
		got, err := tx.Secret(ctx, CheckName, func() ([]byte, error) { return fresh, nil })
		if err != nil {
			return err
		}
		if bytes.Equal(got, fresh) {
			rep.NewCheck = true
		} else if err := s.check(got); err != nil {
			return err
		}
		n, err := sealPlain(ctx, tx, s)
		rep.Sealed = n
		return err
	})
	if err != nil {
		return nil, Report{}, fmt.Errorf("sealed: open: %w", err)
	}
	return &Store{Store: inner, s: s}, rep, nil
}

// check returns nil when v is the key-check value sealed with s's key.
func (s *sealer) check(v []byte) error {
	plain, err := s.open(secretAAD(CheckName), v)
	if err != nil || string(plain) != checkText {
		return fmt.Errorf("key-check value: %w", ErrWrongKey)
	}
	return nil
}

// sealPlain seals, through tx, every signing key and secret kept in plain
// text, and opens every sealed one to see that it can. It returns how many it
// sealed.
func sealPlain(ctx context.Context, tx store.Store, s *sealer) (int, error) {
	n := 0
	keys, err := tx.ListSigningKeys(ctx)
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if isSealed(k.PrivateKey) || len(k.PrivateKey) == 0 {
			if _, err := s.open(keyAAD(k.ID), k.PrivateKey); err != nil {
				return 0, err
			}
			continue
		}
		if _, err := tx.UpdateSigningKey(ctx, k.ID, func(k store.SigningKey) (store.SigningKey, error) {
			var err error
			if !isSealed(k.PrivateKey) {
				k.PrivateKey, err = s.seal(keyAAD(k.ID), k.PrivateKey)
			}
			return k, err
		}); err != nil {
			return 0, err
		}
		n++
	}
	names, err := tx.ListSecretNames(ctx)
	if err != nil {
		return 0, err
	}
	for _, name := range names {
		if name == CheckName {
			continue
		}
		v, err := tx.Secret(ctx, name, func() ([]byte, error) { return nil, store.ErrNotFound })
		if err != nil {
			return 0, err
		}
		if isSealed(v) || len(v) == 0 {
			if _, err := s.open(secretAAD(name), v); err != nil {
				return 0, err
			}
			continue
		}
		if _, err := tx.UpdateSecret(ctx, name, func(v []byte) ([]byte, error) {
			if isSealed(v) {
				return v, nil
			}
			return s.seal(secretAAD(name), v)
		}); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// Rewrap re-encrypts every sealed value of the database inner keeps, and its
// key-check value, from the master key old to new, in one transaction: a
// failure changes nothing. It returns how many values it re-encrypted, or an
// error wrapping ErrWrongKey when old is not the database's master key (or
// does not open one of its values), or the store's error.
func Rewrap(ctx context.Context, inner store.Store, old, new Key) (int, error) {
	if old.Equal(new) {
		return 0, errors.New("sealed: rewrap: the new master key is the one in use")
	}
	from, err := newSealer(old)
	if err != nil {
		return 0, err
	}
	to, err := newSealer(new)
	if err != nil {
		return 0, err
	}
	errNoCheck := errors.New("sealed: rewrap: the database has no key-check value yet; open it once with the current master key (start the server, or run any command)")
	rewrap := func(aad string, v []byte) ([]byte, error) {
		if len(v) == 0 {
			return v, nil
		}
		plain := v
		if isSealed(v) {
			var err error
			if plain, err = from.open(aad, v); err != nil {
				return nil, err
			}
		}
		return to.seal(aad, plain)
	}
	n := 0
	err = inner.InTransaction(ctx, func(tx store.Store) error {
		n = 0
		got, err := tx.Secret(ctx, CheckName, func() ([]byte, error) { return nil, errNoCheck })
		if err != nil {
			return err
		}
		if err := from.check(got); err != nil {
			return err
		}
		keys, err := tx.ListSigningKeys(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.UpdateSigningKey(ctx, k.ID, func(k store.SigningKey) (store.SigningKey, error) {
				var err error
				k.PrivateKey, err = rewrap(keyAAD(k.ID), k.PrivateKey)
				return k, err
			}); err != nil {
				return err
			}
			n++
		}
		names, err := tx.ListSecretNames(ctx)
		if err != nil {
			return err
		}
		for _, name := range names {
			if _, err := tx.UpdateSecret(ctx, name, func(v []byte) ([]byte, error) {
				return rewrap(secretAAD(name), v)
			}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, errNoCheck) {
			return 0, errNoCheck
		}
		return 0, fmt.Errorf("sealed: rewrap: %w", err)
	}
	return n, nil
}

// with returns the store tx, sealed as st is.
func (st *Store) with(tx store.Store) *Store { return &Store{Store: tx, s: st.s} }

// InTransaction is the wrapped store's, with fn given a sealed store.
func (st *Store) InTransaction(ctx context.Context, fn func(store.Store) error) error {
	return st.Store.InTransaction(ctx, func(tx store.Store) error { return fn(st.with(tx)) })
}

// CreateSigningKey keeps k with its private key sealed.
func (st *Store) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	sealed, err := st.sealKey(k)
	if err != nil {
		return err
	}
	return st.Store.CreateSigningKey(ctx, sealed)
}

// CreateSigningKeyIfNoneCurrent is the wrapped store's, with k's private key
// sealed.
func (st *Store) CreateSigningKeyIfNoneCurrent(ctx context.Context, k store.SigningKey) (bool, error) {
	sealed, err := st.sealKey(k)
	if err != nil {
		return false, err
	}
	return st.Store.CreateSigningKeyIfNoneCurrent(ctx, sealed)
}

// ListSigningKeys returns every key with its private key opened; an error
// wrapping ErrWrongKey or ErrPlaintext names a key that does not open.
func (st *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	keys, err := st.Store.ListSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		if keys[i], err = st.openKey(keys[i]); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// UpdateSigningKey is the wrapped store's, with fn seeing the private key
// opened and its result sealed.
func (st *Store) UpdateSigningKey(ctx context.Context, id string, fn func(store.SigningKey) (store.SigningKey, error)) (store.SigningKey, error) {
	saved, err := st.Store.UpdateSigningKey(ctx, id, func(k store.SigningKey) (store.SigningKey, error) {
		opened, err := st.openKey(k)
		if err != nil {
			return k, err
		}
		v, err := fn(opened)
		if err != nil {
			return v, err
		}
		v.ID = k.ID // the associated data is the stored ID, which the update keeps
		return st.sealKey(v)
	})
	if err != nil {
		return store.SigningKey{}, err
	}
	return st.openKey(saved)
}

func (st *Store) sealKey(k store.SigningKey) (store.SigningKey, error) {
	var err error
	k.PrivateKey, err = st.s.seal(keyAAD(k.ID), k.PrivateKey)
	return k, err
}

func (st *Store) openKey(k store.SigningKey) (store.SigningKey, error) {
	var err error
	k.PrivateKey, err = st.s.open(keyAAD(k.ID), k.PrivateKey)
	return k, err
}

// reserved refuses the name of the key-check value.
func reserved(name string) error {
	if name == CheckName {
		return fmt.Errorf("sealed: secret name %q is reserved", name)
	}
	return nil
}

// Secret is the wrapped store's, with gen's value sealed before it is kept and
// the value kept opened.
func (st *Store) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	if err := reserved(name); err != nil {
		return nil, err
	}
	v, err := st.Store.Secret(ctx, name, func() ([]byte, error) {
		plain, err := gen()
		if err != nil {
			return nil, err
		}
		return st.s.seal(secretAAD(name), plain)
	})
	if err != nil {
		return nil, err
	}
	return st.s.open(secretAAD(name), v)
}

// ListSecretNames is the wrapped store's, without CheckName.
func (st *Store) ListSecretNames(ctx context.Context) ([]string, error) {
	names, err := st.Store.ListSecretNames(ctx)
	if err != nil {
		return nil, err
	}
	out := names[:0]
	for _, n := range names {
		if n != CheckName {
			out = append(out, n)
		}
	}
	return out, nil
}

// UpdateSecret is the wrapped store's, with fn seeing the value opened and its
// result sealed.
func (st *Store) UpdateSecret(ctx context.Context, name string, fn func([]byte) ([]byte, error)) ([]byte, error) {
	if err := reserved(name); err != nil {
		return nil, err
	}
	v, err := st.Store.UpdateSecret(ctx, name, func(v []byte) ([]byte, error) {
		plain, err := st.s.open(secretAAD(name), v)
		if err != nil {
			return v, err
		}
		out, err := fn(plain)
		if err != nil {
			return out, err
		}
		return st.s.seal(secretAAD(name), out)
	})
	if err != nil {
		return nil, err
	}
	return st.s.open(secretAAD(name), v)
}
