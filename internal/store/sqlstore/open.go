package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// OpenSQLite opens (creating if needed) a SQLite database file with WAL,
// foreign keys and a busy timeout, and migrates it.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	// The database holds every organization's external ID and token
	// hashes: only its owner may read it. SQLite gives the -wal and -shm
	// files the database file's mode.
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// Keep every connection open: database/sql's default of 2 idle
	// connections made concurrent requests open and close SQLite connections
	// (and re-prepare statements) all the time. WAL lets the readers share.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	return open(ctx, db, isSQLiteUnique, opts)
}

// ownerOnly creates the database file with mode 0600, or narrows an
// existing one (and its -wal and -shm files) to it.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("creating the database file: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("making %s readable by its owner only: %w", p, err)
		}
	}
	return nil
}

// OpenPostgres connects to PostgreSQL and migrates the database.
func OpenPostgres(ctx context.Context, databaseURL string, opts ...Option) (*Store, error) {
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", RedactURL(databaseURL), err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	return open(ctx, db, isPostgresUnique, opts)
}

func open(ctx context.Context, db *sql.DB, isUnique func(error) bool, opts []Option) (*Store, error) {
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to the database: %w", err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	cache := &stmtCache{}
	s := &Store{queries: queries{q: prepared{db: db, cache: cache}, isUnique: isUnique}, db: db, cache: cache, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

func isSQLiteUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func isPostgresUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// RedactURL drops the password from a database URL.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return strings.Replace(u.String(), "xxxxx", "***", 1)
}
