package provision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/fakeclock"
)

func TestProvisionRespectsDependencies(t *testing.T) {
	diamond := [][2]any{{"a", nil}, {"b", []string{"a"}}, {"c", []string{"a"}}, {"d", []string{"b", "c"}}}
	tests := []struct {
		name     string
		steps    [][2]any // name, After
		parallel int
	}{
		{"chain", [][2]any{{"c", []string{"b"}}, {"b", []string{"a"}}, {"a", nil}}, 0},
		{"diamond", diamond, 0},
		{"diamond one at a time", diamond, 1},
		{"wide", [][2]any{{"a", nil}, {"b", nil}, {"c", nil}, {"d", []string{"a", "b", "c"}}, {"e", []string{"a"}}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newTally()
			var g domain.Graph
			for _, s := range tt.steps {
				name, after := s[0].(string), s[1]
				deps, _ := after.([]string)
				g = append(g, domain.Step{Name: name, After: deps, Ensure: func(ctx context.Context, r domain.StepRun) error {
					for _, d := range deps {
						if !tl.isComplete(d) {
							return fmt.Errorf("%s started before %s completed", name, d)
						}
					}
					return tl.ok(name)(ctx, r)
				}})
			}
			e := testEngine(&MemoryStore{}, fakeclock.New())
			e.MaxParallel = tt.parallel
			if err := e.Provision(context.Background(), "s1", g); err != nil {
				t.Fatal(err)
			}
			for name, st := range load(t, e.Store, "s1") {
				if st.Status != domain.StepDone || st.Attempts != 1 {
					t.Errorf("%s: status %s after %d attempts, want done after 1", name, st.Status, st.Attempts)
				}
			}
			if len(tl.order) != len(g) {
				t.Errorf("completed %v, want all %d steps", tl.order, len(g))
			}
		})
	}
}

func TestIndependentStepsRunConcurrently(t *testing.T) {
	// Each step waits for the other to have started: only a concurrent
	// engine lets both finish.
	started := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
	barrier := func(self, other string) domain.StepFunc {
		return func(ctx context.Context, r domain.StepRun) error {
			close(started[self])
			select {
			case <-started[other]:
				return nil
			case <-time.After(5 * time.Second):
				return fmt.Errorf("%s never saw %s start", self, other)
			}
		}
	}
	g := domain.Graph{{Name: "a", Ensure: barrier("a", "b")}, {Name: "b", Ensure: barrier("b", "a")}}
	if err := testEngine(&MemoryStore{}, fakeclock.New()).Provision(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
}

func TestMaxParallelCapsRunningSteps(t *testing.T) {
	// Steps hold their slot until the test releases them one by one, so a
	// broken cap would let more than three in at once.
	var now, peak atomic.Int32
	release := make(chan struct{})
	step := func(ctx context.Context, r domain.StepRun) error {
		n := now.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-release
		now.Add(-1)
		return nil
	}
	var g domain.Graph
	for i := range 8 {
		g = append(g, domain.Step{Name: fmt.Sprint("s", i), Ensure: step})
	}
	e := testEngine(&MemoryStore{}, fakeclock.New())
	e.MaxParallel = 3
	done := make(chan error, 1)
	go func() { done <- e.Provision(context.Background(), "s1", g) }()
	for range g {
		select {
		case release <- struct{}{}:
		case <-time.After(5 * time.Second):
			t.Fatal("timed out releasing steps")
		}
	}
	if err := wait(t, done, "Provision"); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 3 {
		t.Errorf("%d steps ran at once, cap 3", p)
	}
}

func TestResumeAfterFailureSkipsDoneSteps(t *testing.T) {
	tl := newTally()
	var bFails atomic.Bool
	bFails.Store(true)
	g := domain.Graph{
		{Name: "a", Ensure: func(ctx context.Context, r domain.StepRun) error {
			tl.call("a")
			r.SetOutput("vpc_id", "vpc-1")
			return nil
		}},
		{Name: "b", After: []string{"a"}, Ensure: func(ctx context.Context, r domain.StepRun) error {
			tl.call("b")
			if v, ok := r.Output("a", "vpc_id"); !ok || v != "vpc-1" {
				return fmt.Errorf("output vpc_id of a = %q, %v", v, ok)
			}
			if bFails.Load() {
				return fmt.Errorf("creating subnets: %w", errBoom)
			}
			return nil
		}},
		{Name: "c", After: []string{"b"}, Ensure: func(ctx context.Context, r domain.StepRun) error { tl.call("c"); return nil }},
	}
	store := &MemoryStore{}
	e := testEngine(store, fakeclock.New())

	err := e.Provision(context.Background(), "s1", g)
	var se *domain.StepError
	if !errors.As(err, &se) || se.Step != "b" || !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want a StepError for b wrapping errBoom", err)
	}
	states := load(t, store, "s1")
	if states["a"].Status != domain.StepDone || states["b"].Status != domain.StepFailed || states["b"].Error != "creating subnets: boom" {
		t.Fatalf("states after failure: %+v", states)
	}
	if _, ok := states["c"]; ok {
		t.Fatalf("c ran after b failed")
	}

	bFails.Store(false)
	if err := e.Provision(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"a": 1, "b": 2, "c": 1}
	for step, n := range want {
		if got := tl.get(tl.calls, step); got != n {
			t.Errorf("%s called %d times, want %d", step, got, n)
		}
	}
	if st := load(t, store, "s1")["b"]; st.Status != domain.StepDone || st.Attempts != 1 || st.Error != "" {
		t.Errorf("b after resume: %+v; a failed step starts a new try", st)
	}
}

