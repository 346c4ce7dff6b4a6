package identity

import (
	"time"

	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

// CreateToken mints a token for the principal's user. The secret is
// returned here and never again.
func (s *Service) CreateToken(ctx context.Context, p domain.Principal, name string) (domain.Token, string, error) {
	if err := domain.ValidateTokenName(name); err != nil {
		return domain.Token{}, "", err
	}
	return mintToken(ctx, s.Store, p.OrgID, p.UserID, name, s.Store.Now())
}

// ListTokens lists the principal's own tokens.
func (s *Service) ListTokens(ctx context.Context, p domain.Principal) ([]domain.Token, error) {
	return s.Store.ListTokens(ctx, p.OrgID, p.UserID)
}

// GetToken returns one of the principal's own tokens.
func (s *Service) GetToken(ctx context.Context, p domain.Principal, id string) (domain.Token, error) {
	t, err := s.Store.GetToken(ctx, p.OrgID, id)
	if err == nil && t.UserID != p.UserID {
		return domain.Token{}, domain.NotFound("token", id)
	}
	return t, err
}

// RevokeToken revokes one of the principal's own tokens; repeating it is a
// no-op.
func (s *Service) RevokeToken(ctx context.Context, p domain.Principal, id string) (domain.Token, error) {
	if _, err := s.GetToken(ctx, p, id); err != nil {
		return domain.Token{}, err
	}
	if err := s.Store.RevokeToken(ctx, p.OrgID, id, s.Store.Now()); err != nil {
		return domain.Token{}, err
	}
	return s.GetToken(ctx, p, id)
}

func mintToken(ctx context.Context, tx domain.TokenRecords, orgID, userID, name string, now time.Time) (domain.Token, string, error) {
	secret := domain.NewTokenSecret()
	t := domain.Token{
		ID: domain.NewID("tok"), OrgID: orgID, UserID: userID, Name: name,
		Hash: domain.HashToken(secret), Prefix: domain.TokenDisplayPrefix(secret), CreatedAt: now,
	}
	if err := tx.CreateToken(ctx, t); err != nil {
		return domain.Token{}, "", err
	}
	return t, secret, nil
}
