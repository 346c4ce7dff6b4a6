package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/domain"
)

func newStacks(o *clikit.Options) *cobra.Command {
	stacks := &cobra.Command{
		Use:     "stacks",
		Short:   "Spark clusters; local mode has a ready stack named local",
		Example: "  orchestera stacks list\n  orchestera stacks get local -o json",
	}
	var req api.CreateStackRequest
	create := &cobra.Command{
		Use:   "create NAME --connection ID",
		Short: "Create a draft AWS stack on a verified connection (admin)",
		Long: `Record a stack: nothing is created in AWS until it is provisioned. The name
(3-32 lowercase letters, digits and hyphens) feeds IAM role names.`,
		Example: "  orchestera stacks create etl --connection conn_ab12cd34ef56gh78 --region us-east-1 --namespace etl --namespace reports",
		Args:    clikit.Args("NAME"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			if err := clikit.AtLeastOne(cmd, "system-node-count", "spark-cpu-limit"); err != nil {
				return err
			}
			req.Name = args[0]
			st, err := c.CreateStack(cmd.Context(), req)
			if err != nil {
				return clikit.Flagged(err, stackFlags)
			}
			return renderStacks(o, []api.Stack{st}, st)
		}),
	}
	f := create.Flags()
	f.StringVar(&req.ConnectionID, "connection", "", "the verified AWS connection (required)")
	f.StringVar(&req.Region, "region", "", "AWS region (default: the connection's first)")
	f.StringArrayVar(&req.Namespaces, "namespace", nil, "a namespace to create; repeatable (default: spark)")
	f.StringVar(&req.Options.KubernetesVersion, "kubernetes-version", "", "EKS version (default 1.31)")
	f.StringVar(&req.Options.SystemNodeType, "system-node-type", "", "instance type of the system nodes (default m6i.large)")
	f.IntVar(&req.Options.SystemNodeCount, "system-node-count", 0, "system nodes (default 2)")
	f.StringSliceVar(&req.Options.InstanceFamilies, "instance-family", nil, "instance families for Spark nodes (default m6i,m7i,r6i)")
	f.StringSliceVar(&req.Options.CapacityTypes, "capacity-type", nil, "spot and/or on-demand for Spark nodes (default both)")
	f.IntVar(&req.Options.SparkCPULimit, "spark-cpu-limit", 0, "vCPUs Spark nodes may use in total (default 256)")
	create.MarkFlagRequired("connection")
	create.RegisterFlagCompletionFunc("connection", clikit.CompleteConnections(o))

	var follow bool
	events := &cobra.Command{
		Use:               "events NAME",
		Short:             "A stack's progress events",
		Example:           "  orchestera stacks events etl\n  orchestera stacks events etl -f",
		Args:              clikit.Args("NAME"),
		ValidArgsFunction: clikit.First(clikit.CompleteStacks(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			return followStackEvents(cmd.Context(), o, c, args[0], follow)
		}),
	}
	events.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing until the stack settles")

	plan := &cobra.Command{
		Use:               "plan NAME",
		Short:             "Show what provisioning will create and need, and what it costs; exit 1 if it would fail",
		Example:           "  orchestera stacks plan etl\n  orchestera stacks plan etl -o json",
		Args:              clikit.Args("NAME"),
		ValidArgsFunction: clikit.First(clikit.CompleteStacks(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			p, err := c.PlanStack(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := o.Render(p, func(w *tabwriter.Writer) { planTable(w, p) }); err != nil {
				return err
			}
			if len(p.Errors) > 0 {
				return &clikit.ExitError{Code: 1}
			}
			return nil
		}),
	}
	stacks.AddCommand(create, events, plan, newStacksDelete(o), newStacksSetConnection(o),
		newStacksAttach(o), newStacksKubeconfig(o), newStacksSync(o),
		stackAction(o, "provision", "provision", "Provision the stack: build a draft, resume a failed one from its failed step"),
		stackAction(o, "update", "update", "Re-apply a ready or failed stack's configuration, every step again (force update)"),
		stackAction(o, "destroy", "destroy", "Destroy the stack; it is destroyed only when nothing tagged with it is left"),
		&cobra.Command{
			Use:     "list",
			Short:   "List stacks",
			Example: "  orchestera stacks list -o yaml",
			Args:    clikit.Args(),
			RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
				sts, err := c.ListStacks(cmd.Context())
				if err != nil {
					return err
				}
				return renderStacks(o, sts, clikit.NewPage(sts, ""))
			}),
		}, &cobra.Command{
			Use:               "get NAME",
			Short:             "Show one stack",
			Example:           "  orchestera stacks get local",
			Args:              clikit.Args("NAME"),
			ValidArgsFunction: clikit.First(clikit.CompleteStacks(o)),
			RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
				st, err := c.GetStack(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return o.Render(st, func(w *tabwriter.Writer) {
					stackRows(w, []api.Stack{st})
					if st.Sync != nil {
						fmt.Fprintln(w)
						syncTable(w, st.Sync)
					}
				})
			}),
		})
	return stacks
}

