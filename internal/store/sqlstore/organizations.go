package sqlstore

import (
	"context"
	"database/sql"

	"github.com/orchestera/orchestera/internal/domain"
)

func (s queries) CreateOrganization(ctx context.Context, o domain.Organization) error {
	return s.exec(ctx, "organization", "",
		`INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)`,
		o.ID, o.Name, ms(o.CreatedAt))
}

func (s queries) GetOrganization(ctx context.Context, id string) (domain.Organization, error) {
	var o domain.Organization
	var created int64
	err := s.q.QueryRowContext(ctx, `SELECT id, name, created_at FROM organizations WHERE id = $1`, id).
		Scan(&o.ID, &o.Name, &created)
	o.CreatedAt = fromMS(created)
	return o, scanOne(err, "organization", id)
}

func (s queries) OrganizationNameTaken(ctx context.Context, name string) (bool, error) {
	var one int
	err := s.q.QueryRowContext(ctx, `SELECT 1 FROM organizations WHERE name = $1`, name).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, scanOne(err, "organization", name)
}
