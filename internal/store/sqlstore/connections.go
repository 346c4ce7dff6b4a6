package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

func (s queries) GetExternalID(ctx context.Context, orgID string) (string, error) {
	var id string
	err := s.q.QueryRowContext(ctx, `SELECT external_id FROM external_ids WHERE org_id = $1`, orgID).Scan(&id)
	return id, scanOne(err, "external id", orgID)
}

func (s queries) SetExternalID(ctx context.Context, orgID, externalID string, at time.Time) error {
	return s.exec(ctx, "external id", "",
		`INSERT INTO external_ids (org_id, external_id, set_at) VALUES ($1, $2, $3)
		 ON CONFLICT (org_id) DO UPDATE SET external_id = excluded.external_id, set_at = excluded.set_at`,
		orgID, externalID, ms(at))
}

// EnsureExternalID inserts the candidate unless a row exists, then reads
// whichever row won: PostgreSQL makes a concurrent insert of the same key
// wait for the first to commit, so every caller reads the same ID.
func (s queries) EnsureExternalID(ctx context.Context, orgID, candidate string, at time.Time) (string, error) {
	if err := s.exec(ctx, "external id", "",
		`INSERT INTO external_ids (org_id, external_id, set_at) VALUES ($1, $2, $3) ON CONFLICT (org_id) DO NOTHING`,
		orgID, candidate, ms(at)); err != nil {
		return "", err
	}
	return s.GetExternalID(ctx, orgID)
}

const connectionSelect = `SELECT id, org_id, role_arn, account_id, regions, state, hint, created_at, last_verified_at FROM aws_connections`

func (s queries) CreateConnection(ctx context.Context, c domain.AWSConnection) error {
	return s.exec(ctx, "connection for this role", "",
		`INSERT INTO aws_connections (id, org_id, role_arn, account_id, regions, state, hint, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, c.OrgID, c.RoleARN, c.AccountID, strings.Join(c.Regions, ","), string(c.State), c.Hint, ms(c.CreatedAt))
}

func (s queries) GetConnection(ctx context.Context, orgID, id string) (domain.AWSConnection, error) {
	c, err := scanConnection(s.q.QueryRowContext(ctx, connectionSelect+` WHERE org_id = $1 AND id = $2`, orgID, id))
	return c, scanOne(err, "connection", id)
}

func (s queries) ListConnections(ctx context.Context, orgID string) ([]domain.AWSConnection, error) {
	return list(ctx, s, scanConnection, connectionSelect+` WHERE org_id = $1 ORDER BY created_at, id`, orgID)
}

func (s queries) AllConnections(ctx context.Context) ([]domain.AWSConnection, error) {
	return list(ctx, s, scanConnection, connectionSelect+` ORDER BY created_at, id`)
}

func (s queries) UpdateConnection(ctx context.Context, c domain.AWSConnection) error {
	return s.exec(ctx, "connection", c.ID,
		`UPDATE aws_connections SET regions = $1, state = $2, hint = $3, last_verified_at = $4 WHERE org_id = $5 AND id = $6`,
		strings.Join(c.Regions, ","), string(c.State), c.Hint, nullMS(c.LastVerifiedAt), c.OrgID, c.ID)
}

func (s queries) DeleteConnection(ctx context.Context, orgID, id string) error {
	return s.exec(ctx, "connection", id, `DELETE FROM aws_connections WHERE org_id = $1 AND id = $2`, orgID, id)
}

func scanConnection(r scanner) (domain.AWSConnection, error) {
	var c domain.AWSConnection
	var regions, state string
	var created int64
	var verified sql.NullInt64
	err := r.Scan(&c.ID, &c.OrgID, &c.RoleARN, &c.AccountID, &regions, &state, &c.Hint, &created, &verified)
	c.Regions, c.State, c.CreatedAt, c.LastVerifiedAt = strings.Split(regions, ","), domain.ConnectionState(state), fromMS(created), fromNullMS(verified)
	return c, err
}

func (s queries) SaveVerification(ctx context.Context, v domain.Verification) error {
	checks, err := json.Marshal(v.Checks)
	if err != nil {
		return err
	}
	verified := 0
	if v.Verified {
		verified = 1
	}
	return s.exec(ctx, "verification", "",
		`INSERT INTO verifications (id, org_id, connection_id, started_at, ended_at, verified, checks) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		v.ID, v.OrgID, v.ConnectionID, ms(v.StartedAt), ms(v.EndedAt), verified, string(checks))
}

