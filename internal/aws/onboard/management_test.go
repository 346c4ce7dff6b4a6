package onboard

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/aws/mototest"
	"github.com/orchestera/orchestera/internal/fakeclock"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

var motoManagementPolicyARN = "arn:aws:iam::" + mototest.AccountID + ":policy/" + iampolicy.ManagementPolicyName

func runManagement(t *testing.T, api awssdk.IAM, orgs awssdk.Organizations, opts ManagementOptions) (string, string, error) {
	t.Helper()
	var out bytes.Buffer
	if opts.Clock == nil {
		opts.Clock = fakeclock.New() // account creation's polls take no time
	}
	id, err := BootstrapManagement(context.Background(), api, orgs, opts, &out)
	return id, out.String(), err
}

// newOrganization makes moto's default account the management account of an
// organization, and creates IAM users.
func newMotoOrganization(t *testing.T, cfg aws.Config, users ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := organizations.NewFromConfig(cfg).CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if _, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBootstrapManagementAgainstMoto(t *testing.T) {
	s := mototest.Start(t)
	cfg := s.Config("us-east-1")
	ctx := context.Background()
	api, orgs := iam.NewFromConfig(cfg), organizations.NewFromConfig(cfg)
	newMotoOrganization(t, cfg, "alice", "bob")
	opts := ManagementOptions{CreateMember: true, Email: "sparklith@example.com", Users: []string{"alice", "bob", "alice"}}

	var member string
	t.Run("creates the member account, policy and group", func(t *testing.T) {
		id, out, err := runManagement(t, api, orgs, opts)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		member = id
		wantOutput(t, out,
			`creating account "Orchestera Sparklith" <sparklith@example.com> (request `,
			"created account "+member+` "Orchestera Sparklith" <sparklith@example.com> with role OrganizationAccountAccessRole`,
			"created policy "+motoManagementPolicyARN,
			"created group orchestera-admin-group",
			"attached policy "+motoManagementPolicyARN+" to group orchestera-admin-group",
			"attached policy arn:aws:iam::aws:policy/AdministratorAccess to group orchestera-admin-group",
			"added user alice to group orchestera-admin-group",
			"added user bob to group orchestera-admin-group")
		if strings.Count(out, "added user alice") != 1 {
			t.Errorf("alice added twice:\n%s", out)
		}
		if doc := defaultPolicyDocument(t, api, motoManagementPolicyARN); !iampolicy.Equal(doc, iampolicy.ManagementPolicy(member)) {
			t.Fatalf("policy = %s", doc.JSON())
		}
		g, err := api.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(iampolicy.AdminGroupName)})
		if err != nil || len(g.Users) != 2 {
			t.Fatalf("group users = %v, %v", g, err)
		}
		// The point of it all: the management account can now switch into
		// the member account's OrganizationAccountAccessRole.
		creds, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("admin")})
		if err != nil {
			t.Fatal(err)
		}
		memberCfg := cfg.Copy()
		memberCfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(creds.Credentials.AccessKeyId),
			aws.ToString(creds.Credentials.SecretAccessKey), aws.ToString(creds.Credentials.SessionToken))
		who, err := sts.NewFromConfig(memberCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(who.Account) != member {
			t.Fatalf("GetCallerIdentity in the member account = %v, %v", who, err)
		}
	})

	t.Run("a rerun changes nothing and says so", func(t *testing.T) {
		id, out, err := runManagement(t, api, orgs, opts)
		if err != nil || id != member {
			t.Fatalf("id %s, %v\n%s", id, err, out)
		}
		wantOutput(t, out,
			"account "+member+` "Orchestera Sparklith" <sparklith@example.com> is already in the organization`,
			"policy "+motoManagementPolicyARN+" is already up to date",
			"group orchestera-admin-group already exists",
			"policy "+motoManagementPolicyARN+" is already attached to group orchestera-admin-group",
			"policy arn:aws:iam::aws:policy/AdministratorAccess is already attached",
			"user alice is already in group orchestera-admin-group",
			"user bob is already in group orchestera-admin-group",
			"no changes: the management account already gives orchestera-admin-group access to account "+member)
		for _, verb := range []string{"created", "creating", "attached policy", "added", "updated"} {
			if strings.Contains(out, "\n"+verb) || strings.HasPrefix(out, verb) {
				t.Errorf("rerun did %q:\n%s", verb, out)
			}
		}
	})

	t.Run("another member account updates the policy", func(t *testing.T) {
		_, out, err := runManagement(t, api, orgs, ManagementOptions{MemberAccountID: "111122223333"})
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		wantOutput(t, out, "updated policy "+motoManagementPolicyARN+": version v2 is now the default (resource changed: "+
			`"arn:aws:iam::`+member+`:role/OrganizationAccountAccessRole" -> "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole")`)
	})
}

