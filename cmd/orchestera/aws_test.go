package main_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orchestera/orchestera/internal/aws/mototest"
	"github.com/orchestera/orchestera/internal/iampolicy"
	"github.com/orchestera/orchestera/internal/kube/kubetest"
)

// TestOnboardingAgainstMoto walks the customer guide with the real binary
// against moto: the management-account half creates the member account, the
// member-account half creates the role with the organization's external ID,
// and the server registers and verifies it.
func TestOnboardingAgainstMoto(t *testing.T) {
	moto := mototest.Start(t)
	platformEnv := []string{"AWS_ENDPOINT_URL=" + moto.URL, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1", "AWS_SESSION_TOKEN=", "AWS_PROFILE="}
	home := t.TempDir()
	s := startServer(t, home, platformEnv...)
	defer s.stop(t)
	run := func(env []string, args ...string) result {
		t.Helper()
		return cliEnv(t, home, env, args...)
	}

	// The management account (moto's default, also the platform here: moto
	// does not check trust, docs/aws-emulator.md, gap 1).
	platform := moto.Config("us-east-1")
	if _, err := organizations.NewFromConfig(platform).CreateOrganization(context.Background(), &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	r := run(platformEnv, "aws", "bootstrap-management", "--create-member-account", "--email", "sparklith@example.com", "--name", iampolicy.MemberAccountName)
	if r.code != 0 {
		t.Fatalf("bootstrap-management: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	accounts, err := organizations.NewFromConfig(platform).ListAccounts(context.Background(), &organizations.ListAccountsInput{})
	if err != nil {
		t.Fatal(err)
	}
	member := ""
	for _, a := range accounts.Accounts {
		if aws.ToString(a.Name) == iampolicy.MemberAccountName {
			member = aws.ToString(a.Id)
		}
	}
	if member == "" {
		t.Fatalf("no member account was created:\n%s", r.stdout)
	}

	// The admin reads the organization's external ID from the server...
	var ext struct {
		ExternalID        string `json:"external_id"`
		PlatformAccountID string `json:"platform_account_id"`
	}
	if err := json.Unmarshal([]byte(cli(t, home, "connections", "external-id", "-o", "json")), &ext); err != nil {
		t.Fatal(err)
	}
	if ext.PlatformAccountID != mototest.AccountID {
		t.Fatalf("platform account %q, want the server's own %s", ext.PlatformAccountID, mototest.AccountID)
	}

	// ...and, switched into the member account, creates the role with it.
	creds, err := sts.NewFromConfig(platform).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/" + iampolicy.MemberRoleName), RoleSessionName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	memberEnv := append(append([]string{}, platformEnv...), "AWS_ACCESS_KEY_ID="+aws.ToString(creds.Credentials.AccessKeyId),
		"AWS_SECRET_ACCESS_KEY="+aws.ToString(creds.Credentials.SecretAccessKey), "AWS_SESSION_TOKEN="+aws.ToString(creds.Credentials.SessionToken))
	r = run(memberEnv, "aws", "bootstrap", "--external-id", ext.ExternalID, "--platform-account-id", ext.PlatformAccountID)
	if r.code != 0 || !strings.Contains(r.stdout+r.stderr, "created role") {
		t.Fatalf("bootstrap: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r = run(memberEnv, "aws", "bootstrap", "--external-id", ext.ExternalID, "--platform-account-id", ext.PlatformAccountID); !strings.Contains(r.stdout+r.stderr, "no changes") {
		t.Fatalf("second bootstrap is not a no-op:\n%s\n%s", r.stdout, r.stderr)
	}

	roleARN := "arn:aws:iam::" + member + ":role/" + iampolicy.AccessRoleName
	var conn struct{ ID string }
	if err := json.Unmarshal([]byte(cli(t, home, "connections", "create", "--role-arn", roleARN, "-o", "json")), &conn); err != nil {
		t.Fatal(err)
	}
	r = run(nil, "connections", "verify", conn.ID)
	if r.code != 0 || !strings.Contains(r.stdout, "ROLE VERIFIED") {
		t.Fatalf("verify: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, check := range []string{"role_arn", "assume_role", "caller_identity", "trust_policy", "permissions", "regions"} {
		if !strings.Contains(r.stdout, check) {
			t.Errorf("verify output lacks the %s check", check)
		}
	}
	audit := cli(t, home, "audit", "list")
	if !strings.Contains(audit, "sts:AssumeRole") || !strings.Contains(audit, "iam:GetPolicyVersion") {
		t.Fatalf("audit log:\n%s", audit)
	}

	// Rotating the external ID makes the role fail its trust check until
	// the member account is bootstrapped again with the new one.
	cli(t, home, "connections", "external-id", "--rotate")
	if r = run(nil, "connections", "verify", conn.ID); r.code != 1 || !strings.Contains(r.stdout, "external_id_mismatch") {
		t.Fatalf("verify after rotation: %d\n%s", r.code, r.stdout)
	}
	if events := cli(t, home, "connections", "events", conn.ID); !strings.Contains(events, "external_id_rotated") || !strings.Contains(events, "verification_failed") {
		t.Fatalf("events:\n%s", events)
	}
}

// onboarded is a server with a verified AWS connection to a member account
// made through Organizations, all in moto.
type onboarded struct {
	home, connID string
	server       *server
	member       aws.Config // acting in the member account, to inspect it
	memberEnv    []string   // the admin's environment in the member account
	env          []string   // the platform's AWS environment
}

// eksKubernetes is the server environment that gives moto's EKS clusters,
// which have no API server, a Kubernetes side: the loopback test cluster,
// with a Karpenter-shaped test chart. Stacks of every test share it, so
// their namespaces must be unique (testNamespace).
func eksKubernetes(t *testing.T) []string {
	t.Helper()
	chart, err := filepath.Abs("../../internal/kube/karpenter/testdata/chart")
	if err != nil {
		t.Fatal(err)
	}
	return []string{"ORCHESTERA_EKS_KUBECONFIG=" + kubetest.Kubeconfig(t), "ORCHESTERA_KARPENTER_CHART=" + chart, "ORCHESTERA_KARPENTER_VERSION=1.8.1-test"}
}

// onboard's server gets extra environment variables after its own (the
// last value of a variable wins).
func onboard(t *testing.T, extra ...string) *onboarded {
	t.Helper()
	moto := mototest.Start(t)
	env := append(append([]string{"AWS_ENDPOINT_URL=" + moto.URL, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1", "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
		"ORCHESTERA_AWS_POLL_INTERVAL=100ms"}, eksKubernetes(t)...), extra...) // moto's EKS is never CREATING or DELETING for long
	o := &onboarded{home: t.TempDir(), env: env}
	o.server = startServer(t, o.home, env...)
	member, memberCfg, memberEnv := memberAccount(t, moto, env)
	o.member, o.memberEnv = memberCfg, memberEnv
	var ext struct {
		ExternalID string `json:"external_id"`
	}
	json.Unmarshal([]byte(cli(t, o.home, "connections", "external-id", "-o", "json")), &ext)
	if r := cliEnv(t, o.home, memberEnv, "aws", "bootstrap", "--external-id", ext.ExternalID, "--platform-account-id", mototest.AccountID); r.code != 0 {
		t.Fatalf("bootstrap: %s %s", r.stdout, r.stderr)
	}
	var conn struct{ ID string }
	json.Unmarshal([]byte(cli(t, o.home, "connections", "create", "--role-arn", "arn:aws:iam::"+member+":role/"+iampolicy.AccessRoleName, "-o", "json")), &conn)
	if r := cliResult(t, o.home, "connections", "verify", conn.ID); r.code != 0 {
		t.Fatalf("verify: %s", r.stdout)
	}
	o.connID = conn.ID
	return o
}

// memberAccount makes the member account through Organizations, as the
// guide's management half does, and returns its id, an SDK configuration
// and an environment acting in it.
func memberAccount(t *testing.T, moto *mototest.Server, env []string) (string, aws.Config, []string) {
	t.Helper()
	ctx := context.Background()
	platform := moto.Config("us-east-1")
	orgs := organizations.NewFromConfig(platform)
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	acct, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(iampolicy.MemberAccountName),
		Email: aws.String("sparklith@example.com"), RoleName: aws.String(iampolicy.MemberRoleName)})
	if err != nil {
		t.Fatal(err)
	}
	member := aws.ToString(acct.CreateAccountStatus.AccountId)
	creds, err := sts.NewFromConfig(platform).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/" + iampolicy.MemberRoleName), RoleSessionName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	c := creds.Credentials
	cfg := platform.Copy()
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}, nil
	})
	return member, cfg, append(append([]string{}, env...), "AWS_ACCESS_KEY_ID="+aws.ToString(c.AccessKeyId),
		"AWS_SECRET_ACCESS_KEY="+aws.ToString(c.SecretAccessKey), "AWS_SESSION_TOKEN="+aws.ToString(c.SessionToken))
}
