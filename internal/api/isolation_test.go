package api_test

import (
	"bytes"
	"context"

	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/domain"
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
	bob := e.join("bob", "bob@example.com")
	var pending api.Invitation
	e.must(201, "POST", "/v1/invitations", alice.Token, map[string]any{"email": "carol@example.com", "role": "admin"}).decode(t, &pending)
	var tok api.NewToken
	e.must(201, "POST", "/v1/tokens", alice.Token, map[string]any{"name": "secret-project-laptop"}).decode(t, &tok)
	if err := e.Stacks.EnsureLocal(context.Background(), alice.Organization.ID); err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	var run api.Run
	e.must(201, "POST", "/v1/stacks/local/namespaces/default/runs", alice.Token, runBody(project, "secret-pipeline")).decode(t, &run)
	e.must(200, "PUT", "/v1/stacks/local/namespaces/default/secrets/warehouse", alice.Token, map[string]string{"ALICE_WAREHOUSE_PASSWORD": "alice-s3cr3t-value"})
	var conn api.Connection
	e.must(201, "POST", "/v1/aws-connections", alice.Token, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/AliceSecretRole"}).decode(t, &conn)
	e.Verifier.Set(domain.Check{Name: "assume_role", Status: domain.CheckPass, Evidence: "assumed"})
	e.must(200, "POST", "/v1/aws-connections/"+conn.ID+"/verify", alice.Token, nil)
	// A cluster stack's datasource, on a draft stack of the connection.
	e.must(201, "POST", "/v1/stacks", alice.Token, map[string]any{"name": "etl", "connection_id": conn.ID})
	e.must(200, "PUT", "/v1/stacks/etl/namespaces/spark/datasources/warehouse", alice.Token, map[string]any{"kind": "s3", "bucket": "alice-secret-bucket"})
	mallory := e.signIn("mallory", "mallory@example.com")

	// Ids of alice's organization by path parameter name, and what of each
	// object must never appear in an answer to mallory.
	targets := map[string][]struct{ id, secret string }{
		"user_id":       {{bob.User.ID, "bob@example.com"}, {alice.User.ID, "alice@example.com"}},
		"invitation_id": {{pending.ID, "carol@example.com"}, {inv.ID, "bob@example.com"}},
		"token_id":      {{tok.ID, "secret-project-laptop"}},
		"run_id":        {{run.ID, "secret-pipeline"}},
		"connection_id": {{conn.ID, "AliceSecretRole"}},
		"stack":         {{"local", project}},
		"namespace":     {{"default", project}},
		"alias":         {{"warehouse", "ALICE_WAREHOUSE_PASSWORD"}},
		"name":          {{"warehouse", "alice-secret-bucket"}},
		"notebook":      {{"explore", "alice-notebook"}},
	}
	// Writes need a valid body, or they would fail validation before the
	// organization check and prove nothing.
	bodies := map[string]any{"runs": runBody(project, "evil"), "namespaces": map[string]any{"name": "evil"}, "connection": map[string]any{"connection_id": conn.ID},
		"{alias}": map[string]string{"MALLORY_KEY": "x"}, "{name}": map[string]any{"kind": "s3", "bucket": "mallory-bucket"},
		"notebooks": map[string]any{"name": "evil", "image": "mallory/evil:1"}}
	snapshot := func() []byte {
		var b bytes.Buffer
		for _, p := range []string{"/v1/members", "/v1/invitations", "/v1/tokens", "/v1/organization", "/v1/stacks", "/v1/stacks/local/namespaces", "/v1/stacks/local/namespaces/default/secrets", "/v1/stacks/etl/datasources", "/v1/runs", "/v1/runs/" + run.ID,
			"/v1/aws-connections/" + conn.ID, "/v1/aws-connections/" + conn.ID + "/events", "/v1/audit", "/v1/aws/external-id"} {
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
		// Each route is called once per object of its last parameter; the
		// other parameters take their first object.
		last := names[len(names)-1][1]
		if len(targets[last]) == 0 {
			t.Fatalf("%s takes {%s}: add an object of that kind to this test", route, last)
		}
		for i := range targets[last] {
			url, secrets := path, []string{alice.Organization.ID}
			for j, name := range names {
				objs, ok := targets[name[1]]
				if !ok {
					t.Fatalf("%s takes {%s}: add an object of that kind to this test", route, name[1])
				}
				obj := objs[0]
				if j == len(names)-1 {
					obj = objs[i]
				}
				url = strings.Replace(url, name[0], obj.id, 1)
				secrets = append(secrets, obj.secret)
			}
			body := bodies[path[strings.LastIndex(path, "/")+1:]]
			if body == nil {
				body = map[string]any{}
			}
			r := e.call(method, url, mallory.Token, body)
			if r.status != http.StatusNotFound {
				t.Errorf("%s %s as another organization = %d, want 404: %s", method, url, r.status, r.body)
			}
			for _, secret := range append(secrets, "alice-s3cr3t-value") {
				if bytes.Contains(r.body, []byte(secret)) {
					t.Errorf("%s %s leaked %q of the other organization: %s", method, url, secret, r.body)
				}
			}
			covered++
		}
	}
	if covered < 22 {
		t.Fatalf("only %d cross-organization calls were made; the walk found too few routes", covered)
	}
	if after := snapshot(); !bytes.Equal(before, after) {
		t.Fatalf("another organization's calls changed alice's organization:\nbefore %s\nafter  %s", before, after)
	}
}

func runBody(project, app string) map[string]any {
	return map[string]any{"classpath": "example.spark.application.HelloWorld", "application_name": app, "project": project}
}
