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

// Service implements the identity rules on a store.
type Service struct {
	store domain.Store
	now   func() time.Time
	log   *slog.Logger

	mu      sync.Mutex
	touched map[string]time.Time // token id -> last recorded use
}

// New returns a Service. now is injected so tests control time.
func New(store domain.Store, now func() time.Time, log *slog.Logger) *Service {
	return &Service{store: store, now: now, log: log, touched: map[string]time.Time{}}
}

// clock returns the current time at the store's resolution.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Authenticate resolves a presented token secret to a principal. Unknown,
// revoked and orphaned (user removed) tokens all get the same answer.
func (s *Service) Authenticate(ctx context.Context, secret string) (domain.Principal, error) {
	denied := domain.Errorf(domain.CodeUnauthorized, "the API token is missing, unknown or revoked; run `orchestera login`")
	if secret == "" {
		return domain.Principal{}, denied
	}
	t, role, err := s.store.ResolveToken(ctx, domain.HashToken(secret))
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
	now := s.clock()
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
	if err := s.store.TouchToken(ctx, tokenID, now); err != nil {
		s.log.WarnContext(ctx, "recording token use", "token_id", tokenID, "err", err)
	}
}

func requireAdmin(p domain.Principal) error {
	if !p.IsAdmin() {
		return domain.Errorf(domain.CodeForbidden, "this needs the admin role in your organization")
	}
	return nil
}
