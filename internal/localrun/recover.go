package localrun

import (
	"context"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// recover settles every run that was live when the server stopped: one
// that finished meanwhile is finished from its exit file, one still running
// is reattached (its init outlived the server), and one whose process is
// gone fails with a hint.
func (e *Executor) recover(ctx context.Context) {
	live, err := e.cfg.Store.RunsInState(ctx, domain.StackLocal, domain.RunStarting, domain.RunRunning)
	if err != nil {
		e.cfg.Log.ErrorContext(ctx, "listing live runs to recover", "err", err)
		return
	}
	for _, r := range live {
		switch {
		case alive(r.PID, r.PIDStart):
			m := e.readMeta(r)
			e.cfg.Log.InfoContext(ctx, "reattached to a running run", "run_id", r.ID, "pid", r.PID, "slot", m.Slot)
			p := watch(r.PID, r.PIDStart)
			p.slot, p.uid = m.Slot, m.UID
			e.supervise(r, p)
		case e.hasExitFile(r):
			e.finish(ctx, r, "")
		default:
			e.fail(ctx, r, domain.ReasonPlatformError,
				"the run's process was gone when the server restarted (the machine may have rebooted); submit it again")
		}
	}
}

func (e *Executor) hasExitFile(r domain.Run) bool {
	_, ok := e.exitRecord(r)
	return ok
}

// watch supervises a process that is not our child (it outlived the server
// that started it), so it cannot be waited for: poll /proc until it is gone.
func watch(pid int, start int64) *proc {
	p := &proc{pid: pid, done: make(chan struct{}), settled: make(chan struct{})}
	go func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for range t.C {
			if !alive(pid, start) {
				close(p.done)
				return
			}
		}
	}()
	return p
}
