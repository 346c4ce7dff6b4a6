package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// prepared runs every query through a prepared statement cached by its
// text. Parsing SQL was most of the cost of an authenticated read on SQLite
// (measured with bench/api), and the store has a few dozen fixed queries, so
// the cache stays small.
type prepared struct {
	db    *sql.DB
	tx    *sql.Tx // nil outside a transaction
	cache *stmtCache
}

// stmtCache is read on every query and written once per query text, the
// case sync.Map is made for.
type stmtCache struct{ stmts sync.Map } // query text -> *sql.Stmt

func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	if st, ok := c.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.stmts.LoadOrStore(query, st); loaded {
		st.Close() // another goroutine prepared it first
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (c *stmtCache) close() {
	c.stmts.Range(func(k, st any) bool {
		st.(*sql.Stmt).Close()
		c.stmts.Delete(k)
		return true
	})
}

// stmt returns the cached statement, bound to the transaction if any. In a
// transaction a statement not cached yet is not prepared on the pool: that
// needs a second connection while the transaction holds one, and with every
// connection held by a transaction (SQLite writers waiting for the one
// that holds the lock) it never comes. It returns nil then, and the query
// runs on the transaction unprepared.
func (p prepared) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if p.tx != nil {
		st, ok := p.cache.stmts.Load(query)
		if !ok {
			return nil, nil
		}
		return p.tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	return p.cache.get(ctx, p.db, query)
}

func (p prepared) direct() querier {
	if p.tx != nil {
		return p.tx
	}
	return p.db
}

func (p prepared) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return p.tx.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (p prepared) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return p.tx.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (p prepared) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		// *sql.Row cannot carry an error of ours; the unprepared query
		// fails the same way and reports it through Scan.
		return p.direct().QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}
