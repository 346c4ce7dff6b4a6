package onboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orchestera/orchestera/internal/aws/awssdk"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

// ManagementOptions say which member account the management account's admins
// get access to, and who they are.
type ManagementOptions struct {
	MemberAccountID string // an existing member account; or:
	CreateMember    bool   // create it (or reuse the organization's account with Email)
	Email, Name     string // of the account to create; Name defaults to iampolicy.MemberAccountName
	Users           []string
	PollEvery       time.Duration // how often to check account creation; 0 means 10s
	Clock           domain.Clock  // nil: the real clock
}

// BootstrapManagement does, in the management account the credentials belong
// to, the guide's "Setup IAM roles, users and groups": optionally it creates
// the member account through AWS Organizations, then creates or updates
// GrantAccessToOrganizationAccountAccessRole for that account, creates
// orchestera-admin-group with it and AdministratorAccess attached, and adds
// the users to the group. Every named user must exist: otherwise nothing is
// changed. It prints each action and, for what was in place, an "already"
// line, and returns the member account id.
func BootstrapManagement(ctx context.Context, iamAPI awssdk.IAM, orgs awssdk.Organizations, opts ManagementOptions, out io.Writer) (string, error) {
	users, err := opts.validate()
	if err != nil {
		return "", err
	}
	r := &reporter{out: out, verbose: true}
	if err := checkUsers(ctx, iamAPI, users); err != nil {
		return "", err
	}
	member := opts.MemberAccountID
	if opts.CreateMember {
		if member, err = ensureMemberAccount(ctx, orgs, opts, r); err != nil {
			return "", err
		}
	}
	existing, err := findLocalPolicy(ctx, iamAPI, iampolicy.ManagementPolicyName)
	if err != nil {
		return member, err
	}
	policyARN, err := ensurePolicy(ctx, iamAPI, existing, managedPolicy{
		name:        iampolicy.ManagementPolicyName,
		description: "Lets orchestera-admin-group switch into the Orchestera member account (OrganizationAccountAccessRole); managed by orchestera",
		want:        iampolicy.ManagementPolicy(member),
	}, r)
	if err != nil {
		return member, err
	}
	if err := ensureAdminGroup(ctx, iamAPI, []string{policyARN, iampolicy.AdministratorAccess}, users, r); err != nil {
		return member, err
	}
	if len(r.actions) == 0 {
		fmt.Fprintf(out, "no changes: the management account already gives %s access to account %s\n", iampolicy.AdminGroupName, member)
	}
	return member, nil
}

func (o ManagementOptions) validate() ([]string, error) {
	switch {
	case o.CreateMember && o.MemberAccountID != "":
		return nil, errors.New("give either a member account id or ask to create the member account, not both")
	case o.CreateMember && !strings.Contains(o.Email, "@"):
		return nil, fmt.Errorf("creating the member account needs its email address, got %q", o.Email)
	case !o.CreateMember && !domain.IsAccountID(o.MemberAccountID):
		return nil, fmt.Errorf("member account id %q: must be 12 digits", o.MemberAccountID)
	}
	seen := map[string]bool{}
	var users []string
	for _, u := range o.Users {
		if u = strings.TrimSpace(u); u != "" && !seen[u] {
			seen[u] = true
			users = append(users, u)
		}
	}
	return users, nil
}

// checkUsers fails naming every user that does not exist.
func checkUsers(ctx context.Context, api awssdk.IAM, users []string) error {
	var missing []string
	for _, u := range users {
		_, err := api.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(u)})
		switch {
		case awssdk.IsNotFound(err):
			missing = append(missing, u)
		case err != nil:
			return fmt.Errorf("reading IAM user %s: %w", u, err)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("no IAM user named %s in this account: create it or leave it out; nothing was changed", missing[0])
	}
	return fmt.Errorf("no IAM users named %s in this account: create them or leave them out; nothing was changed", strings.Join(missing, ", "))
}

