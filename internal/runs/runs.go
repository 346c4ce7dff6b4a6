// Package runs holds the rules of pipeline runs: submission with
// idempotency, listing, cancellation and logs. Where a run executes is the
// Executor's business (the local stack today, EKS later).
package runs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/stacks"
)

// Executor runs pipelines of one stack kind.
type Executor interface {
	// Check validates what only the executor can see (the project directory,
	// secret aliases) before a run is accepted.
	Check(ctx context.Context, namespace string, spec domain.RunSpec) error
	// Wake tells the executor new work is pending.
	Wake()
	// Cancel stops a live run; the executor records the outcome.
	Cancel(ctx context.Context, r domain.Run) error
	// OpenLog opens a run's log; it stays readable after the run ends.
	OpenLog(r domain.Run) (io.ReadCloser, error)
}

// Service implements the run rules.
type Service struct {
	store    domain.Store
	stacks   *stacks.Service
	executor Executor
	now      func() time.Time
}

// New returns a Service.
func New(store domain.Store, st *stacks.Service, exec Executor, now func() time.Time) *Service {
	return &Service{store: store, stacks: st, executor: exec, now: now}
}

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
	if r, err := s.store.GetRunByIdempotencyKey(ctx, p.OrgID, key); err == nil {
		return sameRun(r, stack, namespace, spec)
	}
	st, ns, err := s.stacks.Resolve(ctx, p, stack, namespace)
	if err != nil {
		return domain.Run{}, false, err
	}
	if st.Kind != domain.StackLocal {
		return domain.Run{}, false, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack; only local stacks run pipelines so far", st.Name, st.Kind)
	}
	if err := s.executor.Check(ctx, ns.Name, spec); err != nil {
		return domain.Run{}, false, err
	}
	r := domain.Run{
		ID: domain.NewID("run"), OrgID: p.OrgID, StackID: st.ID, StackName: st.Name, StackKind: st.Kind, Namespace: ns.Name,
		IdempotencyKey: key, Spec: spec, State: domain.RunPending, CreatedBy: p.UserID, CreatedAt: s.now().UTC().Truncate(time.Millisecond),
	}
	if err := s.store.CreateRun(ctx, r); err != nil {
		if domain.ErrorCode(err) == domain.CodeConflict { // a concurrent retry won the race
			existing, gerr := s.store.GetRunByIdempotencyKey(ctx, p.OrgID, key)
			if gerr != nil {
				return domain.Run{}, false, gerr
			}
			return sameRun(existing, stack, namespace, spec)
		}
		return domain.Run{}, false, err
	}
	s.executor.Wake()
	return r, true, nil
}

// sameRun accepts a retried submission only if it asks for the same thing.
func sameRun(r domain.Run, stack, namespace string, spec domain.RunSpec) (domain.Run, bool, error) {
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
	return s.store.GetRun(ctx, p.OrgID, id)
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
		if f.AfterCreatedAt, f.AfterID, err = decodeCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	runs, err := s.store.ListRuns(ctx, p.OrgID, f)
	if err != nil || len(runs) < f.Limit {
		return runs, "", err
	}
	last := runs[len(runs)-1]
	return runs, encodeCursor(last), nil
}

// Cancel stops a run. Cancelling a finished run changes nothing and returns
// it, so the command is safe to repeat.
func (s *Service) Cancel(ctx context.Context, p domain.Principal, id string) (domain.Run, error) {
	r, err := s.store.GetRun(ctx, p.OrgID, id)
	if err != nil || r.State.Terminal() {
		return r, err
	}
	if r.State == domain.RunPending {
		now := s.now().UTC().Truncate(time.Millisecond)
		c := r
		c.State, c.Reason, c.EndedAt, c.Hint = domain.RunCancelled, domain.ReasonCancelled, &now, "cancelled before it started"
		if err := s.store.UpdateRun(ctx, c, domain.RunPending); err == nil {
			return c, nil
		}
		if r, err = s.store.GetRun(ctx, p.OrgID, id); err != nil || r.State.Terminal() {
			return r, err // it moved on meanwhile
		}
	}
	if err := s.executor.Cancel(ctx, r); err != nil {
		return r, err
	}
	return s.store.GetRun(ctx, p.OrgID, id)
}

// OpenLog opens a run's log.
func (s *Service) OpenLog(ctx context.Context, p domain.Principal, id string) (domain.Run, io.ReadCloser, error) {
	r, err := s.store.GetRun(ctx, p.OrgID, id)
	if err != nil {
		return r, nil, err
	}
	rc, err := s.executor.OpenLog(r)
	return r, rc, err
}

func validState(st domain.RunState) bool {
	switch st {
	case domain.RunPending, domain.RunStarting, domain.RunRunning, domain.RunSucceeded, domain.RunFailed, domain.RunCancelled:
		return true
	}
	return false
}

func encodeCursor(r domain.Run) string {
	return base64.RawURLEncoding.EncodeToString([]byte(r.CreatedAt.Format(time.RFC3339Nano) + "|" + r.ID))
}

func decodeCursor(c string) (time.Time, string, error) {
	bad := domain.Invalid("cursor", "cursor", "must be a next_cursor value from a previous page")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", bad
	}
	at, id, ok := strings.Cut(string(raw), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return t, id, nil
}
