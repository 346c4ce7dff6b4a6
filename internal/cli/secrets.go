package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/client"
)

func newSecrets(o *Options) *cobra.Command {
	secrets := &cobra.Command{
		Use:   "secrets",
		Short: "Run secrets: keys a run pulls into its environment with --pull-secrets-from (admin)",
		Long: `A secret is a flat JSON object of strings under an alias in a stack's
namespace. A run started with --pull-secrets-from ALIAS gets every key as an
environment variable (read it with orchestera.platform.secret(KEY)). Values
are never shown again: listings show aliases and key names only. Keys the
platform sets (PATH, HOME, PYTHON*, LD_*, JAVA_*, SPARK_*, ORCH_*, ...) are
refused.`,
		Example: "  orchestera secrets put --alias warehouse --from-file warehouse.json\n  orchestera secrets list\n  orchestera secrets delete --alias warehouse",
	}
	var stack, namespace, alias, file string
	where := func(c *cobra.Command, withAlias bool) {
		c.Flags().StringVar(&stack, "stack", "local", "the stack")
		c.Flags().StringVar(&namespace, "namespace", "default", "the stack's namespace")
		if withAlias {
			c.Flags().StringVar(&alias, "alias", "", "the secret's alias, a DNS label (required)")
			c.MarkFlagRequired("alias")
		}
	}
	put := &cobra.Command{
		Use:   "put --alias ALIAS --from-file FILE",
		Short: "Create or replace a secret from a JSON file ('-' for stdin)",
		Example: `  printf '{"WAREHOUSE_USER": "etl", "WAREHOUSE_PASSWORD": "..."}' > warehouse.json
  orchestera secrets put --alias warehouse --from-file warehouse.json
  vault read -format=json secret/etl | jq .data | orchestera secrets put --alias warehouse --from-file -`,
		Args: cobra.NoArgs,
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			kv, err := readSecretFile(cmd.InOrStdin(), file)
			if err != nil {
				return err
			}
			s, err := c.PutSecret(cmd.Context(), stack, namespace, alias, kv)
			if err != nil {
				return err
			}
			return o.renderSecrets([]api.Secret{s}, s)
		}),
	}
	where(put, true)
	put.Flags().StringVar(&file, "from-file", "", "a flat JSON object of strings, or - for stdin (required)")
	put.MarkFlagRequired("from-file")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List a namespace's secrets: aliases and key names, never values",
		Example: "  orchestera secrets list --namespace default -o json",
		Args:    cobra.NoArgs,
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			ss, err := c.ListSecrets(cmd.Context(), stack, namespace)
			if err != nil {
				return err
			}
			return o.renderSecrets(ss, ss)
		}),
	}
	where(list, false)

	del := &cobra.Command{
		Use:     "delete --alias ALIAS",
		Short:   "Delete a secret; runs that pull it are refused from then on",
		Example: "  orchestera secrets delete --alias warehouse",
		Args:    cobra.NoArgs,
		RunE: withClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			if err := c.DeleteSecret(cmd.Context(), stack, namespace, alias); err != nil {
				return err
			}
			gone := struct {
				Stack     string `json:"stack"`
				Namespace string `json:"namespace"`
				Alias     string `json:"alias"`
				Deleted   bool   `json:"deleted"`
			}{stack, namespace, alias, true}
			return o.render(gone, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "deleted secret %s from %s/%s\n", alias, stack, namespace)
			})
		}),
	}
	where(del, true)
	secrets.AddCommand(put, list, del)
	return secrets
}

// readSecretFile reads a flat JSON object of strings; errors name the flag,
// never a value.
func readSecretFile(stdin io.Reader, file string) (map[string]string, error) {
	var r io.Reader = stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("--from-file: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err != nil {
		return nil, fmt.Errorf("--from-file %s: %w", file, err)
	}
	if len(b) > 1<<20 {
		return nil, fmt.Errorf("--from-file %s: larger than 1 MiB; a secret is at most 64 KiB", file)
	}
	var kv map[string]string
	if err := json.Unmarshal(b, &kv); err != nil || kv == nil {
		return nil, fmt.Errorf(`--from-file %s: must be a flat JSON object of strings, e.g. {"WAREHOUSE_PASSWORD": "..."}`, file)
	}
	return kv, nil
}

func (o *Options) renderSecrets(rows []api.Secret, v any) error {
	return o.render(v, func(w *tabwriter.Writer) {
		row(w, "STACK", "NAMESPACE", "ALIAS", "KEYS")
		for _, s := range rows {
			row(w, s.Stack, s.Namespace, s.Alias, strings.Join(s.Keys, ","))
		}
	})
}
