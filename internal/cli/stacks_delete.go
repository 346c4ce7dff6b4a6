package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

func newStacksDelete(o *clikit.Options) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a destroyed stack (or a draft) so its name can be used again (admin)",
		Long: `Delete the record of a stack that is destroyed, or a draft that never built
anything, with its namespaces, events and runs. A stack that still has
resources in AWS must be destroyed first (orchestera stacks destroy NAME).`,
		Example:           "  orchestera stacks destroy etl --yes --wait && orchestera stacks delete etl",
		Args:              clikit.Args("NAME"),
		ValidArgsFunction: clikit.First(clikit.CompleteStacks(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			if err := c.DeleteStack(cmd.Context(), args[0]); err != nil {
				return err
			}
			return o.Render(clikit.Deleted{Kind: "stack", ID: args[0], Deleted: true}, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "stack %s deleted\n", args[0])
			})
		}),
	}
}
