package identity

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

// CreateInvitation invites an email to the principal's organization. The
// invitee joins only by accepting it after signing in. Whether the email
// belongs to another organization is not revealed here; that is checked
// when the invitation is accepted.
func (s *Service) CreateInvitation(ctx context.Context, p domain.Principal, email string, role domain.Role) (domain.Invitation, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.Invitation{}, err
	}
	email, err := domain.NormalizeEmail(email)
	if err != nil {
		return domain.Invitation{}, err
	}
	if err := domain.ValidateRole(role); err != nil {
		return domain.Invitation{}, err
	}
	now := s.Store.Now()
	inv := domain.Invitation{
		ID: domain.NewID("inv"), OrgID: p.OrgID, Email: email, Role: role,
		CreatedBy: p.UserID, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL),
	}
	err = s.Store.InTx(ctx, func(tx domain.Tx) error {
		if u, err := tx.GetUserByEmail(ctx, email); err == nil {
			if _, err := tx.GetMember(ctx, p.OrgID, u.ID); err == nil {
				return domain.Errorf(domain.CodeConflict, "%s is already a member of this organization", email)
			}
		}
		// An expired invitation no longer blocks a new one.
		open, err := tx.ListInvitations(ctx, p.OrgID)
		if err != nil {
			return err
		}
		for _, o := range open {
			if o.Email != email {
				continue
			}
			switch o.State(now) {
			case domain.InvitationExpired:
				if err := tx.MarkInvitationRevoked(ctx, p.OrgID, o.ID, now); err != nil {
					return err
				}
			case domain.InvitationPending:
				return domain.Errorf(domain.CodeConflict, "%s already has a pending invitation (%s); revoke it to change the role", email, o.ID)
			}
		}
		if err := tx.CreateInvitation(ctx, inv); err != nil {
			return err
		}
		return tx.AddAudit(ctx, domain.IdentityAudit(p, domain.AuditOperationIdentity, domain.AuditCreateInvitation, inv.ID, now))
	})
	return inv, err
}

// ListInvitations lists the organization's invitations, newest first.
func (s *Service) ListInvitations(ctx context.Context, p domain.Principal) ([]domain.Invitation, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return nil, err
	}
	return s.Store.ListInvitations(ctx, p.OrgID)
}

// GetInvitation returns one invitation of the organization.
func (s *Service) GetInvitation(ctx context.Context, p domain.Principal, id string) (domain.Invitation, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.Invitation{}, err
	}
	return s.Store.GetInvitation(ctx, p.OrgID, id)
}

// RevokeInvitation closes a pending invitation. Revoking one that is
// already revoked is a no-op, so the command can be repeated safely.
func (s *Service) RevokeInvitation(ctx context.Context, p domain.Principal, id string) (domain.Invitation, error) {
	if err := domain.RequireAdmin(p); err != nil {
		return domain.Invitation{}, err
	}
	var inv domain.Invitation
	err := s.Store.InTx(ctx, func(tx domain.Tx) error {
		var err error
		if inv, err = tx.GetInvitation(ctx, p.OrgID, id); err != nil {
			return err
		}
		switch inv.State(s.Store.Now()) {
		case domain.InvitationAccepted:
			return domain.Errorf(domain.CodeConflict, "invitation %s was already accepted; remove the member instead", id)
		case domain.InvitationRevoked:
			return nil
		}
		now := s.Store.Now()
		if err := tx.MarkInvitationRevoked(ctx, p.OrgID, id, now); err != nil {
			return err
		}
		if err := tx.AddAudit(ctx, domain.IdentityAudit(p, domain.AuditOperationIdentity, domain.AuditRevokeInvitation, id, now)); err != nil {
			return err
		}
		inv, err = tx.GetInvitation(ctx, p.OrgID, id)
		return err
	})
	return inv, err
}