// stackFlags names the flags of the API's stack fields, for errors.
var stackFlags = map[string]string{
	"name": "NAME", "connection_id": "--connection", "region": "--region", "namespaces": "--namespace",
	"kubernetes_version": "--kubernetes-version", "system_node_type": "--system-node-type", "system_node_count": "--system-node-count",
	"instance_families": "--instance-family", "capacity_types": "--capacity-type", "spark_cpu_limit": "--spark-cpu-limit",
}

func renderStacks(o *clikit.Options, rows []api.Stack, v any) error {
	return o.Render(v, func(w *tabwriter.Writer) { stackRows(w, rows) })
}

func stackRows(w *tabwriter.Writer, rows []api.Stack) {
	clikit.Row(w, "NAME", "KIND", "WHERE", "STATE", "CREATED", "HINT")
	for _, s := range rows {
		where := s.Region
		if s.Kind == domain.StackKubernetes {
			where = s.Endpoint
		}
		clikit.Row(w, s.Name, s.Kind, clikit.Dash(where), s.State, clikit.Ago(s.CreatedAt), clikit.Dash(s.Hint))
	}
}

// settled are the states in which nothing more will happen on its own.
var settled = map[string]bool{"draft": true, "ready": true, "failed": true, "destroyed": true}

// followStackEvents prints events, and with follow keeps polling until the
// stack settles.
func followStackEvents(ctx context.Context, o *clikit.Options, c *client.Client, name string, follow bool) error {
	var after time.Time
	for {
		evs, err := c.StackEvents(ctx, name, after)
		if err != nil {
			return err
		}
		if o.Output != "table" && !follow {
			return o.RenderList(evs, "", nil)
		}
		for _, e := range evs {
			fmt.Fprintf(o.Out, "%s  %-10s %-12s %s\n", e.At.Local().Format("15:04:05"), clikit.Dash(e.Step), e.Status, e.Message)
			after = e.At
		}
		if !follow {
			return nil
		}
		st, err := c.GetStack(ctx, name)
		if err != nil {
			return err
		}
		if settled[string(st.State)] && len(evs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func newNamespaces(o *clikit.Options) *cobra.Command {
	var stack string
	ns := &cobra.Command{
		Use:     "namespaces",
		Short:   "Namespaces of a stack",
		Example: "  orchestera namespaces list --stack local\n  orchestera namespaces create etl --stack local",
	}
	ns.PersistentFlags().StringVar(&stack, "stack", "local", "the stack")
	ns.RegisterFlagCompletionFunc("stack", clikit.CompleteStacks(o))
	ns.AddCommand(&cobra.Command{
		Use:     "list",
		Short:   "List a stack's namespaces",
		Example: "  orchestera namespaces list --stack local -o json",
		Args:    clikit.Args(),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, _ []string) error {
			nss, err := c.ListNamespaces(cmd.Context(), stack)
			if err != nil {
				return err
			}
			return o.RenderList(nss, "", func(w *tabwriter.Writer) {
				clikit.Row(w, "NAME", "STACK", "CREATED")
				for _, n := range nss {
					clikit.Row(w, n.Name, n.Stack, clikit.Ago(n.CreatedAt))
				}
			})
		}),
	}, &cobra.Command{
		Use:     "create NAME",
		Short:   "Add a namespace (admin); repeating it is harmless",
		Example: "  orchestera namespaces create etl --stack local",
		Args:    clikit.Args("NAME"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			n, err := c.CreateNamespace(cmd.Context(), stack, args[0])
			if err != nil {
				return clikit.Flagged(err, map[string]string{"name": "NAME"})
			}
			return o.Render(n, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "namespace %s is ready on stack %s\n", n.Name, n.Stack)
			})
		}),
	}, newNamespacesDelete(o, &stack))
	return ns
}

