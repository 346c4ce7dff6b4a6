package runcmd

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/client"
	"github.com/orchestera/orchestera/internal/domain"
)

// pause waits d or until ctx ends. Tests replace it to count the waits
// instead of spending them.
var pause = func(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pollEvery is how often a waiting follower asks the server again.
const pollEvery = time.Second

// reconnectFor is how long a follower keeps trying to reach a server that
// went away (restarting, say) before it gives up; the run goes on anyway.
const reconnectFor = 10 * time.Minute

// follower streams a run's log until the run ends, through server restarts:
// when the stream breaks it waits for the server, then resumes the log at
// the byte where it stopped, so nothing is printed twice or lost.
type follower struct {
	c      *client.Client
	id     string
	log    io.Writer // the run's log
	status io.Writer // the follower's own messages
	q      client.LogQuery
}

// follow returns the run once it is over and its log is printed.
func (f *follower) follow(ctx context.Context) (api.Run, error) {
	f.q.Follow = true
	queued := -1
	var lostSince time.Time
	reconnected := func() {
		if !lostSince.IsZero() {
			fmt.Fprintf(f.status, "reconnected to %s\n", f.c.Server())
			lostSince = time.Time{}
		}
	}
	lost := func(err error) error {
		if lostSince.IsZero() {
			lostSince = time.Now()
			fmt.Fprintf(f.status, "lost the connection to %s (%v); reconnecting (the run goes on)...\n", f.c.Server(), err)
		} else if time.Since(lostSince) > reconnectFor {
			return fmt.Errorf("the server at %s has not answered for %s; the run goes on: orchestera runs logs %s -f", f.c.Server(), reconnectFor, f.id)
		}
		return pause(ctx, pollEvery)
	}
	for {
		r, err := f.c.GetRun(ctx, f.id)
		if err != nil {
			if ctx.Err() != nil || !transient(err) {
				return r, err
			}
			if err := lost(err); err != nil {
				return r, err
			}
			continue
		}
		reconnected()
		if r.State == domain.RunPending {
			if r.QueuedBehind != nil && *r.QueuedBehind != queued {
				queued = *r.QueuedBehind
				fmt.Fprintf(f.status, "run %s is pending: queued behind %d run%s\n", f.id, queued, plural(queued))
			}
			if err := pause(ctx, pollEvery); err != nil {
				return r, err
			}
			continue
		}
		start, n, err := f.c.RunLogs(ctx, f.id, f.q, f.log)
		f.q.Offset, f.q.Tail, f.q.Since = start+n, nil, time.Time{}
		if err != nil && (ctx.Err() != nil || !transient(err)) {
			return r, err
		}
		if err == nil {
			if r, err = f.c.GetRun(ctx, f.id); err == nil && r.State.Terminal() {
				return r, nil
			}
			if err == nil {
				continue // the server ended the stream early (it is stopping)
			}
			if !transient(err) {
				return r, err
			}
		}
		if err := lost(err); err != nil {
			return r, err
		}
	}
}

// transient is a failure worth waiting out: no answer at all, or a server
// that says it is unavailable.
func transient(err error) bool {
	s := client.StatusOf(err)
	return client.Unanswered(err) || s == 502 || s == 503 || s == 504
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
