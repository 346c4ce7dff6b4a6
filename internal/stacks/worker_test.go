package stacks_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/stacks"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

// fakeCloud stands in for the AWS adapter (tested against moto in
// internal/awsx): it fails the steps a test names, once each, and counts
// how many provisions run at once.
type fakeCloud struct {
	mu        sync.Mutex
	failOnce  map[string]bool
	leftovers []string
	active    atomic.Int32
	maxActive atomic.Int32
	calls     atomic.Int32
	hold      chan struct{} // when set, Provision waits on it
}

func (f *fakeCloud) Provision(ctx context.Context, st domain.Stack, report domain.StackReporter) error {
	f.calls.Add(1)
	n := f.active.Add(1)
	defer f.active.Add(-1)
	for m := f.maxActive.Load(); n > m && !f.maxActive.CompareAndSwap(m, n); m = f.maxActive.Load() {
	}
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, step := range []string{"network", "iam", "cluster"} {
		f.mu.Lock()
		fail := f.failOnce[step]
		delete(f.failOnce, step)
		f.mu.Unlock()
		if fail {
			return &domain.StepError{Step: step, Err: "AccessDenied: eks:CreateCluster", Fix: "add eks:* to OrchesteraAccessPolicy"}
		}
		report(step, "done", step+" ready")
	}
	return nil
}

func (f *fakeCloud) Destroy(ctx context.Context, st domain.Stack, report domain.StackReporter) ([]string, error) {
	report("network", "destroyed", "gone")
	f.mu.Lock()
	defer f.mu.Unlock()
	left := f.leftovers
	f.leftovers = nil
	return left, nil
}

type fixture struct {
	store domain.Store
	svc   *stacks.Service
	admin domain.Principal
	cloud *fakeCloud
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	org, user := domain.NewID("org"), domain.NewID("usr")
	mustDo(t, st.CreateOrganization(ctx, domain.Organization{ID: org, Name: "acme", CreatedAt: now}))
	mustDo(t, st.CreateUser(ctx, domain.User{ID: user, Email: "a@example.com", CreatedAt: now}))
	conn := domain.AWSConnection{ID: domain.NewID("conn"), OrgID: org, RoleARN: "arn:aws:iam::123456789012:role/OrchesteraAccessRole",
		AccountID: "123456789012", Regions: []string{"us-east-1"}, State: domain.ConnectionVerified, CreatedAt: now}
	mustDo(t, st.CreateConnection(ctx, conn))
	f := &fixture{store: st, svc: stacks.New(st, time.Now), admin: domain.Principal{OrgID: org, UserID: user, Role: domain.RoleAdmin},
		cloud: &fakeCloud{failOnce: map[string]bool{}}}
	if _, err := f.svc.CreateAWS(ctx, f.admin, domain.Stack{Name: "etl", ConnectionID: conn.ID}, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) worker(t *testing.T, owner string) *stacks.Worker {
	w := &stacks.Worker{Store: f.store, Cloud: f.cloud, Owner: owner, Lease: time.Minute, Resync: 20 * time.Millisecond, Now: time.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	f.svc.SetWaker(w.Wake)
	return w
}

func (f *fixture) wait(t *testing.T, want domain.StackState) domain.Stack {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		st, err := f.store.GetStack(context.Background(), f.admin.OrgID, "etl")
		mustDo(t, err)
		if st.State == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("stack is %s (%s), want %s", st.State, st.Hint, want)
		}
	}
}

func TestProvisionFailResumeUpdateDestroy(t *testing.T) {
	f := newFixture(t)
	f.cloud.failOnce["cluster"] = true
	f.worker(t, "replica-1")
	ctx := context.Background()

	if _, err := f.svc.Provision(ctx, f.admin, "etl"); err != nil {
		t.Fatal(err)
	}
	failed := f.wait(t, domain.StackFailed)
	if failed.FailedStep != "cluster" || failed.Hint != "AccessDenied: eks:CreateCluster; fix: add eks:* to OrchesteraAccessPolicy" {
		t.Fatalf("failed stack: step %q hint %q", failed.FailedStep, failed.Hint)
	}
	if _, err := f.svc.Provision(ctx, f.admin, "etl"); err != nil { // resume
		t.Fatal(err)
	}
	f.wait(t, domain.StackReady)
	if st, _ := f.svc.Provision(ctx, f.admin, "etl"); st.State != domain.StackUpdating { // force update
		t.Fatalf("provision of a ready stack: %s", st.State)
	}
	f.wait(t, domain.StackReady)

	f.cloud.leftovers = []string{"eni-123 (network interface)"}
	mustDo(t, func() error { _, err := f.svc.Destroy(ctx, f.admin, "etl"); return err }())
	left := f.wait(t, domain.StackFailed)
	if left.FailedStep != "leftovers" {
		t.Fatalf("destroy with leftovers: %q %q", left.FailedStep, left.Hint)
	}
	mustDo(t, func() error { _, err := f.svc.Destroy(ctx, f.admin, "etl"); return err }())
	f.wait(t, domain.StackDestroyed)
	if _, err := f.svc.Provision(ctx, f.admin, "etl"); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("provisioning a destroyed stack: %v", err)
	}
	evs, err := f.svc.Events(ctx, f.admin, "etl", time.Time{})
	mustDo(t, err)
	if len(evs) < 10 {
		t.Fatalf("only %d events", len(evs))
	}
}

func TestTwoReplicasNeverWorkOnOneStack(t *testing.T) {
	f := newFixture(t)
	f.cloud.hold = make(chan struct{})
	f.worker(t, "replica-1")
	w2 := f.worker(t, "replica-2")
	if _, err := f.svc.Provision(context.Background(), f.admin, "etl"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); f.cloud.calls.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no replica started the stack")
		}
	}
	for i := 0; i < 10; i++ { // both replicas look at the store again and again
		w2.Wake()
		time.Sleep(10 * time.Millisecond)
	}
	close(f.cloud.hold)
	f.wait(t, domain.StackReady)
	if got := f.cloud.maxActive.Load(); got != 1 {
		t.Fatalf("%d provisions of one stack ran at once", got)
	}
}

func TestLifecycleRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	member := f.admin
	member.Role = domain.RoleMember
	if _, err := f.svc.Provision(ctx, member, "etl"); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("member provision: %v", err)
	}
	if _, err := f.svc.Provision(ctx, f.admin, "nope"); !domain.IsNotFound(err) {
		t.Fatalf("unknown stack: %v", err)
	}
	st, err := f.svc.Provision(ctx, f.admin, "etl")
	mustDo(t, err)
	again, err := f.svc.Provision(ctx, f.admin, "etl")
	mustDo(t, err)
	if st.State != domain.StackProvisioning || again.State != domain.StackProvisioning {
		t.Fatalf("provision twice: %s, %s", st.State, again.State)
	}
}
