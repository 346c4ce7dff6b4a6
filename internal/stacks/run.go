package stacks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/provision"
)

// lifecycle is one operation (provision, update or destroy) of one stack.
type lifecycle struct {
	w        *Worker
	st       domain.Stack
	provider domain.StackProvider
}

func (l lifecycle) destroying() bool { return l.st.State == domain.StackDestroying }

func (l lifecycle) operation() string {
	if l.destroying() {
		return "destroy"
	}
	return "provision"
}

// run builds the stack's graph and runs it. An update (a ready stack
// provisioned again) re-runs every step: each is an idempotent ensure that
// puts drifted resources back as they should be.
func (l lifecycle) run(ctx context.Context) error {
	g, err := l.provider.Graph(ctx, l.st, l.operation())
	if err != nil {
		return err
	}
	e := l.engine()
	if !l.destroying() {
		if l.st.State == domain.StackUpdating {
			if err := l.w.Store.DeleteStackSteps(ctx, l.st.ID); err != nil {
				return err
			}
		}
		return e.Provision(ctx, l.st.ID, g)
	}
	if err := e.Destroy(ctx, l.st.ID, g); err != nil {
		return err
	}
	return l.leftovers(ctx)
}

func (l lifecycle) engine() *provision.Engine {
	w := l.w
	return &provision.Engine{
		Store: w.Store, Clock: w.Clock, Retry: w.Retry, Poll: w.Poll, MaxParallel: w.MaxParallel,
		Classify: func(err error) bool { return l.provider.Classify(err) == domain.FailureTransient },
		Progress: func(e provision.Event) {
			msg := e.Message
			if msg == "" {
				msg = fmt.Sprintf("%s (attempt %d, %s)", e.Status, e.Attempt, e.Elapsed.Round(time.Second))
			}
			l.event(context.Background(), e.Step, string(e.Status), msg)
			if e.Status == domain.StepDone && e.Elapsed > 0 {
				if err := w.Store.RecordStepDuration(context.Background(), e.Step, e.Elapsed, w.Store.Now()); err != nil {
					w.Log.Warn("recording a step duration", "step", e.Step, "err", err)
				}
			}
		},
	}
}

// leftovers fails the destroy while anything is still tagged with the
// stack; once nothing is, the step states go, so a later provision starts
// afresh.
func (l lifecycle) leftovers(ctx context.Context) error {
	left, err := l.provider.Leftovers(ctx, l.st)
	if err != nil {
		return &domain.StepError{Step: "leftovers", Err: err, Fix: "destroy again to look for leftovers once more"}
	}
	if len(left) > 0 {
		fix := "delete them (they may belong to workloads that ran on the stack) and destroy again:"
		for _, r := range left {
			fix += fmt.Sprintf("\n  %s %s (%s): %s", r.Type, r.ID, r.State, r.Fix)
		}
		return &domain.StepError{Step: "leftovers", Err: fmt.Errorf("%d resources are still tagged with the stack", len(left)), Fix: fix}
	}
	return l.w.Store.DeleteStackSteps(ctx, l.st.ID)
}

// finish records the outcome: ready or destroyed, or failed with the step,
// the error and its fix.
func (l lifecycle) finish(ctx context.Context, err error) {
	st := l.st
	st.State, st.FailedStep, st.Hint = domain.StackReady, "", ""
	if l.destroying() {
		st.State = domain.StackDestroyed
	}
	if err != nil {
		st.State, st.Hint = domain.StackFailed, err.Error()
		var se *domain.StepError
		if errors.As(err, &se) {
			l.fix(se)
			st.FailedStep, st.Hint = se.Step, se.Hint()
		}
	}
	ctx = context.WithoutCancel(ctx)
	if uerr := l.w.Store.UpdateStack(ctx, st, l.st.State); uerr != nil {
		if domain.ErrorCode(uerr) == domain.CodeConflict { // another operation was asked for meanwhile; it goes next
			l.w.Log.InfoContext(ctx, "a stack's state changed during its operation", "stack", st.Name, "err", uerr)
			return
		}
		l.w.Log.ErrorContext(ctx, "recording a stack outcome", "stack", st.Name, "err", uerr)
		return
	}
	msg := "done"
	if err != nil {
		msg = st.Hint
	}
	l.event(ctx, st.FailedStep, string(st.State), msg)
}

// fix fills in what to do about a failed step: the fix the step attached,
// else one for the kind of failure.
func (l lifecycle) fix(se *domain.StepError) {
	switch {
	case se.Fix != "":
	case domain.FixOf(se.Err) != "":
		se.Fix = domain.FixOf(se.Err)
	case l.provider.Classify(se.Err) == domain.FailureForbidden:
		se.Fix = "the role lacks a permission this step needs: run orchestera connections verify, add what is missing to OrchesteraAccessPolicy, then " + l.operation() + " again"
	default:
		se.Fix = l.operation() + " again to resume from this step"
	}
}

func (l lifecycle) event(ctx context.Context, step, status, msg string) {
	w := l.w
	if err := w.Store.AddStackEvent(ctx, domain.StackEvent{ID: domain.NewID("sev"), OrgID: l.st.OrgID, StackID: l.st.ID,
		At: w.Store.Now(), Step: step, Status: status, Message: msg}); err != nil {
		w.Log.ErrorContext(ctx, "recording a stack event", "stack", l.st.Name, "err", err)
	}
}
