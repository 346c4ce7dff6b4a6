package web

import (
	"net/http"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// progressData is the live part of a stack's page: every step with its
// state and time, the ETA, and the latest events.
type progressData struct {
	Stack   domain.Stack
	Steps   []stepRow
	ETA     *time.Duration
	Events  []domain.StackEvent
	Settled bool
}

type stepRow struct {
	domain.StepState
	Elapsed string
}

// eventsShown bounds the events on a page; the CLI's `stacks events` has
// them all.
const eventsShown = 100

func (c *console) progress(r *http.Request, s *session) (progressData, error) {
	ctx := r.Context()
	st, steps, eta, err := c.Stacks.Progress(ctx, s.P, r.PathValue("stack"))
	if err != nil {
		return progressData{}, err
	}
	evs, err := c.Stacks.Events(ctx, s.P, st.Name, time.Time{})
	if err != nil {
		return progressData{}, err
	}
	if len(evs) > eventsShown {
		evs = evs[len(evs)-eventsShown:]
	}
	d := progressData{Stack: st, ETA: eta, Events: evs, Settled: settled(st.State)}
	now := c.Now()
	for _, ss := range steps {
		row := stepRow{StepState: ss}
		if !ss.StartedAt.IsZero() && ss.StartedAt.Unix() > 0 {
			end := now
			if !ss.EndedAt.IsZero() && ss.EndedAt.Unix() > 0 {
				end = ss.EndedAt
			}
			row.Elapsed = dur(end.Sub(ss.StartedAt))
		}
		d.Steps = append(d.Steps, row)
	}
	return d, nil
}

// settled states change only when someone asks.
func settled(st domain.StackState) bool {
	switch st {
	case domain.StackDraft, domain.StackReady, domain.StackFailed, domain.StackDestroyed:
		return true
	}
	return false
}

// stackLive streams the progress fragment whenever it changes, and
// "settled" when the stack comes to rest, so the page can offer what is
// possible next.
func (c *console) stackLive(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := c.progress(r, s)
	if err != nil {
		return err
	}
	out := newStream(w)
	last := ""
	tick := time.NewTicker(c.LivePoll)
	defer tick.Stop()
	for {
		html, err := c.fragment("stack", "progress", d)
		if err != nil {
			c.Log.ErrorContext(r.Context(), "rendering stack progress", "err", err)
			return nil
		}
		if html != last {
			if err := out.send("progress", "", html); err != nil {
				return nil // the browser went away
			}
			last = html
		}
		if d.Settled {
			out.send("settled", "", string(d.Stack.State))
			return nil
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
		}
		if d, err = c.progress(r, s); err != nil {
			c.Log.WarnContext(r.Context(), "stack progress stream", "stack", r.PathValue("stack"), "err", err)
			return nil // the headers are sent: an error page cannot follow
		}
	}
}
