package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/appintegration/appintegration/store"
)

// SecretPrefix starts every client secret, so that secret scanners can find a
// leaked one. The secret is the prefix, 64 hex digits (256 random bits) and an
// 8-digit CRC-32 of those digits, which lets a scanner tell a real secret from
// look-alike text without asking us.
const SecretPrefix = "appint_cs_"

// newSecret returns a fresh client secret and the hash that is stored for it.
func newSecret() (secret string, hash []byte, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, fmt.Errorf("oauth: read random: %w", err)
	}
	body := hex.EncodeToString(b[:])
	secret = fmt.Sprintf("%s%s%08x", SecretPrefix, body, crc32.ChecksumIEEE([]byte(body)))
	return secret, hashSecret(secret), nil
}

// newClientSecret returns a fresh client secret and the record stored for it,
// created at now and working until it is revoked.
func newClientSecret(now time.Time) (string, store.ClientSecret, error) {
	secret, hash, err := newSecret()
	if err != nil {
		return "", store.ClientSecret{}, err
	}
	id, err := newID()
	if err != nil {
		return "", store.ClientSecret{}, err
	}
	return secret, store.ClientSecret{ID: id, Hash: hash, CreatedAt: now.UTC()}, nil
}

// SecretActive reports whether a client secret still works at now: it has no
// expiry, or its expiry is later.
func SecretActive(s store.ClientSecret, now time.Time) bool {
	return s.ExpiresAt.IsZero() || now.Before(s.ExpiresAt)
}

// matchSecret returns the index of the active secret among secrets that
// secret is, or -1. It hashes secret once and compares the hash with every
// secret's in constant time, whichever matches: the time taken tells only how
// many secrets the client has.
func matchSecret(secret string, secrets []store.ClientSecret, now time.Time) int {
	sum := sha256.Sum256([]byte(secret))
	found := -1
	for i, s := range secrets {
		active := 0
		if SecretActive(s, now) {
			active = 1
		}
		found = subtle.ConstantTimeSelect(subtle.ConstantTimeCompare(sum[:], s.Hash)&active, i, found)
	}
	return found
}

// hashSecret is the stored form of a secret. A fast hash is enough: the secret has
// 256 bits of entropy, so a slow KDF would add cost to every token request and no
// protection (that cost is what made ZITADEL's and Hydra's token endpoints slow).
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
