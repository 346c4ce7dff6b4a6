package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

func testAWSStacks(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a, b := seed(t, s, "acme"), seed(t, s, "beta")
	st := domain.Stack{ID: domain.NewID("stk"), OrgID: a.org.ID, Name: "etl", Kind: domain.StackAWS, State: domain.StackDraft, CreatedAt: t0,
		ConnectionID: "conn_x", Region: "us-east-1", Options: domain.StackOptions{}.WithDefaults()}
	must(t, s.CreateStack(ctx, st))
	got, err := s.GetStack(ctx, a.org.ID, "etl")
	must(t, err)
	if !reflect.DeepEqual(got, st) {
		t.Fatalf("GetStack = %+v, want %+v", got, st)
	}
	st.State, st.FailedStep, st.Hint = domain.StackFailed, "cluster", "AccessDenied: eks:CreateCluster"
	must(t, s.UpdateStack(ctx, st))
	stolen := st
	stolen.OrgID = b.org.ID
	wantCode(t, s.UpdateStack(ctx, stolen), domain.CodeNotFound)
	wantCode(t, s.UpdateStack(ctx, stolen, domain.StackFailed), domain.CodeNotFound)
	// Compare-and-set: a write from a state the stack has left changes nothing.
	ready := st
	ready.State, ready.FailedStep, ready.Hint = domain.StackReady, "", ""
	wantCode(t, s.UpdateStack(ctx, ready, domain.StackProvisioning, domain.StackUpdating), domain.CodeConflict)
	if got, _ := s.GetStack(ctx, a.org.ID, "etl"); got.State != domain.StackFailed || got.Hint != st.Hint {
		t.Fatalf("a refused compare-and-set wrote %+v", got)
	}
	ready.State, ready.ConnectionID = domain.StackDestroying, "conn_y"
	must(t, s.UpdateStack(ctx, ready, domain.StackFailed))
	if got, _ := s.GetStack(ctx, a.org.ID, "etl"); got.State != domain.StackDestroying || got.ConnectionID != "conn_y" {
		t.Fatalf("compare-and-set from the stored state wrote %+v", got)
	}
	must(t, s.UpdateStack(ctx, st))
	if work, err := s.StacksInState(ctx, domain.StackFailed, domain.StackProvisioning); err != nil || len(work) != 1 || work[0].FailedStep != "cluster" {
		t.Fatalf("StacksInState = %+v, %v", work, err)
	}

	// Leases: one owner at a time until it expires or is released.
	ok, err := s.AcquireStackLease(ctx, st.ID, "replica-1", t0.Add(time.Minute), t0)
	must(t, err)
	other, err := s.AcquireStackLease(ctx, st.ID, "replica-2", t0.Add(time.Minute), t0.Add(time.Second))
	must(t, err)
	if !ok || other {
		t.Fatalf("leases: first %v, second while held %v", ok, other)
	}
	if renewed, _ := s.AcquireStackLease(ctx, st.ID, "replica-1", t0.Add(2*time.Minute), t0.Add(time.Second)); !renewed {
		t.Fatal("the owner could not renew its lease")
	}
	if taken, _ := s.AcquireStackLease(ctx, st.ID, "replica-2", t0.Add(4*time.Minute), t0.Add(3*time.Minute)); !taken {
		t.Fatal("an expired lease was not taken over")
	}
	must(t, s.ReleaseStackLease(ctx, st.ID, "replica-2"))
	if again, _ := s.AcquireStackLease(ctx, st.ID, "replica-1", t0.Add(5*time.Minute), t0.Add(3*time.Minute)); !again {
		t.Fatal("a released lease was not free")
	}

	step := domain.StepState{Step: "network", Status: domain.StepRunning, Outputs: map[string]string{}, Attempts: 1, StartedAt: t0}
	must(t, s.SaveStackStep(ctx, st.ID, step))
	step.Status, step.Outputs, step.EndedAt = domain.StepDone, map[string]string{"vpc_id": "vpc-1"}, t0.Add(time.Minute)
	must(t, s.SaveStackStep(ctx, st.ID, step))
	steps, err := s.LoadStackSteps(ctx, st.ID)
	must(t, err)
	if got := steps["network"]; len(steps) != 1 || got.Status != domain.StepDone || got.Outputs["vpc_id"] != "vpc-1" || !got.EndedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("LoadStackSteps = %+v", steps)
	}
	must(t, s.DeleteStackSteps(ctx, st.ID))
	if steps, _ := s.LoadStackSteps(ctx, st.ID); len(steps) != 0 {
		t.Fatalf("steps after delete: %+v", steps)
	}

	for i := 0; i < 3; i++ {
		must(t, s.AddStackEvent(ctx, domain.StackEvent{ID: domain.NewID("sev"), OrgID: a.org.ID, StackID: st.ID, At: t0.Add(time.Duration(i) * time.Second), Step: "network", Status: "running", Message: "m"}))
	}
	if evs, _ := s.ListStackEvents(ctx, a.org.ID, st.ID, t0); len(evs) != 2 {
		t.Fatalf("events after t0 = %d, want 2", len(evs))
	}
	if evs, _ := s.ListStackEvents(ctx, b.org.ID, st.ID, time.Time{}); len(evs) != 0 {
		t.Fatalf("another organization reads %d events", len(evs))
	}
	for _, d := range []time.Duration{3, 1, 2, 9, 8, 100} {
		must(t, s.RecordStepDuration(ctx, "cluster", d*time.Minute, t0.Add(d*time.Second)))
	}
	ds, err := s.StepDurations(ctx)
	must(t, err)
	if ds["cluster"] != 8*time.Minute { // median of the last five: 100, 9, 8, 3, 2
		t.Fatalf("StepDurations = %v", ds)
	}
}
