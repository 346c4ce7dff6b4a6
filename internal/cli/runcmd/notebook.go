package runcmd

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

// NewNotebook is `orchestera notebook`: start, list, stop and connect to
// Jupyter notebooks in a namespace.
func NewNotebook(o *clikit.Options) *cobra.Command {
	var stack, namespace string
	cmd := &cobra.Command{
		Use:   "notebook",
		Short: "Jupyter notebooks in a namespace of a Kubernetes stack, with the runs' runtime, secrets and connections",
		Long: `A notebook is a Jupyter server pod in a namespace, from an image with
Jupyter and the orchestera runtime (the project's Spark image has both). It
runs as the namespace's spark account with the pulled secrets as variables
and the connections file mounted, so OrchesteraSparkSession in a notebook
starts executors as a run does. Each notebook has a random token; connect
port-forwards it to this machine through the platform.`,
		Example: `  orchestera notebook start explore --stack shared --namespace etl --image ghcr.io/acme/etl:1.4 --pull-secrets-from warehouse
  orchestera notebook connect explore --stack shared --namespace etl
  orchestera notebook stop explore --stack shared --namespace etl`,
	}
	cmd.PersistentFlags().StringVar(&stack, "stack", "", "the stack (required)")
	cmd.PersistentFlags().StringVar(&namespace, "namespace", "", "the namespace (default: the stack's only one)")
	cmd.MarkPersistentFlagRequired("stack")
	ns := func(cmd *cobra.Command, c *client.Client) (string, error) {
		return clikit.OnlyNamespace(cmd.Context(), c, stack, namespace)
	}

	var image string
	var secrets []string
	start := &cobra.Command{
		Use:     "start NAME --image IMG",
		Short:   "Start a notebook; starting one that runs returns it",
		Example: "  orchestera notebook start explore --stack shared --image localhost/orchestera-spark:test",
		Args:    clikit.Args("NAME"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			n, err := ns(cmd, c)
			if err != nil {
				return err
			}
			nb, err := c.StartNotebook(cmd.Context(), stack, n, args[0], image, secrets)
			if err != nil {
				return clikit.Flagged(err, map[string]string{"name": "NAME", "image": "--image", "pull_secrets_from": "--pull-secrets-from"})
			}
			return renderNotebooks(o, []api.Notebook{nb}, nb)
		}),
	}
	start.Flags().StringVar(&image, "image", "", "an image with Jupyter and the orchestera runtime (required)")
	start.Flags().StringSliceVar(&secrets, "pull-secrets-from", nil, "secret aliases whose keys become environment variables")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List a namespace's notebooks",
		Example: "  orchestera notebook list --stack shared -o json",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			n, err := ns(cmd, c)
			if err != nil {
				return err
			}
			nbs, err := c.ListNotebooks(cmd.Context(), stack, n)
			if err != nil {
				return err
			}
			return renderNotebooks(o, nbs, clikit.NewPage(nbs, ""))
		}),
	}

	stop := &cobra.Command{
		Use:     "stop NAME",
		Short:   "Stop a notebook (its executors go with it)",
		Example: "  orchestera notebook stop explore --stack shared",
		Args:    clikit.Args("NAME"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			n, err := ns(cmd, c)
			if err != nil {
				return err
			}
			if err := c.StopNotebook(cmd.Context(), stack, n, args[0]); err != nil {
				return err
			}
			return o.Render(clikit.Deleted{Kind: "notebook", ID: args[0], Deleted: true}, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "notebook %s stopped\n", args[0])
			})
		}),
	}

	var local int
	connect := &cobra.Command{
		Use:   "connect NAME",
		Short: "Forward a notebook to this machine and print its URL with its token; ^C ends it",
		Long: `Port-forward the notebook's Jupyter server to 127.0.0.1 through the cluster's
API server, with a short-lived token of the namespace's orchestera-user
account from the platform (no credential is written anywhere), and print the
URL to open, token included. It forwards until interrupted.`,
		Example: "  orchestera notebook connect explore --stack shared --local-port 8888",
		Args:    clikit.Args("NAME"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			n, err := ns(cmd, c)
			if err != nil {
				return err
			}
			conn, err := c.ConnectNotebook(cmd.Context(), stack, n, args[0])
			if err != nil {
				return err
			}
			ctx, cancel := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer cancel()
			ready := make(chan struct{})
			fw, err := forwarder(conn, n, local, ctx.Done(), ready, o.Err)
			if err != nil {
				return err
			}
			errc := make(chan error, 1)
			go func() { errc <- fw.ForwardPorts() }()
			select {
			case err := <-errc:
				return fmt.Errorf("forwarding to notebook %s: %w", args[0], err)
			case <-ready:
			}
			ports, err := fw.GetPorts()
			if err != nil {
				return err
			}
			fmt.Fprintf(o.Out, "http://127.0.0.1:%d/?token=%s\n", ports[0].Local, conn.Token)
			fmt.Fprintf(o.Err, "forwarding notebook %s to 127.0.0.1:%d; ^C ends it\n", args[0], ports[0].Local)
			return <-errc
		}),
	}
	connect.Flags().IntVar(&local, "local-port", 8888, "the local port (0: any free one)")
	cmd.AddCommand(start, list, stop, connect)
	return cmd
}

// forwarder forwards a local port to the notebook's pod, as the
// namespace's user.
func forwarder(conn api.NotebookConnection, namespace string, local int, stop <-chan struct{}, ready chan struct{}, errOut io.Writer) (*portforward.PortForwarder, error) {
	ca, err := base64.StdEncoding.DecodeString(conn.CertificateAuthorityData)
	if err != nil {
		return nil, fmt.Errorf("the server sent a bad certificate authority: %w", err)
	}
	cfg := &rest.Config{Host: conn.Endpoint, BearerToken: conn.AccessToken, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	url := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(conn.Pod).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, url)
	return portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{fmt.Sprintf("%d:%d", local, conn.Port)}, stop, ready, io.Discard, errOut)
}

func renderNotebooks(o *clikit.Options, rows []api.Notebook, v any) error {
	return o.Render(v, func(w *tabwriter.Writer) {
		clikit.Row(w, "NAME", "NAMESPACE", "IMAGE", "PHASE", "READY", "CREATED")
		for _, nb := range rows {
			clikit.Row(w, nb.Name, nb.Namespace, nb.Image, nb.Phase, nb.Ready, clikit.Ago(nb.CreatedAt))
		}
	})
}
