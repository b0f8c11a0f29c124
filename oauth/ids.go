package oauth

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// newID is the one generator of identifiers in App Integration: users,
// clients (after "sb-"), identity providers, signing keys (in the kid), token IDs
// (jti) and token families all get theirs here. It returns a random version 4
// UUID (RFC 9562 §5.4), or an error when the system has no randomness.
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
