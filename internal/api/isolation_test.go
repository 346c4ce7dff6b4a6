package api_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/api"
)

// TestCrossOrganizationIsolation walks the OpenAPI document and calls every
// route that takes an object id with another organization's token and that
// organization's ids. Each call must answer 404, show nothing of the object,
// and change nothing.
func TestCrossOrganizationIsolation(t *testing.T) {
	e := newEnv(t)
	alice := e.signIn("alice", "alice@example.com")
	var inv api.Invitation
	e.must(201, "POST", "/v1/invitations", alice.Token, map[string]any{"email": "bob@example.com"}).decode(t, &inv)
	bob := e.signIn("bob", "bob@example.com")
	var pending api.Invitation
	e.must(201, "POST", "/v1/invitations", alice.Token, map[string]any{"email": "carol@example.com", "role": "admin"}).decode(t, &pending)
	var tok api.NewToken
	e.must(201, "POST", "/v1/tokens", alice.Token, map[string]any{"name": "secret-project-laptop"}).decode(t, &tok)
	mallory := e.signIn("mallory", "mallory@example.com")

	// Ids of alice's organization by path parameter name, and what of each
	// object must never appear in an answer to mallory.
	targets := map[string][]struct{ id, secret string }{
		"user_id":       {{bob.User.ID, "bob@example.com"}, {alice.User.ID, "alice@example.com"}},
		"invitation_id": {{pending.ID, "carol@example.com"}, {inv.ID, "bob@example.com"}},
		"token_id":      {{tok.ID, "secret-project-laptop"}},
	}
	snapshot := func() []byte {
		var b bytes.Buffer
		for _, p := range []string{"/v1/members", "/v1/invitations", "/v1/tokens", "/v1/organization"} {
			b.Write(e.must(200, "GET", p, alice.Token, nil).body)
		}
		b.Write(e.must(200, "GET", "/v1/whoami", bob.Token, nil).body)
		return b.Bytes()
	}
	before := snapshot()

	doc, _ := e.openAPI()
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	covered := 0
	for _, route := range routes(doc) {
		method, path, _ := strings.Cut(route, " ")
		names := param.FindAllStringSubmatch(path, -1)
		if len(names) == 0 {
			continue
		}
		if len(names) > 1 {
			t.Fatalf("%s takes several ids: extend this test to combine them", route)
		}
		ids, ok := targets[names[0][1]]
		if !ok {
			t.Fatalf("%s takes {%s}: add an object of that kind to this test", route, names[0][1])
		}
		for _, target := range ids {
			url := strings.Replace(path, names[0][0], target.id, 1)
			r := e.call(method, url, mallory.Token, map[string]any{})
			if r.status != http.StatusNotFound {
				t.Errorf("%s %s as another organization = %d, want 404: %s", method, url, r.status, r.body)
			}
			if bytes.Contains(r.body, []byte(target.secret)) || bytes.Contains(r.body, []byte(alice.Organization.ID)) {
				t.Errorf("%s %s leaked data of the other organization: %s", method, url, r.body)
			}
			covered++
		}
	}
	if covered < 10 {
		t.Fatalf("only %d cross-organization calls were made; the walk found too few routes", covered)
	}
	if after := snapshot(); !bytes.Equal(before, after) {
		t.Fatalf("another organization's calls changed alice's organization:\nbefore %s\nafter  %s", before, after)
	}
}
