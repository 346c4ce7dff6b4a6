package cli

import (
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

func newStacksAttach(o *clikit.Options) *cobra.Command {
	var req api.AttachStackRequest
	var file string
	var wait bool
	cmd := &cobra.Command{
		Use:   "attach NAME --kubeconfig FILE",
		Short: "Attach an existing Kubernetes cluster as a stack, or attach it again with a new credential (admin)",
		Long: `Attach a cluster you already run. The kubeconfig's context (its current one,
or --context) must carry its credential inline or in files this command can
read: a token or client certificate, not an exec plugin, since the server
cannot run the plugin. Only that context is sent, flattened; the server
checks it can reach the cluster and bootstrap namespaces, keeps it
encrypted and never shows it again. Attaching an attached stack again
replaces its credential.`,
		Example: `  orchestera stacks attach shared --kubeconfig ~/.kube/config --context prod --namespace etl --wait
  orchestera stacks attach shared --kubeconfig orchestera-sa.kubeconfig`,
		Args: clikit.Args("NAME"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			kubeconfig, err := flattenContext(file, req.Context)
			if err != nil {
				return err
			}
			req.Name, req.Kubeconfig = args[0], string(kubeconfig)
			st, err := c.AttachStack(cmd.Context(), req)
			if err != nil {
				return err
			}
			if !wait {
				return renderStacks(o, []api.Stack{st}, st)
			}
			return waitForStack(cmd, o, c, st.Name)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&file, "kubeconfig", "", "the kubeconfig file (required)")
	f.StringVar(&req.Context, "context", "", "the context to attach (default: the kubeconfig's current context)")
	f.StringArrayVar(&req.Namespaces, "namespace", nil, "a namespace to bootstrap; repeatable (default: spark)")
	f.BoolVar(&wait, "wait", false, "follow the bootstrap until the stack is ready")
	cmd.MarkFlagRequired("kubeconfig")
	return cmd
}

// flattenContext reads a kubeconfig and keeps one context, with the files
// it refers to inlined: what the server needs and nothing else of the file.
func flattenContext(file, context string) ([]byte, error) {
	cfg, err := clientcmd.LoadFromFile(file)
	if err != nil {
		return nil, fmt.Errorf("--kubeconfig %s: %w", file, err)
	}
	if context != "" {
		cfg.CurrentContext = context
	}
	if _, ok := cfg.Contexts[cfg.CurrentContext]; !ok {
		return nil, fmt.Errorf("--context %q: no such context in %s (it has %v)", cfg.CurrentContext, file, slices.Sorted(maps.Keys(cfg.Contexts)))
	}
	if err := clientcmdapi.MinifyConfig(cfg); err != nil {
		return nil, fmt.Errorf("--kubeconfig %s: %w", file, err)
	}
	if err := clientcmdapi.FlattenConfig(cfg); err != nil {
		return nil, fmt.Errorf("--kubeconfig %s: reading the files it refers to: %w", file, err)
	}
	return clientcmd.Write(*cfg)
}
