package awsstack

import (
	"errors"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/domain"
)

func TestStackSpecNamesAndTags(t *testing.T) {
	s := testStack("prod")
	if got := s.Name("network"); got != "orchestera-prod-network" {
		t.Errorf("Name = %s", got)
	}
	if got := s.Tags(); len(got) != 3 || got[TagOrg] != "org_7Kq2" || got[TagStack] != "prod" || got[TagManagedBy] != "orchestera" {
		t.Errorf("Tags = %v", got)
	}
	// The longest name the domain allows (32) makes names that all fit:
	// orchestera-<stack>-cluster-role (and node-profile) stay within 63.
	s.StackName = strings.Repeat("a", 32)
	if err := s.Validate(); err != nil {
		t.Errorf("a 32-character stack name: %v", err)
	}
	for _, p := range namedParts {
		if n := s.Name(p); len(n) > maxNameLength {
			t.Errorf("%s has %d characters", n, len(n))
		}
	}
}

func TestStackSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*StackSpec)
		field string
	}{
		{"no org", func(s *StackSpec) { s.OrgID = "" }, "org_id"},
		{"upper case stack", func(s *StackSpec) { s.StackName = "Prod" }, "stack_name"},
		{"IAM names over 63 characters", func(s *StackSpec) { s.StackName = strings.Repeat("a", 40) }, "stack_name"},
		{"no region", func(s *StackSpec) { s.Region = "" }, "region"},
		{"version", func(s *StackSpec) { s.KubernetesVersion = "v1.31" }, "kubernetes_version"},
		{"one AZ", func(s *StackSpec) { s.AZs = s.AZs[:1] }, "azs"},
		{"same AZ twice", func(s *StackSpec) { s.AZs = []string{"us-east-1a", "us-east-1a"} }, "azs"},
		{"seven AZs", func(s *StackSpec) { s.AZs = []string{"a", "b", "c", "d", "e", "f", "g"} }, "azs"},
		{"no node type", func(s *StackSpec) { s.SystemNodeType = "" }, "system_node_type"},
		{"no nodes", func(s *StackSpec) { s.SystemNodeCount = 0 }, "system_node_count"},
		{"VPC too small", func(s *StackSpec) { s.VPCCIDR = "10.0.0.0/24" }, "vpc_cidr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testStack("prod")
			tc.edit(&s)
			err := s.Validate()
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.CodeInvalid || de.Fields[0].Field != tc.field {
				t.Fatalf("Validate = %v, want invalid %s", err, tc.field)
			}
		})
	}
}

func TestNotOwnedIsAConflict(t *testing.T) {
	s := testStack("prod")
	err := s.checkOwned("IAM role", "orchestera-prod-node-role", map[string]string{TagStack: "prod", TagOrg: "org_other"})
	wantNotOwned(t, err)
	if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), "refusing to adopt") {
		t.Errorf("err = %v (code %s)", err, domain.ErrorCode(err))
	}
	if s.checkOwned("IAM role", "x", s.Tags()) != nil {
		t.Error("our own tags are refused")
	}
}
