// Package secrets holds the rules of run secrets: an alias in a stack's
// namespace names a flat map of keys to values that runs pull into their
// environment. Admins write, list and delete them; values never come back
// out. Where a secret is kept is a domain.SecretKeeper's business (files on
// the local stack today).
package secrets

import (
	"context"
	"slices"

	"github.com/orchestera/orchestera/internal/domain"
)

// Config is what the service needs.
type Config struct {
	Stacks domain.StackResolver
	// Keepers keep the secrets of each stack kind that has them.
	Keepers map[domain.StackKind]domain.SecretKeeper
}

// Service implements the secret rules.
type Service struct{ Config }

// New returns a Service.
func New(cfg Config) *Service { return &Service{cfg} }

// Put creates or replaces a secret (admin). Input is validated before the
// stack is looked up, so an answer never tells whether a stack exists
// elsewhere.
func (s *Service) Put(ctx context.Context, p domain.Principal, stack, namespace, alias string, kv map[string]string) (domain.SecretInfo, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.SecretInfo{}, err
	}
	if err := domain.ValidateSecretAlias(alias); err != nil {
		return domain.SecretInfo{}, err
	}
	if err := domain.ValidateSecret(kv); err != nil {
		return domain.SecretInfo{}, err
	}
	keeper, ns, err := s.keeper(ctx, p, stack, namespace)
	if err != nil {
		return domain.SecretInfo{}, err
	}
	if err := keeper.PutSecret(ctx, p.OrgID, ns, alias, kv); err != nil {
		return domain.SecretInfo{}, err
	}
	info := domain.SecretInfo{Namespace: ns, Alias: alias}
	for k := range kv {
		info.Keys = append(info.Keys, k)
	}
	slices.Sort(info.Keys)
	return info, nil
}

// List lists a namespace's secrets with their key names (admin).
func (s *Service) List(ctx context.Context, p domain.Principal, stack, namespace string) ([]domain.SecretInfo, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return nil, err
	}
	keeper, ns, err := s.keeper(ctx, p, stack, namespace)
	if err != nil {
		return nil, err
	}
	return keeper.ListSecrets(ctx, p.OrgID, ns)
}

// Delete removes a secret (admin); NotFound when there is none.
func (s *Service) Delete(ctx context.Context, p domain.Principal, stack, namespace, alias string) error {
	if err := domain.RequireAdmin(p); err != nil {
		return err
	}
	if err := domain.ValidateSecretAlias(alias); err != nil {
		return err
	}
	keeper, ns, err := s.keeper(ctx, p, stack, namespace)
	if err != nil {
		return err
	}
	return keeper.DeleteSecret(ctx, p.OrgID, ns, alias)
}

// keeper resolves the stack and namespace (NotFound for either) and finds
// the keeper of the stack's kind, or a Conflict naming what is missing.
func (s *Service) keeper(ctx context.Context, p domain.Principal, stack, namespace string) (domain.SecretKeeper, string, error) {
	st, ns, err := s.Stacks.Resolve(ctx, p, stack, namespace)
	if err != nil {
		return nil, "", err
	}
	k, ok := s.Keepers[st.Kind]
	if !ok {
		if st.Kind == domain.StackLocal {
			return nil, "", domain.Errorf(domain.CodeConflict, "stack %q is a local stack, whose secrets live only on a local-mode server", st.Name)
		}
		return nil, "", domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: its secrets are not kept by Orchestera yet (they will be in AWS SSM Parameter Store); only local stacks have secrets so far", st.Name, st.Kind)
	}
	return k, ns.Name, nil
}
