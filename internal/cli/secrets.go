package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/domain"
)

func newSecrets(o *clikit.Options) *cobra.Command {
	secrets := &cobra.Command{
		Use:   "secrets",
		Short: "Run secrets: keys a run pulls into its environment with --pull-secrets-from (admin)",
		Long: `A secret is a flat JSON object of strings under an alias in a stack's
namespace. A run started with --pull-secrets-from ALIAS gets every key as an
environment variable (read it with orchestera.platform.secret(KEY)). Values
are never shown again: listings show aliases and key names only. Keys the
platform sets (PATH, HOME, PYTHON*, LD_*, JAVA_*, SPARK_*, ORCH_*, ...) are
refused.

Where a secret is kept depends on the stack: the local stack keeps it on
this machine, an attached cluster in the platform's store (encrypted), and
both sync it into the namespace as a Secret of that name. An aws-eks stack's
secrets are SecureString parameters in your AWS account,
/orchestera/sparklith/<cluster>/<namespace>/secrets/<alias>, which this
command writes with your own AWS credentials (--profile): the platform's
role may only read them.`,
		Example: "  orchestera secrets put --alias warehouse --from-file warehouse.json\n" +
			"  orchestera secrets put --stack prod --namespace etl --alias warehouse --from-file warehouse.json --profile sparklith\n" +
			"  orchestera secrets list\n  orchestera secrets delete --alias warehouse",
	}
	var at paramTarget
	var file string
	put := &cobra.Command{
		Use:   "put --alias ALIAS --from-file FILE",
		Short: "Create or replace a secret from a JSON file ('-' for stdin)",
		Example: `  printf '{"WAREHOUSE_USER": "etl", "WAREHOUSE_PASSWORD": "..."}' > warehouse.json
  orchestera secrets put --alias warehouse --from-file warehouse.json
  vault read -format=json secret/etl | jq .data | orchestera secrets put --alias warehouse --from-file -`,
		Args: clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			kv, err := readSecretFile(cmd.InOrStdin(), file)
			if err != nil {
				return err
			}
			if st, eks, err := at.eks(cmd.Context(), c); err != nil {
				return err
			} else if eks {
				if err := domain.ValidateSecret(kv); err != nil {
					return clikit.Flagged(err, map[string]string{"keys": "--from-file"})
				}
				raw, _ := json.Marshal(kv) // strings only: cannot fail
				return at.put(cmd, o, st, domain.ParamSecrets, string(raw))
			}
			s, err := c.PutSecret(cmd.Context(), at.stack, at.namespace, at.alias, kv)
			if err != nil {
				return err
			}
			return renderSecrets(o, []api.Secret{s}, s)
		}),
	}
	at.flags(put, true)
	put.Flags().StringVar(&file, "from-file", "", "a flat JSON object of strings, or - for stdin (required)")
	put.MarkFlagRequired("from-file")

	var listAt paramTarget
	list := &cobra.Command{
		Use:     "list",
		Short:   "List a namespace's secrets: aliases and key names, never values",
		Example: "  orchestera secrets list --namespace default -o json",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			if st, eks, err := listAt.eks(cmd.Context(), c); err != nil {
				return err
			} else if eks {
				return synced(o, st, domain.SyncSecret, listAt.namespace)
			}
			ss, err := c.ListSecrets(cmd.Context(), listAt.stack, listAt.namespace)
			if err != nil {
				return err
			}
			return renderSecrets(o, ss, clikit.NewPage(ss, ""))
		}),
	}
	listAt.flags(list, false)

	var delAt paramTarget
	del := &cobra.Command{
		Use:     "delete --alias ALIAS",
		Short:   "Delete a secret; runs that pull it are refused from then on",
		Example: "  orchestera secrets delete --alias warehouse",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			if st, eks, err := delAt.eks(cmd.Context(), c); err != nil {
				return err
			} else if eks {
				return delAt.remove(cmd, o, st, domain.ParamSecrets)
			}
			if err := c.DeleteSecret(cmd.Context(), delAt.stack, delAt.namespace, delAt.alias); err != nil {
				return err
			}
			gone := struct {
				Stack     string `json:"stack"`
				Namespace string `json:"namespace"`
				Alias     string `json:"alias"`
				Deleted   bool   `json:"deleted"`
			}{delAt.stack, delAt.namespace, delAt.alias, true}
			return o.Render(gone, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "deleted secret %s from %s/%s\n", delAt.alias, delAt.stack, delAt.namespace)
			})
		}),
	}
	delAt.flags(del, true)
	secrets.AddCommand(put, list, del)
	return secrets
}

// readSecretFile reads a flat JSON object of strings; errors name the flag,
// never a value.
func readSecretFile(stdin io.Reader, file string) (map[string]string, error) {
	b, err := readFile(stdin, file)
	if err != nil {
		return nil, err
	}
	var kv map[string]string
	if err := json.Unmarshal(b, &kv); err != nil || kv == nil {
		return nil, fmt.Errorf(`--from-file %s: must be a flat JSON object of strings, e.g. {"WAREHOUSE_PASSWORD": "..."}`, file)
	}
	return kv, nil
}

func renderSecrets(o *clikit.Options, rows []api.Secret, v any) error {
	return o.Render(v, func(w *tabwriter.Writer) {
		clikit.Row(w, "STACK", "NAMESPACE", "ALIAS", "KEYS")
		for _, s := range rows {
			clikit.Row(w, s.Stack, s.Namespace, s.Alias, strings.Join(s.Keys, ","))
		}
	})
}
