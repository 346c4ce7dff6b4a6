package stacks

import (
	"context"
	"fmt"

	"github.com/orchestera/orchestera/internal/domain"
)

// Provision asks the workers to build the stack: a draft is provisioned, a
// failed stack resumes from its failed step, a ready one is re-applied
// ("force update"). It returns at once; progress is in the events.
func (s *Service) Provision(ctx context.Context, p domain.Principal, name string) (domain.Stack, error) {
	return s.transition(ctx, p, name, "provision", map[domain.StackState]domain.StackState{
		domain.StackDraft: domain.StackProvisioning, domain.StackFailed: domain.StackProvisioning,
		domain.StackReady: domain.StackUpdating, domain.StackProvisioning: domain.StackProvisioning,
		domain.StackUpdating: domain.StackUpdating,
	})
}

// Destroy asks the workers to tear the stack down, from any state.
func (s *Service) Destroy(ctx context.Context, p domain.Principal, name string) (domain.Stack, error) {
	return s.transition(ctx, p, name, "destroy", map[domain.StackState]domain.StackState{
		domain.StackDraft: domain.StackDestroying, domain.StackFailed: domain.StackDestroying, domain.StackReady: domain.StackDestroying,
		domain.StackProvisioning: domain.StackDestroying, domain.StackUpdating: domain.StackDestroying, domain.StackDestroying: domain.StackDestroying,
	})
}

// transition moves an AWS stack to the state its operation starts with.
// Repeating an operation already under way is a no-op, so commands can be
// retried.
func (s *Service) transition(ctx context.Context, p domain.Principal, name, op string, next map[domain.StackState]domain.StackState) (domain.Stack, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.Stack{}, err
	}
	st, err := s.Store.GetStack(ctx, p.OrgID, name)
	if err != nil {
		return st, err
	}
	if _, err := s.provider(st, "it is always ready and cannot be "+op+"ed"); err != nil {
		return st, err
	}
	to, ok := next[st.State]
	if !ok {
		return st, domain.Errorf(domain.CodeConflict, "stack %q is %s and cannot be %sed", name, st.State, op)
	}
	if to == st.State {
		return st, nil
	}
	from := st.State
	st.State = to
	if to != domain.StackDestroying {
		st.Hint = ""
	}
	err = s.Store.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.UpdateStack(ctx, st); err != nil {
			return err
		}
		return tx.AddStackEvent(ctx, domain.StackEvent{ID: domain.NewID("sev"), OrgID: st.OrgID, StackID: st.ID, At: s.Store.Now(),
			Status: string(to), Message: fmt.Sprintf("%s requested (was %s)", op, from)})
	})
	if err == nil && s.Wake != nil {
		s.Wake()
	}
	return st, err
}
