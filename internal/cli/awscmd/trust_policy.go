package awscmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newTrustPolicy(o *clikit.Options) *cobra.Command {
	var externalID, platform string
	cmd := &cobra.Command{
		Use:   "trust-policy",
		Short: "Print OrchesteraAccessRole's trust policy: only Orchestera, only with your external ID",
		Example: "  orchestera aws trust-policy --external-id $EXTERNAL_ID\n" +
			"  orchestera aws trust-policy --external-id $EXTERNAL_ID --platform-account-id 017059471480 > trust.json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if externalID == "" {
				return fmt.Errorf("--external-id is required: your organization's external ID")
			}
			if err := accountID("platform-account-id", platform); err != nil {
				return err
			}
			return writeDocument(o, iampolicy.TrustPolicy(platform, externalID).JSON())
		},
	}
	cmd.Flags().StringVar(&externalID, "external-id", "", "your organization's external ID (required)")
	cmd.Flags().StringVar(&platform, "platform-account-id", iampolicy.GuidePlatformAccountID, "the Orchestera platform's AWS account ID")
	return cmd
}
