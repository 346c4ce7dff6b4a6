package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/orchestera/orchestera/internal/api"
	"github.com/orchestera/orchestera/internal/domain"
)

// ListStacks is GET /v1/stacks.
func (c *Client) ListStacks(ctx context.Context) ([]api.Stack, error) {
	return get[[]api.Stack](ctx, c, "/v1/stacks")
}

// GetStack is GET /v1/stacks/{stack}.
func (c *Client) GetStack(ctx context.Context, name string) (api.Stack, error) {
	return get[api.Stack](ctx, c, "/v1/stacks/"+url.PathEscape(name))
}

// ListNamespaces is GET /v1/stacks/{stack}/namespaces.
func (c *Client) ListNamespaces(ctx context.Context, stack string) ([]api.Namespace, error) {
	return get[[]api.Namespace](ctx, c, "/v1/stacks/"+url.PathEscape(stack)+"/namespaces")
}

// CreateNamespace is POST /v1/stacks/{stack}/namespaces.
func (c *Client) CreateNamespace(ctx context.Context, stack, name string) (api.Namespace, error) {
	return send[api.Namespace](ctx, c, http.MethodPost, "/v1/stacks/"+url.PathEscape(stack)+"/namespaces", map[string]any{"name": name})
}

// SubmitRun is POST /v1/stacks/{stack}/namespaces/{namespace}/runs; the
// same idempotencyKey always yields the same run, so it is safe to retry.
func (c *Client) SubmitRun(ctx context.Context, stack, namespace, idempotencyKey string, spec domain.RunSpec) (api.Run, error) {
	var out api.Run
	path := fmt.Sprintf("/v1/stacks/%s/namespaces/%s/runs", url.PathEscape(stack), url.PathEscape(namespace))
	err := c.doHeader(ctx, http.MethodPost, path, map[string]string{"Idempotency-Key": idempotencyKey}, spec, &out)
	return out, err
}

// RunQuery filters a run listing.
type RunQuery struct {
	Stack, Namespace, State, Application, Cursor string
	Limit                                        int
}

// ListRuns is GET /v1/runs.
func (c *Client) ListRuns(ctx context.Context, q RunQuery) (api.RunPage, error) {
	v := url.Values{}
	for k, val := range map[string]string{"stack": q.Stack, "namespace": q.Namespace, "state": q.State, "application": q.Application, "cursor": q.Cursor} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if q.Limit != 0 {
		v.Set("limit", fmt.Sprint(q.Limit))
	}
	return get[api.RunPage](ctx, c, "/v1/runs?"+v.Encode())
}

// GetRun is GET /v1/runs/{run_id}.
func (c *Client) GetRun(ctx context.Context, id string) (api.Run, error) {
	return get[api.Run](ctx, c, "/v1/runs/"+url.PathEscape(id))
}

// CancelRun is POST /v1/runs/{run_id}/cancel.
func (c *Client) CancelRun(ctx context.Context, id string) (api.Run, error) {
	return send[api.Run](ctx, c, http.MethodPost, "/v1/runs/"+url.PathEscape(id)+"/cancel", nil)
}

// LogQuery says which part of a run's log to read.
type LogQuery struct {
	Follow bool      // keep reading while the run is live
	Offset int64     // skip this many bytes
	Tail   *int      // start with the last this many lines
	Since  time.Time // start with what was written since
}

// RunLogs copies a run's log to w; with Follow it returns when the run has
// ended and its log is drained. It returns the offset in the whole log of
// the first byte it copied and how many it copied, also when the stream
// broke, so a follower can resume at start+n.
func (c *Client) RunLogs(ctx context.Context, id string, q LogQuery, w io.Writer) (start, n int64, err error) {
	v := url.Values{"follow": {fmt.Sprint(q.Follow)}}
	if q.Offset > 0 {
		v.Set("offset", fmt.Sprint(q.Offset))
	}
	if q.Tail != nil {
		v.Set("tail", fmt.Sprint(*q.Tail))
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	resp, err := c.raw(ctx, http.MethodGet, fmt.Sprintf("/v1/runs/%s/logs?%s", url.PathEscape(id), v.Encode()), nil, nil)
	if err != nil {
		return q.Offset, 0, err
	}
	defer resp.Body.Close()
	start = q.Offset
	if h := resp.Header.Get("X-Log-Offset"); h != "" {
		fmt.Sscan(h, &start)
	}
	n, err = io.Copy(w, resp.Body)
	return start, n, err
}

// CreateStack is POST /v1/stacks.
func (c *Client) CreateStack(ctx context.Context, req api.CreateStackRequest) (api.Stack, error) {
	return send[api.Stack](ctx, c, http.MethodPost, "/v1/stacks", req)
}

// StackEvents is GET /v1/stacks/{stack}/events.
func (c *Client) StackEvents(ctx context.Context, name string, after time.Time) ([]api.StackEvent, error) {
	q := ""
	if !after.IsZero() {
		q = "?after=" + url.QueryEscape(after.UTC().Format(time.RFC3339Nano))
	}
	return get[[]api.StackEvent](ctx, c, "/v1/stacks/"+url.PathEscape(name)+"/events"+q)
}

// StackAction is POST /v1/stacks/{stack}/provision or .../destroy.
func (c *Client) StackAction(ctx context.Context, name, action string) (api.Stack, error) {
	return send[api.Stack](ctx, c, http.MethodPost, "/v1/stacks/"+url.PathEscape(name)+"/"+action, nil)
}

// DeleteStack is DELETE /v1/stacks/{stack}.
func (c *Client) DeleteStack(ctx context.Context, name string) error {
	_, err := send[struct{}](ctx, c, http.MethodDelete, "/v1/stacks/"+url.PathEscape(name), nil)
	return err
}

// SetStackConnection is PUT /v1/stacks/{stack}/connection.
func (c *Client) SetStackConnection(ctx context.Context, name, connectionID string) (api.Stack, error) {
	return send[api.Stack](ctx, c, http.MethodPut, "/v1/stacks/"+url.PathEscape(name)+"/connection", map[string]string{"connection_id": connectionID})
}

// PlanStack is GET /v1/stacks/{stack}/plan.
func (c *Client) PlanStack(ctx context.Context, name string) (api.StackPlan, error) {
	return get[api.StackPlan](ctx, c, "/v1/stacks/"+url.PathEscape(name)+"/plan")
}

// StackProgress is GET /v1/stacks/{stack}/progress.
func (c *Client) StackProgress(ctx context.Context, name string) (api.StackProgress, error) {
	return get[api.StackProgress](ctx, c, "/v1/stacks/"+url.PathEscape(name)+"/progress")
}
