package awscmd

import (
	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newLifecyclePolicy(o *clikit.Options) *cobra.Command {
	return &cobra.Command{
		Use:   "lifecycle-policy",
		Short: "Print OrchesteraLifecyclePolicy, what destroying and repairing stacks needs beyond the guide's policy",
		Long: `Print OrchesteraLifecyclePolicy: the IAM actions Orchestera needs beyond
OrchesteraAccessPolicy to take a stack down again (iam:DetachRolePolicy,
iam:DeleteOpenIDConnectProvider) and to repair a drifted trust policy
(iam:UpdateAssumeRolePolicy). Verification's can_destroy check fails until the
role has them. orchestera aws bootstrap creates and attaches this policy; by
hand, create it in IAM > Policies > Create policy > JSON and attach it to
OrchesteraAccessRole.`,
		Example: "  orchestera aws lifecycle-policy > orchestera-lifecycle-policy.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeDocument(o, iampolicy.LifecyclePolicy().JSON())
		},
	}
}
