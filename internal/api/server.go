package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/orchestera/orchestera/internal/connections"
	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/identity"
	"github.com/orchestera/orchestera/internal/runs"
	"github.com/orchestera/orchestera/internal/secrets"
	"github.com/orchestera/orchestera/internal/stacks"
)

// Pinger is what readiness checks: the store.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config is what the HTTP layer needs; cmd/orchestera wires it.
type Config struct {
	Identity    *identity.Service
	Stacks      *stacks.Service
	Runs        *runs.Service
	Secrets     *secrets.Service
	Connections *connections.Service
	Store       Pinger
	Log         *slog.Logger
	Version     string
	Now         func() time.Time
	// SignIn enables GitHub sign-in (hosted mode); nil in local mode.
	SignIn domain.SignInProvider
	// PublicURL is the server's external base URL, used in hints; an
	// https one makes the sign-in cookie Secure.
	PublicURL string
	// RateLimits bound each token's and each address's requests; zero
	// rates set no limit.
	RateLimits RateLimits
	// Console serves every path the API does not (the web console at /);
	// it shares the API's request ids, access log, metrics and limits.
	Console http.Handler
}

type server struct {
	Config
	api      huma.API
	identity *identity.Service
	log      *slog.Logger
}

// New returns the server's whole HTTP handler.
func New(cfg Config) http.Handler {
	mux := http.NewServeMux()
	api := humago.New(mux, humaConfig(cfg.Version))
	s := &server{Config: cfg, api: api, identity: cfg.Identity, log: cfg.Log}
	api.UseMiddleware(s.authenticate)

	registerHealth(s)
	registerIdentity(s)
	registerTokens(s)
	registerStacks(s)
	registerClusters(s)
	registerNotebooks(s)
	registerRuns(s)
	registerSecrets(s)
	registerConnections(s)
	if cfg.SignIn != nil {
		registerSignIn(s)
	}
	m := newMetrics()
	mux.Handle("GET /metrics", m.handler())
	if cfg.Console != nil {
		mux.Handle("/", cfg.Console)
		// An unknown API path stays a plain 404 for API clients, not a
		// console page or a redirect to its sign-in.
		mux.Handle("/v1/", http.NotFoundHandler())
	}
	return observe(s.limit(mux), cfg.Log, m)
}

func humaConfig(version string) huma.Config {
	c := huma.DefaultConfig("Orchestera API", version)
	c.Info.Description = "Control plane for auto-scaling Apache Spark on Amazon EKS in your own AWS account."
	c.OpenAPIPath = "/openapi"
	c.DocsPath = ""     // the docs UI loads scripts from a CDN; the JSON document is enough
	c.CreateHooks = nil // no $schema links in response bodies
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		bearerScheme: {Type: "http", Scheme: "bearer", Description: "An API token (orch_...) from `orchestera tokens create` or local mode's config."},
	}
	return c
}

// op describes one operation; secured ones need a bearer token.
func op(id, method, path, summary, tag string, secure bool) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}}
	if secure {
		o.Security = secured
		o.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}
	}
	return o
}
