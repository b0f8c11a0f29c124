// Package oauthtest holds checks the tests of several packages share about
// what package oauth hands out. It is for tests only.
package oauthtest

import (
	"fmt"
	"hash/crc32"
	"strings"

	"github.com/appintegration/appintegration/oauth"
)

// LooksLikeSecret reports whether s has the shape and checksum of a client
// secret (docs/contract.md, "Secrets"): oauth.SecretPrefix, 64 hex digits and
// the CRC-32 of those digits as 8 hex digits. It is written from the contract,
// not from the code that makes secrets, so that it checks that code.
func LooksLikeSecret(s string) bool {
	body, ok := strings.CutPrefix(s, oauth.SecretPrefix)
	if !ok || len(body) != 72 || strings.Trim(body, "0123456789abcdef") != "" {
		return false
	}
	return body[64:] == fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(body[:64])))
}
