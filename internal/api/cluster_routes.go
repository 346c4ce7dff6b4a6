package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
)

type (
	attachStack struct {
		Body AttachStackRequest
	}
	namespacePath struct {
		Stack     string `path:"stack" doc:"A stack name" example:"shared"`
		Namespace string `path:"namespace" doc:"A namespace of the stack" example:"spark"`
	}
	listDatasources struct {
		Stack     string `path:"stack" doc:"A stack name" example:"shared"`
		Namespace string `query:"namespace" doc:"Only this namespace's"`
	}
	datasourcePath struct {
		Stack     string `path:"stack" example:"shared"`
		Namespace string `path:"namespace" example:"spark"`
		Name      string `path:"name" example:"warehouse"`
	}
	putDatasource struct {
		Stack     string `path:"stack" example:"shared"`
		Namespace string `path:"namespace" example:"spark"`
		Name      string `path:"name" example:"warehouse"`
		Body      DatasourceRequest
	}
)

// registerClusters registers what only cluster stacks (aws-eks, kubernetes)
// have: attaching, namespace removal, kubectl tokens, syncs, datasources.
func registerClusters(s *server) {
	o := op("attach-stack", http.MethodPost, "/v1/stacks/attach", "Attach an existing Kubernetes cluster as a stack, or attach it again with a new credential (admin)", "stacks", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *attachStack) (*body[Stack], error) {
		b := in.Body
		st, err := s.Stacks.Attach(ctx, principal(ctx), b.Name, []byte(b.Kubeconfig), b.Context, b.Namespaces)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &body[Stack]{toStack(st)}, nil
	})
	o = op("delete-namespace", http.MethodDelete, "/v1/stacks/{stack}/namespaces/{namespace}", "Remove a namespace and, on a cluster, delete it with everything in it (admin)", "stacks", true)
	o.DefaultStatus = http.StatusNoContent
	huma.Register(s.api, o, func(ctx context.Context, in *namespacePath) (*struct{}, error) {
		if err := s.Stacks.DeleteNamespace(ctx, principal(ctx), in.Stack, in.Namespace); err != nil {
			return nil, s.fail(ctx, err)
		}
		return nil, nil
	})
	huma.Register(s.api, op("namespace-token", http.MethodPost, "/v1/stacks/{stack}/namespaces/{namespace}/token", "A short-lived token of the namespace's orchestera-user account, for kubectl", "stacks", true),
		func(ctx context.Context, in *namespacePath) (*body[ClusterToken], error) {
			t, err := s.Stacks.Token(ctx, principal(ctx), in.Stack, in.Namespace)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[ClusterToken]{toClusterToken(t)}, nil
		})
	huma.Register(s.api, op("sync-stack", http.MethodPost, "/v1/stacks/{stack}/sync", "Sync the stack's secrets, IAM roles and datasources now (admin)", "stacks", true),
		func(ctx context.Context, in *stackPath) (*body[SyncStatus], error) {
			r, err := s.Stacks.Sync(ctx, principal(ctx), in.Stack)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[SyncStatus]{*toSync(r)}, nil
		})
	huma.Register(s.api, op("list-datasources", http.MethodGet, "/v1/stacks/{stack}/datasources", "List a stack's S3 and JDBC datasources", "datasources", true),
		func(ctx context.Context, in *listDatasources) (*body[[]Datasource], error) {
			ds, err := s.Stacks.Datasources(ctx, principal(ctx), in.Stack, in.Namespace)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]Datasource]{mapSlice(ds, toDatasource)}, nil
		})
	huma.Register(s.api, op("put-datasource", http.MethodPut, "/v1/stacks/{stack}/namespaces/{namespace}/datasources/{name}", "Create or replace a datasource; credentials only by secret alias (admin)", "datasources", true),
		func(ctx context.Context, in *putDatasource) (*body[Datasource], error) {
			b := in.Body
			d, err := s.Stacks.PutDatasource(ctx, principal(ctx), in.Stack, domain.Datasource{Namespace: in.Namespace, Name: in.Name, Kind: b.Kind,
				Bucket: b.Bucket, Region: b.Region, Endpoint: b.Endpoint, URL: b.URL, Driver: b.Driver, SecretAlias: b.Secret})
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Datasource]{toDatasource(d)}, nil
		})
	o = op("delete-datasource", http.MethodDelete, "/v1/stacks/{stack}/namespaces/{namespace}/datasources/{name}", "Remove a datasource (admin)", "datasources", true)
	o.DefaultStatus = http.StatusNoContent
	huma.Register(s.api, o, func(ctx context.Context, in *datasourcePath) (*struct{}, error) {
		if err := s.Stacks.DeleteDatasource(ctx, principal(ctx), in.Stack, in.Namespace, in.Name); err != nil {
			return nil, s.fail(ctx, err)
		}
		return nil, nil
	})
}
