package awsstack

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// NamespaceAccess is one /orchestera/sparklith/<cluster>/<namespace>/iams/<alias>
// parameter: an IAM role that only one service account of the namespace
// can assume (IRSA), with its own inline policies and tags.
type NamespaceAccess struct {
	ServiceAccountName string                        `json:"service_account_name"`
	RoleName           string                        `json:"role_name"`
	InlinePolicies     map[string]iampolicy.Document `json:"inline_policies"`
	Tags               map[string]string             `json:"tags"`
}

var (
	iamRoleName    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	iamPolicyName  = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	k8sAccountName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)
)

// TagNamespace and TagAlias say which parameter a namespace role is for.
const (
	TagNamespace = "orchestera.io/namespace"
	TagAlias     = "orchestera.io/alias"
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
		if err := iampolicy.ValidateIdentityPolicy(a.InlinePolicies[name]); err != nil {
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

// accessTrust lets only the namespace's service account assume the role,
// through the cluster's OIDC provider.
func accessTrust(o OIDCOutputs, namespace, account string) iampolicy.Document {
	return iampolicy.Document{Version: iampolicy.Version, Statement: iampolicy.Statements{{
		Effect:    "Allow",
		Principal: &iampolicy.Principal{Map: map[string]iampolicy.StringList{"Federated": {o.ProviderARN}}},
		Action:    iampolicy.StringList{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]iampolicy.StringList{"StringEquals": {
			o.Issuer + ":sub": {"system:serviceaccount:" + namespace + ":" + account},
			o.Issuer + ":aud": {stsAudience},
		}},
	}}}
}

// EnsureAccessRole creates or brings in line the role of one parameter:
// its trust, its inline policies (exactly those the parameter lists) and
// its tags with the stack's. A role of that name that is not the stack's is
// refused. It returns the role's ARN.
func EnsureAccessRole(ctx context.Context, api awssdk.IAM, spec StackSpec, o OIDCOutputs, namespace, alias string, a NamespaceAccess) (string, error) {
	tags := maps.Clone(a.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	maps.Copy(tags, spec.Tags())
	tags[TagNamespace], tags[TagAlias] = namespace, alias
	arn, err := ensureRole(ctx, api, spec, roleSpec{
		name: a.RoleName, description: "Orchestera: service account " + a.ServiceAccountName + " of namespace " + namespace + " (" + spec.StackName + ")",
		trust: accessTrust(o, namespace, a.ServiceAccountName), inline: a.InlinePolicies, tags: tags, exactInline: true,
	})
	return arn, err
}

// DestroyAccessRole deletes a parameter's role if it is the stack's.
func DestroyAccessRole(ctx context.Context, api awssdk.IAM, spec StackSpec, name string) error {
	return destroyRole(ctx, api, spec, name)
}

// pruneInline deletes the role's inline policies that want does not list.
func pruneInline(ctx context.Context, api awssdk.IAM, role string, want map[string]iampolicy.Document) error {
	got, err := api.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return fmt.Errorf("listing inline policies of role %s: %w", role, err)
	}
	for _, p := range got.PolicyNames {
		if _, ok := want[p]; ok {
			continue
		}
		if _, err := api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(p)}); err != nil && !awssdk.IsNotFound(err) {
			return fmt.Errorf("deleting inline policy %s of role %s: %w", p, role, err)
		}
	}
	return nil
}

// sameTags reports whether the role has at least the wanted tags.
func sameTags(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
