package awscmd

import (
	"bytes"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newCheckPolicy(o *clikit.Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check-policy FILE...",
		Short: "List the required actions your policies do not grant; exit 1 if any",
		Long: `Check that the policies attached to OrchesteraAccessRole, taken together,
grant every action OrchesteraAccessPolicy lists on every resource, and no
Deny takes one away. Prints each missing action, one per line; "-" reads
stdin.

Exit status: 0 when nothing is missing, 1 when something is (a statement to
paste is printed to stderr), 2 when a file cannot be read or parsed.`,
		Example: "  orchestera aws check-policy my-policy.json\n" +
			"  aws iam get-policy-version --policy-arn $ARN --version-id v1 --query PolicyVersion.Document | orchestera aws check-policy -",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &clikit.ExitError{Code: 2, Message: "check-policy needs at least one policy FILE"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var docs []iampolicy.Document
			for _, path := range args {
				d, err := readPolicy(cmd, path)
				if err != nil {
					return err
				}
				docs = append(docs, d)
			}
			required := iampolicy.RequiredActions()
			missing := iampolicy.Missing(required, docs...)
			out := struct {
				OK      bool     `json:"ok"`
				Missing []string `json:"missing"`
			}{len(missing) == 0, append([]string{}, missing...)}
			if err := o.Render(out, func(w *tabwriter.Writer) {
				for _, a := range missing {
					fmt.Fprintln(w, a)
				}
			}); err != nil {
				return err
			}
			if len(missing) == 0 {
				fmt.Fprintf(o.Err, "all %d required actions are granted\n", len(required))
				return nil
			}
			return &clikit.ExitError{Code: 1, Message: fmt.Sprintf(
				"%d of %d required actions are not granted. Attach this policy too, or add its statement to yours "+
					"(if a Deny withholds them, narrow the Deny instead):\n%s",
				len(missing), len(required), bytes.TrimRight(iampolicy.AddStatement(missing).JSON(), "\n"))}
		},
	}
	usageExit(cmd)
	return cmd
}
