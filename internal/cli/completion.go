package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/client"
)

// Shell completion asks the server for what exists: stack names, run ids
// and connection ids, each with a short description. A server that does
// not answer (within a few seconds) completes nothing rather than hang the
// shell.

type completer func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective)

// runStates are the states a run can be in.
var runStates = []string{"pending", "starting", "running", "succeeded", "failed", "cancelled"}

func completeStates(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return runStates, cobra.ShellCompDirectiveNoFileComp
}

// ask completes from the server's answer through list.
func ask(o *Options, list func(ctx context.Context, c *client.Client) ([]cobra.Completion, error)) completer {
	return func(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		c, err := o.client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
		defer cancel()
		out, err := list(ctx, c)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// first completes only the first positional argument.
func first(f completer) completer {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f(cmd, args, toComplete)
	}
}

func completeStacks(o *Options) completer {
	return ask(o, func(ctx context.Context, c *client.Client) ([]cobra.Completion, error) {
		sts, err := c.ListStacks(ctx)
		var out []cobra.Completion
		for _, s := range sts {
			out = append(out, cobra.CompletionWithDesc(s.Name, string(s.Kind)+", "+string(s.State)))
		}
		return out, err
	})
}

func completeRuns(o *Options) completer {
	return ask(o, func(ctx context.Context, c *client.Client) ([]cobra.Completion, error) {
		p, err := c.ListRuns(ctx, client.RunQuery{Limit: 50})
		var out []cobra.Completion
		for _, r := range p.Items {
			out = append(out, cobra.CompletionWithDesc(r.ID, r.Spec.ApplicationName+", "+string(r.State)))
		}
		return out, err
	})
}

func completeConnections(o *Options) completer {
	return ask(o, func(ctx context.Context, c *client.Client) ([]cobra.Completion, error) {
		cs, err := c.ListConnections(ctx)
		var out []cobra.Completion
		for _, x := range cs {
			out = append(out, cobra.CompletionWithDesc(x.ID, x.RoleARN+", "+string(x.State)))
		}
		return out, err
	})
}
