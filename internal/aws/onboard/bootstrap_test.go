package onboard

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orchestera/orchestera/internal/aws/mototest"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

const testPlatformID = "017059471480"

var (
	motoAccessPolicyARN    = "arn:aws:iam::" + mototest.AccountID + ":policy/" + iampolicy.AccessPolicyName
	motoAccessRoleARN      = "arn:aws:iam::" + mototest.AccountID + ":role/" + iampolicy.AccessRoleName
	motoLifecyclePolicyARN = "arn:aws:iam::" + mototest.AccountID + ":policy/" + iampolicy.LifecyclePolicyName
)

// bootstrap runs Bootstrap and returns what it printed (verify_test.go uses
// it too, to set up the role it verifies).
func bootstrap(t *testing.T, cfg aws.Config, externalID, platformID string) (Changes, string) {
	t.Helper()
	var out bytes.Buffer
	c, err := Bootstrap(context.Background(), iam.NewFromConfig(cfg), sts.NewFromConfig(cfg), externalID, platformID, &out)
	if err != nil {
		t.Fatalf("Bootstrap: %v\n%s", err, out.String())
	}
	return c, out.String()
}

func wantOutput(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestBootstrapAgainstMoto(t *testing.T) {
	s := mototest.Start(t)
	cfg := s.Config("us-east-1")
	ctx := context.Background()
	api := iam.NewFromConfig(cfg)

	t.Run("creates the policy and the role", func(t *testing.T) {
		c, out := bootstrap(t, cfg, "org-ext-1", testPlatformID)
		wantOutput(t, out,
			"account "+mototest.AccountID,
			"created policy "+motoAccessPolicyARN,
			"created role "+motoAccessRoleARN+" (trusts account "+testPlatformID,
			"attached policy "+motoAccessPolicyARN+" to role "+iampolicy.AccessRoleName,
			"created policy "+motoLifecyclePolicyARN,
			"attached policy "+motoLifecyclePolicyARN+" to role "+iampolicy.AccessRoleName)
		if doc := defaultPolicyDocument(t, api, motoLifecyclePolicyARN); !iampolicy.Equal(doc, iampolicy.LifecyclePolicy()) {
			t.Fatalf("lifecycle policy document = %s", doc.JSON())
		}
		if c.None() || c.RoleARN != motoAccessRoleARN || c.PolicyARN != motoAccessPolicyARN || c.LifecyclePolicyARN != motoLifecyclePolicyARN || c.AccountID != mototest.AccountID {
			t.Fatalf("changes = %+v", c)
		}
		role, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(iampolicy.AccessRoleName)})
		if err != nil {
			t.Fatal(err)
		}
		trust, err := iampolicy.Decode(aws.ToString(role.Role.AssumeRolePolicyDocument))
		if err != nil || !iampolicy.Equal(trust, iampolicy.TrustPolicy(testPlatformID, "org-ext-1")) {
			t.Fatalf("trust policy = %s (%v)", trust.JSON(), err)
		}
		if !hasManagedByTag(role.Role.Tags) {
			t.Errorf("role tags = %v", role.Role.Tags)
		}
		pol, err := api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(motoAccessPolicyARN)})
		if err != nil {
			t.Fatal(err)
		}
		if !hasManagedByTag(pol.Policy.Tags) {
			t.Errorf("policy tags = %v", pol.Policy.Tags)
		}
		if doc := defaultPolicyDocument(t, api, motoAccessPolicyARN); !iampolicy.Equal(doc, iampolicy.AccessPolicy()) {
			t.Fatalf("policy document = %s", doc.JSON())
		}
	})

	t.Run("a second run changes nothing", func(t *testing.T) {
		c, out := bootstrap(t, cfg, "org-ext-1", testPlatformID)
		if !c.None() {
			t.Fatalf("actions = %q", c.Actions)
		}
		if want := "account " + mototest.AccountID + " (arn:aws:sts::" + mototest.AccountID + ":user/moto)\n" +
			"no changes: OrchesteraAccessPolicy, OrchesteraLifecyclePolicy and OrchesteraAccessRole are up to date\n"; out != want {
			t.Fatalf("output = %q, want %q", out, want)
		}
	})

	t.Run("a new external id or platform account updates the trust policy", func(t *testing.T) {
		_, out := bootstrap(t, cfg, "org-ext-2", testPlatformID)
		wantOutput(t, out, `updated trust policy of OrchesteraAccessRole (external id changed: "org-ext-1" -> "org-ext-2")`)
		_, out = bootstrap(t, cfg, "org-ext-2", "111122223333")
		wantOutput(t, out, `updated trust policy of OrchesteraAccessRole (principal changed: "arn:aws:iam::017059471480:root" -> "arn:aws:iam::111122223333:root")`)
		if strings.Contains(out, "policy "+motoAccessPolicyARN) {
			t.Errorf("the access policy was touched:\n%s", out)
		}
		role, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(iampolicy.AccessRoleName)})
		if err != nil {
			t.Fatal(err)
		}
		if trust, _ := iampolicy.Decode(aws.ToString(role.Role.AssumeRolePolicyDocument)); !iampolicy.Equal(trust, iampolicy.TrustPolicy("111122223333", "org-ext-2")) {
			t.Fatalf("trust policy = %s", trust.JSON())
		}
	})

	t.Run("a semantically equal policy is left alone", func(t *testing.T) {
		// What the console might store: another order, a Sid, a duplicate,
		// other case in action names.
		actions := iampolicy.RequiredActions()
		var reordered []string
		for i := len(actions) - 1; i >= 0; i-- {
			reordered = append(reordered, strings.ToUpper(actions[i][:1])+actions[i][1:])
		}
		reordered = append(reordered, reordered[0]) // a duplicate too
		setDefaultPolicyVersion(t, api, motoAccessPolicyARN, allowDoc(reordered))
		c, out := bootstrap(t, cfg, "org-ext-2", "111122223333")
		if !c.None() {
			t.Fatalf("actions = %q\n%s", c.Actions, out)
		}
	})

	t.Run("a drifted policy gets a new default version", func(t *testing.T) {
		setDefaultPolicyVersion(t, api, motoAccessPolicyARN, allowDoc([]string{"ec2:*", "eks:*", "s3:*"}))
		_, out := bootstrap(t, cfg, "org-ext-2", "111122223333")
		wantOutput(t, out, "updated policy "+motoAccessPolicyARN+": version v", "is now the default (adds cloudformation:*, ", " more; removes s3:*)")
		if doc := defaultPolicyDocument(t, api, motoAccessPolicyARN); !iampolicy.Equal(doc, iampolicy.AccessPolicy()) {
			t.Fatalf("policy document = %s", doc.JSON())
		}
	})

	t.Run("at five versions the oldest non-default one goes first", func(t *testing.T) {
		for policyVersionCount(t, api, motoAccessPolicyARN) < maxPolicyVersions {
			setDefaultPolicyVersion(t, api, motoAccessPolicyARN, allowDoc([]string{"ec2:*"}))
		}
		_, out := bootstrap(t, cfg, "org-ext-2", "111122223333")
		wantOutput(t, out, "deleted version v1 of policy "+motoAccessPolicyARN+" (IAM keeps at most 5 versions)", "updated policy "+motoAccessPolicyARN)
		if n := policyVersionCount(t, api, motoAccessPolicyARN); n != maxPolicyVersions {
			t.Fatalf("%d versions", n)
		}
	})

	t.Run("a role made by hand from the guide is fixed", func(t *testing.T) {
		s.Reset(t)
		// The guide's console steps: trust the testPlatformID account with no
		// external id, no policy attached yet.
		_, err := api.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(iampolicy.AccessRoleName),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"017059471480"},"Action":"sts:AssumeRole"}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		_, out := bootstrap(t, cfg, "org-ext-1", testPlatformID)
		wantOutput(t, out, "created policy "+motoAccessPolicyARN,
			`updated trust policy of OrchesteraAccessRole (external id "org-ext-1" added)`,
			"attached policy "+motoAccessPolicyARN+" to role OrchesteraAccessRole")
		if strings.Contains(out, "principal") {
			t.Errorf("a bare account id and its :root ARN are the same principal:\n%s", out)
		}
	})
}

