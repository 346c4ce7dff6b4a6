// Package stacks holds the rules of stacks and their namespaces. Today it
// serves the local stack; provisioning EKS stacks builds on it.
package stacks

import (
	"context"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Service implements stack and namespace rules on a store.
type Service struct {
	store domain.Store
	now   func() time.Time
	wake  func() // tells the workers there is work; nil without workers
	plan  Planner
}

// Planner says what provisioning a stack would do.
type Planner interface {
	Plan(ctx context.Context, st domain.Stack) (domain.StackPlan, error)
	Progress(ctx context.Context, st domain.Stack) ([]domain.StackStep, time.Duration, error)
}

// SetPlanner connects the service to the cloud adapter's planner.
func (s *Service) SetPlanner(p Planner) { s.plan = p }

// Progress returns the stack with each step's state and the time left.
func (s *Service) Progress(ctx context.Context, p domain.Principal, name string) (domain.Stack, []domain.StackStep, time.Duration, error) {
	st, err := s.store.GetStack(ctx, p.OrgID, name)
	if err != nil || st.Kind != domain.StackAWS || s.plan == nil {
		return st, nil, 0, err
	}
	steps, eta, err := s.plan.Progress(ctx, st)
	return st, steps, eta, err
}

// Plan lists what provisioning the stack will create and need, with a cost
// estimate, without creating anything.
func (s *Service) Plan(ctx context.Context, p domain.Principal, name string) (domain.Stack, domain.StackPlan, error) {
	st, err := s.store.GetStack(ctx, p.OrgID, name)
	if err != nil {
		return st, domain.StackPlan{}, err
	}
	if st.Kind != domain.StackAWS || s.plan == nil {
		return st, domain.StackPlan{}, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: there is nothing to plan", name, st.Kind)
	}
	plan, err := s.plan.Plan(ctx, st)
	return st, plan, err
}

// New returns a Service.
func New(store domain.Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

// SetWaker connects the service to the workers that act on stacks.
func (s *Service) SetWaker(wake func()) { s.wake = wake }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// EnsureLocal gives the organization its ready stack "local" with the
// namespace "default"; it is a no-op when they exist.
func (s *Service) EnsureLocal(ctx context.Context, orgID string) error {
	return s.store.InTx(ctx, func(tx domain.Tx) error {
		st, err := tx.GetStack(ctx, orgID, domain.LocalStackName)
		if domain.IsNotFound(err) {
			st = domain.Stack{ID: domain.NewID("stk"), OrgID: orgID, Name: domain.LocalStackName, Kind: domain.StackLocal, State: domain.StackReady, CreatedAt: s.clock()}
			err = tx.CreateStack(ctx, st)
		}
		if err != nil {
			return err
		}
		_, err = tx.GetNamespace(ctx, orgID, st.ID, domain.DefaultNamespace)
		if domain.IsNotFound(err) {
			err = tx.CreateNamespace(ctx, domain.Namespace{ID: domain.NewID("ns"), OrgID: orgID, StackID: st.ID, Name: domain.DefaultNamespace, CreatedAt: s.clock()})
		}
		return err
	})
}

// List lists the organization's stacks.
func (s *Service) List(ctx context.Context, p domain.Principal) ([]domain.Stack, error) {
	return s.store.ListStacks(ctx, p.OrgID)
}

// Get returns one stack by name.
func (s *Service) Get(ctx context.Context, p domain.Principal, name string) (domain.Stack, error) {
	return s.store.GetStack(ctx, p.OrgID, name)
}

// Namespaces lists a stack's namespaces.
func (s *Service) Namespaces(ctx context.Context, p domain.Principal, stack string) ([]domain.Namespace, error) {
	st, err := s.store.GetStack(ctx, p.OrgID, stack)
	if err != nil {
		return nil, err
	}
	return s.store.ListNamespaces(ctx, p.OrgID, st.ID)
}

// CreateNamespace adds a namespace to a stack (admin). Creating one that
// exists returns it, so the command can be repeated.
func (s *Service) CreateNamespace(ctx context.Context, p domain.Principal, stack, name string) (domain.Namespace, error) {
	if !p.IsAdmin() {
		return domain.Namespace{}, domain.Errorf(domain.CodeForbidden, "this needs the admin role in your organization")
	}
	if err := domain.ValidateNamespaceName(name); err != nil {
		return domain.Namespace{}, err
	}
	st, err := s.store.GetStack(ctx, p.OrgID, stack)
	if err != nil {
		return domain.Namespace{}, err
	}
	if ns, err := s.store.GetNamespace(ctx, p.OrgID, st.ID, name); err == nil {
		return ns, nil
	}
	ns := domain.Namespace{ID: domain.NewID("ns"), OrgID: p.OrgID, StackID: st.ID, Name: name, CreatedAt: s.clock()}
	return ns, s.store.CreateNamespace(ctx, ns)
}

// Resolve finds a stack and one of its namespaces, NotFound for either.
func (s *Service) Resolve(ctx context.Context, p domain.Principal, stack, namespace string) (domain.Stack, domain.Namespace, error) {
	st, err := s.store.GetStack(ctx, p.OrgID, stack)
	if err != nil {
		return st, domain.Namespace{}, err
	}
	ns, err := s.store.GetNamespace(ctx, p.OrgID, st.ID, namespace)
	return st, ns, err
}
