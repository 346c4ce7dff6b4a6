package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

func newConnections(o *clikit.Options) *cobra.Command {
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
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			arn, _ := cmd.Flags().GetString("role-arn")
			conn, err := c.CreateConnection(cmd.Context(), arn, regions)
			if err != nil {
				return clikit.Flagged(err, map[string]string{"role_arn": "--role-arn", "regions": "--region"})
			}
			if o.Output == "table" {
				fmt.Fprintf(o.Err, "registered %s; next: orchestera connections verify %s\n", conn.ID, conn.ID)
			}
			return renderConnections(o, []api.Connection{conn}, conn)
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
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			call := c.ExternalID
			if rotate {
				call = c.RotateExternalID
			}
			ext, err := call(cmd.Context())
			if err != nil {
				return err
			}
			return o.Render(ext, func(w *tabwriter.Writer) {
				clikit.Row(w, "EXTERNAL ID", ext.ExternalID)
				clikit.Row(w, "PLATFORM ACCOUNT", ext.PlatformAccountID)
				fmt.Fprintf(w, "\nTrust policy for OrchesteraAccessRole:\n%s", ext.TrustPolicy)
			})
		}),
	}
	externalID.Flags().BoolVar(&rotate, "rotate", false, "replace the external ID (connections must be verified again)")

	conns.AddCommand(create, externalID, &cobra.Command{
		Use:     "list",
		Short:   "List connections",
		Example: "  orchestera connections list -o json",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			cs, err := c.ListConnections(cmd.Context())
			if err != nil {
				return err
			}
			return renderConnections(o, cs, clikit.NewPage(cs, ""))
		}),
	}, &cobra.Command{
		Use:               "get ID",
		Short:             "Show a connection and its latest verification",
		Example:           "  orchestera connections get conn_ab12cd34ef56gh78",
		Args:              clikit.Args("CONNECTION_ID"),
		ValidArgsFunction: clikit.First(clikit.CompleteConnections(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			conn, err := c.GetConnection(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return renderVerification(o, conn)
		}),
	}, &cobra.Command{
		Use:               "delete ID",
		Short:             "Delete a connection (admin); its audit entries stay",
		Example:           "  orchestera connections delete conn_ab12cd34ef56gh78",
		Args:              clikit.Args("CONNECTION_ID"),
		ValidArgsFunction: clikit.First(clikit.CompleteConnections(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			if err := c.DeleteConnection(cmd.Context(), args[0]); err != nil {
				return err
			}
			return o.Render(clikit.Deleted{Kind: "connection", ID: args[0], Deleted: true}, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "deleted %s\n", args[0])
			})
		}),
	}, &cobra.Command{
		Use:   "verify ID",
		Short: "Verify the role now (admin); exit 0 only when every check passed",
		Example: `  orchestera connections verify conn_ab12cd34ef56gh78
  orchestera connections verify conn_ab12cd34ef56gh78 -o json`,
		Args:              clikit.Args("CONNECTION_ID"),
		ValidArgsFunction: clikit.First(clikit.CompleteConnections(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			conn, err := c.VerifyConnection(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := renderVerification(o, conn); err != nil {
				return err
			}
			if conn.State != "verified" {
				return &clikit.ExitError{Code: 1}
			}
			return nil
		}),
	}, &cobra.Command{
		Use:               "events ID",
		Short:             "What happened to a connection",
		Example:           "  orchestera connections events conn_ab12cd34ef56gh78",
		Args:              clikit.Args("CONNECTION_ID"),
		ValidArgsFunction: clikit.First(clikit.CompleteConnections(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			evs, err := c.ConnectionEvents(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return o.RenderList(evs, "", func(w *tabwriter.Writer) {
				clikit.Row(w, "AT", "KIND", "MESSAGE")
				for _, e := range evs {
					clikit.Row(w, e.At.Local().Format("2006-01-02 15:04:05"), e.Kind, e.Message)
				}
			})
		}),
	})
	return conns
}

func renderConnections(o *clikit.Options, rows []api.Connection, v any) error {
	return o.Render(v, func(w *tabwriter.Writer) {
		clikit.Row(w, "ID", "ROLE", "REGIONS", "STATE", "VERIFIED", "HINT")
		for _, c := range rows {
			clikit.Row(w, c.ID, c.RoleARN, strings.Join(c.Regions, ","), c.State, clikit.When(c.LastVerifiedAt), clikit.Dash(c.Hint))
		}
	})
}

// renderVerification shows every check with its evidence and fix, and the
// verdict in words an admin looks for.
func renderVerification(o *clikit.Options, c api.Connection) error {
	return o.Render(c, func(w *tabwriter.Writer) {
		clikit.Row(w, "CONNECTION", c.ID)
		clikit.Row(w, "ROLE", c.RoleARN)
		if c.Verification == nil {
			clikit.Row(w, "STATE", c.State, "(never verified)")
			return
		}
		fmt.Fprintln(w)
		clikit.Row(w, "CHECK", "RESULT", "EVIDENCE")
		for _, ch := range c.Verification.Checks {
			clikit.Row(w, ch.Name, strings.ToUpper(string(ch.Status)), ch.Evidence)
			if ch.Fix != "" && ch.Status != "pass" {
				clikit.Row(w, "", "fix:", ch.Fix)
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
