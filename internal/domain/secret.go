package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every API token so it is easy to spot in a leak scan.
const TokenPrefix = "orch_"

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns prefix + "_" + 80 random bits in lowercase base32.
func NewID(prefix string) string {
	b := make([]byte, 10)
	rand.Read(b) // never fails: see crypto/rand.Read
	return prefix + "_" + strings.ToLower(idEncoding.EncodeToString(b))
}

// NewTokenSecret returns a fresh token secret with 256 bits of randomness.
func NewTokenSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is what the store keeps instead of the secret. A fast hash is
// enough because secrets carry 256 bits of randomness: nothing to brute-force.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// TokenDisplayPrefix is the part of a secret safe to show in listings.
func TokenDisplayPrefix(secret string) string {
	if len(secret) < len(TokenPrefix)+4 {
		return secret
	}
	return secret[:len(TokenPrefix)+4]
}
