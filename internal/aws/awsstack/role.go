package awsstack

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// roleSpec is one IAM role a stack owns.
type roleSpec struct {
	name, description string
	trust             iampolicy.Document
	managed           []string                      // AWS managed policy names, attached
	inline            map[string]iampolicy.Document // inline policies by name
	tags              map[string]string             // default: the stack's
	exactInline       bool                          // delete inline policies inline does not list
}

// ensureRole creates the role or brings ours in line with r, and returns its
// ARN. Only what r lists is added: policies attached by someone else are
// left alone. Inline policies are written every time (PutRolePolicy is
// idempotent, and iam:GetRolePolicy is not in OrchesteraAccessPolicy).
func ensureRole(ctx context.Context, api awssdk.IAM, spec StackSpec, r roleSpec) (string, error) {
	if r.tags == nil {
		r.tags = spec.Tags()
	}
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.name)})
	var role *iamtypes.Role
	switch {
	case awssdk.IsNotFound(err):
		c, err := api.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName: aws.String(r.name), Description: aws.String(r.description),
			AssumeRolePolicyDocument: aws.String(string(r.trust.JSON())), Tags: awssdk.IAMTags(r.tags),
		})
		if err != nil {
			return "", fmt.Errorf("creating role %s: %w", r.name, err)
		}
		role = c.Role
	case err != nil:
		return "", fmt.Errorf("reading role %s: %w", r.name, err)
	default:
		role = out.Role
		tags := awssdk.FromIAMTags(role.Tags)
		if err := spec.checkOwned("IAM role", r.name, tags); err != nil {
			return "", err
		}
		if !sameTags(tags, r.tags) {
			if _, err := api.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(r.name), Tags: awssdk.IAMTags(r.tags)}); err != nil {
				return "", fmt.Errorf("tagging role %s: %w", r.name, err)
			}
		}
		current, perr := iampolicy.Decode(aws.ToString(role.AssumeRolePolicyDocument))
		if perr != nil || !iampolicy.Equal(current, r.trust) {
			if _, err := api.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
				RoleName: aws.String(r.name), PolicyDocument: aws.String(string(r.trust.JSON())),
			}); err != nil {
				return "", fmt.Errorf("updating the trust policy of role %s: %w", r.name, err)
			}
		}
	}
	arn := aws.ToString(role.Arn)
	attached, err := attachedPolicies(ctx, api, r.name)
	if err != nil {
		return "", err
	}
	for _, p := range r.managed {
		parn := managedPolicyARN(arn, p)
		if attached[parn] {
			continue
		}
		if _, err := api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r.name), PolicyArn: aws.String(parn)}); err != nil {
			return "", fmt.Errorf("attaching policy %s to role %s: %w", parn, r.name, err)
		}
	}
	if r.exactInline {
		if err := pruneInline(ctx, api, r.name, r.inline); err != nil {
			return "", err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(r.inline)) {
		if _, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(r.name), PolicyName: aws.String(name), PolicyDocument: aws.String(string(r.inline[name].JSON())),
		}); err != nil {
			return "", fmt.Errorf("writing inline policy %s of role %s: %w", name, r.name, err)
		}
	}
	return arn, nil
}

// managedPolicyARN is the ARN of an AWS managed policy in the partition of
// roleARN (arn:aws:..., arn:aws-cn:..., arn:aws-us-gov:...).
func managedPolicyARN(roleARN, name string) string {
	return "arn:" + awssdk.Partition(roleARN) + ":iam::aws:policy/" + name
}

func attachedPolicies(ctx context.Context, api awssdk.IAM, role string) (map[string]bool, error) {
	got := map[string]bool{}
	p := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing policies attached to role %s: %w", role, err)
		}
		for _, a := range page.AttachedPolicies {
			got[aws.ToString(a.PolicyArn)] = true
		}
	}
	return got, nil
}

// destroyRole deletes our role after what blocks DeleteRole: its instance
// profile memberships, attached and inline policies. Absent is success; a
// role that is not ours is left alone.
func destroyRole(ctx context.Context, api awssdk.IAM, spec StackSpec, name string) error {
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if awssdk.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading role %s: %w", name, err)
	}
	if !spec.owns(awssdk.FromIAMTags(out.Role.Tags)) {
		return nil
	}
	profiles, err := api.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("listing instance profiles of role %s: %w", name, err)
	}
	for _, ip := range profiles.InstanceProfiles {
		if _, err := api.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{
			RoleName: aws.String(name), InstanceProfileName: ip.InstanceProfileName,
		}); err != nil && !awssdk.IsNotFound(err) {
			return fmt.Errorf("removing role %s from instance profile %s: %w", name, aws.ToString(ip.InstanceProfileName), err)
		}
	}
	attached, err := attachedPolicies(ctx, api, name)
	if err != nil {
		return err
	}
	for _, arn := range slices.Sorted(maps.Keys(attached)) {
		// iam:DetachRolePolicy is not in OrchesteraAccessPolicy
		// (GuideGaps reports it); without it this fails with AccessDenied.
		if _, err := api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)}); err != nil && !awssdk.IsNotFound(err) {
			return fmt.Errorf("detaching policy %s from role %s: %w", arn, name, err)
		}
	}
	inline, err := api.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("listing inline policies of role %s: %w", name, err)
	}
	for _, p := range inline.PolicyNames {
		if _, err := api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)}); err != nil && !awssdk.IsNotFound(err) {
			return fmt.Errorf("deleting inline policy %s of role %s: %w", p, name, err)
		}
	}
	if _, err := api.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)}); err != nil && !awssdk.IsNotFound(err) {
		return fmt.Errorf("deleting role %s: %w", name, err)
	}
	return nil
}
