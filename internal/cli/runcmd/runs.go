package runcmd

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/cli/clikit"
	"github.com/orchestera/orchestera/internal/client"
)

// NewRuns is `orchestera runs`: list, inspect, follow and cancel runs.
func NewRuns(o *clikit.Options) *cobra.Command {
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
		Args:    clikit.Args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := clikit.InRange("limit", q.Limit, 1, 200); err != nil {
				return err
			}
			c, err := o.Client()
			if err != nil {
				return err
			}
			page, err := c.ListRuns(cmd.Context(), q)
			if err != nil {
				return clikit.Flagged(err, map[string]string{"limit": "--limit", "state": "--state", "cursor": "--cursor", "stack": "--stack", "namespace": "--namespace", "application": "--application"})
			}
			return o.RenderList(page.Items, page.NextCursor, func(w *tabwriter.Writer) {
				clikit.Row(w, "ID", "APPLICATION", "STACK/NAMESPACE", "STATE", "REASON", "CREATED", "DURATION")
				for _, r := range page.Items {
					clikit.Row(w, r.ID, r.Spec.ApplicationName, r.Stack+"/"+r.Namespace, r.State, clikit.Dash(string(r.Reason)), clikit.Ago(r.CreatedAt), duration(r))
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
	list.RegisterFlagCompletionFunc("state", clikit.CompleteStates)
	list.RegisterFlagCompletionFunc("stack", clikit.CompleteStacks(o))

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
		Args:    clikit.Args("RUN_ID"),
		RunE: func(cmd *cobra.Command, a []string) error {
			var lq client.LogQuery
			if cmd.Flags().Changed("tail") {
				if tail < 0 {
					return fmt.Errorf("--tail %d: must not be negative", tail)
				}
				lq.Tail = &tail
			}
			var err error
			if lq.Since, err = clikit.ParseTime("since", since, time.Now()); err != nil {
				return err
			}
			c, err := o.Client()
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
		ValidArgsFunction: clikit.First(clikit.CompleteRuns(o)),
	}
	logs.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing until the run ends, then exit with its outcome")
	logs.Flags().IntVar(&tail, "tail", 0, "start with the last N lines")
	logs.Flags().StringVar(&since, "since", "", "start with what was written since this time (RFC 3339) or this long ago (10m)")

	runs.AddCommand(list, logs, &cobra.Command{
		Use:               "get RUN_ID",
		Short:             "Show one run",
		Example:           "  orchestera runs get run_ab12cd34ef56gh78 -o yaml",
		Args:              clikit.Args("RUN_ID"),
		ValidArgsFunction: clikit.First(clikit.CompleteRuns(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			r, err := c.GetRun(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return renderRun(o, r)
		}),
	}, &cobra.Command{
		Use:               "cancel RUN_ID",
		Short:             "Cancel a run (its whole process group); repeating it is harmless",
		Example:           "  orchestera runs cancel run_ab12cd34ef56gh78",
		Args:              clikit.Args("RUN_ID"),
		ValidArgsFunction: clikit.First(clikit.CompleteRuns(o)),
		RunE: clikit.WithClient(o, func(cmd *cobra.Command, c *client.Client, args []string) error {
			r, err := c.CancelRun(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return renderRun(o, r)
		}),
	})
	return runs
}

func renderRun(o *clikit.Options, r api.Run) error {
	return o.Render(r, func(w *tabwriter.Writer) {
		clikit.Row(w, "ID", r.ID)
		clikit.Row(w, "APPLICATION", r.Spec.ApplicationName)
		clikit.Row(w, "CLASSPATH", r.Spec.Classpath)
		clikit.Row(w, "STACK/NAMESPACE", r.Stack+"/"+r.Namespace)
		clikit.Row(w, "STATE", r.State)
		if r.QueuedBehind != nil {
			clikit.Row(w, "QUEUED BEHIND", fmt.Sprintf("%d run%s", *r.QueuedBehind, plural(*r.QueuedBehind)))
		}
		if r.Reason != "" {
			clikit.Row(w, "REASON", r.Reason)
		}
		if r.ExitCode != nil {
			clikit.Row(w, "EXIT CODE", *r.ExitCode)
		}
		if r.Hint != "" {
			clikit.Row(w, "HINT", r.Hint)
		}
		clikit.Row(w, "CREATED", r.CreatedAt.Local().Format(time.DateTime))
		clikit.Row(w, "DURATION", duration(r))
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
