package stacks

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

// Config is what the service needs.
type Config struct {
	Store domain.StackStore
	// Providers build the stacks of each kind that has a cloud behind it.
	Providers map[domain.StackKind]domain.StackProvider
	// Wake tells the workers there is work; nil without workers.
	Wake func()
	// Attacher checks the kubeconfigs clusters are attached with, and
	// Sealer keeps their credentials; nil: clusters cannot be attached.
	Attacher domain.ClusterAttacher
	Sealer   domain.Sealer
	// Syncer syncs stacks' secrets, roles and datasources; nil: none are.
	Syncer *Syncer
}

// Service implements stack and namespace rules.
type Service struct{ Config }

// New returns a Service.
func New(cfg Config) *Service { return &Service{cfg} }

var _ domain.StackResolver = (*Service)(nil)

// EnsureLocal gives the organization its ready stack "local" with the
// namespace "default"; it is a no-op when they exist.
func (s *Service) EnsureLocal(ctx context.Context, orgID string) error {
	now := s.Store.Now()
	return s.Store.InTx(ctx, func(tx domain.Tx) error {
		st, err := tx.GetStack(ctx, orgID, domain.LocalStackName)
		if domain.IsNotFound(err) {
			st = domain.Stack{ID: domain.NewID("stk"), OrgID: orgID, Name: domain.LocalStackName, Kind: domain.StackLocal, State: domain.StackReady, CreatedAt: now}
			err = tx.CreateStack(ctx, st)
		}
		if err != nil {
			return err
		}
		_, err = tx.GetNamespace(ctx, orgID, st.ID, domain.DefaultNamespace)
		if domain.IsNotFound(err) {
			err = tx.CreateNamespace(ctx, domain.Namespace{ID: domain.NewID("ns"), OrgID: orgID, StackID: st.ID, Name: domain.DefaultNamespace, CreatedAt: now})
		}
		return err
	})
}

// CheckHosted refuses a store that holds local stacks, of any
// organization: on a hosted server their pipelines would run as code on the
// server's machine, with the server's privileges.
func (s *Service) CheckHosted(ctx context.Context) error {
	n, err := s.Store.CountStacksOfKind(ctx, domain.StackLocal)
	if err != nil {
		return err
	}
	if n > 0 {
		return domain.Errorf(domain.CodeConflict, "hosted mode refuses this store: it holds %d local stack(s), made when it served local mode, and a local stack runs pipelines as code on the server's machine. "+
			"Start hosted mode on a fresh store (a new --database-url, or a new --home for SQLite), and keep this one for local mode", n)
	}
	return nil
}

// List lists the organization's stacks.
func (s *Service) List(ctx context.Context, p domain.Principal) ([]domain.Stack, error) {
	return s.Store.ListStacks(ctx, p.OrgID)
}

// Get returns one stack by name.
func (s *Service) Get(ctx context.Context, p domain.Principal, name string) (domain.Stack, error) {
	return s.Store.GetStack(ctx, p.OrgID, name)
}

// Namespaces lists a stack's namespaces.
func (s *Service) Namespaces(ctx context.Context, p domain.Principal, stack string) ([]domain.Namespace, error) {
	st, err := s.Store.GetStack(ctx, p.OrgID, stack)
	if err != nil {
		return nil, err
	}
	return s.Store.ListNamespaces(ctx, p.OrgID, st.ID)
}

// Resolve finds a stack and one of its namespaces, NotFound for either.
func (s *Service) Resolve(ctx context.Context, p domain.Principal, stack, namespace string) (domain.Stack, domain.Namespace, error) {
	st, err := s.Store.GetStack(ctx, p.OrgID, stack)
	if err != nil {
		return st, domain.Namespace{}, err
	}
	ns, err := s.Store.GetNamespace(ctx, p.OrgID, st.ID, namespace)
	return st, ns, err
}

// provider is the provider of a stack's kind, or a Conflict naming what the
// operation cannot do on a stack without one (the local stack).
func (s *Service) provider(st domain.Stack, what string) (domain.StackProvider, error) {
	if p, ok := s.Providers[st.Kind]; ok {
		return p, nil
	}
	return nil, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: %s", st.Name, st.Kind, what)
}