func TestBootstrapManagementRefusesMissingUsersBeforeAnyChange(t *testing.T) {
	s := mototest.Start(t)
	cfg := s.Config("us-east-1")
	ctx := context.Background()
	api, orgs := iam.NewFromConfig(cfg), organizations.NewFromConfig(cfg)
	newMotoOrganization(t, cfg, "alice")

	_, out, err := runManagement(t, api, orgs, ManagementOptions{CreateMember: true, Email: "sparklith@example.com", Users: []string{"carol", "alice", "dave"}})
	if err == nil || !strings.Contains(err.Error(), "no IAM users named carol, dave in this account") {
		t.Fatalf("err = %v", err)
	}
	if out != "" {
		t.Errorf("printed %q", out)
	}
	accounts, err := orgs.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil || len(accounts.Accounts) != 1 { // the management account only
		t.Fatalf("accounts = %v, %v", accounts, err)
	}
	if p, err := findLocalPolicy(ctx, api, iampolicy.ManagementPolicyName); p != nil || err != nil {
		t.Fatalf("policy = %v, %v", p, err)
	}
	if _, err := api.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(iampolicy.AdminGroupName)}); !awssdk.IsNotFound(err) {
		t.Fatalf("GetGroup = %v", err)
	}
}

func TestBootstrapManagementNeedsAnOrganization(t *testing.T) {
	s := mototest.Start(t)
	cfg := s.Config("us-east-1")
	_, _, err := runManagement(t, iam.NewFromConfig(cfg), organizations.NewFromConfig(cfg), ManagementOptions{CreateMember: true, Email: "sparklith@example.com"})
	if err == nil || !strings.Contains(err.Error(), "has no AWS Organization: create one first") {
		t.Fatalf("err = %v", err)
	}
}

func TestManagementOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		opts ManagementOptions
		want string
	}{
		{ManagementOptions{}, "member account id"},
		{ManagementOptions{MemberAccountID: "12"}, "member account id"},
		{ManagementOptions{CreateMember: true}, "email"},
		{ManagementOptions{CreateMember: true, Email: "a@b.c", MemberAccountID: "111122223333"}, "not both"},
	} {
		// No AWS call may happen: nil clients would panic.
		_, err := BootstrapManagement(context.Background(), nil, nil, tc.opts, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want it to mention %q", tc.opts, err, tc.want)
		}
	}
}

// fakeAccountCreation scripts account creation the way AWS runs it: asynchronously,
// IN_PROGRESS for minutes, then SUCCEEDED or FAILED with a reason. moto
// answers SUCCEEDED at once and never fails (not even for an email another
// account uses), so these paths can only be shown with a fake.
type fakeAccountCreation struct {
	awssdk.Organizations                                // nil: any other call panics
	pending              []orgtypes.CreateAccountStatus // ListCreateAccountStatus
	states               []orgtypes.CreateAccountState  // DescribeCreateAccountStatus answers, in order
	reason               orgtypes.CreateAccountFailureReason
	created              int
	describe             int
	onCreate             func()
}

func (f *fakeAccountCreation) ListAccounts(context.Context, *organizations.ListAccountsInput, ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error) {
	return &organizations.ListAccountsOutput{}, nil
}

func (f *fakeAccountCreation) ListCreateAccountStatus(_ context.Context, in *organizations.ListCreateAccountStatusInput, _ ...func(*organizations.Options)) (*organizations.ListCreateAccountStatusOutput, error) {
	return &organizations.ListCreateAccountStatusOutput{CreateAccountStatuses: f.pending}, nil
}

