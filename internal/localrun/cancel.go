package localrun

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

// Cancel stops a live run we supervise. A run in starting that has no
// process yet is marked cancelled directly.
func (e *Executor) Cancel(ctx context.Context, r domain.Run) error {
	e.mu.Lock()
	p := e.live[r.ID]
	e.mu.Unlock()
	if p != nil {
		p.stop(domain.ReasonCancelled)
		select { // wait until the outcome is recorded so the caller sees it
		case <-p.settled:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	now := e.now()
	r.State, r.Reason, r.EndedAt, r.Hint = domain.RunCancelled, domain.ReasonCancelled, &now, "cancelled before its process started"
	if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunStarting, domain.RunRunning); err != nil && domain.ErrorCode(err) != domain.CodeConflict {
		return err
	}
	return nil
}
