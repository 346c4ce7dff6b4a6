package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/version"
)

func newVersion(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version and commit of this binary",
		Example: "  orchestera version\n  orchestera version -o json",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, c := version.Info()
			out := struct {
				Version string `json:"version"`
				Commit  string `json:"commit"`
			}{v, c}
			return o.render(out, func(w *tabwriter.Writer) { row(w, "orchestera", v, "commit", c) })
		},
	}
}
