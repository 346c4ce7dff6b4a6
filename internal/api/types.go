package api

import (
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// The wire types. They are separate from the domain so the API can keep its
// shape while the domain changes, and so secrets (hashes) never leak out.

// Organization is an organization as the API shows it.
type Organization struct {
	ID        string    `json:"id" example:"org_3f5qw2k7xlmaa4zd"`
	Name      string    `json:"name" example:"personal"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a user as the API shows it.
type User struct {
	ID    string `json:"id" example:"usr_ab12cd34ef56gh78"`
	Email string `json:"email" example:"ada@example.com"`
	Name  string `json:"name"`
}

// Whoami answers GET /v1/whoami.
type Whoami struct {
	User         User         `json:"user"`
	Organization Organization `json:"organization"`
	Role         domain.Role  `json:"role" enum:"admin,member"`
	TokenID      string       `json:"token_id"`
}

// Member is a user's membership.
type Member struct {
	UserID   string      `json:"user_id"`
	Email    string      `json:"email"`
	Name     string      `json:"name"`
	Role     domain.Role `json:"role" enum:"admin,member"`
	JoinedAt time.Time   `json:"joined_at"`
}

// Invitation is an invitation with its derived state.
type Invitation struct {
	ID         string                 `json:"id" example:"inv_ab12cd34ef56gh78"`
	Email      string                 `json:"email"`
	Role       domain.Role            `json:"role" enum:"admin,member"`
	State      domain.InvitationState `json:"state" enum:"pending,accepted,revoked,expired"`
	CreatedBy  string                 `json:"created_by"`
	CreatedAt  time.Time              `json:"created_at"`
	ExpiresAt  time.Time              `json:"expires_at"`
	AcceptedAt *time.Time             `json:"accepted_at,omitempty"`
	RevokedAt  *time.Time             `json:"revoked_at,omitempty"`
}

// Token is an API token without its secret.
type Token struct {
	ID         string     `json:"id" example:"tok_ab12cd34ef56gh78"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"First characters of the secret, to recognise it"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty" doc:"Recorded at most once a minute"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// NewToken is a freshly created token: the only time its secret is shown.
type NewToken struct {
	Token
	Secret string `json:"secret" doc:"The token itself; it is shown only once"`
}

// SignedIn answers a GitHub sign-in. A user who belongs to no organization
// and has pending invitations gets no token yet but a choice: accept one
// invitation, or create an organization of their own.
type SignedIn struct {
	User         User          `json:"user"`
	Organization *Organization `json:"organization,omitempty"`
	Role         domain.Role   `json:"role,omitempty" enum:"admin,member"`
	NewUser      bool          `json:"new_user"`
	Token        string        `json:"token,omitempty" doc:"An API token for the CLI, shown once"`
	Choice       *SignInChoice `json:"choice,omitempty" doc:"Pending invitations to accept explicitly, instead of a token"`
	Next         string        `json:"next" doc:"What to do next"`
}

// SignInChoice is what a signed-in user without an organization chooses
// from, with the ticket that lets them choose once.
type SignInChoice struct {
	Ticket      string            `json:"ticket" doc:"Proves this sign-in to accept-invitation or create-organization; used once"`
	ExpiresAt   time.Time         `json:"expires_at"`
	Invitations []InvitationOffer `json:"invitations"`
}

// InvitationOffer is a pending invitation as its invitee sees it.
type InvitationOffer struct {
	ID           string      `json:"id" example:"inv_ab12cd34ef56gh78"`
	Organization string      `json:"organization" doc:"The inviting organization's name"`
	Role         domain.Role `json:"role" enum:"admin,member"`
	InvitedBy    string      `json:"invited_by" doc:"The inviting admin's email"`
	ExpiresAt    time.Time   `json:"expires_at"`
}

func toOffer(o domain.InvitationOffer) InvitationOffer {
	return InvitationOffer{ID: o.ID, Organization: o.OrgName, Role: o.Role, InvitedBy: o.InvitedBy, ExpiresAt: o.ExpiresAt}
}

func toOrganization(o domain.Organization) Organization {
	return Organization{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt}
}

func toUser(u domain.User) User { return User{ID: u.ID, Email: u.Email, Name: u.Name} }

func toMember(m domain.Member) Member {
	return Member{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role, JoinedAt: m.CreatedAt}
}

func toInvitation(i domain.Invitation, now time.Time) Invitation {
	return Invitation{
		ID: i.ID, Email: i.Email, Role: i.Role, State: i.State(now), CreatedBy: i.CreatedBy,
		CreatedAt: i.CreatedAt, ExpiresAt: i.ExpiresAt, AcceptedAt: i.AcceptedAt, RevokedAt: i.RevokedAt,
	}
}

func toToken(t domain.Token) Token {
	return Token{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}