func newNamespacesDelete(o *clikit.Options, stack *string) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Remove a namespace; on a cluster, delete it with everything in it (admin)",
		Long: `Remove a namespace from a stack with its datasources. On a cluster stack the
Kubernetes namespace is deleted too, with every pod, Secret and service
account in it (only if Orchestera created it). Runs keep their records.`,
		Example: "  orchestera namespaces delete etl --stack shared --yes",
		Args:    clikit.Args("NAME"),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			if !yes {
				if err := confirmName(cmd, o, args[0], "delete namespace "+args[0]+" of stack "+*stack); err != nil {
					return err
				}
			}
			if err := c.DeleteNamespace(cmd.Context(), *stack, args[0]); err != nil {
				return err
			}
			return o.Render(clikit.Deleted{Kind: "namespace", ID: args[0], Deleted: true}, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "namespace %s deleted from stack %s\n", args[0], *stack)
			})
		}),
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "delete without asking for the namespace's name (required when not on a terminal)")
	return cmd
}

// stackAction is provision, update or destroy: request it, then with --wait
// follow the events until the stack settles and exit non-zero if it failed.
func stackAction(o *clikit.Options, use, action, short string) *cobra.Command {
	var wait, yes bool
	cmd := &cobra.Command{
		Use:               use + " NAME",
		Short:             short + " (admin)",
		Example:           fmt.Sprintf("  orchestera stacks %s etl --wait", use),
		Args:              clikit.Args("NAME"),
		ValidArgsFunction: clikit.First(clikit.CompleteStacks(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			if action == "destroy" && !yes {
				if err := confirmName(cmd, o, args[0], "destroy stack "+args[0]); err != nil {
					return err
				}
			}
			st, err := c.StackAction(cmd.Context(), args[0], action)
			if err != nil {
				return err
			}
			if !wait {
				return renderStacks(o, []api.Stack{st}, st)
			}
			return waitForStack(cmd, o, c, args[0])
		}),
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "follow progress until the stack settles")
	if action == "destroy" {
		cmd.Flags().BoolVar(&yes, "yes", false, "destroy without asking for the stack's name (required when not on a terminal)")
	}
	return cmd
}

// waitForStack follows a stack's progress until it settles, and fails if
// it failed.
func waitForStack(cmd *cobra.Command, o *clikit.Options, c *client.Client, name string) error {
	follow := followStackEvents
	if isTerminal(o.Out) {
		follow = watchStackProgress // redrawn in place
	}
	if err := follow(cmd.Context(), o, c, name, true); err != nil {
		return err
	}
	st, err := c.GetStack(cmd.Context(), name)
	if err != nil {
		return err
	}
	if st.State == "failed" {
		return &clikit.ExitError{Code: 1, Message: fmt.Sprintf("stack %s failed at step %s: %s", st.Name, st.FailedStep, st.Hint)}
	}
	fmt.Fprintf(o.Err, "stack %s is %s\n", st.Name, st.State)
	return nil
}

