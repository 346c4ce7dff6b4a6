// Package fakeclock is a domain.Clock for tests: time that moves only when
// a sleep or the test moves it, so waits, backoffs and polls take no real
// time and their durations can be asserted.
package fakeclock

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// Clock is a domain.Clock for tests. An automatic one's Sleep advances the
// clock and returns at once; a manual one's Sleep blocks until Advance
// reaches it, so a test decides when every wait ends.
type Clock struct {
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

// Start is where every fake clock starts.
var Start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// New returns an automatic clock at Start.
func New() *Clock { return &Clock{now: Start, added: make(chan struct{}, 100)} }

// Manual returns a manual clock at Start.
func Manual() *Clock { c := New(); c.manual = true; return c }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep waits for d on the clock, or until ctx ends.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
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
func (c *Clock) Advance(d time.Duration) {
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

// AwaitSleepers waits until n goroutines sleep on a manual clock.
func (c *Clock) AwaitSleepers(t testing.TB, n int) {
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

// Sleeps are the durations slept so far, in order.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}
