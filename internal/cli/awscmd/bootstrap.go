package awscmd

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/aws/onboard"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newBootstrap(o *clikit.Options) *cobra.Command {
	var externalID, platformID string
	var aws onboard.Options
	cmd := &cobra.Command{
		Use:   "bootstrap [--external-id ID]",
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
replaced, saying what changed) and otherwise changes nothing.

The external ID and the platform account to trust come from the Orchestera
server when this CLI is logged in as an admin (orchestera login): the role
then trusts exactly the account that server runs as. --external-id and
--platform-account-id override them.`,
		Example: "  orchestera aws bootstrap --profile sparklith\n" +
			"  orchestera aws bootstrap --external-id 3mT9cQ... --platform-account-id 017059471480 -o json",
		Args: clikit.Args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			explicitPlatform := cmd.Flags().Changed("platform-account-id")
			if externalID == "" || !explicitPlatform {
				ext, err := serverExternalID(cmd.Context(), o)
				switch {
				case errors.Is(err, errNotLoggedIn) && externalID != "":
					// Nobody to ask: the guide's account, which the output names.
				case err == nil:
					if externalID == "" {
						externalID = ext.ExternalID
					}
					if !explicitPlatform {
						platformID = ext.PlatformAccountID
					}
				case externalID == "":
					return fmt.Errorf("--external-id is required: your organization's external ID, shown to its admins by the Orchestera server (log in as an admin with orchestera login and bootstrap asks the server): %w", err)
				default:
					fmt.Fprintf(o.Err, "the role will trust the guide's platform account %s: the server was not asked (%v); pass --platform-account-id to trust another\n", platformID, err)
				}
			}
			if err := accountID("platform-account-id", platformID); err != nil {
				return err
			}
			clients, err := onboard.Connect(cmd.Context(), aws)
			if err != nil {
				return err
			}
			c, err := onboard.Bootstrap(cmd.Context(), clients.IAM, clients.STS, externalID, platformID, progress(o))
			if err != nil {
				return err
			}
			return o.Render(c, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "role ARN: %s\n", c.RoleARN)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&externalID, "external-id", "", "your organization's external ID (default: the server's, when logged in as an admin)")
	f.StringVar(&platformID, "platform-account-id", iampolicy.GuidePlatformAccountID, "the Orchestera platform's AWS account id, trusted by the role (default: the server's, when logged in, else the guide's)")
	f.StringVar(&aws.Profile, "profile", "", "AWS shared config profile (default: AWS_PROFILE, else the default profile)")
	f.StringVar(&aws.Region, "region", "", "AWS region (default: AWS_REGION or the profile's, else "+onboard.DefaultRegion+")")
	return cmd
}

var errNotLoggedIn = errors.New("not logged in")

// serverExternalID asks the server the CLI is logged in to for the
// organization's external ID and the account customer roles must trust.
func serverExternalID(ctx context.Context, o *clikit.Options) (api.ExternalID, error) {
	server, token, err := o.Resolve()
	if err != nil {
		return api.ExternalID{}, err
	}
	if token == "" {
		return api.ExternalID{}, fmt.Errorf("%w to %s", errNotLoggedIn, server)
	}
	return client.New(server, token).ExternalID(ctx)
}