// confirmName asks, on a terminal, for an object's name before something
// that cannot be undone ("destroy stack etl"); elsewhere the command needs
// --yes.
func confirmName(cmd *cobra.Command, o *clikit.Options, name, what string) error {
	in := cmd.InOrStdin()
	if !isTerminal(in) {
		return fmt.Errorf("refusing to %s without confirmation: stdin is not a terminal, so pass --yes", what)
	}
	fmt.Fprintf(o.Err, "This will %s and everything in it. Type %s to confirm: ", what, name)
	line, _ := bufio.NewReader(in).ReadString('\n')
	if strings.TrimSpace(line) != name {
		return fmt.Errorf("cancelled: %q is not %s", strings.TrimSpace(line), name)
	}
	return nil
}

func planTable(w *tabwriter.Writer, p api.StackPlan) {
	clikit.Row(w, "STEP", "AFTER", "CREATES", "IAM ACTIONS", "ESTIMATE")
	for _, s := range p.Steps {
		acts := fmt.Sprint(len(s.Actions))
		if len(s.Missing) > 0 {
			acts += fmt.Sprintf(" (%d missing)", len(s.Missing))
		}
		clikit.Row(w, s.Name, clikit.Dash(strings.Join(s.After, ",")), clikit.Dash(strings.Join(s.Resources, ", ")), acts, time.Duration(s.EstimateSeconds*float64(time.Second)).Round(time.Second))
	}
	fmt.Fprintf(w, "\nexpected time\t%s\n", time.Duration(p.DurationSeconds*float64(time.Second)).Round(time.Second))
	fmt.Fprintf(w, "\nfixed cost\t$%.2f/hour\t$%.0f/month\n", p.HourlyUSD, p.MonthlyUSD)
	for _, c := range p.CostItems {
		clikit.Row(w, fmt.Sprintf("  %d × %s", c.Quantity, c.Name), fmt.Sprintf("$%.3f/h", c.HourlyUSD), c.Source)
	}
	if len(p.Unpriced) > 0 {
		fmt.Fprintf(w, "  not in the totals, no price found: %s\n", strings.Join(p.Unpriced, ", "))
	}
	for _, a := range p.OptionalAdditions {
		fmt.Fprintf(w, "\noptional: %s\n", a)
	}
	for _, e := range p.Errors {
		fmt.Fprintf(w, "\nERROR: %s\n", e)
	}
}

// isTerminal reports whether f (a reader or writer) is a terminal; /dev/null
// is a character device but not a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// watchStackProgress redraws each step's state, elapsed time and the ETA
// in place until the stack settles.
func watchStackProgress(ctx context.Context, o *clikit.Options, c *client.Client, name string, _ bool) error {
	lines := 0
	for {
		p, err := c.StackProgress(ctx, name)
		if err != nil {
			return err
		}
		var b strings.Builder
		w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		clikit.Row(w, "STEP", "STATUS", "ELAPSED")
		for _, s := range p.Steps {
			elapsed := "-"
			if s.StartedAt != nil {
				end := time.Now()
				if s.EndedAt != nil && !s.EndedAt.Before(*s.StartedAt) {
					end = *s.EndedAt
				}
				elapsed = end.Sub(*s.StartedAt).Round(time.Second).String()
			}
			clikit.Row(w, s.Name, s.Status, elapsed)
		}
		left := ""
		if p.ETASeconds != nil {
			left = fmt.Sprintf(", about %s left", time.Duration(*p.ETASeconds*float64(time.Second)).Round(time.Second))
		}
		fmt.Fprintf(w, "stack %s: %s%s\n", name, p.Stack.State, left)
		w.Flush()
		if lines > 0 {
			fmt.Fprintf(o.Out, "\033[%dA\033[J", lines) // back over the previous table
		}
		fmt.Fprint(o.Out, b.String())
		lines = strings.Count(b.String(), "\n")
		if settled[string(p.Stack.State)] {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
