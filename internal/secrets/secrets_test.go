package secrets

import (
	"context"
	"testing"

	"github.com/orchestera/orchestera/internal/domain"
)

// resolver knows one organization's stacks, each with the namespace default.
type resolver struct {
	org    string
	stacks map[string]domain.StackKind
}

func (r resolver) Resolve(_ context.Context, p domain.Principal, stack, namespace string) (domain.Stack, domain.Namespace, error) {
	kind, ok := r.stacks[stack]
	if p.OrgID != r.org || !ok {
		return domain.Stack{}, domain.Namespace{}, domain.NotFound("stack", stack)
	}
	if namespace != "default" {
		return domain.Stack{}, domain.Namespace{}, domain.NotFound("namespace", namespace)
	}
	return domain.Stack{Name: stack, Kind: kind, OrgID: r.org}, domain.Namespace{Name: namespace}, nil
}

type keeper struct{ puts map[string]map[string]string }

func (k *keeper) PutSecret(_ context.Context, st domain.Stack, ns, alias string, kv map[string]string) error {
	k.puts[st.OrgID+"/"+ns+"/"+alias] = kv
	return nil
}
func (k *keeper) ListSecrets(context.Context, domain.Stack, string) ([]domain.SecretInfo, error) {
	return nil, nil
}
func (k *keeper) DeleteSecret(context.Context, domain.Stack, string, string) error { return nil }

func TestRules(t *testing.T) {
	k := &keeper{puts: map[string]map[string]string{}}
	s := New(Config{Stacks: resolver{org: "org_a", stacks: map[string]domain.StackKind{"local": domain.StackLocal, "etl": domain.StackAWS}},
		Keepers: map[domain.StackKind]domain.SecretKeeper{domain.StackLocal: k}})
	ctx := context.Background()
	admin := domain.Principal{OrgID: "org_a", Role: domain.RoleAdmin}
	good := map[string]string{"B": "2", "A": "1"}

	info, err := s.Put(ctx, admin, "local", "default", "db", good)
	if err != nil || info.Alias != "db" || len(info.Keys) != 2 || info.Keys[0] != "A" {
		t.Fatalf("Put = %+v, %v", info, err)
	}
	if k.puts["org_a/default/db"]["B"] != "2" {
		t.Fatalf("the keeper got %+v", k.puts)
	}
	cases := []struct {
		name  string
		p     domain.Principal
		stack string
		alias string
		kv    map[string]string
		code  domain.Code
	}{
		{"a member", domain.Principal{OrgID: "org_a", Role: domain.RoleMember}, "local", "db", good, domain.CodeForbidden},
		{"another organization", domain.Principal{OrgID: "org_b", Role: domain.RoleAdmin}, "local", "db", good, domain.CodeNotFound},
		{"an AWS stack", admin, "etl", "db", good, domain.CodeConflict},
		{"a reserved key", admin, "local", "db", map[string]string{"LD_PRELOAD": "x"}, domain.CodeInvalid},
		{"a bad alias", admin, "local", "DB", good, domain.CodeInvalid},
		// Invalid input is refused before the lookup: no answer tells
		// whether another organization's stack exists.
		{"another organization, bad input", domain.Principal{OrgID: "org_b", Role: domain.RoleAdmin}, "local", "db", map[string]string{"PATH": "x"}, domain.CodeInvalid},
	}
	for _, c := range cases {
		if _, err := s.Put(ctx, c.p, c.stack, "default", c.alias, c.kv); domain.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	if len(k.puts) != 1 {
		t.Errorf("refused writes reached the keeper: %+v", k.puts)
	}
	if _, err := s.List(ctx, domain.Principal{OrgID: "org_a", Role: domain.RoleMember}, "local", "default"); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("a member lists secrets: %v", err)
	}
	if err := s.Delete(ctx, domain.Principal{OrgID: "org_b", Role: domain.RoleAdmin}, "local", "default", "db"); !domain.IsNotFound(err) {
		t.Errorf("another organization deletes: %v", err)
	}
}
