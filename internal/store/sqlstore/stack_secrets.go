package sqlstore

import (
	"context"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
)

func (s queries) PutStackSecret(ctx context.Context, ss domain.StoredSecret) error {
	return s.exec(ctx, "secret", "",
		`INSERT INTO stack_secrets (stack_id, namespace, alias, keys, sealed, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (stack_id, namespace, alias) DO UPDATE SET keys = excluded.keys, sealed = excluded.sealed, updated_at = excluded.updated_at`,
		ss.StackID, ss.Namespace, ss.Alias, strings.Join(ss.Keys, ","), ss.Sealed, ms(ss.UpdatedAt))
}

func (s queries) ListStackSecrets(ctx context.Context, stackID string) ([]domain.StoredSecret, error) {
	return list(ctx, s, func(r scanner) (domain.StoredSecret, error) {
		var ss domain.StoredSecret
		var keys string
		var at int64
		err := r.Scan(&ss.StackID, &ss.Namespace, &ss.Alias, &keys, &ss.Sealed, &at)
		ss.Keys, ss.UpdatedAt = strings.Split(keys, ","), fromMS(at)
		return ss, err
	}, `SELECT stack_id, namespace, alias, keys, sealed, updated_at FROM stack_secrets WHERE stack_id = $1 ORDER BY namespace, alias`, stackID)
}

func (s queries) DeleteStackSecret(ctx context.Context, stackID, namespace, alias string) error {
	return s.exec(ctx, "secret", alias, `DELETE FROM stack_secrets WHERE stack_id = $1 AND namespace = $2 AND alias = $3`, stackID, namespace, alias)
}
