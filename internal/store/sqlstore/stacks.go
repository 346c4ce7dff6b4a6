package sqlstore

import (
	"context"

	"github.com/orchestera/orchestera/internal/domain"
)

const stackSelect = `SELECT id, org_id, name, kind, state, created_at FROM stacks`

func (s queries) CreateStack(ctx context.Context, st domain.Stack) error {
	return s.exec(ctx, "stack", "",
		`INSERT INTO stacks (id, org_id, name, kind, state, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		st.ID, st.OrgID, st.Name, string(st.Kind), string(st.State), ms(st.CreatedAt))
}

func (s queries) GetStack(ctx context.Context, orgID, name string) (domain.Stack, error) {
	st, err := scanStack(s.q.QueryRowContext(ctx, stackSelect+` WHERE org_id = $1 AND name = $2`, orgID, name))
	return st, scanOne(err, "stack", name)
}

func (s queries) ListStacks(ctx context.Context, orgID string) ([]domain.Stack, error) {
	return list(ctx, s, scanStack, stackSelect+` WHERE org_id = $1 ORDER BY name`, orgID)
}

func scanStack(r scanner) (domain.Stack, error) {
	var st domain.Stack
	var kind, state string
	var created int64
	err := r.Scan(&st.ID, &st.OrgID, &st.Name, &kind, &state, &created)
	st.Kind, st.State, st.CreatedAt = domain.StackKind(kind), domain.StackState(state), fromMS(created)
	return st, err
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
