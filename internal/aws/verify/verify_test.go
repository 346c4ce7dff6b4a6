package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/aws/mototest"
	"github.com/orchestera/orchestera/internal/aws/onboard"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/fakeclock"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// memberAccount makes a member account through AWS Organizations, as the
// guide does, and returns SDK configuration acting in it through
// OrganizationAccountAccessRole.
func memberAccount(t *testing.T, platform aws.Config) (string, aws.Config) {
	t.Helper()
	ctx := context.Background()
	orgs := organizations.NewFromConfig(platform)
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	created, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(iampolicy.MemberAccountName),
		Email: aws.String("sparklith@example.com"), RoleName: aws.String(iampolicy.MemberRoleName)})
	if err != nil {
		t.Fatal(err)
	}
	member := aws.ToString(created.CreateAccountStatus.AccountId)
	creds, err := sts.NewFromConfig(platform).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/" + iampolicy.MemberRoleName), RoleSessionName: aws.String("test-admin")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := platform.Copy()
	cfg.Credentials = staticCreds(creds)
	return member, cfg
}

func staticCreds(out *sts.AssumeRoleOutput) aws.CredentialsProvider {
	c := out.Credentials
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}, nil
	})
}

type auditLog struct {
	mu      sync.Mutex
	actions []string
}

func (a *auditLog) record(action, outcome string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.actions = append(a.actions, action+"="+outcome)
}

func byName(checks []domain.Check) map[string]domain.Check {
	m := map[string]domain.Check{}
	for _, c := range checks {
		m[c.Name] = c
	}
	return m
}

func TestVerifyAgainstMoto(t *testing.T) {
	s := mototest.Start(t)
	platformCfg := s.Config("us-east-1")
	member, memberCfg := memberAccount(t, platformCfg)
	ctx := context.Background()
	const externalID = "ext-3f5qw2k7xlmaa4zd3f5qw2k7"
	// The customer creates the role, trusting the platform.
	if _, err := onboard.Bootstrap(ctx, iam.NewFromConfig(memberCfg), sts.NewFromConfig(memberCfg), externalID, mototest.AccountID, io.Discard); err != nil {
		t.Fatal(err)
	}

	target := func(a *auditLog) domain.VerificationTarget {
		return domain.VerificationTarget{OrgID: "org_test", ConnectionID: "conn_test", AccountID: member, ExternalID: externalID,
			RoleARN:           "arn:aws:iam::" + member + ":role/" + iampolicy.AccessRoleName,
			PlatformAccountID: mototest.AccountID, Regions: []string{"us-east-1"}, RegisteredAt: time.Now().Add(-time.Hour), Audit: a.record}
	}
	v := New(Config{Platform: platformCfg})

	t.Run("a role made as the guide says is verified", func(t *testing.T) {
		a := &auditLog{}
		start := time.Now()
		checks := v.Verify(ctx, target(a))
		elapsed := time.Since(start)
		for _, c := range checks {
			if c.Status != domain.CheckPass {
				t.Errorf("%s: %s %s (fix: %s)", c.Name, c.Status, c.Evidence, c.Fix)
			}
		}
		if len(checks) != 7 {
			t.Fatalf("%d checks", len(checks))
		}
		got := byName(checks)
		if !strings.Contains(got[CheckAssumeRole].Evidence, "assumed-role/OrchesteraAccessRole/orchestera-org_test-verify") {
			t.Errorf("assume evidence: %s", got[CheckAssumeRole].Evidence)
		}
		if want := fmt.Sprintf("all %d required actions granted by OrchesteraAccessPolicy", len(iampolicy.RequiredActions())); !strings.Contains(got[CheckPermissions].Evidence, want) {
			t.Errorf("permissions evidence: %s", got[CheckPermissions].Evidence)
		}
		t.Logf("verification made %d AWS calls in %s against moto: %v", len(a.actions), elapsed.Round(time.Millisecond), a.actions)
		if len(a.actions) < 8 {
			t.Errorf("audit recorded only %v", a.actions)
		}
	})

	t.Run("the guide's policy alone cannot destroy a stack", func(t *testing.T) {
		memberIAM := iam.NewFromConfig(memberCfg)
		lifecycle := aws.String("arn:aws:iam::" + member + ":policy/" + iampolicy.LifecyclePolicyName)
		if _, err := memberIAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(iampolicy.AccessRoleName), PolicyArn: lifecycle}); err != nil {
			t.Fatal(err)
		}
		defer memberIAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(iampolicy.AccessRoleName), PolicyArn: lifecycle})
		got := byName(v.Verify(ctx, target(&auditLog{})))
		if got[CheckPermissions].Status != domain.CheckPass {
			t.Errorf("permissions: %+v", got[CheckPermissions])
		}
		c := got[CheckCanDestroy]
		if c.Status != domain.CheckFail || len(c.Missing) != 3 || !strings.Contains(c.Fix, `"iam:DetachRolePolicy"`) ||
			!strings.Contains(c.Fix, iampolicy.LifecyclePolicyName) || !strings.Contains(c.Evidence, "iam:DeleteOpenIDConnectProvider") {
			t.Errorf("can_destroy: %+v", c)
		}
	})

	t.Run("a drifted trust policy and a narrowed policy are caught", func(t *testing.T) {
		// moto does not enforce external IDs on AssumeRole (notes, gap 1),
		// so the assume still succeeds here; on AWS it would fail and the
		// assume_role check would report it. The lint catches it either way.
		memberIAM := iam.NewFromConfig(memberCfg)
		if _, err := memberIAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(iampolicy.AccessRoleName),
			PolicyDocument: aws.String(string(iampolicy.TrustPolicy(mototest.AccountID, "someone-elses-id").JSON()))}); err != nil {
			t.Fatal(err)
		}
		narrow := iampolicy.Document{Version: iampolicy.Version, Statement: iampolicy.Statements{{Effect: "Allow", Resource: iampolicy.StringList{"*"},
			Action: iampolicy.StringList{"ec2:*", "iam:Get*", "iam:List*"}}}}
		pol, err := memberIAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Narrow"), PolicyDocument: aws.String(string(narrow.JSON()))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := memberIAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(iampolicy.AccessRoleName),
			PolicyArn: aws.String("arn:aws:iam::" + member + ":policy/" + iampolicy.AccessPolicyName)}); err != nil {
			t.Fatal(err)
		}
		if _, err := memberIAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(iampolicy.AccessRoleName), PolicyArn: pol.Policy.Arn}); err != nil {
			t.Fatal(err)
		}
		got := byName(v.Verify(ctx, target(&auditLog{})))
		if c := got[CheckTrustPolicy]; c.Status != domain.CheckFail || !strings.Contains(c.Evidence, iampolicy.RuleExternalIDMismatch) {
			t.Errorf("trust policy check: %+v", c)
		}
		perm := got[CheckPermissions]
		if perm.Status != domain.CheckFail || !contains(perm.Missing, "eks:*") || !contains(perm.Missing, "sqs:*") || contains(perm.Missing, "iam:GetRole") ||
			!strings.Contains(perm.Fix, `"eks:*"`) {
			t.Errorf("permissions check: %+v", perm)
		}
	})
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// fakeSTS scripts AssumeRole answers: it stands for what moto cannot show,
// STS refusing a role (moto never checks trust or external IDs).
type fakeSTS struct {
	errs  []error // returned in order, then success
	calls int
}

