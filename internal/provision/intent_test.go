package provision

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/fakeclock"
)

func TestFailureStopsSchedulingAndWaitsForRunningSteps(t *testing.T) {
	// bad and slow start together; slow finishes only after bad has failed.
	// Then nothing new may start, but slow's success must be recorded.
	badFailed := make(chan struct{})
	tl := newTally()
	e := testEngine(&MemoryStore{}, fakeclock.New())
	e.Progress = func(ev Event) {
		if ev.Step == "bad" && ev.Status == domain.StepFailed {
			close(badFailed)
		}
	}
	g := domain.Graph{
		{Name: "bad", Ensure: func(ctx context.Context, r domain.StepRun) error { return errBoom }},
		{Name: "slow", Ensure: func(ctx context.Context, r domain.StepRun) error {
			<-badFailed
			tl.complete("slow")
			return nil
		}},
		{Name: "after-slow", After: []string{"slow"}, Ensure: tl.ok("after-slow")},
	}
	err := e.Provision(context.Background(), "s1", g)
	var se *domain.StepError
	if !errors.As(err, &se) || se.Step != "bad" || err.Error() != "step bad: boom" {
		t.Fatalf("err = %v, want step bad: boom", err)
	}
	states := load(t, e.Store, "s1")
	if states["slow"].Status != domain.StepDone {
		t.Errorf("slow is %s, want done: running steps finish", states["slow"].Status)
	}
	if tl.isComplete("after-slow") {
		t.Error("after-slow started after a step had failed")
	}
}

func TestIntentIsRecordedBeforeTheStepRuns(t *testing.T) {
	store := &saveLog{}
	e := testEngine(store, fakeclock.New())
	g := domain.Graph{{Name: "vpc", Ensure: func(ctx context.Context, r domain.StepRun) error {
		st := load(t, store, "s1")["vpc"]
		if st.Status != domain.StepRunning || st.Attempts != 1 {
			return errors.New("no intent recorded before the call")
		}
		return nil
	}}}
	if err := e.Provision(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	if got, want := store.statuses("vpc"), []domain.StepStatus{domain.StepRunning, domain.StepDone}; !slices.Equal(got, want) {
		t.Errorf("saves %v, want %v", got, want)
	}
}

func TestNoCallWithoutRecordedIntent(t *testing.T) {
	tl := newTally()
	store := &saveLog{fail: errors.New("database is locked")}
	err := testEngine(store, fakeclock.New()).Provision(context.Background(), "s1", domain.Graph{{Name: "vpc", Ensure: tl.ok("vpc")}})
	var se *domain.StepError
	if !errors.As(err, &se) || se.Step != "vpc" || err.Error() != "step vpc: recording intent: database is locked" {
		t.Errorf("err = %v", err)
	}
	if n := tl.get(tl.calls, "vpc"); n != 0 {
		t.Errorf("vpc called %d times without recorded intent", n)
	}
}

func TestCancelWhileWaitingReturnsPromptly(t *testing.T) {
	clock := fakeclock.Manual()
	store := &MemoryStore{}
	e := testEngine(store, clock)
	g := domain.Graph{{Name: "cluster", Ensure: func(ctx context.Context, r domain.StepRun) error {
		return domain.NotReady(time.Hour, "CREATING")
	}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Provision(ctx, "s1", g) }()
	clock.AwaitSleepers(t, 1)
	cancel()
	if err := wait(t, done, "Provision"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if st := load(t, store, "s1")["cluster"]; st.Status != domain.StepWaiting {
		t.Errorf("cluster is %s, want waiting: the next call picks it up", st.Status)
	}
}

func TestProvisionRefusesBadGraphs(t *testing.T) {
	tests := []struct {
		name string
		g    domain.Graph
		want string
	}{
		{"unknown dependency", domain.Graph{{Name: "a", After: []string{"b"}, Ensure: newTally().ok("a")}}, `step "a" depends on unknown step "b"`},
		{"no Ensure", domain.Graph{{Name: "a"}}, `step "a" has no Ensure`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := testEngine(&MemoryStore{}, fakeclock.New()).Provision(context.Background(), "s1", tt.g)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestStepsReportProgress(t *testing.T) {
	clock := fakeclock.New()
	e := testEngine(&MemoryStore{}, clock)
	var events []Event
	e.Progress = func(ev Event) { events = append(events, ev) }
	g := domain.Graph{{Name: "network", Ensure: func(ctx context.Context, r domain.StepRun) error {
		clock.Advance(time.Minute)
		return nil
	}}}
	if err := e.Provision(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{Stack: "s1", Step: "network", Status: domain.StepRunning, Attempt: 1, At: clock.Now().Add(-time.Minute)},
		{Stack: "s1", Step: "network", Status: domain.StepDone, Attempt: 1, At: clock.Now(), Elapsed: time.Minute},
	}
	if !slices.Equal(events, want) {
		t.Errorf("events\n%+v\nwant\n%+v", events, want)
	}
}
