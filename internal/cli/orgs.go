package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

func newOrgs(o *clikit.Options) *cobra.Command {
	orgs := &cobra.Command{
		Use:     "orgs",
		Short:   "Your organization",
		Example: "  orchestera orgs get",
	}
	orgs.AddCommand(&cobra.Command{
		Use:     "get",
		Short:   "Show your organization",
		Example: "  orchestera orgs get -o json",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			org, err := c.Organization(cmd.Context())
			if err != nil {
				return err
			}
			return o.Render(org, func(w *tabwriter.Writer) {
				clikit.Row(w, "ID", "NAME", "CREATED")
				clikit.Row(w, org.ID, org.Name, clikit.Ago(org.CreatedAt))
			})
		}),
	})
	return orgs
}
