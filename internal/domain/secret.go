package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync/atomic"
	"time"
)

// TokenPrefix starts every API token so it is easy to spot in a leak scan.
const TokenPrefix = "orch_"

// idEncoding keeps the byte order in the text order, so ids sort by time.
var idEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

var idSeq atomic.Uint32

// NewID returns prefix + "_" + 48 bits of Unix milliseconds, a 16-bit
// per-process sequence and 64 random bits, in lowercase base32hex. Ids made
// later sort later (within a process, even in the same millisecond), which
// keeps listings ordered by (time, id) in the order things happened; the
// random part keeps them unguessable.
func NewID(prefix string) string {
	b := make([]byte, 16)
	ms := uint64(time.Now().UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	seq := idSeq.Add(1)
	b[6], b[7] = byte(seq>>8), byte(seq)
	rand.Read(b[8:]) // never fails: see crypto/rand.Read
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
