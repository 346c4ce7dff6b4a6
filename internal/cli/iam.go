package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

func newIAM(o *clikit.Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "iam",
		Short: "Per-namespace AWS access on aws-eks stacks: an IAM role for a service account (admin)",
		Long: `An IAM access is a JSON document in SSM in your AWS account,
/orchestera/sparklith/<cluster>/<namespace>/iams/<alias>:

  {"service_account_name": "spark", "role_name": "etl-s3-reader",
   "inline_policies": {"read-events": {"Version": "2012-10-17", "Statement": [...]}},
   "tags": {"team": "data"}}

The stack's sync makes it an IAM role that only that service account of
that namespace can assume (IRSA, through the cluster's OIDC provider), with
those inline policies and tags, and annotates the service account with it.
Runs use the spark account. This command checks the document, then writes
it with your own AWS credentials (--profile): the platform's role may only
read it.`,
		Example: "  orchestera iam put --stack prod --namespace etl --alias s3 --from-file s3-access.json --profile sparklith\n" +
			"  orchestera iam list --stack prod",
	}
	var at paramTarget
	var file string
	put := &cobra.Command{
		Use:     "put --stack S --namespace N --alias A --from-file FILE",
		Short:   "Check an IAM access document and write it to SSM ('-' for stdin)",
		Example: "  orchestera iam put --stack prod --namespace etl --alias s3 --from-file s3-access.json",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			st, eks, err := at.eks(cmd.Context(), c)
			if err != nil {
				return err
			}
			if !eks {
				return fmt.Errorf("--stack %s is a %s stack: IAM roles are for aws-eks stacks", st.Name, st.Kind)
			}
			b, err := readFile(cmd.InOrStdin(), file)
			if err != nil {
				return err
			}
			if _, err := iampolicy.ParseAccess(string(b)); err != nil {
				return fmt.Errorf("--from-file %s: %v", file, err)
			}
			return at.put(cmd, o, st, domain.ParamIAM, string(b))
		}),
	}
	at.flags(put, true)
	put.Flags().StringVar(&file, "from-file", "", "the JSON document, or - for stdin (required)")
	put.MarkFlagRequired("from-file")

	var listAt paramTarget
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the IAM accesses the stack's last sync found, with any problem",
		Example: "  orchestera iam list --stack prod --namespace etl -o json",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			st, err := c.GetStack(cmd.Context(), listAt.stack)
			if err != nil {
				return err
			}
			ns := listAt.namespace
			if !cmd.Flags().Changed("namespace") {
				ns = ""
			}
			return synced(o, st, domain.SyncIAM, ns)
		}),
	}
	listAt.flags(list, false)

	var delAt paramTarget
	del := &cobra.Command{
		Use:     "delete --stack S --namespace N --alias A",
		Short:   "Delete an IAM access; the next sync deletes its role",
		Example: "  orchestera iam delete --stack prod --namespace etl --alias s3",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			st, eks, err := delAt.eks(cmd.Context(), c)
			if err != nil {
				return err
			}
			if !eks {
				return fmt.Errorf("--stack %s is a %s stack: IAM roles are for aws-eks stacks", st.Name, st.Kind)
			}
			return delAt.remove(cmd, o, st, domain.ParamIAM)
		}),
	}
	delAt.flags(del, true)
	cmd.AddCommand(put, list, del)
	return cmd
}
