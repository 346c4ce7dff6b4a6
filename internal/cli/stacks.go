package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
)

func newStacks(o *Options) *cobra.Command {
	stacks := &cobra.Command{
		Use:     "stacks",
		Short:   "Spark clusters; local mode has a ready stack named local",
		Example: "  orchestera stacks list\n  orchestera stacks get local -o json",
	}
	stacks.AddCommand(&cobra.Command{
		Use:     "list",
		Short:   "List stacks",
		Example: "  orchestera stacks list -o yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			sts, err := c.ListStacks(cmd.Context())
			if err != nil {
				return err
			}
			return o.renderStacks(sts, sts)
		},
	}, &cobra.Command{
		Use:     "get NAME",
		Short:   "Show one stack",
		Example: "  orchestera stacks get local",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			st, err := c.GetStack(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return o.renderStacks([]api.Stack{st}, st)
		},
	})
	return stacks
}

func (o *Options) renderStacks(rows []api.Stack, v any) error {
	return o.render(v, func(w *tabwriter.Writer) {
		row(w, "NAME", "KIND", "STATE", "CREATED")
		for _, s := range rows {
			row(w, s.Name, s.Kind, s.State, ago(s.CreatedAt))
		}
	})
}

func newNamespaces(o *Options) *cobra.Command {
	var stack string
	ns := &cobra.Command{
		Use:     "namespaces",
		Short:   "Namespaces of a stack",
		Example: "  orchestera namespaces list --stack local\n  orchestera namespaces create etl --stack local",
	}
	ns.PersistentFlags().StringVar(&stack, "stack", "local", "the stack")
	ns.AddCommand(&cobra.Command{
		Use:     "list",
		Short:   "List a stack's namespaces",
		Example: "  orchestera namespaces list --stack local -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			nss, err := c.ListNamespaces(cmd.Context(), stack)
			if err != nil {
				return err
			}
			return o.render(nss, func(w *tabwriter.Writer) {
				row(w, "NAME", "STACK", "CREATED")
				for _, n := range nss {
					row(w, n.Name, n.Stack, ago(n.CreatedAt))
				}
			})
		},
	}, &cobra.Command{
		Use:     "create NAME",
		Short:   "Add a namespace (admin); repeating it is harmless",
		Example: "  orchestera namespaces create etl --stack local",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			n, err := c.CreateNamespace(cmd.Context(), stack, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(o.Out, "namespace %s is ready on stack %s\n", n.Name, n.Stack)
			return nil
		},
	})
	return ns
}
