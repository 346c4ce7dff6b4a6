package cli

import (
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/version"
)

func newVersion(o *clikit.Options) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version and commit of this binary",
		Example: "  orchestera version\n  orchestera version -o json",
		Args:    clikit.Args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, c := version.Info()
			out := struct {
				Version string `json:"version"`
				Commit  string `json:"commit"`
			}{v, c}
			return o.Render(out, func(w *tabwriter.Writer) { clikit.Row(w, "orchestera", v, "commit", c) })
		},
	}
}
