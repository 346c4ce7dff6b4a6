package identity

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// TicketTTL is how long a signed-in user has to choose an organization.
const TicketTTL = 15 * time.Minute

// SignInResult says who signed in and where they landed. A user who belongs
// to no organization and has pending invitations lands nowhere yet: Offers
// lists the invitations and Ticket lets them choose, with
// AcceptInvitation or CreateOrganization; Organization and Role are empty.
type SignInResult struct {
	User            domain.User
	Organization    domain.Organization
	Role            domain.Role
	Created         bool
	Offers          []domain.InvitationOffer
	Ticket          string
	TicketExpiresAt time.Time
}

// Pending reports whether the sign-in waits for the user's choice.
func (r SignInResult) Pending() bool { return r.Ticket != "" }

// SignIn finds or creates the user for an external identity. The user is
// found by their GitHub account's id; an email match links a GitHub account
// only to a user who has none, so a second GitHub account with the same
// email never takes over a user. Signing in never joins an organization: a
// user without one gets the choice (Offers, Ticket) when invitations are
// pending, else an organization of their own as admin. An existing member
// who signs in to accept another organization's invitation (invitationID)
// is refused: an email belongs to one organization.
func (s *Service) SignIn(ctx context.Context, id domain.ExternalIdentity, invitationID string) (SignInResult, error) {
	email, err := domain.NormalizeEmail(id.Email)
	if err != nil {
		return SignInResult{}, err
	}
	if id.GitHubID == 0 {
		return SignInResult{}, domain.Errorf(domain.CodeUnauthorized, "the sign-in provider named no account; start again")
	}
	var res SignInResult
	err = s.Store.InTx(ctx, func(tx domain.Tx) error {
		now := s.Store.Now()
		u, err := s.findUser(ctx, tx, id, email)
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
				if inv, ok := findPending(ctx, tx, u.Email, invitationID, now); ok && inv.OrgID != m.OrgID {
					org, _ := tx.GetOrganization(ctx, m.OrgID)
					return domain.Errorf(domain.CodeConflict,
						"%s already belongs to organization %q and an email belongs to one organization only; ask an admin of %q to remove you before accepting this invitation",
						u.Email, org.Name, org.Name)
				}
			}
		case domain.IsNotFound(err):
			if res.Offers, err = offers(ctx, tx, u.Email, now); err != nil {
				return err
			}
			if len(res.Offers) > 0 {
				res.Ticket, res.TicketExpiresAt = domain.NewTokenSecret(), now.Add(TicketTTL)
				return tx.CreateSignInTicket(ctx, domain.SignInTicket{Hash: domain.HashToken(res.Ticket), UserID: u.ID, CreatedAt: now, ExpiresAt: res.TicketExpiresAt})
			}
			if m, err = s.ownOrganization(ctx, tx, u); err != nil {
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

// findUser finds the user of a GitHub account: by its id, else by email if
// that user has no GitHub account yet (then the account is linked).
func (s *Service) findUser(ctx context.Context, tx domain.Tx, id domain.ExternalIdentity, email string) (domain.User, error) {
	u, err := tx.GetUserByGitHubID(ctx, id.GitHubID)
	if !domain.IsNotFound(err) {
		return u, err
	}
	u, err = tx.GetUserByEmail(ctx, email)
	if err != nil {
		return u, err
	}
	if u.GitHubID != 0 {
		return u, domain.Errorf(domain.CodeConflict,
			"%s belongs to a user who signs in with another GitHub account; sign in with that account (an email belongs to one GitHub account here)", email)
	}
	u.GitHubID = id.GitHubID
	return u, tx.SetUserGitHubID(ctx, u.ID, id.GitHubID)
}

// Offers lists the invitations a signed-in user may choose from.
func (s *Service) Offers(ctx context.Context, ticket string) (domain.User, []domain.InvitationOffer, error) {
	var u domain.User
	var offered []domain.InvitationOffer
	err := s.Store.InTx(ctx, func(tx domain.Tx) error {
		var err error
		if u, _, err = s.ticketUser(ctx, tx, ticket); err != nil {
			return err
		}
		offered, err = offers(ctx, tx, u.Email, s.Store.Now())
		return err
	})
	return u, offered, err
}

// AcceptInvitation is the signed-in invitee's explicit yes: it joins the
// invitation's organization with its role, and uses the ticket up.
func (s *Service) AcceptInvitation(ctx context.Context, ticket, invitationID string) (SignInResult, error) {
	return s.choose(ctx, ticket, func(tx domain.Tx, u domain.User, now time.Time) (domain.Membership, error) {
		inv, ok := findPending(ctx, tx, u.Email, invitationID, now)
		if !ok || invitationID == "" {
			return domain.Membership{}, domain.Invalid("invitation_id", "pending_invitation",
				fmt.Sprintf("no pending invitation %q for %s; sign in again to see the pending ones", invitationID, u.Email))
		}
		if err := tx.MarkInvitationAccepted(ctx, inv.OrgID, inv.ID, now); err != nil {
			return domain.Membership{}, err
		}
		m := domain.Membership{OrgID: inv.OrgID, UserID: u.ID, Role: inv.Role, CreatedAt: now}
		if err := tx.AddMember(ctx, m); err != nil {
			return domain.Membership{}, err
		}
		p := domain.Principal{OrgID: inv.OrgID, UserID: u.ID, Role: inv.Role}
		return m, tx.AddAudit(ctx, domain.IdentityAudit(p, domain.AuditOperationIdentity, domain.AuditAcceptInvitation, inv.ID, now))
	})
}

// CreateOrganization is the signed-in user's choice of an organization of
// their own instead of the pending invitations; it uses the ticket up.
func (s *Service) CreateOrganization(ctx context.Context, ticket string) (SignInResult, error) {
	return s.choose(ctx, ticket, func(tx domain.Tx, u domain.User, _ time.Time) (domain.Membership, error) {
		return s.ownOrganization(ctx, tx, u)
	})
}

func (s *Service) choose(ctx context.Context, ticket string, join func(domain.Tx, domain.User, time.Time) (domain.Membership, error)) (SignInResult, error) {
	var res SignInResult
	err := s.Store.InTx(ctx, func(tx domain.Tx) error {
		u, hash, err := s.ticketUser(ctx, tx, ticket)
		if err != nil {
			return err
		}
		if _, err := tx.MembershipOf(ctx, u.ID); err == nil {
			return domain.Errorf(domain.CodeConflict, "%s already belongs to an organization; sign in again", u.Email)
		}
		m, err := join(tx, u, s.Store.Now())
		if err != nil {
			return err
		}
		if err := tx.DeleteSignInTicket(ctx, hash); err != nil {
			return err
		}
		res.User, res.Role = u, m.Role
		res.Organization, err = tx.GetOrganization(ctx, m.OrgID)
		return err
	})
	return res, err
}

// ticketUser resolves a ticket secret to its user. Unknown, used and
// expired tickets get the same answer.
func (s *Service) ticketUser(ctx context.Context, tx domain.Tx, ticket string) (domain.User, string, error) {
	denied := domain.Errorf(domain.CodeUnauthorized, "the sign-in ticket is unknown, used or expired; sign in again")
	if ticket == "" {
		return domain.User{}, "", denied
	}
	hash := domain.HashToken(ticket)
	t, err := tx.GetSignInTicket(ctx, hash)
	if domain.IsNotFound(err) || (err == nil && !s.Store.Now().Before(t.ExpiresAt)) {
		return domain.User{}, "", denied
	}
	if err != nil {
		return domain.User{}, "", err
	}
	u, err := tx.GetUser(ctx, t.UserID)
	return u, hash, err
}

// offers lists the pending invitations to email, newest first, with the
// inviting organization and admin.
func offers(ctx context.Context, tx domain.Tx, email string, now time.Time) ([]domain.InvitationOffer, error) {
	invs, err := tx.InvitationsForEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	var out []domain.InvitationOffer
	for _, inv := range invs {
		if inv.State(now) != domain.InvitationPending {
			continue
		}
		o := domain.InvitationOffer{Invitation: inv}
		org, err := tx.GetOrganization(ctx, inv.OrgID)
		if err != nil {
			return nil, err
		}
		o.OrgName = org.Name
		if by, err := tx.GetUser(ctx, inv.CreatedBy); err == nil {
			o.InvitedBy = by.Email
		}
		out = append(out, o)
	}
	return out, nil
}

// ownOrganization creates an organization named after the user's email
// with them as its admin.
func (s *Service) ownOrganization(ctx context.Context, tx domain.Tx, u domain.User) (domain.Membership, error) {
	now := s.Store.Now()
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

// findPending returns the pending invitation for email with the given id.
func findPending(ctx context.Context, tx domain.Tx, email, id string, now time.Time) (domain.Invitation, bool) {
	invs, err := tx.InvitationsForEmail(ctx, email)
	if err != nil {
		return domain.Invitation{}, false
	}
	for _, inv := range invs {
		if inv.State(now) == domain.InvitationPending && inv.ID == id {
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
