package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
)

func newWhoami(o *clikit.Options) *cobra.Command {
	return &cobra.Command{
		Use:     "whoami",
		Short:   "Show the user, organization and role your token acts as",
		Example: "  orchestera whoami\n  orchestera whoami -o yaml",
		Args:    clikit.Args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.Client()
			if err != nil {
				return err
			}
			me, err := c.Whoami(cmd.Context())
			if err != nil {
				return err
			}
			return o.Render(me, func(w *tabwriter.Writer) {
				clikit.Row(w, "USER", "EMAIL", "ORGANIZATION", "ROLE", "SERVER")
				clikit.Row(w, me.User.ID, me.User.Email, me.Organization.Name, me.Role, c.Server())
			})
		},
	}
}