func (f *fakeSTS) AssumeRole(context.Context, *sts.AssumeRoleInput, ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	f.calls++
	if f.calls <= len(f.errs) {
		return nil, f.errs[f.calls-1]
	}
	return nil, errors.New("unreachable in these tests: success is tested against moto")
}

func (f *fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return nil, errors.New("not used")
}

func denied(msg string) error {
	return &smithy.GenericAPIError{Code: "AccessDenied", Message: msg}
}

func TestAssumeRoleFailuresAreClassified(t *testing.T) {
	target := domain.VerificationTarget{OrgID: "org_x", RoleARN: "arn:aws:iam::111122223333:role/OrchesteraAccessRole", AccountID: "111122223333",
		ExternalID: "ext-1", PlatformAccountID: "017059471480", Regions: []string{"us-east-1"}, RegisteredAt: time.Now().Add(-time.Hour)}
	notAuthorized := denied("User: arn:aws:iam::017059471480:user/platform is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/OrchesteraAccessRole")
	cases := map[string]struct {
		err  error
		want string
	}{
		"trust or external id":   {notAuthorized, "does not trust account 017059471480, or its sts:ExternalId differs"},
		"service control policy": {denied("... with an explicit deny in a service control policy"), "service control policy or permissions boundary"},
		"platform credentials":   {&smithy.GenericAPIError{Code: "InvalidClientTokenId", Message: "bad"}, "the platform's own AWS credentials were refused"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f := &fakeSTS{errs: []error{c.err}}
			v := New(Config{STS: func(aws.Config) awssdk.STS { return f }})
			checks := v.Verify(context.Background(), target)
			got := byName(checks)
			if a := got[CheckAssumeRole]; a.Status != domain.CheckFail || !strings.Contains(a.Fix, c.want) {
				t.Fatalf("assume_role = %+v", a)
			}
			for _, n := range []string{CheckCallerIdentity, CheckTrustPolicy, CheckPermissions, CheckRegions} {
				if got[n].Status != domain.CheckSkip {
					t.Errorf("%s = %s, want skip", n, got[n].Status)
				}
			}
			if f.calls != 1 {
				t.Errorf("an established role was retried %d times", f.calls-1)
			}
		})
	}
}

func TestAccessDeniedOnANewRoleIsRetriedWhileIAMPropagates(t *testing.T) {
	target := domain.VerificationTarget{OrgID: "org_x", RoleARN: "arn:aws:iam::111122223333:role/OrchesteraAccessRole", AccountID: "111122223333",
		ExternalID: "ext-1", PlatformAccountID: "017059471480", Regions: []string{"us-east-1"}, RegisteredAt: time.Now()}
	f := &fakeSTS{errs: []error{denied("not authorized"), denied("not authorized"), denied("not authorized"), denied("not authorized"), denied("not authorized")}}
	clock := fakeclock.New()
	target.RegisteredAt = clock.Now()
	v := New(Config{STS: func(aws.Config) awssdk.STS { return f }, Propagation: 30 * time.Second, Clock: clock})
	a := byName(v.Verify(context.Background(), target))[CheckAssumeRole]
	if f.calls < 3 || !strings.Contains(a.Evidence, "while IAM changes to a just-registered role propagate") {
		t.Fatalf("calls %d, evidence %q", f.calls, a.Evidence)
	}
	var waited time.Duration
	for _, d := range clock.Sleeps() {
		waited += d
	}
	if waited > 30*time.Second {
		t.Fatalf("waited %s, more than the propagation window", waited)
	}
}

func TestBadARNSkipsEverything(t *testing.T) {
	checks := New(Config{}).Verify(context.Background(), domain.VerificationTarget{RoleARN: "arn:aws:iam::1:user/x"})
	if checks[0].Status != domain.CheckFail || len(checks) != 7 || checks[6].Status != domain.CheckSkip {
		t.Fatalf("checks = %+v", checks)
	}
}
