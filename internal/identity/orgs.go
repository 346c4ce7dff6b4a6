package identity

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

// Me is what `whoami` shows.
type Me struct {
	User         domain.User
	Organization domain.Organization
	Role         domain.Role
	TokenID      string
}

// Whoami describes the principal.
func (s *Service) Whoami(ctx context.Context, p domain.Principal) (Me, error) {
	u, o, err := s.Store.GetUserInOrganization(ctx, p.OrgID, p.UserID)
	if err != nil {
		return Me{}, err
	}
	return Me{User: u, Organization: o, Role: p.Role, TokenID: p.TokenID}, nil
}

// Organization returns the principal's organization.
func (s *Service) Organization(ctx context.Context, p domain.Principal) (domain.Organization, error) {
	return s.Store.GetOrganization(ctx, p.OrgID)
}

// createOrgWithAdmin writes a new organization, its first user as admin.
func createOrgWithAdmin(ctx context.Context, tx domain.Tx, org domain.Organization, u domain.User) error {
	if err := tx.CreateOrganization(ctx, org); err != nil {
		return err
	}
	return tx.AddMember(ctx, domain.Membership{OrgID: org.ID, UserID: u.ID, Role: domain.RoleAdmin, CreatedAt: org.CreatedAt})
}
