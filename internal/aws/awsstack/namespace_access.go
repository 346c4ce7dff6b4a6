package awsstack

import (
	"context"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// TagNamespace and TagAlias say which parameter a namespace role is for.
const (
	TagNamespace = "orchestera.io/namespace"
	TagAlias     = "orchestera.io/alias"
)

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
func EnsureAccessRole(ctx context.Context, api awssdk.IAM, spec StackSpec, o OIDCOutputs, namespace, alias string, a iampolicy.NamespaceAccess) (string, error) {
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
