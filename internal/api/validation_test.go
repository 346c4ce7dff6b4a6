package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/api"
)

// Bad input answers 400 with a problem naming the field and the rule, and
// writes nothing.
func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	cases := []struct {
		name, path string
		body       any
		field      string
		rule       string
	}{
		{"email not an address", "/v1/invitations", map[string]any{"email": "not-an-email"}, "email", "email"},
		{"email with a display name", "/v1/invitations", map[string]any{"email": "Ada <ada@example.com>"}, "email", "email"},
		{"email without a domain dot", "/v1/invitations", map[string]any{"email": "ada@localhost"}, "email", "email"},
		{"unknown role", "/v1/invitations", map[string]any{"email": "ada@example.com", "role": "owner"}, "role", "enum"},
		{"missing email", "/v1/invitations", map[string]any{"role": "member"}, "email", "required"},
		{"email of the wrong type", "/v1/invitations", map[string]any{"email": 42}, "email", "schema"},
		{"empty token name", "/v1/tokens", map[string]any{"name": ""}, "name", "token_name"},
		{"token name with a slash", "/v1/tokens", map[string]any{"name": "a/b"}, "name", "token_name"},
		{"token name too long", "/v1/tokens", map[string]any{"name": strings.Repeat("x", 64)}, "name", "token_name"},
		{"missing token name", "/v1/tokens", map[string]any{}, "name", "required"},
		{"unknown field", "/v1/tokens", map[string]any{"name": "ok", "admin": true}, "admin", "schema"},
	}
	state := func() string {
		return string(e.must(200, "GET", "/v1/invitations", admin.Token, nil).body) +
			string(e.must(200, "GET", "/v1/tokens", admin.Token, nil).body)
	}
	before := state()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.call("POST", c.path, admin.Token, c.body)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400: %s", r.status, r.body)
			}
			p := r.problem(t)
			if p.Code != "invalid" || len(p.Errors) == 0 || p.RequestID != r.header.Get("X-Request-Id") {
				t.Fatalf("problem = %+v", p)
			}
			if f := p.Errors[0]; f.Field != c.field || f.Rule != c.rule || f.Message == "" {
				t.Fatalf("field error = %+v, want field %q rule %q", f, c.field, c.rule)
			}
		})
	}
	if after := state(); after != before {
		t.Fatalf("refused input changed state:\nbefore %s\nafter  %s", before, after)
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	for name, token := range map[string]string{"no token": "", "unknown token": "orch_nope", "malformed": "Basic abc"} {
		r := e.call("GET", "/v1/whoami", token, nil)
		if r.status != 401 || r.header.Get("WWW-Authenticate") == "" || r.problem(t).Code != "unauthorized" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	var tok api.NewToken
	e.must(201, "POST", "/v1/tokens", admin.Token, map[string]any{"name": "short-lived"}).decode(t, &tok)
	e.must(200, "GET", "/v1/whoami", tok.Secret, nil)
	var revoked api.Token
	e.must(200, "DELETE", "/v1/tokens/"+tok.ID, admin.Token, nil).decode(t, &revoked)
	if revoked.RevokedAt == nil {
		t.Fatal("revoked token has no revoked_at")
	}
	e.must(200, "DELETE", "/v1/tokens/"+tok.ID, admin.Token, nil) // idempotent
	e.must(401, "GET", "/v1/whoami", tok.Secret, nil)

	var listed []api.Token
	e.must(200, "GET", "/v1/tokens", admin.Token, nil).decode(t, &listed)
	for _, l := range listed {
		if strings.Contains(string(e.must(200, "GET", "/v1/tokens/"+l.ID, admin.Token, nil).body), "secret") {
			t.Fatal("a token read shows a secret")
		}
	}
}

func TestRolesAndMembers(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	e.must(201, "POST", "/v1/invitations", admin.Token, map[string]any{"email": "bob@example.com"})
	bob := e.join("bob", "bob@example.com")
	if bob.Role != "member" {
		t.Fatalf("bob's role = %s", bob.Role)
	}
	if err := e.Stacks.EnsureLocal(context.Background(), admin.Organization.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path string }{
		{"POST", "/v1/invitations"}, {"GET", "/v1/invitations"}, {"DELETE", "/v1/members/" + admin.User.ID},
		{"GET", "/v1/stacks/local/plan"}, // plan calls AWS as the customer's role
	} {
		r := e.call(c.method, c.path, bob.Token, map[string]any{"email": "x@example.com"})
		if r.status != http.StatusForbidden || r.problem(t).Code != "forbidden" {
			t.Errorf("member %s %s = %d: %s", c.method, c.path, r.status, r.body)
		}
	}
	var members []api.Member
	e.must(200, "GET", "/v1/members", bob.Token, nil).decode(t, &members)
	if len(members) != 2 {
		t.Fatalf("members = %+v", members)
	}
	r := e.must(409, "POST", "/v1/invitations", admin.Token, map[string]any{"email": "bob@example.com"})
	if !strings.Contains(r.problem(t).Detail, "already a member") {
		t.Fatalf("inviting a member: %s", r.body)
	}
	e.must(201, "POST", "/v1/invitations", admin.Token, map[string]any{"email": "carol@example.com"})
	if r := e.must(409, "POST", "/v1/invitations", admin.Token, map[string]any{"email": "carol@example.com"}); !strings.Contains(r.problem(t).Detail, "pending invitation") {
		t.Fatalf("second invitation: %s", r.body)
	}

	r = e.must(409, "DELETE", "/v1/members/"+admin.User.ID, admin.Token, nil)
	if !strings.Contains(r.problem(t).Detail, "last admin") {
		t.Fatalf("removing the last admin: %s", r.body)
	}
	e.must(204, "DELETE", "/v1/members/"+bob.User.ID, admin.Token, nil)
	e.must(401, "GET", "/v1/whoami", bob.Token, nil) // removal revoked bob's tokens
	e.must(404, "DELETE", "/v1/members/"+bob.User.ID, admin.Token, nil)
}
