package provision

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is the engine's time in tests. Automatic, Sleep advances the
// clock and returns at once; manual, Sleep blocks until Advance reaches it.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	manual  bool
	slept   []time.Duration
	waiters []waiter
	added   chan struct{} // a sleeper arrived
}

type waiter struct {
	until time.Time
	ch    chan struct{}
}

func newClock(manual bool) *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), manual: manual, added: make(chan struct{}, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	if !c.manual {
		c.now = c.now.Add(d)
		c.mu.Unlock()
		return ctx.Err()
	}
	w := waiter{until: c.now.Add(d), ch: make(chan struct{})}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	select {
	case c.added <- struct{}{}:
	default:
	}
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		c.waiters = slices.DeleteFunc(c.waiters, func(o waiter) bool { return o.ch == w.ch })
		c.mu.Unlock()
		return ctx.Err()
	}
}

// Advance moves the clock on and wakes the sleepers it reaches.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waiters = slices.DeleteFunc(c.waiters, func(w waiter) bool {
		if w.until.After(c.now) {
			return false
		}
		close(w.ch)
		return true
	})
}

// awaitSleepers waits until n goroutines sleep on the clock.
func (c *fakeClock) awaitSleepers(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.waiters)
		c.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-c.added:
		case <-deadline:
			t.Fatalf("%d sleepers, want %d", got, n)
		}
	}
}

func (c *fakeClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}

// saveLog is a MemoryStore that also remembers every Save, in order.
type saveLog struct {
	MemoryStore
	mu    sync.Mutex
	saves []StepState
	fail  error // returned by every Save when set
}

func (s *saveLog) Save(ctx context.Context, stackID string, st StepState) error {
	if s.fail != nil {
		return s.fail
	}
	s.mu.Lock()
	s.saves = append(s.saves, st)
	s.mu.Unlock()
	return s.MemoryStore.Save(ctx, stackID, st)
}

// statuses is the sequence of statuses saved for one step.
func (s *saveLog) statuses(step string) []StepStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StepStatus
	for _, st := range s.saves {
		if st.Step == step {
			out = append(out, st.Status)
		}
	}
	return out
}

// tally counts calls of steps and the calls that completed their work.
type tally struct {
	mu        sync.Mutex
	calls     map[string]int
	completed map[string]int
	order     []string // step names as they completed
}

func newTally() *tally { return &tally{calls: map[string]int{}, completed: map[string]int{}} }

// call counts a call and returns its number, from 1.
func (t *tally) call(step string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls[step]++
	return t.calls[step]
}

func (t *tally) complete(step string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.completed[step]++
	t.order = append(t.order, step)
}

func (t *tally) isComplete(step string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.completed[step] > 0
}

func (t *tally) get(m map[string]int, step string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return m[step]
}

// ok is a step function that counts, then succeeds.
func (t *tally) ok(name string) StepFunc {
	return func(ctx context.Context, r *Run) error {
		t.call(name)
		t.complete(name)
		return nil
	}
}

// testEngine has a fake clock and a retry policy without randomness:
// backoffs are 0.75s, 1.5s, 3s, ... (Initial 1s, less half of a half).
func testEngine(store StateStore, clock *fakeClock) *Engine {
	return &Engine{
		Store: store,
		Clock: clock,
		Retry: RetryPolicy{Initial: time.Second, Max: 8 * time.Second, Attempts: 3, Jitter: 0.5, Rand: func() float64 { return 0.5 }},
	}
}

var errBoom = errors.New("boom")

// load returns the stored states of a stack or fails the test.
func load(t *testing.T, s StateStore, stack string) map[string]StepState {
	t.Helper()
	states, err := s.Load(context.Background(), stack)
	if err != nil {
		t.Fatal(err)
	}
	return states
}

// wait receives from ch or fails the test after a deadline: for the few
// places where the engine's goroutines really race the test's.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}
