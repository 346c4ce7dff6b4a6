package secretbox

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func TestSealOpenRotate(t *testing.T) {
	k1 := newKey()
	old, err := Parse("k1:" + k1)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "token: abc123-the-admins-credential"
	sealed, err := old.Seal([]byte(secret))
	if err != nil || strings.Contains(sealed, "abc123") || !strings.HasPrefix(sealed, "v1:k1:") {
		t.Fatalf("Seal = %q, %v", sealed, err)
	}
	again, _ := old.Seal([]byte(secret))
	if again == sealed {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	// A new key seals; the old one still opens what it sealed.
	ring := "k2:" + newKey() + "\nk1:" + k1
	rotated, err := Parse(ring)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed); err != nil || string(got) != secret || !rotated.Stale(sealed) || rotated.Current() != "k2" {
		t.Fatalf("Open after rotation = %q, %v", got, err)
	}
	resealed, _ := rotated.Seal([]byte(secret))
	if rotated.Stale(resealed) {
		t.Error("a fresh seal is stale")
	}
	// Without the old key the value is lost, and the error says which key.
	onlyNew, _ := Parse(strings.Split(ring, "\n")[0])
	if _, err := onlyNew.Open(sealed); err == nil || !strings.Contains(err.Error(), "key k1") {
		t.Errorf("Open without the key: %v", err)
	}
	tampered := sealed[:len(sealed)-4] + "AAAA"
	if _, err := rotated.Open(tampered); err == nil || strings.Contains(err.Error(), "abc123") {
		t.Errorf("a tampered value opened: %v", err)
	}
}

func TestParseRefusesBadRings(t *testing.T) {
	for _, ring := range []string{"", "k1", "k1:short", "bad id:" + newKey(), "k1:" + newKey() + ",k1:" + newKey()} {
		if _, err := Parse(ring); err == nil {
			t.Errorf("Parse(%q) accepted", ring)
		} else if strings.Contains(err.Error(), strings.SplitN(ring+":", ":", 3)[1]) && len(ring) > 40 {
			t.Errorf("the error quotes the key: %v", err)
		}
	}
}

func TestLoadCreatesAKeyFile(t *testing.T) {
	home := t.TempDir()
	a, err := Load("", home)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(home, "secret-keys"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	sealed, _ := a.Seal([]byte("x"))
	b, err := Load("", home) // the same key on the next start
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Open(sealed); err != nil || string(got) != "x" {
		t.Fatalf("a second Load does not open the first's seal: %v", err)
	}
}
