package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/domain"
)

func newInvites(o *clikit.Options) *cobra.Command {
	invites := &cobra.Command{
		Use:     "invites",
		Short:   "Invite people to your organization (admin)",
		Example: "  orchestera invites create ada@example.com --role member\n  orchestera invites list",
	}
	var role string
	create := &cobra.Command{
		Use:   "create EMAIL",
		Short: "Invite an email; the invitee accepts it after signing in with GitHub",
		Long: `Invite an email to your organization. The invitee signs in with GitHub using
that (verified, primary) email and then accepts the invitation explicitly
(orchestera login asks them); signing in alone never joins an organization.
An email belongs to one organization only.`,
		Example: "  orchestera invites create ada@example.com --role admin",
		Args:    clikit.Args("EMAIL"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			inv, err := c.CreateInvitation(cmd.Context(), args[0], domain.Role(role))
			if err != nil {
				return clikit.Flagged(err, map[string]string{"email": "EMAIL", "role": "--role"})
			}
			return renderInvitations(o, []api.Invitation{inv}, inv)
		}),
	}
	create.Flags().StringVar(&role, "role", "member", "member or admin")
	create.RegisterFlagCompletionFunc("role", cobra.FixedCompletions([]string{"member", "admin"}, cobra.ShellCompDirectiveNoFileComp))
	invites.AddCommand(create, &cobra.Command{
		Use:     "list",
		Short:   "List invitations, newest first",
		Example: "  orchestera invites list -o yaml",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			invs, err := c.ListInvitations(cmd.Context())
			if err != nil {
				return err
			}
			return renderInvitations(o, invs, clikit.NewPage(invs, ""))
		}),
	}, &cobra.Command{
		Use:     "revoke INVITATION_ID",
		Short:   "Revoke a pending invitation; repeating it is harmless",
		Example: "  orchestera invites revoke inv_ab12cd34ef56gh78",
		Args:    clikit.Args("INVITATION_ID"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			inv, err := c.RevokeInvitation(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return renderInvitations(o, []api.Invitation{inv}, inv)
		}),
	})
	return invites
}

// renderInvitations shows rows as a table, or v (one or many) as data.
func renderInvitations(o *clikit.Options, rows []api.Invitation, v any) error {
	return o.Render(v, func(w *tabwriter.Writer) {
		clikit.Row(w, "ID", "EMAIL", "ROLE", "STATE", "CREATED", "EXPIRES")
		for _, i := range rows {
			clikit.Row(w, i.ID, i.Email, i.Role, i.State, clikit.Ago(i.CreatedAt), i.ExpiresAt.Format("2006-01-02 15:04"))
		}
	})
}
