package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

func newMembers(o *clikit.Options) *cobra.Command {
	members := &cobra.Command{
		Use:     "members",
		Short:   "List and remove the members of your organization",
		Example: "  orchestera members list\n  orchestera members remove usr_ab12cd34ef56gh78",
	}
	members.AddCommand(&cobra.Command{
		Use:     "list",
		Short:   "List members",
		Example: "  orchestera members list -o json",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			ms, err := c.ListMembers(cmd.Context())
			if err != nil {
				return err
			}
			return o.RenderList(ms, "", func(w *tabwriter.Writer) {
				clikit.Row(w, "USER", "EMAIL", "NAME", "ROLE", "JOINED")
				for _, m := range ms {
					clikit.Row(w, m.UserID, m.Email, m.Name, m.Role, clikit.Ago(m.JoinedAt))
				}
			})
		}),
	}, &cobra.Command{
		Use:     "remove USER_ID",
		Short:   "Remove a member and revoke their tokens (admin)",
		Example: "  orchestera members remove usr_ab12cd34ef56gh78\n  orchestera members remove usr_ab12cd34ef56gh78 -o json",
		Args:    clikit.Args("USER_ID"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			if err := c.RemoveMember(cmd.Context(), args[0]); err != nil {
				return err
			}
			return o.Render(clikit.Deleted{Kind: "member", ID: args[0], Deleted: true}, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "removed %s and revoked their tokens\n", args[0])
			})
		}),
	})
	return members
}
