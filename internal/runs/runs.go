// Package runs holds the rules of pipeline runs: submission with
// idempotency, listing, cancellation and logs. Where a run executes is the
// domain.Executor's business (the local stack today, Kubernetes next).
package runs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Config is what the service needs.
type Config struct {
	Store  domain.RunStore
	Stacks domain.StackResolver
	// Executors run the pipelines of each stack kind that can run them.
	Executors map[domain.StackKind]domain.Executor
}

// Service implements the run rules.
type Service struct{ Config }

// New returns a Service.
func New(cfg Config) *Service { return &Service{cfg} }

// Submit validates and records a run, or returns the run already submitted
// with the same idempotency key. A key reused for a different spec is a
// conflict, never a silent second run.
func (s *Service) Submit(ctx context.Context, p domain.Principal, stack, namespace, key string, spec domain.RunSpec) (domain.Run, bool, error) {
	if err := spec.Normalize(); err != nil {
		return domain.Run{}, false, err
	}
	if key == "" {
		key = domain.NewID("auto")
	} else if len(key) > 128 {
		return domain.Run{}, false, domain.Invalid("Idempotency-Key", "max_length", "must be at most 128 characters")
	}
	if r, err := s.Store.GetRunByIdempotencyKey(ctx, p.OrgID, key); err == nil {
		return sameRun(r, stack, namespace, spec)
	}
	st, ns, err := s.Stacks.Resolve(ctx, p, stack, namespace)
	if err != nil {
		return domain.Run{}, false, err
	}
	exec, err := s.executor(st.Name, st.Kind)
	if err != nil {
		return domain.Run{}, false, err
	}
	if err := exec.Check(ctx, p.OrgID, ns.Name, spec); err != nil {
		return domain.Run{}, false, err
	}
	r := domain.Run{
		ID: domain.NewID("run"), OrgID: p.OrgID, StackID: st.ID, StackName: st.Name, StackKind: st.Kind, Namespace: ns.Name,
		IdempotencyKey: key, Spec: spec, State: domain.RunPending, CreatedBy: p.UserID, CreatedAt: s.Store.Now(),
	}
	if err := s.Store.CreateRun(ctx, r); err != nil {
		if domain.ErrorCode(err) == domain.CodeConflict { // a concurrent retry won the race
			existing, gerr := s.Store.GetRunByIdempotencyKey(ctx, p.OrgID, key)
			if gerr != nil {
				return domain.Run{}, false, gerr
			}
			return sameRun(existing, stack, namespace, spec)
		}
		return domain.Run{}, false, err
	}
	exec.Wake()
	return r, true, nil
}

// sameRun accepts a retried submission only if it asks for the same thing.
func sameRun(r domain.Run, stack, namespace string, spec domain.RunSpec) (domain.Run, bool, error) {
	spec.ProjectArchive = nil // its digest stands for it
	a, _ := json.Marshal(r.Spec)
	b, _ := json.Marshal(spec)
	if r.StackName != stack || r.Namespace != namespace || string(a) != string(b) {
		return domain.Run{}, false, domain.Errorf(domain.CodeConflict,
			"the idempotency key was already used for a different run (%s); use a new key for a new run", r.ID)
	}
	return r, false, nil
}

// Get returns one run.
func (s *Service) Get(ctx context.Context, p domain.Principal, id string) (domain.Run, error) {
	return s.Store.GetRun(ctx, p.OrgID, id)
}

// QueuedBehind counts the runs a pending run waits for on its stack.
func (s *Service) QueuedBehind(ctx context.Context, r domain.Run) (int, error) {
	return s.Store.CountRunsAhead(ctx, r)
}

