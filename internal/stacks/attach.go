package stacks

import (
	"context"
	"fmt"

	"github.com/orchestera/orchestera/internal/domain"
)

// Attach makes an existing cluster a stack (admin): the kubeconfig's
// context is checked (reachable, allowed to bootstrap), kept sealed, and
// the namespaces are bootstrapped by the workers. Attaching an attached
// stack again replaces its credential and re-applies it.
func (s *Service) Attach(ctx context.Context, p domain.Principal, name string, kubeconfig []byte, kubeContext string, namespaces []string) (domain.Stack, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.Stack{}, err
	}
	if err := domain.ValidateStackName(name); err != nil {
		return domain.Stack{}, err
	}
	if s.Attacher == nil || s.Sealer == nil {
		return domain.Stack{}, domain.Errorf(domain.CodeConflict, "this server does not attach clusters")
	}
	existing, err := s.Store.GetStack(ctx, p.OrgID, name)
	switch {
	case err == nil && existing.Kind != domain.StackKubernetes:
		return domain.Stack{}, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: choose another name", name, existing.Kind)
	case err == nil && existing.State != domain.StackReady && existing.State != domain.StackFailed:
		return domain.Stack{}, domain.Errorf(domain.CodeConflict, "stack %q is %s: attach it again once that ends", name, existing.State)
	case err != nil && !domain.IsNotFound(err):
		return domain.Stack{}, err
	}
	if err == nil && len(namespaces) > 0 {
		return domain.Stack{}, domain.Invalid("namespaces", "existing_stack", "stack "+name+" exists: add namespaces with orchestera namespaces create")
	}
	if len(namespaces) == 0 {
		namespaces = []string{domain.ClusterNamespace}
	}
	if err := domain.ValidateNamespaceList(domain.StackKubernetes, namespaces); err != nil {
		return domain.Stack{}, err
	}
	cluster, err := s.Attacher.Attach(ctx, kubeconfig, kubeContext)
	if err != nil {
		return domain.Stack{}, err
	}
	sealed, err := s.Sealer.Seal(cluster.Credential)
	if err != nil {
		return domain.Stack{}, err
	}
	if existing.ID != "" {
		return s.reattach(ctx, existing, cluster.Endpoint, sealed)
	}
	now := s.Store.Now()
	st := domain.Stack{ID: domain.NewID("stk"), OrgID: p.OrgID, Name: name, Kind: domain.StackKubernetes,
		State: domain.StackProvisioning, CreatedAt: now, Endpoint: cluster.Endpoint}
	err = s.Store.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.CreateStack(ctx, st); err != nil {
			return err
		}
		if err := tx.SetStackCredential(ctx, st.ID, sealed); err != nil {
			return err
		}
		for _, ns := range namespaces {
			if err := tx.CreateNamespace(ctx, domain.Namespace{ID: domain.NewID("ns"), OrgID: p.OrgID, StackID: st.ID, Name: ns, CreatedAt: now}); err != nil {
				return err
			}
		}
		return tx.AddStackEvent(ctx, domain.StackEvent{ID: domain.NewID("sev"), OrgID: p.OrgID, StackID: st.ID, At: now,
			Status: string(st.State), Message: "attached the cluster at " + cluster.Endpoint + "; bootstrapping namespaces"})
	})
	if err == nil {
		s.wake()
	}
	return st, err
}

// reattach replaces an attached stack's credential and re-applies it.
func (s *Service) reattach(ctx context.Context, st domain.Stack, endpoint, sealed string) (domain.Stack, error) {
	from := st.State
	st.State, st.Endpoint, st.Hint, st.FailedStep = domain.StackUpdating, endpoint, "", ""
	err := s.Store.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.UpdateStack(ctx, st, from); err != nil {
			return err
		}
		if err := tx.SetStackCredential(ctx, st.ID, sealed); err != nil {
			return err
		}
		return tx.AddStackEvent(ctx, domain.StackEvent{ID: domain.NewID("sev"), OrgID: st.OrgID, StackID: st.ID, At: s.Store.Now(),
			Status: string(st.State), Message: "attached again at " + endpoint + " with a new credential"})
	})
	if err == nil {
		s.wake()
	}
	return st, err
}

func (s *Service) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}

// Reseal seals again every attached credential sealed with an older key,
// so an old key can leave the ring once the server ran with the new one.
func (s *Service) Reseal(ctx context.Context) (int, error) {
	if s.Sealer == nil {
		return 0, nil
	}
	all, err := s.Store.AllStackCredentials(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for id, sealed := range all {
		if !s.Sealer.Stale(sealed) {
			continue
		}
		plain, err := s.Sealer.Open(sealed)
		if err != nil {
			return n, fmt.Errorf("stack %s: %w", id, err)
		}
		again, err := s.Sealer.Seal(plain)
		if err != nil {
			return n, err
		}
		if err := s.Store.SetStackCredential(ctx, id, again); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