func TestBootstrapRefusesBadInput(t *testing.T) {
	for _, tc := range []struct{ ext, platformID, want string }{
		{"", testPlatformID, "external id"},
		{"has space", testPlatformID, "external id"},
		{"ok-id", "12345", "platform account id"},
	} {
		// No AWS call may happen: nil clients would panic.
		_, err := Bootstrap(context.Background(), nil, nil, tc.ext, tc.platformID, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Bootstrap(%q, %q) = %v, want an error about the %s", tc.ext, tc.platformID, err, tc.want)
		}
	}
}

func hasManagedByTag(tags []types.Tag) bool {
	for _, tag := range tags {
		if aws.ToString(tag.Key) == "orchestera.io/managed-by" && aws.ToString(tag.Value) == "orchestera" {
			return true
		}
	}
	return false
}

// allowDoc is a console-style policy allowing actions on everything.
func allowDoc(actions []string) string {
	b, _ := json.Marshal(actions)
	return `{"Version":"2012-10-17","Statement":[{"Sid":"Console","Effect":"Allow","Action":` + string(b) + `,"Resource":"*"}]}`
}

// setDefault stores doc as a new default version of the policy, as someone
// editing it in the console would.
func setDefaultPolicyVersion(t *testing.T, api *iam.Client, arn, doc string) {
	t.Helper()
	if _, err := api.CreatePolicyVersion(context.Background(), &iam.CreatePolicyVersionInput{
		PolicyArn: aws.String(arn), PolicyDocument: aws.String(doc), SetAsDefault: true,
	}); err != nil {
		t.Fatal(err)
	}
}

func defaultPolicyDocument(t *testing.T, api *iam.Client, arn string) iampolicy.Document {
	t.Helper()
	ctx := context.Background()
	p, err := api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := api.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.Policy.DefaultVersionId})
	if err != nil {
		t.Fatal(err)
	}
	d, err := iampolicy.Decode(aws.ToString(v.PolicyVersion.Document))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func policyVersionCount(t *testing.T, api *iam.Client, arn string) int {
	t.Helper()
	vs, err := api.ListPolicyVersions(context.Background(), &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	return len(vs.Versions)
}
