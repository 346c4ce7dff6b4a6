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
	keeper, st, ns, err := s.keeper(ctx, p, stack, namespace)
	if err != nil {
		return domain.SecretInfo{}, err
	}
	if err := keeper.PutSecret(ctx, st, ns, alias, kv); err != nil {
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
	keeper, st, ns, err := s.keeper(ctx, p, stack, namespace)
	if err != nil {
		return nil, err
	}
	return keeper.ListSecrets(ctx, st, ns)
}

// Delete removes a secret (admin); NotFound when there is none.
func (s *Service) Delete(ctx context.Context, p domain.Principal, stack, namespace, alias string) error {
	if err := domain.RequireAdmin(p); err != nil {
		return err
	}
	if err := domain.ValidateSecretAlias(alias); err != nil {
		return err
	}
	keeper, st, ns, err := s.keeper(ctx, p, stack, namespace)
	if err != nil {
		return err
	}
	return keeper.DeleteSecret(ctx, st, ns, alias)
}

// keeper resolves the stack and namespace (NotFound for either) and finds
// the keeper of the stack's kind, or a Conflict naming what to do instead.
func (s *Service) keeper(ctx context.Context, p domain.Principal, stack, namespace string) (domain.SecretKeeper, domain.Stack, string, error) {
	st, ns, err := s.Stacks.Resolve(ctx, p, stack, namespace)
	if err != nil {
		return nil, st, "", err
	}
	k, ok := s.Keepers[st.Kind]
	switch {
	case ok:
		return k, st, ns.Name, nil
	case st.Kind == domain.StackLocal:
		return nil, st, "", domain.Errorf(domain.CodeConflict, "stack %q is a local stack, whose secrets live only on a local-mode server", st.Name)
	case st.Kind == domain.StackAWS:
		return nil, st, "", domain.Errorf(domain.CodeConflict, "stack %q is an aws-eks stack: its secrets are SSM parameters in your AWS account, which the platform only reads; orchestera secrets put writes them with your own AWS credentials", st.Name)
	}
	return nil, st, "", domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: this server keeps no secrets for it", st.Name, st.Kind)
}
