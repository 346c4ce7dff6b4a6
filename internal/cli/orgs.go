package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newOrgs(o *Options) *cobra.Command {
	orgs := &cobra.Command{
		Use:     "orgs",
		Short:   "Your organization",
		Example: "  orchestera orgs get",
	}
	orgs.AddCommand(&cobra.Command{
		Use:     "get",
		Short:   "Show your organization",
		Example: "  orchestera orgs get -o json",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			org, err := c.Organization(cmd.Context())
			if err != nil {
				return err
			}
			return o.render(org, func(w *tabwriter.Writer) {
				row(w, "ID", "NAME", "CREATED")
				row(w, org.ID, org.Name, ago(org.CreatedAt))
			})
		},
	})
	return orgs
}
