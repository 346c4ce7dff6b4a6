package stacks_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
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
	holdDown  chan struct{} // when set, destroying the last step waits on it
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
	held := func(ctx context.Context, _ domain.StepRun) error {
		if f.holdDown != nil {
			select {
			case <-f.holdDown:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	return domain.Graph{
		{Name: "network", Ensure: first, Destroy: nothing, Estimate: time.Minute},
		{Name: "iam", Ensure: step("iam"), Destroy: nothing, Estimate: time.Minute},
		{Name: "cluster", After: []string{"network", "iam"}, Ensure: step("cluster"), Destroy: held, Estimate: time.Minute},
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

// TestADestroyDuringAProvisionIsNeverLost: the destroy cancels the
// provision in flight, then destroys; the stack never ends ready.
func TestADestroyDuringAProvisionIsNeverLost(t *testing.T) {
	f := newFixture(t)
	f.cloud.hold = make(chan struct{}) // the provision holds its first step
	f.worker(t, "replica-1")
	ctx := context.Background()
	if _, err := f.svc.Provision(ctx, f.admin, "etl"); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, "the provision to start", 5*time.Second, func() error {
		if f.cloud.calls.Load() == 0 {
			return errors.New("no step has run")
		}
		return nil
	})
	if st, err := f.svc.Destroy(ctx, f.admin, "etl"); err != nil || st.State != domain.StackDestroying {
		t.Fatalf("destroy: %+v, %v", st, err)
	}
	f.wait(t, domain.StackDestroyed)
	evs, err := f.svc.Events(ctx, f.admin, "etl", time.Time{})
	mustDo(t, err)
	for _, e := range evs {
		if e.Status == string(domain.StackReady) {
			t.Fatalf("the stack was reported ready after its destroy was asked for: %+v", evs)
		}
	}
}

func TestUpdateDeleteAndReuseAName(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Update(ctx, f.admin, "etl"); domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), "is a draft") {
		t.Fatalf("update of a draft: %v", err)
	}
	f.worker(t, "replica-1")
	mustDo(t, func() error { _, err := f.svc.Provision(ctx, f.admin, "etl"); return err }())
	f.wait(t, domain.StackReady)
	if err := f.svc.Delete(ctx, f.admin, "etl"); domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), "destroy it first") {
		t.Fatalf("delete of a ready stack: %v", err)
	}
	if st, err := f.svc.Update(ctx, f.admin, "etl"); err != nil || st.State != domain.StackUpdating {
		t.Fatalf("update of a ready stack: %+v, %v", st, err)
	}
	f.wait(t, domain.StackReady)
	mustDo(t, func() error { _, err := f.svc.Destroy(ctx, f.admin, "etl"); return err }())
	destroyed := f.wait(t, domain.StackDestroyed)
	mustDo(t, f.svc.Delete(ctx, f.admin, "etl"))
	if _, err := f.svc.Get(ctx, f.admin, "etl"); !domain.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
	again, err := f.svc.CreateAWS(ctx, f.admin, domain.Stack{Name: "etl", ConnectionID: destroyed.ConnectionID}, nil)
	if err != nil || again.ID == destroyed.ID || again.State != domain.StackDraft {
		t.Fatalf("the name was not free again: %+v, %v", again, err)
	}
	member := f.admin
	member.Role = domain.RoleMember
	if err := f.svc.Delete(ctx, member, "etl"); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("member delete: %v", err)
	}
}

// TestProgressTellsTheTruth: an ETA only while a stack is being built; while
// it is destroyed, what is not destroyed yet is never shown done.
func TestProgressTellsTheTruth(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.cloud.hold = make(chan struct{})
	f.worker(t, "replica-1")
	mustDo(t, func() error { _, err := f.svc.Provision(ctx, f.admin, "etl"); return err }())
	poll.Until(t, "the provision to start", 5*time.Second, func() error {
		if f.cloud.calls.Load() == 0 {
			return errors.New("no step has run")
		}
		return nil
	})
	if _, _, eta, err := f.svc.Progress(ctx, f.admin, "etl"); err != nil || eta == nil || *eta <= 0 {
		t.Fatalf("while provisioning: eta %v, %v", eta, err)
	}
	close(f.cloud.hold)
	f.wait(t, domain.StackReady)
	if _, steps, eta, err := f.svc.Progress(ctx, f.admin, "etl"); err != nil || eta != nil || steps[2].Status != domain.StepDone {
		t.Fatalf("ready: eta %v, steps %+v, %v", eta, steps, err)
	}

	f.cloud.holdDown = make(chan struct{})
	mustDo(t, func() error { _, err := f.svc.Destroy(ctx, f.admin, "etl"); return err }())
	poll.Until(t, "the destroy to reach the cluster", 5*time.Second, func() error {
		_, steps, _, err := f.svc.Progress(ctx, f.admin, "etl")
		if err == nil && steps[2].Status != domain.StepDestroying {
			err = fmt.Errorf("cluster is %s", steps[2].Status)
		}
		return err
	})
	_, steps, eta, err := f.svc.Progress(ctx, f.admin, "etl")
	mustDo(t, err)
	for _, s := range steps[:2] {
		if s.Status != domain.StepPending {
			t.Errorf("%s is %s while the stack is destroyed and it is not yet", s.Step, s.Status)
		}
	}
	if eta != nil {
		t.Errorf("an ETA of %v for a destroy", eta)
	}
	close(f.cloud.holdDown)
	f.wait(t, domain.StackDestroyed)
}

func TestMovingAStackToAnotherConnection(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st, err := f.svc.Get(ctx, f.admin, "etl")
	mustDo(t, err)
	n := 0
	conn := func(account string, state domain.ConnectionState, regions ...string) string {
		n++
		c := domain.AWSConnection{ID: domain.NewID("conn"), OrgID: f.admin.OrgID, RoleARN: fmt.Sprintf("arn:aws:iam::%s:role/OrchesteraRole%d", account, n),
			AccountID: account, Regions: regions, State: state, CreatedAt: f.store.Now()}
		mustDo(t, f.store.CreateConnection(ctx, c))
		return c.ID
	}
	for _, tc := range []struct {
		name, conn, field string
		code              domain.Code
	}{
		{"another account", conn("210987654321", domain.ConnectionVerified, "us-east-1"), "connection_id", domain.CodeInvalid},
		{"another region", conn("123456789012", domain.ConnectionVerified, "eu-west-1"), "connection_id", domain.CodeInvalid},
		{"not verified", conn("123456789012", domain.ConnectionUnverified, "us-east-1"), "", domain.CodeConflict},
		{"no such connection", "conn_nope", "connection_id", domain.CodeInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.SetConnection(ctx, f.admin, "etl", tc.conn)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != tc.code || (tc.field != "" && de.Fields[0].Field != tc.field) {
				t.Fatalf("err = %v", err)
			}
			if got, _ := f.svc.Get(ctx, f.admin, "etl"); got.ConnectionID != st.ConnectionID {
				t.Fatalf("a refused move changed the connection to %s", got.ConnectionID)
			}
		})
	}
	good := conn("123456789012", domain.ConnectionVerified, "us-east-1")
	moved, err := f.svc.SetConnection(ctx, f.admin, "etl", good)
	if err != nil || moved.ConnectionID != good {
		t.Fatalf("move: %+v, %v", moved, err)
	}
	if got, _ := f.svc.Get(ctx, f.admin, "etl"); got.ConnectionID != good {
		t.Fatalf("stored connection %s", got.ConnectionID)
	}
}
