package identity

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

// Local mode's fixed names: one organization, one admin, on this machine.
const (
	LocalOrgName   = "personal"
	LocalUserEmail = "admin@localhost.localdomain"
	LocalTokenName = "local-cli"
)

// EnsureLocal prepares local mode and returns the local organization's id
// and a token secret for the client config. On first start it creates the
// organization "personal" and its admin. When configToken still acts as the
// local admin nothing is minted and the secret is ""; otherwise a fresh
// token is minted, so a lost or revoked config heals on the next start.
func (s *Service) EnsureLocal(ctx context.Context, configToken string) (orgID, secret string, err error) {
	if configToken != "" {
		if p, err := s.Authenticate(ctx, configToken); err == nil && p.IsAdmin() {
			if u, err := s.Store.GetUser(ctx, p.UserID); err == nil && u.Email == LocalUserEmail {
				return p.OrgID, "", nil
			}
		}
	}
	err = s.Store.InTx(ctx, func(tx domain.Tx) error {
		now := s.Store.Now()
		u, err := tx.GetUserByEmail(ctx, LocalUserEmail)
		if domain.IsNotFound(err) {
			n, err := tx.CountUsers(ctx)
			if err != nil {
				return err
			}
			if n > 0 {
				return domain.Errorf(domain.CodeConflict, "this database already has users but no local admin; start the server in hosted mode or use another --home")
			}
			u = domain.User{ID: domain.NewID("usr"), Email: LocalUserEmail, Name: "Local admin", CreatedAt: now}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			org := domain.Organization{ID: domain.NewID("org"), Name: LocalOrgName, CreatedAt: now}
			if err := createOrgWithAdmin(ctx, tx, org, u); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		m, err := tx.MembershipOf(ctx, u.ID)
		if err != nil {
			return err
		}
		orgID = m.OrgID
		_, secret, err = mintToken(ctx, tx, domain.Principal{OrgID: m.OrgID, UserID: u.ID, Role: m.Role}, LocalTokenName, now)
		return err
	})
	return orgID, secret, err
}

// LocalAdmin is local mode's admin as a principal with no token yet: the
// console signs a browser on this machine in as them.
func (s *Service) LocalAdmin(ctx context.Context) (domain.Principal, error) {
	u, err := s.Store.GetUserByEmail(ctx, LocalUserEmail)
	if err != nil {
		return domain.Principal{}, err
	}
	m, err := s.Store.MembershipOf(ctx, u.ID)
	if err != nil {
		return domain.Principal{}, err
	}
	return domain.Principal{OrgID: m.OrgID, UserID: u.ID, Role: m.Role}, nil
}
