package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

func newStacksSync(o *clikit.Options) *cobra.Command {
	return &cobra.Command{
		Use:   "sync NAME",
		Short: "Sync a cluster stack's secrets, IAM roles and datasources now; exit 1 if any could not be (admin)",
		Long: `Bring the stack's cluster in line with its sources now instead of at the
next periodic sync: a Secret per secret alias, an IAM role and service
account annotation per IAM parameter, the connections Secret from the
datasources. What was synced before and whose source is gone is removed.
Each source that could not be synced is listed with its problem; the others
are synced regardless.`,
		Example:           "  orchestera stacks sync shared\n  orchestera stacks sync shared -o json",
		Args:              clikit.Args("NAME"),
		ValidArgsFunction: clikit.First(clikit.CompleteStacks(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			r, err := c.SyncStack(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := o.Render(r, func(w *tabwriter.Writer) { syncTable(w, &r) }); err != nil {
				return err
			}
			if r.Problems > 0 {
				return &clikit.ExitError{Code: 1, Message: fmt.Sprintf("%d sources could not be synced", r.Problems)}
			}
			return nil
		}),
	}
}

// syncTable lists each source of a sync with its status, never a value.
func syncTable(w *tabwriter.Writer, r *api.SyncStatus) {
	clikit.Row(w, "NAMESPACE", "KIND", "ALIAS", "SOURCE", "STATUS")
	for _, it := range r.Items {
		status := "synced"
		if it.Problem != "" {
			status = it.Problem
		}
		clikit.Row(w, it.Namespace, it.Kind, it.Alias, it.Source, status)
	}
	fmt.Fprintf(w, "\nsynced %s: %d synced, %d removed, %d with problems\n", clikit.Ago(r.At), r.Synced, r.Removed, r.Problems)
}
