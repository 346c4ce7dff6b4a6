package stacks

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// CreateAWS records a draft AWS stack (admin). Nothing is created in AWS
// until it is provisioned; bad input is refused before anything is written.
func (s *Service) CreateAWS(ctx context.Context, p domain.Principal, st domain.Stack, namespaces []string) (domain.Stack, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.Stack{}, err
	}
	if err := domain.ValidateStackName(st.Name); err != nil {
		return domain.Stack{}, err
	}
	st.Options = st.Options.WithDefaults()
	if err := st.Options.Validate(); err != nil {
		return domain.Stack{}, err
	}
	if len(namespaces) == 0 {
		namespaces = []string{domain.ClusterNamespace}
	}
	if err := domain.ValidateNamespaceList(domain.StackAWS, namespaces); err != nil {
		return domain.Stack{}, err
	}
	conn, err := s.Store.GetConnection(ctx, p.OrgID, st.ConnectionID)
	if domain.IsNotFound(err) {
		return domain.Stack{}, domain.Invalid("connection_id", "exists", fmt.Sprintf("no AWS connection %q in your organization (orchestera connections list)", st.ConnectionID))
	}
	if err != nil {
		return domain.Stack{}, err
	}
	if st.Region == "" {
		st.Region = conn.Regions[0]
	}
	if !slices.Contains(conn.Regions, st.Region) {
		return domain.Stack{}, domain.Invalid("region", "connection_region",
			fmt.Sprintf("%s is not a region of connection %s (it has %v)", st.Region, conn.ID, conn.Regions))
	}
	if conn.State != domain.ConnectionVerified {
		return domain.Stack{}, domain.Errorf(domain.CodeConflict,
			"connection %s is %s, not verified: run orchestera connections verify %s first", conn.ID, conn.State, conn.ID)
	}
	now := s.Store.Now()
	st.ID, st.OrgID, st.Kind, st.State, st.CreatedAt = domain.NewID("stk"), p.OrgID, domain.StackAWS, domain.StackDraft, now
	err = s.Store.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.CreateStack(ctx, st); err != nil {
			return err
		}
		for _, ns := range namespaces {
			if err := tx.CreateNamespace(ctx, domain.Namespace{ID: domain.NewID("ns"), OrgID: p.OrgID, StackID: st.ID, Name: ns, CreatedAt: now}); err != nil {
				return err
			}
		}
		return tx.AddStackEvent(ctx, domain.StackEvent{ID: domain.NewID("sev"), OrgID: p.OrgID, StackID: st.ID, At: now,
			Status: string(domain.StackDraft), Message: fmt.Sprintf("created in %s on connection %s; next: orchestera stacks plan %s", st.Region, conn.ID, st.Name)})
	})
	return st, err
}

// Events lists a stack's events after a time (zero for all).
func (s *Service) Events(ctx context.Context, p domain.Principal, name string, after time.Time) ([]domain.StackEvent, error) {
	st, err := s.Store.GetStack(ctx, p.OrgID, name)
	if err != nil {
		return nil, err
	}
	return s.Store.ListStackEvents(ctx, p.OrgID, st.ID, after)
}
