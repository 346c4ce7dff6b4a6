package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/orchestera/orchestera/internal/domain"
)

const userColumns = `id, email, name, github_id, created_at`

func (s queries) CreateUser(ctx context.Context, u domain.User) error {
	return s.exec(ctx, "user", "",
		`INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		u.ID, u.Email, u.Name, nullGitHubID(u.GitHubID), ms(u.CreatedAt))
}

func (s queries) GetUser(ctx context.Context, id string) (domain.User, error) {
	return s.getUser(ctx, id, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
}

func (s queries) GetUserByEmail(ctx context.Context, email string) (domain.User, error) {
	return s.getUser(ctx, email, `SELECT `+userColumns+` FROM users WHERE email = $1`, email)
}

func (s queries) GetUserByGitHubID(ctx context.Context, githubID int64) (domain.User, error) {
	return s.getUser(ctx, strconv.FormatInt(githubID, 10), `SELECT `+userColumns+` FROM users WHERE github_id = $1`, githubID)
}

func (s queries) SetUserGitHubID(ctx context.Context, userID string, githubID int64) error {
	return s.exec(ctx, "user", userID, `UPDATE users SET github_id = $1 WHERE id = $2`, githubID, userID)
}

func (s queries) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

func (s queries) getUser(ctx context.Context, key, query string, arg any) (domain.User, error) {
	var u domain.User
	var gh sql.NullInt64
	var created int64
	err := s.q.QueryRowContext(ctx, query, arg).Scan(&u.ID, &u.Email, &u.Name, &gh, &created)
	u.GitHubID, u.CreatedAt = gh.Int64, fromMS(created)
	return u, scanOne(err, "user", key)
}

func nullGitHubID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func (s queries) GetUserInOrganization(ctx context.Context, orgID, userID string) (domain.User, domain.Organization, error) {
	var u domain.User
	var o domain.Organization
	var gh sql.NullInt64
	var uCreated, oCreated int64
	err := s.q.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.github_id, u.created_at, o.id, o.name, o.created_at
		FROM memberships m JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.org_id
		WHERE m.org_id = $1 AND m.user_id = $2`, orgID, userID).
		Scan(&u.ID, &u.Email, &u.Name, &gh, &uCreated, &o.ID, &o.Name, &oCreated)
	u.GitHubID, u.CreatedAt, o.CreatedAt = gh.Int64, fromMS(uCreated), fromMS(oCreated)
	return u, o, scanOne(err, "member", userID)
}
