package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orchestera/orchestera/internal/domain"
	"github.com/orchestera/orchestera/internal/store/pgtest"
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

// TestPostgresContract runs the same suite on the PostgreSQL that `make test`
// starts (ORCHESTERA_TEST_POSTGRES_URL). Each test gets its own schema.
func TestPostgresContract(t *testing.T) {
	pgtest.URL(t)
	storetest.Run(t, func(t *testing.T) domain.Store { return pgtest.Open(t) })
}

func TestRedactURL(t *testing.T) {
	got := sqlstore.RedactURL("postgres://orch:s3cret@db:5432/orch?sslmode=disable")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "orch:***@db") {
		t.Fatalf("RedactURL = %q", got)
	}
}

// TestSQLiteFileIsOwnerOnly: the database holds every organization's
// external ID; under the usual umask 022 it was world-readable.
func TestSQLiteFileIsOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orchestera.db")
	check := func(when string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if os.IsNotExist(err) && p != path {
				continue
			}
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: %s mode %v, %v; want 0600", when, p, fi.Mode().Perm(), err)
			}
		}
	}
	s, err := sqlstore.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOrganization(context.Background(), domain.Organization{ID: "org_x", Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	check("a new database")
	s.Close()

	// A database an older release left readable is narrowed on open.
	os.Chmod(path, 0o644)
	s, err = sqlstore.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check("an existing database")
}
