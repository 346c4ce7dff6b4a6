package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

func newStacksSetConnection(o *clikit.Options) *cobra.Command {
	var conn string
	cmd := &cobra.Command{
		Use:   "set-connection NAME --connection ID",
		Short: "Move a stack to another AWS connection of the same account (admin)",
		Long: `Move a stack to another verified connection of the same AWS account and
region, for instance before deleting the connection it uses now: a connection
that a stack which is not destroyed uses cannot be deleted.`,
		Example:           "  orchestera stacks set-connection etl --connection conn_ab12cd34ef56gh78",
		Args:              clikit.Args("NAME"),
		ValidArgsFunction: clikit.First(clikit.CompleteStacks(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			if conn == "" {
				return errors.New("--connection is required: the id of a verified connection (orchestera connections list)")
			}
			st, err := c.SetStackConnection(cmd.Context(), args[0], conn)
			if err != nil {
				return err
			}
			return renderStacks(o, []api.Stack{st}, st)
		}),
	}
	cmd.Flags().StringVar(&conn, "connection", "", "the connection to move to (required)")
	return cmd
}
