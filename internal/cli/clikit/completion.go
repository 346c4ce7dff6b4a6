package clikit

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

// Completer completes a positional argument or a flag.
type Completer func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective)

// RunStates are the states a run can be in.
var RunStates = []string{"pending", "starting", "running", "succeeded", "failed", "cancelled"}

// CompleteStates completes a run state.
func CompleteStates(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return RunStates, cobra.ShellCompDirectiveNoFileComp
}

// Ask completes from the server's answer through list.
func Ask(o *Options, list func(ctx context.Context, c *client.Client) ([]cobra.Completion, error)) Completer {
	return func(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		c, err := o.Client()
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

// First completes only the first positional argument.
func First(f Completer) Completer {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f(cmd, args, toComplete)
	}
}

// CompleteStacks completes a stack name, with its kind and state.
func CompleteStacks(o *Options) Completer {
	return Ask(o, func(ctx context.Context, c *client.Client) ([]cobra.Completion, error) {
		sts, err := c.ListStacks(ctx)
		var out []cobra.Completion
		for _, s := range sts {
			out = append(out, cobra.CompletionWithDesc(s.Name, string(s.Kind)+", "+string(s.State)))
		}
		return out, err
	})
}

// CompleteRuns completes a run id, with its application and state.
func CompleteRuns(o *Options) Completer {
	return Ask(o, func(ctx context.Context, c *client.Client) ([]cobra.Completion, error) {
		p, err := c.ListRuns(ctx, client.RunQuery{Limit: 50})
		var out []cobra.Completion
		for _, r := range p.Items {
			out = append(out, cobra.CompletionWithDesc(r.ID, r.Spec.ApplicationName+", "+string(r.State)))
		}
		return out, err
	})
}

// CompleteConnections completes a connection id, with its role and
// state.
func CompleteConnections(o *Options) Completer {
	return Ask(o, func(ctx context.Context, c *client.Client) ([]cobra.Completion, error) {
		cs, err := c.ListConnections(ctx)
		var out []cobra.Completion
		for _, x := range cs {
			out = append(out, cobra.CompletionWithDesc(x.ID, x.RoleARN+", "+string(x.State)))
		}
		return out, err
	})
}