func (f *fakeAccountCreation) CreateAccount(_ context.Context, in *organizations.CreateAccountInput, _ ...func(*organizations.Options)) (*organizations.CreateAccountOutput, error) {
	f.created++
	if aws.ToString(in.RoleName) != iampolicy.MemberRoleName {
		panic("CreateAccount without RoleName OrganizationAccountAccessRole")
	}
	if f.onCreate != nil {
		f.onCreate()
	}
	return &organizations.CreateAccountOutput{CreateAccountStatus: &orgtypes.CreateAccountStatus{
		Id: aws.String("car-1"), AccountName: in.AccountName, State: orgtypes.CreateAccountStateInProgress}}, nil
}

func (f *fakeAccountCreation) DescribeCreateAccountStatus(_ context.Context, in *organizations.DescribeCreateAccountStatusInput, _ ...func(*organizations.Options)) (*organizations.DescribeCreateAccountStatusOutput, error) {
	st := f.states[f.describe]
	f.describe++
	s := &orgtypes.CreateAccountStatus{Id: in.CreateAccountRequestId, State: st}
	switch st {
	case orgtypes.CreateAccountStateFailed:
		s.FailureReason = f.reason
	case orgtypes.CreateAccountStateSucceeded:
		s.AccountId = aws.String("444455556666")
	}
	return &organizations.DescribeCreateAccountStatusOutput{CreateAccountStatus: s}, nil
}

func TestAccountCreationFailsWithTheReason(t *testing.T) {
	orgs := &fakeAccountCreation{states: []orgtypes.CreateAccountState{"IN_PROGRESS", "IN_PROGRESS", "FAILED"}, reason: orgtypes.CreateAccountFailureReasonEmailAlreadyExists}
	// No users: the IAM fake is never called before the account exists.
	_, out, err := runManagement(t, nil, orgs, ManagementOptions{CreateMember: true, Email: "used@example.com", Name: "Sparklith"})
	if err == nil || !strings.Contains(err.Error(), `creating account "Sparklith" <used@example.com>: FAILED: EMAIL_ALREADY_EXISTS (another AWS account uses this email`) {
		t.Fatalf("err = %v", err)
	}
	if orgs.describe != 3 {
		t.Errorf("DescribeCreateAccountStatus called %d times, want 3", orgs.describe)
	}
	wantOutput(t, out, `creating account "Sparklith" <used@example.com> (request car-1)`, "account creation car-1: FAILED after")
}

func TestAccountCreationWaitStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	orgs := &fakeAccountCreation{onCreate: cancel} // e.g. Ctrl-C while AWS works
	var out bytes.Buffer
	_, err := BootstrapManagement(ctx, nil, orgs, ManagementOptions{CreateMember: true, Email: "new@example.com", PollEvery: time.Hour}, &out)
	if err == nil || !strings.Contains(err.Error(), "context canceled") || !strings.Contains(err.Error(), "run this again") {
		t.Fatalf("err = %v", err)
	}
}

// A creation an interrupted run started is still IN_PROGRESS on AWS and not
// yet listed as an account: the rerun waits for it instead of requesting a
// second account.
func TestAccountCreationInProgressIsResumed(t *testing.T) {
	s := mototest.Start(t)
	cfg := s.Config("us-east-1")
	orgs := &fakeAccountCreation{
		pending: []orgtypes.CreateAccountStatus{{Id: aws.String("car-9"), AccountName: aws.String(iampolicy.MemberAccountName), State: "IN_PROGRESS"}},
		states:  []orgtypes.CreateAccountState{"SUCCEEDED"},
	}
	id, out, err := runManagement(t, iam.NewFromConfig(cfg), orgs, ManagementOptions{CreateMember: true, Email: "sparklith@example.com"})
	if err != nil || id != "444455556666" || orgs.created != 0 {
		t.Fatalf("id %s, err %v, CreateAccount called %d times\n%s", id, err, orgs.created, out)
	}
	wantOutput(t, out, `account "Orchestera Sparklith" is already being created (request car-9)`,
		`created account 444455556666 "Orchestera Sparklith"`, "created group orchestera-admin-group")
}
