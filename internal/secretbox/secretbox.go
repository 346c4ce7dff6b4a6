// Package secretbox seals what the platform must keep but never show (the
// credential of an attached cluster, secrets of attached stacks) with
// AES-256-GCM under a server key. Keys have ids so they can be rotated: the
// first key seals, every key opens, and a sealed value names the key that
// sealed it, so a server started with a new key first keeps reading what the
// old one sealed while it seals anew.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Box seals and opens with a key ring.
type Box struct {
	keys []key // keys[0] seals
}

type key struct {
	id   string
	aead cipher.AEAD
}

var keyID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Parse reads a key ring: "id:base64(32 bytes)" entries separated by commas
// or newlines, the first one sealing.
func Parse(ring string) (*Box, error) {
	var b Box
	seen := map[string]bool{}
	for _, entry := range strings.FieldsFunc(ring, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		id, enc, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok || !keyID.MatchString(id) || seen[id] {
			return nil, fmt.Errorf("secret key entry %q: must be id:base64-key with a unique id of letters, digits, '-' or '_'", redact(entry))
		}
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("secret key %s: must be 32 random bytes in base64 (openssl rand -base64 32)", id)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		seen[id] = true
		b.keys = append(b.keys, key{id: id, aead: aead})
	}
	if len(b.keys) == 0 {
		return nil, errors.New("no secret key given")
	}
	return &b, nil
}

// redact keeps an entry's id and hides its key.
func redact(entry string) string {
	id, _, _ := strings.Cut(strings.TrimSpace(entry), ":")
	return id + ":…"
}

// Load returns the key ring from ring when it is set (the server's
// --secret-keys), else from the file in home, creating the file with one
// new key (0600) on first use.
func Load(ring, home string) (*Box, error) {
	if ring != "" {
		return Parse(ring)
	}
	path := filepath.Join(home, "secret-keys")
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		raw := make([]byte, 32)
		rand.Read(raw)
		b = []byte("k1:" + base64.StdEncoding.EncodeToString(raw) + "\n")
		if err := os.MkdirAll(home, 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("writing the secret key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("reading the secret keys: %w", err)
	}
	box, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return box, nil
}

// Seal encrypts plaintext with the sealing key: "v1:<key id>:<base64 of
// nonce and ciphertext>".
func (b *Box) Seal(plaintext []byte) (string, error) {
	k := b.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	sealed := k.aead.Seal(nonce, nonce, plaintext, []byte(k.id))
	return "v1:" + k.id + ":" + base64.StdEncoding.EncodeToString(sealed), nil
}

// Open decrypts what Seal returned, with whichever key of the ring sealed
// it. Errors never quote the value.
func (b *Box) Open(sealed string) ([]byte, error) {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, errors.New("not a sealed value")
	}
	for _, k := range b.keys {
		if k.id != parts[1] {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(parts[2])
		if err != nil || len(raw) < k.aead.NonceSize() {
			return nil, errors.New("a sealed value is damaged")
		}
		out, err := k.aead.Open(nil, raw[:k.aead.NonceSize()], raw[k.aead.NonceSize():], []byte(k.id))
		if err != nil {
			return nil, errors.New("a sealed value does not open with key " + k.id + " (damaged, or another key of the same id)")
		}
		return out, nil
	}
	return nil, fmt.Errorf("a value was sealed with key %s, which is not in the server's key ring: add it back to --secret-keys", parts[1])
}

// Current is the id of the sealing key.
func (b *Box) Current() string { return b.keys[0].id }

// Stale reports whether sealed was sealed with a key other than the
// current one, so it should be sealed again.
func (b *Box) Stale(sealed string) bool {
	parts := strings.SplitN(sealed, ":", 3)
	return len(parts) == 3 && parts[1] != b.keys[0].id
}
