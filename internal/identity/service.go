package identity

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// InvitationTTL is how long an invitation stays open.
const InvitationTTL = 7 * 24 * time.Hour

// touchInterval bounds how often a token's last-used time is written, so an
// authenticated read does not become a database write.
const touchInterval = time.Minute

// Config is what the service needs.
type Config struct {
	Store domain.IdentityStore // its clock is the service's: tests give it a fake one
	Log   *slog.Logger
}

// Service implements the identity rules.
type Service struct {
	Config

	mu      sync.Mutex
	touched map[string]time.Time // token id -> last recorded use
}

// New returns a Service.
func New(cfg Config) *Service {
	return &Service{Config: cfg, touched: map[string]time.Time{}}
}

// Authenticate resolves a presented token secret to a principal. Unknown,
// revoked and orphaned (user removed) tokens all get the same answer.
func (s *Service) Authenticate(ctx context.Context, secret string) (domain.Principal, error) {
	denied := domain.Errorf(domain.CodeUnauthorized, "the API token is missing, unknown or revoked; run `orchestera login`")
	if secret == "" {
		return domain.Principal{}, denied
	}
	t, role, err := s.Store.ResolveToken(ctx, domain.HashToken(secret))
	if domain.IsNotFound(err) || (err == nil && t.RevokedAt != nil) {
		return domain.Principal{}, denied
	}
	if err != nil {
		return domain.Principal{}, err
	}
	s.touch(ctx, t.ID)
	return domain.Principal{OrgID: t.OrgID, UserID: t.UserID, Role: role, TokenID: t.ID}, nil
}

// touch records a token's use at most once per touchInterval. A failure is
// logged, not returned: last-used time must not block the request.
func (s *Service) touch(ctx context.Context, tokenID string) {
	now := s.Store.Now()
	s.mu.Lock()
	last, ok := s.touched[tokenID]
	fresh := ok && now.Sub(last) < touchInterval
	if !fresh {
		s.touched[tokenID] = now
	}
	s.mu.Unlock()
	if fresh {
		return
	}
	if err := s.Store.TouchToken(ctx, tokenID, now); err != nil {
		s.Log.WarnContext(ctx, "recording token use", "token_id", tokenID, "err", err)
	}
}
