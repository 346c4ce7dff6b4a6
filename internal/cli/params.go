package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/aws/onboard"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/domain"
)

// The per-namespace parameters of an aws-eks stack live in SSM in the
// customer's account. The platform's role may only read them, so the CLI
// writes and deletes them with the admin's own AWS credentials, as the
// reference product's TUI does; the stack's next sync (at once with
// `stacks sync`) applies them.

// paramTarget is a parameter of an aws-eks stack's namespace.
type paramTarget struct {
	stack, namespace, alias string
	profile                 string
}

func (p *paramTarget) flags(cmd *cobra.Command, withAlias bool) {
	f := cmd.Flags()
	f.StringVar(&p.stack, "stack", "local", "the stack")
	f.StringVar(&p.namespace, "namespace", "default", "the stack's namespace")
	f.StringVar(&p.profile, "profile", "", "aws-eks stacks: the AWS profile to write SSM with (default: AWS_PROFILE, the environment)")
	if withAlias {
		f.StringVar(&p.alias, "alias", "", "the alias, a DNS label (required)")
		cmd.MarkFlagRequired("alias")
	}
}

// eks returns the stack if it is an aws-eks stack.
func (p *paramTarget) eks(ctx context.Context, c *client.Client) (api.Stack, bool, error) {
	st, err := c.GetStack(ctx, p.stack)
	return st, err == nil && st.Kind == domain.StackAWS, err
}

// put writes the parameter and says where and what happens next.
func (p *paramTarget) put(cmd *cobra.Command, o *clikit.Options, st api.Stack, kind, value string) error {
	if err := domain.ValidateSecretAlias(p.alias); err != nil {
		return clikit.Flagged(err, map[string]string{"alias": "--alias"})
	}
	aws, err := onboard.Connect(cmd.Context(), onboard.Options{Profile: p.profile, Region: st.Region})
	if err != nil {
		return err
	}
	path, err := onboard.PutParam(cmd.Context(), aws.SSM, st.ClusterName, p.namespace, kind, p.alias, value)
	if err != nil {
		return err
	}
	return renderParam(o, path, "written", st.Name)
}

// remove deletes the parameter.
func (p *paramTarget) remove(cmd *cobra.Command, o *clikit.Options, st api.Stack, kind string) error {
	aws, err := onboard.Connect(cmd.Context(), onboard.Options{Profile: p.profile, Region: st.Region})
	if err != nil {
		return err
	}
	path, err := onboard.DeleteParam(cmd.Context(), aws.SSM, st.ClusterName, p.namespace, kind, p.alias)
	if err != nil {
		return err
	}
	return renderParam(o, path, "deleted", st.Name)
}

func renderParam(o *clikit.Options, path, what, stack string) error {
	out := struct {
		Parameter string `json:"parameter"`
		Status    string `json:"status"`
	}{path, what}
	return o.Render(out, func(w *tabwriter.Writer) {
		fmt.Fprintf(w, "%s %s; the stack's next sync applies it (now: orchestera stacks sync %s)\n", what, path, stack)
	})
}

// synced lists the stack's last sync of one kind of source, for a
// namespace: what aws-eks stacks can show of their parameters.
func synced(o *clikit.Options, st api.Stack, kind domain.SyncKind, namespace string) error {
	var items []domain.SyncItem
	if st.Sync != nil {
		for _, it := range st.Sync.Items {
			if it.Kind == kind && (namespace == "" || it.Namespace == namespace) {
				items = append(items, it)
			}
		}
	}
	return o.RenderList(items, "", func(w *tabwriter.Writer) {
		clikit.Row(w, "NAMESPACE", "ALIAS", "PARAMETER", "STATUS")
		for _, it := range items {
			clikit.Row(w, it.Namespace, it.Alias, it.Source, clikit.Dash(it.Problem))
		}
		if st.Sync == nil {
			fmt.Fprintf(w, "stack %s has not been synced yet\n", st.Name)
		}
	})
}

// readFile reads --from-file, or stdin for "-", at most 1 MiB.
func readFile(stdin io.Reader, file string) ([]byte, error) {
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
		return nil, fmt.Errorf("--from-file %s: larger than 1 MiB", file)
	}
	return b, nil
}
