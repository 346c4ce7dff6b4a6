package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

type healthOutput struct {
	Body struct {
		Status  string `json:"status" example:"ok"`
		Version string `json:"version"`
	}
}

func registerHealth(s *server) {
	huma.Register(s.api, op("healthz", http.MethodGet, "/healthz", "Liveness: the process serves HTTP", "health", false),
		func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
			out := &healthOutput{}
			out.Body.Status, out.Body.Version = "ok", s.Version
			return out, nil
		})
	huma.Register(s.api, op("readyz", http.MethodGet, "/readyz", "Readiness: the store answers", "health", false),
		func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
			ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			if err := s.Store.Ping(ctx); err != nil {
				s.log.ErrorContext(ctx, "readiness: store ping", "err", err)
				p := newProblem(http.StatusServiceUnavailable, "the store does not answer")
				p.RequestID = requestInfoFrom(ctx).ID
				return nil, p
			}
			out := &healthOutput{}
			out.Body.Status, out.Body.Version = "ok", s.Version
			return out, nil
		})
}
