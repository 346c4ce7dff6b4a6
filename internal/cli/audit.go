package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

func newAudit(o *clikit.Options) *cobra.Command {
	audit := &cobra.Command{
		Use:     "audit",
		Short:   "The audit log: AWS calls made through your roles and identity actions, with who asked (admin)",
		Example: "  orchestera audit list --limit 20\n  orchestera audit list --stack etl --since 24h",
	}
	var q client.AuditQuery
	var since, until string
	list := &cobra.Command{
		Use:   "list",
		Short: "List audit entries, newest first",
		Long: `List the audit log, newest first: every AWS call Orchestera made through your
organization's roles (verify, plan, provision, destroy) and every identity
action (tokens, members, invitations, connections, the external ID), each with
its actor: the user and the token that asked, or "server" for the server's own
periodic verification. Entries outlive what they name.`,
		Example: "  orchestera audit list -o json\n" +
			"  orchestera audit list --connection conn_ab12cd34ef56gh78 --since 2026-11-29T00:00:00Z --until 2026-11-30T00:00:00Z\n" +
			"  orchestera audit list --actor usr_ab12cd34ef56gh78 --limit 50 --cursor <next_cursor>",
		Args: clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			if err := clikit.InRange("limit", q.Limit, 1, 1000); err != nil {
				return err
			}
			now := time.Now()
			var err error
			if q.Since, err = clikit.ParseTime("since", since, now); err != nil {
				return err
			}
			if q.Until, err = clikit.ParseTime("until", until, now); err != nil {
				return err
			}
			p, err := c.Audit(cmd.Context(), q)
			if err != nil {
				return clikit.Flagged(err, map[string]string{"limit": "--limit", "cursor": "--cursor", "until": "--until", "since": "--since"})
			}
			return o.RenderList(p.Items, p.NextCursor, func(w *tabwriter.Writer) {
				clikit.Row(w, "AT", "ACTOR", "CONNECTION", "STACK", "OPERATION", "ACTION", "TARGET", "OUTCOME")
				for _, e := range p.Items {
					clikit.Row(w, e.At.Local().Format("2006-01-02 15:04:05"), actor(e.Actor), clikit.Dash(e.ConnectionID), clikit.Dash(e.Stack), e.Operation, e.Action, clikit.Dash(e.Target), e.Outcome)
				}
				if p.NextCursor != "" {
					fmt.Fprintf(w, "\nmore: --cursor %s\n", p.NextCursor)
				}
			})
		}),
	}
	f := list.Flags()
	f.StringVar(&q.Connection, "connection", "", "only entries of this connection (conn_...)")
	f.StringVar(&q.Stack, "stack", "", "only AWS calls made for this stack")
	f.StringVar(&q.Actor, "actor", "", "only entries by this user (usr_...) or token (tok_...)")
	f.StringVar(&since, "since", "", "only entries at or after this time (RFC 3339) or this long ago (24h)")
	f.StringVar(&until, "until", "", "only entries before this time (RFC 3339) or this long ago")
	f.IntVar(&q.Limit, "limit", 100, "entries per page (1-1000)")
	f.StringVar(&q.Cursor, "cursor", "", "the next page's cursor, from the previous page")
	list.RegisterFlagCompletionFunc("stack", clikit.CompleteStacks(o))
	list.RegisterFlagCompletionFunc("connection", clikit.CompleteConnections(o))
	audit.AddCommand(list)
	return audit
}

func actor(a api.Actor) string {
	switch {
	case a.UserID == "" && a.TokenID == "":
		return "server"
	case a.TokenID == "":
		return a.UserID
	}
	return a.UserID + " (" + a.TokenID + ")"
}
