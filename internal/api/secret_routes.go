package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
)

// Secret is what the API shows of a run secret: never its values.
type Secret struct {
	Stack     string   `json:"stack" example:"local"`
	Namespace string   `json:"namespace" example:"default"`
	Alias     string   `json:"alias" example:"warehouse"`
	Keys      []string `json:"keys" doc:"The key names, sorted; values are never returned" example:"WAREHOUSE_PASSWORD"`
}

type (
	secretsPath struct {
		Stack     string `path:"stack" example:"local"`
		Namespace string `path:"namespace" example:"default"`
	}
	secretPath struct {
		Stack     string `path:"stack" example:"local"`
		Namespace string `path:"namespace" example:"default"`
		Alias     string `path:"alias" doc:"The secret's alias, a DNS label; runs pull it with pull_secrets_from" example:"warehouse"`
	}
	putSecret struct {
		Stack     string            `path:"stack" example:"local"`
		Namespace string            `path:"namespace" example:"default"`
		Alias     string            `path:"alias" doc:"The secret's alias, a DNS label; runs pull it with pull_secrets_from" example:"warehouse"`
		Body      map[string]string `doc:"A flat object of strings: each key becomes an environment variable of a run that pulls the alias. Keys the platform reserves (PATH, HOME, PYTHON*, LD_*, JAVA_*, SPARK_*, ORCH_*, ...) are refused."`
	}
)

func registerSecrets(s *server) {
	huma.Register(s.api, op("put-secret", http.MethodPut, "/v1/stacks/{stack}/namespaces/{namespace}/secrets/{alias}",
		"Create or replace a run secret (admin); its values are never returned", "secrets", true),
		func(ctx context.Context, in *putSecret) (*body[Secret], error) {
			info, err := s.Secrets.Put(ctx, principal(ctx), in.Stack, in.Namespace, in.Alias, in.Body)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[Secret]{toSecret(in.Stack)(info)}, nil
		})
	huma.Register(s.api, op("list-secrets", http.MethodGet, "/v1/stacks/{stack}/namespaces/{namespace}/secrets",
		"List a namespace's run secrets: aliases and key names only (admin)", "secrets", true),
		func(ctx context.Context, in *secretsPath) (*body[[]Secret], error) {
			list, err := s.Secrets.List(ctx, principal(ctx), in.Stack, in.Namespace)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]Secret]{mapSlice(list, toSecret(in.Stack))}, nil
		})
	o := op("delete-secret", http.MethodDelete, "/v1/stacks/{stack}/namespaces/{namespace}/secrets/{alias}", "Delete a run secret (admin)", "secrets", true)
	o.DefaultStatus = http.StatusNoContent
	huma.Register(s.api, o, func(ctx context.Context, in *secretPath) (*struct{}, error) {
		if err := s.Secrets.Delete(ctx, principal(ctx), in.Stack, in.Namespace, in.Alias); err != nil {
			return nil, s.fail(ctx, err)
		}
		return nil, nil
	})
}

func toSecret(stack string) func(domain.SecretInfo) Secret {
	return func(i domain.SecretInfo) Secret {
		keys := i.Keys
		if keys == nil {
			keys = []string{}
		}
		return Secret{Stack: stack, Namespace: i.Namespace, Alias: i.Alias, Keys: keys}
	}
}
