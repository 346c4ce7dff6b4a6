package domain

import "time"

// Role is a member's role in an organization.
type Role string

// The roles. Admins manage members, invitations and (later) AWS connections
// and stacks; members use what admins set up.
const (
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// Organization owns every other object; each query is scoped by its id.
type Organization struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// User is a person. Their email belongs to one organization at most.
type User struct {
	ID        string
	Email     string
	Name      string
	GitHubID  int64 // 0 when the user never signed in through GitHub
	CreatedAt time.Time
}

// Membership places a user in an organization with a role.
type Membership struct {
	OrgID     string
	UserID    string
	Role      Role
	CreatedAt time.Time
}

// Member is a membership joined with its user, as listings show it.
type Member struct {
	Membership
	Email string
	Name  string
}

// Invitation lets an email join an organization: its invitee signs in and
// accepts it explicitly.
type Invitation struct {
	ID         string
	OrgID      string
	Email      string
	Role       Role
	CreatedBy  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	RevokedAt  *time.Time
}

// InvitationState is derived from an invitation's timestamps.
type InvitationState string

// The invitation states.
const (
	InvitationPending  InvitationState = "pending"
	InvitationAccepted InvitationState = "accepted"
	InvitationRevoked  InvitationState = "revoked"
	InvitationExpired  InvitationState = "expired"
)

// State tells what the invitation is at time now.
func (i Invitation) State(now time.Time) InvitationState {
	switch {
	case i.AcceptedAt != nil:
		return InvitationAccepted
	case i.RevokedAt != nil:
		return InvitationRevoked
	case !now.Before(i.ExpiresAt):
		return InvitationExpired
	}
	return InvitationPending
}

// Token is an API token. Its secret is shown once at creation; only its
// SHA-256 hash is stored.
type Token struct {
	ID         string
	OrgID      string
	UserID     string
	Name       string
	Hash       string
	Prefix     string // the first characters of the secret, to recognise it
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Principal is who a request acts as, resolved from its token.
type Principal struct {
	OrgID   string
	UserID  string
	Role    Role
	TokenID string
}

// IsAdmin reports whether the principal has the admin role.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

// RequireAdmin refuses a principal without the admin role.
func RequireAdmin(p Principal) error {
	if !p.IsAdmin() {
		return Errorf(CodeForbidden, "this needs the admin role in your organization")
	}
	return nil
}

// SignInTicket lets a user who signed in but belongs to no organization yet
// choose one: accept a pending invitation, or create an organization of
// their own. Only its secret's hash is stored; it is used once, and soon.
type SignInTicket struct {
	Hash      string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// InvitationOffer is a pending invitation as its invitee sees it.
type InvitationOffer struct {
	Invitation
	OrgName   string
	InvitedBy string // the inviting admin's email
}
