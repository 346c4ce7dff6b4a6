package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

func seedStack(t *testing.T, s domain.Store, f fixture) domain.Stack {
	t.Helper()
	ctx := context.Background()
	st := domain.Stack{ID: domain.NewID("stk"), OrgID: f.org.ID, Name: domain.LocalStackName, Kind: domain.StackLocal, State: domain.StackReady, CreatedAt: t0}
	must(t, s.CreateStack(ctx, st))
	must(t, s.CreateNamespace(ctx, domain.Namespace{ID: domain.NewID("ns"), OrgID: f.org.ID, StackID: st.ID, Name: domain.DefaultNamespace, CreatedAt: t0}))
	return st
}

func newRun(f fixture, st domain.Stack, key string, at time.Time) domain.Run {
	return domain.Run{
		ID: domain.NewID("run"), OrgID: f.org.ID, StackID: st.ID, StackName: st.Name, StackKind: st.Kind,
		Namespace: domain.DefaultNamespace, IdempotencyKey: key, State: domain.RunPending, CreatedBy: f.user.ID, CreatedAt: at,
		Spec: domain.RunSpec{Classpath: "a.B", ApplicationName: "app", Project: "/p", Args: []domain.RunArg{{Key: "date", Value: "2026-11-29"}}},
	}
}

func testStacks(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a, b := seed(t, s, "acme"), seed(t, s, "beta")
	st := seedStack(t, s, a)
	seedStack(t, s, b) // the same names in another organization are fine
	got, err := s.GetStack(ctx, a.org.ID, "local")
	must(t, err)
	if !reflect.DeepEqual(got, st) {
		t.Fatalf("GetStack = %+v, want %+v", got, st)
	}
	wantCode(t, s.CreateStack(ctx, domain.Stack{ID: domain.NewID("stk"), OrgID: a.org.ID, Name: "local", Kind: domain.StackLocal, State: domain.StackReady, CreatedAt: t0}), domain.CodeConflict)
	must(t, s.CreateNamespace(ctx, domain.Namespace{ID: domain.NewID("ns"), OrgID: a.org.ID, StackID: st.ID, Name: "etl", CreatedAt: t0}))
	wantCode(t, s.CreateNamespace(ctx, domain.Namespace{ID: domain.NewID("ns"), OrgID: a.org.ID, StackID: st.ID, Name: "etl", CreatedAt: t0}), domain.CodeConflict)
	nss, err := s.ListNamespaces(ctx, a.org.ID, st.ID)
	must(t, err)
	if len(nss) != 2 || nss[0].Name != "default" || nss[1].Name != "etl" {
		t.Fatalf("ListNamespaces = %+v", nss)
	}
	if _, err := s.GetNamespace(ctx, b.org.ID, st.ID, "etl"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("GetNamespace across organizations = %v", err)
	}
	if stacks, _ := s.ListStacks(ctx, b.org.ID); len(stacks) != 1 || stacks[0].OrgID != b.org.ID {
		t.Fatalf("ListStacks(b) = %+v", stacks)
	}
	// Hosted mode counts local stacks across organizations and states.
	must(t, s.CreateStack(ctx, domain.Stack{ID: domain.NewID("stk"), OrgID: b.org.ID, Name: "etl", Kind: domain.StackAWS, State: domain.StackDestroyed, CreatedAt: t0}))
	if n, err := s.CountStacksOfKind(ctx, domain.StackLocal); err != nil || n != 2 {
		t.Fatalf("CountStacksOfKind(local) = %d, %v; want 2", n, err)
	}
	if n, err := s.CountStacksOfKind(ctx, domain.StackAWS); err != nil || n != 1 {
		t.Fatalf("CountStacksOfKind(aws) = %d, %v; want 1", n, err)
	}
}

