package stacks

import (
	"context"
	"fmt"
	"slices"

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

// Update re-applies a stack's configuration ("force update"): every step
// runs again. A draft has nothing to update; it is provisioned instead.
func (s *Service) Update(ctx context.Context, p domain.Principal, name string) (domain.Stack, error) {
	return s.transition(ctx, p, name, "update", map[domain.StackState]domain.StackState{
		domain.StackReady: domain.StackUpdating, domain.StackFailed: domain.StackUpdating, domain.StackUpdating: domain.StackUpdating,
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
	// The state is compared and set: a worker finishing meanwhile makes the
	// write fail, and the transition is decided again from the new state.
	for attempt := 0; ; attempt++ {
		st, err := s.Store.GetStack(ctx, p.OrgID, name)
		if err != nil {
			return st, err
		}
		if _, err := s.provider(st, "it is always ready; there is nothing to "+op); err != nil {
			return st, err
		}
		to, ok := next[st.State]
		switch {
		case !ok && st.State == domain.StackDraft:
			return st, domain.Errorf(domain.CodeConflict, "stack %q is a draft: nothing is built yet to %s; provision it first (orchestera stacks provision %s)", name, op, name)
		case !ok:
			return st, domain.Errorf(domain.CodeConflict, "stack %q is %s: it cannot %s", name, st.State, op)
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
			if err := tx.UpdateStack(ctx, st, from); err != nil {
				return err
			}
			return tx.AddStackEvent(ctx, domain.StackEvent{ID: domain.NewID("sev"), OrgID: st.OrgID, StackID: st.ID, At: s.Store.Now(),
				Status: string(to), Message: fmt.Sprintf("%s requested (was %s)", op, from)})
		})
		if domain.ErrorCode(err) == domain.CodeConflict && attempt < 3 {
			continue
		}
		if err == nil && s.Wake != nil {
			s.Wake()
		}
		return st, err
	}
}

// Delete removes a destroyed stack (or a draft, which never built anything)
// with its namespaces, events and runs, so its name can be used again.
func (s *Service) Delete(ctx context.Context, p domain.Principal, name string) error {
	if err := domain.RequireAdmin(p); err != nil {
		return err
	}
	st, err := s.Store.GetStack(ctx, p.OrgID, name)
	if err != nil {
		return err
	}
	if _, err := s.provider(st, "it is part of this machine's setup and cannot be deleted"); err != nil {
		return err
	}
	if st.State != domain.StackDestroyed && st.State != domain.StackDraft {
		return domain.Errorf(domain.CodeConflict, "stack %q is %s: destroy it first (orchestera stacks destroy %s)", name, st.State, name)
	}
	return s.Store.DeleteStack(ctx, p.OrgID, st.ID, st.State)
}

// SetConnection moves a stack to another connection of the same AWS account
// and region (admin): the way to replace a connection that stacks use.
func (s *Service) SetConnection(ctx context.Context, p domain.Principal, name, connectionID string) (domain.Stack, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.Stack{}, err
	}
	st, err := s.Store.GetStack(ctx, p.OrgID, name)
	if err != nil {
		return st, err
	}
	switch st.State {
	case domain.StackProvisioning, domain.StackUpdating, domain.StackDestroying:
		return st, domain.Errorf(domain.CodeConflict, "stack %q is %s: move it to another connection once that ends", name, st.State)
	}
	if st.ConnectionID == "" {
		return st, domain.Errorf(domain.CodeConflict, "stack %q is a %s stack: it has no AWS connection", name, st.Kind)
	}
	conn, err := s.Store.GetConnection(ctx, p.OrgID, connectionID)
	if domain.IsNotFound(err) {
		return st, domain.Invalid("connection_id", "exists", fmt.Sprintf("no AWS connection %q in your organization (orchestera connections list)", connectionID))
	}
	if err != nil {
		return st, err
	}
	// The stack's resources stay where they are: only a role of the same
	// account can see them. A connection deleted before this rule existed
	// leaves nothing to compare with.
	if old, err := s.Store.GetConnection(ctx, p.OrgID, st.ConnectionID); err == nil && old.AccountID != conn.AccountID {
		return st, domain.Invalid("connection_id", "same_account",
			fmt.Sprintf("connection %s is for AWS account %s, but the stack's resources are in account %s", conn.ID, conn.AccountID, old.AccountID))
	}
	if !slices.Contains(conn.Regions, st.Region) {
		return st, domain.Invalid("connection_id", "connection_region", fmt.Sprintf("connection %s does not cover the stack's region %s (it has %v)", conn.ID, st.Region, conn.Regions))
	}
	if conn.State != domain.ConnectionVerified {
		return st, domain.Errorf(domain.CodeConflict, "connection %s is %s, not verified: run orchestera connections verify %s first", conn.ID, conn.State, conn.ID)
	}
	from := st.ConnectionID
	st.ConnectionID = conn.ID
	err = s.Store.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.UpdateStack(ctx, st, st.State); err != nil {
			return err
		}
		return tx.AddStackEvent(ctx, domain.StackEvent{ID: domain.NewID("sev"), OrgID: st.OrgID, StackID: st.ID, At: s.Store.Now(),
			Status: string(st.State), Message: fmt.Sprintf("moved from connection %s to %s (account %s)", from, conn.ID, conn.AccountID)})
	})
	return st, err
}
