package identity

import (
	"context"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// CreateToken mints a token for the principal's user. The secret is
// returned here and never again.
func (s *Service) CreateToken(ctx context.Context, p domain.Principal, name string) (domain.Token, string, error) {
	if err := domain.ValidateTokenName(name); err != nil {
		return domain.Token{}, "", err
	}
	var t domain.Token
	var secret string
	err := s.Store.InTx(ctx, func(tx domain.Tx) error {
		var err error
		t, secret, err = mintToken(ctx, tx, p, name, s.Store.Now())
		return err
	})
	return t, secret, err
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
	t, err := s.GetToken(ctx, p, id)
	if err != nil || t.RevokedAt != nil {
		return t, err
	}
	err = s.Store.InTx(ctx, func(tx domain.Tx) error {
		now := s.Store.Now()
		if err := tx.RevokeToken(ctx, p.OrgID, id, now); err != nil {
			return err
		}
		return tx.AddAudit(ctx, domain.IdentityAudit(p, domain.AuditOperationIdentity, domain.AuditRevokeToken, id, now))
	})
	if err != nil {
		return domain.Token{}, err
	}
	return s.GetToken(ctx, p, id)
}

// mintToken creates a token for p's user, audited as p's action.
func mintToken(ctx context.Context, tx domain.Tx, p domain.Principal, name string, now time.Time) (domain.Token, string, error) {
	secret := domain.NewTokenSecret()
	t := domain.Token{
		ID: domain.NewID("tok"), OrgID: p.OrgID, UserID: p.UserID, Name: name,
		Hash: domain.HashToken(secret), Prefix: domain.TokenDisplayPrefix(secret), CreatedAt: now,
	}
	if err := tx.CreateToken(ctx, t); err != nil {
		return domain.Token{}, "", err
	}
	if err := tx.AddAudit(ctx, domain.IdentityAudit(p, domain.AuditOperationIdentity, domain.AuditCreateToken, t.ID, now)); err != nil {
		return domain.Token{}, "", err
	}
	return t, secret, nil
}
