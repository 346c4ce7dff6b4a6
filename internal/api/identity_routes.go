package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
)

type (
	body[T any] struct{ Body T }
	userIDPath  struct {
		UserID string `path:"user_id" doc:"A member's user id (usr_...)"`
	}
	invitationIDPath struct {
		InvitationID string `path:"invitation_id" doc:"An invitation id (inv_...)"`
	}
	createInvitation struct {
		Body struct {
			Email string      `json:"email" doc:"The invitee's email; it may belong to one organization only" example:"ada@example.com"`
			Role  domain.Role `json:"role,omitempty" doc:"admin or member (default member)" example:"member"`
		}
	}
)

func registerIdentity(s *server) {
	huma.Register(s.api, op("whoami", http.MethodGet, "/v1/whoami", "Who the token acts as", "identity", true),
		func(ctx context.Context, _ *struct{}) (*body[Whoami], error) {
			me, err := s.identity.Whoami(ctx, principal(ctx))
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Whoami]{Whoami{User: toUser(me.User), Organization: toOrganization(me.Organization), Role: me.Role, TokenID: me.TokenID}}, nil
		})
	huma.Register(s.api, op("get-organization", http.MethodGet, "/v1/organization", "The caller's organization", "identity", true),
		func(ctx context.Context, _ *struct{}) (*body[Organization], error) {
			o, err := s.identity.Organization(ctx, principal(ctx))
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Organization]{toOrganization(o)}, nil
		})
	registerMembers(s)
	registerInvitations(s)
}

func registerMembers(s *server) {
	huma.Register(s.api, op("list-members", http.MethodGet, "/v1/members", "List the organization's members", "members", true),
		func(ctx context.Context, _ *struct{}) (*body[[]Member], error) {
			ms, err := s.identity.ListMembers(ctx, principal(ctx))
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]Member]{mapSlice(ms, toMember)}, nil
		})
	huma.Register(s.api, op("get-member", http.MethodGet, "/v1/members/{user_id}", "Get one member", "members", true),
		func(ctx context.Context, in *userIDPath) (*body[Member], error) {
			m, err := s.identity.GetMember(ctx, principal(ctx), in.UserID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Member]{toMember(m)}, nil
		})
	o := op("remove-member", http.MethodDelete, "/v1/members/{user_id}", "Remove a member and revoke their tokens (admin)", "members", true)
	o.DefaultStatus = http.StatusNoContent
	huma.Register(s.api, o, func(ctx context.Context, in *userIDPath) (*struct{}, error) {
		if err := s.identity.RemoveMember(ctx, principal(ctx), in.UserID); err != nil {
			return nil, s.fail(ctx, err)
		}
		return nil, nil
	})
}

func registerInvitations(s *server) {
	o := op("create-invitation", http.MethodPost, "/v1/invitations", "Invite an email to the organization (admin)", "invitations", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *createInvitation) (*body[Invitation], error) {
		role := in.Body.Role
		if role == "" {
			role = domain.RoleMember
		}
		inv, err := s.identity.CreateInvitation(ctx, principal(ctx), in.Body.Email, role)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &body[Invitation]{toInvitation(inv, s.Now())}, nil
	})
	huma.Register(s.api, op("list-invitations", http.MethodGet, "/v1/invitations", "List invitations, newest first (admin)", "invitations", true),
		func(ctx context.Context, _ *struct{}) (*body[[]Invitation], error) {
			invs, err := s.identity.ListInvitations(ctx, principal(ctx))
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			now := s.Now()
			return &body[[]Invitation]{mapSlice(invs, func(i domain.Invitation) Invitation { return toInvitation(i, now) })}, nil
		})
	huma.Register(s.api, op("get-invitation", http.MethodGet, "/v1/invitations/{invitation_id}", "Get one invitation (admin)", "invitations", true),
		func(ctx context.Context, in *invitationIDPath) (*body[Invitation], error) {
			inv, err := s.identity.GetInvitation(ctx, principal(ctx), in.InvitationID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Invitation]{toInvitation(inv, s.Now())}, nil
		})
	huma.Register(s.api, op("revoke-invitation", http.MethodDelete, "/v1/invitations/{invitation_id}", "Revoke a pending invitation (admin); repeating it is a no-op", "invitations", true),
		func(ctx context.Context, in *invitationIDPath) (*body[Invitation], error) {
			inv, err := s.identity.RevokeInvitation(ctx, principal(ctx), in.InvitationID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Invitation]{toInvitation(inv, s.Now())}, nil
		})
}
