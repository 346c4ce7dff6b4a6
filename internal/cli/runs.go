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
		Example: "  orchestera runs list --namespace default --state running\n  orchestera runs list --application daily-sales\n  orchestera runs list --limit 20 --cursor <next_cursor> -o json",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := inRange("limit", q.Limit, 1, 200); err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			page, err := c.ListRuns(cmd.Context(), q)
			if err != nil {
				return flagged(err, map[string]string{"limit": "--limit", "state": "--state", "cursor": "--cursor", "stack": "--stack", "namespace": "--namespace", "application": "--application"})
			}
			return o.renderList(page.Items, page.NextCursor, func(w *tabwriter.Writer) {
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
	f.StringVar(&q.Application, "application", "", "only runs of this application name (the run's --application-name)")
	f.IntVar(&q.Limit, "limit", 50, "runs per page (1-200)")
	f.StringVar(&q.Cursor, "cursor", "", "the next page's cursor, from the previous page")
	list.RegisterFlagCompletionFunc("state", completeStates)
	list.RegisterFlagCompletionFunc("stack", completeStacks(o))

	var (
		follow bool
		tail   int
		since  string
	)
	logs := &cobra.Command{
		Use:   "logs RUN_ID",
		Short: "Print a run's log, also days after it ended; -f follows it and exits with the run's outcome",
		Long: `Print a run's log. --tail N starts with its last N lines, --since starts with
what the run wrote since a time (RFC 3339) or that long ago (10m), to the
second. With -f it keeps printing until the run ends, through a restart of
the server, and exits like orchestera run: 0 when the run succeeded, else its
exit code (see orchestera run --help).`,
		Example: "  orchestera runs logs run_ab12cd34ef56gh78\n  orchestera runs logs run_ab12cd34ef56gh78 -f --tail 20\n  orchestera runs logs run_ab12cd34ef56gh78 --since 10m",
		Args:    args("RUN_ID"),
		RunE: func(cmd *cobra.Command, a []string) error {
			var lq client.LogQuery
			if cmd.Flags().Changed("tail") {
				if tail < 0 {
					return fmt.Errorf("--tail %d: must not be negative", tail)
				}
				lq.Tail = &tail
			}
			var err error
			if lq.Since, err = parseTime("since", since, time.Now()); err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			if !follow {
				_, _, err := c.RunLogs(cmd.Context(), a[0], lq, o.Out)
				return err
			}
			f := &follower{c: c, id: a[0], log: o.Out, status: o.Err, q: lq}
			r, err := f.follow(cmd.Context())
			if err != nil {
				return err
			}
			return outcome(r)
		},
		ValidArgsFunction: first(completeRuns(o)),
	}
	logs.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing until the run ends, then exit with its outcome")
	logs.Flags().IntVar(&tail, "tail", 0, "start with the last N lines")
	logs.Flags().StringVar(&since, "since", "", "start with what was written since this time (RFC 3339) or this long ago (10m)")

	runs.AddCommand(list, logs, &cobra.Command{
		Use:               "get RUN_ID",
		Short:             "Show one run",
		Example:           "  orchestera runs get run_ab12cd34ef56gh78 -o yaml",
		Args:              args("RUN_ID"),
		ValidArgsFunction: first(completeRuns(o)),
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
		Use:               "cancel RUN_ID",
		Short:             "Cancel a run (its whole process group); repeating it is harmless",
		Example:           "  orchestera runs cancel run_ab12cd34ef56gh78",
		Args:              args("RUN_ID"),
		ValidArgsFunction: first(completeRuns(o)),
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
		if r.QueuedBehind != nil {
			row(w, "QUEUED BEHIND", fmt.Sprintf("%d run%s", *r.QueuedBehind, plural(*r.QueuedBehind)))
		}
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
