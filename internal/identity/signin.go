package identity

import (
	"time"

	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

// SignInResult says who signed in and whether this was their first time.
type SignInResult struct {
	User         domain.User
	Organization domain.Organization
	Role         domain.Role
	Created      bool
}

// SignIn finds or creates the user for an external identity. A new user
// joins the organization whose pending invitation for their email is newest
// (or invitationID, when given), or else gets a new organization of their
// own as admin. An existing member who tries to accept an invitation to
// another organization is refused: an email belongs to one organization.
func (s *Service) SignIn(ctx context.Context, id domain.ExternalIdentity, invitationID string) (SignInResult, error) {
	email, err := domain.NormalizeEmail(id.Email)
	if err != nil {
		return SignInResult{}, err
	}
	var res SignInResult
	err = s.Store.InTx(ctx, func(tx domain.Tx) error {
		now := s.Store.Now()
		u, err := tx.GetUserByGitHubID(ctx, id.GitHubID)
		if domain.IsNotFound(err) {
			u, err = tx.GetUserByEmail(ctx, email)
			if err == nil {
				err = tx.SetUserGitHubID(ctx, u.ID, id.GitHubID)
			}
		}
		if domain.IsNotFound(err) {
			res.Created = true
			u = domain.User{ID: domain.NewID("usr"), Email: email, Name: displayName(id), GitHubID: id.GitHubID, CreatedAt: now}
			err = tx.CreateUser(ctx, u)
		}
		if err != nil {
			return err
		}
		res.User = u
		m, err := tx.MembershipOf(ctx, u.ID)
		switch {
		case err == nil:
			if invitationID != "" {
				if inv, ok := findPending(ctx, tx, email, invitationID, now); ok && inv.OrgID != m.OrgID {
					org, _ := tx.GetOrganization(ctx, m.OrgID)
					return domain.Errorf(domain.CodeConflict,
						"%s already belongs to organization %q and an email belongs to one organization only; ask an admin of %q to remove you before accepting this invitation",
						email, org.Name, org.Name)
				}
			}
		case domain.IsNotFound(err):
			if m, err = s.join(ctx, tx, u, invitationID); err != nil {
				return err
			}
		default:
			return err
		}
		res.Role = m.Role
		res.Organization, err = tx.GetOrganization(ctx, m.OrgID)
		return err
	})
	return res, err
}

// join places a user without an organization: by invitation if one is
// pending, else in a new organization named after their login.
func (s *Service) join(ctx context.Context, tx domain.Tx, u domain.User, invitationID string) (domain.Membership, error) {
	now := s.Store.Now()
	if inv, ok := findPending(ctx, tx, u.Email, invitationID, now); ok {
		if err := tx.MarkInvitationAccepted(ctx, inv.OrgID, inv.ID, now); err != nil {
			return domain.Membership{}, err
		}
		m := domain.Membership{OrgID: inv.OrgID, UserID: u.ID, Role: inv.Role, CreatedAt: now}
		return m, tx.AddMember(ctx, m)
	}
	name, err := freeOrgName(ctx, tx, u.Email)
	if err != nil {
		return domain.Membership{}, err
	}
	org := domain.Organization{ID: domain.NewID("org"), Name: name, CreatedAt: now}
	if err := createOrgWithAdmin(ctx, tx, org, u); err != nil {
		return domain.Membership{}, err
	}
	return domain.Membership{OrgID: org.ID, UserID: u.ID, Role: domain.RoleAdmin, CreatedAt: now}, nil
}

// findPending returns the pending invitation for email with the given id,
// or the newest pending one when id is empty.
func findPending(ctx context.Context, tx domain.Tx, email, id string, now time.Time) (domain.Invitation, bool) {
	invs, err := tx.InvitationsForEmail(ctx, email)
	if err != nil {
		return domain.Invitation{}, false
	}
	for _, inv := range invs {
		if inv.State(now) == domain.InvitationPending && (id == "" || inv.ID == id) {
			return inv, true
		}
	}
	return domain.Invitation{}, false
}

var notLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// freeOrgName derives a valid, unused organization name from an email.
func freeOrgName(ctx context.Context, tx domain.Tx, email string) (string, error) {
	base := notLabel.ReplaceAllString(strings.ToLower(strings.SplitN(email, "@", 2)[0]), "-")
	base = strings.Trim(base, "-")
	if len(base) > 30 {
		base = base[:30]
	}
	if domain.ValidateOrgName(base) != nil {
		base = "org-" + strings.Trim(base, "-")
		base = strings.TrimRight(base, "-")
	}
	for i := 1; i < 100; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		if domain.ValidateOrgName(name) != nil {
			continue
		}
		taken, err := tx.OrganizationNameTaken(ctx, name)
		if err != nil {
			return "", err
		}
		if !taken {
			return name, nil
		}
	}
	return strings.Replace(domain.NewID("org"), "_", "-", 1), nil
}

func displayName(id domain.ExternalIdentity) string {
	if id.Name != "" {
		return id.Name
	}
	return id.Login
}
