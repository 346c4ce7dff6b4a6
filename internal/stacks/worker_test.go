package stacks_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/poll"
	"github.com/orchestera/orchestera/internal/stacks"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

// fakeProvider stands in for the AWS adapter (tested against moto in
// internal/aws/awsstack): three steps, the ones a test names failing once
// each, and a count of how many provisions hold their first step at once.
type fakeProvider struct {
	mu        sync.Mutex
	failOnce  map[string]bool
	failWith  error // what a failing step returns; default: an AccessDenied with its fix
	forbidden bool  // Classify calls every error a missing permission
	leftovers []domain.Leftover
	active    atomic.Int32
	maxActive atomic.Int32
	calls     atomic.Int32
	hold      chan struct{} // when set, the first step waits on it
}

func (f *fakeProvider) Graph(context.Context, domain.Stack, string) (domain.Graph, error) {
	return f.Model(domain.Stack{}), nil
}

func (f *fakeProvider) Model(domain.Stack) domain.Graph {
	step := func(name string) domain.StepFunc {
		return func(ctx context.Context, _ domain.StepRun) error {
			f.mu.Lock()
			fail := f.failOnce[name]
			delete(f.failOnce, name)
			f.mu.Unlock()
			if fail && f.failWith != nil {
				return f.failWith
			}
			if fail {
				return domain.WithFix(errors.New("AccessDenied: eks:CreateCluster"), "add eks:* to OrchesteraAccessPolicy")
			}
			return nil
		}
	}
	first := func(ctx context.Context, r domain.StepRun) error {
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
		return step("network")(ctx, r)
	}
	nothing := func(context.Context, domain.StepRun) error { return nil }
	return domain.Graph{
		{Name: "network", Ensure: first, Destroy: nothing},
		{Name: "iam", Ensure: step("iam"), Destroy: nothing},
		{Name: "cluster", After: []string{"network", "iam"}, Ensure: step("cluster"), Destroy: nothing},
	}
}

func (f *fakeProvider) Classify(error) domain.Failure {
	if f.forbidden {
		return domain.FailureForbidden
	}
	return domain.FailurePermanent
}

func (f *fakeProvider) Leftovers(context.Context, domain.Stack) ([]domain.Leftover, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	left := f.leftovers
	f.leftovers = nil
	return left, nil
}

func (f *fakeProvider) Plan(context.Context, domain.Stack) (domain.ProviderPlan, error) {
	return domain.ProviderPlan{}, nil
}

type fixture struct {
	store   domain.Store
	svc     *stacks.Service
	admin   domain.Principal
	cloud   *fakeProvider
	mu      sync.Mutex
	workers []*stacks.Worker
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	now := st.Now()
	org, user := domain.NewID("org"), domain.NewID("usr")
	mustDo(t, st.CreateOrganization(ctx, domain.Organization{ID: org, Name: "acme", CreatedAt: now}))
	mustDo(t, st.CreateUser(ctx, domain.User{ID: user, Email: "a@example.com", CreatedAt: now}))
	conn := domain.AWSConnection{ID: domain.NewID("conn"), OrgID: org, RoleARN: "arn:aws:iam::123456789012:role/OrchesteraAccessRole",
		AccountID: "123456789012", Regions: []string{"us-east-1"}, State: domain.ConnectionVerified, CreatedAt: now}
	mustDo(t, st.CreateConnection(ctx, conn))
	cloud := &fakeProvider{failOnce: map[string]bool{}}
	f := &fixture{store: st, admin: domain.Principal{OrgID: org, UserID: user, Role: domain.RoleAdmin}, cloud: cloud}
	f.svc = stacks.New(stacks.Config{Store: st, Providers: f.providers(), Wake: f.wakeAll})
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

func (f *fixture) providers() map[domain.StackKind]domain.StackProvider {
	return map[domain.StackKind]domain.StackProvider{domain.StackAWS: f.cloud}
}

// wakeAll wakes every worker the test started, as the server's one worker
// is woken.
func (f *fixture) wakeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, w := range f.workers {
		w.Wake()
	}
}

func (f *fixture) worker(t *testing.T, owner string) *stacks.Worker {
	return f.workerOn(t, owner, f.store)
}

func (f *fixture) workerOn(t *testing.T, owner string, store domain.LifecycleStore) *stacks.Worker {
	w := stacks.NewWorker(stacks.WorkerConfig{Store: store, Providers: f.providers(), Owner: owner, Lease: time.Minute,
		Resync: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	f.mu.Lock()
	f.workers = append(f.workers, w)
	f.mu.Unlock()
	return w
}

func (f *fixture) wait(t *testing.T, want domain.StackState) domain.Stack {
	t.Helper()
	return poll.For(t, "the stack to be "+string(want), 10*time.Second, func() (domain.Stack, error) {
		st, err := f.store.GetStack(context.Background(), f.admin.OrgID, "etl")
		if err == nil && st.State != want {
			err = fmt.Errorf("it is %s (%s)", st.State, st.Hint)
		}
		return st, err
	})
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

	f.cloud.leftovers = []domain.Leftover{{Type: "network-interface", ID: "eni-123", State: "in-use", Fix: "delete it"}}
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
	scans := &scanCount{LifecycleStore: f.store}
	f.workerOn(t, "replica-2", scans)
	if _, err := f.svc.Provision(context.Background(), f.admin, "etl"); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, "a replica to start the stack", 5*time.Second, func() error {
		if f.cloud.calls.Load() == 0 {
			return errors.New("no step has run")
		}
		return nil
	})
	// Both replicas look at the store again and again while one works.
	start := scans.n.Load()
	poll.Until(t, "replica-2 to look at the store 5 more times", 5*time.Second, func() error {
		if n := scans.n.Load() - start; n < 5 {
			return fmt.Errorf("%d looks", n)
		}
		return nil
	})
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

// scanCount counts how often a worker looks for stacks with work.
type scanCount struct {
	domain.LifecycleStore
	n atomic.Int32
}

func (s *scanCount) StacksInState(ctx context.Context, states ...domain.StackState) ([]domain.Stack, error) {
	s.n.Add(1)
	return s.LifecycleStore.StacksInState(ctx, states...)
}

// TestAFailureNamesItsFix: the fix a step attached wins, else the one for
// the kind of failure the provider classified, else resuming.
func TestAFailureNamesItsFix(t *testing.T) {
	for _, tc := range []struct {
		name      string
		forbidden bool
		want      string
	}{
		{"a missing permission", true, "boom; fix: the role lacks a permission this step needs: run orchestera connections verify, add what is missing to OrchesteraAccessPolicy, then provision again"},
		{"anything else", false, "boom; fix: provision again to resume from this step"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.cloud.failOnce["iam"], f.cloud.failWith, f.cloud.forbidden = true, errors.New("boom"), tc.forbidden
			f.worker(t, "replica-1")
			if _, err := f.svc.Provision(context.Background(), f.admin, "etl"); err != nil {
				t.Fatal(err)
			}
			if st := f.wait(t, domain.StackFailed); st.FailedStep != "iam" || st.Hint != tc.want {
				t.Errorf("failed at %q: %q", st.FailedStep, st.Hint)
			}
		})
	}
}