func (s queries) LatestVerification(ctx context.Context, orgID, connectionID string) (domain.Verification, error) {
	var v domain.Verification
	var started, ended int64
	var verified int
	var checks string
	err := s.q.QueryRowContext(ctx, `SELECT id, org_id, connection_id, started_at, ended_at, verified, checks FROM verifications
		WHERE org_id = $1 AND connection_id = $2 ORDER BY started_at DESC, id DESC LIMIT 1`, orgID, connectionID).
		Scan(&v.ID, &v.OrgID, &v.ConnectionID, &started, &ended, &verified, &checks)
	if err := scanOne(err, "verification of connection", connectionID); err != nil {
		return v, err
	}
	v.StartedAt, v.EndedAt, v.Verified = fromMS(started), fromMS(ended), verified == 1
	return v, json.Unmarshal([]byte(checks), &v.Checks)
}

func (s queries) AddConnectionEvent(ctx context.Context, e domain.ConnectionEvent) error {
	return s.exec(ctx, "connection event", "",
		`INSERT INTO connection_events (id, org_id, connection_id, at, kind, message) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.ID, e.OrgID, e.ConnectionID, ms(e.At), e.Kind, e.Message)
}

func (s queries) ListConnectionEvents(ctx context.Context, orgID, connectionID string) ([]domain.ConnectionEvent, error) {
	return list(ctx, s, func(r scanner) (domain.ConnectionEvent, error) {
		var e domain.ConnectionEvent
		var at int64
		err := r.Scan(&e.ID, &e.OrgID, &e.ConnectionID, &at, &e.Kind, &e.Message)
		e.At = fromMS(at)
		return e, err
	}, `SELECT id, org_id, connection_id, at, kind, message FROM connection_events WHERE org_id = $1 AND connection_id = $2 ORDER BY at, id`, orgID, connectionID)
}

const auditColumns = `id, org_id, connection_id, stack, operation, action, target, at, outcome, actor_user_id, actor_token_id`

func (s queries) AddAudit(ctx context.Context, a domain.AuditEntry) error {
	return s.exec(ctx, "audit entry", "",
		`INSERT INTO audit_log (`+auditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		a.ID, a.OrgID, a.ConnectionID, a.Stack, a.Operation, a.Action, a.Target, ms(a.At), a.Outcome, a.ActorUserID, a.ActorTokenID)
}

func (s queries) ListAudit(ctx context.Context, orgID string, f domain.AuditFilter) ([]domain.AuditEntry, error) {
	where, args := []string{"org_id = $1"}, []any{orgID}
	add := func(cond string, vs ...any) {
		marks := make([]any, len(vs))
		for i, v := range vs {
			args = append(args, v)
			marks[i] = len(args)
		}
		where = append(where, fmt.Sprintf(cond, marks...))
	}
	if f.ConnectionID != "" {
		add("connection_id = $%d", f.ConnectionID)
	}
	if f.Stack != "" {
		add("stack = $%d", f.Stack)
	}
	if f.Actor != "" {
		add("(actor_user_id = $%d OR actor_token_id = $%d)", f.Actor, f.Actor)
	}
	if !f.Since.IsZero() {
		add("at >= $%d", ms(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < $%d", ms(f.Until))
	}
	if f.BeforeID != "" {
		add("(at < $%d OR (at = $%d AND id < $%d))", ms(f.BeforeAt), ms(f.BeforeAt), f.BeforeID)
	}
	args = append(args, f.Limit)
	query := fmt.Sprintf("SELECT %s FROM audit_log WHERE %s ORDER BY at DESC, id DESC LIMIT $%d", auditColumns, strings.Join(where, " AND "), len(args))
	return list(ctx, s, func(r scanner) (domain.AuditEntry, error) {
		var a domain.AuditEntry
		var at int64
		err := r.Scan(&a.ID, &a.OrgID, &a.ConnectionID, &a.Stack, &a.Operation, &a.Action, &a.Target, &at, &a.Outcome, &a.ActorUserID, &a.ActorTokenID)
		a.At = fromMS(at)
		return a, err
	}, query, args...)
}
