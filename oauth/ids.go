package oauth

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// newID generates the identifiers of App Integration other than users' (see
// newUserID): clients (after "sb-"), identity providers, signing keys (in the
// kid), token IDs (jti), token families and client secrets get theirs here. It
// returns a random version 4 UUID (RFC 9562 §5.4), or an error when the system
// has no randomness.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("oauth: read random: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// newUserID returns a version 7 UUID (RFC 9562 §5.7) for a user created at
// t: 48 bits of its Unix time in milliseconds, then random bits. Users
// created together get IDs close together, so that the indexes keyed by user
// ID (the users table's and its child tables') grow at one end instead of in
// every page; a million users provisioned by a directory otherwise make each
// transaction write a page of every such index for each user. The ID tells
// the time the user was created, which meta.created tells anyway.
func newUserID(t time.Time) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		return "", fmt.Errorf("oauth: read random: %w", err)
	}
	ms := uint64(t.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
