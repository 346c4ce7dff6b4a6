package provision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/fakeclock"
)

// diamondGraph: a, then b and c, then d; destroys check that everything
// built on them is gone first.
func diamondGraph(tl *tally, destroyed *tally) domain.Graph {
	after := map[string][]string{"a": nil, "b": {"a"}, "c": {"a"}, "d": {"b", "c"}}
	dependents := map[string][]string{"a": {"b", "c"}, "b": {"d"}, "c": {"d"}}
	var g domain.Graph
	for _, name := range []string{"a", "b", "c", "d"} {
		g = append(g, domain.Step{Name: name, After: after[name], Ensure: tl.ok(name),
			Destroy: func(ctx context.Context, r domain.StepRun) error {
				for _, d := range dependents[name] {
					if !destroyed.isComplete(d) {
						return fmt.Errorf("%s destroyed before %s", name, d)
					}
				}
				return destroyed.ok(name)(ctx, r)
			}})
	}
	return g
}

func TestDestroyRunsInReverse(t *testing.T) {
	tl, destroyed := newTally(), newTally()
	store := &saveLog{}
	e := testEngine(store, fakeclock.New())
	g := diamondGraph(tl, destroyed)
	if err := e.Provision(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	if err := e.Destroy(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	if destroyed.order[0] != "d" || destroyed.order[3] != "a" {
		t.Errorf("destroyed in order %v", destroyed.order)
	}
	for name, st := range load(t, store, "s1") {
		if st.Status != domain.StepDestroyed || st.Outputs != nil {
			t.Errorf("%s: %+v, want destroyed without outputs", name, st)
		}
	}
	if got, want := store.statuses("a"), []domain.StepStatus{domain.StepRunning, domain.StepDone, domain.StepDestroying, domain.StepDestroyed}; !slices.Equal(got, want) {
		t.Errorf("a saves %v, want %v", got, want)
	}

	// Provisioning again starts every step afresh.
	if err := e.Provision(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	if n := tl.get(tl.calls, "a"); n != 2 {
		t.Errorf("a ensured %d times, want 2", n)
	}
}

func TestDestroyToleratesHalfCreatedState(t *testing.T) {
	// a done, b failed, c and d never started, tag has nothing to destroy.
	// Every step with a Destroy gets a call: c may have created something
	// before a crash kept it from saying so.
	tl, destroyed := newTally(), newTally()
	g := append(diamondGraph(tl, destroyed), domain.Step{Name: "tag", After: []string{"d"}, Ensure: tl.ok("tag")})
	store := &MemoryStore{}
	ctx := context.Background()
	store.SaveStackStep(ctx, "s1", domain.StepState{Step: "a", Status: domain.StepDone, Outputs: map[string]string{"id": "vpc-1"}})
	store.SaveStackStep(ctx, "s1", domain.StepState{Step: "b", Status: domain.StepFailed, Error: "boom"})
	e := testEngine(store, fakeclock.New())
	var sawID atomic.Bool
	g[0].Destroy = func(ctx context.Context, r domain.StepRun) error {
		id, _ := r.Output("a", "id")
		sawID.Store(id == "vpc-1")
		return destroyed.ok("a")(ctx, r)
	}
	if err := e.Destroy(ctx, "s1", g); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(destroyed.order)); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("destroyed %v, want a, b, c and d", got)
	}
	if !sawID.Load() {
		t.Error("a's Destroy did not see the id a recorded")
	}
	if st := load(t, store, "s1")["tag"]; st.Status != domain.StepDestroyed {
		t.Errorf("tag is %s, want destroyed", st.Status)
	}
	// Everything is destroyed: a second Destroy calls nothing.
	if err := e.Destroy(ctx, "s1", g); err != nil {
		t.Fatal(err)
	}
	if len(destroyed.order) != 4 {
		t.Errorf("second Destroy made calls: %v", destroyed.order)
	}
}

func TestDestroyRetriesAndResumes(t *testing.T) {
	tl, destroyed := newTally(), newTally()
	g := diamondGraph(tl, destroyed)
	var cFails atomic.Bool
	cFails.Store(true)
	var bCalls atomic.Int32
	g[1].Destroy = func(ctx context.Context, r domain.StepRun) error { // b: ENI still attached once
		if bCalls.Add(1) == 1 {
			return domain.NotReady(0, "network interfaces still attached")
		}
		return destroyed.ok("b")(ctx, r)
	}
	g[2].Destroy = func(ctx context.Context, r domain.StepRun) error {
		if cFails.Load() {
			return errBoom
		}
		return destroyed.ok("c")(ctx, r)
	}
	store := &saveLog{}
	e := testEngine(store, fakeclock.New())
	err := e.Destroy(context.Background(), "s1", g)
	var se *domain.StepError
	if !errors.As(err, &se) || se.Step != "c" {
		t.Fatalf("err = %v, want a StepError for c", err)
	}
	if st := load(t, store, "s1")["a"]; st.Status == domain.StepDestroyed {
		t.Error("a destroyed while c, built on it, failed to go")
	}
	cFails.Store(false)
	if err := e.Destroy(context.Background(), "s1", g); err != nil {
		t.Fatal(err)
	}
	if got, want := store.statuses("b"), []domain.StepStatus{domain.StepDestroying, domain.StepDestroying, domain.StepDestroying, domain.StepDestroyed}; !slices.Equal(got, want) {
		t.Errorf("b saves %v, want %v", got, want)
	}
	if n := len(destroyed.order); n != 4 {
		t.Errorf("destroyed %v, want all four", destroyed.order)
	}
}