func testRuns(t *testing.T, s domain.Store) {
	ctx := context.Background()
	a, b := seed(t, s, "acme"), seed(t, s, "beta")
	st := seedStack(t, s, a)
	var runs []domain.Run
	for i := 0; i < 5; i++ {
		r := newRun(a, st, string(rune('a'+i)), t0.Add(time.Duration(i)*time.Second))
		must(t, s.CreateRun(ctx, r))
		runs = append(runs, r)
	}
	dup := newRun(a, st, "a", t0)
	wantCode(t, s.CreateRun(ctx, dup), domain.CodeConflict)
	byKey, err := s.GetRunByIdempotencyKey(ctx, a.org.ID, "c")
	must(t, err)
	if byKey.ID != runs[2].ID || byKey.Spec.Args[0].Value != "2026-11-29" || byKey.StackKind != domain.StackLocal {
		t.Fatalf("GetRunByIdempotencyKey = %+v", byKey)
	}

	// Newest first, two a page, the cursor continues where the page ended.
	page1, err := s.ListRuns(ctx, a.org.ID, domain.RunFilter{Limit: 2})
	must(t, err)
	last := page1[len(page1)-1]
	page2, err := s.ListRuns(ctx, a.org.ID, domain.RunFilter{Limit: 2, AfterCreatedAt: last.CreatedAt, AfterID: last.ID})
	must(t, err)
	if len(page1) != 2 || page1[0].ID != runs[4].ID || len(page2) != 2 || page2[0].ID != runs[2].ID {
		t.Fatalf("pages: %v then %v", ids(page1), ids(page2))
	}

	// Transitions are conditional on the current state.
	started := t0.Add(time.Minute)
	r := runs[0]
	r.State, r.StartedAt, r.PID, r.PIDStart = domain.RunRunning, &started, 4242, 99
	must(t, s.UpdateRun(ctx, r, domain.RunPending, domain.RunStarting))
	wantCode(t, s.UpdateRun(ctx, r, domain.RunPending), domain.CodeConflict)
	code := 3
	r.State, r.Reason, r.ExitCode, r.Hint, r.EndedAt = domain.RunFailed, domain.ReasonUserError, &code, "ValueError: boom", &started
	must(t, s.UpdateRun(ctx, r, domain.RunRunning))
	got, err := s.GetRun(ctx, a.org.ID, r.ID)
	must(t, err)
	if got.State != domain.RunFailed || got.Reason != domain.ReasonUserError || got.ExitCode == nil || *got.ExitCode != 3 ||
		got.PID != 4242 || got.PIDStart != 99 || got.Hint != "ValueError: boom" || !got.StartedAt.Equal(started) {
		t.Fatalf("after transitions: %+v", got)
	}
	failed, err := s.ListRuns(ctx, a.org.ID, domain.RunFilter{State: domain.RunFailed, Namespace: "default", StackName: "local", Limit: 10})
	must(t, err)
	if len(failed) != 1 || failed[0].ID != r.ID {
		t.Fatalf("filtered ListRuns = %v", ids(failed))
	}
	pending, err := s.RunsInState(ctx, domain.StackLocal, domain.RunPending)
	must(t, err)
	if len(pending) != 4 || pending[0].ID != runs[1].ID {
		t.Fatalf("RunsInState(pending) = %v, want the 4 pending oldest first", ids(pending))
	}
	live := runs[2]
	live.State = domain.RunRunning
	must(t, s.UpdateRun(ctx, live, domain.RunPending))
	if counts, err := s.LiveRunsPerStack(ctx, domain.StackLocal); err != nil || counts[r.StackID] != 1 || len(counts) != 1 {
		t.Fatalf("LiveRunsPerStack = %v, %v; want one running run on stack %s", counts, err, r.StackID)
	}

	// A packed project is kept beside its run, not in the spec.
	packed := newRun(a, st, "with-archive", t0)
	packed.Spec.ProjectArchive, packed.Spec.ProjectDigest = []byte("\x1f\x8b tar"), "abc"
	must(t, s.CreateRun(ctx, packed))
	if got, err := s.GetRun(ctx, a.org.ID, packed.ID); err != nil || got.Spec.ProjectArchive != nil || got.Spec.ProjectDigest != "abc" {
		t.Fatalf("a packed run's stored spec: %+v, %v", got.Spec, err)
	}
	if archive, err := s.GetRunArchive(ctx, packed.ID); err != nil || string(archive) != "\x1f\x8b tar" {
		t.Fatalf("GetRunArchive = %q, %v", archive, err)
	}
	_, err = s.GetRunArchive(ctx, r.ID)
	wantCode(t, err, domain.CodeNotFound)

	// Another organization sees none of it and can change none of it.
	_, err = s.GetRun(ctx, b.org.ID, r.ID)
	wantCode(t, err, domain.CodeNotFound)
	_, err = s.GetRunByIdempotencyKey(ctx, b.org.ID, "c")
	wantCode(t, err, domain.CodeNotFound)
	if other, _ := s.ListRuns(ctx, b.org.ID, domain.RunFilter{Limit: 10}); len(other) != 0 {
		t.Fatalf("ListRuns(b) = %v", ids(other))
	}
	stolen := runs[1]
	stolen.OrgID, stolen.State = b.org.ID, domain.RunCancelled
	wantCode(t, s.UpdateRun(ctx, stolen, domain.RunPending), domain.CodeConflict)
	must(t, s.CreateRun(ctx, newRun(b, seedStack(t, s, b), "c", t0))) // keys are per organization
}

func ids(runs []domain.Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}
