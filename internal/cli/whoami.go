package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newWhoami(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:     "whoami",
		Short:   "Show the user, organization and role your token acts as",
		Example: "  orchestera whoami\n  orchestera whoami -o yaml",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			me, err := c.Whoami(cmd.Context())
			if err != nil {
				return err
			}
			return o.render(me, func(w *tabwriter.Writer) {
				row(w, "USER", "EMAIL", "ORGANIZATION", "ROLE", "SERVER")
				row(w, me.User.ID, me.User.Email, me.Organization.Name, me.Role, c.Server())
			})
		},
	}
}
