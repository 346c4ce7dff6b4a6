package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orchestera/orchestera/internal/aws/assume"
	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// assume assumes the role with the external ID. AccessDenied on a role
// registered moments ago is retried with backoff while IAM propagates; the
// evidence says that this happened.
func (v *Verifier) assume(ctx context.Context, t domain.VerificationTarget, record assume.Recorder) (aws.Config, domain.Check) {
	in := &sts.AssumeRoleInput{RoleArn: aws.String(t.RoleARN), ExternalId: aws.String(t.ExternalID),
		RoleSessionName: aws.String(assume.SessionName(t.OrgID, "verify")), DurationSeconds: aws.Int32(900)}
	var out *sts.AssumeRoleOutput
	var err error
	retries, wait := 0, 2*time.Second
	deadline := t.RegisteredAt.Add(v.Propagation)
	platform := v.STS(assume.Audited(v.Platform, record))
	for {
		out, err = platform.AssumeRole(ctx, in)
		if err == nil || !awssdk.IsAccessDenied(err) || v.Clock.Now().Add(wait).After(deadline) {
			break
		}
		retries++
		if v.Clock.Sleep(ctx, wait) != nil {
			break
		}
		wait = min(wait*2, 20*time.Second)
	}
	note := ""
	if retries > 0 {
		note = fmt.Sprintf(" (retried %d times while IAM changes to a just-registered role propagate)", retries)
	}
	if err != nil {
		return aws.Config{}, assumeFailure(t, err, note)
	}
	cfg := assume.Audited(v.Platform, record)
	c := out.Credentials
	cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	return cfg, domain.Check{Name: CheckAssumeRole, Status: domain.CheckPass,
		Evidence: fmt.Sprintf("assumed as %s with the external ID%s", aws.ToString(out.AssumedRoleUser.Arn), note)}
}

// assumeFailure classifies why AssumeRole was refused. STS answers the same
// AccessDenied whether the role is missing, does not trust the platform or
// the external ID differs, so those share one verdict with a fix for each;
// an explicit deny names a service control policy or permissions boundary.
func assumeFailure(t domain.VerificationTarget, err error, note string) domain.Check {
	c := domain.Check{Name: CheckAssumeRole, Status: domain.CheckFail, Evidence: explain(err) + note}
	msg := strings.ToLower(err.Error())
	trustFix := fmt.Sprintf("orchestera aws trust-policy --external-id %s --platform-account-id %s", t.ExternalID, t.PlatformAccountID)
	switch {
	case strings.Contains(msg, "explicit deny") || strings.Contains(msg, "service control policy") || strings.Contains(msg, "permissions boundary"):
		c.Fix = "a service control policy or permissions boundary denies sts:AssumeRole on this role: exempt OrchesteraAccessRole in AWS Organizations (management account) or remove the boundary"
	case awssdk.IsAccessDenied(err):
		c.Fix = fmt.Sprintf("either the role %s does not exist (create it: orchestera aws bootstrap --external-id %s), "+
			"or its trust policy does not trust account %s, or its sts:ExternalId differs; its trust policy must be exactly: %s",
			t.RoleARN, t.ExternalID, t.PlatformAccountID, trustFix)
	case awssdk.ErrorCode(err) == "":
		c.Fix = "STS could not be reached from the platform; retry, and check the server's network and AWS credentials"
	default:
		c.Fix = "the platform's own AWS credentials were refused (" + awssdk.ErrorCode(err) + "); check the server's AWS identity"
	}
	return c
}

