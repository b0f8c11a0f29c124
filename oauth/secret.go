package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash/crc32"
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

// hashSecret is the stored form of a secret. A fast hash is enough: the secret has
// 256 bits of entropy, so a slow KDF would add cost to every token request and no
// protection (that cost is what made ZITADEL's and Hydra's token endpoints slow).
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// secretMatches reports in constant time whether secret hashes to hash.
func secretMatches(secret string, hash []byte) bool {
	sum := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(sum[:], hash) == 1
}
