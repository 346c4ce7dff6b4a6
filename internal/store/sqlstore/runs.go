package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

const runSelect = `SELECT id, org_id, stack_id, stack_name, stack_kind, namespace, idempotency_key, spec, state, reason,
	exit_code, hint, created_by, created_at, started_at, ended_at, pid, pid_start FROM runs`

// CreateRun keeps a run; its project archive, if any, goes to a table of
// its own.
func (s queries) CreateRun(ctx context.Context, r domain.Run) error {
	archive := r.Spec.ProjectArchive
	r.Spec.ProjectArchive = nil
	spec, err := json.Marshal(r.Spec)
	if err != nil {
		return err
	}
	if err := s.exec(ctx, "run with this idempotency key", "",
		`INSERT INTO runs (id, org_id, stack_id, stack_name, stack_kind, namespace, idempotency_key, spec, state, created_by, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, r.OrgID, r.StackID, r.StackName, string(r.StackKind), r.Namespace, r.IdempotencyKey, string(spec), string(r.State), r.CreatedBy, ms(r.CreatedAt)); err != nil {
		return err
	}
	if len(archive) == 0 {
		return nil
	}
	return s.exec(ctx, "run archive", "", `INSERT INTO run_archives (run_id, archive) VALUES ($1, $2)`, r.ID, base64.StdEncoding.EncodeToString(archive))
}

func (s queries) GetRunArchive(ctx context.Context, runID string) ([]byte, error) {
	var enc string
	if err := scanOne(s.q.QueryRowContext(ctx, `SELECT archive FROM run_archives WHERE run_id = $1`, runID).Scan(&enc), "run archive", runID); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(enc)
}

func (s queries) GetRun(ctx context.Context, orgID, id string) (domain.Run, error) {
	r, err := scanRun(s.q.QueryRowContext(ctx, runSelect+` WHERE org_id = $1 AND id = $2`, orgID, id))
	return r, scanOne(err, "run", id)
}

func (s queries) GetRunByIdempotencyKey(ctx context.Context, orgID, key string) (domain.Run, error) {
	r, err := scanRun(s.q.QueryRowContext(ctx, runSelect+` WHERE org_id = $1 AND idempotency_key = $2`, orgID, key))
	return r, scanOne(err, "run", key)
}

func (s queries) ListRuns(ctx context.Context, orgID string, f domain.RunFilter) ([]domain.Run, error) {
	where, args := []string{"org_id = $1"}, []any{orgID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.StackName != "" {
		add("stack_name = $%d", f.StackName)
	}
	if f.Namespace != "" {
		add("namespace = $%d", f.Namespace)
	}
	if f.State != "" {
		add("state = $%d", string(f.State))
	}
	if f.AfterID != "" {
		args = append(args, ms(f.AfterCreatedAt), f.AfterID)
		where = append(where, fmt.Sprintf("(created_at < $%d OR (created_at = $%d AND id < $%d))", len(args)-1, len(args)-1, len(args)))
	}
	args = append(args, f.Limit)
	query := fmt.Sprintf("%s WHERE %s ORDER BY created_at DESC, id DESC LIMIT $%d", runSelect, strings.Join(where, " AND "), len(args))
	return list(ctx, s, scanRun, query, args...)
}

func (s queries) UpdateRun(ctx context.Context, r domain.Run, from ...domain.RunState) error {
	args := []any{string(r.State), string(r.Reason), nullInt(r.ExitCode), r.Hint, nullMS(r.StartedAt), nullMS(r.EndedAt), r.PID, r.PIDStart, r.OrgID, r.ID}
	marks := make([]string, len(from))
	for i, st := range from {
		args = append(args, string(st))
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	res, err := s.q.ExecContext(ctx, `UPDATE runs SET state = $1, reason = $2, exit_code = $3, hint = $4, started_at = $5,
		ended_at = $6, pid = $7, pid_start = $8 WHERE org_id = $9 AND id = $10 AND state IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("updating run %s: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return domain.Errorf(domain.CodeConflict, "run %s is no longer %v", r.ID, from)
	}
	return nil
}

func (s queries) RunsInState(ctx context.Context, kind domain.StackKind, states ...domain.RunState) ([]domain.Run, error) {
	args := []any{string(kind)}
	marks := make([]string, len(states))
	for i, st := range states {
		args = append(args, string(st))
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	return list(ctx, s, scanRun, runSelect+` WHERE stack_kind = $1 AND state IN (`+strings.Join(marks, ", ")+`) ORDER BY created_at, id`, args...)
}

func (s queries) LiveRunsPerStack(ctx context.Context, kind domain.StackKind) (map[string]int, error) {
	type row struct {
		stack string
		n     int
	}
	rows, err := list(ctx, s, func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.stack, &x.n)
	}, `SELECT stack_id, COUNT(*) FROM runs WHERE stack_kind = $1 AND state IN ('starting', 'running') GROUP BY stack_id`, string(kind))
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.stack] = r.n
	}
	return out, err
}

func (s queries) CountRunsAhead(ctx context.Context, r domain.Run) (int, error) {
	var n int
	err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE org_id = $1 AND stack_id = $2 AND id <> $3 AND
		(state IN ('starting', 'running') OR (state = 'pending' AND (created_at < $4 OR (created_at = $4 AND id < $3))))`,
		r.OrgID, r.StackID, r.ID, ms(r.CreatedAt)).Scan(&n)
	return n, err
}

func scanRun(r scanner) (domain.Run, error) {
	var run domain.Run
	var spec, state, reason, kind string
	var exit sql.NullInt64
	var created int64
	var started, ended sql.NullInt64
	err := r.Scan(&run.ID, &run.OrgID, &run.StackID, &run.StackName, &kind, &run.Namespace, &run.IdempotencyKey, &spec, &state, &reason,
		&exit, &run.Hint, &run.CreatedBy, &created, &started, &ended, &run.PID, &run.PIDStart)
	if err != nil {
		return run, err
	}
	run.State, run.Reason, run.CreatedAt = domain.RunState(state), domain.FailureReason(reason), fromMS(created)
	run.StackKind = domain.StackKind(kind)
	run.StartedAt, run.EndedAt = fromNullMS(started), fromNullMS(ended)
	if exit.Valid {
		code := int(exit.Int64)
		run.ExitCode = &code
	}
	return run, json.Unmarshal([]byte(spec), &run.Spec)
}

func nullInt(v *int) sql.NullInt64 {
	if v == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*v), Valid: true}
}
