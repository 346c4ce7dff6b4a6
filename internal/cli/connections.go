package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/client"
)

func newConnections(o *Options) *cobra.Command {
	conns := &cobra.Command{
		Use:   "connections",
		Short: "Connect and verify the AWS account Orchestera works in",
		Example: `  orchestera connections external-id
  orchestera connections create --role-arn arn:aws:iam::123456789012:role/OrchesteraAccessRole
  orchestera connections verify conn_ab12cd34ef56gh78`,
	}
	var regions []string
	create := &cobra.Command{
		Use:     "create --role-arn ARN",
		Short:   "Register OrchesteraAccessRole (admin)",
		Example: "  orchestera connections create --role-arn arn:aws:iam::123456789012:role/OrchesteraAccessRole --region us-east-1",
		Args:    args(),
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			arn, _ := cmd.Flags().GetString("role-arn")
			conn, err := c.CreateConnection(cmd.Context(), arn, regions)
			if err != nil {
				return flagged(err, map[string]string{"role_arn": "--role-arn", "regions": "--region"})
			}
			if o.Output == "table" {
				fmt.Fprintf(o.Err, "registered %s; next: orchestera connections verify %s\n", conn.ID, conn.ID)
			}
			return o.renderConnections([]api.Connection{conn}, conn)
		}),
	}
	create.Flags().String("role-arn", "", "the ARN of OrchesteraAccessRole in your member account (required)")
	create.Flags().StringSliceVar(&regions, "region", nil, "regions stacks may use (repeatable; default: the server's default)")
	create.MarkFlagRequired("role-arn")

	var rotate bool
	externalID := &cobra.Command{
		Use:   "external-id",
		Short: "Show the external ID and trust policy for OrchesteraAccessRole (admin)",
		Long: `Show your organization's external ID, the AWS account the role must trust, and
the trust policy to paste. --rotate replaces the external ID: every connection
then needs its trust policy updated and a new verification.`,
		Example: "  orchestera connections external-id\n  orchestera connections external-id -o json | jq -r .external_id",
		Args:    args(),
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			call := c.ExternalID
			if rotate {
				call = c.RotateExternalID
			}
			ext, err := call(cmd.Context())
			if err != nil {
				return err
			}
			return o.render(ext, func(w *tabwriter.Writer) {
				row(w, "EXTERNAL ID", ext.ExternalID)
				row(w, "PLATFORM ACCOUNT", ext.PlatformAccountID)
				fmt.Fprintf(w, "\nTrust policy for OrchesteraAccessRole:\n%s", ext.TrustPolicy)
			})
		}),
	}
	externalID.Flags().BoolVar(&rotate, "rotate", false, "replace the external ID (connections must be verified again)")

	conns.AddCommand(create, externalID, &cobra.Command{
		Use:     "list",
		Short:   "List connections",
		Example: "  orchestera connections list -o json",
		Args:    args(),
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			cs, err := c.ListConnections(cmd.Context())
			if err != nil {
				return err
			}
			return o.renderConnections(cs, newPage(cs, ""))
		}),
	}, &cobra.Command{
		Use:               "get ID",
		Short:             "Show a connection and its latest verification",
		Example:           "  orchestera connections get conn_ab12cd34ef56gh78",
		Args:              args("CONNECTION_ID"),
		ValidArgsFunction: first(completeConnections(o)),
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			conn, err := c.GetConnection(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return o.renderVerification(conn)
		}),
	}, &cobra.Command{
		Use:               "delete ID",
		Short:             "Delete a connection (admin); its audit entries stay",
		Example:           "  orchestera connections delete conn_ab12cd34ef56gh78",
		Args:              args("CONNECTION_ID"),
		ValidArgsFunction: first(completeConnections(o)),
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			if err := c.DeleteConnection(cmd.Context(), args[0]); err != nil {
				return err
			}
			return o.render(deleted{Kind: "connection", ID: args[0], Deleted: true}, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "deleted %s\n", args[0])
			})
		}),
	}, &cobra.Command{
		Use:   "verify ID",
		Short: "Verify the role now (admin); exit 0 only when every check passed",
		Example: `  orchestera connections verify conn_ab12cd34ef56gh78
  orchestera connections verify conn_ab12cd34ef56gh78 -o json`,
		Args:              args("CONNECTION_ID"),
		ValidArgsFunction: first(completeConnections(o)),
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			conn, err := c.VerifyConnection(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := o.renderVerification(conn); err != nil {
				return err
			}
			if conn.State != "verified" {
				return &ExitError{Code: 1}
			}
			return nil
		}),
	}, &cobra.Command{
		Use:               "events ID",
		Short:             "What happened to a connection",
		Example:           "  orchestera connections events conn_ab12cd34ef56gh78",
		Args:              args("CONNECTION_ID"),
		ValidArgsFunction: first(completeConnections(o)),
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			evs, err := c.ConnectionEvents(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return o.renderList(evs, "", func(w *tabwriter.Writer) {
				row(w, "AT", "KIND", "MESSAGE")
				for _, e := range evs {
					row(w, e.At.Local().Format("2006-01-02 15:04:05"), e.Kind, e.Message)
				}
			})
		}),
	})
	return conns
}

func (o *Options) renderConnections(rows []api.Connection, v any) error {
	return o.render(v, func(w *tabwriter.Writer) {
		row(w, "ID", "ROLE", "REGIONS", "STATE", "VERIFIED", "HINT")
		for _, c := range rows {
			row(w, c.ID, c.RoleARN, strings.Join(c.Regions, ","), c.State, when(c.LastVerifiedAt), dash(c.Hint))
		}
	})
}

// renderVerification shows every check with its evidence and fix, and the
// verdict in words an admin looks for.
func (o *Options) renderVerification(c api.Connection) error {
	return o.render(c, func(w *tabwriter.Writer) {
		row(w, "CONNECTION", c.ID)
		row(w, "ROLE", c.RoleARN)
		if c.Verification == nil {
			row(w, "STATE", c.State, "(never verified)")
			return
		}
		fmt.Fprintln(w)
		row(w, "CHECK", "RESULT", "EVIDENCE")
		for _, ch := range c.Verification.Checks {
			row(w, ch.Name, strings.ToUpper(string(ch.Status)), ch.Evidence)
			if ch.Fix != "" && ch.Status != "pass" {
				row(w, "", "fix:", ch.Fix)
			}
		}
		if strings.Contains(fmt.Sprint(c.Verification.Checks), "$EXTERNAL_ID") {
			fmt.Fprintln(w, "\n$EXTERNAL_ID is your organization's external ID: orchestera connections external-id shows it (admins)")
		}
		fmt.Fprintln(w)
		if c.Verification.Verified {
			fmt.Fprintln(w, "ROLE VERIFIED")
		} else {
			fmt.Fprintf(w, "NOT VERIFIED: %s\n", c.Hint)
		}
	})
}

// withClient resolves the API client before running f.
func withClient(o *Options, f func(*cobra.Command, *client.Client, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := o.client()
		if err != nil {
			return err
		}
		return f(cmd, c, args)
	}
}
