package awscmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/aws/onboard"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newBootstrapManagement(o *clikit.Options) *cobra.Command {
	var opts onboard.ManagementOptions
	var aws onboard.Options
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "bootstrap-management (--member-account-id N | --create-member-account --email E)",
		Short: "Set up the management account: member account, orchestera-admin-group and its policies",
		Long: `Does, in your AWS Organization's management account, the guide's "Setup IAM
roles, users and groups": optionally creates the member account ("Orchestera
Sparklith", with OrganizationAccountAccessRole) and waits for it, creates or
updates the policy GrantAccessToOrganizationAccountAccessRole for it, creates
orchestera-admin-group with that policy and AdministratorAccess attached, and
adds the IAM users named in --users, who can then switch into the member
account.

It uses your own AWS credentials (--profile, AWS_PROFILE, the environment),
never the Orchestera server's. Every user must exist: otherwise it changes
nothing. It is safe to run again: what is in place is reported as "already".`,
		Example: "  orchestera aws bootstrap-management --create-member-account --email aws-sparklith@example.com --users alice,bob --profile root\n" +
			"  orchestera aws bootstrap-management --member-account-id 111122223333 --users alice",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flags := cmd.Flags()
			switch {
			case opts.CreateMember && opts.MemberAccountID != "":
				return errors.New("--member-account-id and --create-member-account exclude each other: give one")
			case opts.CreateMember && opts.Email == "":
				return errors.New("--create-member-account needs --email: an address no AWS account uses yet")
			case !opts.CreateMember && (flags.Changed("email") || flags.Changed("name")):
				return errors.New("--email and --name only apply with --create-member-account")
			case !opts.CreateMember && opts.MemberAccountID == "":
				return errors.New("either --member-account-id or --create-member-account with --email is required")
			case opts.MemberAccountID != "":
				if err := accountID("member-account-id", opts.MemberAccountID); err != nil {
					return err
				}
			}
			clients, err := onboard.Connect(cmd.Context(), aws)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			member, err := onboard.BootstrapManagement(ctx, clients.IAM, clients.Organizations, opts, progress(o))
			if err != nil {
				return err
			}
			return o.Render(map[string]string{"member_account_id": member}, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "member account: %s\n", member)
				fmt.Fprintf(w, "next: with credentials for account %s (switch into %s), run: orchestera aws bootstrap (it asks the server you are logged in to for the external ID and the account to trust)\n",
					member, iampolicy.MemberRoleName)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.MemberAccountID, "member-account-id", "", "the existing member account admins may switch into")
	f.BoolVar(&opts.CreateMember, "create-member-account", false, "create the member account in the organization (reused if one has --email)")
	f.StringVar(&opts.Email, "email", "", "email of the member account to create; no AWS account may use it yet")
	f.StringVar(&opts.Name, "name", iampolicy.MemberAccountName, "name of the member account to create")
	f.StringSliceVar(&opts.Users, "users", nil, "IAM users to add to "+iampolicy.AdminGroupName+" (comma-separated; each must exist)")
	f.StringVar(&aws.Profile, "profile", "", "AWS shared config profile of the management account (default: AWS_PROFILE, else the default profile)")
	f.DurationVar(&timeout, "timeout", 30*time.Minute, "give up waiting for the member account after this long (it is still created: run again to continue)")
	return cmd
}

// progress is where AWS commands print their actions: with the table
// output, and on stderr when stdout carries JSON or YAML.
func progress(o *clikit.Options) io.Writer {
	if o.Output == "table" {
		return o.Out
	}
	return o.Err
}
