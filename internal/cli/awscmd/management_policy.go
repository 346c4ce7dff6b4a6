package awscmd

import (
	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newManagementPolicy(o *clikit.Options) *cobra.Command {
	var member string
	cmd := &cobra.Command{
		Use:   "management-policy",
		Short: "Print GrantAccessToOrganizationAccountAccessRole for your management account",
		Long: `Print GrantAccessToOrganizationAccountAccessRole: it lets the management
account's orchestera-admin-group switch into the member account's
OrganizationAccountAccessRole.`,
		Example: "  orchestera aws management-policy --member-account-id 111122223333",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := accountID("member-account-id", member); err != nil {
				return err
			}
			return writeDocument(o, iampolicy.ManagementPolicy(member).JSON())
		},
	}
	cmd.Flags().StringVar(&member, "member-account-id", "", "the Orchestera Sparklith member account's ID (required)")
	return cmd
}
