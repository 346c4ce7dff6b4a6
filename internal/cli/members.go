package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newMembers(o *Options) *cobra.Command {
	members := &cobra.Command{
		Use:     "members",
		Short:   "List and remove the members of your organization",
		Example: "  orchestera members list\n  orchestera members remove usr_ab12cd34ef56gh78",
	}
	members.AddCommand(&cobra.Command{
		Use:     "list",
		Short:   "List members",
		Example: "  orchestera members list -o json",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			ms, err := c.ListMembers(cmd.Context())
			if err != nil {
				return err
			}
			return o.renderList(ms, "", func(w *tabwriter.Writer) {
				row(w, "USER", "EMAIL", "NAME", "ROLE", "JOINED")
				for _, m := range ms {
					row(w, m.UserID, m.Email, m.Name, m.Role, ago(m.JoinedAt))
				}
			})
		},
	}, &cobra.Command{
		Use:     "remove USER_ID",
		Short:   "Remove a member and revoke their tokens (admin)",
		Example: "  orchestera members remove usr_ab12cd34ef56gh78\n  orchestera members remove usr_ab12cd34ef56gh78 -o json",
		Args:    args("USER_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			if err := c.RemoveMember(cmd.Context(), args[0]); err != nil {
				return err
			}
			return o.render(deleted{Kind: "member", ID: args[0], Deleted: true}, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "removed %s and revoked their tokens\n", args[0])
			})
		},
	})
	return members
}
