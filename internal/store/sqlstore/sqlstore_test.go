package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/store/sqlstore"
	"github.com/orchestera/orchestera/internal/store/storetest"
)

func TestSQLiteContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) domain.Store {
		s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "orchestera.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

var schemaSeq atomic.Int64

// TestPostgresContract runs the same suite on the PostgreSQL that `make test`
// starts (ORCHESTERA_TEST_POSTGRES_URL). Each test gets its own schema.
func TestPostgresContract(t *testing.T) {
	base := os.Getenv("ORCHESTERA_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ORCHESTERA_TEST_POSTGRES_URL is not set: run the tests through `make test`, which starts PostgreSQL")
		}
		t.Skip("ORCHESTERA_TEST_POSTGRES_URL not set; `make test` sets it")
	}
	storetest.Run(t, func(t *testing.T) domain.Store {
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
		s, err := sqlstore.OpenPostgres(context.Background(), base+sep+"search_path="+schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestRedactURL(t *testing.T) {
	got := sqlstore.RedactURL("postgres://orch:s3cret@db:5432/orch?sslmode=disable")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "orch:***@db") {
		t.Fatalf("RedactURL = %q", got)
	}
}
