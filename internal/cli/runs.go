package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/client"
)

func newRuns(o *Options) *cobra.Command {
	runs := &cobra.Command{
		Use:     "runs",
		Short:   "List, inspect, follow and cancel pipeline runs",
		Example: "  orchestera runs list --state failed\n  orchestera runs logs run_ab12cd34ef56gh78 -f",
	}
	var q client.RunQuery
	list := &cobra.Command{
		Use:     "list",
		Short:   "List runs, newest first",
		Example: "  orchestera runs list --namespace default --state running\n  orchestera runs list --limit 20 --cursor <next_cursor> -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			page, err := c.ListRuns(cmd.Context(), q)
			if err != nil {
				return err
			}
			return o.render(page, func(w *tabwriter.Writer) {
				row(w, "ID", "APPLICATION", "STACK/NAMESPACE", "STATE", "REASON", "CREATED", "DURATION")
				for _, r := range page.Items {
					row(w, r.ID, r.Spec.ApplicationName, r.Stack+"/"+r.Namespace, r.State, dash(string(r.Reason)), ago(r.CreatedAt), duration(r))
				}
				if page.NextCursor != "" {
					fmt.Fprintf(w, "\nmore: --cursor %s\n", page.NextCursor)
				}
			})
		},
	}
	f := list.Flags()
	f.StringVar(&q.Stack, "stack", "", "only runs on this stack")
	f.StringVar(&q.Namespace, "namespace", "", "only runs in this namespace")
	f.StringVar(&q.State, "state", "", "only runs in this state: pending, starting, running, succeeded, failed or cancelled")
	f.IntVar(&q.Limit, "limit", 50, "runs per page (at most 200)")
	f.StringVar(&q.Cursor, "cursor", "", "the next page's cursor, from the previous page")

	var follow bool
	logs := &cobra.Command{
		Use:     "logs RUN_ID",
		Short:   "Print a run's log, also days after it ended",
		Example: "  orchestera runs logs run_ab12cd34ef56gh78\n  orchestera runs logs run_ab12cd34ef56gh78 -f",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			return c.RunLogs(cmd.Context(), args[0], follow, o.Out)
		},
	}
	logs.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing while the run is live")

	runs.AddCommand(list, logs, &cobra.Command{
		Use:     "get RUN_ID",
		Short:   "Show one run",
		Example: "  orchestera runs get run_ab12cd34ef56gh78 -o yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			r, err := c.GetRun(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return o.renderRun(r)
		},
	}, &cobra.Command{
		Use:     "cancel RUN_ID",
		Short:   "Cancel a run (its whole process group); repeating it is harmless",
		Example: "  orchestera runs cancel run_ab12cd34ef56gh78",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			r, err := c.CancelRun(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return o.renderRun(r)
		},
	})
	return runs
}

func (o *Options) renderRun(r api.Run) error {
	return o.render(r, func(w *tabwriter.Writer) {
		row(w, "ID", r.ID)
		row(w, "APPLICATION", r.Spec.ApplicationName)
		row(w, "CLASSPATH", r.Spec.Classpath)
		row(w, "STACK/NAMESPACE", r.Stack+"/"+r.Namespace)
		row(w, "STATE", r.State)
		if r.Reason != "" {
			row(w, "REASON", r.Reason)
		}
		if r.ExitCode != nil {
			row(w, "EXIT CODE", *r.ExitCode)
		}
		if r.Hint != "" {
			row(w, "HINT", r.Hint)
		}
		row(w, "CREATED", r.CreatedAt.Local().Format(time.DateTime))
		row(w, "DURATION", duration(r))
	})
}

func duration(r api.Run) string {
	if r.StartedAt == nil {
		return "-"
	}
	end := time.Now()
	if r.EndedAt != nil {
		end = *r.EndedAt
	}
	return end.Sub(*r.StartedAt).Round(100 * time.Millisecond).String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
