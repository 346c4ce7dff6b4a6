package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/orchestera/orchestera/internal/domain"
)

// Store is a domain.Store on a *sql.DB.
type Store struct {
	queries
	db    *sql.DB
	cache *stmtCache
	now   func() time.Time
}

// Option configures a Store when it is opened.
type Option func(*Store)

// WithClock makes the store tell time with now (a fake clock in tests).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// Now is the time at the store's resolution, milliseconds: timestamps made
// from it read back exactly as they were written.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

var _ domain.Store = (*Store)(nil)

// InTx runs fn in a transaction, committing only when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(domain.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer tx.Rollback()
	if err := fn(queries{q: prepared{db: s.db, tx: tx, cache: s.cache}, isUnique: s.isUnique}); err != nil {
		return err
	}
	return tx.Commit()
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the database.
func (s *Store) Close() error {
	s.cache.close()
	return s.db.Close()
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements domain.Tx on a querier.
type queries struct {
	q        querier
	isUnique func(error) bool
}

// exec runs a write, turning unique violations into Conflict errors, and
// reports NotFound when it touched no row and kind is not empty.
func (s queries) exec(ctx context.Context, kind, id, query string, args ...any) error {
	res, err := s.q.ExecContext(ctx, query, args...)
	if err != nil {
		if s.isUnique(err) {
			return domain.Errorf(domain.CodeConflict, "%s already exists", kind)
		}
		return fmt.Errorf("writing %s: %w", kind, err)
	}
	if id == "" {
		return nil
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return domain.NotFound(kind, id)
	}
	return nil
}

// scanOne maps sql.ErrNoRows to NotFound.
func scanOne(err error, kind, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.NotFound(kind, id)
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", kind, err)
	}
	return nil
}

// Times are stored as Unix milliseconds: one portable type for both dialects.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}
