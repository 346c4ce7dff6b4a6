// Package pgtest opens a fresh store on the PostgreSQL that `make test`
// starts (ORCHESTERA_TEST_POSTGRES_URL), in a schema of its own per test, so
// tests of the store and of the services run on real PostgreSQL with real
// concurrency. Without the URL a test skips, and fails under CI=true.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orchestera/orchestera/internal/store/sqlstore"
)

// URLVar names the environment variable with the database URL.
const URLVar = "ORCHESTERA_TEST_POSTGRES_URL"

var schemaSeq atomic.Int64

// URL returns the test database's URL, skipping t without one (failing it
// under CI=true: a missing dependency is a failure there).
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(URLVar)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(URLVar + " is not set: run the tests through `make test`, which starts PostgreSQL (scripts/test-postgres.sh start)")
		}
		t.Skip(URLVar + " not set; `make test` sets it")
	}
	return base
}

// Open returns a migrated store in a new, empty schema that is dropped when
// the test ends.
func Open(t testing.TB, opts ...sqlstore.Option) *sqlstore.Store {
	t.Helper()
	base := URL(t)
	schema := fmt.Sprintf("t_%d_%d", os.Getpid(), schemaSeq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("creating a schema on %s: %v", sqlstore.RedactURL(base), err)
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	s, err := sqlstore.OpenPostgres(context.Background(), base+sep+"search_path="+schema, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
