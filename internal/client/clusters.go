package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/orchestera/orchestera/internal/api"
)

func nsPath(stack, namespace string) string {
	return "/v1/stacks/" + url.PathEscape(stack) + "/namespaces/" + url.PathEscape(namespace)
}

// AttachStack is POST /v1/stacks/attach.
func (c *Client) AttachStack(ctx context.Context, req api.AttachStackRequest) (api.Stack, error) {
	return send[api.Stack](ctx, c, http.MethodPost, "/v1/stacks/attach", req)
}

// DeleteNamespace is DELETE /v1/stacks/{stack}/namespaces/{namespace}.
func (c *Client) DeleteNamespace(ctx context.Context, stack, namespace string) error {
	_, err := send[struct{}](ctx, c, http.MethodDelete, nsPath(stack, namespace), nil)
	return err
}

// NamespaceToken is POST /v1/stacks/{stack}/namespaces/{namespace}/token.
func (c *Client) NamespaceToken(ctx context.Context, stack, namespace string) (api.ClusterToken, error) {
	return send[api.ClusterToken](ctx, c, http.MethodPost, nsPath(stack, namespace)+"/token", nil)
}

// SyncStack is POST /v1/stacks/{stack}/sync.
func (c *Client) SyncStack(ctx context.Context, stack string) (api.SyncStatus, error) {
	return send[api.SyncStatus](ctx, c, http.MethodPost, "/v1/stacks/"+url.PathEscape(stack)+"/sync", nil)
}

// ListDatasources is GET /v1/stacks/{stack}/datasources.
func (c *Client) ListDatasources(ctx context.Context, stack, namespace string) ([]api.Datasource, error) {
	q := ""
	if namespace != "" {
		q = "?namespace=" + url.QueryEscape(namespace)
	}
	return get[[]api.Datasource](ctx, c, "/v1/stacks/"+url.PathEscape(stack)+"/datasources"+q)
}

// PutDatasource is PUT /v1/stacks/{stack}/namespaces/{namespace}/datasources/{name}.
func (c *Client) PutDatasource(ctx context.Context, stack, namespace, name string, req api.DatasourceRequest) (api.Datasource, error) {
	return send[api.Datasource](ctx, c, http.MethodPut, nsPath(stack, namespace)+"/datasources/"+url.PathEscape(name), req)
}

// DeleteDatasource is DELETE /v1/stacks/{stack}/namespaces/{namespace}/datasources/{name}.
func (c *Client) DeleteDatasource(ctx context.Context, stack, namespace, name string) error {
	_, err := send[struct{}](ctx, c, http.MethodDelete, nsPath(stack, namespace)+"/datasources/"+url.PathEscape(name), nil)
	return err
}

// StartNotebook is POST /v1/stacks/{stack}/namespaces/{namespace}/notebooks.
func (c *Client) StartNotebook(ctx context.Context, stack, namespace, name, image string, secrets []string) (api.Notebook, error) {
	return send[api.Notebook](ctx, c, http.MethodPost, nsPath(stack, namespace)+"/notebooks",
		map[string]any{"name": name, "image": image, "pull_secrets_from": secrets})
}

// ListNotebooks is GET /v1/stacks/{stack}/namespaces/{namespace}/notebooks.
func (c *Client) ListNotebooks(ctx context.Context, stack, namespace string) ([]api.Notebook, error) {
	return get[[]api.Notebook](ctx, c, nsPath(stack, namespace)+"/notebooks")
}

// StopNotebook is DELETE /v1/stacks/{stack}/namespaces/{namespace}/notebooks/{notebook}.
func (c *Client) StopNotebook(ctx context.Context, stack, namespace, name string) error {
	_, err := send[struct{}](ctx, c, http.MethodDelete, nsPath(stack, namespace)+"/notebooks/"+url.PathEscape(name), nil)
	return err
}

// ConnectNotebook is POST /v1/stacks/{stack}/namespaces/{namespace}/notebooks/{notebook}/connect.
func (c *Client) ConnectNotebook(ctx context.Context, stack, namespace, name string) (api.NotebookConnection, error) {
	return send[api.NotebookConnection](ctx, c, http.MethodPost, nsPath(stack, namespace)+"/notebooks/"+url.PathEscape(name)+"/connect", nil)
}
