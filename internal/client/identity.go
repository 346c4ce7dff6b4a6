package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/domain"
)

// Whoami is GET /v1/whoami.
func (c *Client) Whoami(ctx context.Context) (api.Whoami, error) {
	return get[api.Whoami](ctx, c, "/v1/whoami")
}

// Organization is GET /v1/organization.
func (c *Client) Organization(ctx context.Context) (api.Organization, error) {
	return get[api.Organization](ctx, c, "/v1/organization")
}

// ListMembers is GET /v1/members.
func (c *Client) ListMembers(ctx context.Context) ([]api.Member, error) {
	return get[[]api.Member](ctx, c, "/v1/members")
}

// RemoveMember is DELETE /v1/members/{user_id}.
func (c *Client) RemoveMember(ctx context.Context, userID string) error {
	return c.do(ctx, http.MethodDelete, "/v1/members/"+url.PathEscape(userID), nil, nil)
}

// CreateInvitation is POST /v1/invitations.
func (c *Client) CreateInvitation(ctx context.Context, email string, role domain.Role) (api.Invitation, error) {
	return send[api.Invitation](ctx, c, http.MethodPost, "/v1/invitations", map[string]any{"email": email, "role": role})
}

// ListInvitations is GET /v1/invitations.
func (c *Client) ListInvitations(ctx context.Context) ([]api.Invitation, error) {
	return get[[]api.Invitation](ctx, c, "/v1/invitations")
}

// RevokeInvitation is DELETE /v1/invitations/{invitation_id}.
func (c *Client) RevokeInvitation(ctx context.Context, id string) (api.Invitation, error) {
	return send[api.Invitation](ctx, c, http.MethodDelete, "/v1/invitations/"+url.PathEscape(id), nil)
}

// CreateToken is POST /v1/tokens.
func (c *Client) CreateToken(ctx context.Context, name string) (api.NewToken, error) {
	return send[api.NewToken](ctx, c, http.MethodPost, "/v1/tokens", map[string]any{"name": name})
}

// ListTokens is GET /v1/tokens.
func (c *Client) ListTokens(ctx context.Context) ([]api.Token, error) {
	return get[[]api.Token](ctx, c, "/v1/tokens")
}

// RevokeToken is DELETE /v1/tokens/{token_id}.
func (c *Client) RevokeToken(ctx context.Context, id string) (api.Token, error) {
	return send[api.Token](ctx, c, http.MethodDelete, "/v1/tokens/"+url.PathEscape(id), nil)
}

// SignInChoice is POST /auth/github/choice: the invitations a sign-in's
// ticket may accept.
func (c *Client) SignInChoice(ctx context.Context, ticket string) (api.SignedIn, error) {
	return send[api.SignedIn](ctx, c, http.MethodPost, "/auth/github/choice", map[string]any{"ticket": ticket})
}

// AcceptInvitation is POST /auth/github/accept-invitation.
func (c *Client) AcceptInvitation(ctx context.Context, ticket, invitationID, tokenName string) (api.SignedIn, error) {
	return send[api.SignedIn](ctx, c, http.MethodPost, "/auth/github/accept-invitation",
		map[string]any{"ticket": ticket, "invitation_id": invitationID, "token_name": tokenName})
}

// CreateOrganization is POST /auth/github/create-organization.
func (c *Client) CreateOrganization(ctx context.Context, ticket, tokenName string) (api.SignedIn, error) {
	return send[api.SignedIn](ctx, c, http.MethodPost, "/auth/github/create-organization", map[string]any{"ticket": ticket, "token_name": tokenName})
}
