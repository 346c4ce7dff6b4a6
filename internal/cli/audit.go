package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/client"
)

func newAudit(o *Options) *cobra.Command {
	audit := &cobra.Command{
		Use:     "audit",
		Short:   "The AWS calls Orchestera made through your roles (admin)",
		Example: "  orchestera audit list --limit 20",
	}
	var limit int
	list := &cobra.Command{
		Use:     "list",
		Short:   "List AWS calls made through your roles, newest first",
		Example: "  orchestera audit list -o json",
		Args:    cobra.NoArgs,
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			es, err := c.Audit(cmd.Context(), limit)
			if err != nil {
				return err
			}
			return o.render(es, func(w *tabwriter.Writer) {
				row(w, "AT", "CONNECTION", "OPERATION", "ACTION", "OUTCOME")
				for _, e := range es {
					row(w, e.At.Local().Format("2006-01-02 15:04:05"), e.ConnectionID, e.Operation, e.Action, e.Outcome)
				}
			})
		}),
	}
	list.Flags().IntVar(&limit, "limit", 100, "entries to show (at most 1000)")
	audit.AddCommand(list)
	return audit
}