func (v *Verifier) callerIdentity(ctx context.Context, role aws.Config, t domain.VerificationTarget) domain.Check {
	out, err := v.STS(role).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return domain.Check{Name: CheckCallerIdentity, Status: domain.CheckFail, Evidence: explain(err), Fix: "retry; the assumed credentials were not accepted"}
	}
	got := aws.ToString(out.Account)
	if got != t.AccountID {
		return domain.Check{Name: CheckCallerIdentity, Status: domain.CheckFail,
			Evidence: fmt.Sprintf("the role's credentials act in account %s, not %s", got, t.AccountID),
			Fix:      "register the role of the member account itself"}
	}
	return domain.Check{Name: CheckCallerIdentity, Status: domain.CheckPass, Evidence: fmt.Sprintf("acting as %s in account %s", aws.ToString(out.Arn), got)}
}

func (v *Verifier) trustPolicy(ctx context.Context, role aws.Config, t domain.VerificationTarget) domain.Check {
	_, name, _ := domain.ParseRoleARN(t.RoleARN)
	out, err := v.IAM(role).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return domain.Check{Name: CheckTrustPolicy, Status: domain.CheckFail, Evidence: explain(err), Fix: "OrchesteraAccessPolicy must allow iam:GetRole: orchestera aws policy"}
	}
	doc, err := iampolicy.Decode(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if err != nil {
		return domain.Check{Name: CheckTrustPolicy, Status: domain.CheckFail, Evidence: err.Error(), Fix: "replace the trust policy: orchestera aws trust-policy"}
	}
	problems := iampolicy.LintTrust(doc, t.PlatformAccountID, t.ExternalID)
	if len(problems) == 0 {
		return domain.Check{Name: CheckTrustPolicy, Status: domain.CheckPass,
			Evidence: fmt.Sprintf("trusts only account %s and requires the external ID", t.PlatformAccountID)}
	}
	var ev, fix []string
	for _, p := range problems {
		ev = append(ev, p.Rule+": "+p.Message)
		fix = append(fix, p.Fix)
	}
	return domain.Check{Name: CheckTrustPolicy, Status: domain.CheckFail, Evidence: strings.Join(ev, "; "), Fix: strings.Join(slices.Compact(fix), "; ")}
}

// permissions reads the role's attached policies and checks them twice:
// for the guide's actions (permissions) and for what destroying and
// repairing a stack needs beyond them (can_destroy).
func (v *Verifier) permissions(ctx context.Context, role aws.Config, t domain.VerificationTarget) []domain.Check {
	_, name, _ := domain.ParseRoleARN(t.RoleARN)
	api := v.IAM(role)
	fail := func(err error) []domain.Check {
		return append([]domain.Check{{Name: CheckPermissions, Status: domain.CheckFail, Evidence: explain(err),
			Fix: "OrchesteraAccessPolicy must allow iam:ListAttachedRolePolicies, iam:GetPolicy and iam:GetPolicyVersion: orchestera aws policy"}},
			skipped([]string{CheckCanDestroy}, CheckPermissions)...)
	}
	var docs []iampolicy.Document
	var names []string
	p := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fail(err)
		}
		for _, ap := range page.AttachedPolicies {
			pol, err := api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: ap.PolicyArn})
			if err != nil {
				return fail(err)
			}
			ver, err := api.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: ap.PolicyArn, VersionId: pol.Policy.DefaultVersionId})
			if err != nil {
				return fail(err)
			}
			doc, err := iampolicy.Decode(aws.ToString(ver.PolicyVersion.Document))
			if err != nil {
				return fail(err)
			}
			docs, names = append(docs, doc), append(names, aws.ToString(ap.PolicyName))
		}
	}
	inline, err := api.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return fail(err)
	}
	note := ""
	if len(inline.PolicyNames) > 0 {
		note = fmt.Sprintf("; inline policies %s were not read (the guide's policy does not allow iam:GetRolePolicy)", strings.Join(inline.PolicyNames, ", "))
	}
	return []domain.Check{guidePermissions(docs, names, note), canDestroy(docs, names)}
}

