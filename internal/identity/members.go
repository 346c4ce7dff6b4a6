package identity

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

// ListMembers lists the principal's organization.
func (s *Service) ListMembers(ctx context.Context, p domain.Principal) ([]domain.Member, error) {
	return s.Store.ListMembers(ctx, p.OrgID)
}

// GetMember returns one member of the principal's organization.
func (s *Service) GetMember(ctx context.Context, p domain.Principal, userID string) (domain.Member, error) {
	return s.Store.GetMember(ctx, p.OrgID, userID)
}

// RemoveMember takes a user out of the organization and revokes their
// tokens. The last admin cannot be removed: the organization would be
// left with nobody able to manage it. The rule counts every admin, so the
// memberships are locked first: two admins removing each other at once
// must not both see the other still there.
func (s *Service) RemoveMember(ctx context.Context, p domain.Principal, userID string) error {
	if err := domain.RequireAdmin(p); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.LockMembers(ctx, p.OrgID); err != nil {
			return err
		}
		m, err := tx.GetMember(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		if m.Role == domain.RoleAdmin {
			members, err := tx.ListMembers(ctx, p.OrgID)
			if err != nil {
				return err
			}
			admins := 0
			for _, o := range members {
				if o.Role == domain.RoleAdmin {
					admins++
				}
			}
			if admins == 1 {
				return domain.Errorf(domain.CodeConflict, "%s is the last admin; make another member admin first", m.Email)
			}
		}
		now := s.Store.Now()
		if err := tx.RevokeUserTokens(ctx, p.OrgID, userID, now); err != nil {
			return err
		}
		if err := tx.RemoveMember(ctx, p.OrgID, userID); err != nil {
			return err
		}
		return tx.AddAudit(ctx, domain.IdentityAudit(p, domain.AuditOperationIdentity, domain.AuditRemoveMember, userID, now))
	})
}
