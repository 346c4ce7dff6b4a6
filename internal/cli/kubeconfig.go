package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/kubeconfig"
)

func newStacksKubeconfig(o *clikit.Options) *cobra.Command {
	var namespace, file string
	cmd := &cobra.Command{
		Use:   "kubeconfig NAME",
		Short: "Write a kubeconfig for one namespace of a cluster stack",
		Long: `Write a kubeconfig whose credential is this command: kubectl runs
'orchestera token' whenever it needs one, which asks the platform for a fresh
token of the namespace's orchestera-user account (valid for an hour). No
long-lived credential is written, and the platform's own never leaves it.`,
		Example: `  orchestera stacks kubeconfig shared --namespace etl --file etl.kubeconfig
  KUBECONFIG=etl.kubeconfig kubectl get pods`,
		Args:              clikit.Args("NAME"),
		ValidArgsFunction: clikit.First(clikit.CompleteStacks(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			stack := args[0]
			ns, err := clikit.OnlyNamespace(cmd.Context(), c, stack, namespace)
			if err != nil {
				return err
			}
			t, err := c.NamespaceToken(cmd.Context(), stack, ns)
			if err != nil {
				return err
			}
			ca, err := base64.StdEncoding.DecodeString(t.CertificateAuthorityData)
			if err != nil {
				return fmt.Errorf("the server sent a bad certificate authority: %w", err)
			}
			self, err := os.Executable()
			if err != nil {
				return err
			}
			out, err := kubeconfig.Build(kubeconfig.Access{Stack: stack, Namespace: ns, Endpoint: t.Endpoint, CA: ca,
				Command: self, Server: c.Server(), Home: o.Home})
			if err != nil {
				return err
			}
			if file == "" {
				_, err = o.Out.Write(out)
				return err
			}
			if err := os.WriteFile(file, out, 0o600); err != nil {
				return err
			}
			abs, _ := filepath.Abs(file)
			fmt.Fprintf(o.Err, "wrote %s: KUBECONFIG=%s kubectl get pods\n", file, abs)
			return nil
		}),
	}
	cmd.Flags().StringVar(&namespace, "namespace", "", "the namespace (default: the stack's only one)")
	cmd.Flags().StringVar(&file, "file", "", "write here (mode 0600) instead of to stdout")
	return cmd
}

func newToken(o *clikit.Options) *cobra.Command {
	var stack, namespace string
	cmd := &cobra.Command{
		Use:   "token --stack S --namespace N",
		Short: "Print a short-lived Kubernetes token as an ExecCredential (kubectl runs this)",
		Long: `Print a fresh token of the namespace's orchestera-user account as the
ExecCredential kubectl's exec plugins speak. 'orchestera stacks kubeconfig'
writes kubeconfigs that run it.`,
		Example: "  orchestera token --stack shared --namespace etl",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			t, err := c.NamespaceToken(cmd.Context(), stack, namespace)
			if err != nil {
				return err
			}
			cred := map[string]any{
				"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
				"status": map[string]string{"token": t.Token, "expirationTimestamp": t.ExpiresAt.UTC().Format(time.RFC3339)},
			}
			return json.NewEncoder(o.Out).Encode(cred)
		}),
	}
	cmd.Flags().StringVar(&stack, "stack", "", "the stack (required)")
	cmd.Flags().StringVar(&namespace, "namespace", "", "the namespace (required)")
	cmd.MarkFlagRequired("stack")
	cmd.MarkFlagRequired("namespace")
	return cmd
}
