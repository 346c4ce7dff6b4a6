package localrun

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// supervise tracks a live run until its process ends, enforcing its
// timeout, then records the outcome.
func (e *Executor) supervise(r domain.Run, p *proc) {
	e.mu.Lock()
	e.live[r.ID] = p
	e.mu.Unlock()
	go e.indexLog(r.ID, p.done)
	go func() {
		if r.Spec.TimeoutSeconds > 0 && r.StartedAt != nil {
			left := time.Until(r.StartedAt.Add(time.Duration(r.Spec.TimeoutSeconds) * time.Second))
			timer := time.AfterFunc(max(left, 0), func() { p.stop(domain.ReasonTimeout) })
			defer timer.Stop()
		}
		<-p.done
		p.reap(e.cfg.KillGrace)
		e.finish(context.Background(), r, p.stoppedFor())
		e.mu.Lock()
		delete(e.live, r.ID)
		e.mu.Unlock()
		close(p.settled)
		e.Wake() // a slot is free
	}()
}

// finish records how a run ended: from the exit file the wrapper wrote, or
// from why we stopped it.
func (e *Executor) finish(ctx context.Context, r domain.Run, stopped domain.FailureReason) {
	code, haveCode := e.exitCode(r.ID)
	now := e.now()
	r.EndedAt = &now
	if haveCode {
		r.ExitCode = &code
	}
	switch {
	case stopped == domain.ReasonCancelled:
		r.State, r.Reason, r.Hint = domain.RunCancelled, domain.ReasonCancelled, "cancelled on request"
	case stopped == domain.ReasonTimeout:
		r.State, r.Reason, r.Hint = domain.RunFailed, domain.ReasonTimeout,
			"stopped after its timeout of "+(time.Duration(r.Spec.TimeoutSeconds)*time.Second).String()+"; raise --timeout or make the job faster"
	case !haveCode:
		r.State, r.Reason, r.Hint = domain.RunFailed, domain.ReasonPlatformError, "the run's process ended without an exit code (killed from outside?); see its log"
	case code == 0:
		r.State = domain.RunSucceeded
	case code == domain.ExitInvalidArguments:
		r.State, r.Reason, r.Hint = domain.RunFailed, domain.ReasonInvalidArguments, e.lastLine(r.ID, "orchestera: invalid arguments: ")
	default:
		r.State, r.Reason, r.Hint = domain.RunFailed, domain.ReasonUserError, e.lastLine(r.ID, "")
	}
	if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunStarting, domain.RunRunning); err != nil {
		if domain.ErrorCode(err) != domain.CodeConflict { // conflict: already settled, e.g. cancelled while starting
			e.cfg.Log.ErrorContext(ctx, "recording a finished run", "run_id", r.ID, "err", err)
		}
		return
	}
	e.cfg.Log.InfoContext(ctx, "run finished", "run_id", r.ID, "org_id", r.OrgID, "state", r.State, "reason", r.Reason)
}

func (e *Executor) fail(ctx context.Context, r domain.Run, reason domain.FailureReason, hint string) {
	now := e.now()
	r.State, r.Reason, r.Hint, r.EndedAt = domain.RunFailed, reason, hint, &now
	if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunStarting, domain.RunRunning); err != nil {
		e.cfg.Log.ErrorContext(ctx, "recording a failed run", "run_id", r.ID, "err", err)
	}
}

func (e *Executor) exitCode(id string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(e.runDir(id), "exit"))
	if err != nil {
		return 0, false
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return code, err == nil
}

// lastLine is the one-line hint of a failure: the last log line (with
// prefix, if given, stripped from the line that has it), which for a Python
// exception is "ExceptionType: message".
func (e *Executor) lastLine(id, prefix string) string {
	f, err := os.Open(filepath.Join(e.runDir(id), "log"))
	if err != nil {
		return ""
	}
	defer f.Close()
	var last, marked string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "[orchestera") {
			continue
		}
		last = line
		if prefix != "" && strings.HasPrefix(line, prefix) {
			marked = strings.TrimPrefix(line, prefix)
		}
	}
	if marked != "" {
		last = marked
	}
	if len(last) > 300 {
		last = last[:300] + "…"
	}
	return last
}
