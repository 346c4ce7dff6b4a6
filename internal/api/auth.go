package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orchestera/orchestera/internal/domain"
)

const bearerScheme = "bearer"

// secured marks an operation as needing an API token.
var secured = []map[string][]string{{bearerScheme: {}}}

type principalKey struct{}

// principal returns the caller resolved by authenticate. Handlers of secured
// operations always have one.
func principal(ctx context.Context) domain.Principal {
	p, _ := ctx.Value(principalKey{}).(domain.Principal)
	return p
}

// authenticate resolves the bearer token of every secured operation before
// its handler runs; the handler never sees an unauthenticated request.
func (s *server) authenticate(ctx huma.Context, next func(huma.Context)) {
	if len(ctx.Operation().Security) == 0 {
		next(ctx)
		return
	}
	secret, ok := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
	p, err := s.identity.Authenticate(ctx.Context(), strings.TrimSpace(secret))
	if !ok || err != nil {
		status := http.StatusUnauthorized
		msg := "the API token is missing, unknown or revoked; run `orchestera login`"
		if err != nil && domain.ErrorCode(err) != domain.CodeUnauthorized {
			s.log.ErrorContext(ctx.Context(), "authenticating", "err", err, "request_id", requestInfoFrom(ctx.Context()).ID)
			status, msg = http.StatusServiceUnavailable, "cannot check the token right now; retry shortly"
		}
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="orchestera"`)
		huma.WriteErr(s.api, ctx, status, msg)
		return
	}
	requestInfoFrom(ctx.Context()).OrgID = p.OrgID
	next(huma.WithValue(ctx, principalKey{}, p))
}

// fail turns an error from the service into the problem the client sees,
// logging what the client is not told.
func (s *server) fail(ctx context.Context, err error) error {
	p := problemFrom(err)
	p.RequestID = requestInfoFrom(ctx).ID
	if p.Status >= 500 {
		s.log.ErrorContext(ctx, "handling request", "err", err, "request_id", p.RequestID)
	}
	return p
}
