package awscmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newTemplate(o *clikit.Options) *cobra.Command {
	var templateURL, externalID, platform, region string
	cmd := &cobra.Command{
		Use:   "template",
		Short: "Print a CloudFormation template creating OrchesteraAccessPolicy and OrchesteraAccessRole",
		Long: `Print a CloudFormation template that creates OrchesteraAccessPolicy and
OrchesteraAccessRole, with ExternalId and PlatformAccountId as parameters.

The console's quick-create form only loads templates from S3: upload the
template, then pass its URL with --template-url to get a link (on stderr)
that opens the form filled in. Creating the cfn stack needs the
CAPABILITY_NAMED_IAM acknowledgement, since the names are fixed.`,
		Example: "  orchestera aws template > orchestera-access.json\n" +
			"  orchestera aws template --template-url https://my-bucket.s3.amazonaws.com/orchestera-access.json --external-id $EXTERNAL_ID",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if templateURL != "" {
				switch {
				case !strings.HasPrefix(templateURL, "https://"):
					return fmt.Errorf("--template-url %q: must be an https:// URL, such as the template's S3 object URL", templateURL)
				case len(externalID) < iampolicy.ExternalIDMinLength:
					return fmt.Errorf("--external-id is required with --template-url, and the template needs at least %d characters", iampolicy.ExternalIDMinLength)
				case region == "" || strings.ContainsAny(region, "/?#&:. "):
					return fmt.Errorf("--region %q: must be an AWS region such as us-east-1", region)
				}
				if err := accountID("platform-account-id", platform); err != nil {
					return err
				}
			}
			if err := writeDocument(o, iampolicy.CloudFormationTemplate()); err != nil {
				return err
			}
			if templateURL == "" {
				fmt.Fprintln(o.Err, "Upload this template to S3 and rerun with --template-url URL --external-id ID for a quick-create link.")
				return nil
			}
			fmt.Fprintln(o.Err, "Create the cfn stack in the console:\n"+iampolicy.QuickCreateURL(templateURL, region, externalID, platform))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&templateURL, "template-url", "", "the template's https:// URL on S3, for a quick-create link")
	f.StringVar(&externalID, "external-id", "", "your organization's external ID, filled into the link")
	f.StringVar(&platform, "platform-account-id", iampolicy.GuidePlatformAccountID, "the Orchestera platform's AWS account ID, filled into the link")
	f.StringVar(&region, "region", "us-east-1", "the region the console link opens in; Orchestera runs in us-east-1")
	return cmd
}
