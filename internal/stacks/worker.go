package stacks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Worker runs the stacks that have work to do, one goroutine per stack,
// holding a lease in the store so two server replicas never work on the same
// stack at once.
type Worker struct {
	Store   domain.Store
	Cloud   domain.StackCloud
	Owner   string        // this replica's lease owner id
	Lease   time.Duration // renewed at a third of it while working
	Resync  time.Duration // how often to look at the store without a wake-up
	Now     func() time.Time
	Log     *slog.Logger
	wake    chan struct{}
	mu      sync.Mutex
	working map[string]bool
}

// Wake asks for a look at the store now.
func (w *Worker) Wake() {
	select {
	case w.wakeup() <- struct{}{}:
	default:
	}
}

// wakeup creates the wake channel on first use; Wake may come before Run.
func (w *Worker) wakeup() chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.wake == nil {
		w.wake = make(chan struct{}, 1)
		w.working = map[string]bool{}
	}
	return w.wake
}

// defaults fills unset timings; Run calls it before anything else.
func (w *Worker) defaults() {
	if w.Lease <= 0 {
		w.Lease = time.Minute
	}
	if w.Resync <= 0 {
		w.Resync = 5 * time.Second
	}
}

// Run works until ctx ends. Work in progress stops with ctx and is resumed
// by whichever replica takes the lease next.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	wake := w.wakeup()
	t := time.NewTicker(w.Resync)
	defer t.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		stacks, err := w.Store.StacksInState(ctx, domain.StackProvisioning, domain.StackUpdating, domain.StackDestroying)
		if err != nil && ctx.Err() == nil {
			w.Log.ErrorContext(ctx, "listing stacks with work", "err", err)
		}
		for _, st := range stacks {
			if w.claim(ctx, st.ID) {
				wg.Add(1)
				go func() { defer wg.Done(); w.work(ctx, st) }()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
	}
}

// claim takes the stack's lease unless this replica already works on it.
func (w *Worker) claim(ctx context.Context, id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.working[id] {
		return false
	}
	now := w.Now()
	ok, err := w.Store.AcquireStackLease(ctx, id, w.Owner, now.Add(w.Lease), now)
	if err != nil || !ok {
		return false
	}
	w.working[id] = true
	return true
}

func (w *Worker) work(ctx context.Context, st domain.Stack) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go w.renew(ctx, cancel, st.ID)
	defer func() {
		w.Store.ReleaseStackLease(context.WithoutCancel(ctx), st.ID, w.Owner)
		w.mu.Lock()
		delete(w.working, st.ID)
		w.mu.Unlock()
	}()
	report := func(step, status, msg string) {
		if err := w.Store.AddStackEvent(context.WithoutCancel(ctx), domain.StackEvent{ID: domain.NewID("sev"), OrgID: st.OrgID, StackID: st.ID,
			At: w.Now().UTC().Truncate(time.Millisecond), Step: step, Status: status, Message: msg}); err != nil {
			w.Log.ErrorContext(ctx, "recording a stack event", "stack", st.Name, "err", err)
		}
	}
	var err error
	final := domain.StackReady
	if st.State == domain.StackDestroying {
		final = domain.StackDestroyed
		var left []string
		if left, err = w.Cloud.Destroy(ctx, st, report); err == nil && len(left) > 0 {
			err = &domain.StepError{Step: "leftovers", Err: fmt.Sprintf("%d resources are still tagged with the stack: %v", len(left), left),
				Fix: "delete them (they may belong to workloads that ran on the stack) and destroy again"}
		}
	} else {
		err = w.Cloud.Provision(ctx, st, report)
	}
	if ctx.Err() != nil {
		return // stopping, or the lease was lost: the next holder resumes
	}
	st.State, st.FailedStep, st.Hint = final, "", ""
	if err != nil {
		st.State, st.Hint = domain.StackFailed, err.Error()
		var se *domain.StepError
		if errors.As(err, &se) {
			st.FailedStep, st.Hint = se.Step, se.Err+"; fix: "+se.Fix
		}
	}
	if uerr := w.Store.UpdateStack(context.WithoutCancel(ctx), st); uerr != nil {
		w.Log.ErrorContext(ctx, "recording a stack outcome", "stack", st.Name, "err", uerr)
		return
	}
	msg := "done"
	if err != nil {
		msg = st.Hint
	}
	report(st.FailedStep, string(st.State), msg)
}

// renew keeps the lease while working; losing it stops the work.
func (w *Worker) renew(ctx context.Context, cancel context.CancelFunc, id string) {
	t := time.NewTicker(w.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := w.Now()
		if ok, err := w.Store.AcquireStackLease(ctx, id, w.Owner, now.Add(w.Lease), now); err == nil && !ok {
			w.Log.WarnContext(ctx, "lost the lease of a stack; another replica continues", "stack_id", id)
			cancel()
			return
		}
	}
}
