package iampolicy

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// NamespaceAccess is one /orchestera/sparklith/<cluster>/<namespace>/iams/<alias>
// parameter (the product's contract): an IAM role that only one service
// account of the namespace can assume (IRSA), with its own inline policies
// and tags.
type NamespaceAccess struct {
	ServiceAccountName string              `json:"service_account_name"`
	RoleName           string              `json:"role_name"`
	InlinePolicies     map[string]Document `json:"inline_policies"`
	Tags               map[string]string   `json:"tags"`
}

var (
	iamRoleName    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	iamPolicyName  = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	k8sAccountName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)
)

// ParseAccess reads and checks a parameter's JSON, saying what is wrong in
// the terms of the parameter: unknown fields, a missing or bad field, an
// invalid policy document, a tag IAM or the platform reserves.
func ParseAccess(value string) (NamespaceAccess, error) {
	var a NamespaceAccess
	dec := json.NewDecoder(strings.NewReader(value))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return a, fmt.Errorf(`not the JSON object {"service_account_name", "role_name", "inline_policies", "tags"}: %v`, err)
	}
	switch {
	case !k8sAccountName.MatchString(a.ServiceAccountName):
		return a, fmt.Errorf("service_account_name %q is not a Kubernetes service account name (lowercase letters, digits, '-' and '.')", a.ServiceAccountName)
	case len(a.RoleName) > 64:
		return a, fmt.Errorf("role_name is %d characters; IAM allows 64", len(a.RoleName))
	case !iamRoleName.MatchString(a.RoleName):
		return a, fmt.Errorf("role_name %q is not an IAM role name (letters, digits and +=,.@_-)", a.RoleName)
	case len(a.Tags) > 40:
		return a, fmt.Errorf("%d tags; at most 40 (IAM allows 50, the platform adds its own)", len(a.Tags))
	}
	for _, name := range slices.Sorted(maps.Keys(a.InlinePolicies)) {
		if !iamPolicyName.MatchString(name) {
			return a, fmt.Errorf("inline policy name %q is not an IAM policy name", name)
		}
		if err := ValidateIdentityPolicy(a.InlinePolicies[name]); err != nil {
			return a, fmt.Errorf("inline policy %s: %v", name, err)
		}
	}
	for k, v := range a.Tags {
		switch {
		case k == "" || len(k) > 128 || len(v) > 256:
			return a, fmt.Errorf("tag %q: keys are 1-128 characters, values at most 256", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:") || strings.HasPrefix(k, "orchestera.io/"):
			return a, fmt.Errorf("tag %q: the aws: and orchestera.io/ prefixes are reserved", k)
		}
	}
	return a, nil
}