func TestCrashThenResumeCompletesEachStepOnce(t *testing.T) {
	tl := newTally()
	bStarted := make(chan struct{})
	g := domain.Graph{
		{Name: "a", Ensure: tl.ok("a")},
		{Name: "b", After: []string{"a"}, Ensure: func(ctx context.Context, r domain.StepRun) error {
			if tl.call("b") == 1 {
				// Create the resource, then "crash"; a resumed ensure finds
				// it again by its deterministic name.
				close(bStarted)
				<-ctx.Done()
				return ctx.Err()
			}
			tl.complete("b")
			return nil
		}},
		{Name: "c", After: []string{"b"}, Ensure: tl.ok("c")},
	}
	store := &MemoryStore{}
	clock := fakeclock.New()
	e := testEngine(store, clock)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Provision(ctx, "s1", g) }()
	wait(t, bStarted, "b to start")
	startedAt := load(t, store, "s1")["b"].StartedAt
	cancel()
	if err := wait(t, done, "Provision to return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if st := load(t, store, "s1")["b"]; st.Status != domain.StepRunning {
		t.Fatalf("b after the crash: %+v, want running: its intent was recorded", st)
	}

	clock.Advance(time.Minute)
	if err := e.Provision(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"a", "b", "c"} {
		if n := tl.get(tl.completed, step); n != 1 {
			t.Errorf("%s completed %d times, want 1", step, n)
		}
	}
	// The resumed call continues the interrupted try.
	if st := load(t, store, "s1")["b"]; st.Attempts != 2 || !st.StartedAt.Equal(startedAt) {
		t.Errorf("b: %d attempts since %v, want 2 since %v", st.Attempts, st.StartedAt, startedAt)
	}
}

func TestNotReadyDoesNotBlockOtherSteps(t *testing.T) {
	// One slot only: if the waiting cluster held it, iam could never run.
	clock := fakeclock.Manual()
	store := &saveLog{}
	e := testEngine(store, clock)
	e.MaxParallel = 1
	var events []Event
	e.Progress = func(ev Event) { events = append(events, ev) }
	tl := newTally()
	iamDone := make(chan struct{})
	g := domain.Graph{
		{Name: "cluster", Ensure: func(ctx context.Context, r domain.StepRun) error {
			if tl.call("cluster") == 1 {
				return domain.NotReady(30*time.Second, "cluster is CREATING")
			}
			return nil
		}},
		{Name: "iam", Ensure: func(ctx context.Context, r domain.StepRun) error { close(iamDone); return nil }},
	}
	done := make(chan error, 1)
	go func() { done <- e.Provision(context.Background(), "s1", g) }()
	wait(t, iamDone, "iam to run while cluster waits")
	clock.AwaitSleepers(t, 1)
	if st := load(t, store, "s1")["cluster"]; st.Status != domain.StepWaiting {
		t.Errorf("cluster is %s while requeued, want waiting", st.Status)
	}
	clock.Advance(30 * time.Second)
	if err := wait(t, done, "Provision"); err != nil {
		t.Fatal(err)
	}
	if got := clock.Sleeps(); !slices.Equal(got, []time.Duration{30 * time.Second}) {
		t.Errorf("slept %v, want the 30s the step asked for", got)
	}
	want := []domain.StepStatus{domain.StepRunning, domain.StepWaiting, domain.StepRunning, domain.StepDone}
	if got := store.statuses("cluster"); !slices.Equal(got, want) {
		t.Errorf("cluster saves %v, want %v", got, want)
	}
	i := slices.IndexFunc(events, func(ev Event) bool { return ev.Status == domain.StepWaiting })
	if i < 0 || events[i].Step != "cluster" || events[i].Message != "not ready: cluster is CREATING" || events[i].Stack != "s1" {
		t.Errorf("no waiting event for cluster in %+v", events)
	}
}

