package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
)

func newTokens(o *Options) *cobra.Command {
	tokens := &cobra.Command{
		Use:     "tokens",
		Short:   "Create, list and revoke your API tokens",
		Example: "  orchestera tokens create ci\n  orchestera tokens list\n  orchestera tokens revoke tok_ab12cd34ef56gh78",
	}
	tokens.AddCommand(&cobra.Command{
		Use:     "create NAME",
		Short:   "Create a token; its secret is printed once",
		Example: "  orchestera tokens create ci\n  ORCHESTERA_TOKEN=$(orchestera tokens create ci -o json | jq -r .secret)",
		Args:    args("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			t, err := c.CreateToken(cmd.Context(), args[0])
			if err != nil {
				return flagged(err, map[string]string{"name": "NAME"})
			}
			return o.render(t, func(w *tabwriter.Writer) {
				row(w, "ID", "NAME", "SECRET")
				row(w, t.ID, t.Name, t.Secret)
				fmt.Fprintln(w, "\nStore the secret now: it is not shown again.")
			})
		},
	}, &cobra.Command{
		Use:     "list",
		Short:   "List your tokens (never their secrets)",
		Example: "  orchestera tokens list -o json",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			ts, err := c.ListTokens(cmd.Context())
			if err != nil {
				return err
			}
			return o.renderTokens(ts, newPage(ts, ""))
		},
	}, &cobra.Command{
		Use:     "revoke TOKEN_ID",
		Short:   "Revoke a token; repeating it is harmless",
		Example: "  orchestera tokens revoke tok_ab12cd34ef56gh78",
		Args:    args("TOKEN_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			t, err := c.RevokeToken(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return o.renderTokens([]api.Token{t}, t)
		},
	})
	return tokens
}

func (o *Options) renderTokens(rows []api.Token, v any) error {
	return o.render(v, func(w *tabwriter.Writer) {
		row(w, "ID", "NAME", "PREFIX", "CREATED", "LAST USED", "REVOKED")
		for _, t := range rows {
			row(w, t.ID, t.Name, t.Prefix+"…", ago(t.CreatedAt), when(t.LastUsedAt), when(t.RevokedAt))
		}
	})
}
