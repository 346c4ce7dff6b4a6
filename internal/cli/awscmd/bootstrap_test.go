package awscmd_test

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/aws/mototest"
	"github.com/orchestera/orchestera/internal/aws/onboard"
	"github.com/orchestera/orchestera/internal/cli/clitest"
)

// awsEnv points the CLI's own AWS configuration at moto through the
// environment, as a customer's shell would point it at AWS, and hides any
// real AWS config on this machine.
func awsEnv(t *testing.T) *mototest.Server {
	t.Helper()
	s := mototest.Start(t)
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": s.URL, "AWS_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1",
		"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
	} {
		t.Setenv(k, v)
	}
	return s
}

func wantOutput(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestAWSBootstrapAgainstMoto(t *testing.T) {
	awsEnv(t)
	home := t.TempDir()
	const acct = mototest.AccountID

	out, err := clitest.Run(t, home, "aws", "bootstrap", "--external-id", "ext-1")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantOutput(t, out,
		"account "+acct+" (arn:aws:sts::"+acct+":user/moto)\n",
		"created policy arn:aws:iam::"+acct+":policy/OrchesteraAccessPolicy\n",
		"created role arn:aws:iam::"+acct+":role/OrchesteraAccessRole (trusts account 017059471480 with the external id)\n",
		"attached policy arn:aws:iam::"+acct+":policy/OrchesteraAccessPolicy to role OrchesteraAccessRole\n",
		"attached policy arn:aws:iam::"+acct+":policy/OrchesteraLifecyclePolicy to role OrchesteraAccessRole\n",
		"role ARN: arn:aws:iam::"+acct+":role/OrchesteraAccessRole\n")

	out, err = clitest.Run(t, home, "aws", "bootstrap", "--external-id", "ext-1")
	if err != nil || out != "account "+acct+" (arn:aws:sts::"+acct+":user/moto)\n"+
		"no changes: OrchesteraAccessPolicy, OrchesteraLifecyclePolicy and OrchesteraAccessRole are up to date\n"+
		"role ARN: arn:aws:iam::"+acct+":role/OrchesteraAccessRole\n" {
		t.Fatalf("rerun: %v\n%s", err, out)
	}

	out, err = clitest.Run(t, home, "aws", "bootstrap", "--external-id", "ext-2", "-o", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// run mixes stderr (the progress) into stdout; the JSON is last.
	wantOutput(t, out, `updated trust policy of OrchesteraAccessRole (external id changed: "ext-1" -> "ext-2")`)
	var c onboard.Changes
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &c); err != nil || c.RoleARN == "" || len(c.Actions) != 1 {
		t.Fatalf("JSON %+v, %v\n%s", c, err, out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"aws", "bootstrap"}, "--external-id is required"},
		{[]string{"aws", "bootstrap", "--external-id", "ext-1", "--platform-account-id", "123"}, "--platform-account-id"},
	} {
		if out, err := clitest.Run(t, home, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v\n%s", tc.args, err, out)
		}
	}
}

// TestAWSBootstrapTrustsTheServersAccount: logged in, bootstrap asks the
// server which account to trust and with which external ID; the guide's
// 017059471480 and the server's own account used to disagree.
func TestAWSBootstrapTrustsTheServersAccount(t *testing.T) {
	moto := awsEnv(t)
	s := clitest.NewServer(t)
	s.Platform = "111122223333"
	home := clitest.HomeFor(t, s)
	var ext api.ExternalID
	json.Unmarshal([]byte(clitest.Execute(t, home, nil, "connections", "external-id", "-o", "json").Stdout), &ext)
	r := clitest.Execute(t, home, nil, "aws", "bootstrap")
	if r.Code != 0 || !strings.Contains(r.Stderr+r.Stdout, "trusts account 111122223333 with the external id") {
		t.Fatalf("bootstrap: %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	role, err := iam.NewFromConfig(moto.Config("us-east-1")).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("OrchesteraAccessRole")})
	if err != nil {
		t.Fatal(err)
	}
	if trust, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument)); !strings.Contains(trust, ext.ExternalID) {
		t.Fatalf("the role's trust policy lacks the server's external ID %q: %s", ext.ExternalID, trust)
	}
	// An explicit flag still wins.
	r = clitest.Execute(t, home, nil, "aws", "bootstrap", "--platform-account-id", "444455556666")
	if r.Code != 0 || !strings.Contains(r.Stderr+r.Stdout, "444455556666") {
		t.Fatalf("bootstrap --platform-account-id: %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

func TestAWSBootstrapManagementAgainstMoto(t *testing.T) {
	s := awsEnv(t)
	home := t.TempDir()
	ctx := context.Background()
	cfg := s.Config("us-east-1")
	if _, err := organizations.NewFromConfig(cfg).CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if _, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "either --member-account-id or --create-member-account with --email is required"},
		{[]string{"--create-member-account"}, "--create-member-account needs --email"},
		{[]string{"--email", "a@example.com"}, "--email and --name only apply with --create-member-account"},
		{[]string{"--member-account-id", "111122223333", "--create-member-account", "--email", "a@example.com"}, "exclude each other"},
		{[]string{"--member-account-id", "1111"}, "--member-account-id"},
		{[]string{"--member-account-id", "111122223333", "--users", "alice,carol"}, "no IAM user named carol"},
	} {
		if out, err := clitest.Run(t, home, append([]string{"aws", "bootstrap-management"}, tc.args...)...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v\n%s", tc.args, err, out)
		}
	}

	args := []string{"aws", "bootstrap-management", "--create-member-account", "--email", "sparklith@example.com", "--users", "alice,bob"}
	out, err := clitest.Run(t, home, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantOutput(t, out,
		`creating account "Orchestera Sparklith" <sparklith@example.com>`,
		"created policy arn:aws:iam::"+mototest.AccountID+":policy/GrantAccessToOrganizationAccountAccessRole\n",
		"created group orchestera-admin-group\n",
		"attached policy arn:aws:iam::aws:policy/AdministratorAccess to group orchestera-admin-group\n",
		"added user alice to group orchestera-admin-group\n",
		"added user bob to group orchestera-admin-group\n",
		"member account: ")
	member := out[strings.Index(out, "member account: ")+len("member account: "):][:12]

	out, err = clitest.Run(t, home, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantOutput(t, out, "account "+member+` "Orchestera Sparklith" <sparklith@example.com> is already in the organization`,
		"user bob is already in group orchestera-admin-group\n",
		"no changes: the management account already gives orchestera-admin-group access to account "+member+"\n")
	if strings.Contains(out, "created") || strings.Contains(out, "added user") {
		t.Fatalf("rerun changed something:\n%s", out)
	}
}
