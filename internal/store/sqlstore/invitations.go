package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

const invitationSelect = `SELECT id, org_id, email, role, created_by, created_at, expires_at, accepted_at, revoked_at FROM invitations`

func (s queries) CreateInvitation(ctx context.Context, i domain.Invitation) error {
	return s.exec(ctx, "open invitation for this email", "",
		`INSERT INTO invitations (id, org_id, email, role, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		i.ID, i.OrgID, i.Email, string(i.Role), i.CreatedBy, ms(i.CreatedAt), ms(i.ExpiresAt))
}

func (s queries) GetInvitation(ctx context.Context, orgID, id string) (domain.Invitation, error) {
	i, err := scanInvitation(s.q.QueryRowContext(ctx, invitationSelect+` WHERE org_id = $1 AND id = $2`, orgID, id))
	return i, scanOne(err, "invitation", id)
}

func (s queries) ListInvitations(ctx context.Context, orgID string) ([]domain.Invitation, error) {
	return list(ctx, s, scanInvitation, invitationSelect+` WHERE org_id = $1 ORDER BY created_at DESC, id`, orgID)
}

func (s queries) InvitationsForEmail(ctx context.Context, email string) ([]domain.Invitation, error) {
	return list(ctx, s, scanInvitation, invitationSelect+` WHERE email = $1 ORDER BY created_at DESC, id`, email)
}

func (s queries) MarkInvitationAccepted(ctx context.Context, orgID, id string, at time.Time) error {
	return s.exec(ctx, "invitation", id,
		`UPDATE invitations SET accepted_at = $1 WHERE org_id = $2 AND id = $3 AND accepted_at IS NULL AND revoked_at IS NULL`,
		ms(at), orgID, id)
}

func (s queries) MarkInvitationRevoked(ctx context.Context, orgID, id string, at time.Time) error {
	return s.exec(ctx, "invitation", id,
		`UPDATE invitations SET revoked_at = $1 WHERE org_id = $2 AND id = $3 AND accepted_at IS NULL AND revoked_at IS NULL`,
		ms(at), orgID, id)
}

func scanInvitation(r scanner) (domain.Invitation, error) {
	var i domain.Invitation
	var role string
	var created, expires int64
	var accepted, revoked sql.NullInt64
	err := r.Scan(&i.ID, &i.OrgID, &i.Email, &role, &i.CreatedBy, &created, &expires, &accepted, &revoked)
	i.Role, i.CreatedAt, i.ExpiresAt = domain.Role(role), fromMS(created), fromMS(expires)
	i.AcceptedAt, i.RevokedAt = fromNullMS(accepted), fromNullMS(revoked)
	return i, err
}
