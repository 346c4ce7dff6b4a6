package awscmd

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newCheckTrust(o *clikit.Options) *cobra.Command {
	var externalID, platform string
	cmd := &cobra.Command{
		Use:   "check-trust FILE",
		Short: "Check that a trust policy lets only Orchestera in, and only with your external ID",
		Long: `Check OrchesteraAccessRole's trust policy: only the Orchestera platform
account may assume the role, and only with your organization's external ID
(StringEquals on sts:ExternalId). "-" reads stdin.

Exit status: 0 when it is right, 1 with each problem and its fix, 2 when the
file cannot be read or parsed or a flag is wrong.`,
		Example: "  orchestera aws check-trust trust.json --external-id $EXTERNAL_ID\n" +
			"  aws iam get-role --role-name OrchesteraAccessRole --query Role.AssumeRolePolicyDocument | orchestera aws check-trust - --external-id $EXTERNAL_ID",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &clikit.ExitError{Code: 2, Message: fmt.Sprintf("check-trust needs exactly one trust policy FILE, got %d", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if externalID == "" {
				return &clikit.ExitError{Code: 2, Message: "--external-id is required: your organization's external ID"}
			}
			if err := accountID("platform-account-id", platform); err != nil {
				return &clikit.ExitError{Code: 2, Message: err.Error()}
			}
			doc, err := readPolicy(cmd, args[0])
			if err != nil {
				return err
			}
			problems := iampolicy.LintTrust(doc, platform, externalID)
			out := struct {
				OK       bool                `json:"ok"`
				Problems []iampolicy.Problem `json:"problems"`
			}{len(problems) == 0, append([]iampolicy.Problem{}, problems...)}
			if err := o.Render(out, func(w *tabwriter.Writer) {
				if len(problems) == 0 {
					fmt.Fprintln(w, "trust policy OK")
				}
				for _, p := range problems {
					fmt.Fprintf(w, "%s: %s\n  fix: %s\n", p.Rule, p.Message, p.Fix)
				}
			}); err != nil {
				return err
			}
			if len(problems) > 0 {
				return &clikit.ExitError{Code: 1, Message: fmt.Sprintf("%s: %d problem(s) in the trust policy", args[0], len(problems))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&externalID, "external-id", "", "your organization's external ID (required)")
	f.StringVar(&platform, "platform-account-id", iampolicy.GuidePlatformAccountID, "the Orchestera platform's AWS account ID")
	usageExit(cmd)
	return cmd
}
