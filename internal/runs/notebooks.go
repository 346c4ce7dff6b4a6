package runs

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

// StartNotebook starts a notebook in a namespace of a ready Kubernetes
// stack; starting one that runs returns it.
func (s *Service) StartNotebook(ctx context.Context, p domain.Principal, stack, namespace, name, image string, secrets []string) (domain.Notebook, error) {
	if err := domain.ValidateNotebookName(name); err != nil {
		return domain.Notebook{}, err
	}
	for _, alias := range secrets {
		if err := domain.ValidateSecretAlias(alias); err != nil {
			return domain.Notebook{}, domain.Invalid("pull_secrets_from", "dns1123_label", "each secret alias must be a DNS label ("+alias+")")
		}
	}
	st, host, err := s.notebookHost(ctx, p, stack, namespace)
	if err != nil {
		return domain.Notebook{}, err
	}
	nb, err := host.StartNotebook(ctx, st, namespace, name, image, secrets)
	return nb, domain.ClusterError("starting the notebook", err)
}

// Notebooks lists a namespace's notebooks.
func (s *Service) Notebooks(ctx context.Context, p domain.Principal, stack, namespace string) ([]domain.Notebook, error) {
	st, host, err := s.notebookHost(ctx, p, stack, namespace)
	if err != nil {
		return nil, err
	}
	nbs, err := host.Notebooks(ctx, st, namespace)
	return nbs, domain.ClusterError("listing notebooks", err)
}

// StopNotebook stops a notebook.
func (s *Service) StopNotebook(ctx context.Context, p domain.Principal, stack, namespace, name string) error {
	st, host, err := s.notebookHost(ctx, p, stack, namespace)
	if err != nil {
		return err
	}
	return domain.ClusterError("stopping the notebook", host.StopNotebook(ctx, st, namespace, name))
}

// NotebookAccess is what connecting to a notebook needs.
func (s *Service) NotebookAccess(ctx context.Context, p domain.Principal, stack, namespace, name string) (domain.NotebookAccess, error) {
	st, host, err := s.notebookHost(ctx, p, stack, namespace)
	if err != nil {
		return domain.NotebookAccess{}, err
	}
	a, err := host.NotebookAccess(ctx, st, namespace, name)
	return a, domain.ClusterError("reaching the notebook", err)
}

// notebookHost resolves the stack and namespace and finds who runs the
// stack's notebooks.
func (s *Service) notebookHost(ctx context.Context, p domain.Principal, stack, namespace string) (domain.Stack, domain.NotebookHost, error) {
	st, _, err := s.Stacks.Resolve(ctx, p, stack, namespace)
	if err != nil {
		return st, nil, err
	}
	host, ok := s.Executors[st.Kind].(domain.NotebookHost)
	switch {
	case !ok:
		return st, nil, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: notebooks run on Kubernetes stacks", stack, st.Kind)
	case st.State != domain.StackReady && st.State != domain.StackUpdating:
		return st, nil, domain.Errorf(domain.CodeConflict, "stack %q is %s: notebooks start once it is ready", stack, st.State)
	}
	return st, host, nil
}
