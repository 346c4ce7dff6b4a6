package provision

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/fakeclock"
)

// saveLog is a MemoryStore that also remembers every Save, in order.
type saveLog struct {
	MemoryStore
	mu    sync.Mutex
	saves []domain.StepState
	fail  error // returned by every Save when set
}

func (s *saveLog) SaveStackStep(ctx context.Context, stackID string, st domain.StepState) error {
	if s.fail != nil {
		return s.fail
	}
	s.mu.Lock()
	s.saves = append(s.saves, st)
	s.mu.Unlock()
	return s.MemoryStore.SaveStackStep(ctx, stackID, st)
}

// statuses is the sequence of statuses saved for one step.
func (s *saveLog) statuses(step string) []domain.StepStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.StepStatus
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
func (t *tally) ok(name string) domain.StepFunc {
	return func(ctx context.Context, r domain.StepRun) error {
		t.call(name)
		t.complete(name)
		return nil
	}
}

// testEngine has a fake clock and a retry policy without randomness:
// backoffs are 0.75s, 1.5s, 3s, ... (Initial 1s, less half of a half).
func testEngine(store domain.StepStore, clock *fakeclock.Clock) *Engine {
	return &Engine{
		Store:    store,
		Clock:    clock,
		Classify: isTransient,
		Retry:    RetryPolicy{Initial: time.Second, Max: 8 * time.Second, Attempts: 3, Jitter: 0.5, Rand: func() float64 { return 0.5 }},
	}
}

var errBoom = errors.New("boom")

// transientErr marks an error the test engine retries (an adapter's
// Classify decides that in production).
type transientErr struct{ error }

func (e transientErr) Unwrap() error { return e.error }

func transient(err error) error { return transientErr{err} }

func isTransient(err error) bool {
	var t transientErr
	return errors.As(err, &t)
}

// load returns the stored states of a stack or fails the test.
func load(t *testing.T, s domain.StepStore, stack string) map[string]domain.StepState {
	t.Helper()
	states, err := s.LoadStackSteps(context.Background(), stack)
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