// ensureMemberAccount returns the organization's account with opts.Email,
// waits for a creation already under way for opts.Name, or creates the
// account with OrganizationAccountAccessRole and waits for it.
func ensureMemberAccount(ctx context.Context, orgs awssdk.Organizations, opts ManagementOptions, r *reporter) (string, error) {
	name := opts.Name
	if name == "" {
		name = iampolicy.MemberAccountName
	}
	accounts := organizations.NewListAccountsPaginator(orgs, &organizations.ListAccountsInput{})
	for accounts.HasMorePages() {
		page, err := accounts.NextPage(ctx)
		if err != nil {
			return "", orgsError("listing the organization's accounts", err)
		}
		for _, a := range page.Accounts {
			if strings.EqualFold(aws.ToString(a.Email), opts.Email) {
				r.already("account %s %q <%s> is already in the organization", aws.ToString(a.Id), aws.ToString(a.Name), aws.ToString(a.Email))
				return aws.ToString(a.Id), nil
			}
		}
	}
	// A creation started by an earlier, interrupted run is not listed as an
	// account until it succeeds; wait for it rather than request a second.
	var status *orgtypes.CreateAccountStatus
	pending := organizations.NewListCreateAccountStatusPaginator(orgs, &organizations.ListCreateAccountStatusInput{
		States: []orgtypes.CreateAccountState{orgtypes.CreateAccountStateInProgress},
	})
	for pending.HasMorePages() && status == nil {
		page, err := pending.NextPage(ctx)
		if err != nil {
			return "", orgsError("listing account creations in progress", err)
		}
		for i, s := range page.CreateAccountStatuses {
			if aws.ToString(s.AccountName) == name {
				status = &page.CreateAccountStatuses[i]
				r.note("account %q is already being created (request %s)", name, aws.ToString(s.Id))
				break
			}
		}
	}
	if status == nil {
		created, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{
			AccountName: aws.String(name),
			Email:       aws.String(opts.Email),
			RoleName:    aws.String(iampolicy.MemberRoleName),
			Tags:        []orgtypes.Tag{{Key: managedByTag.Key, Value: managedByTag.Value}},
		})
		if err != nil {
			return "", orgsError(fmt.Sprintf("creating account %q <%s>", name, opts.Email), err)
		}
		status = created.CreateAccountStatus
		r.note("creating account %q <%s> (request %s)", name, opts.Email, aws.ToString(status.Id))
	}
	status, err := waitForAccount(ctx, orgs, status, opts, r)
	if err != nil {
		return "", err
	}
	if status.State != orgtypes.CreateAccountStateSucceeded {
		return "", fmt.Errorf("creating account %q <%s>: %s: %s%s", name, opts.Email, status.State, status.FailureReason, failureHint(status.FailureReason))
	}
	id := aws.ToString(status.AccountId)
	r.did("created account %s %q <%s> with role %s", id, name, opts.Email, iampolicy.MemberRoleName)
	return id, nil
}

// waitForAccount polls DescribeCreateAccountStatus until the creation ends
// or ctx does. It prints the state when it changes and every 30 seconds.
func waitForAccount(ctx context.Context, orgs awssdk.Organizations, s *orgtypes.CreateAccountStatus, opts ManagementOptions, r *reporter) (*orgtypes.CreateAccountStatus, error) {
	every, clock := opts.PollEvery, opts.Clock
	if every <= 0 {
		every = 10 * time.Second
	}
	if clock == nil {
		clock = domain.RealClock
	}
	start := clock.Now()
	printed, last := start, s.State
	for s.State == orgtypes.CreateAccountStateInProgress {
		if err := clock.Sleep(ctx, every); err != nil {
			return nil, fmt.Errorf("waiting for account creation %s: %w (it goes on in AWS: run this again to pick the account up)", aws.ToString(s.Id), err)
		}
		got, err := orgs.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: s.Id})
		if err != nil {
			return nil, orgsError(fmt.Sprintf("checking account creation %s", aws.ToString(s.Id)), err)
		}
		s = got.CreateAccountStatus
		if now := clock.Now(); s.State != last || now.Sub(printed) >= 30*time.Second {
			r.note("account creation %s: %s after %s", aws.ToString(s.Id), s.State, now.Sub(start).Round(time.Second))
			last, printed = s.State, now
		}
	}
	return s, nil
}

