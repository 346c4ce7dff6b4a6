package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/iampolicy"
)

type (
	connectionIDPath struct {
		ConnectionID string `path:"connection_id" doc:"A connection id (conn_...)"`
	}
	createConnection struct {
		Body struct {
			RoleARN string   `json:"role_arn" example:"arn:aws:iam::123456789012:role/OrchesteraAccessRole"`
			Regions []string `json:"regions,omitempty" doc:"Regions stacks may use (default: the server's default region)"`
		}
	}
	auditQuery struct {
		Limit      int       `query:"limit" minimum:"1" maximum:"1000" default:"100"`
		Cursor     string    `query:"cursor" doc:"next_cursor of the previous page"`
		Connection string    `query:"connection" doc:"Only entries of this connection (conn_...)"`
		Stack      string    `query:"stack" doc:"Only calls made for this stack"`
		Actor      string    `query:"actor" doc:"Only entries by this user (usr_...) or token (tok_...)"`
		Since      time.Time `query:"since" doc:"Only entries at or after this time (RFC 3339)"`
		Until      time.Time `query:"until" doc:"Only entries before this time (RFC 3339)"`
	}
)

func registerConnections(s *server) {
	externalID := func(ctx context.Context, id, platform string) *body[ExternalID] {
		return &body[ExternalID]{ExternalID{ExternalID: id, PlatformAccountID: platform, TrustPolicy: iampolicy.TrustPolicy(platform, id).JSON()}}
	}
	huma.Register(s.api, op("get-external-id", http.MethodGet, "/v1/aws/external-id", "The organization's external ID and the trust policy to create (admin)", "aws", true),
		func(ctx context.Context, _ *struct{}) (*body[ExternalID], error) {
			id, platform, err := s.Connections.ExternalID(ctx, principal(ctx))
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return externalID(ctx, id, platform), nil
		})
	huma.Register(s.api, op("rotate-external-id", http.MethodPost, "/v1/aws/external-id/rotate", "Rotate the external ID (admin); every connection must be verified again", "aws", true),
		func(ctx context.Context, _ *struct{}) (*body[ExternalID], error) {
			p := principal(ctx)
			if _, err := s.Connections.RotateExternalID(ctx, p); err != nil {
				return nil, s.fail(ctx, err)
			}
			id, platform, err := s.Connections.ExternalID(ctx, p)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return externalID(ctx, id, platform), nil
		})
	o := op("create-connection", http.MethodPost, "/v1/aws-connections", "Register an OrchesteraAccessRole (admin)", "aws", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *createConnection) (*body[Connection], error) {
		c, err := s.Connections.Create(ctx, principal(ctx), in.Body.RoleARN, in.Body.Regions)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &body[Connection]{toConnection(c, nil)}, nil
	})
	huma.Register(s.api, op("list-connections", http.MethodGet, "/v1/aws-connections", "List AWS connections", "aws", true),
		func(ctx context.Context, _ *struct{}) (*body[[]Connection], error) {
			cs, err := s.Connections.List(ctx, principal(ctx))
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]Connection]{mapSlice(cs, func(c domain.AWSConnection) Connection { return toConnection(c, nil) })}, nil
		})
	huma.Register(s.api, op("get-connection", http.MethodGet, "/v1/aws-connections/{connection_id}", "Get a connection with its latest verification", "aws", true),
		func(ctx context.Context, in *connectionIDPath) (*body[Connection], error) {
			c, v, err := s.Connections.Get(ctx, principal(ctx), in.ConnectionID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Connection]{toConnection(c, v)}, nil
		})
	o = op("delete-connection", http.MethodDelete, "/v1/aws-connections/{connection_id}", "Delete a connection (admin); its audit entries stay", "aws", true)
	o.DefaultStatus = http.StatusNoContent
	huma.Register(s.api, o, func(ctx context.Context, in *connectionIDPath) (*struct{}, error) {
		if err := s.Connections.Delete(ctx, principal(ctx), in.ConnectionID); err != nil {
			return nil, s.fail(ctx, err)
		}
		return nil, nil
	})
	huma.Register(s.api, op("verify-connection", http.MethodPost, "/v1/aws-connections/{connection_id}/verify", "Verify the role now: every check with its evidence and fix", "aws", true),
		func(ctx context.Context, in *connectionIDPath) (*body[Connection], error) {
			c, v, err := s.Connections.Verify(ctx, principal(ctx), in.ConnectionID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Connection]{toConnection(c, &v)}, nil
		})
	huma.Register(s.api, op("connection-events", http.MethodGet, "/v1/aws-connections/{connection_id}/events", "What happened to a connection", "aws", true),
		func(ctx context.Context, in *connectionIDPath) (*body[[]ConnectionEvent], error) {
			evs, err := s.Connections.Events(ctx, principal(ctx), in.ConnectionID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]ConnectionEvent]{mapSlice(evs, func(e domain.ConnectionEvent) ConnectionEvent {
				return ConnectionEvent{At: e.At, Kind: e.Kind, Message: e.Message}
			})}, nil
		})
	huma.Register(s.api, op("list-audit", http.MethodGet, "/v1/audit", "The audit log, newest first: AWS calls made through the organization's roles and identity actions, each with its actor (admin)", "aws", true),
		func(ctx context.Context, in *auditQuery) (*body[AuditPage], error) {
			f := domain.AuditFilter{ConnectionID: in.Connection, Stack: in.Stack, Actor: in.Actor, Since: in.Since, Until: in.Until, Limit: in.Limit}
			es, next, err := s.Connections.Audit(ctx, principal(ctx), f, in.Cursor)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[AuditPage]{AuditPage{Items: mapSlice(es, toAuditEntry), NextCursor: next}}, nil
		})
}
