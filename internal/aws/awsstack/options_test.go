package awsstack

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/orchestera/orchestera/internal/domain"
)

// TestPlanChecksOptionsAgainstAWS: instance types and families against
// moto's EC2 catalogue; Kubernetes versions against a fake EKS, since moto
// has no DescribeClusterVersions (its answer is the fallback list's case).
func TestPlanChecksOptionsAgainstAWS(t *testing.T) {
	c := Clients{EC2: ec2.NewFromConfig(startStackMoto(t))}
	stack := func(o domain.StackOptions) domain.Stack { return domain.Stack{Region: "us-east-1", Options: o} }
	for _, tc := range []struct {
		name     string
		opts     domain.StackOptions
		versions []string
		field    string
		says     []string
	}{
		{"the defaults", domain.StackOptions{}, nil, "", nil},
		{"an offered version", domain.StackOptions{KubernetesVersion: "1.33"}, []string{"1.32", "1.33"}, "", nil},
		{"a version EKS does not offer", domain.StackOptions{KubernetesVersion: "1.31"}, []string{"1.33", "1.32"}, "kubernetes_version", []string{"1.31", "1.32, 1.33"}},
		{"a version outside the fallback list", domain.StackOptions{KubernetesVersion: "1.19"}, nil, "kubernetes_version", []string{"1.29"}},
		{"an unknown node type", domain.StackOptions{SystemNodeType: "m6i.hyper"}, nil, "system_node_type", []string{"m6i.hyper", "m6i.large"}},
		{"an unknown family", domain.StackOptions{InstanceFamilies: []string{"m6i", "zz9"}}, nil, "instance_families", []string{"zz9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.EKS = &fakeEKS{versions: tc.versions}
			err := validateOptions(testCtx(t), c, stack(tc.opts))
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.CodeInvalid || de.Fields[0].Field != tc.field {
				t.Fatalf("err = %v, want invalid %s", err, tc.field)
			}
			for _, s := range tc.says {
				if !strings.Contains(de.Fields[0].Message, s) {
					t.Errorf("%q does not say %q", de.Fields[0].Message, s)
				}
			}
		})
	}
}
