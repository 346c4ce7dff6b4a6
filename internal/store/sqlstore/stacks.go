package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

const stackSelect = `SELECT id, org_id, name, kind, state, created_at, connection_id, region, options, failed_step, hint, endpoint FROM stacks`

func (s queries) CreateStack(ctx context.Context, st domain.Stack) error {
	opts, err := json.Marshal(st.Options)
	if err != nil {
		return err
	}
	return s.exec(ctx, "stack", "",
		`INSERT INTO stacks (id, org_id, name, kind, state, created_at, connection_id, region, options, failed_step, hint, endpoint)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		st.ID, st.OrgID, st.Name, string(st.Kind), string(st.State), ms(st.CreatedAt), st.ConnectionID, st.Region, string(opts), st.FailedStep, st.Hint, st.Endpoint)
}

func (s queries) GetStack(ctx context.Context, orgID, name string) (domain.Stack, error) {
	st, err := scanStack(s.q.QueryRowContext(ctx, stackSelect+` WHERE org_id = $1 AND name = $2`, orgID, name))
	return st, scanOne(err, "stack", name)
}

func (s queries) ListStacks(ctx context.Context, orgID string) ([]domain.Stack, error) {
	return list(ctx, s, scanStack, stackSelect+` WHERE org_id = $1 ORDER BY name`, orgID)
}

func (s queries) UpdateStack(ctx context.Context, st domain.Stack, from ...domain.StackState) error {
	opts, err := json.Marshal(st.Options)
	if err != nil {
		return err
	}
	args := []any{string(st.State), st.Hint, st.FailedStep, string(opts), st.ConnectionID, st.Endpoint, st.OrgID, st.ID}
	query := `UPDATE stacks SET state = $1, hint = $2, failed_step = $3, options = $4, connection_id = $5, endpoint = $6 WHERE org_id = $7 AND id = $8`
	if len(from) == 0 {
		return s.exec(ctx, "stack", st.Name, query, args...)
	}
	marks := make([]string, len(from))
	for i, f := range from {
		args = append(args, string(f))
		marks[i] = "$" + itoa(len(args))
	}
	res, err := s.q.ExecContext(ctx, query+` AND state IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("updating stack %s: %w", st.Name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	cur, err := s.GetStack(ctx, st.OrgID, st.Name)
	if err != nil {
		return err
	}
	return domain.Errorf(domain.CodeConflict, "stack %q is %s now, no longer %v", st.Name, cur.State, from)
}

func (s queries) StacksOnConnection(ctx context.Context, orgID, connectionID string) ([]domain.Stack, error) {
	return list(ctx, s, scanStack, stackSelect+` WHERE org_id = $1 AND connection_id = $2 ORDER BY name`, orgID, connectionID)
}

func (s queries) DeleteStack(ctx context.Context, orgID, id string, state domain.StackState) error {
	res, err := s.q.ExecContext(ctx, `DELETE FROM stacks WHERE org_id = $1 AND id = $2 AND state = $3`, orgID, id, string(state))
	if err != nil {
		return fmt.Errorf("deleting stack %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	return domain.Errorf(domain.CodeConflict, "stack %s is no longer %s", id, state)
}

func (s queries) StacksInState(ctx context.Context, states ...domain.StackState) ([]domain.Stack, error) {
	args := []any{string(domain.StackLocal)}
	query := stackSelect + ` WHERE kind <> $1 AND state IN (`
	for i, st := range states {
		args = append(args, string(st))
		if i > 0 {
			query += ", "
		}
		query += "$" + itoa(len(args))
	}
	return list(ctx, s, scanStack, query+`) ORDER BY created_at, id`, args...)
}

func (s queries) CountStacksOfKind(ctx context.Context, kind domain.StackKind) (int, error) {
	var n int
	err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM stacks WHERE kind = $1`, string(kind)).Scan(&n)
	return n, err
}

func scanStack(r scanner) (domain.Stack, error) {
	var st domain.Stack
	var kind, state, opts string
	var created int64
	err := r.Scan(&st.ID, &st.OrgID, &st.Name, &kind, &state, &created, &st.ConnectionID, &st.Region, &opts, &st.FailedStep, &st.Hint, &st.Endpoint)
	if err != nil {
		return st, err
	}
	st.Kind, st.State, st.CreatedAt = domain.StackKind(kind), domain.StackState(state), fromMS(created)
	return st, json.Unmarshal([]byte(opts), &st.Options)
}

const namespaceSelect = `SELECT id, org_id, stack_id, name, created_at FROM namespaces`

func (s queries) CreateNamespace(ctx context.Context, n domain.Namespace) error {
	return s.exec(ctx, "namespace", "",
		`INSERT INTO namespaces (id, org_id, stack_id, name, created_at) VALUES ($1, $2, $3, $4, $5)`,
		n.ID, n.OrgID, n.StackID, n.Name, ms(n.CreatedAt))
}

func (s queries) GetNamespace(ctx context.Context, orgID, stackID, name string) (domain.Namespace, error) {
	n, err := scanNamespace(s.q.QueryRowContext(ctx, namespaceSelect+` WHERE org_id = $1 AND stack_id = $2 AND name = $3`, orgID, stackID, name))
	return n, scanOne(err, "namespace", name)
}

func (s queries) ListNamespaces(ctx context.Context, orgID, stackID string) ([]domain.Namespace, error) {
	return list(ctx, s, scanNamespace, namespaceSelect+` WHERE org_id = $1 AND stack_id = $2 ORDER BY name`, orgID, stackID)
}

func (s queries) DeleteNamespace(ctx context.Context, orgID, stackID, name string) error {
	return s.exec(ctx, "namespace", name, `DELETE FROM namespaces WHERE org_id = $1 AND stack_id = $2 AND name = $3`, orgID, stackID, name)
}

func scanNamespace(r scanner) (domain.Namespace, error) {
	var n domain.Namespace
	var created int64
	err := r.Scan(&n.ID, &n.OrgID, &n.StackID, &n.Name, &created)
	n.CreatedAt = fromMS(created)
	return n, err
}

// list runs a query and scans every row.
func list[T any](ctx context.Context, s queries, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
