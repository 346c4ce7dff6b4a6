package domain

import (
	"strings"
	"testing"
)

func TestStackNamesAndOptions(t *testing.T) {
	for _, ok := range []string{"etl", "prod-eu-1", "a23456789012345678901234567890bc"} {
		if err := ValidateStackName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"ab", "Etl", "1etl", "etl-", "e_tl", "a234567890123456789012345678901cd"} {
		if err := ValidateStackName(bad); ErrorCode(err) != CodeInvalid {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := (StackOptions{}).WithDefaults().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	cases := map[string]StackOptions{
		"kubernetes_version": {KubernetesVersion: "latest"},
		"system_node_type":   {SystemNodeType: "large"},
		"system_node_count":  {SystemNodeCount: 50},
		"capacity_types":     {CapacityTypes: []string{"reserved"}},
		"instance_families":  {InstanceFamilies: []string{"M6I"}},
		"capacity_types ":    {CapacityTypes: []string{"spot", "spot"}},
		"instance_families ": {InstanceFamilies: []string{"m6i", "r6i", "m6i"}},
	}
	for field, o := range cases {
		err := o.WithDefaults().Validate()
		if e, ok := err.(*Error); !ok || e.Fields[0].Field != strings.TrimSpace(field) {
			t.Errorf("%s: %v", field, err)
		}
	}
}
