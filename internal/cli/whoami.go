package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

func newWhoami(o *clikit.Options) *cobra.Command {
	return &cobra.Command{
		Use:     "whoami",
		Short:   "Show the user, organization and role your token acts as",
		Example: "  orchestera whoami\n  orchestera whoami -o yaml",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			me, err := c.Whoami(cmd.Context())
			if err != nil {
				return err
			}
			return o.Render(me, func(w *tabwriter.Writer) {
				clikit.Row(w, "USER", "EMAIL", "ORGANIZATION", "ROLE", "SERVER")
				clikit.Row(w, me.User.ID, me.User.Email, me.Organization.Name, me.Role, c.Server())
			})
		}),
	}
}