func TestNotReadyUsesNoAttempts(t *testing.T) {
	// Attempts is 3; the step sees nine answers, never three transient
	// errors in a row.
	answers := []error{domain.NotReady(time.Second, "1"), transient(errBoom), domain.NotReady(time.Second, "2"), domain.NotReady(time.Second, "3"),
		transient(errBoom), transient(errBoom), domain.NotReady(0, "4"), transient(errBoom), nil}
	tl := newTally()
	g := domain.Graph{{Name: "s", Ensure: func(ctx context.Context, r domain.StepRun) error { return answers[tl.call("s")-1] }}}
	if err := testEngine(&MemoryStore{}, fakeclock.New()).Provision(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	if n := tl.get(tl.calls, "s"); n != len(answers) {
		t.Errorf("%d calls, want %d", n, len(answers))
	}
}

func TestRetries(t *testing.T) {
	errThrottled := errors.New("Throttling: Rate exceeded")
	tests := []struct {
		name      string
		answers   []error // the step's answers, the last one repeated
		classify  func(error) bool
		wantCalls int
		wantSlept []time.Duration
		wantErr   error
	}{
		{"transient then success", []error{transient(errBoom), transient(errBoom), nil}, nil, 3,
			[]time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}, nil},
		{"transient until attempts run out", []error{transient(errBoom)}, nil, 3,
			[]time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}, errBoom},
		{"classified by the adapter", []error{errThrottled, nil}, func(err error) bool { return errors.Is(err, errThrottled) }, 2,
			[]time.Duration{750 * time.Millisecond}, nil},
		{"permanent fails at once", []error{errBoom}, nil, 1, nil, errBoom},
		{"panic is a permanent failure", nil, nil, 1, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newTally()
			g := domain.Graph{{Name: "s", Ensure: func(ctx context.Context, r domain.StepRun) error {
				n := tl.call("s")
				if tt.answers == nil {
					panic("nil map")
				}
				return tt.answers[min(n, len(tt.answers))-1]
			}}}
			clock := fakeclock.New()
			e := testEngine(&MemoryStore{}, clock)
			if tt.classify != nil {
				e.Classify = tt.classify
			}
			err := e.Provision(context.Background(), "s1", g)
			var se *domain.StepError
			switch {
			case tt.answers == nil:
				if !errors.As(err, &se) || se.Error() != "step s: panic: nil map" {
					t.Errorf("err = %v, want the panic as a StepError", err)
				}
			case tt.wantErr == nil && err != nil:
				t.Errorf("err = %v", err)
			case tt.wantErr != nil && (!errors.As(err, &se) || se.Step != "s" || !errors.Is(err, tt.wantErr)):
				t.Errorf("err = %v, want a StepError for s wrapping %v", err, tt.wantErr)
			}
			if n := tl.get(tl.calls, "s"); n != tt.wantCalls {
				t.Errorf("%d calls, want %d", n, tt.wantCalls)
			}
			if got := clock.Sleeps(); !slices.Equal(got, tt.wantSlept) {
				t.Errorf("slept %v, want %v", got, tt.wantSlept)
			}
		})
	}
}

func TestBackoffGrowsToMax(t *testing.T) {
	p := RetryPolicy{Initial: time.Second, Max: 5 * time.Second, Jitter: 0.2, Rand: func() float64 { return 0 }}.withDefaults()
	var got []time.Duration
	for n := 1; n <= 5; n++ {
		got = append(got, p.backoff(n))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("backoffs %v, want %v", got, want)
	}
	p.Rand = func() float64 { return 0.999 }
	if d := p.backoff(4); d < 4*time.Second || d > 5*time.Second {
		t.Errorf("jittered backoff %v, want within 20%% below 5s", d)
	}
}
