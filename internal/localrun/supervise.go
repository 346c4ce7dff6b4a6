package localrun

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/runenv"
)

// supervise tracks a live run until its process ends, enforcing its
// timeout, then records the outcome.
func (e *Executor) supervise(r domain.Run, p *proc) {
	e.mu.Lock()
	e.live[r.ID] = p
	e.mu.Unlock()
	go e.indexLog(r, p.done)
	go func() {
		if r.Spec.TimeoutSeconds > 0 && r.StartedAt != nil {
			left := time.Until(r.StartedAt.Add(timeout(r)))
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

// timeout is a run's timeout as a duration; runs recorded before the limit
// existed are held to it too.
func timeout(r domain.Run) time.Duration {
	return time.Duration(min(r.Spec.TimeoutSeconds, domain.MaxTimeoutSeconds)) * time.Second
}

// finish records how a run ended: from why we stopped it, else from what
// the init and the runtime wrote (never from the exit code alone).
func (e *Executor) finish(ctx context.Context, r domain.Run, stopped domain.FailureReason) {
	ex, haveExit := e.exitRecord(r)
	res, haveResult, legacy := e.result(r)
	e.cleanup(r)
	now := e.now()
	r.EndedAt = &now
	if ex.Code != nil {
		r.ExitCode = ex.Code
	}
	failed := func(reason domain.FailureReason, hint string) {
		r.State, r.Reason, r.Hint = domain.RunFailed, reason, oneLine(hint)
	}
	userError := func(message string) {
		if message == "" {
			message = e.lastLine(r, "")
		}
		if message == "" {
			message = fmt.Sprintf("the pipeline exited with code %d", *ex.Code)
		}
		failed(domain.ReasonUserError, message)
	}
	switch {
	case stopped == domain.ReasonCancelled:
		r.State, r.Reason, r.Hint = domain.RunCancelled, domain.ReasonCancelled, "cancelled on request"
	case stopped == domain.ReasonTimeout:
		failed(domain.ReasonTimeout, "stopped after its timeout of "+timeout(r).String()+"; raise --timeout or make the job faster")
	case !haveExit:
		failed(domain.ReasonPlatformError, "the run's process ended without an exit code (killed from outside?); see its log")
	case ex.Error != "":
		failed(domain.ReasonPlatformError, ex.Error)
	case ex.Signal != 0:
		failed(domain.ReasonPlatformError, fmt.Sprintf("the pipeline's process was killed by signal %d (%s): out of memory, or killed from outside; see its log",
			ex.Signal, syscall.Signal(ex.Signal)))
	case ex.Code == nil:
		failed(domain.ReasonPlatformError, "the run's exit file holds no exit code; see its log")
	case haveResult && res.Outcome == runenv.OutcomeInvalidArguments:
		failed(domain.ReasonInvalidArguments, res.Message)
	case haveResult && res.Outcome == runenv.OutcomeUserError:
		userError(res.Message)
	case *ex.Code == 0:
		r.State = domain.RunSucceeded
	case haveResult && res.Outcome == runenv.OutcomeSucceeded:
		userError(fmt.Sprintf("the pipeline succeeded, then its process exited with code %d", *ex.Code))
	case legacy && *ex.Code == domain.ExitInvalidArguments:
		// Started by a version whose runtime wrote no result.
		failed(domain.ReasonInvalidArguments, e.lastLine(r, "orchestera: invalid arguments: "))
	default:
		// The runtime wrote no outcome: it did not get to (it failed to
		// start, or the pipeline ended the process itself).
		userError("")
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
	e.cleanup(r)
	now := e.now()
	r.State, r.Reason, r.Hint, r.EndedAt = domain.RunFailed, reason, hint, &now
	if err := e.cfg.Store.UpdateRun(ctx, r, domain.RunStarting, domain.RunRunning); err != nil {
		e.cfg.Log.ErrorContext(ctx, "recording a failed run", "run_id", r.ID, "err", err)
	}
}

// cleanup gives what the run's user created back to root and removes the
// run's /tmp, once no process of the run is left.
func (e *Executor) cleanup(r domain.Run) {
	if m := e.readMeta(r); m.UID != 0 {
		dir := e.runDir(r)
		giveBack(m.UID, filepath.Join(dir, "work"), filepath.Join(dir, "home"), filepath.Join(dir, "result"))
	}
	os.RemoveAll(e.tmpDir(r))
}

// exitRecord reads what the init wrote when the run ended; a run started by
// an older version has just its exit code there.
func (e *Executor) exitRecord(r domain.Run) (exitRecord, bool) {
	b, err := os.ReadFile(filepath.Join(e.runDir(r), "exit"))
	if err != nil {
		return exitRecord{}, false
	}
	if code, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
		return exitRecord{Code: &code}, true
	}
	var rec exitRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return exitRecord{}, false
	}
	return rec, true
}

// result reads what the runtime wrote of the run's outcome. The file is the
// run's to write, so it is read as untrusted: at most 4 KiB, never through
// a link. legacy: the run predates result files.
func (e *Executor) result(r domain.Run) (res runenv.Result, ok, legacy bool) {
	f, err := os.OpenFile(filepath.Join(e.runDir(r), "result"), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if os.IsNotExist(err) {
		return res, false, true
	}
	if err != nil {
		return res, false, false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return res, false, false
	}
	b, _ := io.ReadAll(io.LimitReader(f, 4<<10))
	if json.Unmarshal(b, &res) != nil {
		return runenv.Result{}, false, false
	}
	return res, true, false
}

// oneLine makes a hint of text written by a pipeline: one line of
// printable characters, at most 300 bytes.
func oneLine(s string) string {
	s = strings.Map(func(c rune) rune {
		if c == '\n' || c == '\r' || c == '\t' {
			return ' '
		}
		if !unicode.IsPrint(c) {
			return -1
		}
		return c
	}, strings.TrimSpace(s))
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}

// lastLine is the one-line hint of a failure: the last log line (with
// prefix, if given, stripped from the line that has it), which for a Python
// exception is "ExceptionType: message".
func (e *Executor) lastLine(r domain.Run, prefix string) string {
	f, err := os.Open(filepath.Join(e.runDir(r), "log"))
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
	return oneLine(last)
}
