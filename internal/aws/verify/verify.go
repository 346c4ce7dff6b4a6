package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
)

// The verification checks, in the order they are reported.
const (
	CheckARN            = "role_arn"
	CheckAssumeRole     = "assume_role"
	CheckCallerIdentity = "caller_identity"
	CheckTrustPolicy    = "trust_policy"
	CheckPermissions    = "permissions"
	CheckCanDestroy     = "can_destroy"
	CheckRegions        = "regions"
)

// Config is what a Verifier needs; zero fields take New's defaults.
type Config struct {
	// Platform is the server's own AWS configuration.
	Platform aws.Config
	// Propagation is how long AccessDenied is retried on a role registered
	// less than that long ago: IAM changes take time to reach STS.
	Propagation time.Duration
	// Clock waits between retries; tests use a fake one.
	Clock domain.Clock

	// Clients, replaceable by fakes in tests. Each gets a configuration
	// that audits its calls.
	STS func(aws.Config) awssdk.STS
	IAM func(aws.Config) awssdk.IAM
	EC2 func(cfg aws.Config, region string) awssdk.EC2
}

// Verifier implements domain.RoleVerifier with the AWS SDK: it assumes the
// customer's role from the platform identity and checks what the guide asks.
type Verifier struct{ Config }

// New returns a Verifier; unset clients are the SDK's, an unset
// Propagation two minutes.
func New(cfg Config) *Verifier {
	if cfg.Propagation == 0 {
		cfg.Propagation = 2 * time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = domain.RealClock
	}
	if cfg.STS == nil {
		cfg.STS = func(c aws.Config) awssdk.STS { return sts.NewFromConfig(c) }
	}
	if cfg.IAM == nil {
		cfg.IAM = func(c aws.Config) awssdk.IAM { return iam.NewFromConfig(c) }
	}
	if cfg.EC2 == nil {
		cfg.EC2 = func(c aws.Config, region string) awssdk.EC2 {
			return ec2.NewFromConfig(c, func(o *ec2.Options) { o.Region = region })
		}
	}
	return &Verifier{cfg}
}

var _ domain.RoleVerifier = (*Verifier)(nil)

// Verify runs the checks: the ARN, then assuming the role, then four
// independent checks in parallel as the role. A check that cannot run
// because an earlier one failed is reported as skipped, never omitted.
func (v *Verifier) Verify(ctx context.Context, t domain.VerificationTarget) []domain.Check {
	arn := checkARN(t)
	dependents := []string{CheckAssumeRole, CheckCallerIdentity, CheckTrustPolicy, CheckPermissions, CheckCanDestroy, CheckRegions}
	if arn.Status != domain.CheckPass {
		return append([]domain.Check{arn}, skipped(dependents, CheckARN)...)
	}
	record := func(_ context.Context, action, outcome string) {
		if t.Audit != nil {
			t.Audit(action, outcome)
		}
	}
	role, assumed := v.assume(ctx, t, record)
	if assumed.Status != domain.CheckPass {
		return append([]domain.Check{arn, assumed}, skipped(dependents[1:], CheckAssumeRole)...)
	}
	one := func(c func() domain.Check) func() []domain.Check {
		return func() []domain.Check { return []domain.Check{c()} }
	}
	checks := []func() []domain.Check{
		one(func() domain.Check { return v.callerIdentity(ctx, role, t) }),
		one(func() domain.Check { return v.trustPolicy(ctx, role, t) }),
		func() []domain.Check { return v.permissions(ctx, role, t) }, // and can_destroy
		one(func() domain.Check { return v.regions(ctx, role, t) }),
	}
	out := make([][]domain.Check, len(checks))
	var wg sync.WaitGroup
	for i, run := range checks {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = run() }()
	}
	wg.Wait()
	return append([]domain.Check{arn, assumed}, slices.Concat(out...)...)
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

func explain(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "api error "); i >= 0 {
		msg = msg[i+len("api error "):]
	}
	return msg
}
