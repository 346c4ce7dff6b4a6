package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/orchestera/orchestera/internal/api"
)

func secretsPath(stack, namespace string) string {
	return fmt.Sprintf("/v1/stacks/%s/namespaces/%s/secrets", url.PathEscape(stack), url.PathEscape(namespace))
}

// PutSecret is PUT /v1/stacks/{stack}/namespaces/{namespace}/secrets/{alias}.
func (c *Client) PutSecret(ctx context.Context, stack, namespace, alias string, kv map[string]string) (api.Secret, error) {
	return send[api.Secret](ctx, c, http.MethodPut, secretsPath(stack, namespace)+"/"+url.PathEscape(alias), kv)
}

// ListSecrets is GET /v1/stacks/{stack}/namespaces/{namespace}/secrets.
func (c *Client) ListSecrets(ctx context.Context, stack, namespace string) ([]api.Secret, error) {
	return get[[]api.Secret](ctx, c, secretsPath(stack, namespace))
}

// DeleteSecret is DELETE /v1/stacks/{stack}/namespaces/{namespace}/secrets/{alias}.
func (c *Client) DeleteSecret(ctx context.Context, stack, namespace, alias string) error {
	return c.do(ctx, http.MethodDelete, secretsPath(stack, namespace)+"/"+url.PathEscape(alias), nil, nil)
}