// List lists runs newest first; cursor is what the previous page returned.
func (s *Service) List(ctx context.Context, p domain.Principal, f domain.RunFilter, cursor string) ([]domain.Run, string, error) {
	switch {
	case f.Limit == 0:
		f.Limit = 50
	case f.Limit < 0 || f.Limit > 200:
		return nil, "", domain.Invalid("limit", "range", "must be between 1 and 200")
	}
	if f.State != "" && !validState(f.State) {
		return nil, "", domain.Invalid("state", "enum", "must be pending, starting, running, succeeded, failed or cancelled")
	}
	if cursor != "" {
		var err error
		if f.AfterCreatedAt, f.AfterID, err = domain.DecodeCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	runs, err := s.list(ctx, p.OrgID, f)
	if err != nil || len(runs) < f.Limit {
		return runs, "", err
	}
	last := runs[len(runs)-1]
	return runs, domain.EncodeCursor(last.CreatedAt, last.ID), nil
}

// list reads one page. The application name lives in the stored spec
// (JSON), so that filter is applied here, page after page of the store,
// rather than in dialect-specific SQL.
func (s *Service) list(ctx context.Context, orgID string, f domain.RunFilter) ([]domain.Run, error) {
	if f.Application == "" {
		return s.Store.ListRuns(ctx, orgID, f)
	}
	var out []domain.Run
	for {
		page, err := s.Store.ListRuns(ctx, orgID, f)
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			if r.Spec.ApplicationName == f.Application && len(out) < f.Limit {
				out = append(out, r)
			}
		}
		if len(out) == f.Limit || len(page) < f.Limit {
			return out, nil
		}
		last := page[len(page)-1]
		f.AfterCreatedAt, f.AfterID = last.CreatedAt, last.ID
	}
}

// Cancel stops a run. Cancelling a finished run changes nothing and returns
// it, so the command is safe to repeat.
func (s *Service) Cancel(ctx context.Context, p domain.Principal, id string) (domain.Run, error) {
	r, err := s.Store.GetRun(ctx, p.OrgID, id)
	if err != nil || r.State.Terminal() {
		return r, err
	}
	if r.State == domain.RunPending {
		now := s.Store.Now()
		c := r
		c.State, c.Reason, c.EndedAt, c.Hint = domain.RunCancelled, domain.ReasonCancelled, &now, "cancelled before it started"
		if err := s.Store.UpdateRun(ctx, c, domain.RunPending); err == nil {
			return c, nil
		}
		if r, err = s.Store.GetRun(ctx, p.OrgID, id); err != nil || r.State.Terminal() {
			return r, err // it moved on meanwhile
		}
	}
	exec, err := s.executor(r.StackName, r.StackKind)
	if err != nil {
		return r, err
	}
	if err := exec.Cancel(ctx, r); err != nil {
		return r, err
	}
	return s.Store.GetRun(ctx, p.OrgID, id)
}

// OpenLog opens a run's log.
func (s *Service) OpenLog(ctx context.Context, p domain.Principal, id string) (domain.Run, io.ReadCloser, error) {
	r, err := s.Store.GetRun(ctx, p.OrgID, id)
	if err != nil {
		return r, nil, err
	}
	exec, err := s.executor(r.StackName, r.StackKind)
	if err != nil {
		return r, nil, err
	}
	rc, err := exec.OpenLog(r)
	return r, rc, err
}

// LogOffsetSince is where a run's log reaches the lines written since t.
func (s *Service) LogOffsetSince(ctx context.Context, p domain.Principal, r domain.Run, t time.Time) (int64, error) {
	exec, err := s.executor(r.StackName, r.StackKind)
	if err != nil {
		return 0, err
	}
	clock, ok := exec.(domain.LogClock)
	if !ok {
		return 0, domain.Invalid("since", "supported", fmt.Sprintf("the logs of %s stacks do not record when they were written", r.StackKind))
	}
	return clock.LogOffsetSince(r, t)
}

// executor is the executor of a stack kind, or a Conflict saying that
// stacks of that kind run no pipelines here.
func (s *Service) executor(stack string, kind domain.StackKind) (domain.Executor, error) {
	if e, ok := s.Executors[kind]; ok {
		return e, nil
	}
	if kind == domain.StackLocal {
		return nil, domain.Errorf(domain.CodeConflict, "stack %q is a local stack, and local stacks run pipelines only on a local-mode server (orchestera server --mode local)", stack)
	}
	return nil, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack, which this server runs no pipelines on", stack, kind)
}

func validState(st domain.RunState) bool {
	switch st {
	case domain.RunPending, domain.RunStarting, domain.RunRunning, domain.RunSucceeded, domain.RunFailed, domain.RunCancelled:
		return true
	}
	return false
}
