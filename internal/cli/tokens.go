package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

func newTokens(o *clikit.Options) *cobra.Command {
	tokens := &cobra.Command{
		Use:     "tokens",
		Short:   "Create, list and revoke your API tokens",
		Example: "  orchestera tokens create ci\n  orchestera tokens list\n  orchestera tokens revoke tok_ab12cd34ef56gh78",
	}
	tokens.AddCommand(&cobra.Command{
		Use:     "create NAME",
		Short:   "Create a token; its secret is printed once",
		Example: "  orchestera tokens create ci\n  ORCHESTERA_TOKEN=$(orchestera tokens create ci -o json | jq -r .secret)",
		Args:    clikit.Args("NAME"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			t, err := c.CreateToken(cmd.Context(), args[0])
			if err != nil {
				return clikit.Flagged(err, map[string]string{"name": "NAME"})
			}
			return o.Render(t, func(w *tabwriter.Writer) {
				clikit.Row(w, "ID", "NAME", "SECRET")
				clikit.Row(w, t.ID, t.Name, t.Secret)
				fmt.Fprintln(w, "\nStore the secret now: it is not shown again.")
			})
		}),
	}, &cobra.Command{
		Use:     "list",
		Short:   "List your tokens (never their secrets)",
		Example: "  orchestera tokens list -o json",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			ts, err := c.ListTokens(cmd.Context())
			if err != nil {
				return err
			}
			return renderTokens(o, ts, clikit.NewPage(ts, ""))
		}),
	}, &cobra.Command{
		Use:     "revoke TOKEN_ID",
		Short:   "Revoke a token; repeating it is harmless",
		Example: "  orchestera tokens revoke tok_ab12cd34ef56gh78",
		Args:    clikit.Args("TOKEN_ID"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			t, err := c.RevokeToken(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return renderTokens(o, []api.Token{t}, t)
		}),
	})
	return tokens
}

func renderTokens(o *clikit.Options, rows []api.Token, v any) error {
	return o.Render(v, func(w *tabwriter.Writer) {
		clikit.Row(w, "ID", "NAME", "PREFIX", "CREATED", "LAST USED", "REVOKED")
		for _, t := range rows {
			clikit.Row(w, t.ID, t.Name, t.Prefix+"…", clikit.Ago(t.CreatedAt), clikit.When(t.LastUsedAt), clikit.When(t.RevokedAt))
		}
	})
}
