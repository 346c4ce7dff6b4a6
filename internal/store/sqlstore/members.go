package sqlstore

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

const memberSelect = `SELECT m.org_id, m.user_id, m.role, m.created_at, u.email, u.name
	FROM memberships m JOIN users u ON u.id = m.user_id`

func (s queries) AddMember(ctx context.Context, m domain.Membership) error {
	return s.exec(ctx, "membership", "",
		`INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		m.OrgID, m.UserID, string(m.Role), ms(m.CreatedAt))
}

func (s queries) MembershipOf(ctx context.Context, userID string) (domain.Membership, error) {
	m, err := scanMember(s.q.QueryRowContext(ctx, memberSelect+` WHERE m.user_id = $1`, userID))
	return m.Membership, scanOne(err, "membership", userID)
}

func (s queries) GetMember(ctx context.Context, orgID, userID string) (domain.Member, error) {
	m, err := scanMember(s.q.QueryRowContext(ctx, memberSelect+` WHERE m.org_id = $1 AND m.user_id = $2`, orgID, userID))
	return m, scanOne(err, "member", userID)
}

func (s queries) ListMembers(ctx context.Context, orgID string) ([]domain.Member, error) {
	return list(ctx, s, scanMember, memberSelect+` WHERE m.org_id = $1 ORDER BY u.email`, orgID)
}

func (s queries) RemoveMember(ctx context.Context, orgID, userID string) error {
	return s.exec(ctx, "member", userID, `DELETE FROM memberships WHERE org_id = $1 AND user_id = $2`, orgID, userID)
}

// LockMembers locks the organization's row with a write that changes
// nothing: PostgreSQL holds the row lock until the transaction ends, so a
// second locker waits, and SQLite's write transactions (BEGIN IMMEDIATE)
// are serialized already. One portable statement for both dialects.
func (s queries) LockMembers(ctx context.Context, orgID string) error {
	return s.exec(ctx, "organization", orgID, `UPDATE organizations SET name = name WHERE id = $1`, orgID)
}

type scanner interface{ Scan(dest ...any) error }

func scanMember(r scanner) (domain.Member, error) {
	var m domain.Member
	var role string
	var created int64
	err := r.Scan(&m.OrgID, &m.UserID, &role, &created, &m.Email, &m.Name)
	m.Role, m.CreatedAt = domain.Role(role), fromMS(created)
	return m, err
}
