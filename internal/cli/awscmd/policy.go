package awscmd

import (
	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newPolicy(o *clikit.Options) *cobra.Command {
	return &cobra.Command{
		Use:   "policy",
		Short: "Print OrchesteraAccessPolicy, the permissions Orchestera needs in your member account",
		Long: `Print OrchesteraAccessPolicy as the setup guide gives it, duplicates removed.
Paste it into IAM > Policies > Create policy > JSON in the member account.`,
		Example: "  orchestera aws policy\n  orchestera aws policy > orchestera-access-policy.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeDocument(o, iampolicy.AccessPolicy().JSON())
		},
	}
}
