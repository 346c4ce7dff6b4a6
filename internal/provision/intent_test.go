package provision

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestFailureStopsSchedulingAndWaitsForRunningSteps(t *testing.T) {
	// bad and slow start together; slow finishes only after bad has failed.
	// Then nothing new may start, but slow's success must be recorded.
	badFailed := make(chan struct{})
	tl := newTally()
	e := testEngine(&MemoryStore{}, newClock(false))
	e.Progress = func(ev Event) {
		if ev.Step == "bad" && ev.Status == StatusFailed {
			close(badFailed)
		}
	}
	g := Graph{
		{Name: "bad", Ensure: func(ctx context.Context, r *Run) error { return errBoom }},
		{Name: "slow", Ensure: func(ctx context.Context, r *Run) error {
			<-badFailed
			tl.complete("slow")
			return nil
		}},
		{Name: "after-slow", After: []string{"slow"}, Ensure: tl.ok("after-slow")},
	}
	err := e.Provision(context.Background(), "s1", g)
	var se *StepError
	if !errors.As(err, &se) || se.Step != "bad" || err.Error() != "step bad: boom" {
		t.Fatalf("err = %v, want step bad: boom", err)
	}
	states := load(t, e.Store, "s1")
	if states["slow"].Status != StatusDone {
		t.Errorf("slow is %s, want done: running steps finish", states["slow"].Status)
	}
	if tl.isComplete("after-slow") {
		t.Error("after-slow started after a step had failed")
	}
}

func TestIntentIsRecordedBeforeTheStepRuns(t *testing.T) {
	store := &saveLog{}
	e := testEngine(store, newClock(false))
	g := Graph{{Name: "vpc", Ensure: func(ctx context.Context, r *Run) error {
		st := load(t, store, r.StackID)["vpc"]
		if st.Status != StatusRunning || st.Attempts != 1 || r.Attempt != 1 {
			return errors.New("no intent recorded before the call")
		}
		return nil
	}}}
	if err := e.Provision(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	if got, want := store.statuses("vpc"), []StepStatus{StatusRunning, StatusDone}; !slices.Equal(got, want) {
		t.Errorf("saves %v, want %v", got, want)
	}
}

func TestNoCallWithoutRecordedIntent(t *testing.T) {
	tl := newTally()
	store := &saveLog{fail: errors.New("database is locked")}
	err := testEngine(store, newClock(false)).Provision(context.Background(), "s1", Graph{{Name: "vpc", Ensure: tl.ok("vpc")}})
	var se *StepError
	if !errors.As(err, &se) || se.Step != "vpc" || err.Error() != "step vpc: recording intent: database is locked" {
		t.Errorf("err = %v", err)
	}
	if n := tl.get(tl.calls, "vpc"); n != 0 {
		t.Errorf("vpc called %d times without recorded intent", n)
	}
}

func TestCancelWhileWaitingReturnsPromptly(t *testing.T) {
	clock := newClock(true)
	store := &MemoryStore{}
	e := testEngine(store, clock)
	g := Graph{{Name: "cluster", Ensure: func(ctx context.Context, r *Run) error {
		return NotReady(time.Hour, "CREATING")
	}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Provision(ctx, "s1", g) }()
	clock.awaitSleepers(t, 1)
	cancel()
	if err := wait(t, done, "Provision"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if st := load(t, store, "s1")["cluster"]; st.Status != StatusWaiting {
		t.Errorf("cluster is %s, want waiting: the next call picks it up", st.Status)
	}
}

func TestProvisionRefusesBadGraphs(t *testing.T) {
	tests := []struct {
		name string
		g    Graph
		want string
	}{
		{"unknown dependency", Graph{{Name: "a", After: []string{"b"}, Ensure: newTally().ok("a")}}, `step "a" depends on unknown step "b"`},
		{"no Ensure", Graph{{Name: "a"}}, `step "a" has no Ensure`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := testEngine(&MemoryStore{}, newClock(false)).Provision(context.Background(), "s1", tt.g)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestStepsReportProgress(t *testing.T) {
	clock := newClock(false)
	e := testEngine(&MemoryStore{}, clock)
	var events []Event
	e.Progress = func(ev Event) { events = append(events, ev) }
	g := Graph{{Name: "network", Ensure: func(ctx context.Context, r *Run) error {
		clock.Advance(time.Minute)
		r.Report("cfn stack orchestera-s1-network: CREATE_IN_PROGRESS")
		return nil
	}}}
	if err := e.Provision(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{Stack: "s1", Step: "network", Status: StatusRunning, Attempt: 1, At: clock.now.Add(-time.Minute)},
		{Stack: "s1", Step: "network", Status: StatusRunning, Attempt: 1, Message: "cfn stack orchestera-s1-network: CREATE_IN_PROGRESS", At: clock.now, Elapsed: time.Minute},
		{Stack: "s1", Step: "network", Status: StatusDone, Attempt: 1, At: clock.now, Elapsed: time.Minute},
	}
	if !slices.Equal(events, want) {
		t.Errorf("events\n%+v\nwant\n%+v", events, want)
	}
}
