package domain

import (
	"strings"
	"testing"
	"time"
)

func TestValidation(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		field string // "" when valid
		rule  string
	}{
		{"org ok", ValidateOrgName("personal"), "", ""},
		{"org uppercase", ValidateOrgName("Personal"), "name", "dns_label"},
		{"org trailing hyphen", ValidateOrgName("acme-"), "name", "dns_label"},
		{"org too short", ValidateOrgName("ab"), "name", "dns_label"},
		{"org starts with digit", ValidateOrgName("1acme"), "name", "dns_label"},
		{"role admin", ValidateRole(RoleAdmin), "", ""},
		{"role owner", ValidateRole("owner"), "role", "enum"},
		{"token name ok", ValidateTokenName("ci runner 2"), "", ""},
		{"token name empty", ValidateTokenName(""), "name", "token_name"},
		{"token name leading space", ValidateTokenName(" x"), "name", "token_name"},
		{"token name 64 chars", ValidateTokenName(strings.Repeat("a", 64)), "name", "token_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.field == "" {
				if c.err != nil {
					t.Fatalf("unexpected error %v", c.err)
				}
				return
			}
			e, ok := c.err.(*Error)
			if !ok || e.Code != CodeInvalid || e.Fields[0].Field != c.field || e.Fields[0].Rule != c.rule {
				t.Fatalf("error = %#v, want field %s rule %s", c.err, c.field, c.rule)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{"Ada@Example.COM": "ada@example.com", "a.b+c@x.io": "a.b+c@x.io"} {
		if got, err := NormalizeEmail(in); err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "ada", "ada@", "Ada <ada@example.com>", "ada@localhost", " ada@example.com"} {
		if _, err := NormalizeEmail(bad); ErrorCode(err) != CodeInvalid {
			t.Errorf("NormalizeEmail(%q) accepted", bad)
		}
	}
}

func TestInvitationState(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	cases := map[InvitationState]Invitation{
		InvitationPending:  {ExpiresAt: now.Add(time.Hour)},
		InvitationExpired:  {ExpiresAt: now},
		InvitationAccepted: {ExpiresAt: past, AcceptedAt: &past},
		InvitationRevoked:  {ExpiresAt: now.Add(time.Hour), RevokedAt: &past},
	}
	for want, inv := range cases {
		if got := inv.State(now); got != want {
			t.Errorf("State = %s, want %s", got, want)
		}
	}
}

func TestSecrets(t *testing.T) {
	a, b := NewTokenSecret(), NewTokenSecret()
	if a == b || !strings.HasPrefix(a, TokenPrefix) || len(a) < 40 {
		t.Fatalf("secrets %q %q", a, b)
	}
	if HashToken(a) == HashToken(b) || len(HashToken(a)) != 64 || strings.Contains(HashToken(a), a) {
		t.Fatal("hashes are not distinct SHA-256 hex digests")
	}
	if id := NewID("tok"); !strings.HasPrefix(id, "tok_") || len(id) != 4+26 || id == NewID("tok") {
		t.Fatalf("NewID = %q", id)
	}
	first, second := NewID("x"), NewID("x")
	if first >= second {
		t.Fatalf("ids do not sort in creation order: %s then %s", first, second)
	}
}
