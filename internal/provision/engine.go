package provision

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// RetryPolicy says how transient errors are retried: the n-th consecutive
// failure waits Initial·2ⁿ⁻¹, at most Max, less up to Jitter (a fraction) of
// it at random so that many stacks throttled together do not retry together.
// A step fails after Attempts consecutive transient errors; a NotReady in
// between starts the count again. Zero fields take the defaults below; a
// negative Jitter means none.
type RetryPolicy struct {
	Initial, Max time.Duration
	Attempts     int
	Jitter       float64
	Rand         func() float64 // in [0, 1); called concurrently
}

// The defaults for zero RetryPolicy fields: about three minutes of retrying
// in all, which rides out AWS API throttling.
const (
	DefaultInitial  = 2 * time.Second
	DefaultMax      = time.Minute
	DefaultAttempts = 8
	DefaultJitter   = 0.5
)

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Initial <= 0 {
		p.Initial = DefaultInitial
	}
	if p.Max <= 0 {
		p.Max = DefaultMax
	}
	if p.Attempts <= 0 {
		p.Attempts = DefaultAttempts
	}
	switch {
	case p.Jitter == 0:
		p.Jitter = DefaultJitter
	case p.Jitter < 0:
		p.Jitter = 0
	case p.Jitter > 1:
		p.Jitter = 1
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return p
}

// backoff is the wait after the n-th consecutive transient failure.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.Initial
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	return d - time.Duration(float64(d)*p.Jitter*p.Rand())
}

// Engine runs step graphs. Its fields are read at each call; set them
// before the first. Callers must not run two calls for one stack at once
// (the stack lease in the store is for that).
type Engine struct {
	Store domain.StepStore
	Clock domain.Clock // default: domain.RealClock
	// MaxParallel caps the steps calling the cloud at once; 0 means no cap.
	// Requeued steps do not count while they wait.
	MaxParallel int
	Retry       RetryPolicy
	// Classify reports whether a step's error is transient (throttling, a
	// fault on the cloud's side): those are retried with backoff.
	Classify func(error) (transient bool)
	// Poll, when set, replaces the wait every NotReady asks for: tests
	// against an emulator whose resources are ready at once use a short one.
	Poll time.Duration
	// Progress receives every event, from one goroutine at a time per call.
	Progress func(Event)
}

// Provision runs the graph's Ensure functions until every step is done.
// Steps already done are skipped, so a call after a crash or a failure
// resumes; failed, running and waiting steps run again. On the first step
// that fails it starts nothing more, waits for the running steps, and
// returns a *domain.StepError. When ctx ends it returns promptly, saving nothing
// more: interrupted steps stay running in the store, as after a crash.
func (e *Engine) Provision(ctx context.Context, stackID string, g domain.Graph) error {
	if err := g.Validate(); err != nil {
		return err
	}
	for _, s := range g {
		if s.Ensure == nil {
			return fmt.Errorf("step %q has no Ensure", s.Name)
		}
	}
	return e.execute(ctx, stackID, g, provisioning)
}

// Destroy runs the graph's Destroy functions in reverse dependency order for
// every step not yet destroyed, including steps that never started or
// failed: a crash can leave a resource whose step never recorded it. Steps
// with a nil Destroy are marked destroyed without a call. Failures, retries
// and cancellation work as in Provision.
func (e *Engine) Destroy(ctx context.Context, stackID string, g domain.Graph) error {
	if err := g.Validate(); err != nil {
		return err
	}
	return e.execute(ctx, stackID, g.Reverse(), destroying)
}

func (e *Engine) execute(ctx context.Context, stackID string, g domain.Graph, dir direction) error {
	if e.Store == nil {
		return errors.New("provision: Engine.Store is nil")
	}
	states, err := e.Store.LoadStackSteps(ctx, stackID)
	if err != nil {
		return fmt.Errorf("loading step states of stack %s: %w", stackID, err)
	}
	return newScheduler(e, stackID, g, dir, states).run(ctx)
}
