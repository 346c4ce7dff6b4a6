package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/aws/onboard"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newAWSBootstrap(o *Options) *cobra.Command {
	var externalID, platformID string
	var aws onboard.Options
	cmd := &cobra.Command{
		Use:   "bootstrap --external-id ID",
		Short: "Create or update OrchesteraAccessPolicy and OrchesteraAccessRole in your member account",
		Long: `Creates, in the AWS account your credentials belong to, what the guide's
"Giving Orchestera Platform access" section asks for: the customer managed
policy OrchesteraAccessPolicy and the role OrchesteraAccessRole, which trusts
the Orchestera platform account only with your organization's external ID.

It uses your own AWS credentials (--profile, AWS_PROFILE, the environment),
never the Orchestera server's: run it as an admin of the member account
("Orchestera Sparklith"), e.g. with a profile that switches into its
OrganizationAccountAccessRole. It is safe to run again: it fixes what drifted
(a changed policy gets a new default version, a changed trust policy is
replaced, saying what changed) and otherwise changes nothing.`,
		Example: "  orchestera aws bootstrap --external-id 3mT9cQ... --profile sparklith\n" +
			"  orchestera aws bootstrap --external-id 3mT9cQ... --platform-account-id 017059471480 -o json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if externalID == "" {
				return errors.New("--external-id is required: your organization's external ID, shown to its admins by the Orchestera server")
			}
			if err := accountID("platform-account-id", platformID); err != nil {
				return err
			}
			clients, err := onboard.Connect(cmd.Context(), aws)
			if err != nil {
				return err
			}
			c, err := onboard.Bootstrap(cmd.Context(), clients.IAM, clients.STS, externalID, platformID, o.progress())
			if err != nil {
				return err
			}
			return o.render(c, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "role ARN: %s\n", c.RoleARN)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&externalID, "external-id", "", "your organization's external ID (required)")
	f.StringVar(&platformID, "platform-account-id", iampolicy.GuidePlatformAccountID, "the Orchestera platform's AWS account id, trusted by the role")
	f.StringVar(&aws.Profile, "profile", "", "AWS shared config profile (default: AWS_PROFILE, else the default profile)")
	f.StringVar(&aws.Region, "region", "", "AWS region (default: AWS_REGION or the profile's, else "+onboard.DefaultRegion+")")
	return cmd
}
