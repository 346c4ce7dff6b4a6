package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/api"
)

func TestRunSecrets(t *testing.T) {
	e := newEnv(t)
	alice := e.signIn("alice", "alice@example.com")
	e.must(201, "POST", "/v1/invitations", alice.Token, map[string]any{"email": "bob@example.com"})
	bob := e.join("bob", "bob@example.com") // a member
	if err := e.Stacks.EnsureLocal(context.Background(), alice.Organization.ID); err != nil {
		t.Fatal(err)
	}
	path := "/v1/stacks/local/namespaces/default/secrets"

	var s api.Secret
	e.must(200, "PUT", path+"/warehouse", alice.Token, map[string]string{"WAREHOUSE_USER": "etl", "WAREHOUSE_PASSWORD": "hunter2"}).decode(t, &s)
	if s.Alias != "warehouse" || s.Namespace != "default" || strings.Join(s.Keys, ",") != "WAREHOUSE_PASSWORD,WAREHOUSE_USER" {
		t.Fatalf("PUT = %+v", s)
	}
	list := e.must(200, "GET", path, alice.Token, nil)
	var secrets []api.Secret
	list.decode(t, &secrets)
	if len(secrets) != 1 || secrets[0].Alias != "warehouse" || len(secrets[0].Keys) != 2 || strings.Contains(string(list.body), "hunter2") {
		t.Fatalf("GET = %s", list.body)
	}
	// A run can pull it; an alias that does not exist is refused.
	body := runBody(t.TempDir(), "pulls")
	body["pull_secrets_from"] = []string{"warehouse"}
	e.must(201, "POST", "/v1/stacks/local/namespaces/default/runs", alice.Token, body)
	body["pull_secrets_from"] = []string{"nope"}
	if p := e.must(400, "POST", "/v1/stacks/local/namespaces/default/runs", alice.Token, body).problem(t); p.Errors[0].Field != "pull_secrets_from" {
		t.Fatalf("pulling a missing secret: %+v", p)
	}

	for _, c := range []struct {
		name, alias string
		body        any
		field, rule string
	}{
		{"a reserved key", "evil", map[string]string{"OK": "1", "LD_PRELOAD": "/tmp/evil.so"}, "keys", "reserved_env"},
		{"an invalid name", "evil", map[string]string{"NOT A NAME": "x"}, "keys", "env_name"},
		{"no keys", "evil", map[string]string{}, "keys", "min_items"},
		{"a value that is not a string", "evil", map[string]any{"N": 5}, "N", "schema"},
		{"a bad alias", "Evil_1", map[string]string{"OK": "1"}, "alias", "dns1123_label"},
	} {
		r := e.call("PUT", path+"/"+c.alias, alice.Token, c.body)
		if r.status != 400 {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
			continue
		}
		p := r.problem(t)
		if p.Errors[0].Field != c.field || p.Errors[0].Rule != c.rule || strings.Contains(string(r.body), "/tmp/evil.so") {
			t.Errorf("%s: %s", c.name, r.body)
		}
		if c.rule == "reserved_env" && !strings.Contains(p.Errors[0].Message, "LD_PRELOAD") {
			t.Errorf("%s does not name the key: %s", c.name, r.body)
		}
	}
	// Members use secrets; admins manage them.
	e.must(403, "PUT", path+"/mine", bob.Token, map[string]string{"K": "v"})
	e.must(403, "GET", path, bob.Token, nil)
	e.must(403, "DELETE", path+"/warehouse", bob.Token, nil)
	e.must(404, "PUT", "/v1/stacks/local/namespaces/nope/secrets/x", alice.Token, map[string]string{"K": "v"})

	e.must(204, "DELETE", path+"/warehouse", alice.Token, nil)
	e.must(404, "DELETE", path+"/warehouse", alice.Token, nil)
	if r := e.must(200, "GET", path, alice.Token, nil); strings.TrimSpace(string(r.body)) != "[]" {
		t.Fatalf("after delete: %s", r.body)
	}
}