func failureHint(reason orgtypes.CreateAccountFailureReason) string {
	switch reason {
	case orgtypes.CreateAccountFailureReasonEmailAlreadyExists:
		return " (another AWS account uses this email: choose an unused one, or invite that account into the organization)"
	case orgtypes.CreateAccountFailureReasonAccountLimitExceeded:
		return " (the organization has as many accounts as it may: ask AWS Support to raise the quota)"
	}
	return ""
}

// orgsError wraps err, saying what to do when the credentials are not the
// organization's management account's.
func orgsError(doing string, err error) error {
	switch code := awssdk.ErrorCode(err); {
	case code == "AWSOrganizationsNotInUseException":
		return fmt.Errorf("%s: these credentials' account has no AWS Organization: create one first (customer guide, \"Convert your root account to a management account\"): %w", doing, err)
	case awssdk.IsAccessDenied(err):
		return fmt.Errorf("%s: use credentials of the organization's management account: %w", doing, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// findLocalPolicy finds a customer managed policy by name, or returns nil.
func findLocalPolicy(ctx context.Context, api awssdk.IAM, name string) (*iamtypes.Policy, error) {
	pages := iam.NewListPoliciesPaginator(api, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("looking for policy %s: %w", name, err)
		}
		for i, p := range page.Policies {
			if aws.ToString(p.PolicyName) == name {
				return &page.Policies[i], nil
			}
		}
	}
	return nil, nil
}

// ensureAdminGroup creates orchestera-admin-group, attaches the policies and
// adds the users, each only when missing.
func ensureAdminGroup(ctx context.Context, api awssdk.IAM, policyARNs, users []string, r *reporter) error {
	group := iampolicy.AdminGroupName
	members := map[string]bool{}
	pages := iam.NewGetGroupPaginator(api, &iam.GetGroupInput{GroupName: aws.String(group)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if awssdk.IsNotFound(err) {
			if _, err := api.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(group)}); err != nil {
				return fmt.Errorf("creating group %s: %w", group, err)
			}
			r.did("created group %s", group)
			break
		}
		if err != nil {
			return fmt.Errorf("reading group %s: %w", group, err)
		}
		if !page.IsTruncated {
			r.already("group %s already exists", group)
		}
		for _, u := range page.Users {
			members[aws.ToString(u.UserName)] = true
		}
	}

	attached := map[string]bool{}
	policies := iam.NewListAttachedGroupPoliciesPaginator(api, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(group)})
	for policies.HasMorePages() {
		page, err := policies.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing policies attached to group %s: %w", group, err)
		}
		for _, p := range page.AttachedPolicies {
			attached[aws.ToString(p.PolicyArn)] = true
		}
	}
	for _, arn := range policyARNs {
		if attached[arn] {
			r.already("policy %s is already attached to group %s", arn, group)
			continue
		}
		if _, err := api.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(group), PolicyArn: aws.String(arn)}); err != nil {
			return fmt.Errorf("attaching policy %s to group %s: %w", arn, group, err)
		}
		r.did("attached policy %s to group %s", arn, group)
	}

	for _, u := range users {
		if members[u] {
			r.already("user %s is already in group %s", u, group)
			continue
		}
		if _, err := api.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(group), UserName: aws.String(u)}); err != nil {
			return fmt.Errorf("adding user %s to group %s: %w", u, group, err)
		}
		r.did("added user %s to group %s", u, group)
	}
	return nil
}
