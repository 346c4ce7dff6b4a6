package stacks

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

// CreateNamespace adds a namespace to a stack (admin). On a ready cluster
// stack it is bootstrapped in the cluster first, so a namespace the cluster
// refuses is not recorded; on others the next provision does it. Creating
// one that exists returns it, so the command can be repeated.
func (s *Service) CreateNamespace(ctx context.Context, p domain.Principal, stack, name string) (domain.Namespace, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.Namespace{}, err
	}
	st, err := s.Store.GetStack(ctx, p.OrgID, stack)
	if err != nil {
		return domain.Namespace{}, err
	}
	if err := domain.ValidateStackNamespace(st.Kind, name); err != nil {
		return domain.Namespace{}, err
	}
	if ns, err := s.Store.GetNamespace(ctx, p.OrgID, st.ID, name); err == nil {
		return ns, nil
	}
	if np, ok := s.namespaceProvider(st); ok {
		if err := np.EnsureNamespace(ctx, st, name); err != nil {
			return domain.Namespace{}, domain.ClusterError("bootstrapping namespace "+name+" in the cluster", err)
		}
	}
	ns := domain.Namespace{ID: domain.NewID("ns"), OrgID: p.OrgID, StackID: st.ID, Name: name, CreatedAt: s.Store.Now()}
	if err := s.Store.CreateNamespace(ctx, ns); err != nil {
		return ns, err
	}
	s.Resync(st) // its connections Secret
	return ns, nil
}

// DeleteNamespace removes a namespace from a stack (admin), with its
// datasources and kept secrets; on a ready cluster stack the Kubernetes namespace is deleted
// first, with everything in it. Runs keep their records.
func (s *Service) DeleteNamespace(ctx context.Context, p domain.Principal, stack, name string) error {
	if err := domain.RequireAdmin(p); err != nil {
		return err
	}
	st, err := s.Store.GetStack(ctx, p.OrgID, stack)
	if err != nil {
		return err
	}
	if _, err := s.Store.GetNamespace(ctx, p.OrgID, st.ID, name); err != nil {
		return err
	}
	switch {
	case st.Kind == domain.StackLocal && name == domain.DefaultNamespace:
		return domain.Errorf(domain.CodeConflict, "namespace %s of the local stack is part of this machine's setup and cannot be deleted", name)
	case st.State == domain.StackProvisioning || st.State == domain.StackUpdating || st.State == domain.StackDestroying:
		return domain.Errorf(domain.CodeConflict, "stack %q is %s: delete the namespace once that ends", stack, st.State)
	}
	if np, ok := s.namespaceProvider(st); ok {
		if err := np.DeleteNamespace(ctx, st, name); err != nil {
			return domain.ClusterError("deleting namespace "+name+" in the cluster", err)
		}
	}
	ds, err := s.Store.ListDatasources(ctx, p.OrgID, st.ID)
	if err != nil {
		return err
	}
	secrets, err := s.Store.ListStackSecrets(ctx, st.ID)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx domain.Tx) error {
		for _, d := range ds {
			if d.Namespace == name {
				if err := tx.DeleteDatasource(ctx, p.OrgID, st.ID, name, d.Name); err != nil {
					return err
				}
			}
		}
		for _, sec := range secrets {
			if sec.Namespace == name {
				if err := tx.DeleteStackSecret(ctx, st.ID, name, sec.Alias); err != nil {
					return err
				}
			}
		}
		return tx.DeleteNamespace(ctx, p.OrgID, st.ID, name)
	})
}

// namespaceProvider is the provider that applies namespaces of a ready
// stack at once; other stacks get theirs at the next provision.
func (s *Service) namespaceProvider(st domain.Stack) (domain.NamespaceProvider, bool) {
	np, ok := s.Providers[st.Kind].(domain.NamespaceProvider)
	return np, ok && st.State == domain.StackReady
}

// Token is a short-lived credential of one namespace of a ready cluster
// stack, for kubectl: a namespace-scoped account's token, never the
// platform's own credential.
func (s *Service) Token(ctx context.Context, p domain.Principal, stack, namespace string) (domain.ClusterToken, error) {
	st, _, err := s.Resolve(ctx, p, stack, namespace)
	if err != nil {
		return domain.ClusterToken{}, err
	}
	ti, ok := s.Providers[st.Kind].(domain.TokenIssuer)
	switch {
	case !ok:
		return domain.ClusterToken{}, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: it has no cluster to give access to", stack, st.Kind)
	case st.State != domain.StackReady && st.State != domain.StackUpdating:
		return domain.ClusterToken{}, domain.Errorf(domain.CodeConflict, "stack %q is %s: its cluster is reachable once it is ready", stack, st.State)
	}
	t, err := ti.Token(ctx, st, namespace)
	if err != nil {
		return t, domain.ClusterError("issuing a token", err)
	}
	return t, nil
}
