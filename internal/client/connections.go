package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/orchestera/orchestera/internal/api"
)

// ExternalID is GET /v1/aws/external-id.
func (c *Client) ExternalID(ctx context.Context) (api.ExternalID, error) {
	return get[api.ExternalID](ctx, c, "/v1/aws/external-id")
}

// RotateExternalID is POST /v1/aws/external-id/rotate.
func (c *Client) RotateExternalID(ctx context.Context) (api.ExternalID, error) {
	return send[api.ExternalID](ctx, c, http.MethodPost, "/v1/aws/external-id/rotate", nil)
}

// CreateConnection is POST /v1/aws-connections.
func (c *Client) CreateConnection(ctx context.Context, roleARN string, regions []string) (api.Connection, error) {
	return send[api.Connection](ctx, c, http.MethodPost, "/v1/aws-connections", map[string]any{"role_arn": roleARN, "regions": regions})
}

// ListConnections is GET /v1/aws-connections.
func (c *Client) ListConnections(ctx context.Context) ([]api.Connection, error) {
	return get[[]api.Connection](ctx, c, "/v1/aws-connections")
}

// GetConnection is GET /v1/aws-connections/{connection_id}.
func (c *Client) GetConnection(ctx context.Context, id string) (api.Connection, error) {
	return get[api.Connection](ctx, c, "/v1/aws-connections/"+url.PathEscape(id))
}

// DeleteConnection is DELETE /v1/aws-connections/{connection_id}.
func (c *Client) DeleteConnection(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/aws-connections/"+url.PathEscape(id), nil, nil)
}

// VerifyConnection is POST /v1/aws-connections/{connection_id}/verify.
func (c *Client) VerifyConnection(ctx context.Context, id string) (api.Connection, error) {
	return send[api.Connection](ctx, c, http.MethodPost, "/v1/aws-connections/"+url.PathEscape(id)+"/verify", nil)
}

// ConnectionEvents is GET /v1/aws-connections/{connection_id}/events.
func (c *Client) ConnectionEvents(ctx context.Context, id string) ([]api.ConnectionEvent, error) {
	return get[[]api.ConnectionEvent](ctx, c, "/v1/aws-connections/"+url.PathEscape(id)+"/events")
}

// AuditQuery filters an audit listing; empty fields match everything.
type AuditQuery struct {
	Connection, Stack, Actor, Cursor string
	Since, Until                     time.Time
	Limit                            int
}

// Audit is GET /v1/audit.
func (c *Client) Audit(ctx context.Context, q AuditQuery) (api.AuditPage, error) {
	v := url.Values{}
	for k, val := range map[string]string{"connection": q.Connection, "stack": q.Stack, "actor": q.Actor, "cursor": q.Cursor} {
		if val != "" {
			v.Set(k, val)
		}
	}
	for k, t := range map[string]time.Time{"since": q.Since, "until": q.Until} {
		if !t.IsZero() {
			v.Set(k, t.UTC().Format(time.RFC3339Nano))
		}
	}
	if q.Limit != 0 {
		v.Set("limit", fmt.Sprint(q.Limit))
	}
	return get[api.AuditPage](ctx, c, "/v1/audit?"+v.Encode())
}
