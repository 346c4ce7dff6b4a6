package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

// FileName is the SQLite database's name inside the data directory.
const FileName = "orchestera.db"

// Open returns a migrated store: PostgreSQL when databaseURL is a postgres://
// URL, otherwise SQLite in home/orchestera.db.
func Open(ctx context.Context, databaseURL, home string) (domain.Store, error) {
	switch {
	case databaseURL == "":
		return sqlstore.OpenSQLite(ctx, filepath.Join(home, FileName))
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return sqlstore.OpenPostgres(ctx, databaseURL)
	}
	return nil, domain.Invalid("database-url", "scheme", "must start with postgres:// or postgresql:// (leave it empty for SQLite)")
}

// Describe names the store for logs without its credentials.
func Describe(databaseURL, home string) string {
	if databaseURL == "" {
		return "sqlite:" + filepath.Join(home, FileName)
	}
	return fmt.Sprintf("postgres (%s)", sqlstore.RedactURL(databaseURL))
}
