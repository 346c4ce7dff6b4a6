package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
)

// Notebook is a Jupyter server in a namespace.
type Notebook struct {
	Name      string    `json:"name" example:"explore"`
	Stack     string    `json:"stack"`
	Namespace string    `json:"namespace"`
	Image     string    `json:"image"`
	Phase     string    `json:"phase" doc:"The pod's phase: Pending, Running, ..."`
	Ready     bool      `json:"ready" doc:"Jupyter answers"`
	CreatedAt time.Time `json:"created_at"`
}

// NotebookConnection is what `orchestera notebook connect` forwards with.
type NotebookConnection struct {
	Pod                      string    `json:"pod"`
	Port                     int       `json:"port"`
	Token                    string    `json:"token" doc:"The notebook's Jupyter token"`
	Endpoint                 string    `json:"endpoint" doc:"The cluster's API server"`
	CertificateAuthorityData string    `json:"certificate_authority_data,omitempty"`
	AccessToken              string    `json:"access_token" doc:"A namespace-scoped token that may port-forward to the pod"`
	ExpiresAt                time.Time `json:"expires_at"`
}

type (
	startNotebook struct {
		Stack     string `path:"stack" example:"shared"`
		Namespace string `path:"namespace" example:"spark"`
		Body      struct {
			Name            string   `json:"name" example:"explore"`
			Image           string   `json:"image" example:"ghcr.io/acme/etl:1.4"`
			PullSecretsFrom []string `json:"pull_secrets_from,omitempty"`
		}
	}
	notebookPath struct {
		Stack     string `path:"stack" example:"shared"`
		Namespace string `path:"namespace" example:"spark"`
		Notebook  string `path:"notebook" example:"explore"`
	}
)

func registerNotebooks(s *server) {
	o := op("start-notebook", http.MethodPost, "/v1/stacks/{stack}/namespaces/{namespace}/notebooks", "Start a notebook (a Jupyter server with the runtime); repeating it returns the running one", "notebooks", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *startNotebook) (*body[Notebook], error) {
		nb, err := s.Runs.StartNotebook(ctx, principal(ctx), in.Stack, in.Namespace, in.Body.Name, in.Body.Image, in.Body.PullSecretsFrom)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &body[Notebook]{toNotebook(in.Stack, nb)}, nil
	})
	huma.Register(s.api, op("list-notebooks", http.MethodGet, "/v1/stacks/{stack}/namespaces/{namespace}/notebooks", "List a namespace's notebooks", "notebooks", true),
		func(ctx context.Context, in *namespacePath) (*body[[]Notebook], error) {
			nbs, err := s.Runs.Notebooks(ctx, principal(ctx), in.Stack, in.Namespace)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]Notebook]{mapSlice(nbs, func(nb domain.Notebook) Notebook { return toNotebook(in.Stack, nb) })}, nil
		})
	o = op("stop-notebook", http.MethodDelete, "/v1/stacks/{stack}/namespaces/{namespace}/notebooks/{notebook}", "Stop a notebook", "notebooks", true)
	o.DefaultStatus = http.StatusNoContent
	huma.Register(s.api, o, func(ctx context.Context, in *notebookPath) (*struct{}, error) {
		if err := s.Runs.StopNotebook(ctx, principal(ctx), in.Stack, in.Namespace, in.Notebook); err != nil {
			return nil, s.fail(ctx, err)
		}
		return nil, nil
	})
	huma.Register(s.api, op("connect-notebook", http.MethodPost, "/v1/stacks/{stack}/namespaces/{namespace}/notebooks/{notebook}/connect", "What port-forwarding to a notebook needs, with a short-lived namespace token", "notebooks", true),
		func(ctx context.Context, in *notebookPath) (*body[NotebookConnection], error) {
			p := principal(ctx)
			a, err := s.Runs.NotebookAccess(ctx, p, in.Stack, in.Namespace, in.Notebook)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			t, err := s.Stacks.Token(ctx, p, in.Stack, in.Namespace)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[NotebookConnection]{NotebookConnection{Pod: a.Pod, Port: a.Port, Token: a.Token, Endpoint: t.Endpoint,
				CertificateAuthorityData: base64.StdEncoding.EncodeToString(t.CA), AccessToken: t.Token, ExpiresAt: t.Expires}}, nil
		})
}

func toNotebook(stack string, nb domain.Notebook) Notebook {
	return Notebook{Name: nb.Name, Stack: stack, Namespace: nb.Namespace, Image: nb.Image, Phase: nb.Phase, Ready: nb.Ready, CreatedAt: nb.CreatedAt}
}