func guidePermissions(docs []iampolicy.Document, names []string, note string) domain.Check {
	required := iampolicy.RequiredActions()
	missing := iampolicy.Missing(required, docs...)
	if len(missing) == 0 {
		return domain.Check{Name: CheckPermissions, Status: domain.CheckPass,
			Evidence: fmt.Sprintf("all %d required actions granted by %s%s", len(required), strings.Join(names, ", "), note)}
	}
	return domain.Check{Name: CheckPermissions, Status: domain.CheckFail, Missing: missing,
		Evidence: fmt.Sprintf("%d of %d required actions are not granted by the attached policies (%s)%s", len(missing), len(required), strings.Join(names, ", "), note),
		Fix:      "attach a policy with this statement (or re-create OrchesteraAccessPolicy: orchestera aws bootstrap): " + statement(missing)}
}

// canDestroy fails up front when the role could build a stack but not take
// it down again: the guide's policy alone lacks what destroying needs.
func canDestroy(docs []iampolicy.Document, names []string) domain.Check {
	needed := iampolicy.LifecycleActions()
	missing := iampolicy.Missing(needed, docs...)
	if len(missing) == 0 {
		return domain.Check{Name: CheckCanDestroy, Status: domain.CheckPass,
			Evidence: fmt.Sprintf("%s granted by %s: stacks can be destroyed and repaired", strings.Join(needed, ", "), strings.Join(names, ", "))}
	}
	return domain.Check{Name: CheckCanDestroy, Status: domain.CheckFail, Missing: missing,
		Evidence: fmt.Sprintf("destroying and repairing a stack needs %s, which the attached policies (%s) do not grant", strings.Join(missing, ", "), strings.Join(names, ", ")),
		Fix: "attach " + iampolicy.LifecyclePolicyName + " (orchestera aws bootstrap creates it; orchestera aws lifecycle-policy prints it), " +
			"or a policy with this statement: " + statement(missing)}
}

// statement is the policy to add for missing, on one line.
func statement(missing []string) string {
	return strings.Join(strings.Fields(string(iampolicy.AddStatement(missing).JSON())), " ")
}

func (v *Verifier) regions(ctx context.Context, role aws.Config, t domain.VerificationTarget) domain.Check {
	out, err := v.EC2(role, t.Regions[0]).DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)})
	if err != nil {
		return domain.Check{Name: CheckRegions, Status: domain.CheckFail, Evidence: explain(err), Fix: "OrchesteraAccessPolicy must allow ec2:*: orchestera aws policy"}
	}
	status := map[string]string{}
	for _, r := range out.Regions {
		status[aws.ToString(r.RegionName)] = aws.ToString(r.OptInStatus)
	}
	var ev []string
	for _, r := range t.Regions {
		st, ok := status[r]
		if !ok || st == "not-opted-in" {
			return domain.Check{Name: CheckRegions, Status: domain.CheckFail, Evidence: r + " is not enabled in the account",
				Fix: "enable " + r + " in the AWS console (Account > AWS Regions), or register the connection with another region"}
		}
		azs, err := v.EC2(role, r).DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
			Filters: []ec2types.Filter{{Name: aws.String("zone-type"), Values: []string{"availability-zone"}}}})
		if err != nil {
			return domain.Check{Name: CheckRegions, Status: domain.CheckFail, Evidence: r + ": " + explain(err), Fix: "OrchesteraAccessPolicy must allow ec2:*"}
		}
		var names []string
		for _, z := range azs.AvailabilityZones {
			if z.State == ec2types.AvailabilityZoneStateAvailable {
				names = append(names, aws.ToString(z.ZoneName))
			}
		}
		if len(names) < 2 {
			return domain.Check{Name: CheckRegions, Status: domain.CheckFail, Evidence: fmt.Sprintf("%s has %d available zones", r, len(names)),
				Fix: "a stack spreads over at least two availability zones; choose another region"}
		}
		ev = append(ev, fmt.Sprintf("%s: %s", r, strings.Join(names, ", ")))
	}
	return domain.Check{Name: CheckRegions, Status: domain.CheckPass, Evidence: strings.Join(ev, "; ")}
}
