package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

const tokenSelect = `SELECT id, org_id, user_id, name, hash, prefix, created_at, last_used_at, revoked_at FROM tokens`

func (s queries) CreateToken(ctx context.Context, t domain.Token) error {
	return s.exec(ctx, "token", "",
		`INSERT INTO tokens (id, org_id, user_id, name, hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.ID, t.OrgID, t.UserID, t.Name, t.Hash, t.Prefix, ms(t.CreatedAt))
}

func (s queries) GetToken(ctx context.Context, orgID, id string) (domain.Token, error) {
	t, err := scanToken(s.q.QueryRowContext(ctx, tokenSelect+` WHERE org_id = $1 AND id = $2`, orgID, id))
	return t, scanOne(err, "token", id)
}

// ResolveToken is one query because it runs on every authenticated request.
func (s queries) ResolveToken(ctx context.Context, hash string) (domain.Token, domain.Role, error) {
	var t domain.Token
	var role string
	var created int64
	var lastUsed, revoked sql.NullInt64
	err := s.q.QueryRowContext(ctx, `SELECT t.id, t.org_id, t.user_id, t.name, t.hash, t.prefix, t.created_at, t.last_used_at, t.revoked_at, m.role
		FROM tokens t JOIN memberships m ON m.org_id = t.org_id AND m.user_id = t.user_id WHERE t.hash = $1`, hash).
		Scan(&t.ID, &t.OrgID, &t.UserID, &t.Name, &t.Hash, &t.Prefix, &created, &lastUsed, &revoked, &role)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), fromNullMS(lastUsed), fromNullMS(revoked)
	return t, domain.Role(role), scanOne(err, "token", "(presented secret)")
}

func (s queries) ListTokens(ctx context.Context, orgID, userID string) ([]domain.Token, error) {
	return list(ctx, s, scanToken, tokenSelect+` WHERE org_id = $1 AND user_id = $2 ORDER BY created_at, id`, orgID, userID)
}

func (s queries) RevokeToken(ctx context.Context, orgID, id string, at time.Time) error {
	return s.exec(ctx, "token", id,
		`UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE org_id = $2 AND id = $3`, ms(at), orgID, id)
}

func (s queries) RevokeUserTokens(ctx context.Context, orgID, userID string, at time.Time) error {
	return s.exec(ctx, "token", "",
		`UPDATE tokens SET revoked_at = $1 WHERE org_id = $2 AND user_id = $3 AND revoked_at IS NULL`, ms(at), orgID, userID)
}

func (s queries) TouchToken(ctx context.Context, id string, at time.Time) error {
	return s.exec(ctx, "token", id, `UPDATE tokens SET last_used_at = $1 WHERE id = $2`, ms(at), id)
}

func scanToken(r scanner) (domain.Token, error) {
	var t domain.Token
	var created int64
	var lastUsed, revoked sql.NullInt64
	err := r.Scan(&t.ID, &t.OrgID, &t.UserID, &t.Name, &t.Hash, &t.Prefix, &created, &lastUsed, &revoked)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), fromNullMS(lastUsed), fromNullMS(revoked)
	return t, err
}

func (s queries) CreateSignInTicket(ctx context.Context, t domain.SignInTicket) error {
	if err := s.exec(ctx, "sign-in ticket", "", `DELETE FROM signin_tickets WHERE expires_at < $1`, ms(t.CreatedAt)); err != nil {
		return err
	}
	return s.exec(ctx, "sign-in ticket", "",
		`INSERT INTO signin_tickets (hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		t.Hash, t.UserID, ms(t.CreatedAt), ms(t.ExpiresAt))
}

func (s queries) GetSignInTicket(ctx context.Context, hash string) (domain.SignInTicket, error) {
	var t domain.SignInTicket
	var created, expires int64
	err := s.q.QueryRowContext(ctx, `SELECT hash, user_id, created_at, expires_at FROM signin_tickets WHERE hash = $1`, hash).
		Scan(&t.Hash, &t.UserID, &created, &expires)
	t.CreatedAt, t.ExpiresAt = fromMS(created), fromMS(expires)
	return t, scanOne(err, "sign-in ticket", "(presented ticket)")
}

func (s queries) DeleteSignInTicket(ctx context.Context, hash string) error {
	return s.exec(ctx, "sign-in ticket", "(presented ticket)", `DELETE FROM signin_tickets WHERE hash = $1`, hash)
}
