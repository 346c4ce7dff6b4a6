package stacks

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

// PutDatasource creates or replaces a datasource of a namespace (admin) and
// syncs the stack's connections soon.
func (s *Service) PutDatasource(ctx context.Context, p domain.Principal, stack string, d domain.Datasource) (domain.Datasource, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return d, err
	}
	st, _, err := s.Resolve(ctx, p, stack, d.Namespace)
	if err != nil {
		return d, err
	}
	if !st.Kind.HasCluster() {
		return d, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: datasources are for cluster stacks (aws-eks, kubernetes)", stack, st.Kind)
	}
	if err := d.Validate(); err != nil {
		return d, err
	}
	d.ID, d.OrgID, d.StackID, d.UpdatedAt = domain.NewID("ds"), p.OrgID, st.ID, s.Store.Now()
	if err := s.Store.PutDatasource(ctx, d); err != nil {
		return d, err
	}
	s.Resync(st)
	return d, nil
}

// Datasources lists a stack's datasources, of one namespace if given.
func (s *Service) Datasources(ctx context.Context, p domain.Principal, stack, namespace string) ([]domain.Datasource, error) {
	st, err := s.Store.GetStack(ctx, p.OrgID, stack)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.ListDatasources(ctx, p.OrgID, st.ID)
	if err != nil || namespace == "" {
		return all, err
	}
	var out []domain.Datasource
	for _, d := range all {
		if d.Namespace == namespace {
			out = append(out, d)
		}
	}
	return out, nil
}

// DeleteDatasource removes a datasource (admin); the sync takes it out of
// the connections Secret.
func (s *Service) DeleteDatasource(ctx context.Context, p domain.Principal, stack, namespace, name string) error {
	if err := domain.RequireAdmin(p); err != nil {
		return err
	}
	st, _, err := s.Resolve(ctx, p, stack, namespace)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteDatasource(ctx, p.OrgID, st.ID, namespace, name); err != nil {
		return err
	}
	s.Resync(st)
	return nil
}
