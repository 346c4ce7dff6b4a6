package onboard

import (
	"context"
	"fmt"
	"io"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// Changes is what Bootstrap found and did in the member account.
type Changes struct {
	AccountID          string   `json:"account_id"`
	PolicyARN          string   `json:"policy_arn"`
	LifecyclePolicyARN string   `json:"lifecycle_policy_arn"`
	RoleARN            string   `json:"role_arn"`
	Actions            []string `json:"actions"` // as printed, in order; empty when all was up to date
}

// None reports whether everything was already up to date.
func (c Changes) None() bool { return len(c.Actions) == 0 }

// externalIDPattern is what IAM accepts as sts:ExternalId
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

// Bootstrap creates or updates, in the account the credentials belong to,
// OrchesteraAccessPolicy (the customer guide's actions),
// OrchesteraLifecyclePolicy (what destroying and repairing stacks needs
// beyond it) and OrchesteraAccessRole (trusting platformAccountID with
// externalID, with both policies attached). It prints each action as it is taken; a rerun changes
// nothing and says so.
func Bootstrap(ctx context.Context, iamAPI awssdk.IAM, stsAPI awssdk.STS, externalID, platformAccountID string, out io.Writer) (Changes, error) {
	if len(externalID) < 2 || len(externalID) > 1224 || !externalIDPattern.MatchString(externalID) {
		return Changes{}, fmt.Errorf("external id %q: must be 2 to 1224 letters, digits or +=,.@:/-_", externalID)
	}
	if !domain.IsAccountID(platformAccountID) {
		return Changes{}, fmt.Errorf("platform account id %q: must be 12 digits", platformAccountID)
	}
	who, err := stsAPI.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Changes{}, fmt.Errorf("finding the account of the AWS credentials: %w", err)
	}
	acct, caller := aws.ToString(who.Account), aws.ToString(who.Arn)
	fmt.Fprintf(out, "account %s (%s)\n", acct, caller)
	r := &reporter{out: out}
	policyARN := func(name string) string {
		return fmt.Sprintf("arn:%s:iam::%s:policy/%s", awssdk.Partition(caller), acct, name)
	}
	c := Changes{AccountID: acct}
	if c.PolicyARN, err = ensureNamedPolicy(ctx, iamAPI, policyARN(iampolicy.AccessPolicyName), managedPolicy{
		name:        iampolicy.AccessPolicyName,
		description: "Lets Orchestera Platform run Spark on EKS in this account; managed by orchestera",
		want:        iampolicy.AccessPolicy(),
	}, r); err != nil {
		return c, err
	}
	if c.LifecyclePolicyARN, err = ensureNamedPolicy(ctx, iamAPI, policyARN(iampolicy.LifecyclePolicyName), managedPolicy{
		name:        iampolicy.LifecyclePolicyName,
		description: "Lets Orchestera Platform destroy and repair the stacks it builds in this account; managed by orchestera",
		want:        iampolicy.LifecyclePolicy(),
	}, r); err != nil {
		return c, err
	}
	if c.RoleARN, err = ensureAccessRole(ctx, iamAPI, iampolicy.TrustPolicy(platformAccountID, externalID), platformAccountID, r); err != nil {
		return c, err
	}
	for _, arn := range []string{c.PolicyARN, c.LifecyclePolicyARN} {
		if err := ensureRolePolicy(ctx, iamAPI, iampolicy.AccessRoleName, arn, r); err != nil {
			return c, err
		}
	}
	c.Actions = r.actions
	if c.None() {
		fmt.Fprintf(out, "no changes: %s, %s and %s are up to date\n", iampolicy.AccessPolicyName, iampolicy.LifecyclePolicyName, iampolicy.AccessRoleName)
	}
	return c, nil
}

// ensureNamedPolicy reads the customer managed policy at arn and creates or
// updates it (ensurePolicy).
func ensureNamedPolicy(ctx context.Context, api awssdk.IAM, arn string, p managedPolicy, r *reporter) (string, error) {
	var existing *types.Policy
	got, err := api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	switch {
	case err == nil:
		existing = got.Policy
	case !awssdk.IsNotFound(err):
		return "", fmt.Errorf("reading policy %s: %w", arn, err)
	}
	return ensurePolicy(ctx, api, existing, p, r)
}

// ensureAccessRole creates OrchesteraAccessRole with trust, or replaces its
// trust policy when it differs, and returns the role's ARN.
func ensureAccessRole(ctx context.Context, api awssdk.IAM, trust iampolicy.Document, platformAccountID string, r *reporter) (string, error) {
	name := iampolicy.AccessRoleName
	got, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if awssdk.IsNotFound(err) {
		created, err := api.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String(name),
			AssumeRolePolicyDocument: aws.String(string(trust.JSON())),
			Description:              aws.String(fmt.Sprintf("Lets Orchestera Platform (account %s) run Spark on EKS in this account; managed by orchestera", platformAccountID)),
			Tags:                     []types.Tag{managedByTag},
		})
		if err != nil {
			return "", fmt.Errorf("creating role %s: %w", name, err)
		}
		arn := aws.ToString(created.Role.Arn)
		r.did("created role %s (trusts account %s with the external id)", arn, platformAccountID)
		return arn, nil
	}
	if err != nil {
		return "", fmt.Errorf("reading role %s: %w", name, err)
	}
	arn := aws.ToString(got.Role.Arn)
	current, parseErr := iampolicy.Decode(aws.ToString(got.Role.AssumeRolePolicyDocument))
	if parseErr == nil && iampolicy.Equal(current, trust) {
		r.already("role %s already trusts account %s with the external id", arn, platformAccountID)
		return arn, nil
	}
	if _, err := api.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
		RoleName: aws.String(name), PolicyDocument: aws.String(string(trust.JSON())),
	}); err != nil {
		return "", fmt.Errorf("updating the trust policy of role %s: %w", name, err)
	}
	why := iampolicy.DescribeChange(current, trust)
	if parseErr != nil {
		why = "the old trust policy could not be read: " + parseErr.Error()
	}
	r.did("updated trust policy of %s (%s)", name, why)
	return arn, nil
}

// ensureRolePolicy attaches the managed policy to the role unless it is.
func ensureRolePolicy(ctx context.Context, api awssdk.IAM, role, policyARN string, r *reporter) error {
	pages := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing policies attached to role %s: %w", role, err)
		}
		for _, p := range page.AttachedPolicies {
			if aws.ToString(p.PolicyArn) == policyARN {
				r.already("policy %s is already attached to role %s", policyARN, role)
				return nil
			}
		}
	}
	if _, err := api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(policyARN)}); err != nil {
		return fmt.Errorf("attaching policy %s to role %s: %w", policyARN, role, err)
	}
	r.did("attached policy %s to role %s", policyARN, role)
	return nil
}

// reporter prints actions as they are taken and keeps them; "already" lines
// are printed only when verbose (bootstrap-management prints them, bootstrap
// sums them up in one "no changes" line).
type reporter struct {
	out     io.Writer
	verbose bool
	actions []string
}

func (r *reporter) did(format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	r.actions = append(r.actions, line)
	fmt.Fprintln(r.out, line)
}

func (r *reporter) already(format string, a ...any) {
	if r.verbose {
		fmt.Fprintf(r.out, format+"\n", a...)
	}
}

// note prints progress that is not a change.
func (r *reporter) note(format string, a ...any) { fmt.Fprintf(r.out, format+"\n", a...) }
