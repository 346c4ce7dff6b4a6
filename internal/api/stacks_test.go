package api_test

import (
	"testing"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/domain"
)

func TestCreatingAWSStacks(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("alice", "alice@example.com")
	var conn api.Connection
	e.must(201, "POST", "/v1/aws-connections", admin.Token, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/OrchesteraAccessRole", "regions": []string{"us-east-1"}}).decode(t, &conn)
	body := func(name string, extra map[string]any) map[string]any {
		b := map[string]any{"name": name, "connection_id": conn.ID}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	if r := e.must(409, "POST", "/v1/stacks", admin.Token, body("etl", nil)); r.problem(t).Code != "conflict" {
		t.Fatalf("unverified connection: %s", r.body)
	}
	e.Verifier.Set(domain.Check{Name: "assume_role", Status: domain.CheckPass})
	e.must(200, "POST", "/v1/aws-connections/"+conn.ID+"/verify", admin.Token, nil)

	for _, c := range []struct {
		body        map[string]any
		field, rule string
	}{
		{body("Etl", nil), "name", "stack_name"},
		{body("e", nil), "name", "stack_name"},
		{body("etl-", nil), "name", "stack_name"},
		{body("etl", map[string]any{"region": "eu-west-1"}), "region", "connection_region"},
		{body("etl", map[string]any{"connection_id": "conn_nope"}), "connection_id", "exists"},
		{body("etl", map[string]any{"namespaces": []string{"Bad_NS"}}), "namespaces", "dns1123_label"},
		{body("etl", map[string]any{"namespaces": []string{"default"}}), "namespaces", "not_reserved"},
		{body("etl", map[string]any{"namespaces": []string{"etl", "etl"}}), "namespaces", "unique"},
		{body("etl", map[string]any{"options": map[string]any{"system_node_count": 99}}), "system_node_count", "range"},
		// 0 used to become the default (2 nodes, 256 vCPUs) silently.
		{body("etl", map[string]any{"options": map[string]any{"system_node_count": 0}}), "system_node_count", "minimum"},
		{body("etl", map[string]any{"options": map[string]any{"spark_cpu_limit": -4}}), "spark_cpu_limit", "minimum"},
		{body("etl", map[string]any{"options": map[string]any{"capacity_types": []string{"reserved"}}}), "capacity_types", "enum"},
	} {
		r := e.must(400, "POST", "/v1/stacks", admin.Token, c.body)
		if f := r.problem(t).Errors[0]; f.Field != c.field || f.Rule != c.rule {
			t.Errorf("%v: %+v, want %s/%s", c.body, f, c.field, c.rule)
		}
	}
	var stacks []api.Stack
	e.must(200, "GET", "/v1/stacks", admin.Token, nil).decode(t, &stacks)
	if len(stacks) != 0 {
		t.Fatalf("refused creations left %d stacks", len(stacks))
	}

	var st api.Stack
	e.must(201, "POST", "/v1/stacks", admin.Token, body("etl", map[string]any{"namespaces": []string{"etl", "reports"}})).decode(t, &st)
	if st.State != "draft" || st.Region != "us-east-1" || st.Options == nil || st.Options.KubernetesVersion == "" || st.Options.SystemNodeCount != 2 {
		t.Fatalf("created %+v", st)
	}
	e.must(409, "POST", "/v1/stacks", admin.Token, body("etl", nil))
	var nss []api.Namespace
	e.must(200, "GET", "/v1/stacks/etl/namespaces", admin.Token, nil).decode(t, &nss)
	if len(nss) != 2 {
		t.Fatalf("namespaces = %+v", nss)
	}
	var evs []api.StackEvent
	e.must(200, "GET", "/v1/stacks/etl/events", admin.Token, nil).decode(t, &evs)
	if len(evs) != 1 || evs[0].Status != "draft" {
		t.Fatalf("events = %+v", evs)
	}
}
