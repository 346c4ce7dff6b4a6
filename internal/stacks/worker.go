package stacks

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/provision"
)

// WorkerConfig is what the stack workers need.
type WorkerConfig struct {
	Store     domain.LifecycleStore
	Providers map[domain.StackKind]domain.StackProvider
	Owner     string        // this replica's lease owner id
	Lease     time.Duration // renewed at a third of it while working; default 1m
	Resync    time.Duration // how often to look at the store without a wake-up; default 5s
	// Clock, Retry, Poll and MaxParallel tune the step engine; zero values
	// take its defaults.
	Clock       domain.Clock
	Retry       provision.RetryPolicy
	Poll        time.Duration
	MaxParallel int
	// Ready is told of each stack an operation left ready: the syncer
	// syncs it. Nil: nothing is.
	Ready func(domain.Stack)
	Log   *slog.Logger
}

// Worker runs the stacks that have work to do, one goroutine per stack,
// holding a lease in the store so two server replicas never work on the
// same stack at once.
type Worker struct {
	WorkerConfig
	wake    chan struct{}
	mu      sync.Mutex
	working map[string]job // by stack id
}

// job is the operation this replica runs on a stack.
type job struct {
	state  domain.StackState // the state the operation started from
	cancel context.CancelFunc
}

// NewWorker returns a Worker; call Run to start it.
func NewWorker(cfg WorkerConfig) *Worker {
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Resync <= 0 {
		cfg.Resync = 5 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = domain.RealClock
	}
	return &Worker{WorkerConfig: cfg, wake: make(chan struct{}, 1), working: map[string]job{}}
}

// Wake asks for a look at the store now.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx ends and returns once every stack it started on has
// stopped. Work in progress stops with ctx and is resumed by whichever
// replica takes the lease next.
func (w *Worker) Run(ctx context.Context) {
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
			if jctx, ok := w.claim(ctx, st); ok {
				wg.Add(1)
				go func() { defer wg.Done(); w.work(jctx, st) }()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// claim takes the stack's lease unless this replica already works on it.
// Work on a stack whose state changed since it started (a destroy asked for
// during a provision) is cancelled: the next look starts the new operation.
func (w *Worker) claim(ctx context.Context, st domain.Stack) (context.Context, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if j, ok := w.working[st.ID]; ok {
		if j.state != st.State {
			j.cancel()
		}
		return nil, false
	}
	now := w.Store.Now()
	ok, err := w.Store.AcquireStackLease(ctx, st.ID, w.Owner, now.Add(w.Lease), now)
	if err != nil || !ok {
		return nil, false
	}
	jctx, cancel := context.WithCancel(ctx)
	w.working[st.ID] = job{state: st.State, cancel: cancel}
	return jctx, true
}

// work runs one stack's operation under its lease.
func (w *Worker) work(ctx context.Context, st domain.Stack) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go w.renew(ctx, cancel, st.ID)
	defer func() {
		w.Store.ReleaseStackLease(context.WithoutCancel(ctx), st.ID, w.Owner)
		w.mu.Lock()
		w.working[st.ID].cancel()
		delete(w.working, st.ID)
		w.mu.Unlock()
		w.Wake() // an operation asked for meanwhile starts at once
	}()
	l := lifecycle{w: w, st: st, provider: w.Providers[st.Kind]}
	if l.provider == nil {
		l.finish(ctx, domain.Errorf(domain.CodeInternal, "no provider builds %s stacks on this server", st.Kind))
		return
	}
	err := l.run(ctx)
	if ctx.Err() != nil {
		return // stopping, or the lease was lost: the next holder resumes
	}
	l.finish(ctx, err)
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
		now := w.Store.Now()
		if ok, err := w.Store.AcquireStackLease(ctx, id, w.Owner, now.Add(w.Lease), now); err == nil && !ok {
			w.Log.WarnContext(ctx, "lost the lease of a stack; another replica continues", "stack_id", id)
			cancel()
			return
		}
	}
}
