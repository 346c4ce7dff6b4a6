package awsx

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orchestera/orchestera/internal/domain"
)

// The verification checks, in the order they are reported.
const (
	CheckARN            = "role_arn"
	CheckAssumeRole     = "assume_role"
	CheckCallerIdentity = "caller_identity"
	CheckTrustPolicy    = "trust_policy"
	CheckPermissions    = "permissions"
	CheckRegions        = "regions"
)

// VerifySTSAPI is what verification asks STS: AssumeRole as the platform,
// GetCallerIdentity as the role.
type VerifySTSAPI interface {
	AssumeRole(context.Context, *sts.AssumeRoleInput, ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// RoleReadAPI is what the verification reads as the customer's role.
type RoleReadAPI interface {
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	ListRolePolicies(context.Context, *iam.ListRolePoliciesInput, ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error)
	GetPolicy(context.Context, *iam.GetPolicyInput, ...func(*iam.Options)) (*iam.GetPolicyOutput, error)
	GetPolicyVersion(context.Context, *iam.GetPolicyVersionInput, ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error)
}

// RegionAPI reads regions and availability zones.
type RegionAPI interface {
	DescribeRegions(context.Context, *ec2.DescribeRegionsInput, ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
	DescribeAvailabilityZones(context.Context, *ec2.DescribeAvailabilityZonesInput, ...func(*ec2.Options)) (*ec2.DescribeAvailabilityZonesOutput, error)
}

// Verifier implements domain.RoleVerifier with the AWS SDK: it assumes the
// customer's role from the platform identity and checks what the guide asks.
type Verifier struct {
	// Platform is the server's own AWS configuration.
	Platform aws.Config
	// Propagation is how long AccessDenied is retried on a role registered
	// less than that long ago: IAM changes take time to reach STS.
	Propagation time.Duration
	// Sleep waits between retries and Now tells the time; tests replace
	// both with a fake clock.
	Sleep func(context.Context, time.Duration) error
	Now   func() time.Time

	// Clients, replaceable by fakes in tests.
	STS     func(aws.Config) VerifySTSAPI
	IAM     func(aws.Config) RoleReadAPI
	Regions func(cfg aws.Config, region string) RegionAPI
}

// NewVerifier returns a Verifier that uses the SDK's clients.
func NewVerifier(platform aws.Config) *Verifier {
	return &Verifier{
		Platform: platform, Propagation: 2 * time.Minute, Sleep: sleepCtx, Now: time.Now,
		STS: func(c aws.Config) VerifySTSAPI { return sts.NewFromConfig(c) },
		IAM: func(c aws.Config) RoleReadAPI { return iam.NewFromConfig(c) },
		Regions: func(c aws.Config, region string) RegionAPI {
			return ec2.NewFromConfig(c, func(o *ec2.Options) { o.Region = region })
		},
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var _ domain.RoleVerifier = (*Verifier)(nil)

// Verify runs the checks: the ARN, then assuming the role, then four
// independent checks in parallel as the role. A check that cannot run
// because an earlier one failed is reported as skipped, never omitted.
func (v *Verifier) Verify(ctx context.Context, t domain.VerificationTarget) []domain.Check {
	arn := checkARN(t)
	dependents := []string{CheckAssumeRole, CheckCallerIdentity, CheckTrustPolicy, CheckPermissions, CheckRegions}
	if arn.Status != domain.CheckPass {
		return append([]domain.Check{arn}, skipped(dependents, CheckARN)...)
	}
	role, assumed := v.assume(ctx, t)
	if assumed.Status != domain.CheckPass {
		return append([]domain.Check{arn, assumed}, skipped(dependents[1:], CheckAssumeRole)...)
	}
	checks := []func() domain.Check{
		func() domain.Check { return v.callerIdentity(ctx, role, t) },
		func() domain.Check { return v.trustPolicy(ctx, role, t) },
		func() domain.Check { return v.permissions(ctx, role, t) },
		func() domain.Check { return v.regions(ctx, role, t) },
	}
	out := make([]domain.Check, len(checks))
	var wg sync.WaitGroup
	for i, run := range checks {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = run() }()
	}
	wg.Wait()
	return append([]domain.Check{arn, assumed}, out...)
}

func checkARN(t domain.VerificationTarget) domain.Check {
	account, name, err := domain.ParseRoleARN(t.RoleARN)
	if err != nil {
		return domain.Check{Name: CheckARN, Status: domain.CheckFail, Evidence: t.RoleARN + " is not an IAM role ARN",
			Fix: "register the ARN of OrchesteraAccessRole, e.g. arn:aws:iam::123456789012:role/OrchesteraAccessRole"}
	}
	return domain.Check{Name: CheckARN, Status: domain.CheckPass, Evidence: fmt.Sprintf("role %s in account %s", name, account)}
}

func skipped(names []string, after string) []domain.Check {
	out := make([]domain.Check, len(names))
	for i, n := range names {
		out[i] = domain.Check{Name: n, Status: domain.CheckSkip, Evidence: "not run: " + after + " failed"}
	}
	return out
}

// audited records a call made for the target and passes its error on.
func audited(t domain.VerificationTarget, action string, err error) error {
	outcome := "ok"
	if err != nil {
		if outcome = ErrorCode(err); outcome == "" {
			outcome = "error"
		}
	}
	if t.Audit != nil {
		t.Audit(action, outcome)
	}
	return err
}

var sessionUnsafe = regexp.MustCompile(`[^\w+=,.@-]`)

// sessionName identifies organization and operation in the customer's
// CloudTrail: orchestera-<org id>-verify, within STS's 64 characters.
func sessionName(orgID, operation string) string {
	name := sessionUnsafe.ReplaceAllString("orchestera-"+orgID+"-"+operation, "-")
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

func explain(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "api error "); i >= 0 {
		msg = msg[i+len("api error "):]
	}
	return msg
}
