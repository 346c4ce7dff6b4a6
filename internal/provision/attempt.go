package provision

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// attempt calls a step once: it saves the intent, calls the step, and saves
// and reports the outcome. It runs on its own goroutine with copies of the
// step's state.
func (s *scheduler) attempt(ctx context.Context, step domain.Step, st domain.StepState, failures int) report {
	d := s.dir
	now := s.clock.Now()
	fn := d.fn(step)
	if fn == nil { // nothing to destroy
		st = domain.StepState{Step: step.Name, Status: d.done, StartedAt: now, EndedAt: now}
		return s.conclude(ctx, st, report{step: step.Name, outcome: finished}, "")
	}
	// A requeue or a crash continues the try in progress; anything else
	// (pending, failed, the other direction) starts a new one.
	if (st.Status != d.active && st.Status != d.waiting) || st.StartedAt.IsZero() {
		st.Attempts, st.StartedAt = 0, now
	}
	st.Step, st.Status, st.Error, st.EndedAt = step.Name, d.active, "", time.Time{}
	st.Attempts++
	st.Outputs = s.out.of(step.Name)
	if err := s.store.SaveStackStep(ctx, s.stackID, st); err != nil {
		if ctx.Err() != nil {
			return report{step: step.Name, outcome: interrupted, state: st, failures: failures}
		}
		// Without recorded intent the cloud call must not happen.
		return report{step: step.Name, outcome: failed, state: st, failures: failures, err: fmt.Errorf("recording intent: %w", err)}
	}
	s.emit(Event{Step: step.Name, Status: d.active, Attempt: st.Attempts, At: now, Elapsed: now.Sub(st.StartedAt)})

	err := call(ctx, fn, run{step: step.Name, out: s.out})
	st.EndedAt, st.Outputs = s.clock.Now(), s.out.of(step.Name)
	r := report{step: step.Name, state: st, failures: failures}

	if err == nil {
		st.Status = d.done
		if d.forget {
			st.Outputs = nil
			s.out.drop(step.Name)
		}
		r.outcome = finished
		// The work is done even if ctx just ended: record it so it is not
		// repeated.
		return s.conclude(context.WithoutCancel(ctx), st, r, "")
	}
	if ctx.Err() != nil {
		r.outcome = interrupted // leave the intent in the store, as a crash would
		return r
	}
	st.EndedAt = time.Time{}
	if after, ok := domain.IsNotReady(err); ok {
		if after <= 0 {
			after = s.retry.Initial
		}
		if s.poll > 0 {
			after = s.poll
		}
		st.Status = d.waiting
		r.outcome, r.after, r.failures = requeued, after, 0
		return s.conclude(ctx, st, r, err.Error())
	}
	if s.transient(err) {
		r.failures++
		if r.failures < s.retry.Attempts {
			r.after = s.retry.backoff(r.failures)
			st.Status, st.Error = d.waiting, err.Error()
			r.outcome = requeued
			return s.conclude(ctx, st, r, fmt.Sprintf("retrying in %s: %v", r.after.Round(time.Millisecond), err))
		}
		err = fmt.Errorf("after %d attempts: %w", r.failures, err)
	}
	st.Status, st.Error, st.EndedAt = domain.StepFailed, err.Error(), s.clock.Now()
	r.outcome, r.err = failed, err
	return s.conclude(ctx, st, r, err.Error())
}

// conclude saves the outcome of an attempt and publishes it.
func (s *scheduler) conclude(ctx context.Context, st domain.StepState, r report, msg string) report {
	r.state = st
	if err := s.store.SaveStackStep(ctx, s.stackID, st); err != nil {
		if r.outcome != failed && ctx.Err() != nil {
			r.outcome = interrupted
			return r
		}
		r.outcome, r.err = failed, errors.Join(r.err, fmt.Errorf("recording %s: %w", st.Status, err))
		return r
	}
	now := s.clock.Now()
	elapsed := time.Duration(0)
	if !st.StartedAt.IsZero() {
		elapsed = now.Sub(st.StartedAt)
	}
	status := st.Status
	if r.outcome == requeued {
		status = domain.StepWaiting // Destroy stores destroying, but says it waits
	}
	s.emit(Event{Step: st.Step, Status: status, Attempt: st.Attempts, Message: msg, At: now, Elapsed: elapsed})
	return r
}

func (s *scheduler) transient(err error) bool { return s.classify != nil && s.classify(err) }

// call runs fn, turning a panic into an error: one bad step must not take
// the control plane down with it.
func call(ctx context.Context, fn domain.StepFunc, r run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn(ctx, r)
}
